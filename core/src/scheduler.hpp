// Scheduler: the shared part of a runtime: its workers, the global queue, the idle
// accounting, and the registry of tasks spawned from outside.
//
// Shutdown, in order:
//   1. Set `shutdown_`, wake every worker, join their threads. From here on one thread
//      (the destructor's) owns everything, and schedule() no longer queues anything.
//   2. Drop every queued task pointer (LIFO slots, local queues, global queue); the tasks
//      themselves stay listed in their registries.
//   3. Every registry frees what was released remotely, then gives up its tasks one by
//      one: an unfinished task's frame is destroyed (destructors of its awaiters
//      unregister them; JoinHandles see kFrameGone and yield CancelledError), a finished
//      one is left to its JoinHandle. Destroying a frame may release further tasks; they
//      are unlinked at once, so the loop ends when every list is empty.
#pragma once

#include <atomic>
#include <memory>
#include <ostream>
#include <vector>

#include "blocking_pool.hpp"
#include "compute_arena.hpp"
#include "corio/core/detail/task_header.hpp"
#include "corio/core/runtime.hpp"
#include "debug_monitor.hpp"
#include "idle.hpp"
#include "inject_queue.hpp"
#include "runtime_clock.hpp"
#include "stop_the_world.hpp"
#include "task_registry.hpp"
#include "worker.hpp"

namespace corio::detail {

class Scheduler {
 public:
  /// Validates `options` (UsageError) and starts the workers.
  explicit Scheduler(const RuntimeOptions& options);
  ~Scheduler();
  Scheduler(const Scheduler&) = delete;
  Scheduler& operator=(const Scheduler&) = delete;

  unsigned num_workers() const noexcept { return static_cast<unsigned>(workers_.size()); }
  Worker& worker(unsigned i) noexcept { return *workers_[i]; }
  InjectQueue& inject() noexcept { return inject_; }
  RuntimeClock& clock() noexcept { return clock_; }
  Idle& idle() noexcept { return idle_; }
  BlockingPool& blocking_pool() noexcept { return blocking_pool_; }
  ComputeArena& compute_arena() noexcept { return compute_arena_; }
  /// The debug-mode monitor, or null when debug mode is off.
  DebugMonitor* debug_monitor() const noexcept { return debug_monitor_.get(); }
  bool is_shutdown() const noexcept { return shutdown_.load(std::memory_order_acquire); }
  /// The safe-point protocol that dump_tasks uses to read every registry.
  StopTheWorld& stop_the_world() noexcept { return stop_the_world_; }

  /// Runtime::dump_tasks: stops every worker at a safe point, renders every live task,
  /// releases them, then writes the text to `out`. Any thread, including a worker.
  void dump_tasks(std::ostream& out);

  /// A snapshot of every counter (metrics.hpp). Any thread.
  RuntimeMetrics metrics() const;

  /// This scheduler's worker on the calling thread, or null. Inline: on every spawn.
  Worker* current_worker() const noexcept {
    Worker* worker = Worker::current();
    return worker && &worker->scheduler() == this ? worker : nullptr;
  }

  /// Registers and schedules a new task (header prepared by spawn_root), in `order` on the
  /// calling worker. Any thread.
  void spawn(TaskHeader* task, SpawnOrder order);
  /// Queues a runnable task. Any thread; a no-op once shutdown has begun.
  void schedule(TaskHeader* task) noexcept;
  /// Wakes a parked worker if one is needed (Idle step 4). For pushes from outside the
  /// runtime: fenced against a worker going to sleep (idle.hpp).
  void notify_parked() noexcept;
  /// The same for a worker's pushes onto its own queues: no fence (idle.hpp says why).
  void notify_parked_local() noexcept;
  /// A last searcher going to sleep: wake a worker if any queue still holds work.
  void notify_if_work_pending() noexcept;
  /// Manual clock, called by the last worker to park: moves time to the earliest deadline
  /// any worker published and returns that worker (null: no timer anywhere).
  Worker* advance_manual_clock() noexcept;

 private:
  /// Queues a task from a thread that is not one of our workers.
  void schedule_from_outside(TaskHeader* task) noexcept;
  void shut_down() noexcept;
  void destroy_unfinished(TaskHeader* task) noexcept;

  RuntimeClock clock_;
  std::unique_ptr<DebugMonitor> debug_monitor_;  // before the workers: they read it at start
  std::vector<std::unique_ptr<Worker>> workers_;
  InjectQueue inject_;
  Idle idle_;
  StopTheWorld stop_the_world_;
  TaskRegistry outside_registry_;
  BlockingPool blocking_pool_;  // stopped in shut_down, after the workers are joined
  ComputeArena compute_arena_;  // waits for running jobs when destroyed
  std::atomic<bool> shutdown_{false};
  std::atomic<std::uint64_t> spawned_outside_{0};  ///< spawns from outside the runtime
};

}  // namespace corio::detail
