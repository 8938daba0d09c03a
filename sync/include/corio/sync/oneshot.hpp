// Oneshot<T>: one value from one sender to one receiver (Tokio's oneshot; an asyncio Future
// that someone else resolves).
//
//   auto [tx, rx] = corio::Oneshot<int>::make();
//   corio::spawn(compute(std::move(tx))).detach();     // calls tx.send(42) once
//   int v = co_await rx.recv();                        // 42
//
// The two halves share one small heap state (one allocation per pair). A sender destroyed
// without sending closes the pair: the receiver gets OneshotClosed instead of waiting
// forever. The receiver's wait is a node of the shared waiting engine in its frame.
#pragma once

#include <coroutine>
#include <memory>
#include <mutex>
#include <optional>
#include <source_location>
#include <utility>

#include "corio/core/detail/scheduling.hpp"
#include "corio/core/error.hpp"
#include "corio/core/task.hpp"
#include "corio/sync/detail/waiter_queue.hpp"

namespace corio {

/// The sender of a Oneshot was destroyed without sending: no value will ever come.
class OneshotClosed : public Error {
 public:
  OneshotClosed() : Error("corio::Oneshot: the sender was destroyed without sending a value") {}
  using Error::Error;
};

template <class T>
class OneshotSender;
template <class T>
class OneshotReceiver;

namespace detail {
template <class T>
struct OneshotState {
  std::mutex mutex;
  std::optional<T> value;      ///< guarded by mutex
  bool sent = false;           ///< send() was called (the value may since have been taken)
  bool taken = false;          ///< the receiver took the value
  bool sender_gone = false;    ///< the sender was destroyed without sending
  bool receiver_gone = false;  ///< the receiver was destroyed
  WaiterQueue waiters;         ///< the receiver's task or thread, at most one

  /// Under mutex: the receiver may stop waiting.
  bool ready() const noexcept { return value.has_value() || sender_gone || taken; }
  void wake(WakeBatch& batch) noexcept {
    while (Waiter* w = waiters.pop_front()) WaiterQueue::complete(w, batch);
  }
  /// Under mutex, once ready(): the value, or why there is none.
  T take() {
    if (taken) {
      throw UsageError(
          "corio::OneshotReceiver: the value was already received; a oneshot "
          "carries one value");
    }
    if (!value) throw OneshotClosed();
    taken = true;
    T v = std::move(*value);
    value.reset();
    return v;
  }
};
}  // namespace detail

/// Namespace of the pair's factory: `auto [tx, rx] = corio::Oneshot<T>::make();`.
template <class T>
struct Oneshot {
  using Sender = OneshotSender<T>;
  using Receiver = OneshotReceiver<T>;
  /// A connected sender and receiver. Errors: std::bad_alloc.
  static std::pair<Sender, Receiver> make() {
    auto state = std::make_shared<detail::OneshotState<T>>();
    return {Sender(state), Receiver(std::move(state))};
  }
};

/// The sending half of a Oneshot. Move-only.
/// Thread safety: send() from any thread, worker or not; one owner at a time.
template <class T>
class OneshotSender {
 public:
  OneshotSender() noexcept = default;
  OneshotSender(OneshotSender&&) noexcept = default;
  OneshotSender& operator=(OneshotSender&& other) noexcept {
    if (this != &other) {
      close();
      state_ = std::move(other.state_);
    }
    return *this;
  }
  ~OneshotSender() { close(); }

  /// Delivers the value and wakes the receiver. Returns false if the receiver is gone (the
  /// value is dropped). Any thread.
  /// Errors: UsageError when called twice, or on an empty (moved-from) sender.
  bool send(T value) {
    if (!state_) throw UsageError("corio::OneshotSender::send on an empty (moved-from) sender");
    detail::WakeBatch batch;
    std::lock_guard lock(state_->mutex);
    if (state_->sent) {
      throw UsageError(
          "corio::OneshotSender::send called twice: a oneshot carries one value; "
          "use a Channel or Watch for more");
    }
    state_->sent = true;
    if (state_->receiver_gone) return false;
    state_->value.emplace(std::move(value));
    state_->wake(batch);
    return true;
  }

  /// True once the receiver was destroyed (a send would be dropped).
  bool is_closed() const noexcept {
    if (!state_) return true;
    std::lock_guard lock(state_->mutex);
    return state_->receiver_gone;
  }

