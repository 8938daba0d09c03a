// Task<T>: corio's coroutine type, what `async def` is to Python.
//
//   corio::Task<int> twice(int x) {
//     co_await corio::sleep_for(10ms);
//     co_return 2 * x;
//   }
//   corio::Task<> caller() { int y = co_await twice(21); }   // runs twice() to completion
//
// A Task is lazy: calling twice(21) creates its frame and runs nothing. It starts when it is
// awaited (and then runs inline, as part of the awaiting task) or spawned (and then runs
// concurrently, see spawn.hpp). It is move-only and is consumed by the one co_await that
// takes its result.
#pragma once

#include <atomic>
#include <coroutine>
#include <cstdint>
#include <exception>
#include <memory>
#include <optional>
#include <source_location>
#include <type_traits>
#include <utility>

#include "corio/core/debug.hpp"
#include "corio/core/detail/frame_memory.hpp"
#include "corio/core/detail/scheduling.hpp"
#include "corio/core/detail/task_header.hpp"
#include "corio/core/error.hpp"

// GCC 12 turns symmetric transfer into a tail call only when optimising without sanitizers.
// Elsewhere a child that completes synchronously would resume its parent one stack frame
// deeper each time, and a loop of such awaits would overflow the stack; there the awaiter
// runs the child with a plain call and, if it finished inline, continues without
// suspending (see Task::Awaiter).
#if defined(__OPTIMIZE__) && !defined(__SANITIZE_ADDRESS__) && !defined(__SANITIZE_THREAD__)
#define CORIO_DETAIL_SYMMETRIC_TRANSFER 1
#else
#define CORIO_DETAIL_SYMMETRIC_TRANSFER 0
#endif

namespace corio {

template <class T = void>
class Task;

namespace detail {

/// What every Task promise shares: frame allocation with a header, and the await site. The
/// coroutine awaiting a nested task is kept in its header (TaskHeader::continuation()).
class PromiseBase {
 public:
  static void* operator new(std::size_t size) { return allocate_frame(size); }
  static void operator delete(void* frame, std::size_t size) noexcept {
    on_frame_destroyed(frame, size);
  }

  /// Every task starts suspended (lazy). A spawned task cancelled before its first step
  /// never runs: its body is skipped and CancelledError becomes its result.
  /// Empty on purpose: GCC keeps every awaiter in the frame, and a pointer to the promise
  /// here cost 16 bytes in every frame (bench B10).
  struct InitialAwaiter {
    bool await_ready() const noexcept { return false; }
    void await_suspend(std::coroutine_handle<>) const noexcept {}
    void await_resume() const {
      TaskHeader* task = current_task();
      // Only a spawned task's first poll resumes this awaiter inside the polled task's own
      // frame; a task awaited inline is part of its awaiter's step, in a frame of its own.
      if (task && cancellation_pending(*task) && frame_contains(task, this)) throw_cancelled(*task);
    }
  };
  InitialAwaiter initial_suspend() noexcept { return {}; }

  struct FinalAwaiter {
    bool await_ready() noexcept { return false; }
    // Symmetric transfer: returning the continuation resumes it as a tail call, so a chain
    // of a million nested co_awaits unwinds without growing the stack.
    template <class Promise>
    std::coroutine_handle<> await_suspend(std::coroutine_handle<Promise> self) noexcept {
      auto& promise = self.promise();
      TaskHeader* task = header_of(self.address());
      // No references: a nested task (a spawned one holds some until it is freed).
      if (task->refs.load(std::memory_order_relaxed) == 0) {
        // The awaiter may still be on the stack, running us inline (kInline): return to it
        // instead of resuming the parent here. Otherwise resume the parent (kAwaited).
        if (task->await_state.exchange(kDone, std::memory_order_acq_rel) == kInline) {
          return std::noop_coroutine();
        }
        return task->continuation();
      }
      // Debug mode: a task whose handle is already gone ends with an exception nobody can
      // retrieve (asyncio's "Task exception was never retrieved").
      if (debug_active() && promise.has_exception() &&
          task->refs.load(std::memory_order_acquire) == 1) {
        report_unretrieved_exception(task, promise.exception());
      }
      finish_root(task);
      return std::noop_coroutine();
    }
    void await_resume() noexcept {}
  };
  FinalAwaiter final_suspend() noexcept { return {}; }

