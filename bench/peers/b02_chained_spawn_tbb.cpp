// B2 chained_spawn (bench-spec.md) on oneTBB: inside a task_arena of W threads, a chain of
// N=1,000,000 tasks where task k runs task k+1 in the same tbb::task_group (group.run from inside
// the task) and returns; task N records its index. The root waits with group.wait() and checks
// the recorded index is N (so all N tasks ran). Metric: ns_per_task = wall_ns / N.
//
// The arena is built and initialized outside the timed region, which covers arena.execute. As
// usual in TBB, the calling thread takes one of the arena's W slots and W-1 workers join it
// (TBB keeps its worker threads for the whole process, so only the first rep starts them).
#include <oneapi/tbb/task_arena.h>
#include <oneapi/tbb/task_group.h>

#include <common/harness.hpp>
#include <cstdint>
#include <string>

namespace {

// Task k of the chain: runs task k + 1 in the same group and returns, or, as task n, records k.
void link(tbb::task_group& group, std::uint64_t k, std::uint64_t n, std::uint64_t& last) {
  if (k < n) {
    group.run([&group, k, n, &last] { link(group, k + 1, n, last); });
  } else {
    last = k;
  }
}

double rep(unsigned workers, std::uint64_t n) {
  tbb::task_arena arena(static_cast<int>(workers));
  arena.initialize();

  corio::bench::Stopwatch stopwatch;
  std::uint64_t last = arena.execute([n] {
    std::uint64_t last = 0;
    tbb::task_group group;
    group.run([&group, n, &last] { link(group, 1, n, last); });
    group.wait();
    return last;
  });
  double wall_ms = stopwatch.elapsed_ms();

  corio::bench::check(
      last == n, "chained_spawn",
      "the chain ended at task " + std::to_string(last) + ", not " + std::to_string(n));
  return wall_ms;
}

}  // namespace

int main(int argc, char** argv) {
  corio::bench::Args args = corio::bench::parse_args(argc, argv);
  const std::uint64_t n = args.n ? args.n : 1'000'000;
  corio::bench::Workload workload{"chained_spawn", "tbb", "ns_per_task",
                                  corio::bench::Metric::ns_per_item, n};
  corio::bench::run(args, workload, [n](unsigned workers) { return rep(workers, n); });
}
