// gather(): asyncio.gather for corio. Runs tasks concurrently and waits for all of them.
//
//   auto [a, b] = co_await corio::gather(work(2), work(3));          // std::tuple<int, int>
//   std::vector<int> all = co_await corio::gather(std::move(tasks));  // from a vector
//   auto [ra, rb] = co_await corio::gather(corio::return_exceptions, work(2), risky());
//   if (!rb) log(rb.error());                                         // Result<T> per child
#pragma once

#include <array>
#include <cstddef>
#include <exception>
#include <tuple>
#include <type_traits>
#include <utility>
#include <variant>
#include <vector>

#include "corio/core/detail/gather_latch.hpp"
#include "corio/core/join_handle.hpp"
#include "corio/core/result.hpp"
#include "corio/core/spawn.hpp"
#include "corio/core/task.hpp"

namespace corio {

/// The value gather yields for a Task<T>: T, or std::monostate for Task<void>.
template <class T>
using GatherValue = std::conditional_t<std::is_void_v<T>, std::monostate, T>;

/// Tag: gather(return_exceptions, ...) yields a Result<T> per child instead of throwing.
struct ReturnExceptions {};
inline constexpr ReturnExceptions return_exceptions{};

namespace detail {

template <class T>
GatherValue<T> take_gather_value(JoinHandle<T>& handle) {
  if constexpr (std::is_void_v<T>) {
    JoinHandleAccess::take_result(handle);
    return std::monostate{};
  } else {
    return JoinHandleAccess::take_result(handle);
  }
}

template <class T>
Result<T> take_gather_result(JoinHandle<T>& handle) {
  try {
    if constexpr (std::is_void_v<T>) {
      JoinHandleAccess::take_result(handle);
      return Result<void>::from_value();
    } else {
      return Result<T>::from_value(JoinHandleAccess::take_result(handle));
    }
  } catch (...) {
    return Result<T>::from_exception(std::current_exception());
  }
}

/// Awaitable of gather(Task<Ts>...): spawns the children when first awaited.
template <bool kReturnExceptions, class... Ts>
class [[nodiscard]] GatherAwaiter {
 public:
  using Value = std::conditional_t<kReturnExceptions, std::tuple<Result<Ts>...>,
                                   std::tuple<GatherValue<Ts>...>>;

  explicit GatherAwaiter(Task<Ts>... tasks) : tasks_(std::move(tasks)...) {}

  bool await_ready() {
    if (spawned_) throw UsageError("co_await on a corio::gather that was already awaited");
    spawned_ = true;
    // Braces: a braced list is evaluated left to right (a call's arguments are not, and
    // GCC spawned the last child first), so the children are queued in argument order.
    handles_ = std::apply(
        [](Task<Ts>&... t) {
          return std::tuple<JoinHandle<Ts>...>{spawn_in_turn(std::move(t))...};
        },
        tasks_);
    children_ = std::apply(
        [](auto&... h) {
          return std::array<TaskHeader*, sizeof...(Ts)>{JoinHandleAccess::task(h)...};
        },
        handles_);
    return sizeof...(Ts) == 0 && spend_budget();
  }
  bool await_suspend(std::coroutine_handle<> caller,
                     std::source_location where = std::source_location::current()) {
    detail::note_await_site(caller, where);
    if constexpr (sizeof...(Ts) == 0) {
      yield_for_budget(caller);
      return true;
    } else {
      return latch_.arm(caller, children_, nodes_);
    }
  }
  /// Every child has finished. Plain form: rethrows the first failure in argument order.
  Value await_resume() {
    latch_.finish();
    return std::apply(
        [](auto&... h) {
          if constexpr (kReturnExceptions) {
            return Value{take_gather_result(h)...};
          } else {
            return Value{take_gather_value(h)...};
          }
        },
        handles_);
  }

 private:
  std::tuple<Task<Ts>...> tasks_;
  std::tuple<JoinHandle<Ts>...> handles_;
  std::array<TaskHeader*, sizeof...(Ts)> children_{};
  std::array<GatherLatch::Node, sizeof...(Ts)> nodes_;
  GatherLatch latch_;  // declared last: unregisters before the handles go
  bool spawned_ = false;
};

/// Awaitable of gather(std::vector<Task<T>>).
template <bool kReturnExceptions, class T>
class [[nodiscard]] GatherVectorAwaiter {
 public:
  using Value = std::conditional_t<kReturnExceptions, std::vector<Result<T>>,
                                   std::conditional_t<std::is_void_v<T>, void, std::vector<T>>>;

