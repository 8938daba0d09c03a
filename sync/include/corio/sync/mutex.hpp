// Mutex: asyncio.Lock for corio. Mutual exclusion between tasks that suspends instead of
// blocking the worker.
//
//   corio::Mutex m;
//   {
//     corio::MutexGuard guard = co_await m.lock();   // async with lock:
//     ++shared_counter;
//   }                                               // unlocked here
//
// Fair: unlock hands the lock straight to the longest waiting task (FIFO), so a task that
// keeps re-locking cannot starve the others. The uncontended lock and unlock are one CAS
// each on the state word; only contention takes the internal mutex and the waiting engine
// (detail/waiter_queue.hpp).
#pragma once

#include <atomic>
#include <coroutine>
#include <cstdint>
#include <mutex>
#include <optional>
#include <source_location>
#include <utility>

#include "corio/core/detail/scheduling.hpp"
#include "corio/core/error.hpp"
#include "corio/core/task.hpp"
#include "corio/sync/detail/waiter_queue.hpp"

namespace corio {

class Mutex;
class Condition;

/// Proof of holding a Mutex: unlocks it when destroyed. Move-only.
/// Thread safety: may be destroyed (unlock) on any thread, worker or not.
class [[nodiscard]] MutexGuard {
 public:
  MutexGuard() noexcept = default;
  MutexGuard(MutexGuard&& other) noexcept : mutex_(std::exchange(other.mutex_, nullptr)) {}
  MutexGuard& operator=(MutexGuard&& other) noexcept {
    if (this != &other) {
      unlock();
      mutex_ = std::exchange(other.mutex_, nullptr);
    }
    return *this;
  }
  MutexGuard(const MutexGuard&) = delete;
  MutexGuard& operator=(const MutexGuard&) = delete;
  ~MutexGuard() { unlock(); }

  /// Unlocks early; the guard becomes empty. Does nothing on an empty guard.
  inline void unlock() noexcept;

  /// True while the guard holds its mutex.
  bool owns_lock() const noexcept { return mutex_ != nullptr; }
  explicit operator bool() const noexcept { return owns_lock(); }
  /// The mutex held, or null.
  Mutex* mutex() const noexcept { return mutex_; }

 private:
  friend class Mutex;
  friend class Condition;
  explicit MutexGuard(Mutex* m) noexcept : mutex_(m) {}
  Mutex* mutex_ = nullptr;
};

/// A FIFO-fair mutual exclusion lock for tasks (asyncio.Lock).
///
/// Memory ordering: unlocking releases, locking acquires: what the holder wrote is visible
///   to the next holder.
/// Thread safety: lock() from tasks on any worker; try_lock() and unlocking (the guard) from
///   any thread. Not recursive: a task that locks twice waits for itself forever.
/// Lifetime: the Mutex must outlive its guards and waiters.
class Mutex {
 public:
  Mutex() = default;
  Mutex(const Mutex&) = delete;
  Mutex& operator=(const Mutex&) = delete;

  /// True while some party holds the lock (a snapshot).
  bool is_locked() const noexcept { return state_.load(std::memory_order_acquire) != kUnlocked; }

  /// Takes the lock if it is free, without waiting. Never overtakes a queued waiter.
  /// Any thread.
  std::optional<MutexGuard> try_lock() noexcept {
    std::uint32_t expected = kUnlocked;
    if (state_.compare_exchange_strong(expected, kLocked, std::memory_order_acquire,
                                       std::memory_order_relaxed)) {
      return MutexGuard(this);
    }
    return std::nullopt;
  }

  class [[nodiscard]] LockAwaiter {
   public:
    explicit LockAwaiter(Mutex& m) noexcept : mutex_(&m) {}
    LockAwaiter(const LockAwaiter&) = delete;
    LockAwaiter& operator=(const LockAwaiter&) = delete;
    // Only a frame destroyed while suspended (runtime shutdown) is still queued.
    ~LockAwaiter() { mutex_->waiters_.leave(mutex_->mutex_, &waiter_); }

