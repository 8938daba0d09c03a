// Debug mode and task names: asyncio's debug mode for corio.
//
//   corio::run(amain(), {.debug = true});   // or run any program with CORIO_DEBUG=1
//   corio::spawn(handle(conn), corio::SpawnOptions{.name = "conn-42"});
//
// With debug on, corio reports (to RuntimeOptions::debug_sink, stderr by default):
//   - a task that runs longer than RuntimeOptions::slow_task_threshold (100 ms, asyncio's
//     slow_callback_duration) without suspending: its id, name, worker, how long, and where
//     it was spawned;
//   - "task exception was never retrieved": a task whose handle is gone ended with an
//     exception, or a handle dropped without taking its task's exception;
//   - "coroutine was never awaited": a Task destroyed without being awaited or spawned.
// A task named in a report or a task dump carries an id, unique in the process: a named
// task's is given at spawn, another's when a report or dump first names it.
// With debug off, none of this costs more than a predictable branch on the hot paths.
#pragma once

#include <atomic>
#include <exception>
#include <optional>
#include <source_location>
#include <string>
#include <string_view>

#include "corio/core/detail/task_header.hpp"

namespace corio {

/// Options of one spawn.
struct SpawnOptions {
  /// A name shown in debug reports and by current_task_name(). Empty: none.
  std::string_view name = {};
  /// Pins the task to this worker (0 to worker_count() - 1): it runs only there and is
  /// never stolen, so its data and its sockets stay on one core (see spawn_local). Empty:
  /// any worker may run it.
  std::optional<unsigned> pin_to_worker = {};
};

/// The name the current task was spawned with, or "" (none, or outside a task).
std::string current_task_name();

namespace detail {

/// How many reasons there are to report: debug runtimes alive, plus one for CORIO_DEBUG=1.
extern std::atomic<int> g_debug_users;

/// True while some runtime runs in debug mode (or CORIO_DEBUG=1): one relaxed load, so the
/// hot paths pay a predictable branch when debug mode is off.
inline bool debug_active() noexcept { return g_debug_users.load(std::memory_order_relaxed) != 0; }

/// Records a name and spawn location for `task` (called by spawn when a name is given or
/// debug mode is on).
void attach_task_info(TaskHeader* task, std::string_view name, const std::source_location& where);

/// Debug hooks, called only when debug_active().
void report_unawaited_task() noexcept;
void report_unretrieved_exception(TaskHeader* task, std::exception_ptr error) noexcept;

}  // namespace detail
}  // namespace corio
