// The scheduler's entry points that corio's templates (Task, JoinHandle, gather, and the
// awaitables of sync/ and io/) call. Users never include this; its definitions are in
// core/src/.
#pragma once

#include <coroutine>
#include <cstdint>
#include <optional>

#include "corio/core/detail/task_header.hpp"

namespace corio::detail {

class Scheduler;

/// The task whose poll is running on this thread (set by its worker), or null. constinit:
/// reading it is one TLS load, with no call to a TLS init wrapper (it is on every spawn,
/// wait and wake path).
extern constinit thread_local TaskHeader* t_current_task;

/// The task whose poll is running on this thread, or null outside a poll.
inline TaskHeader* current_task() noexcept { return t_current_task; }

/// True when the calling thread is a worker of some corio runtime: blocking calls there
/// would stall the worker, so they are refused with UsageError.
bool on_runtime_worker() noexcept;

/// Throws UsageError naming `what` (called outside a task).
[[noreturn]] void throw_outside_task(const char* what);

/// Like current_task(), but throws UsageError naming `what` when called outside a task.
inline TaskHeader& require_current_task(const char* what) {
  TaskHeader* task = t_current_task;
  if (!task) [[unlikely]]
    throw_outside_task(what);
  return *task;
}

/// Puts a task whose wait was just claimed (Claim::schedule) on a run queue: the current
/// worker's LIFO slot when called on a worker of its runtime, else the runtime's global
/// queue with a wake-up for a parked worker. Any thread.
void schedule(TaskHeader* task) noexcept;

inline void Waker::wake() const noexcept {
  if (task->try_claim(epoch) == Claim::schedule) schedule(task);
}

/// Where a task spawned on a worker is queued there.
enum class SpawnOrder : std::uint8_t {
  next,     ///< the LIFO slot: it runs next, on a warm cache (spawn, as Tokio's)
  in_turn,  ///< the back of the run queue: tasks spawned in a row start in that order
            ///< (gather, as asyncio starts its children)
};

/// Makes the unstarted coroutine `root` a task of the runtime that runs the calling task
/// (or of `scheduler` when given) and schedules it, pinned to worker `pin` if given, in
/// `order` when spawned on a worker (from outside, every task goes to the global queue in
/// turn). The header gets two references: the runtime's and the JoinHandle's. Throws
/// UsageError when there is no runtime or `pin` names no worker.
TaskHeader* spawn_root(std::coroutine_handle<> root, Scheduler* scheduler = nullptr,
                       std::optional<unsigned> pin = std::nullopt,
                       SpawnOrder order = SpawnOrder::next);

/// The index of the worker running the calling thread (of any runtime), or nullopt.
std::optional<unsigned> current_worker_index() noexcept;
/// The number of workers of the runtime running the calling task. Throws UsageError
/// outside a runtime.
unsigned current_worker_count();

/// Called from a spawned task's final suspension: publishes completion, notifies the joiner
/// and tells the worker the poll finished the task.
void finish_root(TaskHeader* task) noexcept;

/// Drops one reference; the last one destroys the frame (or frees what is left of it).
void release_ref(TaskHeader* task) noexcept;

// ---- Cooperative budget -------------------------------------------------------------------
//
// A task that keeps awaiting things that are already done never suspends, and would hold
// its worker forever. As in Tokio, every poll starts with a budget of kCoopBudget; an
// awaitable that completes without suspending spends one unit (spend_budget() in its
// await_ready). At zero, await_ready says "not ready" and await_suspend calls
// yield_for_budget(): the task goes to the back of the queue once, then completes.

inline constexpr int kCoopBudget = 128;
/// Units left in the current poll (reset by the worker before each poll).
extern constinit thread_local int t_coop_budget;

/// Spends one unit; false when the budget is exhausted (the caller must then yield).
inline bool spend_budget() noexcept { return t_coop_budget-- > 0; }

/// From an await_suspend whose result is ready but whose task is out of budget: yields once
/// (the awaitable's await_resume then completes as usual).
void yield_for_budget(std::coroutine_handle<> resume_at);

// ---- Cancellation -------------------------------------------------------------------------
//
// request_cancel sets kCancelled. If the task is suspended in a wait, the canceller takes
// kCancelling (the task cannot resume meanwhile) and runs the wait's CancelHook, or by
// default claims the wait and schedules the task; the awaitable, finding its event did
// not happen, unregisters and throws CancelledError. A task that is running or queued meets
// kCancelled at its next suspension point. Delivering CancelledError consumes kCancelled,
// so a task may await again while it cleans up (asyncio's semantics).

/// Requests cancellation. False if the task has already finished. Any thread.
bool request_cancel(TaskHeader* task) noexcept;

/// The default reaction to cancellation: claim the wait of `epoch` and schedule the task.
void cancel_wait_default(TaskHeader* task, std::uint32_t epoch) noexcept;

/// True if a cancellation of `task` is pending (requested, not yet delivered).
inline bool cancellation_pending(const TaskHeader& task) noexcept {
  return task.state.load(std::memory_order_acquire) & TaskHeader::kCancelled;
}

/// Delivers a pending cancellation: clears kCancelled and throws CancelledError.
[[noreturn]] void throw_cancelled(TaskHeader& task);

/// At a suspension point, before suspending: throws CancelledError if one is pending.
inline void throw_if_cancelled(TaskHeader& task) {
  if (cancellation_pending(task)) throw_cancelled(task);
}

/// Opens a wait (TaskHeader::begin_wait) at a suspension point and delivers a cancellation
/// requested before the wait was open: such a canceller found the task running and ran no
/// hook, so nothing else would end the wait. Throws CancelledError then (the wait closed);
/// if a canceller claims the new wait first, returns normally and the task is requeued.
inline Waker begin_cancellable_wait(TaskHeader& task, std::coroutine_handle<> resume_at,
                                    WaitKind kind, CancelHook* hook = nullptr) {
  std::uint32_t prior;
  Waker waker = task.begin_wait(resume_at, kind, hook, &prior);
  if ((prior & TaskHeader::kCancelled) && task.abandon_wait(waker.epoch)) throw_cancelled(task);
  return waker;
}

}  // namespace corio::detail
