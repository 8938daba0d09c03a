// The asyncio.Queue family: Queue (FIFO), LifoQueue and PriorityQueue, with asyncio's
// put/get, the *_nowait variants, task_done/join and Python 3.13's shutdown. Copyable
// handles to shared state, usable from every worker of a runtime.
//
//   corio::Queue<Job> q;                                  // asyncio.Queue()
//   co_await q.put(job);                                  // producers
//   Job j = co_await q.get(); work(j); q.task_done();     // workers
//   co_await q.join();                                    // until every job is done
//
// Unlike Channel, a queue is one mutex around a container: the priority and LIFO orders
// need it, and asyncio code ports to it line for line. Use Channel where speed matters.
#pragma once

#include <algorithm>
#include <atomic>
#include <coroutine>
#include <cstddef>
#include <cstdint>
#include <deque>
#include <functional>
#include <memory>
#include <mutex>
#include <optional>
#include <source_location>
#include <utility>
#include <vector>

#include "corio/core/detail/scheduling.hpp"
#include "corio/core/detail/task_header.hpp"
#include "corio/core/error.hpp"
#include "corio/core/task.hpp"
#include "corio/sync/detail/waiter_queue.hpp"

namespace corio {

/// put_nowait on a full queue (asyncio.QueueFull).
class QueueFull : public Error {
 public:
  QueueFull();
};
/// get_nowait on an empty queue (asyncio.QueueEmpty).
class QueueEmpty : public Error {
 public:
  QueueEmpty();
};
/// put on a queue that was shut down, or get on one that is shut down and empty
/// (asyncio.QueueShutDown, Python 3.13).
class QueueShutDown : public Error {
 public:
  QueueShutDown();
};

namespace detail {

[[noreturn]] void throw_task_done_too_often();

/// Storage orders of the family: push/pop/size over a container.
template <class T>
struct FifoOrder {
  std::deque<T> items;
  void push(T&& v) { items.push_back(std::move(v)); }
  T pop() {
    T v = std::move(items.front());
    items.pop_front();
    return v;
  }
  std::size_t size() const noexcept { return items.size(); }
  void clear() { items.clear(); }
};
template <class T>
struct LifoOrder {
  std::vector<T> items;
  void push(T&& v) { items.push_back(std::move(v)); }
  T pop() {
    T v = std::move(items.back());
    items.pop_back();
    return v;
  }
  std::size_t size() const noexcept { return items.size(); }
  void clear() { items.clear(); }
};
template <class T, class Compare>
struct PriorityOrder {
  std::vector<T> items;  // a min-heap under Compare: the smallest on top, as heapq
  Compare compare;
  bool greater(const T& a, const T& b) const { return compare(b, a); }
  void push(T&& v) {
    items.push_back(std::move(v));
    std::push_heap(items.begin(), items.end(),
                   [this](const T& a, const T& b) { return greater(a, b); });
  }
  T pop() {
    std::pop_heap(items.begin(), items.end(),
                  [this](const T& a, const T& b) { return greater(a, b); });
    T v = std::move(items.back());
    items.pop_back();
    return v;
  }
  std::size_t size() const noexcept { return items.size(); }
  void clear() { items.clear(); }
};

/// The state and the operations every member of the family shares; `Order` picks which
/// item get() returns. Waiters: getters (value handed straight into the getter's waiter),
/// putters (value taken from the putter's waiter), joiners (woken when unfinished_ hits 0).
template <class T, class Order>
class BasicQueue {
  static constexpr std::uint32_t kDone = Waiter::kDone;
  static constexpr std::uint32_t kShutDown = Waiter::kDone + 1;

  /// A waiting getter: the item is handed straight into it.
  struct GetWaiter : Waiter {
    std::optional<T> item;
  };
  /// A waiting putter: its item is taken from it.
  struct PutWaiter : Waiter {
    explicit PutWaiter(T v) : item(std::move(v)) {}
    T item;
  };

  struct State {
    std::mutex mu;
    Order order;
    std::size_t maxsize = 0;
    std::size_t unfinished = 0;  // items put and not yet task_done()
    bool shut_down = false;
    WaiterQueue getters, putters, joiners;

    bool full() const { return maxsize > 0 && order.size() >= maxsize; }

    /// Under mu: completes every waiter of `q` with `outcome`.
    static void finish_all(WaiterQueue& q, std::uint32_t outcome, WakeBatch& batch) {
      while (Waiter* w = q.pop_front()) WaiterQueue::complete(w, batch, outcome);
    }

