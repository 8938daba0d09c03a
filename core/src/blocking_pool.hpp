// BlockingPool: the runtime's elastic pool of threads for blocking calls (blocking.hpp).
//
// Threads start on demand: a submitted job goes to an idle thread if there is one, else a
// new thread starts, up to max_threads; beyond that, jobs queue (FIFO). A thread idle for
// keep_alive retires. Shutdown (Scheduler::shut_down, after the workers are joined):
//   1. set `shutdown_`, drop the jobs still queued (their awaiters are being destroyed),
//   2. wake the idle threads, which exit,
//   3. wait until every thread has exited: a thread inside a blocking call finishes it first.
#pragma once

#include <chrono>
#include <condition_variable>
#include <mutex>

#include "corio/core/blocking.hpp"

namespace corio::detail {

class BlockingPool {
 public:
  /// Errors: UsageError for max_threads == 0.
  explicit BlockingPool(unsigned max_threads,
                        std::chrono::milliseconds keep_alive = std::chrono::seconds(10));
  ~BlockingPool() { shut_down(); }
  BlockingPool(const BlockingPool&) = delete;
  BlockingPool& operator=(const BlockingPool&) = delete;

  /// Queues `job` (the caller has taken the pool's reference). Any thread.
  /// Errors: std::system_error when no thread can start and none runs; the job is not queued.
  void submit(BlockingJob* job);
  /// Steps 1-3 above. Idempotent.
  void shut_down() noexcept;

  /// Threads alive now (tests).
  unsigned threads() const;

 private:
  void thread_main();

  const unsigned max_threads_;
  const std::chrono::milliseconds keep_alive_;
  mutable std::mutex mutex_;
  std::condition_variable work_cv_;  // idle threads wait here for jobs
  std::condition_variable exit_cv_;  // shut_down waits here for threads_ == 0
  BlockingJob* head_ = nullptr;      // FIFO queue of jobs not yet taken
  BlockingJob* tail_ = nullptr;
  unsigned threads_ = 0;  // threads alive (running a job or idle)
  unsigned idle_ = 0;     // threads waiting in work_cv_
  unsigned queued_ = 0;   // jobs in the queue
  bool shutdown_ = false;
};

}  // namespace corio::detail
