// B7 gather_sleep (bench-spec.md) on standalone Asio with C++20 coroutines: co_spawn N
// coroutines that each wait 1 s on a steady_timer and return their index, collect the results
// in argument order (slot i) and check them. Metric: overhead_ms = wall_ms - 1000.
#include <asio.hpp>
#include <asio/experimental/concurrent_channel.hpp>
#include <atomic>
#include <chrono>
#include <common/harness.hpp>
#include <cstdint>
#include <exception>
#include <future>
#include <thread>
#include <vector>

namespace {

using AllDone = asio::experimental::concurrent_channel<void(asio::error_code, std::uint64_t)>;

asio::awaitable<std::uint64_t> read_file(std::uint64_t i) {
  asio::steady_timer timer(co_await asio::this_coro::executor, std::chrono::seconds(1));
  co_await timer.async_wait(asio::use_awaitable);
  co_return i;
}

asio::awaitable<bool> gather_sleep(std::uint64_t n, AllDone& all_done) {
  auto executor = co_await asio::this_coro::executor;
  std::vector<std::uint64_t> results(n);
  std::atomic<std::uint64_t> remaining{n};
  for (std::uint64_t i = 0; i < n; ++i) {
    asio::co_spawn(executor, read_file(i), [&, i](std::exception_ptr error, std::uint64_t r) {
      if (error) std::rethrow_exception(error);
      results[i] = r;
      if (remaining.fetch_sub(1, std::memory_order_acq_rel) == 1) {
        all_done.try_send(asio::error_code{}, n);
      }
    });
  }
  co_await all_done.async_receive(asio::use_awaitable);
  for (std::uint64_t i = 0; i < n; ++i) {
    if (results[i] != i) co_return false;
  }
  co_return true;
}

double rep(unsigned workers, std::uint64_t n) {
  asio::io_context context(static_cast<int>(workers));
  AllDone all_done(context, 1);
  auto work = asio::make_work_guard(context);
  std::vector<std::thread> threads;
  for (unsigned t = 0; t < workers; ++t) threads.emplace_back([&context] { context.run(); });

  corio::bench::Stopwatch stopwatch;
  bool in_order = asio::co_spawn(context, gather_sleep(n, all_done), asio::use_future).get();
  double wall_ms = stopwatch.elapsed_ms();

  work.reset();
  for (std::thread& thread : threads) thread.join();
  corio::bench::check(in_order, "gather_sleep", "results are not in argument order");
  return wall_ms;
}

}  // namespace

int main(int argc, char** argv) {
  corio::bench::Args args = corio::bench::parse_args(argc, argv);
  const std::uint64_t n = args.n ? args.n : 100'000;
  corio::bench::Workload workload{"gather_sleep", "asio", "overhead_ms",
                                  corio::bench::Metric::overhead_ms, n};
  corio::bench::run(args, workload, [n](unsigned workers) { return rep(workers, n); });
}