    /// Under mu: accepts `v` (hands it to a waiting getter or stores it).
    void accept(T&& v, WakeBatch& batch) {
      ++unfinished;
      if (!getters.empty()) {  // getters wait only while the queue is empty
        auto* w = static_cast<GetWaiter*>(getters.pop_front());
        w->item.emplace(std::move(v));
        WaiterQueue::complete(w, batch);
      } else {
        order.push(std::move(v));
      }
    }
    /// Under mu: takes the next item and refills from a waiting putter.
    T take(WakeBatch& batch) {
      T v = order.pop();
      if (!putters.empty() && !full()) {
        auto* w = static_cast<PutWaiter*>(putters.pop_front());
        ++unfinished;
        order.push(std::move(w->item));
        WaiterQueue::complete(w, batch);
      }
      return v;
    }
  };

 public:
  explicit BasicQueue(std::size_t maxsize) : state_(std::make_shared<State>()) {
    state_->maxsize = maxsize;
  }

  /// Items in the queue now (asyncio's qsize()).
  std::size_t qsize() const {
    std::lock_guard lock(state_->mu);
    return state_->order.size();
  }
  bool empty() const { return qsize() == 0; }
  /// True when maxsize() > 0 and the queue holds maxsize() items.
  bool full() const {
    std::lock_guard lock(state_->mu);
    return state_->full();
  }
  /// The bound given at construction; 0 means unbounded.
  std::size_t maxsize() const noexcept { return state_->maxsize; }

  /// Puts without waiting. Errors: QueueFull when full, QueueShutDown after shutdown().
  void put_nowait(T item) {
    WakeBatch batch;
    std::lock_guard lock(state_->mu);
    if (state_->shut_down) throw QueueShutDown();
    if (state_->full()) throw QueueFull();
    state_->accept(std::move(item), batch);
  }
  /// Gets without waiting. Errors: QueueEmpty when empty, QueueShutDown when shut down and
  /// empty.
  T get_nowait() {
    WakeBatch batch;
    std::lock_guard lock(state_->mu);
    if (state_->order.size() == 0) {
      if (state_->shut_down) throw QueueShutDown();
      throw QueueEmpty();
    }
    return state_->take(batch);
  }

  /// Marks one item taken by get() as processed (asyncio's task_done()); when every item put
  /// is done, join() returns. Errors: UsageError when called more often than items were put.
  void task_done() {
    WakeBatch batch;
    std::lock_guard lock(state_->mu);
    if (state_->unfinished == 0) throw_task_done_too_often();
    if (--state_->unfinished == 0) wake_joiners(batch);
  }

  /// Python 3.13's shutdown: put() then raises QueueShutDown; get() does too once the queue
  /// is empty; with `immediate`, the queue is emptied now (each dropped item counts as done
  /// for join()). Every blocked put() and get() is woken (and raises QueueShutDown).
  void shutdown(bool immediate = false) {
    WakeBatch batch;
    std::lock_guard lock(state_->mu);
    state_->shut_down = true;
    if (immediate) {
      std::size_t dropped = state_->order.size();
      state_->order.clear();
      state_->unfinished -= std::min(dropped, state_->unfinished);
      if (state_->unfinished == 0) wake_joiners(batch);
    }
    State::finish_all(state_->getters, kShutDown, batch);
    State::finish_all(state_->putters, kShutDown, batch);
  }

  /// Awaitable of put().
  class [[nodiscard]] PutAwaiter {
   public:
    PutAwaiter(State* s, T item) : state_(s), waiter_(std::move(item)) {}
    PutAwaiter& operator=(const PutAwaiter&) = delete;
    ~PutAwaiter() { state_->putters.leave(state_->mu, &waiter_); }
    bool await_ready() const noexcept { return false; }
    bool await_suspend(std::coroutine_handle<> caller,
                       std::source_location where = std::source_location::current()) {
      detail::note_await_site(caller, where);
      WakeBatch batch;
      std::lock_guard lock(state_->mu);
      if (state_->shut_down) {
        waiter_.set_status(kShutDown);  // not queued: ours
        return false;
      }
      if (!state_->full()) {
        state_->accept(std::move(waiter_.item), batch);
        return false;
      }
      TaskHeader& task = require_current_task("co_await Queue::put");
      throw_if_cancelled(task);
      if (!waiter_.arm(task, caller, detail::WaitKind::queue_put)) throw_cancelled(task);
      state_->putters.push_back(&waiter_);
      return true;
    }
    void await_resume() {
      if (state_->putters.leave(state_->mu, &waiter_)) throw_cancelled(*waiter_.task());
      if (waiter_.outcome() == kShutDown) throw QueueShutDown();
    }

   private:
    State* state_;
    PutWaiter waiter_;
  };

