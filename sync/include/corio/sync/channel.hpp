// Channel<T>: a multi-producer multi-consumer channel, a copyable handle to shared state like
// a Go channel; what asyncio.Queue is to asyncio code, but safe across workers and plain
// threads.
//
//   corio::Channel<int> ch = corio::Channel<int>::bounded(64);
//   corio::spawn(producer(ch));                      // co_await ch.send(i); ... ch.close();
//   while (std::optional<int> v = co_await ch.recv()) consume(*v);
//
// Values live in a lock-free ring (bounded) or a locked deque (unbounded); a side takes the
// channel's mutex only to sleep, or when the other side has sleepers. docs/channels.md
// explains the design and its memory orderings.
#pragma once

#include <algorithm>
#include <atomic>
#include <coroutine>
#include <cstddef>
#include <cstdint>
#include <deque>
#include <memory>
#include <mutex>
#include <new>
#include <optional>
#include <source_location>
#include <type_traits>
#include <utility>

#include "corio/core/detail/cpu_relax.hpp"
#include "corio/core/detail/scheduling.hpp"
#include "corio/core/detail/task_header.hpp"
#include "corio/core/error.hpp"
#include "corio/core/task.hpp"
#include "corio/sync/detail/waiter_queue.hpp"

namespace corio {

/// Sending on a closed channel. Catch this to handle any channel; the thrown object is a
/// ChannelClosedWith<T>, which carries the value that was not sent.
class ChannelClosed : public Error {
 public:
  ChannelClosed();
  using Error::Error;
};

/// The ChannelClosed thrown by Channel<T>::send: the value that could not be sent comes back.
template <class T>
class ChannelClosedWith : public ChannelClosed {
 public:
  explicit ChannelClosedWith(T value) : value_(std::make_shared<T>(std::move(value))) {}
  /// The value the failed send was given.
  T& value() const noexcept { return *value_; }

 private:
  std::shared_ptr<T> value_;  // shared: exception objects must be copyable, T need not be
};

namespace detail {

/// Throws UsageError: `what` blocks the thread and was called on a runtime worker.
[[noreturn]] void throw_blocking_on_worker(const char* what);
/// Throws UsageError: a bounded channel needs a capacity of at least 1.
[[noreturn]] void throw_bad_channel_capacity();
/// Spins politely: a CPU pause, and after a while a yield of the thread.
void channel_backoff(unsigned& spins) noexcept;

enum class PushResult : std::uint8_t { ok, full, closed };

/// Bounded MPMC ring after Dmitry Vyukov: each cell carries a sequence number that says
/// whose turn it is: a producer's at position pos when seq == 2·pos, a consumer's when
/// seq == 2·pos + 1. (Vyukov's seq == pos / pos + 1 cannot tell the laps apart at capacity
/// 1; doubling can.)
/// The closed flag is the top bit of the enqueue position, so a send and close() are
/// ordered by that one word: nothing is accepted after close.
template <class T>
class ChannelRing {
 public:
  static constexpr std::uint64_t kClosed = std::uint64_t{1} << 63;

  explicit ChannelRing(std::size_t capacity)
      : cap_(capacity),
        pow2_((capacity & (capacity - 1)) == 0),
        cells_(static_cast<Cell*>(::operator new(cells_bytes(capacity), kCellsAlign))) {
    for (std::size_t i = 0; i < cap_; ++i) new (&cells_[i]) Cell(2 * i);
  }
  ChannelRing(const ChannelRing&) = delete;
  ChannelRing& operator=(const ChannelRing&) = delete;
  ~ChannelRing() {
    std::uint64_t tail = tail_.load(std::memory_order_relaxed) & ~kClosed;
    for (std::uint64_t p = head_.load(std::memory_order_relaxed); p < tail; ++p) {
      cell(p).value()->~T();
    }
    for (std::size_t i = 0; i < cap_; ++i) cells_[i].~Cell();
    ::operator delete(cells_, cells_bytes(cap_), kCellsAlign);
  }

