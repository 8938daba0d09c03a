// Latch and WaitGroup: waiting for zero, misuse, plain threads, reuse, cancellation.
#include "corio/sync/latch.hpp"

#include <gtest/gtest.h>

#include <atomic>
#include <chrono>
#include <string>
#include <thread>
#include <vector>

#include "corio/corio.hpp"

namespace {

using namespace std::chrono_literals;
const corio::RuntimeOptions kManual{.workers = 2, .clock = corio::ClockKind::manual};

corio::Task<int> wait_latch(corio::Latch* l) {
  co_await l->wait();
  co_return 1;
}

corio::Task<int> count_down_after_work(corio::Latch* l) {
  co_await corio::yield_now();
  l->count_down();
  co_return 0;
}

TEST(LatchTest, WaitReturnsOnceTheCountReachesZero) {
  auto body = []() -> corio::Task<bool> {
    corio::Latch l(3);
    auto w = corio::spawn(wait_latch(&l));
    co_await corio::sleep_for(1ms);
    EXPECT_FALSE(w.is_done());
    std::vector<corio::JoinHandle<int>> hs;
    for (int i = 0; i < 3; ++i) hs.push_back(corio::spawn(count_down_after_work(&l)));
    for (auto& h : hs) co_await h;
    co_await l.wait();
    co_return co_await w == 1 && l.is_ready();
  };
  EXPECT_TRUE(corio::run(body(), kManual));
}

TEST(LatchTest, CountingDownPastZeroThrowsUsageError) {
  corio::Latch l(1);
  EXPECT_THROW(l.count_down(2), corio::UsageError);
  l.count_down();
  EXPECT_THROW(l.count_down(), corio::UsageError);
  EXPECT_THROW(corio::Latch(-1), corio::UsageError);
}

TEST(LatchTest, APlainThreadWaitsForTasksToCountDown) {
  corio::Latch l(2);
  corio::Runtime rt({.workers = 2});
  std::thread waiter([&l] { l.wait_blocking(); });
  auto h1 = rt.spawn(count_down_after_work(&l));
  auto h2 = rt.spawn(count_down_after_work(&l));
  waiter.join();
  EXPECT_TRUE(l.is_ready());
}

TEST(LatchTest, ACancelledWaitThrowsAndLeavesTheQueue) {
  auto body = []() -> corio::Task<bool> {
    corio::Latch l(1);
    auto a = corio::spawn(wait_latch(&l));
    auto b = corio::spawn(wait_latch(&l));
    co_await corio::sleep_for(1ms);
    a.cancel();
    bool cancelled = false;
    try {
      co_await a;
    } catch (const corio::CancelledError&) {
      cancelled = true;
    }
    l.count_down();
    co_return cancelled&& co_await b == 1;
  };
  EXPECT_TRUE(corio::run(body(), kManual));
}

corio::Task<int> worker(corio::WaitGroup* wg, std::atomic<int>* done) {
  co_await corio::sleep_for(1ms);
  done->fetch_add(1);
  wg->done();
  co_return 0;
}

TEST(WaitGroupTest, WaitReturnsWhenEveryAddedPieceIsDoneAndTheGroupIsReusable) {
  auto body = []() -> corio::Task<bool> {
    corio::WaitGroup wg;
    std::atomic<int> done{0};
    co_await wg.wait();  // zero: returns at once
    for (int round = 1; round <= 2; ++round) {
      wg.add(4);
      for (int i = 0; i < 4; ++i) corio::spawn(worker(&wg, &done)).detach();
      co_await wg.wait();
      EXPECT_EQ(done.load(), 4 * round);
      EXPECT_EQ(wg.count(), 0);
    }
    co_return true;
  };
  EXPECT_TRUE(corio::run(body(), kManual));
}

TEST(WaitGroupTest, DoneMoreOftenThanAddedThrowsUsageError) {
  corio::WaitGroup wg;
  wg.add(1);
  wg.done();
  EXPECT_THROW(wg.done(), corio::UsageError);
  EXPECT_EQ(wg.count(), 0);
}

TEST(WaitGroupTest, WaitBlockingOnARuntimeWorkerThrowsUsageError) {
  auto body = []() -> corio::Task<bool> {
    corio::WaitGroup wg;
    try {
      wg.wait_blocking();
    } catch (const corio::UsageError&) {
      co_return true;
    }
    co_return false;
  };
  EXPECT_TRUE(corio::run(body(), kManual));
}

}  // namespace
