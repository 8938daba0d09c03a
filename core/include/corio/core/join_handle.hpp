// JoinHandle<T>: the owner's view of a spawned task, what asyncio's Task object is to the
// code that created it.
//
//   corio::JoinHandle<int> h = corio::spawn(compute(7));   // runs concurrently from here on
//   ...
//   int r = co_await h;                                     // its result, or its exception
#pragma once

#include <coroutine>
#include <cstdint>
#include <source_location>
#include <utility>

#include "corio/core/detail/scheduling.hpp"
#include "corio/core/detail/task_header.hpp"
#include "corio/core/error.hpp"
#include "corio/core/task.hpp"

namespace corio {

namespace detail {
struct JoinHandleAccess;

/// What awaiting a JoinHandle does when the awaiting task is cancelled.
enum class JoinCancel : std::uint8_t {
  forward,  ///< cancel the awaited task and keep waiting for it (co_await handle)
  ignore,   ///< keep waiting; the cancellation stays pending for the next suspension point
  abandon,  ///< stop waiting and throw CancelledError; the awaited task runs on (shield)
};
}  // namespace detail

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

  /// Requests cancellation (asyncio's Task.cancel()): the task's current suspension point
  /// (or its next one, if it is running) throws CancelledError inside it; a task cancelled
  /// before its first step never runs. Returns false if the task has already finished.
  /// Cancelling twice is the same as once while the first is still pending. Any thread that
  /// owns the handle; the task may be on any worker.
  bool cancel() noexcept { return task_ && detail::request_cancel(task_); }

  /// Lets the task run on without an owner; its result is dropped. The handle becomes empty.
  void detach() noexcept {
    if (!task_) return;
    if (!consumed_ && detail::debug_active() && task_->join_complete() &&
        !(task_->state.load(std::memory_order_acquire) & detail::TaskHeader::kFrameGone)) {
      auto& promise =
          std::coroutine_handle<detail::TaskPromise<T>>::from_address(detail::frame_of(task_))
              .promise();
      if (promise.has_exception()) detail::report_unretrieved_exception(task_, promise.exception());
    }
    detail::release_ref(std::exchange(task_, nullptr));
  }

  /// False for an empty (moved-from or detached) handle.
  explicit operator bool() const noexcept { return task_ != nullptr; }

  /// Cancellation of the awaiting task is passed on to the awaited one (asyncio's
  /// semantics; use shield() to prevent it), and the awaiter then yields whatever the
  /// awaited task ends with, usually its CancelledError.
  class Awaiter : private detail::Completion, private detail::CancelHook {
   public:
    explicit Awaiter(JoinHandle& handle,
                     detail::JoinCancel policy = detail::JoinCancel::forward) noexcept
        : detail::Completion{&Awaiter::on_finished},
          detail::CancelHook{&Awaiter::on_cancel},
          handle_(handle),
          policy_(policy) {}
    Awaiter(const Awaiter&) = delete;
    Awaiter& operator=(const Awaiter&) = delete;
    ~Awaiter() {
      // Only when the awaiting frame is destroyed while suspended (runtime shutdown).
      if (registered_) handle_.task_->remove_join_waiter(static_cast<detail::Completion*>(this));
    }

    bool await_ready() const {
      handle_.check_awaitable();
      return handle_.task_->join_complete() && detail::spend_budget();
    }
    bool await_suspend(std::coroutine_handle<> caller,
                       std::source_location where = std::source_location::current()) {
      detail::TaskHeader& self = detail::require_current_task("co_await on a JoinHandle");
      detail::note_await_site(caller, where);
      // `ignore` waits whatever happens, so a cancellation already pending stays pending too
      // (select and wait_for rely on it to wait for the tasks they cancelled).
      const bool delivers_cancellation = policy_ != detail::JoinCancel::ignore;
      if (delivers_cancellation) detail::throw_if_cancelled(self);
      if (handle_.task_->join_complete()) {  // ready, but this task is out of budget
        detail::yield_for_budget(caller);
        return true;
      }
      self_ = &self;
      waker_ = delivers_cancellation
                   ? detail::begin_cancellable_wait(self, caller, detail::WaitKind::join, this)
                   : self.begin_wait(caller, detail::WaitKind::join, this);
      if (handle_.task_->add_join_waiter(static_cast<detail::Completion*>(this))) {
        registered_ = true;
        return true;
      }
      if (!handle_.task_->join_complete()) {
        // Another party is already waiting for this task (a handle shared by pointer).
        if (self.abandon_wait(waker_.epoch)) {
          throw UsageError(
              "co_await on a corio::JoinHandle that another task is already awaiting: a "
              "task's result goes to one awaiter; share it through a Channel or Event");
        }
        return true;
      }
      return !self.abandon_wait(waker_.epoch);  // finished meanwhile: go on at once
    }
    T await_resume() {
      if (registered_ && policy_ == detail::JoinCancel::abandon &&
          handle_.task_->remove_join_waiter(static_cast<detail::Completion*>(this))) {
        registered_ = false;  // woken by cancellation before the task finished
        detail::throw_cancelled(*self_);
      }
      registered_ = false;
      // A cancellation that arrived while we waited was passed to the awaited task: that
      // counts as delivered (a later one stays pending for the next suspension point).
      if (cancel_forwarded_) {
        self_->state.fetch_and(~detail::TaskHeader::kCancelled, std::memory_order_acq_rel);
      }
      return handle_.take_result();
    }

   private:
    static void on_finished(detail::Completion* self) noexcept {
      static_cast<Awaiter*>(self)->waker_.wake();
    }
    static void on_cancel(detail::CancelHook* self, detail::TaskHeader* task,
                          std::uint32_t epoch) noexcept {
      auto* awaiter = static_cast<Awaiter*>(self);
      switch (awaiter->policy_) {
        case detail::JoinCancel::forward:
          awaiter->cancel_forwarded_ = true;
          detail::request_cancel(awaiter->handle_.task_);
          break;
        case detail::JoinCancel::ignore:
          break;
        case detail::JoinCancel::abandon:
          detail::cancel_wait_default(task, epoch);
          break;
      }
    }

    detail::TaskHeader* self_ = nullptr;
    bool cancel_forwarded_ = false;

    JoinHandle& handle_;
    detail::JoinCancel policy_;
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
  /// Awaits `h` with a cancellation policy other than the default.
  template <class T>
  static typename JoinHandle<T>::Awaiter await_with(JoinHandle<T>& h, JoinCancel policy) {
    return typename JoinHandle<T>::Awaiter(h, policy);
  }
};
}  // namespace detail

}  // namespace corio