  std::size_t capacity() const noexcept { return cap_; }

  /// Moves from `v` only on success. Memory ordering: the successful CAS on the tail is
  /// seq_cst, the first half of the sleeper handshake (see Channel's State).
  PushResult try_push(T& v) noexcept(std::is_nothrow_move_constructible_v<T>) {
    std::uint64_t pos = tail_.load(std::memory_order_relaxed);
    unsigned delay = kMinBackoff;
    for (;;) {
      if (pos & kClosed) return PushResult::closed;
      Cell& c = cell(pos);
      std::uint64_t seq = c.seq.load(std::memory_order_acquire);
      auto diff = static_cast<std::int64_t>(seq - 2 * pos);
      if (diff == 0) {
        if (tail_.compare_exchange_weak(pos, pos + 1, std::memory_order_seq_cst,
                                        std::memory_order_relaxed)) {
          new (c.storage) T(std::move(v));
          c.seq.store(2 * pos + 1, std::memory_order_release);  // publishes the value
          return PushResult::ok;
        }
        back_off(delay);
        pos = tail_.load(std::memory_order_relaxed);
      } else if (diff < 0) {
        return PushResult::full;  // the cell still holds the value from one lap ago
      } else {
        pos = tail_.load(std::memory_order_relaxed);
      }
    }
  }

  /// Pops the oldest published value into `out`. False when none is published.
  bool try_pop(std::optional<T>& out) noexcept(std::is_nothrow_move_constructible_v<T>) {
    std::uint64_t pos = head_.load(std::memory_order_relaxed);
    unsigned delay = kMinBackoff;
    for (;;) {
      Cell& c = cell(pos);
      std::uint64_t seq = c.seq.load(std::memory_order_acquire);
      auto diff = static_cast<std::int64_t>(seq - (2 * pos + 1));
      if (diff == 0) {
        if (head_.compare_exchange_weak(pos, pos + 1, std::memory_order_seq_cst,
                                        std::memory_order_relaxed)) {
          T* v = c.value();
          out.emplace(std::move(*v));
          v->~T();
          c.seq.store(2 * (pos + cap_), std::memory_order_release);  // free for the next lap
          return true;
        }
        back_off(delay);
        pos = head_.load(std::memory_order_relaxed);
      } else if (diff < 0) {
        return false;
      } else {
        pos = head_.load(std::memory_order_relaxed);
      }
    }
  }

  /// Second half of the handshake for a receiver that announced itself (seq_cst RMW on the
  /// waiter count): true when every value whose push it may not be told about has already
  /// been claimed by some receiver, so sleeping is safe. False: a value is published or
  /// being published; try again.
  bool drained() const noexcept {
    std::uint64_t tail = tail_.load(std::memory_order_seq_cst) & ~kClosed;
    return head_.load(std::memory_order_seq_cst) >= tail;
  }
  /// The same for a sender: true when every cell is taken by a pushed, unclaimed value.
  bool saturated() const noexcept {
    std::uint64_t head = head_.load(std::memory_order_seq_cst);
    std::uint64_t tail = tail_.load(std::memory_order_seq_cst) & ~kClosed;
    return tail - head >= cap_;
  }

  bool closed() const noexcept { return tail_.load(std::memory_order_acquire) & kClosed; }
  /// Sets the closed bit; true for the call that set it.
  bool close() noexcept { return !(tail_.fetch_or(kClosed, std::memory_order_seq_cst) & kClosed); }
  std::size_t size() const noexcept {
    std::uint64_t head = head_.load(std::memory_order_acquire);
    std::uint64_t tail = tail_.load(std::memory_order_acquire) & ~kClosed;
    return tail > head ? std::min<std::uint64_t>(tail - head, cap_) : 0;
  }

