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
// B10), so it is three words. It does not know its queue or its primitive: the awaitable
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
  // above     a primitive's other outcomes (a channel closed, a queue shut down), < 16
  // Written under the primitive's mutex; the completer's store of the outcome is its last
  // touch of the Waiter (release), so its owner may read the outcome without the mutex
  // (acquire) and then destroy the Waiter.
  static constexpr std::uint32_t kIdle = 0;
  static constexpr std::uint32_t kQueued = 1;
  static constexpr std::uint32_t kDone = 2;

  Waiter* prev = nullptr;
  Waiter* next = nullptr;

  /// The waiting task; null for a blocked thread. Set by its owner while not queued.
  TaskHeader* task() const noexcept {
    return reinterpret_cast<TaskHeader*>(word_.load(std::memory_order_relaxed) & ~kStatusMask);
  }
  void set_task(TaskHeader* t) noexcept {
    word_.store(
        reinterpret_cast<std::uintptr_t>(t) | (word_.load(std::memory_order_relaxed) & kStatusMask),
        std::memory_order_relaxed);
  }

  /// The status (above). The outcome, read by the waiter's own task or thread once it runs
  /// again, is an acquire.
  std::uint32_t outcome() const noexcept {
    return static_cast<std::uint32_t>(word_.load(std::memory_order_acquire) & kStatusMask);
  }
  void set_status(std::uint32_t status,
                  std::memory_order order = std::memory_order_relaxed) noexcept {
    word_.store((word_.load(std::memory_order_relaxed) & ~kStatusMask) | status, order);
  }

  /// Rule 1 for a task, under the primitive's mutex: opens the wait. False when a
  /// cancellation arrived since the awaitable's throw_if_cancelled: the wait is closed
  /// again, and the awaitable must not queue the Waiter (it throws CancelledError).
  bool arm(TaskHeader& t, std::coroutine_handle<> resume_at, WaitKind kind) noexcept {
    std::uint32_t prior = 0;
    set_task(&t);
    std::uint32_t epoch = t.begin_wait(resume_at, kind, nullptr, &prior).epoch;
    // If the abandon loses, a canceller claimed the wait: suspend, and be requeued.
    return !(prior & TaskHeader::kCancelled) || !t.abandon_wait(epoch);
  }

  /// Rule 1 for a thread, after releasing the primitive's mutex: blocks until completed.
  /// The thread must then take the mutex before reading what was handed over, which also
  /// guarantees the completer is done with this Waiter.
  void wait_blocking() noexcept {
    for (std::uintptr_t w;
         ((w = word_.load(std::memory_order_acquire)) & kStatusMask) == kQueued;) {
      word_.wait(w, std::memory_order_acquire);
    }
  }
  void notify_thread() noexcept { word_.notify_one(); }

 private:
  // The task and the status share one word, so that a Waiter is three words (bench B10): a
  // TaskHeader is 16-byte aligned (frame_memory.hpp), which leaves the status 4 low bits.
  // The wait's epoch is not kept: a completer reads the task's current one, which is this
  // wait's as long as the Waiter is queued (WaiterQueue::complete).
  static constexpr std::uintptr_t kStatusMask = 15;
  std::atomic<std::uintptr_t> word_{0};
};
static_assert(sizeof(Waiter) == 3 * sizeof(void*));

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
    w->set_status(Waiter::kQueued);
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
    if (w->outcome() != Waiter::kQueued) return false;
    unlink(w);
    w->set_status(Waiter::kIdle);
    return true;
  }

  /// `remove` for a waiter's owner, which holds no lock: takes `mu` only if `w` may still
  /// be queued (a completed waiter's outcome is final), and runs `on_left` under it if `w`
  /// left. For awaitables' destructors, and their await_resume: true means a cancellation
  /// woke the task and it has now left.
  template <class Mutex, class OnLeft>
  bool leave(Mutex& mu, Waiter* w, OnLeft on_left) {
    if (w->outcome() != Waiter::kQueued) return false;
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
    if (TaskHeader* task = w->task()) {
      // The task's current wait is w's: while w is queued the task cannot leave it and open
      // another one (leaving takes the mutex we hold), so its epoch is read, not stored.
      if (task->try_claim_current() == Claim::schedule) batch.add(task);
      // Last touch of w: a task that a canceller resumed may see this and return.
      w->set_status(outcome, std::memory_order_release);
    } else {
      w->set_status(outcome, std::memory_order_release);
      w->notify_thread();  // the thread takes the mutex before it lets w go
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
