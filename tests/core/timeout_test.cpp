// wait_for / wait_until: both outcomes, zero and negative timeouts, unwinding before the
// TimeoutError, and the generic-awaitable form.
#include "corio/core/timeout.hpp"

#include <gtest/gtest.h>

#include <atomic>
#include <chrono>

#include "corio/corio.hpp"

namespace {

using namespace std::chrono_literals;
const corio::RuntimeOptions kManual{.workers = 2, .clock = corio::ClockKind::manual};

corio::Task<int> answer_after(std::chrono::milliseconds d, std::atomic<bool>* unwound) {
  try {
    co_await corio::sleep_for(d);
  } catch (const corio::CancelledError&) {
    unwound->store(true);
    throw;
  }
  co_return 42;
}

TEST(TimeoutTest, WorkThatFinishesInTimeReturnsItsValue) {
  std::atomic<bool> unwound{false};
  auto body = [](std::atomic<bool>* unwound) -> corio::Task<int> {
    co_return co_await corio::wait_for(answer_after(10ms, unwound), 1s);
  };
  EXPECT_EQ(corio::run(body(&unwound), kManual), 42);
  EXPECT_FALSE(unwound);
}

TEST(TimeoutTest, WorkThatTakesTooLongIsCancelledAndUnwoundBeforeTimeoutError) {
  std::atomic<bool> unwound{false};
  auto body = [](std::atomic<bool>* unwound) -> corio::Task<corio::Clock::duration> {
    auto start = corio::now();
    try {
      co_await corio::wait_for(answer_after(10s, unwound), 250ms);
    } catch (const corio::TimeoutError&) {
      EXPECT_TRUE(unwound->load());  // its catch block ran before we got here
      co_return corio::now() - start;
    }
    co_return corio::Clock::duration::max();
  };
  auto took = corio::run(body(&unwound), kManual);
  EXPECT_GE(took, 250ms);
  EXPECT_LT(took, 252ms);
}

TEST(TimeoutTest, ZeroOrNegativeTimeoutTimesOutAtOnceUnlessAlreadyDone) {
  std::atomic<bool> unwound{false};
  auto body = [](std::atomic<bool>* unwound) -> corio::Task<int> {
    int timeouts = 0;
    for (std::chrono::milliseconds t : {0ms, -1000ms}) {
      try {
        co_await corio::wait_for(answer_after(1ms, unwound), t);
      } catch (const corio::TimeoutError&) {
        ++timeouts;
      }
    }
    // A task that already finished is returned even with no time left.
    auto quick = [](int v) -> corio::Task<int> { co_return v; };
    auto done = corio::spawn(quick(9));
    while (!done.is_done()) co_await corio::yield_now();
    co_return timeouts * 100 + co_await corio::wait_for(std::move(done), 0ms);
  };
  EXPECT_EQ(corio::run(body(&unwound), kManual), 209);
}

TEST(TimeoutTest, ACallerWithACancellationPendingStillWaitsForTheUnwinding) {
  // The caller cancels itself (as another task could while it runs), then times out at once:
  // wait_for still waits for the work's catch block, and leaves the caller's cancellation
  // pending for its next suspension point.
  struct Outcome {
    bool timed_out = false;
    bool work_unwound_first = false;
    bool cancellation_still_pending = false;
  };
  struct Caller {
    corio::JoinHandle<Outcome> self;
    std::atomic<bool> has_handle{false};
  };
  auto started_then_sleeps = [](std::atomic<bool>* started,
                                std::atomic<bool>* unwound) -> corio::Task<int> {
    started->store(true);
    co_return co_await answer_after(1h, unwound);
  };
  auto caller = [](Caller* me, decltype(started_then_sleeps) work) -> corio::Task<Outcome> {
    while (!me->has_handle.load(std::memory_order_acquire)) co_await corio::yield_now();
    std::atomic<bool> started{false};
    std::atomic<bool> unwound{false};
    auto handle = corio::spawn(work(&started, &unwound));
    while (!started.load()) co_await corio::yield_now();
    me->self.cancel();
    Outcome outcome;
    try {
      co_await corio::wait_for(std::move(handle), 0ms);
    } catch (const corio::TimeoutError&) {
      outcome.timed_out = true;
      outcome.work_unwound_first = unwound.load();
    }
    try {
      co_await corio::yield_now();
    } catch (const corio::CancelledError&) {
      outcome.cancellation_still_pending = true;
    }
    co_return outcome;
  };
  auto body = [](decltype(caller) c, decltype(started_then_sleeps) work) -> corio::Task<Outcome> {
    Caller me;
    me.self = corio::spawn(c(&me, work));
    me.has_handle.store(true, std::memory_order_release);
    co_return co_await me.self;
  };
  Outcome outcome = corio::run(body(caller, started_then_sleeps), kManual);
  EXPECT_TRUE(outcome.timed_out);
  EXPECT_TRUE(outcome.work_unwound_first);
  EXPECT_TRUE(outcome.cancellation_still_pending);
}

TEST(TimeoutTest, WaitUntilUsesAnAbsoluteDeadline) {
  auto body = []() -> corio::Task<bool> {
    std::atomic<bool> unwound{false};
    try {
      co_await corio::wait_until(answer_after(5s, &unwound), corio::now() + 1s);
    } catch (const corio::TimeoutError&) {
      co_return unwound.load();
    }
    co_return false;
  };
  EXPECT_TRUE(corio::run(body(), kManual));
}

TEST(TimeoutTest, AnyAwaitableCanBeBounded) {
  auto body = []() -> corio::Task<bool> {
    bool timed_out = false;
    try {
      co_await corio::wait_for(corio::sleep_for(1h), 10ms);
    } catch (const corio::TimeoutError&) {
      timed_out = true;
    }
    co_return timed_out;
  };
  EXPECT_TRUE(corio::run(body(), kManual));
}

TEST(TimeoutTest, ExceptionsOfTheWorkPassThrough) {
  auto body = []() -> corio::Task<bool> {
    auto fails = [](int) -> corio::Task<int> {
      co_await corio::sleep_for(1ms);
      throw std::runtime_error("inner failure");
    };
    try {
      co_await corio::wait_for(fails(0), 1s);
    } catch (const std::runtime_error&) {
      co_return true;
    }
    co_return false;
  };
  EXPECT_TRUE(corio::run(body(), kManual));
}

}  // namespace
