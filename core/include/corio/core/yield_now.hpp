// yield_now(): lets every other runnable task go first (asyncio.sleep(0)).
#pragma once

#include <coroutine>
#include <source_location>

#include "corio/core/task.hpp"

namespace corio {

namespace detail {
/// Reschedules the current task at the back of its worker's run queue once its poll ends.
/// Throws UsageError outside a corio task, CancelledError when a cancellation is pending.
void yield_current_task(std::coroutine_handle<> resume_at);
/// After the yield: delivers a cancellation that arrived while the task was queued.
void resume_after_yield();
}  // namespace detail

/// Awaitable returned by yield_now().
struct YieldAwaiter {
  bool await_ready() const noexcept { return false; }
  void await_suspend(std::coroutine_handle<> caller,
                     std::source_location where = std::source_location::current()) {
    detail::note_await_site(caller, where);
    detail::yield_current_task(caller);
  }
  void await_resume() const { detail::resume_after_yield(); }
};

namespace detail {
/// Awaitable of budget_checkpoint().
struct BudgetCheckpoint {
  bool await_ready() const noexcept { return spend_budget(); }
  void await_suspend(std::coroutine_handle<> caller,
                     std::source_location where = std::source_location::current()) {
    TaskHeader& self = require_current_task("corio's cooperative budget");
    note_await_site(caller, where);
    throw_if_cancelled(self);
    yield_for_budget(caller);
  }
  void await_resume() const noexcept {}
};

/// co_await budget_checkpoint(): spends one unit of the task's cooperative budget
/// (scheduling.hpp); with none left, yields once, which is also where a pending cancellation
/// is delivered. For operations written as coroutines that may finish without suspending
/// (a socket read that finds bytes waiting); leaf awaitables spend in their await_ready.
inline BudgetCheckpoint budget_checkpoint() noexcept { return {}; }
}  // namespace detail

/// Suspends the current task and puts it at the back of its worker's run queue, behind every
/// task that is already runnable there.
///
/// Suspends: always, once. Resumes on: the same worker, unless another worker steals it.
/// Cancellation: a suspension point: throws CancelledError when the task was cancelled
///   before or while it yielded.
/// Thread safety: call from a corio task. Errors: UsageError outside one.
inline YieldAwaiter yield_now() noexcept { return {}; }

}  // namespace corio
