// B5 channel_mpmc and B5s channel_mpsc (bench-spec.md) on a bare moodycamel ConcurrentQueue:
// the lock-free upper bound for a channel. P = 4 producer threads enqueue N/P u64 values each
// (N = 10,000,000) with producer tokens; C consumer threads (4, or 1 for channel_mpsc)
// dequeue with consumer tokens until N values were taken in all, and the sum is checked. No
// suspension: a thread that finds the queue empty spins (yielding its core, which this
// 2-core machine needs). The queue is unbounded, so producers never wait. --workers is only
// echoed in the RESULT line: the thread count is always P + C. Metric: msgs_per_s.
#include <concurrentqueue/concurrentqueue.h>

#include <atomic>
#include <common/harness.hpp>
#include <cstdint>
#include <string>
#include <thread>
#include <utility>
#include <vector>

namespace {

constexpr unsigned kProducers = 4;

double rep(std::uint64_t n, unsigned consumers, const char* workload) {
  moodycamel::ConcurrentQueue<std::uint64_t> q(1024);
  std::atomic<std::uint64_t> taken{0}, sum{0};
  std::atomic<bool> go{false};
  std::vector<std::thread> threads;
  for (unsigned p = 0; p < kProducers; ++p) {
    threads.emplace_back([&, p] {
      moodycamel::ProducerToken token(q);
      while (!go.load(std::memory_order_acquire)) std::this_thread::yield();
      for (std::uint64_t v = n * p / kProducers; v < n * (p + 1) / kProducers; ++v) {
        q.enqueue(token, v);
      }
    });
  }
  for (unsigned c = 0; c < consumers; ++c) {
    threads.emplace_back([&] {
      moodycamel::ConsumerToken token(q);
      std::uint64_t local = 0, v = 0;
      while (!go.load(std::memory_order_acquire)) std::this_thread::yield();
      while (taken.load(std::memory_order_relaxed) < n) {
        if (q.try_dequeue(token, v)) {
          local += v;
          taken.fetch_add(1, std::memory_order_relaxed);
        } else {
          std::this_thread::yield();
        }
      }
      sum.fetch_add(local);
    });
  }
  corio::bench::Stopwatch watch;
  go.store(true, std::memory_order_release);
  for (std::thread& t : threads) t.join();
  double ms = watch.elapsed_ms();
  corio::bench::check(sum.load() == n * (n - 1) / 2, workload, "sum " + std::to_string(sum.load()));
  return ms;
}

}  // namespace

int main(int argc, char** argv) {
  corio::bench::Args args = corio::bench::parse_args(argc, argv);
  const std::uint64_t n = args.n ? args.n : 10'000'000;
  for (auto [workload, count] : {std::pair{"channel_mpmc", 4u}, std::pair{"channel_mpsc", 1u}}) {
    const char* name = workload;
    unsigned consumers = count;
    corio::bench::run(args, {name, "raw", "msgs_per_s", corio::bench::Metric::items_per_s, n},
                      [n, name, consumers](unsigned) { return rep(n, consumers, name); });
  }
}
