// Runtime metrics: snapshots of the workers' and registries' counters, and their Prometheus
// rendering (corio/core/metrics.hpp).
#include "corio/core/metrics.hpp"

#include <cinttypes>
#include <cstdio>

#include "corio/core/error.hpp"
#include "corio/core/runtime.hpp"
#include "scheduler.hpp"
#include "worker.hpp"

namespace corio {

namespace detail {
RuntimeMetrics Scheduler::metrics() const {
  RuntimeMetrics m;
  std::uint64_t spawned = spawned_outside_.load(std::memory_order_relaxed), completed = 0;
  for (const auto& worker : workers_) {
    m.workers.push_back(worker->metrics());
    spawned += worker->spawned();
    completed += worker->completed();
  }
  // Read apart, the two sums can cross for a moment: never report a negative count.
  m.live_tasks = spawned > completed ? spawned - completed : 0;
  m.global_queue_depth = inject_.size_approx();
  return m;
}
}  // namespace detail

RuntimeMetrics Runtime::metrics() const { return scheduler_->metrics(); }

RuntimeMetrics runtime_metrics() {
  detail::Worker* worker = detail::Worker::current();
  if (!worker)
    throw UsageError("corio::runtime_metrics() outside a corio task: use Runtime::metrics()");
  return worker->scheduler().metrics();
}

std::string to_prometheus(const RuntimeMetrics& metrics) {
  std::string out;
  char line[160];
  auto per_worker = [&](const char* name, const char* help, auto field) {
    std::snprintf(line, sizeof line, "# HELP corio_worker_%s %s\n# TYPE corio_worker_%s counter\n",
                  name, help, name);
    out += line;
    for (std::size_t i = 0; i < metrics.workers.size(); ++i) {
      std::snprintf(line, sizeof line, "corio_worker_%s{worker=\"%zu\"} %" PRIu64 "\n", name, i,
                    static_cast<std::uint64_t>(field(metrics.workers[i])));
      out += line;
    }
  };
  per_worker("polled_total", "Task polls run.", [](const WorkerMetrics& w) { return w.polled; });
  per_worker("steals_total", "Successful steals.", [](const WorkerMetrics& w) { return w.steals; });
  per_worker("stolen_tasks_total", "Tasks moved by steals.",
             [](const WorkerMetrics& w) { return w.stolen_tasks; });
  per_worker("parks_total", "Times the worker slept.",
             [](const WorkerMetrics& w) { return w.parks; });
  per_worker("notified_total", "Wake-ups that gave the worker work.",
             [](const WorkerMetrics& w) { return w.notified; });
  per_worker("overflowed_total", "Tasks moved to the global queue.",
             [](const WorkerMetrics& w) { return w.overflowed; });
  per_worker("io_events_total", "Readiness events dispatched.",
             [](const WorkerMetrics& w) { return w.io_events; });
  per_worker("timers_fired_total", "Timers fired.",
             [](const WorkerMetrics& w) { return w.timers_fired; });
  per_worker("budget_yields_total", "Yields forced by the cooperative budget.",
             [](const WorkerMetrics& w) { return w.budget_yields; });
  per_worker("local_queue_depth", "Tasks in the local queue.",
             [](const WorkerMetrics& w) { return w.local_queue_depth; });
  out +=
      "# HELP corio_worker_busy_seconds_total Time not parked.\n"
      "# TYPE corio_worker_busy_seconds_total counter\n";
  for (std::size_t i = 0; i < metrics.workers.size(); ++i) {
    std::snprintf(line, sizeof line, "corio_worker_busy_seconds_total{worker=\"%zu\"} %.6f\n", i,
                  std::chrono::duration<double>(metrics.workers[i].busy).count());
    out += line;
  }
  std::snprintf(line, sizeof line,
                "# HELP corio_live_tasks Spawned tasks not yet finished.\n# TYPE corio_live_tasks "
                "gauge\ncorio_live_tasks %" PRIu64 "\n",
                metrics.live_tasks);
  out += line;
  std::snprintf(line, sizeof line,
                "# HELP corio_global_queue_depth Tasks in the global queue.\n# TYPE "
                "corio_global_queue_depth gauge\ncorio_global_queue_depth %" PRIu64 "\n",
                metrics.global_queue_depth);
  out += line;
  return out;
}

}  // namespace corio
