// Latch and WaitGroup: wait until a count reaches zero.
//
//   corio::Latch started(3);                  // std::latch for tasks: counts down once
//   started.count_down();   ...   co_await started.wait();
//
//   corio::WaitGroup wg;                       // Go's sync.WaitGroup: may count up again
//   wg.add(2);
//   corio::spawn(worker(&wg)).detach();        // each worker calls wg.done() at its end
//   corio::spawn(worker(&wg)).detach();
//   co_await wg.wait();
//
// Both keep the count in an atomic (is_ready() and the ready fast path of wait() take no
// lock) and their waiters in the shared waiting engine (detail/waiter_queue.hpp).
#pragma once

#include <atomic>
#include <coroutine>
#include <cstdint>
#include <mutex>
#include <source_location>
#include <string>

#include "corio/core/detail/scheduling.hpp"
#include "corio/core/error.hpp"
#include "corio/core/task.hpp"
#include "corio/sync/detail/waiter_queue.hpp"

namespace corio {

namespace detail {

/// What Latch and WaitGroup share: a count, and the tasks and threads waiting for zero.
class ZeroWait {
 public:
  ZeroWait(const ZeroWait&) = delete;
  ZeroWait& operator=(const ZeroWait&) = delete;

  class [[nodiscard]] WaitAwaiter {
   public:
    explicit WaitAwaiter(ZeroWait& z) noexcept : owner_(&z) {}
    WaitAwaiter(const WaitAwaiter&) = delete;
    WaitAwaiter& operator=(const WaitAwaiter&) = delete;
    // Only a frame destroyed while suspended (runtime shutdown) is still queued.
    ~WaitAwaiter() { owner_->waiters_.leave(owner_->mutex_, &waiter_); }

    bool await_ready() const noexcept {
      return owner_->count_.load(std::memory_order_acquire) == 0;
    }
    bool await_suspend(std::coroutine_handle<> caller,
                       std::source_location where = std::source_location::current()) {
      detail::note_await_site(caller, where);
      TaskHeader& task = require_current_task("co_await corio::Latch/WaitGroup::wait()");
      throw_if_cancelled(task);
      std::lock_guard lock(owner_->mutex_);
      if (owner_->count_.load(std::memory_order_acquire) == 0) return false;
      if (!waiter_.arm(task, caller, detail::WaitKind::latch_wait)) throw_cancelled(task);
      owner_->waiters_.push_back(&waiter_);
      return true;
    }
    void await_resume() {
      // Not completed: a cancellation woke us (if zero was reached first, the wait returns
      // normally and the cancellation stays pending).
      if (owner_->waiters_.leave(owner_->mutex_, &waiter_)) throw_cancelled(*waiter_.task());
    }

   private:
    ZeroWait* owner_;
    Waiter waiter_;
  };

 protected:
  explicit ZeroWait(std::int64_t count) noexcept : count_(count) {}

  void wait_blocking(const char* what) {
    if (on_runtime_worker()) {
      throw UsageError(std::string(what) +
                       " on a runtime worker would stall it: co_await wait() instead");
    }
    Waiter waiter;
    {
      std::lock_guard lock(mutex_);
      if (count_.load(std::memory_order_relaxed) == 0) return;
      waiters_.push_back(&waiter);
    }
    waiter.wait_blocking();
    std::lock_guard lock(mutex_);  // the waker is done with `waiter` once we hold this
  }

  /// Under mutex_: the count reached zero; every waiter goes.
  void release_all(WakeBatch& batch) noexcept {
    while (Waiter* w = waiters_.pop_front()) WaiterQueue::complete(w, batch);
  }

