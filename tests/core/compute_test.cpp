// compute(): results and exceptions back from the oneTBB arena, TBB parallelism inside, and
// cancellation while the work is offloaded.
#include "corio/core/compute.hpp"

#include <gtest/gtest.h>
#include <tbb/blocked_range.h>
#include <tbb/parallel_for.h>
#include <tbb/parallel_reduce.h>

#include <atomic>
#include <cstdint>
#include <functional>
#include <stdexcept>
#include <thread>
#include <vector>

#include "corio/corio.hpp"

namespace {

TEST(ComputeTest, ReturnsTheResultOnTheRuntime) {
  auto body = []() -> corio::Task<bool> {
    std::thread::id caller = std::this_thread::get_id();
    std::thread::id ran_on;
    int v = co_await corio::compute([&ran_on] {
      ran_on = std::this_thread::get_id();
      return 6 * 7;
    });
    co_return v == 42 && ran_on != caller;  // ran on an arena thread, not the worker
  };
  EXPECT_TRUE(corio::run(body(), {.workers = 2, .compute_threads = 2}));
}

TEST(ComputeTest, AParallelReductionRunsInsideTheArena) {
  auto body = []() -> corio::Task<std::uint64_t> {
    co_return co_await corio::compute([] {
      return tbb::parallel_reduce(
          tbb::blocked_range<std::uint64_t>(0, 1'000'000), std::uint64_t{0},
          [](const tbb::blocked_range<std::uint64_t>& r, std::uint64_t acc) {
            for (std::uint64_t i = r.begin(); i != r.end(); ++i) acc += i;
            return acc;
          },
          std::plus<>());
    });
  };
  EXPECT_EQ(corio::run(body(), {.workers = 2}), 1'000'000ull * 999'999 / 2);
}

TEST(ComputeTest, ExceptionsComeBackToTheAwaiter) {
  auto body = []() -> corio::Task<std::string> {
    try {
      co_await corio::compute([]() -> int { throw std::domain_error("bad input"); });
    } catch (const std::domain_error& e) {
      co_return e.what();
    }
    co_return "no exception";
  };
  EXPECT_EQ(corio::run(body(), {.workers = 2}), "bad input");
}

struct Gate {
  std::atomic<bool> started{false};
  std::atomic<bool> release{false};
  std::atomic<bool> finished{false};
};

corio::Task<int> offload(Gate* g) {
  co_return co_await corio::compute([g] {
    g->started = true;
    while (!g->release) std::this_thread::yield();  // held until the test lets it go
    g->finished = true;
    return 1;
  });
}

TEST(ComputeTest, ACancelledAwaiterReturnsAtOnceWhileTheWorkFinishesAlone) {
  Gate gate;
  auto body = [](Gate* g) -> corio::Task<bool> {
    auto h = corio::spawn(offload(g));
    while (!g->started) co_await corio::yield_now();
    h.cancel();
    bool cancelled = false;
    try {
      co_await h;
    } catch (const corio::CancelledError&) {
      cancelled = true;
    }
    bool work_still_running = !g->finished;
    g->release = true;  // now let the work end; its result is dropped
    co_return cancelled&& work_still_running;
  };
  EXPECT_TRUE(corio::run(body(&gate), {.workers = 2}));
  EXPECT_TRUE(gate.finished);  // the runtime's shutdown waited for it
}

corio::Task<> some_task() { co_return; }

TEST(ComputeTest, ComputeOutsideARuntimeIsAUsageError) {
  auto awaiter = corio::compute([] { return 1; });
  // Awaitables are only ever handed corio frames (they record their await site there).
  auto frame = some_task().release();
  EXPECT_THROW(awaiter.await_suspend(frame), corio::UsageError);
  frame.destroy();
}

}  // namespace
