// Condition: asyncio.Condition for corio, used together with a corio::Mutex.
//
//   corio::Mutex m;
//   corio::Condition cv;
//   std::deque<Job> jobs;
//   // consumer:
//   corio::MutexGuard g = co_await m.lock();
//   co_await cv.wait_for(g, [&] { return !jobs.empty(); });   // (a plain lambda, not a
//   Job job = pop(jobs);                                        //  coroutine: captures are fine)
//   // producer:
//   { auto g = co_await m.lock(); jobs.push_back(job); }
//   cv.notify();
//
// wait(guard) puts the task in the condition's queue and then unlocks the mutex, so a
// notify issued after the unlock can never be missed; after the wake-up it locks the mutex
// again (through the mutex's own FIFO queue) before returning.
#pragma once

#include <coroutine>
#include <cstddef>
#include <exception>
#include <mutex>
#include <source_location>
#include <string>
#include <type_traits>
#include <utility>

#include "corio/core/detail/scheduling.hpp"
#include "corio/core/error.hpp"
#include "corio/core/task.hpp"
#include "corio/sync/detail/waiter_queue.hpp"
#include "corio/sync/mutex.hpp"

namespace corio {

/// A condition variable for tasks (asyncio.Condition), paired with a corio Mutex by the
/// guard passed to each wait.
///
/// Thread safety: wait()/wait_for() from tasks holding the mutex; notify()/notify_all() from
///   any thread, worker or not, with or without the mutex (hold it when the state the
///   waiters test is changed under it, as with any condition variable).
/// Lifetime: the Condition must outlive its waiters.
class Condition {
 public:
  Condition() = default;
  Condition(const Condition&) = delete;
  Condition& operator=(const Condition&) = delete;

  /// Wakes up to `n` waiting tasks (the longest waiting first). Any thread.
  void notify(std::size_t n = 1) noexcept {
    detail::WakeBatch batch;
    std::lock_guard lock(mutex_);
    for (; n > 0; --n) {
      detail::Waiter* w = waiters_.pop_front();
      if (!w) break;
      detail::WaiterQueue::complete(w, batch);
    }
  }

  /// Wakes every waiting task. Any thread.
  void notify_all() noexcept { notify(static_cast<std::size_t>(-1)); }

  /// Waits for a notify: unlocks the guard's mutex, suspends, and locks it again before
  /// returning (also when it throws).
  /// Suspends: until notified, then until the mutex is free.
  /// Resumes on: a worker of the waiting task's runtime, holding the mutex.
  /// Cancellation: throws CancelledError after re-locking the mutex; a notification that
  ///   reached the task just before the cancellation is passed on to the next waiter.
  /// Errors: UsageError for a guard that holds no mutex.
  Task<> wait(MutexGuard& guard) {
    check_guard(guard, "wait");
    return wait_impl(this, &guard);
  }

  /// Waits until `predicate()` is true (asyncio's wait_for): tests it first, then waits
  /// for notifications and tests again after each one, always holding the mutex. Returns
  /// the predicate's last (true) result. Cancellation and errors as wait().
  template <class Predicate>
  Task<std::invoke_result_t<Predicate&>> wait_for(MutexGuard& guard, Predicate predicate) {
    check_guard(guard, "wait_for");
    return wait_for_impl(this, &guard, std::move(predicate));
  }

 private:
  /// Awaitable of one notification; unlocks the mutex once queued.
  class NotifyAwaiter {
   public:
    NotifyAwaiter(Condition* cv, MutexGuard* guard) noexcept : cv_(cv), guard_(guard) {}
    NotifyAwaiter(const NotifyAwaiter&) = delete;
    NotifyAwaiter& operator=(const NotifyAwaiter&) = delete;
    // Only a frame destroyed while suspended (runtime shutdown) is still queued.
    ~NotifyAwaiter() { cv_->waiters_.leave(cv_->mutex_, &waiter_); }

    bool await_ready() const noexcept { return false; }
    bool await_suspend(std::coroutine_handle<> caller,
                       std::source_location where = std::source_location::current()) {
      detail::note_await_site(caller, where);
      detail::TaskHeader& task = detail::require_current_task("co_await corio::Condition::wait()");
      detail::throw_if_cancelled(task);
      {
        std::lock_guard lock(cv_->mutex_);
        // Cancelled meanwhile: the mutex is still held, so wait_impl has nothing to re-lock.
        if (!waiter_.arm(task, caller, detail::WaitKind::condition_wait))
          detail::throw_cancelled(task);
        cv_->waiters_.push_back(&waiter_);
      }
      // Queued first, unlocked second: a notify after this unlock finds us. A wake-up
      // arriving now is a claim while we still run, so the worker requeues the task only
      // after this poll ends.
      guard_->unlock();
      return true;
    }
    void await_resume() {
      detail::TaskHeader* task = waiter_.task();
      if (!detail::cancellation_pending(*task)) return;
      // A notification that reached a cancelled waiter is passed on.
      if (!cv_->waiters_.leave(cv_->mutex_, &waiter_)) cv_->notify(1);
      detail::throw_cancelled(*task);
    }

   private:
    Condition* cv_;
    MutexGuard* guard_;
    detail::Waiter waiter_;
  };

  static void check_guard(const MutexGuard& guard, const char* what) {
    if (!guard.owns_lock()) {
      throw UsageError(std::string("corio::Condition::") + what +
                       " needs a guard holding the mutex: co_await mutex.lock() first");
    }
  }

  // Coroutines take pointers, never references (a dangling-reference bug class).
  static Task<> wait_impl(Condition* cv, MutexGuard* guard) {
    Mutex* m = guard->mutex();
    std::exception_ptr error;
    try {
      co_await NotifyAwaiter(cv, guard);
    } catch (...) {
      error = std::current_exception();
    }
    if (!guard->owns_lock()) {
      // Re-lock whatever happens (asyncio does the same): a cancellation that arrives while
      // re-locking is remembered and thrown once the lock is held.
      bool cancelled = false;
      for (;;) {
        try {
          *guard = co_await m->lock();
          break;
        } catch (const CancelledError&) {
          cancelled = true;
        }
      }
      if (cancelled && !error) error = std::make_exception_ptr(CancelledError());
    }
    if (error) std::rethrow_exception(error);
  }

  template <class Predicate>
  static Task<std::invoke_result_t<Predicate&>> wait_for_impl(Condition* cv, MutexGuard* guard,
                                                              Predicate predicate) {
    auto result = predicate();
    while (!result) {
      co_await wait_impl(cv, guard);
      result = predicate();
    }
    co_return result;
  }

  std::mutex mutex_;
  detail::WaiterQueue waiters_;  ///< guarded by mutex_
};

}  // namespace corio
