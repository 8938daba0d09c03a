// Broadcast<T>: every receiver sees every value (Tokio's broadcast channel). Values live in
// a bounded ring; a receiver that falls more than `capacity` values behind loses the oldest
// ones and is told how many: its next recv() throws Lagged(missed), then it carries on from
// the oldest value still in the ring. Senders never wait.
//
//   corio::Broadcast<Event> bus(1024);
//   corio::BroadcastReceiver<Event> rx = bus.subscribe();     // sees what is sent from now on
//   bus.send(ev);                                             // any thread
//   std::optional<Event> e = co_await rx.recv();              // nullopt once closed and read
//
// Waiting receivers are nodes of the shared waiting engine in their frames; send() wakes all.
#pragma once

#include <coroutine>
#include <cstdint>
#include <mutex>
#include <optional>
#include <source_location>
#include <string>
#include <utility>
#include <vector>

#include "corio/core/detail/scheduling.hpp"
#include "corio/core/error.hpp"
#include "corio/core/task.hpp"
#include "corio/sync/detail/waiter_queue.hpp"

namespace corio {

/// A BroadcastReceiver fell behind by more than the ring's capacity: `missed()` values were
/// overwritten before it read them. The receiver has moved on to the oldest value left, so
/// the next recv() continues from there.
class Lagged : public Error {
 public:
  explicit Lagged(std::uint64_t missed)
      : Error("corio::BroadcastReceiver lagged behind and missed " + std::to_string(missed) +
              " values"),
        missed_(missed) {}
  std::uint64_t missed() const noexcept { return missed_; }

 private:
  std::uint64_t missed_;
};

template <class T>
class BroadcastReceiver;

/// A multi-receiver channel: each value is delivered to every receiver subscribed when it
/// was sent.
///
/// Thread safety: send(), close() and subscribe() from any thread; recv() from tasks,
///   try_recv() from any thread (one task or thread per receiver at a time).
/// Lifetime: the Broadcast must outlive its receivers.
template <class T>
class Broadcast {
 public:
  /// Errors: UsageError for a capacity of 0.
  explicit Broadcast(std::size_t capacity) : ring_(capacity) {
    if (capacity == 0) throw UsageError("corio::Broadcast needs a capacity of at least 1");
  }
  Broadcast(const Broadcast&) = delete;
  Broadcast& operator=(const Broadcast&) = delete;

  std::size_t capacity() const noexcept { return ring_.size(); }

  /// Appends a value for every receiver (overwriting the oldest once the ring is full) and
  /// wakes the waiting ones. Never waits. Any thread.
  /// Errors: UsageError after close().
  void send(T value) {
    detail::WakeBatch batch;
    std::lock_guard lock(mutex_);
    if (closed_) throw UsageError("corio::Broadcast::send after close()");
    ring_[tail_ % ring_.size()] = std::move(value);
    ++tail_;
    wake_all(batch);
  }

  /// No more values: receivers get what is left, then nullopt. Any thread; idempotent.
  void close() noexcept {
    detail::WakeBatch batch;
    std::lock_guard lock(mutex_);
    closed_ = true;
    wake_all(batch);
  }

  /// A receiver that will see every value sent from now on.
  BroadcastReceiver<T> subscribe() {
    std::lock_guard lock(mutex_);
    return BroadcastReceiver<T>(this, tail_);
  }

 private:
  friend class BroadcastReceiver<T>;
  void wake_all(detail::WakeBatch& batch) noexcept {
    while (detail::Waiter* w = waiters_.pop_front()) detail::WaiterQueue::complete(w, batch);
  }

  /// Under mutex_: true if the receiver at `*next` can go on (a value, a lag or the end).
  bool ready(std::uint64_t next) const noexcept { return next != tail_ || closed_; }

  /// Under mutex_, once ready(): the next value for the receiver at `*next`.
  std::optional<T> take(std::uint64_t* next) {
    if (*next == tail_) return std::nullopt;  // closed and read to the end
    std::uint64_t oldest = tail_ > ring_.size() ? tail_ - ring_.size() : 0;
    if (*next < oldest) {
      std::uint64_t missed = oldest - *next;
      *next = oldest;
      throw Lagged(missed);
    }
    return ring_[(*next)++ % ring_.size()];
  }

  std::mutex mutex_;
  std::vector<T> ring_;          ///< value of sequence number s at s % capacity; under mutex_
  std::uint64_t tail_ = 0;       ///< sequence number of the next value sent; under mutex_
  bool closed_ = false;          ///< guarded by mutex_
  detail::WaiterQueue waiters_;  ///< guarded by mutex_
};

/// One subscriber of a Broadcast: the sequence number of the next value it reads.
/// Copyable (a copy continues from the same place).
template <class T>
class BroadcastReceiver {
 public:
  /// The next value if one is there (nullopt if none yet, or closed and read). Any thread.
  /// Errors: Lagged as recv().
  std::optional<T> try_recv() {
    std::lock_guard lock(bus_->mutex_);
    if (!bus_->ready(next_)) return std::nullopt;
    return bus_->take(&next_);
  }

  class [[nodiscard]] RecvAwaiter {
   public:
    explicit RecvAwaiter(BroadcastReceiver* rx) noexcept : rx_(rx) {}
    RecvAwaiter(const RecvAwaiter&) = delete;
    RecvAwaiter& operator=(const RecvAwaiter&) = delete;
    // Only a frame destroyed while suspended (runtime shutdown) is still queued.
    ~RecvAwaiter() { bus()->waiters_.leave(bus()->mutex_, &waiter_); }

    bool await_ready() const noexcept { return false; }
    bool await_suspend(std::coroutine_handle<> caller,
                       std::source_location where = std::source_location::current()) {
      detail::note_await_site(caller, where);
      detail::TaskHeader& task =
          detail::require_current_task("co_await corio::BroadcastReceiver::recv()");
      detail::throw_if_cancelled(task);
      std::lock_guard lock(bus()->mutex_);
      if (bus()->ready(rx_->next_)) return false;
      if (!waiter_.arm(task, caller, detail::WaitKind::broadcast_recv))
        detail::throw_cancelled(task);
      bus()->waiters_.push_back(&waiter_);
      return true;
    }
    std::optional<T> await_resume() {
      std::unique_lock lock(bus()->mutex_);
      if (bus()->waiters_.remove(&waiter_)) {  // not completed: a cancellation woke us
        lock.unlock();
        detail::throw_cancelled(*waiter_.task());
      }
      return bus()->take(&rx_->next_);
    }

   private:
    Broadcast<T>* bus() const noexcept { return rx_->bus_; }
    BroadcastReceiver* rx_;
    detail::Waiter waiter_;
  };

  /// Waits for the next value and returns it; nullopt once the Broadcast is closed and this
  /// receiver has read everything.
  /// Suspends: while there is nothing new. Resumes on: a worker of the task's runtime.
  /// Cancellation: throws CancelledError and consumes nothing; if a value had woken the task
  ///   first, returns it and the cancellation stays pending.
  /// Errors: Lagged(missed) when values were overwritten before this receiver read them (it
  ///   then continues from the oldest value left); UsageError outside a corio task.
  RecvAwaiter recv() noexcept { return RecvAwaiter(this); }

 private:
  friend class Broadcast<T>;
  BroadcastReceiver(Broadcast<T>* bus, std::uint64_t next) noexcept : bus_(bus), next_(next) {}
  Broadcast<T>* bus_;
  std::uint64_t next_;
};

}  // namespace corio
