// The one waiting engine every primitive of sync/ is built on (as Tokio builds its
// primitives on one batch semaphore): an intrusive FIFO of Waiters, each living in the
// waiting coroutine frame (or, for a blocking call, on the waiting thread's stack), so
// waiting never allocates.
//
// A primitive owns a mutex and one or more WaiterQueues, and follows three rules:
//   1. Register under the mutex: a task calls Waiter::arm (which opens its wait with
//      begin_wait) then push_back; a plain thread pushes its Waiter, releases the mutex and
//      calls wait_blocking.
//   2. Hand over under the mutex: pop a waiter, store what it gets (a value, a permit) where
//      the primitive keeps it for that waiter, and call `complete`, which claims a task's
//      wait and queues it in a WakeBatch, or signals a blocked thread.
//   3. Let the WakeBatch schedule the tasks after the mutex is released (its destructor).
// A waiter that finds it was not completed (a task woken by cancellation) removes itself
// under the mutex and throws CancelledError: nothing is ever handed to a waiter that left.
// FIFO order: waiters are completed in the order they arrived.
//
// Size matters: a Waiter is most of what a suspended task costs beside its frame (bench
// B10), so it is four words. It does not know its queue or its primitive: the awaitable
// does, and its `status` says whether it is queued.
#pragma once

#include <atomic>
#include <coroutine>
#include <cstddef>
#include <cstdint>

#include "corio/core/detail/scheduling.hpp"
#include "corio/core/detail/task_header.hpp"

namespace corio::detail {

struct Waiter {
  // ---- Status -------------------------------------------------------------------------
  // kIdle     not queued, nothing handed over: new, not needed, or left after a cancel
  // kQueued   in a WaiterQueue (or popped by a completer that still holds the mutex)
  // kDone     completed: what it waited for was handed over
  // above     a primitive's other outcomes (a channel closed, a queue shut down)
  // Written under the primitive's mutex; the completer's store of the outcome is its last
  // touch of the Waiter (release), so its owner may read the outcome without the mutex
  // (acquire) and then destroy the Waiter.
  static constexpr std::uint32_t kIdle = 0;
  static constexpr std::uint32_t kQueued = 1;
  static constexpr std::uint32_t kDone = 2;

  Waiter* prev = nullptr;
  Waiter* next = nullptr;
  TaskHeader* task = nullptr;  ///< the waiting task; null for a blocked thread
  std::uint32_t epoch = 0;     ///< the task's wait (TaskHeader::begin_wait)
  std::atomic<std::uint32_t> status{kIdle};

  /// Rule 1 for a task, under the primitive's mutex: opens the wait. False when a
  /// cancellation arrived since the awaitable's throw_if_cancelled: the wait is closed
  /// again, and the awaitable must not queue the Waiter (it throws CancelledError).
  bool arm(TaskHeader& t, std::coroutine_handle<> resume_at, WaitKind kind) noexcept {
    std::uint32_t prior = 0;
    task = &t;
    epoch = t.begin_wait(resume_at, kind, nullptr, &prior).epoch;
    // If the abandon loses, a canceller claimed the wait: suspend, and be requeued.
    return !(prior & TaskHeader::kCancelled) || !t.abandon_wait(epoch);
  }

  /// The outcome, read by the waiter's own task or thread once it runs again.
  std::uint32_t outcome() const noexcept { return status.load(std::memory_order_acquire); }

  /// Rule 1 for a thread, after releasing the primitive's mutex: blocks until completed.
  /// The thread must then take the mutex before reading what was handed over, which also
  /// guarantees the completer is done with this Waiter.
  void wait_blocking() noexcept {
    for (std::uint32_t s; (s = outcome()) == kQueued;) status.wait(s, std::memory_order_acquire);
  }
};

/// Tasks whose waits were claimed under a primitive's mutex; scheduled when the batch is
/// destroyed, after the mutex is released (declare it before the lock_guard).
class WakeBatch {
 public:
  WakeBatch() = default;
  WakeBatch(const WakeBatch&) = delete;
  WakeBatch& operator=(const WakeBatch&) = delete;
  ~WakeBatch() { flush(); }

