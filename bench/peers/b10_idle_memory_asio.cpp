// B10 idle_memory (bench-spec.md) on standalone Asio with C++20 coroutines: co_spawn N
// coroutines that each await one shared event, read RSS (/proc/self/statm) before spawning
// and while all are suspended, then set the event and check every coroutine finished.
// Metric: bytes_per_task = (RSS_suspended - RSS_before) / N.
//
// The event: Asio has none, so the idiomatic stand-in is a steady_timer that never expires,
// which every coroutine awaits; cancelling it wakes them all (with operation_aborted). A timer
// is not thread-safe, so the coroutines and the cancel run on one strand of a W-thread
// io_context (it costs the waiting coroutines nothing: they are suspended).
#include <sys/wait.h>
#include <unistd.h>

#include <asio.hpp>
#include <atomic>
#include <chrono>
#include <common/child_process.hpp>
#include <common/harness.hpp>
#include <cstdint>
#include <cstdio>
#include <string>
#include <thread>
#include <vector>

namespace {

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

asio::awaitable<void> idle(asio::steady_timer* event) {
  g_waiting.fetch_add(1, std::memory_order_relaxed);
  asio::error_code ec;
  co_await event->async_wait(asio::redirect_error(asio::use_awaitable, ec));
  g_finished.fetch_add(1, std::memory_order_relaxed);
}

struct Sample {
  double wall_ms;
  double bytes_per_task;
};

Sample rep(unsigned workers, std::uint64_t n) {
  g_waiting = 0;
  g_finished = 0;
  asio::io_context context(static_cast<int>(workers));
  auto strand = asio::make_strand(context);
  asio::steady_timer event(strand, asio::steady_timer::time_point::max());
  auto work = asio::make_work_guard(context);
  std::vector<std::thread> threads;
  for (unsigned t = 0; t < workers; ++t) threads.emplace_back([&context] { context.run(); });

  std::uint64_t before = rss_bytes();
  corio::bench::Stopwatch watch;
  for (std::uint64_t i = 0; i < n; ++i) asio::co_spawn(strand, idle(&event), asio::detached);
  while (g_waiting.load(std::memory_order_relaxed) < n) std::this_thread::yield();
  // The last coroutine counted itself just before suspending: let the strand go idle.
  std::atomic<bool> drained{false};
  asio::post(strand, [&drained] { drained = true; });
  while (!drained.load()) std::this_thread::yield();
  double ms = watch.elapsed_ms();
  std::uint64_t suspended = rss_bytes();
  asio::post(strand, [&event] { event.cancel(); });
  while (g_finished.load(std::memory_order_relaxed) < n) std::this_thread::yield();

  work.reset();
  for (std::thread& thread : threads) thread.join();
  corio::bench::check(g_finished.load() == n, "idle_memory",
                      "only " + std::to_string(g_finished.load()) + " of " + std::to_string(n) +
                          " coroutines finished");
  double per_task = suspended > before ? static_cast<double>(suspended - before) / n : 0.0;
  return {ms, per_task};
}

}  // namespace

int main(int argc, char** argv) {
  corio::bench::Args args = corio::bench::parse_args(argc, argv);
  const std::uint64_t n = args.n ? args.n : 1'000'000;
  // The metric is memory, not time: the RESULT line is printed here in the harness's format.
  for (unsigned workers : args.workers) {
    std::vector<double> walls, bytes;
    for (unsigned r = 0; r < args.reps; ++r) {
      Sample s = corio::bench::run_in_child<Sample>("idle_memory",
                                                    [workers, n] { return rep(workers, n); });
      walls.push_back(s.wall_ms);
      bytes.push_back(s.bytes_per_task);
    }
    std::printf(
        "RESULT idle_memory asio workers=%u n=%llu wall_ms=%.3f bytes_per_task=%.1f "
        "reps=%u\n",
        workers, static_cast<unsigned long long>(n), corio::bench::median(walls),
        corio::bench::median(bytes), args.reps);
    std::fflush(stdout);
  }
}
