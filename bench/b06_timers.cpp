// B6 timers (bench-spec.md): spawn N tasks; task i sleeps d_i = 1 + (i * 7919) % 1000 ms;
// await all. Metric: overhead_ms = wall_ms - 1000, and the process's peak RSS.
#include <chrono>
#include <common/harness.hpp>
#include <corio/corio.hpp>
#include <cstdint>
#include <string>
#include <vector>

namespace {

corio::Task<std::uint64_t> sleeper(std::uint64_t i) {
  co_await corio::sleep_for(std::chrono::milliseconds(1 + (i * 7919) % 1000));
  co_return i;
}

corio::Task<double> timers(std::uint64_t n) {
  corio::bench::Stopwatch watch;
  std::vector<corio::JoinHandle<std::uint64_t>> handles;
  handles.reserve(n);
  for (std::uint64_t i = 0; i < n; ++i) handles.push_back(corio::spawn(sleeper(i)));
  std::uint64_t sum = 0;
  for (auto& h : handles) sum += co_await h;
  double ms = watch.elapsed_ms();
  corio::bench::check(sum == n * (n - 1) / 2, "timers", "wrong sum of sleeper indices");
  co_return ms;
}

}  // namespace

int main(int argc, char** argv) {
  corio::bench::Args args = corio::bench::parse_args(argc, argv);
  std::uint64_t n = args.n ? args.n : 1'000'000;
  corio::bench::run(args,
                    {"timers", "corio", "overhead_ms", corio::bench::Metric::overhead_ms, n,
                     &corio::bench::peak_rss_field},
                    [n](unsigned workers) {
                      corio::Runtime rt({.workers = workers});
                      return rt.block_on(timers(n));
                    });
}
