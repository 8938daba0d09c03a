// spawn(): asyncio.create_task for corio. The task starts running concurrently, on any
// worker of the current runtime, and the returned JoinHandle awaits its result.
//
//   corio::Task<> server() {
//     corio::JoinHandle<int> h = corio::spawn(work(1));
//     int r = co_await h;
//   }
#pragma once

#include <source_location>
#include <utility>

#include "corio/core/debug.hpp"
#include "corio/core/detail/scheduling.hpp"
#include "corio/core/error.hpp"
#include "corio/core/join_handle.hpp"
#include "corio/core/task.hpp"

namespace corio {

namespace detail {
/// spawn() with the queueing order chosen (scheduling.hpp): gather spawns its children
/// `in_turn`, so they start in argument order as asyncio's do. With `scheduler`, the task
/// goes to that runtime from any thread (Runtime::spawn); without, to the caller's.
template <class T>
JoinHandle<T> spawn_ordered(Task<T> task, SpawnOptions options, std::source_location where,
                            SpawnOrder order, Scheduler* scheduler = nullptr) {
  auto handle = task.release();
  if (!handle) {
    throw UsageError(scheduler ? "Runtime::spawn of an empty Task (moved from?)"
                               : "corio::spawn of an empty Task (moved from?): pass the Task "
                                 "itself");
  }
  TaskHeader* header;
  try {
    if (!options.name.empty() || debug_active()) {
      attach_task_info(header_of(handle.address()), options.name, where);
    }
    header = spawn_root(handle, scheduler, options.pin_to_worker, order);
  } catch (...) {
    task = Task<T>(handle);  // give the frame back to be destroyed with `task`
    throw;
  }
  return JoinHandle<T>(header);
}

/// Spawns a child of gather, select or as_completed: at the back of the worker's queue, so
/// that children start in argument order (asyncio's order) rather than the newest first.
template <class T>
JoinHandle<T> spawn_in_turn(Task<T> task) {
  return spawn_ordered(std::move(task), {}, std::source_location::current(), SpawnOrder::in_turn);
}
}  // namespace detail

/// Schedules `task` on the runtime running the caller and returns its handle. The new task
/// goes to the calling worker's LIFO slot (it runs next there unless another worker takes
/// it first, keeping its data in this core's cache); the task it displaces goes to the
/// worker's run queue, where idle workers steal it.
///
/// `options.name` names the task (current_task_name(), debug reports);
/// `options.pin_to_worker` keeps it on one worker (see spawn_local); `where` records the
/// spawn site for debug reports (leave it defaulted).
/// Thread safety: call from a task of a corio runtime. From other threads use
///   Runtime::spawn.
/// Errors: UsageError when there is no current runtime, when `task` is empty or has
///   already been awaited, or when `options.pin_to_worker` names no worker. Allocates
///   nothing beyond the task's own frame.
template <class T>
JoinHandle<T> spawn(Task<T> task, SpawnOptions options = {},
                    std::source_location where = std::source_location::current()) {
  return detail::spawn_ordered(std::move(task), options, where, detail::SpawnOrder::next);
}

/// Like spawn, but the task is pinned to the calling worker: it runs only there and is never
/// stolen by another worker (Tokio's spawn_local, a Seastar shard's task). Wake-ups from
/// other threads are posted to its worker. Use it to keep a connection's socket, buffers and
/// per-core state on one core, as serve() does for its accept loops; everything else is
/// better off stealable, so that idle workers can help.
/// Thread safety, errors: as spawn.
template <class T>
JoinHandle<T> spawn_local(Task<T> task, SpawnOptions options = {},
                          std::source_location where = std::source_location::current()) {
  options.pin_to_worker = detail::current_worker_index();
  if (!options.pin_to_worker) {
    throw UsageError(
        "corio::spawn_local called outside a corio worker: call it from a task, or pin with "
        "Runtime::spawn(task, {.pin_to_worker = i})");
  }
  return spawn(std::move(task), options, where);
}

/// The index (0 to worker_count() - 1) of the worker running the calling task, or nullopt
/// outside a runtime. A task that is not pinned may move between workers at any co_await.
inline std::optional<unsigned> current_worker_index() noexcept {
  return detail::current_worker_index();
}

/// The number of workers of the runtime running the calling task.
/// Errors: UsageError outside a runtime (use Runtime::workers() there).
inline unsigned worker_count() { return detail::current_worker_count(); }

}  // namespace corio
