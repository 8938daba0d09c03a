// Runtime metrics: what each worker did and what the runtime holds, cheap enough to keep on
// always. Each per-worker counter is written only by its worker (no shared cache line on
// the hot path); a snapshot reads them with relaxed loads, so counters of a running runtime
// are each exact but not taken at one instant.
//
//   corio::RuntimeMetrics m = runtime.metrics();          // or corio::runtime_metrics() in a task
//   std::string text = corio::to_prometheus(m);           // serve at /metrics
#pragma once

#include <chrono>
#include <cstdint>
#include <string>
#include <vector>

namespace corio {

struct WorkerMetrics {
  std::uint64_t polled = 0;             ///< task polls run
  std::uint64_t steals = 0;             ///< successful steals from other workers
  std::uint64_t stolen_tasks = 0;       ///< tasks moved by those steals
  std::uint64_t parks = 0;              ///< times the worker went to sleep
  std::uint64_t notified = 0;           ///< wake-ups by other threads that gave it work
  std::uint64_t overflowed = 0;         ///< tasks moved from its full queue to the global one
  std::uint64_t io_events = 0;          ///< readiness events dispatched by its reactor
  std::uint64_t timers_fired = 0;       ///< timers fired by its wheel
  std::uint64_t budget_yields = 0;      ///< yields forced by the cooperative budget
  std::uint64_t local_queue_depth = 0;  ///< tasks in its local queue now
  std::chrono::nanoseconds busy{0};     ///< time not parked since the worker started
};

struct RuntimeMetrics {
  std::vector<WorkerMetrics> workers;
  std::uint64_t live_tasks = 0;          ///< spawned tasks that have not finished
  std::uint64_t global_queue_depth = 0;  ///< tasks in the global queue now (approximate)
};

/// The current runtime's metrics. Errors: UsageError outside a corio task.
RuntimeMetrics runtime_metrics();

/// Renders metrics in Prometheus' text exposition format (corio_worker_* with a worker
/// label, corio_live_tasks (unfinished tasks), corio_global_queue_depth).
std::string to_prometheus(const RuntimeMetrics& metrics);

}  // namespace corio