  void add(TaskHeader* task) noexcept {
    if (count_ == kCapacity) flush();
    tasks_[count_++] = task;
  }
  void flush() noexcept {
    for (std::size_t i = 0; i < count_; ++i) schedule(tasks_[i]);
    count_ = 0;
  }

 private:
  static constexpr std::size_t kCapacity = 16;
  TaskHeader* tasks_[kCapacity];
  std::size_t count_ = 0;
};

/// Intrusive FIFO of waiters. Not synchronised: the owning primitive's mutex guards it.
class WaiterQueue {
 public:
  WaiterQueue() = default;
  WaiterQueue(const WaiterQueue&) = delete;
  WaiterQueue& operator=(const WaiterQueue&) = delete;

  bool empty() const noexcept { return head_ == nullptr; }
  Waiter* front() const noexcept { return head_; }

  void push_back(Waiter* w) noexcept {
    w->status.store(Waiter::kQueued, std::memory_order_relaxed);
    w->next = nullptr;
    w->prev = tail_;
    if (tail_) {
      tail_->next = w;
    } else {
      head_ = w;
    }
    tail_ = w;
  }

  /// Rule 2: unlinks the oldest waiter for a completer, which must `complete` it before
  /// releasing the mutex (until then it still reads as queued).
  Waiter* pop_front() noexcept {
    Waiter* w = head_;
    if (w) unlink(w);
    return w;
  }

  /// A waiter leaves on its own (cancelled, or its frame destroyed): unlinks `w` if it is
  /// still queued here. False if it is not (it was completed, or never queued).
  bool remove(Waiter* w) noexcept {
    if (w->status.load(std::memory_order_relaxed) != Waiter::kQueued) return false;
    unlink(w);
    w->status.store(Waiter::kIdle, std::memory_order_relaxed);
    return true;
  }

  /// `remove` for a waiter's owner, which holds no lock: takes `mu` only if `w` may still
  /// be queued (a completed waiter's outcome is final), and runs `on_left` under it if `w`
  /// left. For awaitables' destructors, and their await_resume: true means a cancellation
  /// woke the task and it has now left.
  template <class Mutex, class OnLeft>
  bool leave(Mutex& mu, Waiter* w, OnLeft on_left) {
    if (w->status.load(std::memory_order_acquire) != Waiter::kQueued) return false;
    std::lock_guard lock(mu);
    if (!remove(w)) return false;
    on_left();
    return true;
  }
  template <class Mutex>
  bool leave(Mutex& mu, Waiter* w) {
    return leave(mu, w, [] {});
  }

  /// Rule 2: records `outcome` for `w` (already popped) and wakes it: a task through `batch`
  /// (claimed now, scheduled later), a thread at once. Under the primitive's mutex.
  static void complete(Waiter* w, WakeBatch& batch,
                       std::uint32_t outcome = Waiter::kDone) noexcept {
    if (TaskHeader* task = w->task) {
      if (task->try_claim(w->epoch) == Claim::schedule) batch.add(task);
      // Last touch of w: a task that a canceller resumed may see this and return.
      w->status.store(outcome, std::memory_order_release);
    } else {
      w->status.store(outcome, std::memory_order_release);
      w->status.notify_one();  // the thread takes the mutex before it lets w go
    }
  }

 private:
  void unlink(Waiter* w) noexcept {
    if (w->prev) {
      w->prev->next = w->next;
    } else {
      head_ = w->next;
    }
    if (w->next) {
      w->next->prev = w->prev;
    } else {
      tail_ = w->prev;
    }
    w->prev = w->next = nullptr;
  }

  Waiter* head_ = nullptr;
  Waiter* tail_ = nullptr;
};

}  // namespace corio::detail
