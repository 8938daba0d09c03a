// B9 tcp_echo (bench-spec.md) on corio: an echo server and, in the same runtime, a client of
// 64 connections that each do N/64 round trips of a 64-byte message with one message
// outstanding per connection. Metric: roundtrips_per_s.
//
// Runtime: one corio Runtime with W workers runs the server (corio::start_server: a listener
// and pinned accept loop per worker, sessions pinned to the worker that accepted them) and
// the 64 client tasks (gathered). The timed region runs from the first connect to the last
// echo; each echo is checked against what was sent (the message carries its round).
#include <array>
#include <common/harness.hpp>
#include <corio/corio.hpp>
#include <cstring>
#include <numeric>
#include <string>
#include <vector>

namespace {

constexpr std::size_t kConnections = 64;
constexpr std::size_t kMessage = 64;

corio::Task<> echo_session(corio::TcpStream stream) {
  std::array<std::byte, 4096> buffer;
  try {
    for (std::size_t n; (n = co_await stream.read(buffer)) > 0;) {
      co_await stream.write_all(std::span(buffer).first(n));
    }
  } catch (const std::system_error&) {
    // reset by the client: the connection is done
  }
}

// One client connection: `rounds` round trips; returns how many echoes matched.
corio::Task<std::uint64_t> client(corio::SocketAddress server, std::uint64_t rounds) {
  corio::TcpStream stream = co_await corio::TcpStream::connect(server);
  stream.set_nodelay(true);
  std::array<std::byte, kMessage> out{}, in{};
  std::uint64_t matched = 0;
  for (std::uint64_t i = 0; i < rounds; ++i) {
    std::memcpy(out.data(), &i, sizeof i);
    co_await stream.write_all(out);
    co_await stream.read_exact(in);
    matched += in == out;
  }
  co_return matched;
}

corio::Task<double> run_clients(std::uint64_t rounds) {
  corio::TcpServer echo_server = corio::start_server(echo_session, "127.0.0.1", 0);
  corio::SocketAddress server = echo_server.local_address();
  corio::bench::Stopwatch stopwatch;
  std::vector<corio::Task<std::uint64_t>> clients;
  for (std::size_t c = 0; c < kConnections; ++c) clients.push_back(client(server, rounds));
  std::vector<std::uint64_t> matched = co_await corio::gather(std::move(clients));
  double wall_ms = stopwatch.elapsed_ms();
  std::uint64_t total = std::accumulate(matched.begin(), matched.end(), std::uint64_t{0});
  corio::bench::check(
      total == rounds * kConnections, "tcp_echo",
      std::to_string(total) + " of " + std::to_string(rounds * kConnections) + " echoes matched");
  co_return wall_ms;
}

double rep(unsigned workers, std::uint64_t rounds) {
  corio::Runtime runtime({.workers = workers});
  return runtime.block_on(run_clients(rounds));  // the Runtime's destructor ends the sessions
}

}  // namespace

int main(int argc, char** argv) {
  corio::bench::Args args = corio::bench::parse_args(argc, argv);
  const std::uint64_t rounds =
      std::max<std::uint64_t>(1, (args.n ? args.n : 1'280'000) / kConnections);
  corio::bench::Workload workload{"tcp_echo", "corio", "roundtrips_per_s",
                                  corio::bench::Metric::items_per_s, rounds * kConnections};
  corio::bench::run(args, workload, [rounds](unsigned workers) { return rep(workers, rounds); });
}