  PromiseBase() noexcept : await_site_() {}
  PromiseBase(const PromiseBase&) = delete;
  PromiseBase& operator=(const PromiseBase&) = delete;
  ~PromiseBase() {
    if (has_exception()) exception_.~exception_ptr();
  }

  void unhandled_exception() noexcept {
    // The body is over, so the await site is dead: the exception takes its place (the
    // union's members are one pointer each, and source_location is trivially destructible).
    std::construct_at(&exception_, std::current_exception());
    header()->state.fetch_or(TaskHeader::kFailed, std::memory_order_relaxed);
  }
  /// True once the body has ended with an exception. Read it after the coroutine finished.
  bool has_exception() const noexcept {
    return header()->state.load(std::memory_order_relaxed) & TaskHeader::kFailed;
  }
  /// The exception the body ended with; null if it did not.
  std::exception_ptr exception() const noexcept { return has_exception() ? exception_ : nullptr; }

  // One slot serves two uses that never overlap, to keep every frame 8 bytes smaller
  // (bench B10): while the body runs, where it is suspended; once it has thrown, the
  // exception. The header's kFailed bit says which (dump_tasks reads no finished frame).
  union {
    /// Where this coroutine is suspended: the co_await that last suspended it (set by every
    /// corio awaitable's await_suspend, see note_await_site). Runtime::dump_tasks reads it
    /// to print async backtraces. Empty until the first suspension.
    std::source_location await_site_;
    std::exception_ptr exception_;
  };

  // TaskHeader::await_state: how the awaiter and the final suspension hand over (see
  // FinalAwaiter). It lives in the header's spare bytes, not here, to keep frames small; and
  // it is kept in optimised builds too, so a library and an application built with
  // different flags still agree on the layout and the handshake.
  static constexpr std::uint8_t kAwaited = 0;  ///< the awaiter has suspended (or transferred)
  static constexpr std::uint8_t kInline = 1;   ///< the awaiter is running us with a plain call
  static constexpr std::uint8_t kDone = 2;     ///< we reached the final suspension

 private:
  // Every corio promise sits at the same offset in its frame (alignment at most 16, which
  // TaskPromise checks), so the frame is found from the base class.
  TaskHeader* header() const noexcept {
    return header_of(
        std::coroutine_handle<PromiseBase>::from_promise(const_cast<PromiseBase&>(*this))
            .address());
  }
};

/// Records that the corio coroutine `caller` suspends at `where`. Every corio awaitable's
/// await_suspend takes `std::source_location where = std::source_location::current()` and
/// calls this: a default argument of the implicit await_suspend call is evaluated at the
/// co_await expression, so `where` is the user's file:line. (An await_transform taking the
/// location would record it for every co_await, but GCC 12 copies the awaitable it returns,
/// which non-movable awaiters cannot allow.) Only corio Tasks await corio awaitables, so
/// `caller` is a frame whose promise derives from PromiseBase, at the offset of a promise
/// aligned to at most 16 (TaskPromise checks that).
inline void note_await_site(std::coroutine_handle<> caller,
                            const std::source_location& where) noexcept {
  std::coroutine_handle<PromiseBase>::from_address(caller.address()).promise().await_site_ = where;
}

/// Result storage: the value; the exception the coroutine ended with is in PromiseBase.
template <class T>
class TaskPromise : public PromiseBase {
 public:
  Task<T> get_return_object() noexcept;

  template <class U = T>
  requires std::is_convertible_v<U&&, T>
  void return_value(U&& value) noexcept(std::is_nothrow_constructible_v<T, U&&>) {
    value_.emplace(std::forward<U>(value));
  }

  /// Moves the value out, or rethrows the coroutine's exception.
  T take_result() {
    if (has_exception()) std::rethrow_exception(exception_);
    return std::move(*value_);
  }

 private:
  std::optional<T> value_;
};

template <>
class TaskPromise<void> : public PromiseBase {
 public:
  Task<void> get_return_object() noexcept;

  void return_void() noexcept {}

