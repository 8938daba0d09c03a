// TaskRegistry: see task_registry.hpp.
#include "task_registry.hpp"

#include <coroutine>

#include "worker.hpp"

namespace corio::detail {

void destroy_frame(TaskHeader* task) noexcept {
  std::coroutine_handle<>::from_address(frame_of(task)).destroy();
}

bool TaskRegistry::on_owner_thread() const noexcept {
  return shutting_down_.load(std::memory_order_relaxed) ||
         (owner_ != nullptr && Worker::current() == owner_);
}

void TaskRegistry::add(TaskHeader* task) {
  task->registry_slot = static_cast<std::uint32_t>(tasks_.size());
  tasks_.push_back(task);
  task->set_registry(this);
}

void TaskRegistry::remove(TaskHeader* task) noexcept {
  TaskHeader* last = tasks_.back();
  tasks_[task->registry_slot] = last;
  last->registry_slot = task->registry_slot;
  tasks_.pop_back();
  task->set_registry(nullptr);
}

void TaskRegistry::insert(TaskHeader* task) {
  if (owner_ == nullptr) {
    std::lock_guard lock(mutex_);
    add(task);
  } else {
    add(task);
  }
}

void TaskRegistry::release(TaskHeader* task) noexcept {
  if (owner_ == nullptr && !shutting_down_.load(std::memory_order_relaxed)) {
    {
      std::lock_guard lock(mutex_);
      remove(task);
    }
    destroy_frame(task);  // outside the lock: destructors may release other tasks
    return;
  }
  if (on_owner_thread()) {
    remove(task);
    destroy_frame(task);
    return;
  }
  TaskHeader* head = remote_.load(std::memory_order_relaxed);
  do {
    task->remote_next = head;
  } while (!remote_.compare_exchange_weak(head, task, std::memory_order_release,
                                          std::memory_order_relaxed));
}

void TaskRegistry::drain_remote() noexcept {
  if (remote_.load(std::memory_order_relaxed) == nullptr) return;
  TaskHeader* task = remote_.exchange(nullptr, std::memory_order_acquire);
  while (task) {
    TaskHeader* next = task->remote_next;
    remove(task);
    destroy_frame(task);
    task = next;
  }
}

void TaskRegistry::for_each(absl::FunctionRef<void(TaskHeader*)> visit) {
  std::unique_lock<std::mutex> lock;
  if (owner_ == nullptr) lock = std::unique_lock(mutex_);
  for (TaskHeader* task : tasks_) visit(task);
}

TaskHeader* TaskRegistry::pop_any() noexcept {
  if (tasks_.empty()) return nullptr;
  TaskHeader* task = tasks_.back();
  remove(task);
  return task;
}

}  // namespace corio::detail
