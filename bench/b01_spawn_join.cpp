// B1 spawn_join (bench-spec.md): from inside the runtime, spawn N tasks returning their
// index, keep the handles, await them in spawn order and check the sum.
#include <common/harness.hpp>
#include <corio/corio.hpp>
#include <cstdint>
#include <vector>

namespace {

corio::Task<std::uint64_t> identity(std::uint64_t i) { co_return i; }

corio::Task<double> spawn_join(std::uint64_t n) {
  corio::bench::Stopwatch watch;
  std::vector<corio::JoinHandle<std::uint64_t>> handles;
  handles.reserve(n);
  for (std::uint64_t i = 0; i < n; ++i) handles.push_back(corio::spawn(identity(i)));
  std::uint64_t sum = 0;
  for (auto& h : handles) sum += co_await h;
  double ms = watch.elapsed_ms();
  corio::bench::check(sum == n * (n - 1) / 2, "spawn_join", "wrong sum");
  co_return ms;
}

}  // namespace

int main(int argc, char** argv) {
  corio::bench::Args args = corio::bench::parse_args(argc, argv);
  std::uint64_t n = args.n ? args.n : 1'000'000;
  corio::bench::run(args,
                    {"spawn_join", "corio", "ns_per_task", corio::bench::Metric::ns_per_item, n},
                    [n](unsigned workers) {
                      corio::Runtime rt({.workers = workers});
                      return rt.block_on(spawn_join(n));
                    });
}
