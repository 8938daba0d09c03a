// B5 channel_mpmc and B5s channel_mpsc (bench-spec.md) on standalone Asio with C++20
// coroutines: one experimental::concurrent_channel of capacity 1,024; P = 4 producer
// coroutines send N/P u64 values each (N = 10,000,000 in all); C consumers (4, or 1 for
// channel_mpsc) receive and sum. Asio's channel has no "closed and drained" receive, so once
// every producer is done the root sends one end marker per consumer (C extra messages on
// 10 million). Metric: msgs_per_s = N / wall_s.
//
// Runtime: one io_context (concurrency hint W) run by W threads; the timed region covers the
// root coroutine from its first co_spawn to the last consumer's sum.
#include <asio.hpp>
#include <asio/experimental/concurrent_channel.hpp>
#include <atomic>
#include <common/harness.hpp>
#include <cstdint>
#include <exception>
#include <future>
#include <string>
#include <thread>
#include <utility>
#include <vector>

namespace {

using Ch = asio::experimental::concurrent_channel<void(asio::error_code, std::uint64_t)>;
constexpr unsigned kProducers = 4;
constexpr std::uint64_t kEnd = ~std::uint64_t{0};

asio::awaitable<void> produce(Ch& ch, std::uint64_t first, std::uint64_t last) {
  for (std::uint64_t v = first; v < last; ++v) {
    co_await ch.async_send(asio::error_code{}, v, asio::use_awaitable);
  }
}

asio::awaitable<std::uint64_t> consume(Ch& ch) {
  std::uint64_t sum = 0;
  for (;;) {
    std::uint64_t v = co_await ch.async_receive(asio::use_awaitable);
    if (v == kEnd) co_return sum;
    sum += v;
  }
}

double rep(unsigned workers, std::uint64_t n, unsigned consumers, const char* workload) {
  asio::io_context context(static_cast<int>(workers));
  Ch ch(context, 1024);
  auto work = asio::make_work_guard(context);
  std::vector<std::thread> threads;
  for (unsigned t = 0; t < workers; ++t) threads.emplace_back([&context] { context.run(); });

  corio::bench::Stopwatch watch;
  std::vector<std::future<std::uint64_t>> sums;
  for (unsigned c = 0; c < consumers; ++c) {
    sums.push_back(asio::co_spawn(context, consume(ch), asio::use_future));
  }
  std::vector<std::future<void>> producers;
  for (unsigned p = 0; p < kProducers; ++p) {
    producers.push_back(asio::co_spawn(
        context, produce(ch, n * p / kProducers, n * (p + 1) / kProducers), asio::use_future));
  }
  for (auto& p : producers) p.get();
  auto ends = [](Ch* ch, unsigned c) -> asio::awaitable<void> {
    for (unsigned i = 0; i < c; ++i) {
      co_await ch->async_send(asio::error_code{}, kEnd, asio::use_awaitable);
    }
  };
  asio::co_spawn(context, ends(&ch, consumers), asio::use_future).get();
  std::uint64_t sum = 0;
  for (auto& s : sums) sum += s.get();
  double ms = watch.elapsed_ms();

  work.reset();
  for (std::thread& thread : threads) thread.join();
  corio::bench::check(sum == n * (n - 1) / 2, workload, "sum " + std::to_string(sum));
  return ms;
}

}  // namespace

int main(int argc, char** argv) {
  corio::bench::Args args = corio::bench::parse_args(argc, argv);
  const std::uint64_t n = args.n ? args.n : 10'000'000;
  for (auto [workload, count] : {std::pair{"channel_mpmc", 4u}, std::pair{"channel_mpsc", 1u}}) {
    const char* name = workload;
    unsigned consumers = count;
    corio::bench::run(
        args, {name, "asio", "msgs_per_s", corio::bench::Metric::items_per_s, n},
        [n, name, consumers](unsigned workers) { return rep(workers, n, consumers, name); });
  }
}