 private:
  friend struct Oneshot<T>;
  explicit OneshotSender(std::shared_ptr<detail::OneshotState<T>> s) noexcept
      : state_(std::move(s)) {}
  void close() noexcept {
    if (!state_) return;
    {
      detail::WakeBatch batch;
      std::lock_guard lock(state_->mutex);
      if (!state_->sent) {
        state_->sender_gone = true;
        state_->wake(batch);
      }
    }
    state_.reset();
  }
  std::shared_ptr<detail::OneshotState<T>> state_;
};

/// The receiving half of a Oneshot. Move-only.
/// Thread safety: recv() from a task, recv_blocking() from a plain thread, try_recv() from
///   any thread; one owner at a time.
template <class T>
class OneshotReceiver {
 public:
  OneshotReceiver() noexcept = default;
  OneshotReceiver(OneshotReceiver&&) noexcept = default;
  OneshotReceiver& operator=(OneshotReceiver&& other) noexcept {
    if (this != &other) {
      close();
      state_ = std::move(other.state_);
    }
    return *this;
  }
  ~OneshotReceiver() { close(); }

  class [[nodiscard]] RecvAwaiter {
   public:
    explicit RecvAwaiter(detail::OneshotState<T>* s) noexcept : state_(s) {}
    RecvAwaiter(const RecvAwaiter&) = delete;
    RecvAwaiter& operator=(const RecvAwaiter&) = delete;
    // Only a frame destroyed while suspended (runtime shutdown) is still queued.
    ~RecvAwaiter() { state_->waiters.leave(state_->mutex, &waiter_); }

    bool await_ready() const noexcept { return false; }
    bool await_suspend(std::coroutine_handle<> caller,
                       std::source_location where = std::source_location::current()) {
      detail::note_await_site(caller, where);
      detail::TaskHeader& task =
          detail::require_current_task("co_await corio::OneshotReceiver::recv()");
      detail::throw_if_cancelled(task);
      std::lock_guard lock(state_->mutex);
      if (state_->ready()) return false;
      if (!state_->waiters.empty()) {
        throw UsageError(
            "corio::OneshotReceiver::recv awaited twice at once: one receiver, "
            "one waiter");
      }
      if (!waiter_.arm(task, caller, detail::WaitKind::oneshot_recv)) detail::throw_cancelled(task);
      state_->waiters.push_back(&waiter_);
      return true;
    }
    T await_resume() {
      std::unique_lock lock(state_->mutex);
      if (state_->waiters.remove(&waiter_)) {  // not completed: a cancellation woke us
        lock.unlock();
        detail::throw_cancelled(*waiter_.task());
      }
      return state_->take();
    }

   private:
    detail::OneshotState<T>* state_;
    detail::Waiter waiter_;
  };

  /// Waits for the value and returns it.
  /// Suspends: until the sender sends or is destroyed. Resumes on: a worker of the
  ///   receiving task's runtime.
  /// Cancellation: throws CancelledError and leaves the value (if it comes) for a later
  ///   recv(); if the value had arrived first, returns it and the cancellation stays pending.
  /// Errors: OneshotClosed when the sender was destroyed without sending; UsageError when the
  ///   value was already received, for an empty receiver, or outside a corio task.
  RecvAwaiter recv() {
    check();
    return RecvAwaiter(state_.get());
  }

  /// The value if it has arrived (nullopt if not yet). Any thread.
  /// Errors: as recv().
  std::optional<T> try_recv() {
    check();
    std::lock_guard lock(state_->mutex);
    if (!state_->ready()) return std::nullopt;
    return state_->take();
  }

  /// Blocks the calling plain thread until the value arrives and returns it.
  /// Errors: as recv(); UsageError on a runtime worker (co_await recv() there instead).
  T recv_blocking() {
    check();
    if (detail::on_runtime_worker()) {
      throw UsageError(
          "corio::OneshotReceiver::recv_blocking() on a runtime worker would "
          "stall it: co_await recv() instead");
    }
    detail::Waiter waiter;
    {
      std::lock_guard lock(state_->mutex);
      if (state_->ready()) return state_->take();
      state_->waiters.push_back(&waiter);
    }
    waiter.wait_blocking();
    std::lock_guard lock(state_->mutex);
    return state_->take();
  }

 private:
  friend struct Oneshot<T>;
  explicit OneshotReceiver(std::shared_ptr<detail::OneshotState<T>> s) noexcept
      : state_(std::move(s)) {}
  void check() const {
    if (!state_) throw UsageError("corio::OneshotReceiver used after a move: use the new owner");
  }
  void close() noexcept {
    if (!state_) return;
    {
      std::lock_guard lock(state_->mutex);
      state_->receiver_gone = true;
      state_->value.reset();
    }
    state_.reset();
  }
  std::shared_ptr<detail::OneshotState<T>> state_;
};

}  // namespace corio
