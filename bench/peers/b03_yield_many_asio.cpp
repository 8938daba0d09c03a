// B3 yield_many (bench-spec.md) on standalone Asio with C++20 coroutines: a root coroutine
// co_spawns T=1,000 coroutines that each yield 1,000 times (N = 1,000,000 yields) and awaits them
// all; the yields the coroutines report must add up to N. Yield is Asio's idiom for it,
// `co_await asio::post(executor, asio::use_awaitable)`. --n N sets the total yields: still T
// coroutines, each yielding N/T times. Metric: ns_per_yield = wall_ns / N.
//
// Runtime: one io_context (concurrency hint W) run by W threads, the idiomatic multi-threaded
// Asio setup. The threads start before and are joined after the timed region, which covers the
// root coroutine from co_spawn to its result. Awaiting all: each completion handler counts down
// and the last one sends the total yields on a concurrent_channel the root awaits.
#include <algorithm>
#include <asio.hpp>
#include <asio/experimental/concurrent_channel.hpp>
#include <atomic>
#include <common/harness.hpp>
#include <cstdint>
#include <exception>
#include <future>
#include <string>
#include <thread>
#include <vector>

namespace {

constexpr std::uint64_t kTasks = 1'000;

// One-shot signal from the last completion to the root, carrying the total number of yields.
using AllDone = asio::experimental::concurrent_channel<void(asio::error_code, std::uint64_t)>;

// Yields `yields` times and returns how many times it yielded.
asio::awaitable<std::uint64_t> yielder(std::uint64_t yields) {
  auto executor = co_await asio::this_coro::executor;
  std::uint64_t done = 0;
  for (; done < yields; ++done) co_await asio::post(executor, asio::use_awaitable);
  co_return done;
}

// Spawns the yielders, awaits them all and returns the total number of yields.
asio::awaitable<std::uint64_t> yield_many(std::uint64_t yields_per_task, AllDone& all_done) {
  auto executor = co_await asio::this_coro::executor;
  std::atomic<std::uint64_t> total{0};
  std::atomic<std::uint64_t> remaining{kTasks};
  for (std::uint64_t t = 0; t < kTasks; ++t) {
    asio::co_spawn(executor, yielder(yields_per_task),
                   [&](std::exception_ptr error, std::uint64_t yields) {
                     if (error) std::rethrow_exception(error);
                     total.fetch_add(yields, std::memory_order_relaxed);
                     if (remaining.fetch_sub(1, std::memory_order_acq_rel) == 1) {
                       all_done.try_send(asio::error_code{}, total.load(std::memory_order_relaxed));
                     }
                   });
  }
  co_return co_await all_done.async_receive(asio::use_awaitable);
}

double rep(unsigned workers, std::uint64_t yields_per_task) {
  asio::io_context context(static_cast<int>(workers));
  // Outlives the root coroutine, so the last completion's try_send never races its destruction.
  AllDone all_done(context, 1);
  auto work = asio::make_work_guard(context);
  std::vector<std::thread> threads;
  for (unsigned t = 0; t < workers; ++t) threads.emplace_back([&context] { context.run(); });

  corio::bench::Stopwatch stopwatch;
  std::uint64_t total =
      asio::co_spawn(context, yield_many(yields_per_task, all_done), asio::use_future).get();
  double wall_ms = stopwatch.elapsed_ms();

  work.reset();
  for (std::thread& thread : threads) thread.join();
  const std::uint64_t expected = kTasks * yields_per_task;
  corio::bench::check(total == expected, "yield_many",
                      std::to_string(total) + " yields instead of " + std::to_string(expected));
  return wall_ms;
}

}  // namespace

int main(int argc, char** argv) {
  corio::bench::Args args = corio::bench::parse_args(argc, argv);
  const std::uint64_t yields_per_task =
      std::max<std::uint64_t>(1, (args.n ? args.n : 1'000'000) / kTasks);
  corio::bench::Workload workload{"yield_many", "asio", "ns_per_yield",
                                  corio::bench::Metric::ns_per_item, kTasks * yields_per_task};
  corio::bench::run(args, workload,
                    [yields_per_task](unsigned workers) { return rep(workers, yields_per_task); });
}