 private:
  struct Cell {
    explicit Cell(std::uint64_t s) noexcept : seq(s) {}
    std::atomic<std::uint64_t> seq;
    alignas(T) unsigned char storage[sizeof(T)];
    T* value() noexcept { return std::launder(reinterpret_cast<T*>(storage)); }
  };
  // The cells have their cache lines to themselves: a neighbouring allocation's writes would
  // slow every push and pop.
  static constexpr std::align_val_t kCellsAlign{64};
  static std::size_t cells_bytes(std::size_t capacity) noexcept {
    constexpr auto line = static_cast<std::size_t>(kCellsAlign);
    return (sizeof(Cell) * capacity + line - 1) / line * line;
  }
  // A lost CAS means another thread works on the same end of the ring. Retrying at once
  // makes the position's cache line bounce between the cores on every operation (B5 with
  // senders and receivers on both workers fell to a tenth of its one-worker throughput);
  // waiting a little, longer after each loss, lets the winner run a streak with the line
  // in its cache. docs/channels.md has the measurements.
  static constexpr unsigned kMinBackoff = 4;
  static constexpr unsigned kMaxBackoff = 64;
  static void back_off(unsigned& delay) noexcept {
    for (unsigned i = 0; i < delay; ++i) cpu_relax();
    delay = std::min(2 * delay, kMaxBackoff);
  }

  Cell& cell(std::uint64_t pos) const noexcept {
    return cells_[pow2_ ? (pos & (cap_ - 1)) : (pos % cap_)];
  }

  const std::size_t cap_;
  const bool pow2_;
  Cell* const cells_;
  alignas(64) std::atomic<std::uint64_t> tail_{0};  // next push position | kClosed
  alignas(64) std::atomic<std::uint64_t> head_{0};  // next pop position
};

/// The unbounded store: a deque under its own small mutex. Its lock/unlock pairs order a push
/// and a receiver's check, so the handshake needs no extra fence.
template <class T>
class ChannelDeque {
 public:
  std::size_t capacity() const noexcept { return 0; }
  PushResult try_push(T& v) {
    std::lock_guard lock(mu_);
    if (closed_) return PushResult::closed;
    items_.push_back(std::move(v));
    return PushResult::ok;
  }
  bool try_pop(std::optional<T>& out) {
    std::lock_guard lock(mu_);
    if (items_.empty()) return false;
    out.emplace(std::move(items_.front()));
    items_.pop_front();
    return true;
  }
  bool drained() const {
    std::lock_guard lock(mu_);
    return items_.empty();
  }
  bool saturated() const noexcept { return false; }
  bool closed() const {
    std::lock_guard lock(mu_);
    return closed_;
  }
  bool close() {
    std::lock_guard lock(mu_);
    return !std::exchange(closed_, true);
  }
  std::size_t size() const {
    std::lock_guard lock(mu_);
    return items_.size();
  }

 private:
  mutable std::mutex mu_;
  std::deque<T> items_;
  bool closed_ = false;
};

}  // namespace detail

/// A multi-producer multi-consumer channel of T (Go's chan, Tokio's mpsc/async-channel,
/// asyncio.Queue across threads). A Channel is a handle: copies share one channel.
///
/// Order: each producer's values arrive in the order it sent them; values from different
/// producers interleave. Waiting senders and receivers are served first come, first served.
/// Suspends: send while the channel is full, recv while it is empty.
/// Resumes on: a worker of the awaiting task's runtime (the one that completed the wait, via
///   its LIFO slot, when it is a worker of that runtime).
/// Cancellation: a blocked send throws CancelledError and its value is dropped (it was never
///   accepted). A blocked recv that is cancelled throws CancelledError, unless a value had
///   already been handed to it: then it returns the value and the cancellation stays pending
///   for the task's next suspension point, so no value is ever lost.
/// Thread safety: every member may be called from any thread, worker or not; the awaitables
///   from corio tasks, send_blocking/recv_blocking from plain threads only.
/// Memory ordering: a send happens-before the recv that returns its value.
/// Errors: ChannelClosedWith<T> (a ChannelClosed) from send on a closed channel; UsageError
///   for a capacity of 0 and for the blocking calls on a runtime worker.
template <class T>
class Channel {
  static_assert(std::is_move_constructible_v<T>, "corio::Channel<T> needs a movable T");

