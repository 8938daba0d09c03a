// spawn_local and SpawnOptions::pin_to_worker: a pinned task runs only on its worker, however
// it is woken (by itself, by another worker, by a plain thread, by a timer or a cancel).
#include <gtest/gtest.h>

#include <atomic>
#include <chrono>
#include <cstdint>
#include <thread>
#include <vector>

#include "corio/core/cancel.hpp"
#include "corio/core/runtime.hpp"
#include "corio/core/spawn.hpp"
#include "corio/core/time.hpp"
#include "corio/core/yield_now.hpp"

namespace {

using namespace std::chrono_literals;

// Busy tasks keep both workers running and stealing while the pinned tasks run.
corio::Task<> churn(int rounds) {
  for (int i = 0; i < rounds; ++i) co_await corio::yield_now();
}

// Counts the polls of the calling task that ran somewhere other than `home`.
corio::Task<int> yield_and_check(unsigned home, int rounds) {
  int strays = 0;
  for (int i = 0; i < rounds; ++i) {
    if (corio::current_worker_index() != home) ++strays;
    co_await corio::yield_now();
  }
  if (corio::current_worker_index() != home) ++strays;
  co_return strays;
}

TEST(SpawnLocalTest, PinnedTasksNeverRunOnAnotherWorkerWhileOthersSteal) {
  auto main = []() -> corio::Task<int> {
    std::vector<corio::JoinHandle<void>> busy;
    for (int i = 0; i < 64; ++i) busy.push_back(corio::spawn(churn(2'000)));
    std::vector<corio::JoinHandle<int>> pinned;
    for (unsigned w = 0; w < corio::worker_count(); ++w) {
      for (int i = 0; i < 8; ++i) {
        pinned.push_back(corio::spawn(yield_and_check(w, 2'000), {.pin_to_worker = w}));
      }
    }
    pinned.push_back(corio::spawn_local(yield_and_check(*corio::current_worker_index(), 2'000)));
    int strays = 0;
    for (auto& h : pinned) strays += co_await h;
    for (auto& h : busy) co_await h;
    co_return strays;
  };
  EXPECT_EQ(corio::run(main(), {.workers = 2}), 0);
}

corio::Task<unsigned> where_am_i() {
  co_await corio::yield_now();
  co_return *corio::current_worker_index();
}

// A pinned task joins tasks pinned to the other worker: spawns and wake-ups cross workers.
corio::Task<int> join_across(unsigned other) {
  unsigned home = *corio::current_worker_index();
  int strays = 0;
  for (int i = 0; i < 500; ++i) {
    auto h = corio::spawn(where_am_i(), {.pin_to_worker = other});
    if (co_await h != other) ++strays;
    if (corio::current_worker_index() != home) ++strays;
  }
  co_return strays;
}

TEST(SpawnLocalTest, WakeUpsFromAnotherWorkerArePostedToTheHomeWorker) {
  auto main = []() -> corio::Task<int> {
    auto a = corio::spawn(join_across(1), {.pin_to_worker = 0});
    auto b = corio::spawn(join_across(0), {.pin_to_worker = 1});
    co_return co_await a + co_await b;
  };
  EXPECT_EQ(corio::run(main(), {.workers = 2}), 0);
}

TEST(SpawnLocalTest, RuntimeSpawnFromAPlainThreadPinsTheTask) {
  corio::Runtime runtime({.workers = 2});
  std::vector<corio::JoinHandle<int>> handles;
  for (unsigned w = 0; w < 2; ++w) {
    for (int i = 0; i < 4; ++i) {
      handles.push_back(runtime.spawn(yield_and_check(w, 500), {.pin_to_worker = w}));
    }
  }
  auto sum = [](std::vector<corio::JoinHandle<int>> hs) -> corio::Task<int> {
    int strays = 0;
    for (auto& h : hs) strays += co_await h;
    co_return strays;
  };
  EXPECT_EQ(runtime.block_on(sum(std::move(handles))), 0);
}

// Sleeps on the manual clock; a timer fires on the worker that armed it, the home worker.
corio::Task<int> sleep_and_check(unsigned home) {
  int strays = 0;
  for (int i = 0; i < 50; ++i) {
    co_await corio::sleep_for(1ms);
    if (corio::current_worker_index() != home) ++strays;
  }
  co_return strays;
}

TEST(SpawnLocalTest, TimersWakePinnedTasksAtHome) {
  auto main = []() -> corio::Task<int> {
    auto a = corio::spawn(sleep_and_check(0), {.pin_to_worker = 0});
    auto b = corio::spawn(sleep_and_check(1), {.pin_to_worker = 1});
    co_return co_await a + co_await b;
  };
  EXPECT_EQ(corio::run(main(), {.workers = 2, .clock = corio::ClockKind::manual}), 0);
}

corio::Task<> sleep_forever() { co_await corio::sleep_for(24h); }

TEST(SpawnLocalTest, APinnedTaskCancelledFromAnotherWorkerEndsWithCancelledError) {
  auto main = []() -> corio::Task<bool> {
    auto h = corio::spawn(sleep_forever(), {.pin_to_worker = 1});
    co_await corio::yield_now();
    h.cancel();
    try {
      co_await h;
    } catch (const corio::CancelledError&) {
      co_return true;
    }
    co_return false;
  };
  EXPECT_TRUE(corio::run(main(), {.workers = 2, .clock = corio::ClockKind::manual}));
}

TEST(SpawnLocalTest, PinningToAWorkerThatDoesNotExistThrowsUsageErrorNamingTheRange) {
  auto main = []() -> corio::Task<> { co_await corio::spawn(churn(1), {.pin_to_worker = 2}); };
  try {
    corio::run(main(), {.workers = 2});
    FAIL() << "expected UsageError";
  } catch (const corio::UsageError& e) {
    EXPECT_NE(std::string(e.what()).find("from 0 to 1"), std::string::npos) << e.what();
  }
}

TEST(SpawnLocalTest, SpawnLocalOutsideAWorkerThrowsUsageError) {
  EXPECT_THROW(corio::spawn_local(churn(1)), corio::UsageError);
  EXPECT_FALSE(corio::current_worker_index().has_value());
  EXPECT_THROW(corio::worker_count(), corio::UsageError);
}

}  // namespace
