// TaskGroup's shared state: children, failures, and the one waiter (task_group.hpp).
#include "corio/core/task_group.hpp"

namespace corio::detail {

TaskGroupState::~TaskGroupState() {
  for (TaskHeader* child : children_) release_ref(child);
}

void TaskGroupState::add(TaskHeader* child) {
  child->refs.fetch_add(1, std::memory_order_relaxed);
  bool cancel_now;
  {
    std::lock_guard lock(mutex_);
    children_.push_back(child);
    ++running_;
    cancel_now = cancelling_;
  }
  if (cancel_now) request_cancel(child);  // the group is already failing
}

void TaskGroupState::child_finished(std::exception_ptr failure) noexcept {
  bool failed = false;
  try {
    if (failure) std::rethrow_exception(failure);
  } catch (const CancelledError&) {
  } catch (...) {
    failed = true;
  }
  bool cancel_rest = false;
  Waker waiter;
  bool wake = false;
  {
    std::lock_guard lock(mutex_);
    if (failed) {
      errors_.push_back(failure);
      cancel_rest = !cancelling_;
      cancelling_ = true;
    }
    if (--running_ == 0 && has_waiter_) {
      has_waiter_ = false;
      waiter = waiter_;
      wake = true;
    }
    // Wake under the lock: the waiter cannot finish (and free this state's owner) while we
    // still touch it.
    if (wake) waiter.wake();
  }
  if (cancel_rest) cancel_all();
}

void TaskGroupState::cancel_all() noexcept {
  std::vector<TaskHeader*> children;
  {
    std::lock_guard lock(mutex_);
    cancelling_ = true;
    children = children_;
  }
  for (TaskHeader* child : children) request_cancel(child);
}

TaskGroupState::WaitAwaiter::~WaitAwaiter() {
  std::lock_guard lock(state_.mutex_);
  state_.has_waiter_ = false;
}

bool TaskGroupState::WaitAwaiter::await_ready() noexcept {
  std::lock_guard lock(state_.mutex_);
  return state_.running_ == 0;
}

bool TaskGroupState::WaitAwaiter::await_suspend(std::coroutine_handle<> caller,
                                                std::source_location where) {
  self_ = &require_current_task("co_await TaskGroup::wait()");
  note_await_site(caller, where);
  if (cancellation_pending(*self_)) {
    cancelled_ = true;  // cancelled before waiting: cancel the children, then wait for them
    state_.cancel_all();
  }
  std::lock_guard lock(state_.mutex_);
  if (state_.running_ == 0) return false;
  if (state_.has_waiter_) {
    throw UsageError("TaskGroup::wait() awaited by two tasks at once; await it from one");
  }
  std::uint32_t prior;
  state_.waiter_ = self_->begin_wait(caller, WaitKind::task_group, this, &prior);
  state_.has_waiter_ = true;
  if ((prior & TaskHeader::kCancelled) && !cancelled_) {
    // Cancelled just before the wait opened (no hook ran): pass it on as the hook would.
    cancelled_ = true;
    std::vector<TaskHeader*> children = state_.children_;
    for (TaskHeader* child : children) request_cancel(child);
  }
  return true;
}

void TaskGroupState::WaitAwaiter::on_cancel(CancelHook* hook, TaskHeader*, std::uint32_t) noexcept {
  auto* self = static_cast<WaitAwaiter*>(hook);
  self->cancelled_ = true;
  self->state_.cancel_all();  // the wait goes on until the children have finished
}

void TaskGroupState::WaitAwaiter::await_resume() {
  std::vector<std::exception_ptr> errors;
  {
    std::lock_guard lock(state_.mutex_);
    errors = state_.errors_;
  }
  if (!errors.empty()) {
    if (cancelled_) self_->state.fetch_and(~TaskHeader::kCancelled, std::memory_order_acq_rel);
    throw ExceptionGroup(std::move(errors));
  }
  if (cancelled_) throw_cancelled(*self_);
}

}  // namespace corio::detail
