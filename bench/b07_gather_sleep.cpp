// B7 gather_sleep (bench-spec.md): the tutorial's gather example at scale: gather N
// coroutines that each sleep 1 s and return their index; the results must be in order.
// Metric: overhead_ms = wall_ms - 1000.
#include <chrono>
#include <common/harness.hpp>
#include <corio/corio.hpp>
#include <cstdint>
#include <vector>

namespace {

using namespace std::chrono_literals;

corio::Task<std::uint64_t> read_file(std::uint64_t i) {
  co_await corio::sleep_for(1s);
  co_return i;
}

corio::Task<double> gather_sleep(std::uint64_t n) {
  corio::bench::Stopwatch watch;
  std::vector<corio::Task<std::uint64_t>> files;
  files.reserve(n);
  for (std::uint64_t i = 0; i < n; ++i) files.push_back(read_file(i));
  std::vector<std::uint64_t> results = co_await corio::gather(std::move(files));
  double ms = watch.elapsed_ms();
  bool in_order = results.size() == n;
  for (std::uint64_t i = 0; in_order && i < n; ++i) in_order = results[i] == i;
  corio::bench::check(in_order, "gather_sleep", "results are not in argument order");
  co_return ms;
}

}  // namespace

int main(int argc, char** argv) {
  corio::bench::Args args = corio::bench::parse_args(argc, argv);
  std::uint64_t n = args.n ? args.n : 100'000;
  corio::bench::run(args,
                    {"gather_sleep", "corio", "overhead_ms", corio::bench::Metric::overhead_ms, n},
                    [n](unsigned workers) {
                      corio::Runtime rt({.workers = workers});
                      return rt.block_on(gather_sleep(n));
                    });
}