 public:
  /// A channel holding at most `capacity` (>= 1) values.
  static Channel bounded(std::size_t capacity) {
    if (capacity == 0) detail::throw_bad_channel_capacity();
    return Channel(std::make_shared<State>(capacity));
  }
  /// A channel without bound: send never waits.
  static Channel unbounded() { return Channel(std::make_shared<State>(0)); }

  class SendAwaiter;
  class RecvAwaiter;

  /// Sends `value`, waiting while the channel is full.
  /// Errors: ChannelClosedWith<T> carrying `value` when the channel is (or gets) closed.
  [[nodiscard]] SendAwaiter send(T value) { return SendAwaiter(state_.get(), std::move(value)); }
  /// Receives the oldest value, waiting while the channel is empty; std::nullopt once the
  /// channel is closed and drained.
  [[nodiscard]] RecvAwaiter recv() noexcept { return RecvAwaiter(state_.get()); }

  /// Sends without waiting. True when sent (then `value` was moved from); false when full or
  /// closed (then `value` is untouched).
  bool try_send(T&& value) { return state_->try_send(value); }
  /// Receives without waiting; std::nullopt when empty (or closed and drained).
  std::optional<T> try_recv() { return state_->try_recv(); }

  /// send for plain threads: blocks the thread while full.
  /// Errors: ChannelClosedWith<T>; UsageError on a runtime worker (co_await send instead).
  void send_blocking(T value) {
    if (detail::on_runtime_worker()) {
      detail::throw_blocking_on_worker("corio::Channel::send_blocking");
    }
    state_->send_blocking(value);
  }
  /// recv for plain threads: blocks the thread while empty.
  /// Errors: UsageError on a runtime worker (co_await recv instead).
  std::optional<T> recv_blocking() {
    if (detail::on_runtime_worker()) {
      detail::throw_blocking_on_worker("corio::Channel::recv_blocking");
    }
    return state_->recv_blocking();
  }

  /// Closes the channel: later sends fail, receivers drain what is left and then get
  /// std::nullopt; every waiting task and thread is woken. Idempotent.
  void close() { state_->close(); }
  bool is_closed() const { return state_->is_closed(); }
  /// Values in the channel now (a snapshot when others are sending or receiving).
  std::size_t size() const { return state_->size(); }
  /// The bound given to bounded(); 0 for an unbounded channel.
  std::size_t capacity() const noexcept { return state_->capacity(); }

 private:
  // A sleeper's outcome (its Waiter's status): kDone, its value handed over (recv) or
  // accepted (send); kClosed, the channel closed first.
  static constexpr std::uint32_t kDone = detail::Waiter::kDone;
  static constexpr std::uint32_t kClosed = detail::Waiter::kDone + 1;

  /// A sleeping sender, holding its value until it is accepted.
  struct SendWaiter : detail::Waiter {
    explicit SendWaiter(T v) : value(std::move(v)) {}
    T value;
  };
  /// A sleeping receiver; the value is handed into it before it is woken.
  struct RecvWaiter : detail::Waiter {
    std::optional<T> value;
  };

  // Shared state. The sleeper handshake: a side that finds the store full (empty) takes mu_,
  // announces itself with a seq_cst RMW on send_waiters_ (recv_waiters_), re-checks the
  // store, and only then registers and sleeps. The other side does its seq_cst CAS on the
  // store's position first and then a seq_cst load of the count. In the single total order
  // of those operations one of them comes first, so either the sleeper sees the value (or
  // free cell) or the other side sees the sleeper and takes mu_ to hand it over.
  struct State {
    explicit State(std::size_t capacity) {
      if (capacity) ring_.emplace(capacity);
    }

