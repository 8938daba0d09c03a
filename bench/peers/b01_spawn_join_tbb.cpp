// B1 spawn_join (bench-spec.md) on oneTBB: inside a task_arena of W threads, one
// tbb::task_group runs N=1,000,000 tasks, task i writing i into slot i (the slot stands in for
// the join handle, which TBB does not have); wait() joins them all, then the slots are summed in
// spawn order and checked against N(N-1)/2. Metric: ns_per_task = wall_ns / N.
//
// The arena is built and initialized outside the timed region, which covers arena.execute. As
// usual in TBB, the calling thread takes one of the arena's W slots and W-1 workers join it
// (TBB keeps its worker threads for the whole process, so only the first rep starts them).
#include <oneapi/tbb/task_arena.h>
#include <oneapi/tbb/task_group.h>

#include <common/harness.hpp>
#include <cstdint>
#include <numeric>
#include <string>
#include <vector>

namespace {

double rep(unsigned workers, std::uint64_t n) {
  tbb::task_arena arena(static_cast<int>(workers));
  arena.initialize();

  corio::bench::Stopwatch stopwatch;
  std::uint64_t sum = arena.execute([n] {
    std::vector<std::uint64_t> slots(n);
    tbb::task_group group;
    for (std::uint64_t i = 0; i < n; ++i) group.run([&slots, i] { slots[i] = i; });
    group.wait();
    return std::accumulate(slots.begin(), slots.end(), std::uint64_t{0});
  });
  double wall_ms = stopwatch.elapsed_ms();

  corio::bench::check(sum == n * (n - 1) / 2, "spawn_join",
                      "sum " + std::to_string(sum) + " != N(N-1)/2 for N=" + std::to_string(n));
  return wall_ms;
}

}  // namespace

int main(int argc, char** argv) {
  corio::bench::Args args = corio::bench::parse_args(argc, argv);
  const std::uint64_t n = args.n ? args.n : 1'000'000;
  corio::bench::Workload workload{"spawn_join", "tbb", "ns_per_task",
                                  corio::bench::Metric::ns_per_item, n};
  corio::bench::run(args, workload, [n](unsigned workers) { return rep(workers, n); });
}