  /// Awaitable of get().
  class [[nodiscard]] GetAwaiter {
   public:
    explicit GetAwaiter(State* s) noexcept : state_(s) {}
    GetAwaiter& operator=(const GetAwaiter&) = delete;
    ~GetAwaiter() { state_->getters.leave(state_->mu, &waiter_); }
    bool await_ready() const noexcept { return false; }
    bool await_suspend(std::coroutine_handle<> caller,
                       std::source_location where = std::source_location::current()) {
      detail::note_await_site(caller, where);
      WakeBatch batch;
      std::lock_guard lock(state_->mu);
      if (state_->order.size() > 0) {
        waiter_.item.emplace(state_->take(batch));
        return false;
      }
      if (state_->shut_down) return false;  // no item: QueueShutDown
      TaskHeader& task = require_current_task("co_await Queue::get");
      throw_if_cancelled(task);
      if (!waiter_.arm(task, caller, detail::WaitKind::queue_get)) throw_cancelled(task);
      state_->getters.push_back(&waiter_);
      return true;
    }
    T await_resume() {
      // Handed an item (perhaps while a cancel woke us): keep it; the cancel stays pending.
      if (state_->getters.leave(state_->mu, &waiter_)) throw_cancelled(*waiter_.task());
      if (!waiter_.item) throw QueueShutDown();
      return std::move(*waiter_.item);
    }

   private:
    State* state_;
    GetWaiter waiter_;
  };

  /// Awaitable of join().
  class [[nodiscard]] JoinAwaiter {
   public:
    explicit JoinAwaiter(State* s) noexcept : state_(s) {}
    JoinAwaiter& operator=(const JoinAwaiter&) = delete;
    ~JoinAwaiter() { state_->joiners.leave(state_->mu, &waiter_); }
    bool await_ready() const noexcept { return false; }
    bool await_suspend(std::coroutine_handle<> caller,
                       std::source_location where = std::source_location::current()) {
      detail::note_await_site(caller, where);
      std::lock_guard lock(state_->mu);
      if (state_->unfinished == 0) return false;
      TaskHeader& task = require_current_task("co_await Queue::join");
      throw_if_cancelled(task);
      if (!waiter_.arm(task, caller, detail::WaitKind::queue_join)) throw_cancelled(task);
      state_->joiners.push_back(&waiter_);
      return true;
    }
    void await_resume() {
      if (state_->joiners.leave(state_->mu, &waiter_)) throw_cancelled(*waiter_.task());
    }

   private:
    State* state_;
    Waiter waiter_;
  };

  /// Puts `item`, waiting while the queue is full (asyncio's put()).
  /// Suspends: while full. Resumes on: a worker of the caller's runtime.
  /// Cancellation: throws CancelledError; the item is dropped (it was never put).
  /// Errors: QueueShutDown after shutdown() (also when it happens while waiting).
  PutAwaiter put(T item) { return PutAwaiter(state_.get(), std::move(item)); }
  /// Removes and returns the next item, waiting while the queue is empty (asyncio's get()).
  /// Suspends: while empty. Resumes on: a worker of the caller's runtime.
  /// Cancellation: throws CancelledError, unless an item had already been handed over: then
  ///   it returns the item and the cancellation stays pending (no item is lost).
  /// Errors: QueueShutDown when shut down and empty.
  GetAwaiter get() noexcept { return GetAwaiter(state_.get()); }
  /// Waits until every item put has been marked done with task_done() (asyncio's join()).
  /// Cancellation: throws CancelledError.
  JoinAwaiter join() noexcept { return JoinAwaiter(state_.get()); }

 private:
  void wake_joiners(WakeBatch& batch) { State::finish_all(state_->joiners, kDone, batch); }

  std::shared_ptr<State> state_;
};

}  // namespace detail

/// asyncio.Queue: first in, first out. `maxsize` 0 means unbounded.
/// Thread safety: all members from any worker of any runtime; the awaitables from corio tasks;
///   qsize/empty/full/put_nowait/get_nowait/task_done/shutdown also from plain threads.
/// Copies share one queue.
template <class T>
class Queue : public detail::BasicQueue<T, detail::FifoOrder<T>> {
 public:
  explicit Queue(std::size_t maxsize = 0) : detail::BasicQueue<T, detail::FifoOrder<T>>(maxsize) {}
};

/// asyncio.LifoQueue: the most recently put item comes out first. As Queue otherwise.
template <class T>
class LifoQueue : public detail::BasicQueue<T, detail::LifoOrder<T>> {
 public:
  explicit LifoQueue(std::size_t maxsize = 0)
      : detail::BasicQueue<T, detail::LifoOrder<T>>(maxsize) {}
};

/// asyncio.PriorityQueue: the smallest item under `Compare` comes out first (heapq's order;
/// put (priority, value) pairs for asyncio's idiom). As Queue otherwise.
template <class T, class Compare = std::less<T>>
class PriorityQueue : public detail::BasicQueue<T, detail::PriorityOrder<T, Compare>> {
 public:
  explicit PriorityQueue(std::size_t maxsize = 0)
      : detail::BasicQueue<T, detail::PriorityOrder<T, Compare>>(maxsize) {}
};

}  // namespace corio
