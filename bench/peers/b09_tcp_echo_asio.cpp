// B9 tcp_echo (bench-spec.md) on standalone Asio with C++20 coroutines: an echo server and,
// in the same process, a client of 64 connections that each do N/64 round trips of a 64-byte
// message with one message outstanding per connection. Metric: roundtrips_per_s.
//
// Runtime: one io_context (concurrency hint W) run by W threads, serving both the server's
// sessions and the client's connections. The timed region runs from the first connect to the
// last echo; each echo is checked against what was sent (the message carries its round).
#include <array>
#include <asio.hpp>
#include <atomic>
#include <common/harness.hpp>
#include <cstring>
#include <future>
#include <string>
#include <thread>
#include <vector>

namespace {

using asio::ip::tcp;

constexpr std::size_t kConnections = 64;
constexpr std::size_t kMessage = 64;

asio::awaitable<void> echo_session(tcp::socket socket) {
  socket.set_option(tcp::no_delay(true));
  std::array<char, 4096> buffer;
  try {
    for (;;) {
      std::size_t n = co_await socket.async_read_some(asio::buffer(buffer), asio::use_awaitable);
      co_await asio::async_write(socket, asio::buffer(buffer.data(), n), asio::use_awaitable);
    }
  } catch (const std::system_error&) {
    // end of stream: the client is done
  }
}

asio::awaitable<void> listen(tcp::acceptor& acceptor) {
  for (;;) {
    tcp::socket socket = co_await acceptor.async_accept(asio::use_awaitable);
    asio::co_spawn(socket.get_executor(), echo_session(std::move(socket)), asio::detached);
  }
}

// One client connection: `rounds` round trips; returns how many echoes matched. A failed
// connection ends with an exception, which counts as no matches.
asio::awaitable<std::uint64_t> client(tcp::endpoint server, std::uint64_t rounds) {
  tcp::socket socket(co_await asio::this_coro::executor);
  co_await socket.async_connect(server, asio::use_awaitable);
  socket.set_option(tcp::no_delay(true));
  std::array<char, kMessage> out{}, in{};
  std::uint64_t matched = 0;
  for (std::uint64_t i = 0; i < rounds; ++i) {
    std::memcpy(out.data(), &i, sizeof i);
    co_await asio::async_write(socket, asio::buffer(out), asio::use_awaitable);
    co_await asio::async_read(socket, asio::buffer(in), asio::use_awaitable);
    matched += in == out;
  }
  co_return matched;
}

double rep(unsigned workers, std::uint64_t rounds) {
  asio::io_context context(static_cast<int>(workers));
  tcp::acceptor acceptor(context, tcp::endpoint(asio::ip::make_address("127.0.0.1"), 0));
  tcp::endpoint server = acceptor.local_endpoint();
  asio::co_spawn(context, listen(acceptor), asio::detached);
  std::vector<std::thread> threads;
  for (unsigned t = 0; t < workers; ++t) threads.emplace_back([&context] { context.run(); });

  // The clients report to the main thread, which waits outside the context's threads.
  std::atomic<std::uint64_t> matched{0};
  std::atomic<std::size_t> remaining{kConnections};
  std::promise<void> all_done;
  corio::bench::Stopwatch stopwatch;
  for (std::size_t c = 0; c < kConnections; ++c) {
    asio::co_spawn(context, client(server, rounds), [&](std::exception_ptr error, std::uint64_t m) {
      if (!error) matched.fetch_add(m, std::memory_order_relaxed);
      if (remaining.fetch_sub(1, std::memory_order_acq_rel) == 1) {
        all_done.set_value();
      }
    });
  }
  all_done.get_future().wait();
  double wall_ms = stopwatch.elapsed_ms();

  context.stop();
  for (std::thread& thread : threads) thread.join();
  corio::bench::check(matched.load() == rounds * kConnections, "tcp_echo",
                      std::to_string(matched.load()) + " of " +
                          std::to_string(rounds * kConnections) + " echoes matched");
  return wall_ms;
}

}  // namespace

int main(int argc, char** argv) {
  corio::bench::Args args = corio::bench::parse_args(argc, argv);
  const std::uint64_t rounds =
      std::max<std::uint64_t>(1, (args.n ? args.n : 1'280'000) / kConnections);
  corio::bench::Workload workload{"tcp_echo", "asio", "roundtrips_per_s",
                                  corio::bench::Metric::items_per_s, rounds * kConnections};
  corio::bench::run(args, workload, [rounds](unsigned workers) { return rep(workers, rounds); });
}
