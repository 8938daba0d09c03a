// Event: asyncio.Event for corio. A flag that tasks wait on until some party sets it.
//
//   corio::Event ready;
//   // task A:                          // task B, another worker, or a plain thread:
//   co_await ready.wait();              ready.set();
//
// Built on the shared waiting engine (detail/waiter_queue.hpp): a waiting task's node lives
// in its own frame, so waiting allocates nothing. is_set() and the already-set fast path of
// wait() take no lock.
#pragma once

#include <atomic>
#include <coroutine>
#include <mutex>
#include <source_location>

#include "corio/core/detail/scheduling.hpp"
#include "corio/core/error.hpp"
#include "corio/core/task.hpp"
#include "corio/sync/detail/waiter_queue.hpp"

namespace corio {

/// A settable flag that tasks (and threads) wait on (asyncio.Event).
///
/// Memory ordering: everything written before set() is visible to a waiter after wait()
///   returns (set is a release, the wake-up an acquire).
/// Thread safety: set, clear, is_set from any thread, worker or not; wait() from tasks;
///   wait_blocking() from plain threads.
/// Lifetime: the Event must outlive every wait on it.
class Event {
 public:
  Event() = default;
  Event(const Event&) = delete;
  Event& operator=(const Event&) = delete;

  /// True once set() was called (and clear() not since).
  bool is_set() const noexcept { return set_.load(std::memory_order_acquire); }

  /// Sets the flag and wakes every waiter (in the order they arrived). Setting a set event
  /// does nothing. Any thread.
  void set() noexcept {
    detail::WakeBatch batch;
    std::lock_guard lock(mutex_);
    if (set_.load(std::memory_order_relaxed)) return;
    set_.store(true, std::memory_order_release);
    while (detail::Waiter* w = waiters_.pop_front()) detail::WaiterQueue::complete(w, batch);
  }

  /// Resets the flag; later waits suspend until the next set(). Any thread.
  void clear() noexcept {
    std::lock_guard lock(mutex_);
    set_.store(false, std::memory_order_relaxed);
  }

  /// Awaitable of wait(): the event's address and a Waiter node, nothing more (lean on
  /// purpose: it is what one suspended task costs beside its frame, bench B10).
  class [[nodiscard]] WaitAwaiter {
   public:
    explicit WaitAwaiter(Event& event) noexcept : event_(&event) {}
    WaitAwaiter(const WaitAwaiter&) = delete;
    WaitAwaiter& operator=(const WaitAwaiter&) = delete;
    // Only a frame destroyed while suspended (runtime shutdown) is still queued.
    ~WaitAwaiter() { event_->waiters_.leave(event_->mutex_, &waiter_); }

    bool await_ready() const noexcept { return event_->is_set(); }
    bool await_suspend(std::coroutine_handle<> caller,
                       std::source_location where = std::source_location::current()) {
      detail::note_await_site(caller, where);
      detail::TaskHeader& task = detail::require_current_task("co_await corio::Event::wait()");
      detail::throw_if_cancelled(task);
      std::lock_guard lock(event_->mutex_);
      if (event_->set_.load(std::memory_order_relaxed)) return false;
      if (!waiter_.arm(task, caller, detail::WaitKind::event_wait)) detail::throw_cancelled(task);
      event_->waiters_.push_back(&waiter_);
      return true;
    }
    void await_resume() {
      // Not completed: a cancellation woke us (if set() came first, the wait returns
      // normally and the cancellation stays pending).
      if (event_->waiters_.leave(event_->mutex_, &waiter_))
        detail::throw_cancelled(*waiter_.task());
    }

   private:
    Event* event_;
    detail::Waiter waiter_;
  };

  /// Waits until the event is set; returns at once if it is set.
  /// Suspends: while the flag is clear. Resumes on: a worker of the waiting task's runtime.
  /// Cancellation: throws CancelledError and leaves the queue; if set() came first, the
  ///   wait returns normally and the cancellation stays pending for the next suspension.
  /// Errors: UsageError outside a corio task.
  WaitAwaiter wait() noexcept { return WaitAwaiter(*this); }

  /// Blocks the calling plain thread until the event is set.
  /// Errors: UsageError on a runtime worker (co_await wait() there instead).
  void wait_blocking() {
    if (detail::on_runtime_worker()) {
      throw UsageError(
          "corio::Event::wait_blocking() on a runtime worker would stall it: co_await "
          "event.wait() instead");
    }
    detail::Waiter waiter;
    {
      std::lock_guard lock(mutex_);
      if (set_.load(std::memory_order_relaxed)) return;
      waiters_.push_back(&waiter);
    }
    waiter.wait_blocking();
    std::lock_guard lock(mutex_);  // the setter is done with `waiter` once we hold this
  }

 private:
  std::mutex mutex_;
  std::atomic<bool> set_{false};
  detail::WaiterQueue waiters_;  ///< guarded by mutex_
};

}  // namespace corio
