// Barrier: arrival indices, several phases, abort/reset and BrokenBarrierError, cancellation.
#include "corio/sync/barrier.hpp"

#include <gtest/gtest.h>

#include <algorithm>
#include <atomic>
#include <chrono>
#include <string>
#include <vector>

#include "corio/corio.hpp"

namespace {

using namespace std::chrono_literals;
const corio::RuntimeOptions kManual{.workers = 2, .clock = corio::ClockKind::manual};

corio::Task<std::size_t> arrive(corio::Barrier* b) { co_return co_await b->wait(); }

TEST(BarrierTest, EachPartyGetsADistinctArrivalIndex) {
  auto body = []() -> corio::Task<std::vector<std::size_t>> {
    corio::Barrier b(3);
    auto x = corio::spawn(arrive(&b));
    co_await corio::sleep_for(1ms);
    auto y = corio::spawn(arrive(&b));
    co_await corio::sleep_for(1ms);
    EXPECT_EQ(b.n_waiting(), 2u);
    std::size_t last = co_await b.wait();
    std::size_t first = co_await x;
    std::size_t second = co_await y;
    co_return std::vector<std::size_t>{first, second, last};
  };
  EXPECT_EQ(corio::run(body(), kManual), (std::vector<std::size_t>{0, 1, 2}));
}

// Runs `rounds` phases; in each, checks that nobody is a phase ahead.
corio::Task<int> phases(corio::Barrier* b, std::atomic<int>* arrived, int rounds) {
  for (int r = 0; r < rounds; ++r) {
    arrived->fetch_add(1);
    co_await b->wait();
    // Everyone of this round has arrived before anyone passes.
    EXPECT_GE(arrived->load(), (r + 1) * static_cast<int>(b->parties()));
  }
  co_return 0;
}

TEST(BarrierTest, PartiesPassPhaseAfterPhaseTogether) {
  std::atomic<int> arrived{0};
  auto body = [](std::atomic<int>* arrived) -> corio::Task<int> {
    corio::Barrier b(4);
    std::vector<corio::JoinHandle<int>> hs;
    for (int i = 0; i < 4; ++i) hs.push_back(corio::spawn(phases(&b, arrived, 25)));
    for (auto& h : hs) co_await h;
    co_return arrived->load();
  };
  EXPECT_EQ(corio::run(body(&arrived), {.workers = 4}), 100);
}

corio::Task<std::string> arrive_outcome(corio::Barrier* b) {
  try {
    co_await b->wait();
    co_return "passed";
  } catch (const corio::BrokenBarrierError&) {
    co_return "broken";
  } catch (const corio::CancelledError&) {
    co_return "cancelled";
  }
}

TEST(BarrierTest, AbortBreaksWaitersAndLaterWaitsUntilReset) {
  auto body = []() -> corio::Task<bool> {
    corio::Barrier b(2);
    auto h = corio::spawn(arrive_outcome(&b));
    co_await corio::sleep_for(1ms);
    b.abort();
    EXPECT_EQ(co_await h, "broken");
    EXPECT_TRUE(b.broken());
    EXPECT_EQ(co_await arrive_outcome(&b), "broken");
    b.reset();
    EXPECT_FALSE(b.broken());
    auto x = corio::spawn(arrive(&b));
    std::size_t mine = co_await b.wait();
    co_return mine + co_await x == 1;
  };
  EXPECT_TRUE(corio::run(body(), kManual));
}

TEST(BarrierTest, ResetBreaksTheCurrentRoundOnly) {
  auto body = []() -> corio::Task<bool> {
    corio::Barrier b(2);
    auto h = corio::spawn(arrive_outcome(&b));
    co_await corio::sleep_for(1ms);
    b.reset();
    EXPECT_EQ(co_await h, "broken");
    auto x = corio::spawn(arrive_outcome(&b));
    co_await corio::sleep_for(1ms);
    co_await b.wait();
    co_return co_await x == "passed";
  };
  EXPECT_TRUE(corio::run(body(), kManual));
}

TEST(BarrierTest, ACancelledWaiterNoLongerCountsAsArrived) {
  auto body = []() -> corio::Task<bool> {
    corio::Barrier b(2);
    auto h = corio::spawn(arrive_outcome(&b));
    co_await corio::sleep_for(1ms);
    h.cancel();
    EXPECT_EQ(co_await h, "cancelled");
    EXPECT_EQ(b.n_waiting(), 0u);
    auto x = corio::spawn(arrive(&b));
    co_await corio::sleep_for(1ms);
    std::size_t mine = co_await b.wait();
    co_return mine == 1 && co_await x == 0;
  };
  EXPECT_TRUE(corio::run(body(), kManual));
}

TEST(BarrierTest, ZeroPartiesThrowsUsageError) {
  EXPECT_THROW(corio::Barrier(0), corio::UsageError);
}

}  // namespace
