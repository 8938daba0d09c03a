// The scheduler's entry points that corio's templates (Task, JoinHandle, gather, and the
// awaitables of sync/ and io/) call. Users never include this; its definitions are in
// core/src/.
#pragma once

#include <coroutine>

#include "corio/core/detail/task_header.hpp"

namespace corio::detail {

class Scheduler;

/// The task whose poll is running on this thread, or null outside a poll.
TaskHeader* current_task() noexcept;

/// Like current_task(), but throws UsageError naming `what` when called outside a task.
TaskHeader& require_current_task(const char* what);

/// Puts a task whose wait was just claimed (Claim::schedule) on a run queue: the current
/// worker's LIFO slot when called on a worker of its runtime, else the runtime's global
/// queue with a wake-up for a parked worker. Any thread.
void schedule(TaskHeader* task) noexcept;

inline void Waker::wake() const noexcept {
  if (task->try_claim(epoch) == Claim::schedule) schedule(task);
}

/// Makes the unstarted coroutine `root` a task of the runtime that runs the calling task
/// (or of `scheduler` when given) and schedules it. The header gets two references: the
/// runtime's and the JoinHandle's. Throws UsageError when there is no runtime.
TaskHeader* spawn_root(std::coroutine_handle<> root, Scheduler* scheduler = nullptr);

/// Called from a spawned task's final suspension: publishes completion, notifies the joiner
/// and tells the worker the poll finished the task.
void finish_root(TaskHeader* task) noexcept;

/// Drops one reference; the last one destroys the frame (or frees what is left of it).
void release_ref(TaskHeader* task) noexcept;

}  // namespace corio::detail