  void take_result() {
    if (has_exception()) std::rethrow_exception(exception_);
  }
};

}  // namespace detail

/// A lazy, move-only coroutine returning T (or rethrowing its exception) to its awaiter.
///
/// Suspends: `co_await task` starts the task and suspends the caller until it finishes.
/// Resumes on: the thread where the task finished (symmetric transfer, no scheduler hop).
/// Cancellation: a Task runs as part of its awaiter, so it is cancelled with it.
/// Thread safety: a Task object is owned by one coroutine at a time; it is not shared.
/// Errors: awaiting an empty (moved-from) or already awaited Task throws UsageError.
template <class T>
class [[nodiscard]] Task {
 public:
  using promise_type = detail::TaskPromise<T>;
  using value_type = T;

  static_assert(std::is_void_v<T> || std::is_object_v<T>,
                "Task<T>: T must be void or an object type (wrap references in "
                "std::reference_wrapper)");

  Task() noexcept = default;
  explicit Task(std::coroutine_handle<promise_type> handle) noexcept : handle_(handle) {}
  Task(Task&& other) noexcept : handle_(std::exchange(other.handle_, nullptr)) {}
  Task& operator=(Task&& other) noexcept {
    if (this != &other) {
      if (handle_) handle_.destroy();
      handle_ = std::exchange(other.handle_, nullptr);
    }
    return *this;
  }
  Task(const Task&) = delete;
  Task& operator=(const Task&) = delete;
  ~Task() {
    if (handle_) {
      if (!detail::header_of(handle_.address())->continuation() && !handle_.done() &&
          detail::debug_active()) {
        detail::report_unawaited_task();  // asyncio's "coroutine was never awaited"
      }
      handle_.destroy();
    }
  }

  /// False for a moved-from (empty) Task.
  explicit operator bool() const noexcept { return static_cast<bool>(handle_); }

  class Awaiter {
   public:
    explicit Awaiter(std::coroutine_handle<promise_type> handle) noexcept : handle_(handle) {}
    bool await_ready() const {
      if (!handle_) {
        throw UsageError(
            "co_await on an empty corio::Task: it was moved from (into spawn, gather or "
            "another variable); await the object that now owns it");
      }
      if (handle_.done() || detail::header_of(handle_.address())->continuation()) {
        throw UsageError(
            "co_await on a corio::Task that was already awaited: a Task yields its result "
            "once; keep the result, or spawn the task and await its JoinHandle");
      }
      return false;
    }
#if CORIO_DETAIL_SYMMETRIC_TRANSFER
    std::coroutine_handle<> await_suspend(
        std::coroutine_handle<> caller,
        std::source_location where = std::source_location::current()) noexcept {
      detail::note_await_site(caller, where);
      detail::header_of(handle_.address())->set_continuation(caller);
      return handle_;  // a tail call: no stack growth however deep or long the chain
    }
#else
    bool await_suspend(std::coroutine_handle<> caller,
                       std::source_location where = std::source_location::current()) noexcept {
      detail::note_await_site(caller, where);
      detail::TaskHeader* header = detail::header_of(handle_.address());
      header->set_continuation(caller);
      auto& await_state = header->await_state;
      await_state.store(detail::PromiseBase::kInline, std::memory_order_relaxed);
      handle_.resume();
      // Finished inline: continue without suspending (and without a deeper frame).
      // Suspended: from now on the final suspension resumes us.
      return await_state.exchange(detail::PromiseBase::kAwaited, std::memory_order_acq_rel) !=
             detail::PromiseBase::kDone;
    }
#endif
    T await_resume() { return handle_.promise().take_result(); }

   private:
    std::coroutine_handle<promise_type> handle_;
  };

  Awaiter operator co_await() const& noexcept { return Awaiter(handle_); }
  Awaiter operator co_await() const&& noexcept { return Awaiter(handle_); }

  /// Gives up ownership of the coroutine (used by spawn). The Task becomes empty.
  std::coroutine_handle<promise_type> release() noexcept { return std::exchange(handle_, nullptr); }

 private:
  std::coroutine_handle<promise_type> handle_;
};

namespace detail {
template <class T>
Task<T> TaskPromise<T>::get_return_object() noexcept {
  // note_await_site finds the promise where a PromiseBase-aligned one would be.
  static_assert(alignof(TaskPromise<T>) <= 16, "corio::Task<T>: T aligned to more than 16");
  return Task<T>(std::coroutine_handle<TaskPromise<T>>::from_promise(*this));
}
inline Task<void> TaskPromise<void>::get_return_object() noexcept {
  return Task<void>(std::coroutine_handle<TaskPromise<void>>::from_promise(*this));
}
}  // namespace detail

}  // namespace corio