    std::size_t capacity() const noexcept { return ring_ ? ring_->capacity() : 0; }
    detail::PushResult push(T& v) { return ring_ ? ring_->try_push(v) : deque_.try_push(v); }
    bool pop(std::optional<T>& out) { return ring_ ? ring_->try_pop(out) : deque_.try_pop(out); }
    bool drained() const { return ring_ ? ring_->drained() : deque_.drained(); }
    bool saturated() const { return ring_ ? ring_->saturated() : false; }
    bool is_closed() const { return ring_ ? ring_->closed() : deque_.closed(); }
    std::size_t size() const { return ring_ ? ring_->size() : deque_.size(); }

    /// Lock-free send; wakes a receiver if one sleeps. Moves from v only when ok.
    detail::PushResult push_and_notify(T& v) {
      detail::PushResult r = push(v);
      if (r == detail::PushResult::ok && recv_waiters_.load(std::memory_order_seq_cst) != 0) {
        pump_locked();
      }
      return r;
    }
    bool pop_and_notify(std::optional<T>& out) {
      if (!pop(out)) return false;
      if (send_waiters_.load(std::memory_order_seq_cst) != 0) pump_locked();
      return true;
    }

    bool try_send(T& v) { return push_and_notify(v) == detail::PushResult::ok; }
    std::optional<T> try_recv() {
      std::optional<T> out;
      pop_and_notify(out);
      return out;
    }

    void pump_locked() {
      detail::WakeBatch batch;
      std::lock_guard lock(mu_);
      pump(batch);
    }

    /// Under mu_: hands values to sleeping receivers and takes values from sleeping senders
    /// until neither can make progress. Waiters are served in FIFO order.
    void pump(detail::WakeBatch& batch) {
      for (bool progress = true; progress;) {
        progress = false;
        while (!receivers_.empty()) {
          if (!pop(static_cast<RecvWaiter*>(receivers_.front())->value)) break;
          finish(receivers_, kDone, recv_waiters_, batch);
          progress = true;
        }
        while (!senders_.empty()) {
          detail::PushResult r = push(static_cast<SendWaiter*>(senders_.front())->value);
          if (r == detail::PushResult::full) break;
          finish(senders_, r == detail::PushResult::ok ? kDone : kClosed, send_waiters_, batch);
          progress = true;
        }
      }
    }

    /// Under mu_: completes the oldest waiter of `q` with `outcome`.
    static void finish(detail::WaiterQueue& q, std::uint32_t outcome,
                       std::atomic<std::uint32_t>& count, detail::WakeBatch& batch) {
      count.fetch_sub(1, std::memory_order_relaxed);
      detail::WaiterQueue::complete(q.pop_front(), batch, outcome);
    }

    /// Under mu_, after announcing a sender: push, or say the caller must sleep.
    /// Returns ok, closed, or full (sleep).
    detail::PushResult push_or_sleep(T& v) {
      unsigned spins = 0;
      for (;;) {
        detail::PushResult r = push(v);
        if (r != detail::PushResult::full) return r;
        if (saturated()) return r;
        detail::channel_backoff(spins);  // a receiver is freeing a cell: a few instructions
      }
    }
    /// Under mu_, after announcing a receiver: true with a value or closed; false to sleep.
    bool pop_or_sleep(std::optional<T>& out, bool& closed) {
      unsigned spins = 0;
      for (;;) {
        if (pop(out)) return true;
        bool was_closed = is_closed();  // read before drained(): a close then a drain is final
        if (drained()) {
          closed = was_closed;
          return was_closed;
        }
        detail::channel_backoff(spins);  // a sender is publishing a value
      }
    }

