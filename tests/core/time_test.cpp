// Time: sleeps, the manual clock, the timer wheel's level boundaries, intervals.
#include "corio/core/time.hpp"

#include <gtest/gtest.h>

#include <algorithm>
#include <chrono>
#include <cstdint>
#include <mutex>
#include <random>
#include <thread>
#include <utility>
#include <vector>

#include "corio/corio.hpp"

namespace {

using namespace std::chrono_literals;
using corio::Clock;

const corio::RuntimeOptions kManual{.workers = 2, .clock = corio::ClockKind::manual};

Clock::duration since(Clock::time_point start) { return corio::now() - start; }

// The tutorial's "sequential vs concurrent" comparison, measured in runtime time.
corio::Task<> slow_task(std::chrono::seconds delay) { co_await corio::sleep_for(delay); }

TEST(TimeTest, TutorialSequentialSleepsTakeFourSecondsOfRuntimeTime) {
  auto body = []() -> corio::Task<Clock::duration> {
    Clock::time_point start = corio::now();
    co_await slow_task(2s);
    co_await slow_task(2s);
    co_return since(start);
  };
  Clock::duration took = corio::run(body(), kManual);
  EXPECT_GE(took, 4s);
  EXPECT_LT(took, 4s + 2ms);
}

TEST(TimeTest, TutorialConcurrentSleepsTakeTwoSecondsOfRuntimeTime) {
  auto body = []() -> corio::Task<Clock::duration> {
    Clock::time_point start = corio::now();
    co_await corio::gather(slow_task(2s), slow_task(2s));
    co_return since(start);
  };
  Clock::duration took = corio::run(body(), kManual);
  EXPECT_GE(took, 2s);
  EXPECT_LT(took, 2s + 2ms);
}

struct FiringLog {
  std::mutex mutex;
  std::vector<std::pair<Clock::duration, std::uint64_t>> fired;  // (time since start, id)
};

corio::Task<> sleep_and_log(FiringLog* log, Clock::time_point start, std::uint64_t id,
                            std::chrono::milliseconds d) {
  co_await corio::sleep_for(d);
  std::lock_guard lock(log->mutex);
  log->fired.emplace_back(since(start), id);
}

TEST(TimeTest, TenThousandRandomTimersFireInDeadlineOrderAtTheirDeadline) {
  std::mt19937_64 rng(7);
  std::vector<std::chrono::milliseconds> delays;
  for (int i = 0; i < 10'000; ++i) delays.emplace_back(1 + rng() % 100'000);
  FiringLog log;
  auto body = [](FiringLog* log,
                 const std::vector<std::chrono::milliseconds>* delays) -> corio::Task<> {
    Clock::time_point start = corio::now();
    std::vector<corio::Task<>> sleepers;
    for (std::size_t i = 0; i < delays->size(); ++i) {
      sleepers.push_back(sleep_and_log(log, start, i, (*delays)[i]));
    }
    co_await corio::gather(std::move(sleepers));
  };
  corio::run(body(&log, &delays), kManual);
  ASSERT_EQ(log.fired.size(), delays.size());
  for (std::size_t i = 0; i < log.fired.size(); ++i) {
    auto [when, id] = log.fired[i];
    EXPECT_EQ(std::chrono::ceil<std::chrono::milliseconds>(when), delays[id]) << "timer " << id;
    if (i > 0) {
      EXPECT_LE(log.fired[i - 1].first, when) << "out of order at " << i;
    }
  }
}

class WheelBoundaryTest : public ::testing::TestWithParam<std::chrono::milliseconds> {};

TEST_P(WheelBoundaryTest, SleepEndsExactlyAtItsDeadline) {
  auto body = [](std::chrono::milliseconds d) -> corio::Task<Clock::duration> {
    // Start off a slot boundary too, so cascades between levels are exercised.
    co_await corio::sleep_for(37ms);
    Clock::time_point start = corio::now();
    co_await corio::sleep_for(d);
    co_return since(start);
  };
  Clock::duration took = corio::run(body(GetParam()), kManual);
  EXPECT_GE(took, GetParam());
  EXPECT_LT(took, GetParam() + 1ms);
}

INSTANTIATE_TEST_SUITE_P(Levels, WheelBoundaryTest,
                         ::testing::Values(1ms, 63ms, 64ms, 65ms, 4095ms, 4096ms, 4097ms, 262'143ms,
                                           262'144ms, std::chrono::hours(3),
                                           std::chrono::hours(24 * 40),
                                           std::chrono::hours(24 * 365 * 3)));

TEST(TimeTest, ZeroAndNegativeSleepsYieldOnceAndTakeNoTime) {
  auto body = []() -> corio::Task<Clock::duration> {
    Clock::time_point start = corio::now();
    co_await corio::sleep_for(0ms);
    co_await corio::sleep_for(-5s);
    co_await corio::sleep_until(start - 1h);
    co_return since(start);
  };
  EXPECT_EQ(corio::run(body(), kManual), Clock::duration::zero());
}

TEST(TimeTest, SleepsOfCenturiesDoNotOverflowAndCanBeCancelled) {
  auto body = []() -> corio::Task<bool> {
    auto sleeper = corio::spawn(
        slow_task(std::chrono::duration_cast<std::chrono::seconds>(std::chrono::years(300))));
    auto max_sleep = [](int) -> corio::Task<> {
      co_await corio::sleep_for(std::chrono::years::max());
    };
    auto forever = corio::spawn(max_sleep(0));
    co_await corio::yield_now();
    sleeper.cancel();
    forever.cancel();
    bool both = true;
    try {
      co_await sleeper;
      both = false;
    } catch (const corio::CancelledError&) {
    }
    try {
      co_await forever;
      both = false;
    } catch (const corio::CancelledError&) {
    }
    co_return both;
  };
  EXPECT_TRUE(corio::run(body(), {.workers = 2}));
}

TEST(TimeTest, ManualTimeStandsStillWhileACancelledSleepUnwinds) {
  // Cancelling a sleep armed on another worker is a message to that worker. Until it has
  // read the message, the sleep's deadline is still in its wheel: had the canceller's
  // worker parked and found everyone idle, time would jump towards that deadline. Spawning
  // the canceller after the sleeper hands the sleeper to the other worker in most rounds.
  auto cancel_after = [](Clock::duration d, corio::JoinHandle<void>* target) -> corio::Task<> {
    co_await corio::sleep_for(d);
    target->cancel();
  };
  auto body = [](decltype(cancel_after) canceller) -> corio::Task<int> {
    int rounds_where_time_moved = 0;
    for (int round = 0; round < 300; ++round) {
      auto start = corio::now();
      auto sleeper = corio::spawn(slow_task(3600s));
      auto cancelling = corio::spawn(canceller(1ms, &sleeper));
      try {
        co_await sleeper;
      } catch (const corio::CancelledError&) {
      }
      if (since(start) != 1ms) ++rounds_where_time_moved;
      co_await cancelling;
    }
    co_return rounds_where_time_moved;
  };
  EXPECT_EQ(corio::run(body(cancel_after), kManual), 0);
}

TEST(TimeTest, ASleepOnTheRealClockNeverEndsEarly) {
  auto body = []() -> corio::Task<bool> {
    for (auto d : {1ms, 3ms, 10ms}) {
      auto start = std::chrono::steady_clock::now();
      co_await corio::sleep_for(d);
      if (std::chrono::steady_clock::now() - start < d) co_return false;
    }
    co_return true;
  };
  EXPECT_TRUE(corio::run(body(), {.workers = 2}));
}

TEST(TimeTest, ShutdownFreesTasksThatAreStillSleeping) {
  // Under ASan, a leaked frame or timer entry is reported.
  corio::Runtime rt({.workers = 2});
  std::vector<corio::JoinHandle<void>> sleepers;
  for (int i = 0; i < 100; ++i)
    sleepers.push_back(rt.spawn(slow_task(std::chrono::seconds(60 + i))));
  auto wait_a_moment = []() -> corio::Task<> { co_await corio::sleep_for(1ms); };
  rt.block_on(wait_a_moment());
}

TEST(TimeTest, NowOutsideARuntimeIsTheSteadyClock) {
  auto before = std::chrono::steady_clock::now().time_since_epoch();
  auto now = corio::now().time_since_epoch();
  EXPECT_GE(now, before);
}

TEST(TimeTest, IntervalTicksEveryPeriodFromItsFirstTick) {
  auto body = []() -> corio::Task<std::vector<Clock::duration>> {
    corio::Interval every(100ms);
    Clock::time_point start = corio::now();
    std::vector<Clock::duration> ticks;
    for (int i = 0; i < 4; ++i) ticks.push_back(co_await every.tick() - start);
    co_return ticks;
  };
  auto ticks = corio::run(body(), kManual);
  EXPECT_EQ(ticks, (std::vector<Clock::duration>{0ms, 100ms, 200ms, 300ms}));
}

corio::Task<std::vector<Clock::duration>> ticks_after_a_stall(corio::MissedTickBehavior b) {
  corio::Interval every(100ms, b);
  Clock::time_point start = corio::now();
  std::vector<Clock::duration> when;
  co_await every.tick();
  co_await corio::sleep_for(350ms);  // busy past three ticks
  for (int i = 0; i < 3; ++i) {
    co_await every.tick();
    when.push_back(since(start));
  }
  co_return when;
}

TEST(TimeTest, IntervalMissedTickBehaviours) {
  using V = std::vector<Clock::duration>;
  EXPECT_EQ(corio::run(ticks_after_a_stall(corio::MissedTickBehavior::burst), kManual),
            (V{350ms, 350ms, 350ms}));
  EXPECT_EQ(corio::run(ticks_after_a_stall(corio::MissedTickBehavior::delay), kManual),
            (V{350ms, 450ms, 550ms}));
  EXPECT_EQ(corio::run(ticks_after_a_stall(corio::MissedTickBehavior::skip), kManual),
            (V{350ms, 400ms, 500ms}));
}

TEST(TimeTest, AnIntervalOfZeroIsAUsageError) {
  EXPECT_THROW(corio::Interval(0ms), corio::UsageError);
  EXPECT_THROW(corio::Interval(-1s), corio::UsageError);
}

corio::Task<> some_task() { co_return; }

TEST(TimeTest, SleepingOutsideARuntimeIsAUsageError) {
  // The awaitable is only usable inside a task: await_suspend reports the misuse.
  corio::SleepAwaiter sleep = corio::sleep_for(1ms);
  // Awaitables are only ever handed corio frames (they record their await site there).
  auto frame = some_task().release();
  EXPECT_THROW(sleep.await_suspend(frame), corio::UsageError);
  frame.destroy();
}

}  // namespace