  explicit GatherVectorAwaiter(std::vector<Task<T>> tasks) : tasks_(std::move(tasks)) {}

  bool await_ready() {
    if (spawned_) throw UsageError("co_await on a corio::gather that was already awaited");
    spawned_ = true;
    handles_.reserve(tasks_.size());
    children_.reserve(tasks_.size());
    for (Task<T>& task : tasks_) {
      handles_.push_back(spawn_in_turn(std::move(task)));
      children_.push_back(JoinHandleAccess::task(handles_.back()));
    }
    tasks_.clear();
    return handles_.empty() && spend_budget();
  }
  bool await_suspend(std::coroutine_handle<> caller,
                     std::source_location where = std::source_location::current()) {
    detail::note_await_site(caller, where);
    if (handles_.empty()) {  // nothing to wait for, but this task is out of budget
      yield_for_budget(caller);
      return true;
    }
    nodes_ = std::vector<GatherLatch::Node>(handles_.size());
    return latch_.arm(caller, children_, nodes_);
  }
  Value await_resume() {
    latch_.finish();
    if constexpr (kReturnExceptions) {
      Value results;
      results.reserve(handles_.size());
      for (JoinHandle<T>& h : handles_) results.push_back(take_gather_result(h));
      return results;
    } else if constexpr (std::is_void_v<T>) {
      for (JoinHandle<T>& h : handles_) JoinHandleAccess::take_result(h);
    } else {
      Value values;
      values.reserve(handles_.size());
      for (JoinHandle<T>& h : handles_) values.push_back(JoinHandleAccess::take_result(h));
      return values;
    }
  }

 private:
  std::vector<Task<T>> tasks_;
  std::vector<JoinHandle<T>> handles_;
  std::vector<TaskHeader*> children_;
  std::vector<GatherLatch::Node> nodes_;
  GatherLatch latch_;  // declared last: unregisters before the handles go
  bool spawned_ = false;
};

}  // namespace detail

/// Runs every task concurrently (each is spawned, so they run in parallel on any worker) and
/// waits until all have finished. Yields their results in argument order as a tuple, with
/// std::monostate for Task<void>. The children are queued in argument order at the back of
/// the gathering worker's queue, so on one worker they start in that order, as asyncio's
/// do (idle workers may steal some and start them in parallel).
///
/// Suspends: until the last child finishes. Resumes on: a worker of the runtime.
/// Cancellation: cancelling the gathering task cancels every child still running; gather
///   waits for all of them to finish unwinding, then throws CancelledError.
/// Errors: if any child throws, gather waits for all children, then rethrows the exception
///   of the first failed child in argument order (the others are dropped).
/// Thread safety: await from a corio task, once.
template <class... Ts>
detail::GatherAwaiter<false, Ts...> gather(Task<Ts>... tasks) {
  return detail::GatherAwaiter<false, Ts...>(std::move(tasks)...);
}

/// The same for a vector of tasks of one type: yields std::vector<T> in input order (void
/// for Task<void>).
template <class T>
detail::GatherVectorAwaiter<false, T> gather(std::vector<Task<T>> tasks) {
  return detail::GatherVectorAwaiter<false, T>(std::move(tasks));
}

/// asyncio.gather(..., return_exceptions=True): never throws for a child's failure; yields
/// a Result<T> per child (its value or its exception), in argument order.
template <class... Ts>
detail::GatherAwaiter<true, Ts...> gather(ReturnExceptions, Task<Ts>... tasks) {
  return detail::GatherAwaiter<true, Ts...>(std::move(tasks)...);
}

/// The vector form of gather(return_exceptions, ...): std::vector<Result<T>>.
template <class T>
detail::GatherVectorAwaiter<true, T> gather(ReturnExceptions, std::vector<Task<T>> tasks) {
  return detail::GatherVectorAwaiter<true, T>(std::move(tasks));
}

}  // namespace corio
