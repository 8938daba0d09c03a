// B4 ping_pong (bench-spec.md) on standalone Asio with C++20 coroutines: two coroutines and
// two experimental::concurrent_channel of capacity 1; a u64 token goes A -> B -> A,
// N = 1,000,000 round trips; B adds one per trip so A can check the count. Metric:
// ns_per_roundtrip = wall_ns / N.
//
// Runtime: one io_context (concurrency hint W) run by W threads; the timed region covers A's
// loop. B stops when its channel is closed (async_receive then fails).
#include <asio.hpp>
#include <asio/experimental/concurrent_channel.hpp>
#include <common/harness.hpp>
#include <cstdint>
#include <future>
#include <string>
#include <thread>
#include <vector>

namespace {

using Ch = asio::experimental::concurrent_channel<void(asio::error_code, std::uint64_t)>;

asio::awaitable<void> pong(Ch& in, Ch& out) {
  for (;;) {
    asio::error_code ec;
    std::uint64_t v = co_await in.async_receive(asio::redirect_error(asio::use_awaitable, ec));
    if (ec) co_return;
    co_await out.async_send(asio::error_code{}, v + 1, asio::use_awaitable);
  }
}

asio::awaitable<double> ping(std::uint64_t n, Ch& to_b, Ch& to_a) {
  corio::bench::Stopwatch watch;
  std::uint64_t token = 0;
  for (std::uint64_t i = 0; i < n; ++i) {
    co_await to_b.async_send(asio::error_code{}, token, asio::use_awaitable);
    token = co_await to_a.async_receive(asio::use_awaitable);
  }
  double ms = watch.elapsed_ms();
  to_b.close();
  corio::bench::check(token == n, "ping_pong", "token " + std::to_string(token));
  co_return ms;
}

double rep(unsigned workers, std::uint64_t n) {
  asio::io_context context(static_cast<int>(workers));
  Ch to_b(context, 1), to_a(context, 1);
  auto work = asio::make_work_guard(context);
  std::vector<std::thread> threads;
  for (unsigned t = 0; t < workers; ++t) threads.emplace_back([&context] { context.run(); });
  auto b = asio::co_spawn(context, pong(to_b, to_a), asio::use_future);
  double ms = asio::co_spawn(context, ping(n, to_b, to_a), asio::use_future).get();
  b.get();
  work.reset();
  for (std::thread& thread : threads) thread.join();
  return ms;
}

}  // namespace

int main(int argc, char** argv) {
  corio::bench::Args args = corio::bench::parse_args(argc, argv);
  const std::uint64_t n = args.n ? args.n : 1'000'000;
  corio::bench::run(args,
                    {"ping_pong", "asio", "ns_per_roundtrip", corio::bench::Metric::ns_per_item, n},
                    [n](unsigned workers) { return rep(workers, n); });
}
