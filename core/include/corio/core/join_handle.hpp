// JoinHandle<T>: the owner's view of a spawned task, what asyncio's Task object is to the
// code that created it.
//
//   corio::JoinHandle<int> h = corio::spawn(compute(7));   // runs concurrently from here on
//   ...
//   int r = co_await h;                                     // its result, or its exception
#pragma once

#include <coroutine>
#include <utility>

#include "corio/core/detail/scheduling.hpp"
#include "corio/core/detail/task_header.hpp"
#include "corio/core/error.hpp"
#include "corio/core/task.hpp"

namespace corio {

namespace detail {
struct JoinHandleAccess;
}

/// A handle to a spawned task. Move-only; destroying it (or detach()) lets the task run on
/// unobserved.
///
/// Suspends: `co_await handle` suspends until the task finishes, then yields its result or
///   rethrows its exception. Awaiting an already finished task does not suspend.
/// Resumes on: a worker of the awaiting task's runtime (usually the one that finished the
///   task, through its LIFO slot).
/// Thread safety: one owner at a time; the task itself runs on any worker.
/// Errors: awaiting an empty or already awaited handle throws UsageError; a task destroyed
///   by its runtime's shutdown before finishing yields CancelledError.
template <class T>
class [[nodiscard]] JoinHandle {
 public:
  JoinHandle() noexcept = default;
  explicit JoinHandle(detail::TaskHeader* task) noexcept : task_(task) {}
  JoinHandle(JoinHandle&& other) noexcept
      : task_(std::exchange(other.task_, nullptr)), consumed_(other.consumed_) {}
  JoinHandle& operator=(JoinHandle&& other) noexcept {
    if (this != &other) {
      detach();
      task_ = std::exchange(other.task_, nullptr);
      consumed_ = other.consumed_;
    }
    return *this;
  }
  JoinHandle(const JoinHandle&) = delete;
  JoinHandle& operator=(const JoinHandle&) = delete;
  ~JoinHandle() { detach(); }

  /// True once the task has finished (with a value, an exception or by cancellation).
  bool is_done() const noexcept { return task_ && task_->join_complete(); }

  /// Lets the task run on without an owner; its result is dropped. The handle becomes empty.
  void detach() noexcept {
    if (task_) detail::release_ref(std::exchange(task_, nullptr));
  }

  /// False for an empty (moved-from or detached) handle.
  explicit operator bool() const noexcept { return task_ != nullptr; }

  class Awaiter : private detail::Completion {
   public:
    explicit Awaiter(JoinHandle& handle) noexcept
        : detail::Completion{&Awaiter::on_finished}, handle_(handle) {}
    Awaiter(const Awaiter&) = delete;
    Awaiter& operator=(const Awaiter&) = delete;
    ~Awaiter() {
      // Only when the awaiting frame is destroyed while suspended (runtime shutdown).
      if (registered_) handle_.task_->remove_join_waiter(this);
    }

    bool await_ready() const {
      handle_.check_awaitable();
      return handle_.task_->join_complete();
    }
    bool await_suspend(std::coroutine_handle<> caller) {
      detail::TaskHeader& self = detail::require_current_task("co_await on a JoinHandle");
      waker_ = self.begin_wait(caller);
      if (handle_.task_->add_join_waiter(this)) {
        registered_ = true;
        return true;
      }
      return !self.abandon_wait(waker_.epoch);  // finished meanwhile: go on at once
    }
    T await_resume() {
      registered_ = false;
      return handle_.take_result();
    }

   private:
    static void on_finished(detail::Completion* self) noexcept {
      static_cast<Awaiter*>(self)->waker_.wake();
    }

    JoinHandle& handle_;
    detail::Waker waker_;
    bool registered_ = false;
  };

  Awaiter operator co_await() & noexcept { return Awaiter(*this); }
  Awaiter operator co_await() && noexcept { return Awaiter(*this); }

 private:
  friend struct detail::JoinHandleAccess;

  void check_awaitable() const {
    if (!task_) {
      throw UsageError(
          "co_await on an empty corio::JoinHandle: it was moved from or detached; await the "
          "handle that now owns the task");
    }
    if (consumed_) {
      throw UsageError(
          "co_await on a corio::JoinHandle whose result was already taken: a handle yields "
          "its result once; keep the value from the first co_await");
    }
  }

  /// Requires is_done(). Moves the result out or rethrows the task's exception.
  T take_result() {
    consumed_ = true;
    if (task_->state.load(std::memory_order_acquire) & detail::TaskHeader::kFrameGone) {
      throw CancelledError("the task was cancelled: its runtime shut down before it finished");
    }
    using Promise = detail::TaskPromise<T>;
    return std::coroutine_handle<Promise>::from_address(detail::frame_of(task_))
        .promise()
        .take_result();
  }

  detail::TaskHeader* task_ = nullptr;
  bool consumed_ = false;
};

namespace detail {
/// Lets corio's own awaitables (gather, Runtime::block_on) reach a handle's task and result.
struct JoinHandleAccess {
  template <class T>
  static TaskHeader* task(const JoinHandle<T>& h) noexcept {
    return h.task_;
  }
  template <class T>
  static void check_awaitable(const JoinHandle<T>& h) {
    h.check_awaitable();
  }
  template <class T>
  static T take_result(JoinHandle<T>& h) {
    return h.take_result();
  }
};
}  // namespace detail

}  // namespace corio
