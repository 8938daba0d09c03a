// The one waiting engine every primitive of sync/ is built on (as Tokio builds its
// primitives on one batch semaphore): an intrusive FIFO of Waiters, each living in the
// waiting coroutine frame (or, for a blocking call, on the waiting thread's stack), so
// waiting never allocates.
//
// A primitive owns a mutex and one or more WaiterQueues, and follows three rules:
//   1. Register under the mutex: a task calls Waiter::arm_task (which opens its wait with
//      begin_wait) then push_back; a plain thread constructs a thread Waiter, pushes it,
//      releases the mutex and calls wait_blocking.
//   2. Hand over under the mutex: pop a waiter, store what it gets (a value, a permit) in
//      the primitive's slot for it, and call `complete`, which claims a task's wait and
//      queues it in a WakeBatch, or signals a blocked thread.
//   3. Let the WakeBatch schedule the tasks after the mutex is released (its destructor).
// A waiter that finds it was not completed (a task woken by cancellation) removes itself
// under the mutex and throws CancelledError: nothing is ever handed to a waiter that left.
// FIFO order: waiters are completed in the order they arrived.
#pragma once

#include <atomic>
#include <coroutine>
#include <cstddef>
#include <cstdint>

#include "corio/core/detail/scheduling.hpp"
#include "corio/core/detail/task_header.hpp"

namespace corio::detail {

class WaiterQueue;

struct Waiter {
  Waiter* prev = nullptr;
  Waiter* next = nullptr;
  WaiterQueue* queue = nullptr;                 ///< the queue it is in, null when not queued
  Waker waker;                                  ///< a task waiter (waker.task non-null)
  std::atomic<std::uint32_t> thread_signal{0};  ///< a thread waiter: set to 1 on completion
  bool completed = false;  ///< written under the primitive's mutex by the completer
  void* slot = nullptr;    ///< the primitive's place for what is handed over

  bool is_task() const noexcept { return waker.task != nullptr; }

  /// Rule 1 for a task, under the primitive's mutex: opens the wait (default cancellation:
  /// the task is resumed and the awaitable sees `completed == false`).
  void arm_task(TaskHeader& task, std::coroutine_handle<> resume_at, WaitKind kind) noexcept {
    waker = task.begin_wait(resume_at, kind);
  }

  /// Rule 1 for a thread, after releasing the primitive's mutex: blocks until completed.
  /// The thread must then take the mutex before reading what was handed over, which also
  /// guarantees the completer is done with this Waiter.
  void wait_blocking() noexcept {
    while (thread_signal.load(std::memory_order_acquire) == 0) {
      thread_signal.wait(0, std::memory_order_acquire);
    }
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
  std::size_t size() const noexcept { return size_; }
  Waiter* front() const noexcept { return head_; }

  void push_back(Waiter* w) noexcept {
    w->queue = this;
    w->next = nullptr;
    w->prev = tail_;
    if (tail_) {
      tail_->next = w;
    } else {
      head_ = w;
    }
    tail_ = w;
    ++size_;
  }

  Waiter* pop_front() noexcept {
    Waiter* w = head_;
    if (w) remove(w);
    return w;
  }

  /// Unlinks `w` if it is in this queue; false if it is not (it was completed already).
  bool remove(Waiter* w) noexcept {
    if (w->queue != this) return false;
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
    w->queue = nullptr;
    --size_;
    return true;
  }

  /// Rule 2: marks `w` (already popped) completed and wakes it: a task through `batch`
  /// (claimed now, scheduled later), a thread at once. Under the primitive's mutex.
  static void complete(Waiter* w, WakeBatch& batch) noexcept {
    w->completed = true;
    if (w->is_task()) {
      if (w->waker.task->try_claim(w->waker.epoch) == Claim::schedule) batch.add(w->waker.task);
    } else {
      w->thread_signal.store(1, std::memory_order_release);
      w->thread_signal.notify_one();
    }
  }

 private:
  Waiter* head_ = nullptr;
  Waiter* tail_ = nullptr;
  std::size_t size_ = 0;
};

}  // namespace corio::detail
