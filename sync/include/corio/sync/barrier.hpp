// Barrier: asyncio.Barrier (Python 3.11) for corio. `parties` tasks meet at wait(); when the
// last one arrives, all go on together and the barrier is ready for the next round.
//
//   corio::Barrier barrier(3);
//   // in each of 3 tasks:
//   std::size_t index = co_await barrier.wait();   // 0, 1, 2 in order of arrival
//   if (index == 0) log("round done");
//
// Rounds follow one another without a draining phase: the last arrival releases the
// waiting tasks and resets the count in one step under the internal mutex, so an early
// arrival for the next round simply starts it. abort() breaks the barrier (every wait throws
// BrokenBarrierError until reset()); reset() breaks the current round and starts afresh.
#pragma once

#include <coroutine>
#include <cstddef>
#include <mutex>
#include <source_location>

#include "corio/core/detail/scheduling.hpp"
#include "corio/core/error.hpp"
#include "corio/core/task.hpp"
#include "corio/sync/detail/waiter_queue.hpp"

namespace corio {

/// A wait on a Barrier was broken by abort() or reset() (asyncio.BrokenBarrierError).
class BrokenBarrierError : public Error {
 public:
  BrokenBarrierError()
      : Error("the corio::Barrier is broken (abort() or reset() was called): reset() it") {}
  using Error::Error;
};

/// A reusable meeting point for a fixed number of tasks (asyncio.Barrier).
///
/// Memory ordering: what each party wrote before wait() is visible to all after it.
/// Thread safety: wait() from tasks on any worker; abort(), reset() and the accessors from
///   any thread.
/// Lifetime: the Barrier must outlive its waiters.
class Barrier {
 public:
  /// Errors: UsageError when parties is 0.
  explicit Barrier(std::size_t parties) : parties_(parties) {
    if (parties == 0) throw UsageError("corio::Barrier needs at least one party");
  }
  Barrier(const Barrier&) = delete;
  Barrier& operator=(const Barrier&) = delete;

  /// The number of tasks that must arrive to pass.
  std::size_t parties() const noexcept { return parties_; }

  /// Tasks waiting in the current round (a snapshot).
  std::size_t n_waiting() const noexcept {
    std::lock_guard lock(mutex_);
    return count_;
  }

  /// True after abort(), until reset().
  bool broken() const noexcept {
    std::lock_guard lock(mutex_);
    return broken_;
  }

  /// Breaks the barrier: current and future waits throw BrokenBarrierError until reset().
  /// Any thread.
  void abort() noexcept {
    detail::WakeBatch batch;
    std::lock_guard lock(mutex_);
    broken_ = true;
    break_round(batch);
  }

  /// Returns the barrier to its initial state; tasks waiting in the current round get
  /// BrokenBarrierError. Any thread.
  void reset() noexcept {
    detail::WakeBatch batch;
    std::lock_guard lock(mutex_);
    broken_ = false;
    break_round(batch);
  }

  class [[nodiscard]] WaitAwaiter {
   public:
    explicit WaitAwaiter(Barrier& b) noexcept : barrier_(&b) {}
    WaitAwaiter(const WaitAwaiter&) = delete;
    WaitAwaiter& operator=(const WaitAwaiter&) = delete;
    // Only a frame destroyed while suspended (runtime shutdown) is still queued.
    ~WaitAwaiter() { leave(); }

    bool await_ready() const noexcept { return false; }
    bool await_suspend(std::coroutine_handle<> caller,
                       std::source_location where = std::source_location::current()) {
      detail::note_await_site(caller, where);
      detail::TaskHeader& task = detail::require_current_task("co_await corio::Barrier::wait()");
      detail::throw_if_cancelled(task);
      Barrier& b = *barrier_;
      detail::WakeBatch batch;
      std::lock_guard lock(b.mutex_);
      if (b.broken_) throw BrokenBarrierError();
      if (b.count_ + 1 == b.parties_) {  // the last arrival releases the round
        index_ = b.count_;
        b.count_ = 0;
        while (detail::Waiter* w = b.waiters_.pop_front()) detail::WaiterQueue::complete(w, batch);
        return false;
      }
      if (!waiter_.arm(task, caller, detail::WaitKind::barrier_wait))
        detail::throw_cancelled(task);  // not arrived
      index_ = b.count_++;
      b.waiters_.push_back(&waiter_);
      return true;
    }
    std::size_t await_resume() {
      // Left before the round completed: it no longer counts (asyncio does the same). If
      // it was released (or broken) first, the outcome stands and the cancellation stays
      // pending.
      if (leave()) detail::throw_cancelled(*waiter_.task());
      if (waiter_.outcome() == kBroken) throw BrokenBarrierError();
      return index_;
    }

   private:
    friend class Barrier;
    static constexpr std::uint32_t kBroken = detail::Waiter::kDone + 1;

    /// Leaves the queue if still in it (true), and no longer counts as arrived.
    bool leave() {
      return barrier_->waiters_.leave(barrier_->mutex_, &waiter_, [this] { --barrier_->count_; });
    }

    Barrier* barrier_;
    detail::Waiter waiter_;
    std::size_t index_ = 0;
  };

  /// Waits until `parties` tasks have arrived, then returns this task's arrival index in
  /// the round (0 for the first, parties-1 for the last, which does not suspend).
  /// Suspends: until the round is complete. Resumes on: a worker of the waiting task's
  ///   runtime.
  /// Cancellation: throws CancelledError and no longer counts as arrived; if the round
  ///   completed first, returns its index and the cancellation stays pending.
  /// Errors: BrokenBarrierError when the barrier is or becomes broken (abort, reset);
  ///   UsageError outside a corio task.
  WaitAwaiter wait() noexcept { return WaitAwaiter(*this); }

 private:
  void break_round(detail::WakeBatch& batch) noexcept {
    while (detail::Waiter* w = waiters_.pop_front()) {
      detail::WaiterQueue::complete(w, batch, WaitAwaiter::kBroken);
    }
    count_ = 0;
  }

  const std::size_t parties_;
  mutable std::mutex mutex_;
  std::size_t count_ = 0;        ///< arrivals in the current round; guarded by mutex_
  bool broken_ = false;          ///< guarded by mutex_
  detail::WaiterQueue waiters_;  ///< guarded by mutex_
};

}  // namespace corio
