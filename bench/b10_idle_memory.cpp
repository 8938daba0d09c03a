// B10 idle_memory (bench-spec.md): spawn N=1,000,000 tasks that each await one shared
// corio::Event; read RSS (from /proc/self/statm) before spawning and while all are
// suspended, then set the event and check every task finished. Metric: bytes_per_task =
// (RSS_suspended - RSS_before) / N, printed in the RESULT line's metric slot (the harness's
// wall_ms is the time to spawn and suspend them all). Each repetition runs in a child
// process, so it starts from a fresh heap.
#include <sys/wait.h>
#include <unistd.h>

#include <atomic>
#include <common/child_process.hpp>
#include <common/harness.hpp>
#include <corio/corio.hpp>
#include <cstdint>
#include <cstdio>
#include <string>

namespace {

// One event and counters for all tasks: a task's frame holds only its wait.
corio::Event g_event;
std::atomic<std::uint64_t> g_waiting{0};
std::atomic<std::uint64_t> g_finished{0};

std::uint64_t rss_bytes() {
  std::FILE* f = std::fopen("/proc/self/statm", "r");
  if (!f) corio::bench::fail("idle_memory", "cannot open /proc/self/statm");
  unsigned long size = 0, resident = 0;
  int got = std::fscanf(f, "%lu %lu", &size, &resident);
  std::fclose(f);
  if (got != 2) corio::bench::fail("idle_memory", "cannot parse /proc/self/statm");
  return static_cast<std::uint64_t>(resident) * static_cast<std::uint64_t>(sysconf(_SC_PAGESIZE));
}

corio::Task<> idle() {
  g_waiting.fetch_add(1, std::memory_order_relaxed);
  co_await g_event.wait();
  g_finished.fetch_add(1, std::memory_order_relaxed);
}

struct Sample {
  double wall_ms;
  double bytes_per_task;
};

corio::Task<Sample> idle_memory(std::uint64_t n) {
  std::uint64_t before = rss_bytes();
  corio::bench::Stopwatch watch;
  for (std::uint64_t i = 0; i < n; ++i) corio::spawn(idle()).detach();
  while (g_waiting.load(std::memory_order_relaxed) < n) co_await corio::yield_now();
  double ms = watch.elapsed_ms();
  std::uint64_t suspended = rss_bytes();
  g_event.set();
  while (g_finished.load(std::memory_order_relaxed) < n) co_await corio::yield_now();
  double per_task = suspended > before ? static_cast<double>(suspended - before) / n : 0.0;
  co_return Sample{ms, per_task};
}

}  // namespace

int main(int argc, char** argv) {
  corio::bench::Args args = corio::bench::parse_args(argc, argv);
  std::uint64_t n = args.n ? args.n : 1'000'000;
  // The harness derives its metric from wall time; this workload's metric is memory, so the
  // RESULT line is printed here in the same format, with the median of the repetitions.
  for (unsigned workers : args.workers) {
    std::vector<double> walls, bytes;
    for (unsigned r = 0; r < args.reps; ++r) {
      Sample s = corio::bench::run_in_child<Sample>("idle_memory", [workers, n] {
        corio::Runtime rt({.workers = workers});
        Sample sample = rt.block_on(idle_memory(n));
        corio::bench::check(g_finished.load() == n, "idle_memory",
                            "only " + std::to_string(g_finished.load()) + " of " +
                                std::to_string(n) + " tasks finished");
        return sample;
      });
      walls.push_back(s.wall_ms);
      bytes.push_back(s.bytes_per_task);
    }
    std::printf(
        "RESULT idle_memory corio workers=%u n=%llu wall_ms=%.3f bytes_per_task=%.1f "
        "reps=%u\n",
        workers, static_cast<unsigned long long>(n), corio::bench::median(walls),
        corio::bench::median(bytes), args.reps);
    std::fflush(stdout);
  }
}
