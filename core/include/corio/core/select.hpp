// select(): run several tasks, keep the first to finish, cancel the rest (Tokio's select!,
// asyncio.wait(..., return_when=FIRST_COMPLETED) followed by cancelling the pending ones).
//
//   auto winner = co_await corio::select(fetch(primary), fetch(mirror));
//   if (winner.index() == 0) use(std::get<0>(winner));
#pragma once

#include <array>
#include <atomic>
#include <cstddef>
#include <exception>
#include <optional>
#include <tuple>
#include <utility>
#include <variant>

#include "corio/core/detail/scheduling.hpp"
#include "corio/core/gather.hpp"
#include "corio/core/join_handle.hpp"
#include "corio/core/spawn.hpp"
#include "corio/core/task.hpp"

namespace corio {

namespace detail {

/// Waits until the first of N tasks finishes. Cancelling the waiting task cancels all of
/// them; the wait then ends with the first to finish unwinding.
template <std::size_t N>
class FirstLatch : private CancelHook {
 public:
  FirstLatch() noexcept : CancelHook{&FirstLatch::on_cancel} {}
  FirstLatch(const FirstLatch&) = delete;
  FirstLatch& operator=(const FirstLatch&) = delete;
  ~FirstLatch() { unregister(); }

  void set_children(const std::array<TaskHeader*, N>& children) noexcept { children_ = children; }

  bool await_ready() const noexcept { return false; }
  bool await_suspend(std::coroutine_handle<> caller,
                     std::source_location where = std::source_location::current()) {
    self_ = &require_current_task("co_await corio::select");
    detail::note_await_site(caller, where);
    throw_if_cancelled(*self_);
    waker_ = begin_cancellable_wait(*self_, caller, WaitKind::select, this);
    for (std::size_t i = 0; i < N; ++i) {
      nodes_[i].latch = this;
      nodes_[i].index = i;
      if (!children_[i]->add_join_waiter(&nodes_[i])) {
        claim_winner(i);
        break;
      }
    }
    if (winner_.load(std::memory_order_acquire) != kNone) {
      if (self_->abandon_wait(waker_.epoch)) return false;
    }
    return true;
  }
  /// Index of the first task to finish.
  std::size_t await_resume() {
    unregister();
    return winner_.load(std::memory_order_acquire);
  }
  bool cancelled() const noexcept { return cancel_forwarded_; }

 private:
  static constexpr std::size_t kNone = ~std::size_t{0};
  struct Node : Completion {
    Node() noexcept : Completion{&FirstLatch::on_finished} {}
    FirstLatch* latch = nullptr;
    std::size_t index = 0;
  };

  bool claim_winner(std::size_t i) noexcept {
    std::size_t none = kNone;
    return winner_.compare_exchange_strong(none, i, std::memory_order_acq_rel);
  }
  static void on_finished(Completion* c) noexcept {
    auto* node = static_cast<Node*>(c);
    if (node->latch->claim_winner(node->index)) node->latch->waker_.wake();
  }
  static void on_cancel(CancelHook* hook, TaskHeader*, std::uint32_t) noexcept {
    auto* latch = static_cast<FirstLatch*>(hook);
    latch->cancel_forwarded_ = true;
    for (TaskHeader* child : latch->children_) request_cancel(child);
  }
  void unregister() noexcept {
    for (std::size_t i = 0; i < N; ++i) {
      if (nodes_[i].latch) children_[i]->remove_join_waiter(&nodes_[i]);
      nodes_[i].latch = nullptr;
    }
  }

  std::array<TaskHeader*, N> children_{};
  std::array<Node, N> nodes_;
  std::atomic<std::size_t> winner_{kNone};
  TaskHeader* self_ = nullptr;
  Waker waker_;
  bool cancel_forwarded_ = false;
};

template <class Variant, class Handles, std::size_t... Is>
Variant take_winner(Handles& handles, std::size_t winner, std::index_sequence<Is...>) {
  std::optional<Variant> result;
  ((winner == Is
        ? (void)result.emplace(std::in_place_index<Is>, take_gather_value(std::get<Is>(handles)))
        : (void)0),
   ...);
  return std::move(*result);
}

/// Waits, ignoring cancellation, until every handle from index I on except `skip` is done;
/// their results and exceptions are dropped.
template <std::size_t I, class Handles>
Task<> drain_losers(Handles* handles, std::size_t skip) {
  if constexpr (I < std::tuple_size_v<Handles>) {
    if (I != skip) {
      try {
        co_await JoinHandleAccess::await_with(std::get<I>(*handles), JoinCancel::ignore);
      } catch (...) {
      }
    }
    co_await drain_losers<I + 1>(handles, skip);
  }
}

template <class... Ts>
Task<std::variant<GatherValue<Ts>...>> select_impl(std::tuple<JoinHandle<Ts>...> handles) {
  constexpr std::size_t n = sizeof...(Ts);
  FirstLatch<n> first;
  first.set_children(std::apply(
      [](auto&... h) { return std::array<TaskHeader*, n>{JoinHandleAccess::task(h)...}; },
      handles));
  std::size_t winner = co_await first;
  // Cancel the others and wait until they have finished unwinding.
  std::apply([](auto&... h) { (h.cancel(), ...); }, handles);
  co_await drain_losers<0>(&handles, winner);
  if (first.cancelled()) throw_cancelled(require_current_task("corio::select"));
  co_return take_winner<std::variant<GatherValue<Ts>...>>(handles, winner,
                                                          std::index_sequence_for<Ts...>{});
}

}  // namespace detail

/// Runs every task concurrently and waits for the first to finish; then cancels the others
/// and waits until they have finished unwinding. Yields a std::variant whose index() is the
/// winner's position and whose value is its result (std::monostate for Task<void>).
///
/// Cancellation: cancelling the selecting task cancels all of them; select then throws
///   CancelledError once they have finished.
/// Errors: rethrows the winner's exception (the first to finish may have failed).
template <class... Ts>
requires(sizeof...(Ts) > 0) Task<std::variant<GatherValue<Ts>...>> select(Task<Ts>... tasks) {
  // Braces: a braced list is evaluated left to right (a call's arguments are not), so the
  // contestants start in argument order, as gather's children do.
  return detail::select_impl(
      std::tuple<JoinHandle<Ts>...>{detail::spawn_in_turn(std::move(tasks))...});
}

}  // namespace corio
