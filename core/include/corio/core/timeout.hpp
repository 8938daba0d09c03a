// wait_for / wait_until: asyncio.wait_for. Bounds the time some work may take.
//
//   try {
//     Reply r = co_await corio::wait_for(fetch(url), 2s);
//   } catch (const corio::TimeoutError&) { ... }
//
// When time runs out the work is cancelled, and wait_for waits until it has finished
// unwinding (its catch (CancelledError&) blocks have run) before it throws TimeoutError.
#pragma once

#include <atomic>
#include <chrono>
#include <exception>
#include <optional>
#include <type_traits>
#include <utility>

#include "corio/core/error.hpp"
#include "corio/core/join_handle.hpp"
#include "corio/core/result.hpp"
#include "corio/core/spawn.hpp"
#include "corio/core/task.hpp"
#include "corio/core/time.hpp"

namespace corio {

namespace detail {

/// Sleeps until `deadline`, then cancels `target` and records that the time ran out. Ends
/// quietly when cancelled itself (the work finished first).
Task<> cancel_at(Clock::time_point deadline, TaskHeader* target, std::atomic<bool>* timed_out);

inline bool is_cancellation(const std::exception_ptr& e) {
  try {
    std::rethrow_exception(e);
  } catch (const CancelledError&) {
    return true;
  } catch (...) {
    return false;
  }
}

template <class Awaitable>
auto as_task(Awaitable awaitable) -> Task<decltype(std::declval<Awaitable&&>().await_resume())> {
  co_return co_await std::move(awaitable);
}

}  // namespace detail

/// asyncio.wait_for with an absolute deadline: awaits the spawned task behind `handle` until
/// `deadline`; past it, cancels the task, waits for it to finish, and throws TimeoutError.
/// A deadline already past: the task is cancelled before it runs (if not done already).
/// Cancellation: cancelling the caller cancels the task too (as awaiting its handle does).
/// Errors: TimeoutError; otherwise whatever the task ends with.
template <class T>
Task<T> wait_until(JoinHandle<T> handle, Clock::time_point deadline) {
  if (deadline <= Clock::now() && !handle.is_done()) {
    // No time at all (asyncio: timeout <= 0): cancel, wait for the unwinding, time out.
    handle.cancel();
    std::optional<Result<T>> outcome;
    try {
      if constexpr (std::is_void_v<T>) {
        co_await detail::JoinHandleAccess::await_with(handle, detail::JoinCancel::ignore);
        outcome = Result<void>::from_value();
      } else {
        outcome = Result<T>::from_value(
            co_await detail::JoinHandleAccess::await_with(handle, detail::JoinCancel::ignore));
      }
    } catch (...) {
      outcome = Result<T>::from_exception(std::current_exception());
    }
    if (!outcome->has_value() && detail::is_cancellation(outcome->error())) throw TimeoutError();
    co_return std::move(*outcome).value();
  }
  std::atomic<bool> timed_out{false};
  JoinHandle<void> timer =
      spawn(detail::cancel_at(deadline, detail::JoinHandleAccess::task(handle), &timed_out));
  std::optional<Result<T>> outcome;
  try {
    if constexpr (std::is_void_v<T>) {
      co_await handle;
      outcome = Result<void>::from_value();
    } else {
      outcome = Result<T>::from_value(co_await handle);
    }
  } catch (...) {
    outcome = Result<T>::from_exception(std::current_exception());
  }
  // The timer task refers to this frame: stop it and wait until it is gone, whatever
  // happens to us meanwhile (a pending cancellation is delivered at our next suspension).
  timer.cancel();
  try {
    co_await detail::JoinHandleAccess::await_with(timer, detail::JoinCancel::ignore);
  } catch (const CancelledError&) {
    // cancelled before its first step: it never ran
  }
  if (timed_out.load(std::memory_order_acquire) && !outcome->has_value() &&
      detail::is_cancellation(outcome->error())) {
    throw TimeoutError();
  }
  co_return std::move(*outcome).value();
}

/// asyncio.wait_for: wait_until(now + timeout). Zero or negative: as a deadline already past.
template <class T, class Rep, class Period>
Task<T> wait_for(JoinHandle<T> handle, std::chrono::duration<Rep, Period> timeout) {
  return wait_until(std::move(handle),
                    detail::saturating_deadline(detail::to_clock_duration(timeout)));
}

/// For a Task: spawns it, then as above.
template <class T>
Task<T> wait_until(Task<T> task, Clock::time_point deadline) {
  return wait_until(spawn(std::move(task)), deadline);
}
template <class T, class Rep, class Period>
Task<T> wait_for(Task<T> task, std::chrono::duration<Rep, Period> timeout) {
  return wait_for(spawn(std::move(task)), timeout);
}

/// For any other awaitable (a socket read, a channel recv): runs it as a task, as asyncio
/// wraps a coroutine in a Task. The awaitable must stay valid until wait_for returns, which
/// it does because the caller waits for it.
template <class Awaitable, class Rep, class Period>
requires requires(Awaitable a) { a.await_resume(); }
auto wait_for(Awaitable awaitable, std::chrono::duration<Rep, Period> timeout) {
  return wait_for(spawn(detail::as_task(std::move(awaitable))), timeout);
}

}  // namespace corio
