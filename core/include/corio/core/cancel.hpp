// Cancellation helpers: checking for a pending cancellation in CPU-bound code, and
// shield(), which keeps a cancellation of the awaiter from reaching the awaited work.
//
//   corio::JoinHandle<Report> h = corio::spawn(write_report());
//   Report r = co_await corio::shield(std::move(h));   // our cancel won't stop the write
//
// How cancellation works (asyncio's model): JoinHandle::cancel() makes the task's current
// suspension point, or its next one, throw corio::CancelledError. The task may catch it to
// clean up (and may await while doing so); delivering it clears the request.
#pragma once

#include <utility>

#include "corio/core/detail/scheduling.hpp"
#include "corio/core/join_handle.hpp"
#include "corio/core/spawn.hpp"
#include "corio/core/task.hpp"

namespace corio {

/// True if the current task has a cancellation pending (requested, not yet delivered).
/// Lets a long CPU-bound loop stop early: `if (corio::current_task_cancelled()) ...`;
/// the next suspension point throws CancelledError. False outside a task.
inline bool current_task_cancelled() noexcept {
  const detail::TaskHeader* task = detail::current_task();
  return task && detail::cancellation_pending(*task);
}

/// asyncio.shield: awaits `handle`, but a cancellation of the awaiting task does not reach
/// the awaited one: the awaiter gets CancelledError at once and the task runs on detached.
/// Suspends: until the task finishes or the awaiter is cancelled.
/// Errors: the task's own exception; CancelledError when the awaiter is cancelled.
template <class T>
Task<T> shield(JoinHandle<T> handle) {
  co_return co_await detail::JoinHandleAccess::await_with(handle, detail::JoinCancel::abandon);
}

/// asyncio.shield for an unstarted task: spawns it, then shields its handle.
template <class T>
Task<T> shield(Task<T> task) {
  return shield(spawn(std::move(task)));
}

}  // namespace corio