    bool await_ready() noexcept {
      std::uint32_t expected = kUnlocked;
      return mutex_->state_.compare_exchange_strong(expected, kLocked, std::memory_order_acquire,
                                                    std::memory_order_relaxed);
    }
    bool await_suspend(std::coroutine_handle<> caller,
                       std::source_location where = std::source_location::current()) {
      detail::note_await_site(caller, where);
      detail::TaskHeader& task = detail::require_current_task("co_await corio::Mutex::lock()");
      detail::throw_if_cancelled(task);
      waiter_.set_task(&task);
      Mutex& m = *mutex_;
      std::lock_guard lock(m.mutex_);
      // Under mutex_: mark the lock contended so its holder's unlock comes here to hand it
      // over, or take it if it was released meanwhile.
      std::uint32_t s = m.state_.load(std::memory_order_relaxed);
      for (;;) {
        if (s == kUnlocked) {
          if (m.state_.compare_exchange_weak(s, kLocked, std::memory_order_acquire,
                                             std::memory_order_relaxed)) {
            return false;
          }
        } else if (s == kLocked) {
          if (m.state_.compare_exchange_weak(s, kContended, std::memory_order_relaxed)) break;
        } else {
          break;
        }
      }
      // A cancelled arm leaves kContended with no waiter: harmless (unlock finds none).
      if (!waiter_.arm(task, caller, detail::WaitKind::mutex_lock)) detail::throw_cancelled(task);
      m.waiters_.push_back(&waiter_);
      return true;
    }
    MutexGuard await_resume() {
      detail::TaskHeader* task = waiter_.task();  // null: taken in await_ready
      if (task && detail::cancellation_pending(*task)) {
        // A lock handed over to a cancelled waiter (or taken in await_suspend) goes on to
        // the next one.
        if (!mutex_->waiters_.leave(mutex_->mutex_, &waiter_)) mutex_->unlock();
        detail::throw_cancelled(*task);
      }
      return MutexGuard(mutex_);
    }

   private:
    Mutex* mutex_;
    detail::Waiter waiter_;
  };

  /// Waits for the lock and returns the guard that holds it (async with lock).
  /// Suspends: while another party holds the lock; waiters get it in arrival order.
  /// Resumes on: a worker of the waiting task's runtime, holding the lock.
  /// Cancellation: throws CancelledError without the lock; a lock handed over to the task
  ///   just before the cancellation is passed on to the next waiter.
  /// Errors: UsageError outside a corio task.
  LockAwaiter lock() noexcept { return LockAwaiter(*this); }

 private:
  friend class MutexGuard;
  friend class Condition;

  // ---- State word ---------------------------------------------------------------------
  // kUnlocked    free
  // kLocked      held, and no waiter queued: unlock is a CAS to kUnlocked
  // kContended   held, and waiters may be queued: unlock takes mutex_ and hands over
  static constexpr std::uint32_t kUnlocked = 0;
  static constexpr std::uint32_t kLocked = 1;
  static constexpr std::uint32_t kContended = 2;

  /// Releases the lock, or hands it to the first waiter (the state stays held).
  void unlock() noexcept {
    std::uint32_t expected = kLocked;
    // Release: the holder's writes go to whoever locks next.
    if (state_.compare_exchange_strong(expected, kUnlocked, std::memory_order_release,
                                       std::memory_order_relaxed)) {
      return;
    }
    detail::WakeBatch batch;
    std::lock_guard lock(mutex_);
    if (detail::Waiter* w = waiters_.pop_front()) {
      // Handed over while held: nobody can take it in between (FIFO, no barging).
      if (waiters_.empty()) state_.store(kLocked, std::memory_order_release);
      detail::WaiterQueue::complete(w, batch);
    } else {
      state_.store(kUnlocked, std::memory_order_release);
    }
  }

  std::atomic<std::uint32_t> state_{kUnlocked};
  std::mutex mutex_;             ///< guards waiters_ and the kContended transitions
  detail::WaiterQueue waiters_;  ///< guarded by mutex_
};

inline void MutexGuard::unlock() noexcept {
  if (mutex_) std::exchange(mutex_, nullptr)->unlock();
}

}  // namespace corio
