// B2 chained_spawn (bench-spec.md) on standalone Asio with C++20 coroutines: a chain of
// N=1,000,000 tasks where task k spawns task k+1 detached and returns; task N sends its index
// on a one-shot concurrent_channel that the root coroutine awaits, and the root checks it is N
// (so all N tasks ran). Metric: ns_per_task = wall_ns / N.
//
// Runtime: one io_context (concurrency hint W) run by W threads, the idiomatic multi-threaded
// Asio setup. The threads start before and are joined after the timed region, which covers the
// root coroutine from co_spawn to its result.
#include <asio.hpp>
#include <asio/experimental/concurrent_channel.hpp>
#include <common/harness.hpp>
#include <cstdint>
#include <future>
#include <string>
#include <thread>
#include <vector>

namespace {

using LastDone = asio::experimental::concurrent_channel<void(asio::error_code, std::uint64_t)>;

// Task k of the chain: spawns task k + 1 and returns, or, as task n, reports k to the root.
// co_spawn called on a thread that runs the context starts the coroutine inline (it dispatches),
// so calling it directly here would nest each task inside the previous one and overflow the stack
// long before N; posting the co_spawn queues task k + 1 and lets task k return, as specified.
asio::awaitable<void> link(std::uint64_t k, std::uint64_t n, LastDone& last_done) {
  if (k < n) {
    auto executor = co_await asio::this_coro::executor;
    asio::post(executor, [executor, k, n, &last_done] {
      asio::co_spawn(executor, link(k + 1, n, last_done), asio::detached);
    });
  } else {
    last_done.try_send(asio::error_code{}, k);
  }
}

asio::awaitable<std::uint64_t> chained_spawn(std::uint64_t n, LastDone& last_done) {
  auto executor = co_await asio::this_coro::executor;
  asio::co_spawn(executor, link(1, n, last_done), asio::detached);
  co_return co_await last_done.async_receive(asio::use_awaitable);
}

double rep(unsigned workers, std::uint64_t n) {
  asio::io_context context(static_cast<int>(workers));
  // Outlives the root coroutine, so the last task's try_send never races its destruction.
  LastDone last_done(context, 1);
  auto work = asio::make_work_guard(context);
  std::vector<std::thread> threads;
  for (unsigned t = 0; t < workers; ++t) threads.emplace_back([&context] { context.run(); });

  corio::bench::Stopwatch stopwatch;
  std::uint64_t last = asio::co_spawn(context, chained_spawn(n, last_done), asio::use_future).get();
  double wall_ms = stopwatch.elapsed_ms();

  work.reset();
  for (std::thread& thread : threads) thread.join();
  corio::bench::check(
      last == n, "chained_spawn",
      "the chain ended at task " + std::to_string(last) + ", not " + std::to_string(n));
  return wall_ms;
}

}  // namespace

int main(int argc, char** argv) {
  corio::bench::Args args = corio::bench::parse_args(argc, argv);
  const std::uint64_t n = args.n ? args.n : 1'000'000;
  corio::bench::Workload workload{"chained_spawn", "asio", "ns_per_task",
                                  corio::bench::Metric::ns_per_item, n};
  corio::bench::run(args, workload, [n](unsigned workers) { return rep(workers, n); });
}
