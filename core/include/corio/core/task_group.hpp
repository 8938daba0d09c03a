// TaskGroup: asyncio.TaskGroup, structured concurrency. Children spawned into a group are
// awaited together; when one fails the others are cancelled.
//
//   corio::TaskGroup group;
//   group.spawn(fetch("a"));
//   group.spawn(fetch("b"));
//   co_await group.wait();   // both done; if any failed: ExceptionGroup, siblings cancelled
#pragma once

#include <exception>
#include <memory>
#include <mutex>
#include <optional>
#include <type_traits>
#include <utility>
#include <vector>

#include "corio/core/detail/scheduling.hpp"
#include "corio/core/error.hpp"
#include "corio/core/join_handle.hpp"
#include "corio/core/spawn.hpp"
#include "corio/core/task.hpp"

namespace corio {

namespace detail {

/// What a group and its children share. Children keep it alive through shared_ptr, so a
/// group destroyed early does not leave them pointing at freed memory.
class TaskGroupState {
 public:
  ~TaskGroupState();
  /// Registers a child (the group keeps a reference on it until the group is gone).
  void add(TaskHeader* child);
  /// A child finished; `failure` is null on success.
  void child_finished(std::exception_ptr failure) noexcept;
  /// Cancels every child still running.
  void cancel_all() noexcept;

  class WaitAwaiter;

 private:
  friend class WaitAwaiter;
  std::mutex mutex_;
  std::vector<TaskHeader*> children_;       // each holds one reference
  std::vector<std::exception_ptr> errors_;  // failures other than cancellation
  std::size_t running_ = 0;
  bool cancelling_ = false;  // a failure (or the owner) cancelled the rest
  Waker waiter_;
  bool has_waiter_ = false;
};

class TaskGroupState::WaitAwaiter : private CancelHook {
 public:
  explicit WaitAwaiter(TaskGroupState& state) noexcept
      : CancelHook{&WaitAwaiter::on_cancel}, state_(state) {}
  ~WaitAwaiter();
  bool await_ready() noexcept;
  bool await_suspend(std::coroutine_handle<> caller,
                     std::source_location where = std::source_location::current());
  void await_resume();

 private:
  static void on_cancel(CancelHook* hook, TaskHeader* task, std::uint32_t epoch) noexcept;
  TaskGroupState& state_;
  TaskHeader* self_ = nullptr;
  bool cancelled_ = false;
};

/// Runs a child and reports its end to the group. It lets go of the state before it
/// finishes: the state holds a reference on the child, so keeping the state alive from the
/// child's frame would be a cycle.
template <class T>
Task<T> group_child(Task<T> task, std::shared_ptr<TaskGroupState> state) {
  std::exception_ptr failure;
  if constexpr (std::is_void_v<T>) {
    try {
      co_await task;
    } catch (...) {
      failure = std::current_exception();
    }
    state->child_finished(failure);
    state.reset();
    if (failure) std::rethrow_exception(failure);
  } else {
    std::optional<T> value;
    try {
      value.emplace(co_await task);
    } catch (...) {
      failure = std::current_exception();
    }
    state->child_finished(failure);
    state.reset();
    if (failure) std::rethrow_exception(failure);
    co_return std::move(*value);
  }
}

}  // namespace detail

/// A scope for child tasks (asyncio.TaskGroup).
///
/// Suspends: wait() until every child has finished.
/// Cancellation: if a child fails with anything but CancelledError, every other child is
///   cancelled; wait() waits until all have finished unwinding, then throws ExceptionGroup
///   with every failure (first() is the first one). Cancelling the task in wait() cancels
///   the children too, and wait() then throws CancelledError (or ExceptionGroup).
/// Destruction: a group destroyed while children still run cancels them; they finish on
///   their own (nothing outlives the group unnoticed: they are cancelled).
/// Thread safety: spawn and wait from tasks; the children run on any worker.
class TaskGroup {
 public:
  TaskGroup() : state_(std::make_shared<detail::TaskGroupState>()) {}
  TaskGroup(const TaskGroup&) = delete;
  TaskGroup& operator=(const TaskGroup&) = delete;
  ~TaskGroup() { state_->cancel_all(); }

  /// Spawns `task` into the group; the returned handle may also be awaited (or dropped).
  template <class T>
  JoinHandle<T> spawn(Task<T> task) {
    JoinHandle<T> handle = corio::spawn(detail::group_child(std::move(task), state_));
    state_->add(detail::JoinHandleAccess::task(handle));
    return handle;
  }

  /// Waits for every child; throws ExceptionGroup if any failed (see the class comment).
  detail::TaskGroupState::WaitAwaiter wait() noexcept {
    return detail::TaskGroupState::WaitAwaiter(*state_);
  }

 private:
  std::shared_ptr<detail::TaskGroupState> state_;
};

}  // namespace corio
