// DebugMonitor: a runtime's debug mode: the watchdog thread that reports slow polls and
// answers SIGUSR1 with a task dump, and the sink reports go to (debug.hpp describes the
// reports).
#pragma once

#include <atomic>
#include <chrono>
#include <cstdint>
#include <functional>
#include <mutex>
#include <optional>
#include <source_location>
#include <string>
#include <string_view>
#include <thread>
#include <utility>
#include <vector>

#include "corio/core/detail/task_header.hpp"
#include "dump_signal.hpp"

namespace corio::detail {

class Scheduler;

class DebugMonitor {
 public:
  DebugMonitor(Scheduler& scheduler, std::chrono::milliseconds threshold,
               std::function<void(std::string_view)> sink);
  ~DebugMonitor();
  DebugMonitor(const DebugMonitor&) = delete;
  DebugMonitor& operator=(const DebugMonitor&) = delete;

  /// Starts the watchdog and takes SIGUSR1 if no other runtime has it (once the workers
  /// exist) / stops and joins it and gives SIGUSR1 back (before the workers go).
  void start();
  void stop();

  /// Sends one report line to the sink (stderr by default). Any thread.
  void emit(const std::string& line);
  /// Sends a multi-line report, one line at a time, uninterrupted by other reports.
  void emit_lines(std::string_view text);

 private:
  void watch();
  /// What the watchdog last saw a worker poll, and since when.
  struct PollSighting {
    TaskHeader* task = nullptr;
    std::uint64_t poll = 0;
    std::chrono::steady_clock::time_point first_seen;
    bool reported = false;
  };
  void report_slow_polls();

  Scheduler& scheduler_;
  const std::chrono::milliseconds threshold_;
  const std::function<void(std::string_view)> sink_;
  std::mutex emit_mutex_;
  std::atomic<bool> stop_{false};
  int wake_fd_ = -1;  ///< an eventfd: stop() writes it to end the watchdog's poll
  std::unique_ptr<DumpSignal> dump_signal_;  ///< null: another runtime owns SIGUSR1
  /// What the watchdog last saw on each worker. Allocated by start(), not by the watchdog:
  /// a thread's first allocation gives it a mimalloc heap, and while a second thread has one
  /// mimalloc commits and decommits memory lazily for every thread (docs/architecture.md,
  /// "Debug mode", has the page faults it cost).
  std::vector<PollSighting> sightings_;
  std::thread thread_;
};

/// What debug mode knows of a task: recorded at spawn for named tasks, and for every task
/// spawned while debug mode is on (its spawn site in the header, its id given when it is
/// first described: debug.cpp). This is a copy.
struct TaskInfo {
  std::uint64_t id;  ///< unique; a named task's is given at spawn, another's when first described
  std::string name;
  std::source_location where;  ///< the spawn call
};

/// The info recorded for `task`, if any; a task spawned in debug mode takes its id now if it
/// has none. Any thread, while `task` cannot be freed.
std::optional<TaskInfo> find_task_info(TaskHeader* task);

/// Removes a task's entry from the side table (called when a task with kHasInfo is freed).
void forget_task_info(const TaskHeader* task) noexcept;

}  // namespace corio::detail
