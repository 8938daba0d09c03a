// B4 ping_pong (bench-spec.md): two tasks and two channels of capacity 1; a u64 token goes
// A -> B -> A, N = 1,000,000 round trips. B adds one to the token on each trip, so A can check
// it came back N times. Metric: ns_per_roundtrip = wall_ns / N.
#include <common/harness.hpp>
#include <corio/corio.hpp>
#include <cstdint>
#include <optional>
#include <string>

namespace {

using Ch = corio::Channel<std::uint64_t>;

// B: sends back every token it gets, plus one, until its inbox closes.
corio::Task<void> pong(Ch in, Ch out) {
  while (std::optional<std::uint64_t> v = co_await in.recv()) co_await out.send(*v + 1);
}

// A: the timed region covers the N round trips.
corio::Task<double> ping(std::uint64_t n) {
  Ch to_b = Ch::bounded(1);
  Ch to_a = Ch::bounded(1);
  corio::JoinHandle<void> b = corio::spawn(pong(to_b, to_a));
  corio::bench::Stopwatch watch;
  std::uint64_t token = 0;
  for (std::uint64_t i = 0; i < n; ++i) {
    co_await to_b.send(std::uint64_t{token});
    token = *co_await to_a.recv();
  }
  double ms = watch.elapsed_ms();
  to_b.close();
  co_await b;
  corio::bench::check(token == n, "ping_pong",
                      "token " + std::to_string(token) + " after " + std::to_string(n) + " trips");
  co_return ms;
}

}  // namespace

int main(int argc, char** argv) {
  corio::bench::Args args = corio::bench::parse_args(argc, argv);
  std::uint64_t n = args.n ? args.n : 1'000'000;
  corio::bench::run(
      args, {"ping_pong", "corio", "ns_per_roundtrip", corio::bench::Metric::ns_per_item, n},
      [n](unsigned workers) {
        corio::Runtime rt({.workers = workers});
        return rt.block_on(ping(n));
      });
}
