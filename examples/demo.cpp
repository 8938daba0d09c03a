// The demo `make demo` runs: the tutorial's "run several coroutines concurrently" at a
// scale where the workers show. It spawns CPU-bound jobs, gathers them, and prints which
// worker thread ran each one and how long the whole took.
#include <chrono>
#include <corio/corio.hpp>
#include <cstdint>
#include <cstdio>
#include <map>
#include <mutex>
#include <string>
#include <thread>
#include <vector>

namespace {

// Numbers the threads that run jobs in the order they first appear.
class ThreadNames {
 public:
  int name_of_current() {
    std::lock_guard lock(mutex_);
    auto [it, inserted] = names_.try_emplace(std::this_thread::get_id(), next_);
    if (inserted) ++next_;
    return it->second;
  }

 private:
  std::mutex mutex_;
  std::map<std::thread::id, int> names_;
  int next_ = 0;
};

struct JobReport {
  int job;
  int worker;
  std::uint64_t result;
};

// A CPU-bound job: sums a xorshift sequence. It yields now and then so that other tasks
// on its worker get a turn.
corio::Task<JobReport> job(int id, ThreadNames* names) {
  std::uint64_t x = 88172645463325252ull + static_cast<std::uint64_t>(id), sum = 0;
  for (int round = 0; round < 20; ++round) {
    for (int i = 0; i < 200'000; ++i) {
      x ^= x << 13;
      x ^= x >> 7;
      x ^= x << 17;
      sum += x & 0xff;
    }
    co_await corio::yield_now();
  }
  co_return JobReport{id, names->name_of_current(), sum};
}

corio::Task<> amain(unsigned workers) {
  ThreadNames names;
  auto start = std::chrono::steady_clock::now();

  // One task on its own (asyncio.create_task) and eight gathered (asyncio.gather).
  corio::JoinHandle<JobReport> single = corio::spawn(job(100, &names));
  std::vector<corio::Task<JobReport>> batch;
  for (int i = 0; i < 8; ++i) batch.push_back(job(i, &names));
  std::vector<JobReport> reports = co_await corio::gather(std::move(batch));
  reports.push_back(co_await single);

  auto elapsed =
      std::chrono::duration<double, std::milli>(std::chrono::steady_clock::now() - start);
  std::map<int, int> per_worker;
  for (const JobReport& r : reports) {
    std::printf("  job %3d ran on worker thread %d (checksum %llu)\n", r.job, r.worker,
                static_cast<unsigned long long>(r.result));
    ++per_worker[r.worker];
  }
  std::printf("%zu jobs on %u workers in %.1f ms; jobs per worker thread:", reports.size(), workers,
              elapsed.count());
  for (auto [worker, count] : per_worker) std::printf(" #%d=%d", worker, count);
  std::printf("\n");
}

}  // namespace

int main() {
  unsigned workers = std::max(1u, std::thread::hardware_concurrency());
  std::printf("corio demo: spawn + gather of CPU-bound jobs over %u workers\n", workers);
  corio::run(amain(workers), {.workers = workers});
}
