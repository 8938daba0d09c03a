// Semaphore and BoundedSemaphore: asyncio.Semaphore / asyncio.BoundedSemaphore for corio.
// A count of permits; acquire takes one (suspending while there are none), release gives
// them back.
//
//   corio::Semaphore slots(10);                 // at most 10 requests in flight
//   co_await slots.acquire();
//   auto reply = co_await fetch(url);
//   slots.release();
//
// Permits live in an atomic counter: acquire and release without waiters are one atomic
// operation each. When tasks wait, release hands its permits to them in arrival order
// under the internal mutex (the waiting engine, detail/waiter_queue.hpp).
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

/// A counting semaphore for tasks (asyncio.Semaphore).
///
/// Memory ordering: release() releases, a successful acquire acquires.
/// Thread safety: acquire() from tasks on any worker; release() and try_acquire() from any
///   thread, worker or not.
/// Lifetime: the Semaphore must outlive its waiters.
class Semaphore {
 public:
  /// Errors: UsageError for a negative count.
  explicit Semaphore(std::int64_t permits = 1) : permits_(permits) {
    if (permits < 0) throw UsageError("corio::Semaphore needs a permit count of 0 or more");
  }
  Semaphore(const Semaphore&) = delete;
  Semaphore& operator=(const Semaphore&) = delete;

  /// Permits available now (a snapshot).
  std::int64_t available() const noexcept { return permits_.load(std::memory_order_acquire); }

  /// True when an acquire() would suspend (asyncio's locked()).
  bool locked() const noexcept { return available() == 0; }

  /// Takes a permit if one is free, without waiting. Any thread.
  bool try_acquire() noexcept { return take_permit(); }

  /// Gives back `n` permits (n >= 1), waking up to n waiters. Any thread.
  void release(std::int64_t n = 1) { add_permits(n, INT64_MAX); }

  class [[nodiscard]] AcquireAwaiter {
   public:
    explicit AcquireAwaiter(Semaphore& s) noexcept : sem_(&s) {}
    AcquireAwaiter(const AcquireAwaiter&) = delete;
    AcquireAwaiter& operator=(const AcquireAwaiter&) = delete;
    // Only a frame destroyed while suspended (runtime shutdown) is still queued.
    ~AcquireAwaiter() { leave(); }

    bool await_ready() noexcept { return !sem_->has_waiters_.load() && sem_->take_permit(); }
    bool await_suspend(std::coroutine_handle<> caller,
                       std::source_location where = std::source_location::current()) {
      detail::note_await_site(caller, where);
      detail::TaskHeader& task =
          detail::require_current_task("co_await corio::Semaphore::acquire()");
      detail::throw_if_cancelled(task);
      waiter_.set_task(&task);
      Semaphore& s = *sem_;
      std::lock_guard lock(s.mutex_);
      // Announce the waiter before the last look at the count (both seq_cst): a release
      // either sees has_waiters_ and comes to hand its permit over, or we see its permit.
      s.has_waiters_.store(true);
      if (s.waiters_.empty() && s.take_permit()) {
        s.has_waiters_.store(false);
        return false;
      }
      if (!waiter_.arm(task, caller, detail::WaitKind::semaphore_acquire)) {
        if (s.waiters_.empty()) s.has_waiters_.store(false);
        detail::throw_cancelled(task);
      }
      s.waiters_.push_back(&waiter_);
      return true;
    }
    void await_resume() {
      detail::TaskHeader* task = waiter_.task();  // null: taken in await_ready
      if (!task || !detail::cancellation_pending(*task)) return;
      // A permit handed over to a cancelled waiter (or taken in await_suspend) goes on to
      // the next one, or back to the count.
      if (!leave()) sem_->add_permits(1, INT64_MAX);
      detail::throw_cancelled(*task);
    }

   private:
    /// Leaves the queue if still in it (true), keeping has_waiters_ exact.
    bool leave() {
      return sem_->waiters_.leave(sem_->mutex_, &waiter_, [this] {
        if (sem_->waiters_.empty()) sem_->has_waiters_.store(false);
      });
    }

    Semaphore* sem_;
    detail::Waiter waiter_;
  };

  /// Waits for a permit and takes it. Waiters are served in arrival order.
  /// Suspends: while no permit is free. Resumes on: a worker of the waiting task's runtime.
  /// Cancellation: throws CancelledError holding no permit; a permit handed over to the task
  ///   just before the cancellation goes on to the next waiter (or back to the count).
  /// Errors: UsageError outside a corio task.
  AcquireAwaiter acquire() noexcept { return AcquireAwaiter(*this); }

 protected:
  /// Adds n permits unless that would pass `bound`, then serves waiters. Throws UsageError
  /// for n < 1 or past the bound.
  void add_permits(std::int64_t n, std::int64_t bound) {
    if (n < 1) throw UsageError("corio::Semaphore::release(n) needs n >= 1");
    std::int64_t p = permits_.load(std::memory_order_relaxed);
    do {
      if (p > bound - n) {
        throw UsageError("corio::BoundedSemaphore released more often than acquired (bound " +
                         std::to_string(bound) + "): release only permits you hold");
      }
    } while (!permits_.compare_exchange_weak(p, p + n));  // seq_cst: see await_suspend
    if (!has_waiters_.load()) return;
    detail::WakeBatch batch;
    std::lock_guard lock(mutex_);
    while (!waiters_.empty() && take_permit()) {
      detail::WaiterQueue::complete(waiters_.pop_front(), batch);
    }
    if (waiters_.empty()) has_waiters_.store(false);
  }

 private:
  bool take_permit() noexcept {
    std::int64_t p = permits_.load();  // seq_cst: see await_suspend
    while (p > 0) {
      if (permits_.compare_exchange_weak(p, p - 1)) return true;  // seq_cst: see await_suspend
    }
    return false;
  }

  std::atomic<std::int64_t> permits_;
  std::atomic<bool> has_waiters_{false};  ///< true while waiters_ may be non-empty
  std::mutex mutex_;
  detail::WaiterQueue waiters_;  ///< guarded by mutex_
};

/// A Semaphore that refuses to grow past its initial count (asyncio.BoundedSemaphore):
/// releasing a permit nobody holds is a bug, reported instead of silently allowed.
/// Errors: release() past the initial count throws UsageError (asyncio's ValueError).
class BoundedSemaphore : public Semaphore {
 public:
  explicit BoundedSemaphore(std::int64_t permits = 1) : Semaphore(permits), bound_(permits) {}

  /// Gives back `n` permits; throws UsageError (and gives back none) if that would exceed
  /// the initial count. Any thread.
  void release(std::int64_t n = 1) { add_permits(n, bound_); }

  /// The initial (and maximum) number of permits.
  std::int64_t bound() const noexcept { return bound_; }

 private:
  std::int64_t bound_;
};

}  // namespace corio