  std::atomic<std::int64_t> count_;
  std::mutex mutex_;
  WaiterQueue waiters_;  ///< guarded by mutex_
};

}  // namespace detail

/// A single-use countdown (std::latch for tasks): wait() returns once count_down() has been
/// called `count` times in total.
///
/// Memory ordering: what each party wrote before count_down() is visible after wait().
/// Thread safety: count_down(), is_ready() and wait_blocking() (plain threads only) from any
///   thread; wait() from tasks on any worker.
/// Lifetime: the Latch must outlive its waiters.
class Latch : public detail::ZeroWait {
 public:
  /// Errors: UsageError for a negative count.
  explicit Latch(std::int64_t count) : ZeroWait(count) {
    if (count < 0) throw UsageError("corio::Latch needs a count of 0 or more");
  }

  /// Decrements the count by n; at zero, wakes every waiter. Any thread.
  /// Errors: UsageError (and no change) when n < 1 or n exceeds the remaining count.
  void count_down(std::int64_t n = 1) {
    std::int64_t c = count_.load(std::memory_order_relaxed);
    do {
      if (n < 1 || n > c) {
        throw UsageError(
            "corio::Latch::count_down(n) past zero (or n < 1): a latch counts "
            "down exactly its initial count");
      }
    } while (!count_.compare_exchange_weak(c, c - n, std::memory_order_acq_rel,
                                           std::memory_order_relaxed));
    if (c != n) return;
    // Zero is final for a latch, so a waiter that saw a count above zero under mutex_ is
    // queued before we take it here.
    detail::WakeBatch batch;
    std::lock_guard lock(mutex_);
    release_all(batch);
  }

  /// True once the count is zero.
  bool is_ready() const noexcept { return count_.load(std::memory_order_acquire) == 0; }

  /// Waits until the count is zero; returns at once if it is.
  /// Suspends: while the count is above zero. Resumes on: a worker of the task's runtime.
  /// Cancellation: throws CancelledError and leaves the queue; if zero was reached first,
  ///   returns normally and the cancellation stays pending.
  /// Errors: UsageError outside a corio task.
  WaitAwaiter wait() noexcept { return WaitAwaiter(*this); }

  /// Blocks the calling plain thread until the count is zero.
  /// Errors: UsageError on a runtime worker.
  void wait_blocking() { ZeroWait::wait_blocking("corio::Latch::wait_blocking()"); }
};

/// Go's sync.WaitGroup for tasks: add(n) announces work, done() finishes one piece, wait()
/// returns when none is outstanding. Unlike a Latch it may go up again after reaching zero.
///
/// Memory ordering: what each party wrote before done() is visible after wait().
/// Thread safety: add(), done(), count() and wait_blocking() (plain threads only) from any
///   thread; wait() from tasks on any worker.
/// Lifetime: the WaitGroup must outlive its waiters.
class WaitGroup : public detail::ZeroWait {
 public:
  WaitGroup() noexcept : ZeroWait(0) {}

  /// Adds n (which may be negative, as in Go) to the count; at zero, wakes every waiter.
  /// Any thread.
  /// Errors: UsageError (and no change) if the count would go below zero.
  void add(std::int64_t n) {
    detail::WakeBatch batch;
    std::lock_guard lock(mutex_);  // add and wait agree on which zero a waiter waited for
    std::int64_t c = count_.load(std::memory_order_relaxed);
    if (c + n < 0) {
      throw UsageError(
          "corio::WaitGroup count below zero: done() called more often than "
          "add() announced");
    }
    count_.store(c + n, std::memory_order_release);
    if (c + n == 0 && c != 0) release_all(batch);
  }

  /// One piece of work is finished: add(-1).
  void done() { add(-1); }

  /// The outstanding count (a snapshot).
  std::int64_t count() const noexcept { return count_.load(std::memory_order_acquire); }

  /// Waits until the count is zero; returns at once if it is. As Latch::wait().
  WaitAwaiter wait() noexcept { return WaitAwaiter(*this); }

  /// Blocks the calling plain thread until the count is zero.
  /// Errors: UsageError on a runtime worker.
  void wait_blocking() { ZeroWait::wait_blocking("corio::WaitGroup::wait_blocking()"); }
};

}  // namespace corio
