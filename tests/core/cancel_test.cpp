// Cancellation: where it lands, how it propagates, shield, and the documented edge cases.
#include "corio/core/cancel.hpp"

#include <gtest/gtest.h>

#include <atomic>
#include <chrono>
#include <string>

#include "corio/corio.hpp"

namespace {

using namespace std::chrono_literals;
const corio::RuntimeOptions kManual{.workers = 2, .clock = corio::ClockKind::manual};

struct Flags {
  std::atomic<bool> started{false};
  std::atomic<bool> caught{false};
  std::atomic<bool> finished{false};
};

corio::Task<int> sleep_long(Flags* f) {
  f->started = true;
  try {
    co_await corio::sleep_for(1h);
  } catch (const corio::CancelledError&) {
    f->caught = true;
    throw;
  }
  f->finished = true;
  co_return 1;
}

// Awaits `h` and reports how it ended.
corio::Task<std::string> outcome(corio::JoinHandle<int> h) {
  try {
    co_await h;
    co_return "value";
  } catch (const corio::CancelledError&) {
    co_return "cancelled";
  }
}

TEST(CancelTest, CancellingATaskBlockedInSleepThrowsInsideIt) {
  Flags f;
  auto body = [](Flags* f) -> corio::Task<std::string> {
    auto h = corio::spawn(sleep_long(f));
    while (!f->started) co_await corio::yield_now();
    co_await corio::sleep_for(1ms);
    EXPECT_TRUE(h.cancel());
    co_return co_await outcome(std::move(h));
  };
  EXPECT_EQ(corio::run(body(&f), kManual), "cancelled");
  EXPECT_TRUE(f.caught);
  EXPECT_FALSE(f.finished);
}

TEST(CancelTest, ATaskCancelledBeforeItsFirstStepNeverRuns) {
  Flags f;
  auto body = [](Flags* f) -> corio::Task<std::string> {
    auto h = corio::spawn(sleep_long(f));
    h.cancel();  // still queued: it has not run
    co_return co_await outcome(std::move(h));
  };
  EXPECT_EQ(corio::run(body(&f), kManual), "cancelled");
  EXPECT_FALSE(f.started);
}

TEST(CancelTest, CancellingAFinishedTaskReturnsFalseAndKeepsItsResult) {
  auto body = []() -> corio::Task<bool> {
    auto quick = [](int) -> corio::Task<int> { co_return 7; };
    auto h = corio::spawn(quick(0));
    while (!h.is_done()) co_await corio::yield_now();
    bool cancelled = h.cancel();
    co_return !cancelled && co_await h == 7;
  };
  EXPECT_TRUE(corio::run(body(), kManual));
}

TEST(CancelTest, CancellingTwiceIsTheSameAsOnce) {
  Flags f;
  auto body = [](Flags* f) -> corio::Task<std::string> {
    auto h = corio::spawn(sleep_long(f));
    while (!f->started) co_await corio::yield_now();
    EXPECT_TRUE(h.cancel());
    h.cancel();
    co_return co_await outcome(std::move(h));
  };
  EXPECT_EQ(corio::run(body(&f), kManual), "cancelled");
}

// A five-deep chain of awaited tasks; the innermost sleeps.
corio::Task<int> chain(int depth, Flags* f) {
  if (depth == 0) co_return co_await sleep_long(f);
  co_return co_await chain(depth - 1, f);
}

TEST(CancelTest, CancellationReachesTheInnermostAwaitOfAFiveDeepChain) {
  Flags f;
  auto body = [](Flags* f) -> corio::Task<std::string> {
    auto h = corio::spawn(chain(5, f));
    while (!f->started) co_await corio::yield_now();
    co_await corio::sleep_for(1ms);
    h.cancel();
    co_return co_await outcome(std::move(h));
  };
  EXPECT_EQ(corio::run(body(&f), kManual), "cancelled");
  EXPECT_TRUE(f.caught);
}

corio::Task<int> join_child(Flags* f) {
  auto child = corio::spawn(sleep_long(f));
  co_return co_await child;
}

TEST(CancelTest, CancellingATaskBlockedInAJoinCancelsTheAwaitedTaskToo) {
  Flags f;
  auto body = [](Flags* f) -> corio::Task<std::string> {
    auto h = corio::spawn(join_child(f));
    while (!f->started) co_await corio::yield_now();
    co_await corio::sleep_for(1ms);
    h.cancel();
    co_return co_await outcome(std::move(h));
  };
  EXPECT_EQ(corio::run(body(&f), kManual), "cancelled");
  EXPECT_TRUE(f.caught);  // the inner task saw the cancellation
}

corio::Task<int> gather_two(Flags* a, Flags* b) {
  auto [x, y] = co_await corio::gather(sleep_long(a), sleep_long(b));
  co_return x + y;
}

TEST(CancelTest, CancellingAGatherCancelsEveryChildAndWaitsForThem) {
  Flags a, b;
  auto body = [](Flags* a, Flags* b) -> corio::Task<std::string> {
    auto h = corio::spawn(gather_two(a, b));
    while (!a->started || !b->started) co_await corio::yield_now();
    co_await corio::sleep_for(1ms);
    h.cancel();
    std::string how = co_await outcome(std::move(h));
    EXPECT_TRUE(a->caught && b->caught);  // both unwound before gather finished
    co_return how;
  };
  EXPECT_EQ(corio::run(body(&a, &b), kManual), "cancelled");
}

corio::Task<int> catch_and_clean_up(std::atomic<int>* stage) {
  try {
    co_await corio::sleep_for(1h);
  } catch (const corio::CancelledError&) {
    stage->store(1);
  }
  co_await corio::sleep_for(5ms);  // awaiting during cleanup works: the cancel was delivered
  stage->store(2);
  co_return 42;
}

TEST(CancelTest, ATaskMayCatchTheCancellationAndAwaitWhileCleaningUp) {
  std::atomic<int> stage{0};
  auto body = [](std::atomic<int>* stage) -> corio::Task<int> {
    auto h = corio::spawn(catch_and_clean_up(stage));
    co_await corio::sleep_for(1ms);
    h.cancel();
    co_return co_await h;
  };
  EXPECT_EQ(corio::run(body(&stage), kManual), 42);
  EXPECT_EQ(stage.load(), 2);
}

TEST(CancelTest, ShieldKeepsTheAwaitersCancellationFromTheWork) {
  Flags f;
  std::atomic<bool> shield_threw{false};
  auto guarded = [](Flags* f, std::atomic<bool>* threw) -> corio::Task<int> {
    auto work = [](Flags* f) -> corio::Task<int> {
      f->started = true;
      co_await corio::sleep_for(10ms);
      f->finished = true;
      co_return 5;
    };
    try {
      co_return co_await corio::shield(work(f));
    } catch (const corio::CancelledError&) {
      threw->store(true);
      throw;
    }
  };
  auto body = [](Flags* f, std::atomic<bool>* threw,
                 decltype(guarded) g) -> corio::Task<std::string> {
    auto h = corio::spawn(g(f, threw));
    while (!f->started) co_await corio::yield_now();
    h.cancel();
    std::string how = co_await outcome(std::move(h));
    co_await corio::sleep_for(20ms);  // the shielded work runs on to its end
    co_return how;
  };
  EXPECT_EQ(corio::run(body(&f, &shield_threw, guarded), kManual), "cancelled");
  EXPECT_TRUE(shield_threw);
  EXPECT_TRUE(f.finished);
}

TEST(CancelTest, CurrentTaskCancelledLetsACpuLoopStopEarly) {
  auto body = []() -> corio::Task<std::string> {
    auto spin = [](int) -> corio::Task<int> {
      std::uint64_t n = 0;
      while (!corio::current_task_cancelled()) ++n;
      co_await corio::yield_now();  // the next suspension point delivers it
      co_return 0;
    };
    auto h = corio::spawn(spin(0));
    co_await corio::yield_now();
    h.cancel();
    co_return co_await outcome(std::move(h));
  };
  EXPECT_EQ(corio::run(body(), {.workers = 2}), "cancelled");
  EXPECT_FALSE(corio::current_task_cancelled());  // outside a task
}

// Starting a nested task is not a suspension point: only a spawned task's first step is.
TEST(CancelTest, ANestedTaskStartedWithACancellationPendingRunsToItsEnd) {
  auto body = []() -> corio::Task<std::string> {
    auto spin = [](std::atomic<bool>* started, std::atomic<bool>* nested_ran) -> corio::Task<int> {
      auto nested = [](std::atomic<bool>* ran) -> corio::Task<> {
        ran->store(true);
        co_return;
      };
      started->store(true);
      while (!corio::current_task_cancelled()) {
      }
      co_await nested(nested_ran);
      co_await corio::yield_now();  // the next suspension point delivers it
      co_return 0;
    };
    std::atomic<bool> started{false}, nested_ran{false};
    auto h = corio::spawn(spin(&started, &nested_ran));
    while (!started) co_await corio::yield_now();
    h.cancel();
    std::string how = co_await outcome(std::move(h));
    EXPECT_TRUE(nested_ran.load());
    co_return how;
  };
  EXPECT_EQ(corio::run(body(), {.workers = 2}), "cancelled");
}

}  // namespace
