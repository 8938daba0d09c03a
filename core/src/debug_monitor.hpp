// DebugMonitor: a runtime's debug mode: the watchdog thread that reports slow polls, and the
// sink reports go to (debug.hpp describes the reports).
#pragma once

#include <chrono>
#include <condition_variable>
#include <functional>
#include <mutex>
#include <string>
#include <string_view>
#include <thread>

#include "corio/core/detail/task_header.hpp"

namespace corio::detail {

class Scheduler;

class DebugMonitor {
 public:
  DebugMonitor(Scheduler& scheduler, std::chrono::milliseconds threshold,
               std::function<void(std::string_view)> sink);
  ~DebugMonitor();
  DebugMonitor(const DebugMonitor&) = delete;
  DebugMonitor& operator=(const DebugMonitor&) = delete;

  /// Starts the watchdog (once the workers exist) / stops and joins it (before they go).
  void start();
  void stop();

  /// Sends one report line to the sink (stderr by default). Any thread.
  void emit(const std::string& line);

 private:
  void watch();

  Scheduler& scheduler_;
  const std::chrono::milliseconds threshold_;
  const std::function<void(std::string_view)> sink_;
  std::mutex emit_mutex_;
  std::mutex mutex_;
  std::condition_variable cv_;
  bool stop_ = false;
  std::thread thread_;
};

/// Removes a task's entry from the info table (called when a task with kHasInfo is freed).
void forget_task_info(const TaskHeader* task) noexcept;

}  // namespace corio::detail
