// as_completed(): asyncio.as_completed. Runs tasks concurrently and hands out their results
// in the order they finish.
//
//   auto done = corio::as_completed(std::move(tasks));
//   while (std::optional<Page> page = co_await done.next()) show(*page);
#pragma once

#include <cstddef>
#include <memory>
#include <mutex>
#include <optional>
#include <type_traits>
#include <utility>
#include <vector>

#include "corio/core/detail/scheduling.hpp"
#include "corio/core/join_handle.hpp"
#include "corio/core/spawn.hpp"
#include "corio/core/task.hpp"

namespace corio {

/// The results of a set of tasks in completion order. Created by as_completed(); not
/// movable (its children point at it). Dropping it detaches the tasks not yet handed out.
///
/// Suspends: next() until some task has finished.
/// Cancellation: next() throws CancelledError; no result is lost (it stays for a later
///   next()), and the tasks keep running.
/// Errors: next() rethrows the exception of the task it hands out.
/// Thread safety: one task calls next(); children finish on any worker.
template <class T>
class AsCompleted {
  static_assert(!std::is_void_v<T>, "as_completed needs tasks that return a value");

 public:
  explicit AsCompleted(std::vector<Task<T>> tasks) {
    handles_.reserve(tasks.size());
    finished_.reserve(tasks.size());  // so a finishing child never allocates
    for (Task<T>& t : tasks) handles_.push_back(detail::spawn_in_turn(std::move(t)));
    nodes_ = std::make_unique<Node[]>(handles_.size());
    for (std::size_t i = 0; i < handles_.size(); ++i) {
      nodes_[i].owner = this;
      nodes_[i].index = i;
      if (!detail::JoinHandleAccess::task(handles_[i])->add_join_waiter(&nodes_[i])) {
        std::lock_guard lock(mutex_);
        finished_.push_back(i);
      }
    }
  }
  AsCompleted(const AsCompleted&) = delete;
  AsCompleted& operator=(const AsCompleted&) = delete;
  ~AsCompleted() {
    // Not under mutex_: a child notifying us may need it, and removal waits for that.
    for (std::size_t i = 0; i < handles_.size(); ++i) {
      detail::JoinHandleAccess::task(handles_[i])->remove_join_waiter(&nodes_[i]);
    }
  }

  /// How many results have not been handed out yet.
  std::size_t remaining() const noexcept { return handles_.size() - handed_out_; }

  class NextAwaiter {
   public:
    explicit NextAwaiter(AsCompleted& owner) noexcept : owner_(owner) {}
    bool await_ready() {
      std::lock_guard lock(owner_.mutex_);
      return owner_.handed_out_ < owner_.finished_.size() ||
             owner_.handed_out_ == owner_.handles_.size();
    }
    bool await_suspend(std::coroutine_handle<> caller,
                       std::source_location where = std::source_location::current()) {
      self_ = &detail::require_current_task("co_await AsCompleted::next()");
      detail::note_await_site(caller, where);
      detail::throw_if_cancelled(*self_);
      std::lock_guard lock(owner_.mutex_);
      if (owner_.handed_out_ < owner_.finished_.size()) return false;
      owner_.waiter_ =
          detail::begin_cancellable_wait(*self_, caller, detail::WaitKind::as_completed);
      owner_.has_waiter_ = true;
      return true;
    }
    std::optional<T> await_resume() {
      std::size_t index;
      {
        std::lock_guard lock(owner_.mutex_);
        owner_.has_waiter_ = false;
        if (owner_.handed_out_ == owner_.handles_.size()) return std::nullopt;
        if (owner_.handed_out_ == owner_.finished_.size()) {
          detail::throw_cancelled(*self_);  // woken by cancellation, nothing finished
        }
        index = owner_.finished_[owner_.handed_out_++];
      }
      return detail::JoinHandleAccess::take_result(owner_.handles_[index]);
    }

   private:
    AsCompleted& owner_;
    detail::TaskHeader* self_ = nullptr;
  };

  /// The next result in completion order, or std::nullopt once all were handed out.
  NextAwaiter next() noexcept { return NextAwaiter(*this); }

 private:
  struct Node : detail::Completion {
    Node() noexcept : detail::Completion{&AsCompleted::on_finished} {}
    AsCompleted* owner = nullptr;
    std::size_t index = 0;
  };

  static void on_finished(detail::Completion* c) noexcept {
    auto* node = static_cast<Node*>(c);
    AsCompleted& owner = *node->owner;
    std::lock_guard lock(owner.mutex_);
    owner.finished_.push_back(node->index);
    if (owner.has_waiter_) {
      owner.has_waiter_ = false;
      owner.waiter_.wake();  // under the lock: the waiter re-checks under it
    }
  }

  std::vector<JoinHandle<T>> handles_;
  std::unique_ptr<Node[]> nodes_;
  std::mutex mutex_;
  std::vector<std::size_t> finished_;  ///< indices in completion order
  std::size_t handed_out_ = 0;         ///< finished_[0, handed_out_) were returned
  detail::Waker waiter_;
  bool has_waiter_ = false;
};

/// asyncio.as_completed: spawns every task now and returns their results in the order they
/// finish (see AsCompleted). Call from a corio task.
template <class T>
AsCompleted<T> as_completed(std::vector<Task<T>> tasks) {
  return AsCompleted<T>(std::move(tasks));
}

}  // namespace corio
