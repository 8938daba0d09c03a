// Watch<T>: the latest value of something, and a way to wait until it changes (Tokio's
// watch channel). Readers see only the newest value: intermediate ones may be skipped.
//
//   corio::Watch<Config> config(load());
//   // reader task:
//   corio::WatchReceiver<Config> rx = config.subscribe();
//   for (;;) apply(co_await rx.changed());        // waits for a value newer than it saw
//   // writer, any thread:
//   config.send(reload());
//
// Each send() bumps a version; a receiver remembers the version it last saw. Waiting tasks
// are nodes of the shared waiting engine in their frames; send() wakes them all.
#pragma once

#include <coroutine>
#include <cstdint>
#include <mutex>
#include <source_location>
#include <utility>

#include "corio/core/detail/scheduling.hpp"
#include "corio/core/error.hpp"
#include "corio/core/task.hpp"
#include "corio/sync/detail/waiter_queue.hpp"

namespace corio {

/// A Watch was closed and its receiver has seen the last value.
class WatchClosed : public Error {
 public:
  WatchClosed() : Error("corio::Watch was closed: no new value will come") {}
  using Error::Error;
};

template <class T>
class WatchReceiver;

/// A value cell that tasks can watch for changes.
///
/// Memory ordering: a receiver that gets a value sees everything written before its send().
/// Thread safety: send(), get(), version(), close() and subscribe() from any thread;
///   WatchReceiver::changed() from tasks.
/// Lifetime: the Watch must outlive its receivers.
template <class T>
class Watch {
 public:
  explicit Watch(T initial = T()) : value_(std::move(initial)) {}
  Watch(const Watch&) = delete;
  Watch& operator=(const Watch&) = delete;

  /// Replaces the value and wakes every receiver waiting in changed(). Any thread.
  /// Errors: UsageError after close().
  void send(T value) {
    detail::WakeBatch batch;
    std::lock_guard lock(mutex_);
    if (closed_) throw UsageError("corio::Watch::send after close()");
    value_ = std::move(value);
    ++version_;
    wake_all(batch);
  }

  /// A copy of the current value. Any thread.
  T get() const {
    std::lock_guard lock(mutex_);
    return value_;
  }

  /// How many values were sent (0 for the initial one).
  std::uint64_t version() const {
    std::lock_guard lock(mutex_);
    return version_;
  }

  /// No more values: waiting receivers that have seen the last one get WatchClosed. Any
  /// thread; idempotent.
  void close() noexcept {
    detail::WakeBatch batch;
    std::lock_guard lock(mutex_);
    closed_ = true;
    wake_all(batch);
  }

  /// A receiver that has seen the current value (its changed() waits for the next send).
  WatchReceiver<T> subscribe() {
    std::lock_guard lock(mutex_);
    return WatchReceiver<T>(this, version_);
  }

 private:
  friend class WatchReceiver<T>;
  void wake_all(detail::WakeBatch& batch) noexcept {
    while (detail::Waiter* w = waiters_.pop_front()) detail::WaiterQueue::complete(w, batch);
  }

  mutable std::mutex mutex_;
  T value_;                      ///< guarded by mutex_
  std::uint64_t version_ = 0;    ///< guarded by mutex_
  bool closed_ = false;          ///< guarded by mutex_
  detail::WaiterQueue waiters_;  ///< guarded by mutex_
};

/// One reader's view of a Watch: the version it saw last. Copyable (a copy has seen what
/// the original had).
/// Thread safety: one task at a time uses a receiver.
template <class T>
class WatchReceiver {
 public:
  /// A copy of the current value, marking it seen.
  T borrow_and_update() {
    std::lock_guard lock(watch_->mutex_);
    seen_ = watch_->version_;
    return watch_->value_;
  }

  /// True when a value newer than the last one seen was sent.
  bool has_changed() const {
    std::lock_guard lock(watch_->mutex_);
    return watch_->version_ != seen_;
  }

  class [[nodiscard]] ChangedAwaiter {
   public:
    explicit ChangedAwaiter(WatchReceiver* rx) noexcept : rx_(rx) {}
    ChangedAwaiter(const ChangedAwaiter&) = delete;
    ChangedAwaiter& operator=(const ChangedAwaiter&) = delete;
    // Only a frame destroyed while suspended (runtime shutdown) is still queued.
    ~ChangedAwaiter() { watch()->waiters_.leave(watch()->mutex_, &waiter_); }

    bool await_ready() const noexcept { return false; }
    bool await_suspend(std::coroutine_handle<> caller,
                       std::source_location where = std::source_location::current()) {
      detail::note_await_site(caller, where);
      detail::TaskHeader& task =
          detail::require_current_task("co_await corio::WatchReceiver::changed()");
      detail::throw_if_cancelled(task);
      std::lock_guard lock(watch()->mutex_);
      if (watch()->version_ != rx_->seen_ || watch()->closed_) return false;
      if (!waiter_.arm(task, caller, detail::WaitKind::watch_changed))
        detail::throw_cancelled(task);
      watch()->waiters_.push_back(&waiter_);
      return true;
    }
    T await_resume() {
      std::unique_lock lock(watch()->mutex_);
      if (watch()->waiters_.remove(&waiter_)) {  // not completed: a cancellation woke us
        lock.unlock();
        detail::throw_cancelled(*waiter_.task());
      }
      if (watch()->version_ == rx_->seen_) throw WatchClosed();
      rx_->seen_ = watch()->version_;
      return watch()->value_;
    }

   private:
    Watch<T>* watch() const noexcept { return rx_->watch_; }
    WatchReceiver* rx_;
    detail::Waiter waiter_;
  };

  /// Waits for a value newer than the last one this receiver saw, marks it seen and
  /// returns a copy. Returns at once if one is already there.
  /// Suspends: until the next send() (or close()). Resumes on: a worker of the task's
  ///   runtime.
  /// Cancellation: throws CancelledError, nothing marked seen; if a change had woken the
  ///   task first, returns it and the cancellation stays pending.
  /// Errors: WatchClosed once the Watch is closed and the last value was seen; UsageError
  ///   outside a corio task.
  ChangedAwaiter changed() noexcept { return ChangedAwaiter(this); }

 private:
  friend class Watch<T>;
  WatchReceiver(Watch<T>* w, std::uint64_t seen) noexcept : watch_(w), seen_(seen) {}
  Watch<T>* watch_;
  std::uint64_t seen_;
};

}  // namespace corio
