// B5 channel_mpmc and B5s channel_mpsc (bench-spec.md): a bounded channel of capacity 1,024;
// P = 4 producer tasks each send N/P u64 values (N = 10,000,000 in all); C consumer tasks (4
// for channel_mpmc, 1 for channel_mpsc) receive until the channel is closed and drained; the
// sum of everything received is checked. Metric: msgs_per_s = N / wall_s. Prints one RESULT
// line per worker count for each of the two workloads.
#include <common/harness.hpp>
#include <corio/corio.hpp>
#include <cstdint>
#include <optional>
#include <string>
#include <utility>
#include <vector>

namespace {

using Ch = corio::Channel<std::uint64_t>;
constexpr unsigned kProducers = 4;

corio::Task<void> produce(Ch ch, std::uint64_t first, std::uint64_t count) {
  for (std::uint64_t v = first; v < first + count; ++v) co_await ch.send(std::uint64_t{v});
}

corio::Task<std::uint64_t> consume(Ch ch) {
  std::uint64_t sum = 0;
  while (std::optional<std::uint64_t> v = co_await ch.recv()) sum += *v;
  co_return sum;
}

// Values 0..n-1 split among the producers; the timed region is from the first spawn to the
// last consumer's sum.
corio::Task<double> mpmc(std::uint64_t n, unsigned consumers, const char* workload) {
  Ch ch = Ch::bounded(1024);
  corio::bench::Stopwatch watch;
  std::vector<corio::JoinHandle<std::uint64_t>> cs;
  for (unsigned c = 0; c < consumers; ++c) cs.push_back(corio::spawn(consume(ch)));
  std::vector<corio::JoinHandle<void>> ps;
  for (unsigned p = 0; p < kProducers; ++p) {
    std::uint64_t first = n * p / kProducers, last = n * (p + 1) / kProducers;
    ps.push_back(corio::spawn(produce(ch, first, last - first)));
  }
  for (auto& p : ps) co_await p;
  ch.close();
  std::uint64_t sum = 0;
  for (auto& c : cs) sum += co_await c;
  double ms = watch.elapsed_ms();
  corio::bench::check(sum == n * (n - 1) / 2, workload,
                      "sum " + std::to_string(sum) + " != N(N-1)/2 for N=" + std::to_string(n));
  co_return ms;
}

}  // namespace

int main(int argc, char** argv) {
  corio::bench::Args args = corio::bench::parse_args(argc, argv);
  std::uint64_t n = args.n ? args.n : 10'000'000;
  for (auto [workload, count] : {std::pair{"channel_mpmc", 4u}, std::pair{"channel_mpsc", 1u}}) {
    const char* name = workload;
    unsigned consumers = count;
    corio::bench::run(args, {name, "corio", "msgs_per_s", corio::bench::Metric::items_per_s, n},
                      [n, name, consumers](unsigned workers) {
                        corio::Runtime rt({.workers = workers});
                        return rt.block_on(mpmc(n, consumers, name));
                      });
  }
}