    /// Under mu_, the start of a sender's slow path: announce, retry; true when it must
    /// register `w` and sleep.
    bool sender_must_sleep(T& v, detail::PushResult& r, detail::WakeBatch& batch) {
      send_waiters_.fetch_add(1, std::memory_order_seq_cst);
      r = push_or_sleep(v);
      if (r != detail::PushResult::full) {
        send_waiters_.fetch_sub(1, std::memory_order_relaxed);
        if (r == detail::PushResult::ok) pump(batch);
        return false;
      }
      return true;
    }
    bool receiver_must_sleep(std::optional<T>& out, detail::WakeBatch& batch) {
      recv_waiters_.fetch_add(1, std::memory_order_seq_cst);
      bool closed = false;
      if (pop_or_sleep(out, closed)) {
        recv_waiters_.fetch_sub(1, std::memory_order_relaxed);
        if (!closed) pump(batch);
        return false;
      }
      return true;
    }

    void send_blocking(T& v) {
      detail::PushResult r = push_and_notify(v);
      if (r == detail::PushResult::full) {
        std::optional<SendWaiter> w;
        {
          detail::WakeBatch batch;
          std::lock_guard lock(mu_);
          if (sender_must_sleep(v, r, batch)) senders_.push_back(&w.emplace(std::move(v)));
        }
        if (w) {
          w->wait_blocking();
          std::lock_guard lock(mu_);  // the completer is done with w once we hold mu_
          if (w->outcome() == kClosed) throw ChannelClosedWith<T>(std::move(w->value));
          return;
        }
      }
      if (r == detail::PushResult::closed) throw ChannelClosedWith<T>(std::move(v));
    }

    std::optional<T> recv_blocking() {
      RecvWaiter w;
      if (pop_and_notify(w.value)) return std::move(w.value);
      {
        detail::WakeBatch batch;
        std::lock_guard lock(mu_);
        if (!receiver_must_sleep(w.value, batch)) return std::move(w.value);
        receivers_.push_back(&w);
      }
      w.wait_blocking();
      std::lock_guard lock(mu_);
      return std::move(w.value);
    }

    void close() {
      detail::WakeBatch batch;
      std::lock_guard lock(mu_);
      if (ring_) {
        ring_->close();
      } else {
        deque_.close();
      }
      pump(batch);  // hands out anything still owed before the waiters learn of the close
      while (!receivers_.empty()) finish(receivers_, kClosed, recv_waiters_, batch);
      while (!senders_.empty()) finish(senders_, kClosed, send_waiters_, batch);
    }

    /// A task's awaiter leaves (cancelled, or its frame destroyed), unless the completer
    /// got there first. True if it was still waiting.
    bool leave(detail::WaiterQueue& q, detail::Waiter* w, std::atomic<std::uint32_t>& count) {
      return q.leave(mu_, w, [&count] { count.fetch_sub(1, std::memory_order_relaxed); });
    }

    std::optional<detail::ChannelRing<T>> ring_;              // bounded channels
    detail::ChannelDeque<T> deque_;                           // unbounded channels
    alignas(64) std::atomic<std::uint32_t> recv_waiters_{0};  // announced + sleeping receivers
    alignas(64) std::atomic<std::uint32_t> send_waiters_{0};  // announced + sleeping senders
    alignas(64) std::mutex mu_;                               // guards the two lists
    detail::WaiterQueue receivers_;
    detail::WaiterQueue senders_;
  };

  explicit Channel(std::shared_ptr<State> state) noexcept : state_(std::move(state)) {}

  std::shared_ptr<State> state_;

 public:
  /// Awaitable of send(). Holds the value until it is accepted.
  class [[nodiscard]] SendAwaiter {
   public:
    SendAwaiter(State* state, T value) : state_(state), waiter_(std::move(value)) {}
    SendAwaiter(SendAwaiter&& other) noexcept(std::is_nothrow_move_constructible_v<T>)
        : state_(other.state_), waiter_(std::move(other.waiter_.value)) {}
    SendAwaiter& operator=(const SendAwaiter&) = delete;
    ~SendAwaiter() { state_->leave(state_->senders_, &waiter_, state_->send_waiters_); }

