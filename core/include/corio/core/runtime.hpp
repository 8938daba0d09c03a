// Runtime and run(): the event loops that run corio tasks.
//
//   corio::Task<int> amain() { co_return 42; }
//   int main() { return corio::run(amain()); }            // asyncio.run(amain())
//
// A Runtime starts one worker thread per core (or RuntimeOptions::workers). Each worker
// runs tasks from its own queue, steals from busy workers when idle, and sleeps in
// epoll_wait when there is nothing to do (docs/architecture.md has the algorithm).
#pragma once

#include <chrono>
#include <functional>
#include <memory>
#include <ostream>
#include <source_location>
#include <string_view>
#include <utility>

#include "corio/core/debug.hpp"
#include "corio/core/detail/scheduling.hpp"
#include "corio/core/error.hpp"
#include "corio/core/join_handle.hpp"
#include "corio/core/metrics.hpp"
#include "corio/core/spawn.hpp"
#include "corio/core/task.hpp"
#include "corio/core/time.hpp"

namespace corio {

/// How a Runtime is built. Aggregate: `corio::run(amain(), {.workers = 2})`.
struct RuntimeOptions {
  /// Worker threads; 0 means one per hardware thread.
  unsigned workers = 0;
  /// Capacity of each worker's local run queue (a power of two, at least 2). Tasks beyond it
  /// overflow to the global queue. Tests shrink it to reach the overflow and steal paths.
  unsigned local_queue_capacity = 1024;
  /// The clock timers follow; ClockKind::manual makes time-dependent tests instant and
  /// deterministic (see time.hpp).
  ClockKind clock = ClockKind::real;
  /// Upper bound of the blocking pool's threads (to_thread, spawn_blocking, files, DNS);
  /// threads start on demand and retire after 10 s idle. Must be at least 1.
  unsigned max_blocking_threads = 512;
  /// Threads of the oneTBB arena that runs compute(); 0 means one per hardware thread. The
  /// arena is created on the first compute().
  unsigned compute_threads = 0;
  /// Debug mode (debug.hpp); also turned on by the environment variable CORIO_DEBUG=1.
  bool debug = false;
  /// Debug mode: a poll running longer than this without suspending is reported.
  std::chrono::milliseconds slow_task_threshold{100};
  /// Debug mode: where reports go, one line each; empty means stderr. Also receives the task
  /// dump a SIGUSR1 asks for (see Runtime::dump_tasks).
  std::function<void(std::string_view)> debug_sink = {};
};

namespace detail {
/// Blocks the calling (non-worker) thread until `task` has finished and its runtime has
/// let go of it (only the caller's handle still refers to it).
void wait_blocking(TaskHeader* task);
}  // namespace detail

/// A set of worker threads that run tasks. Several runtimes may exist at once.
///
/// Thread safety: spawn and block_on may be called from any thread; the destructor must not
///   race with them.
/// Shutdown: destroying the Runtime stops its workers, then destroys every task that has not
///   finished (their frames are freed; their JoinHandles yield CancelledError).
class Runtime {
 public:
  /// Starts the workers. Throws UsageError for invalid options, std::system_error when the
  /// kernel refuses a thread, an epoll instance or an eventfd.
  explicit Runtime(RuntimeOptions options = {});
  ~Runtime();
  Runtime(const Runtime&) = delete;
  Runtime& operator=(const Runtime&) = delete;

  /// Number of worker threads.
  unsigned workers() const noexcept;

  /// A snapshot of the runtime's counters (metrics.hpp). Any thread.
  RuntimeMetrics metrics() const;

  /// Writes every live (unfinished) task to `out`: what asyncio's `python -m asyncio pstree`
  /// shows for a Python program. For each task: its id and name (debug.hpp: tasks named or
  /// spawned in debug mode have an id; others show their address), its state (running,
  /// scheduled, or waiting on what: sleep, join, channel recv, socket read, ...), the worker
  /// that last polled it, where it was spawned (when known), and its async backtrace: the
  /// chain of coroutines awaiting one another, innermost first, each with the function and
  /// the file:line of the co_await it is suspended at.
  ///
  ///   corio task dump: 3 live tasks, 2 workers
  ///   task #2 'worker-1' waiting on sleep, worker 1, spawned at /src/app.cpp:37
  ///     at slow_step (/src/app.cpp:24)
  ///     at worker (/src/app.cpp:28)
  ///   task #1 'worker-0' waiting on channel recv, worker 1, spawned at /src/app.cpp:37
  ///     at worker (/src/app.cpp:27)
  ///   task @519e8181080 running, worker 1
  ///     (in a poll: no backtrace)
  ///   end of task dump
  ///
  /// The task calling dump_tasks is shown as running, without a backtrace. The format is for
  /// people; it may gain fields.
  ///
  /// How: the caller stops every worker at its next safe point (between two task polls),
  /// reads every worker's task list while they wait, releases them, then writes to `out`.
  /// Cost: workers pause for the time it takes to render the tasks (about a microsecond per
  /// task); nothing is paid while no dump is running beyond one load per scheduler tick. A
  /// worker inside a long poll (a task that does not suspend) delays the dump until the poll
  /// ends.
  /// With debug mode on, SIGUSR1 makes the runtime write this dump to its debug_sink
  /// (stderr by default), from its debug monitor thread. Only one runtime owns SIGUSR1 at a
  /// time: the first debug runtime installs the handler and restores the previous one when
  /// it is destroyed; other runtimes created meanwhile do not answer the signal.
  /// Thread safety: any thread, including a task of this runtime (its worker counts as
  ///   stopped), and concurrently with other dump_tasks calls (they take turns). Must not
  ///   race with the destructor.
  void dump_tasks(std::ostream& out) const;

  /// Schedules `task` on this runtime from any thread (from outside, through the global
  /// queue, waking a parked worker). Errors: UsageError for an empty Task.
  template <class T>
  JoinHandle<T> spawn(Task<T> task, SpawnOptions options = {},
                      std::source_location where = std::source_location::current()) {
    return detail::spawn_ordered(std::move(task), options, where, detail::SpawnOrder::next,
                                 scheduler_.get());
  }

  /// Runs `task` on this runtime and blocks the calling thread until it finishes; returns
  /// its result or rethrows its exception.
  /// Errors: UsageError when called on one of this runtime's workers (that would block the
  ///   worker that has to run the task: co_await the task instead).
  template <class T>
  T block_on(Task<T> task) {
    check_blocking_allowed();
    JoinHandle<T> handle = spawn(std::move(task));
    detail::wait_blocking(detail::JoinHandleAccess::task(handle));
    return detail::JoinHandleAccess::take_result(handle);
  }

 private:
  void check_blocking_allowed() const;

  std::unique_ptr<detail::Scheduler> scheduler_;
};

/// asyncio.run: builds a Runtime with `options`, runs `main` to completion, shuts the
/// runtime down and returns main's result (or rethrows its exception). May be called any
/// number of times in a program.
template <class T>
T run(Task<T> main, RuntimeOptions options = {}) {
  Runtime runtime(options);
  return runtime.block_on(std::move(main));
}

}  // namespace corio
