// BlockingPool: thread lifecycle and the hand-off of results to waiting tasks.
#include "blocking_pool.hpp"

#include <string>
#include <system_error>
#include <thread>

#include "corio/core/error.hpp"
#include "scheduler.hpp"
#include "worker.hpp"

namespace corio::detail {

// ---- Jobs ---------------------------------------------------------------------------------

void release_blocking_job(BlockingJob* job) noexcept {
  if (job->refs.fetch_sub(1, std::memory_order_acq_rel) == 1) job->destroy(job);
}

void submit_blocking(BlockingJob* job) {
  Worker* worker = Worker::current();
  if (!worker) {
    throw UsageError(
        "corio::to_thread / spawn_blocking outside a corio runtime: await them from a task");
  }
  job->refs.fetch_add(1, std::memory_order_relaxed);  // the pool's
  try {
    worker->scheduler().blocking_pool().submit(job);
  } catch (...) {
    job->refs.fetch_sub(1, std::memory_order_relaxed);
    throw;
  }
}

namespace {
/// Publishes the outcome and wakes the awaiting task, if it still waits. The wake happens
/// under the job's mutex, which the task takes before it stops waiting (await_resume or
/// its destructor): so the task cannot have finished, and its header is alive, meanwhile.
void complete(BlockingJob* job) noexcept {
  {
    std::lock_guard lock(job->mutex);
    job->done = true;
    if (job->waiting) {
      job->waiting = false;
      job->waker.wake();
    }
  }
  release_blocking_job(job);
}
}  // namespace

// ---- Pool ---------------------------------------------------------------------------------

BlockingPool::BlockingPool(unsigned max_threads, std::chrono::milliseconds keep_alive)
    : max_threads_(max_threads), keep_alive_(keep_alive) {
  if (max_threads == 0) {
    throw UsageError(
        "RuntimeOptions::max_blocking_threads = 0: the blocking pool needs at least one "
        "thread (the default is 512)");
  }
}

void BlockingPool::submit(BlockingJob* job) {
  std::unique_lock lock(mutex_);
  if (shutdown_) throw UsageError("corio::to_thread after the runtime began shutting down");
  job->next = nullptr;
  (tail_ ? tail_->next : head_) = job;
  tail_ = job;
  ++queued_;
  if (idle_ >= queued_ || threads_ >= max_threads_) {
    work_cv_.notify_one();  // an idle thread takes it, or the next thread to finish does
    return;
  }
  ++threads_;
  try {
    // Detached: a thread that retires leaves alone; shut_down waits on the count instead.
    std::thread([this] { thread_main(); }).detach();
  } catch (...) {
    --threads_;
    if (threads_ == 0) {  // nobody would ever run it: take it back and report
      head_ = tail_ = nullptr;
      queued_ = 0;
      throw;
    }
  }
}

void BlockingPool::thread_main() {
  std::unique_lock lock(mutex_);
  for (;;) {
    if (head_) {
      BlockingJob* job = head_;
      head_ = job->next;
      if (!head_) tail_ = nullptr;
      --queued_;
      lock.unlock();
      job->run(job);
      complete(job);
      lock.lock();
      continue;
    }
    if (shutdown_) break;
    ++idle_;
    bool woke = work_cv_.wait_for(lock, keep_alive_, [this] { return head_ || shutdown_; });
    --idle_;
    if (!woke) break;  // idle for keep_alive: retire
  }
  --threads_;
  if (threads_ == 0) exit_cv_.notify_all();
}

void BlockingPool::shut_down() noexcept {
  std::unique_lock lock(mutex_);
  shutdown_ = true;
  // 1.
  while (head_) {
    BlockingJob* job = head_;
    head_ = job->next;
    release_blocking_job(job);
  }
  tail_ = nullptr;
  queued_ = 0;
  // 2.
  work_cv_.notify_all();
  // 3.
  exit_cv_.wait(lock, [this] { return threads_ == 0; });
}

unsigned BlockingPool::threads() const {
  std::lock_guard lock(mutex_);
  return threads_;
}

}  // namespace corio::detail