    bool await_ready() { return settled(state_->push_and_notify(waiter_.value)); }
    bool await_suspend(std::coroutine_handle<> caller,
                       std::source_location where = std::source_location::current()) {
      detail::note_await_site(caller, where);
      detail::TaskHeader& task = detail::require_current_task("co_await Channel::send");
      detail::throw_if_cancelled(task);
      detail::WakeBatch batch;
      std::lock_guard lock(state_->mu_);
      detail::PushResult r;
      if (!state_->sender_must_sleep(waiter_.value, r, batch)) {
        settled(r);  // sent, or closed: no need to sleep
        return false;
      }
      if (!waiter_.arm(task, caller, detail::WaitKind::channel_send)) {
        state_->send_waiters_.fetch_sub(1, std::memory_order_relaxed);
        detail::throw_cancelled(task);
      }
      state_->senders_.push_back(&waiter_);
      return true;
    }
    void await_resume() {
      if (state_->leave(state_->senders_, &waiter_, state_->send_waiters_)) {
        detail::throw_cancelled(*waiter_.task());
      }
      if (waiter_.outcome() == kClosed) throw ChannelClosedWith<T>(std::move(waiter_.value));
    }

   private:
    /// True unless the channel is full; a closed channel is noted in the (unqueued) waiter.
    bool settled(detail::PushResult r) noexcept {
      if (r == detail::PushResult::closed) waiter_.set_status(kClosed);
      return r != detail::PushResult::full;
    }

    State* state_;
    SendWaiter waiter_;
  };

  /// Awaitable of recv(). The value is handed into it before its task is woken.
  class [[nodiscard]] RecvAwaiter {
   public:
    explicit RecvAwaiter(State* state) noexcept : state_(state) {}
    RecvAwaiter(RecvAwaiter&& other) noexcept : state_(other.state_) {}
    RecvAwaiter& operator=(const RecvAwaiter&) = delete;
    ~RecvAwaiter() { state_->leave(state_->receivers_, &waiter_, state_->recv_waiters_); }

    bool await_ready() { return state_->pop_and_notify(waiter_.value); }
    bool await_suspend(std::coroutine_handle<> caller,
                       std::source_location where = std::source_location::current()) {
      detail::note_await_site(caller, where);
      detail::TaskHeader& task = detail::require_current_task("co_await Channel::recv");
      detail::throw_if_cancelled(task);
      detail::WakeBatch batch;
      std::lock_guard lock(state_->mu_);
      if (!state_->receiver_must_sleep(waiter_.value, batch)) return false;
      if (!waiter_.arm(task, caller, detail::WaitKind::channel_recv)) {
        state_->recv_waiters_.fetch_sub(1, std::memory_order_relaxed);
        detail::throw_cancelled(task);
      }
      state_->receivers_.push_back(&waiter_);
      return true;
    }
    std::optional<T> await_resume() {
      // Not completed: a cancellation woke us, and nothing was handed over. Completed
      // (perhaps while a cancel woke us): keep the value, the cancel stays pending.
      if (state_->leave(state_->receivers_, &waiter_, state_->recv_waiters_)) {
        detail::throw_cancelled(*waiter_.task());
      }
      // Rebuilt, not copied whole: the pop wrote the optional a member at a time, and GCC
      // copies a small optional as one 16-byte load, which then waits for both stores to
      // retire (a store-forwarding stall that cost B5 half its CPU time).
      if (!waiter_.value) return std::nullopt;
      return std::move(*waiter_.value);
    }

   private:
    State* state_;
    RecvWaiter waiter_;
  };
};

}  // namespace corio
