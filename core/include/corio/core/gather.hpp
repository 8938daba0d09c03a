// gather(): asyncio.gather for corio. Runs tasks concurrently and waits for all of them.
//
//   auto [a, b] = co_await corio::gather(work(2), work(3));          // std::tuple<int, int>
//   std::vector<int> all = co_await corio::gather(std::move(tasks));  // from a vector
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
#include "corio/core/spawn.hpp"
#include "corio/core/task.hpp"

namespace corio {

/// The value gather yields for a Task<T>: T, or std::monostate for Task<void>.
template <class T>
using GatherValue = std::conditional_t<std::is_void_v<T>, std::monostate, T>;

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

/// Awaitable of gather(Task<Ts>...): spawns the children when first awaited.
template <class... Ts>
class [[nodiscard]] GatherAwaiter {
 public:
  explicit GatherAwaiter(Task<Ts>... tasks) : tasks_(std::move(tasks)...) {}

  bool await_ready() {
    if (spawned_) {
      throw UsageError("co_await on a corio::gather that was already awaited");
    }
    spawned_ = true;
    handles_ = std::apply([](Task<Ts>&... t) { return std::tuple(spawn(std::move(t))...); },
                          tasks_);
    return sizeof...(Ts) == 0;
  }
  bool await_suspend(std::coroutine_handle<> caller) {
    std::array<TaskHeader*, sizeof...(Ts)> children = std::apply(
        [](auto&... h) { return std::array<TaskHeader*, sizeof...(Ts)>{JoinHandleAccess::task(h)...}; },
        handles_);
    return latch_.arm(caller, children, nodes_);
  }
  /// Every child has finished: rethrow the first failure in argument order, else the values.
  std::tuple<GatherValue<Ts>...> await_resume() {
    return std::apply(
        [](auto&... h) { return std::tuple<GatherValue<Ts>...>{take_gather_value(h)...}; },
        handles_);
  }

 private:
  std::tuple<Task<Ts>...> tasks_;
  std::tuple<JoinHandle<Ts>...> handles_;
  std::array<GatherLatch::Node, sizeof...(Ts)> nodes_;
  GatherLatch latch_;  // declared last: unregisters before the handles go
  bool spawned_ = false;
};

/// Awaitable of gather(std::vector<Task<T>>).
template <class T>
class [[nodiscard]] GatherVectorAwaiter {
 public:
  using Result = std::conditional_t<std::is_void_v<T>, void, std::vector<T>>;

  explicit GatherVectorAwaiter(std::vector<Task<T>> tasks) : tasks_(std::move(tasks)) {}

  bool await_ready() {
    if (spawned_) {
      throw UsageError("co_await on a corio::gather that was already awaited");
    }
    spawned_ = true;
    handles_.reserve(tasks_.size());
    for (Task<T>& task : tasks_) handles_.push_back(spawn(std::move(task)));
    tasks_.clear();
    return handles_.empty();
  }
  bool await_suspend(std::coroutine_handle<> caller) {
    children_.reserve(handles_.size());
    for (JoinHandle<T>& h : handles_) children_.push_back(JoinHandleAccess::task(h));
    nodes_ = std::vector<GatherLatch::Node>(handles_.size());
    return latch_.arm(caller, children_, nodes_);
  }
  Result await_resume() {
    if constexpr (std::is_void_v<T>) {
      for (JoinHandle<T>& h : handles_) JoinHandleAccess::take_result(h);
    } else {
      std::vector<T> values;
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
/// std::monostate for Task<void>.
///
/// Suspends: until the last child finishes. Resumes on: a worker of the runtime.
/// Errors: if any child throws, gather waits for all children, then rethrows the exception
///   of the first failed child in argument order (the others are dropped).
/// Thread safety: await from a corio task; the awaitable is spawned-from once.
template <class... Ts>
detail::GatherAwaiter<Ts...> gather(Task<Ts>... tasks) {
  return detail::GatherAwaiter<Ts...>(std::move(tasks)...);
}

/// The same for a vector of tasks of one type: yields std::vector<T> in input order (void
/// for Task<void>).
template <class T>
detail::GatherVectorAwaiter<T> gather(std::vector<Task<T>> tasks) {
  return detail::GatherVectorAwaiter<T>(std::move(tasks));
}

}  // namespace corio
