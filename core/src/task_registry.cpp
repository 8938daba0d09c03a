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

void TaskRegistry::link(TaskHeader* task) noexcept {
  task->set_registry(this);
  task->prev = nullptr;
  task->next = head_;
  if (head_) head_->prev = task;
  head_ = task;
}

void TaskRegistry::unlink(TaskHeader* task) noexcept {
  if (task->prev) {
    task->prev->next = task->next;
  } else {
    head_ = task->next;
  }
  if (task->next) task->next->prev = task->prev;
  task->prev = task->next = nullptr;
  task->set_registry(nullptr);
}

void TaskRegistry::insert(TaskHeader* task) {
  if (owner_ == nullptr) {
    std::lock_guard lock(mutex_);
    link(task);
  } else {
    link(task);
  }
}

void TaskRegistry::release(TaskHeader* task) noexcept {
  if (owner_ == nullptr && !shutting_down_.load(std::memory_order_relaxed)) {
    {
      std::lock_guard lock(mutex_);
      unlink(task);
    }
    destroy_frame(task);  // outside the lock: destructors may release other tasks
    return;
  }
  if (on_owner_thread()) {
    unlink(task);
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
    unlink(task);
    destroy_frame(task);
    task = next;
  }
}

void TaskRegistry::for_each(absl::FunctionRef<void(TaskHeader*)> visit) {
  std::unique_lock<std::mutex> lock;
  if (owner_ == nullptr) lock = std::unique_lock(mutex_);
  for (TaskHeader* task = head_; task; task = task->next) visit(task);
}

TaskHeader* TaskRegistry::pop_any() noexcept {
  TaskHeader* task = head_;
  if (task) unlink(task);
  return task;
}

}  // namespace corio::detail
