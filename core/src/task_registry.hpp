// TaskRegistry: the live tasks of one worker (or, shared and locked, those spawned from
// outside the runtime), so that a runtime shutting down can destroy every unfinished task,
// including those waiting on something that will never happen.
//
// A worker's registry is a plain array of task pointers that only its worker touches: a task
// knows its index (TaskHeader::registry_slot), insertion appends and removal moves the last
// task into the hole, so neither costs an atomic operation. An array rather than links in
// the header: 8 bytes per task instead of 16, and the header fits in 48 bytes (bench B10).
// A task released on another thread is pushed onto the registry's lock-free `remote` stack
// instead (one CAS), and the owner removes and frees it at its next maintenance tick or
// before it parks.
#pragma once

#include <absl/functional/function_ref.h>

#include <atomic>
#include <mutex>
#include <vector>

#include "corio/core/detail/task_header.hpp"

namespace corio::detail {

class Scheduler;
class Worker;

class TaskRegistry {
 public:
  /// `owner` is the worker whose thread may touch the list without a lock; null for the
  /// shared registry, which locks.
  TaskRegistry(Scheduler& scheduler, const Worker* owner) : scheduler_(scheduler), owner_(owner) {}
  TaskRegistry(const TaskRegistry&) = delete;
  TaskRegistry& operator=(const TaskRegistry&) = delete;

  Scheduler& scheduler() const noexcept { return scheduler_; }

  /// Adds a newly spawned task. Owner thread only (any thread for the shared registry).
  /// Throws std::bad_alloc if the array cannot grow.
  void insert(TaskHeader* task);
  /// The task's last reference is gone: unlink and destroy it now when the calling thread
  /// may, else hand it to the owner. Any thread.
  void release(TaskHeader* task) noexcept;
  /// Owner: frees the tasks released on other threads.
  void drain_remote() noexcept;

  /// Calls `visit` for every task in the registry, finished or not. Only while the owner cannot
  /// touch the list: with the world stopped (stop_the_world.hpp). The shared registry locks.
  void for_each(absl::FunctionRef<void(TaskHeader*)> visit);

  /// Shutdown, after the workers have stopped: from now on the calling thread acts as the
  /// owner of every registry.
  void begin_shutdown() noexcept { shutting_down_.store(true, std::memory_order_relaxed); }
  /// Shutdown: removes and returns some task of the registry, or null when it is empty.
  TaskHeader* pop_any() noexcept;

 private:
  void add(TaskHeader* task);
  void remove(TaskHeader* task) noexcept;
  bool on_owner_thread() const noexcept;

  Scheduler& scheduler_;
  const Worker* const owner_;
  std::atomic<bool> shutting_down_{false};
  std::mutex mutex_;                // the shared registry only
  std::vector<TaskHeader*> tasks_;  // tasks_[t->registry_slot] == t
  std::atomic<TaskHeader*> remote_{nullptr};
};

/// Destroys the coroutine frame of a header whose references are all gone.
void destroy_frame(TaskHeader* task) noexcept;

}  // namespace corio::detail
