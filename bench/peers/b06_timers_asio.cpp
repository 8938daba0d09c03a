// B6 timers (bench-spec.md) on standalone Asio with C++20 coroutines: co_spawn N tasks; task i
// waits on its own steady_timer for d_i = 1 + (i * 7919) % 1000 ms; await all. Metric:
// overhead_ms = wall_ms - 1000, and the process's peak RSS.
//
// Runtime: one io_context run by W threads. Completion is counted as in the B1 peer: each
// task's completion handler adds its index and counts down; the last one signals the root
// through a concurrent_channel.
#include <asio.hpp>
#include <asio/experimental/concurrent_channel.hpp>
#include <atomic>
#include <chrono>
#include <common/harness.hpp>
#include <cstdint>
#include <exception>
#include <future>
#include <string>
#include <thread>
#include <vector>

namespace {

using AllDone = asio::experimental::concurrent_channel<void(asio::error_code, std::uint64_t)>;

asio::awaitable<std::uint64_t> sleeper(std::uint64_t i) {
  asio::steady_timer timer(co_await asio::this_coro::executor,
                           std::chrono::milliseconds(1 + (i * 7919) % 1000));
  co_await timer.async_wait(asio::use_awaitable);
  co_return i;
}

asio::awaitable<std::uint64_t> timers(std::uint64_t n, AllDone& all_done) {
  auto executor = co_await asio::this_coro::executor;
  std::atomic<std::uint64_t> remaining{n};
  std::atomic<std::uint64_t> sum{0};
  for (std::uint64_t i = 0; i < n; ++i) {
    asio::co_spawn(executor, sleeper(i), [&](std::exception_ptr error, std::uint64_t result) {
      if (error) std::rethrow_exception(error);
      sum.fetch_add(result, std::memory_order_relaxed);
      if (remaining.fetch_sub(1, std::memory_order_acq_rel) == 1) {
        all_done.try_send(asio::error_code{}, n);
      }
    });
  }
  co_await all_done.async_receive(asio::use_awaitable);
  co_return sum.load();
}

double rep(unsigned workers, std::uint64_t n) {
  asio::io_context context(static_cast<int>(workers));
  AllDone all_done(context, 1);
  auto work = asio::make_work_guard(context);
  std::vector<std::thread> threads;
  for (unsigned t = 0; t < workers; ++t) threads.emplace_back([&context] { context.run(); });

  corio::bench::Stopwatch stopwatch;
  std::uint64_t sum = asio::co_spawn(context, timers(n, all_done), asio::use_future).get();
  double wall_ms = stopwatch.elapsed_ms();

  work.reset();
  for (std::thread& thread : threads) thread.join();
  corio::bench::check(sum == n * (n - 1) / 2, "timers", "wrong sum of sleeper indices");
  return wall_ms;
}

}  // namespace

int main(int argc, char** argv) {
  corio::bench::Args args = corio::bench::parse_args(argc, argv);
  const std::uint64_t n = args.n ? args.n : 1'000'000;
  corio::bench::Workload workload{"timers",
                                  "asio",
                                  "overhead_ms",
                                  corio::bench::Metric::overhead_ms,
                                  n,
                                  &corio::bench::peak_rss_field};
  corio::bench::run(args, workload, [n](unsigned workers) { return rep(workers, n); });
}
