// GatherLatch: waits for a set of spawned tasks to finish, for gather(). One Completion node
// per child sits in the child's join slot; the last child to finish wakes the gathering
// task. Registering with N children costs N compare-and-swaps and no allocation beyond the
// node array the caller owns. Cancelling the gathering task cancels every child; the wait
// goes on until all of them have finished.
#pragma once

#include <atomic>
#include <coroutine>
#include <cstddef>
#include <span>

#include "corio/core/detail/scheduling.hpp"
#include "corio/core/detail/task_header.hpp"

namespace corio::detail {

class GatherLatch : private CancelHook {
 public:
  struct Node : Completion {
    Node() noexcept : Completion{&GatherLatch::on_child_finished} {}
    GatherLatch* latch = nullptr;
  };

  GatherLatch() noexcept : CancelHook{&GatherLatch::on_cancel} {}
  GatherLatch(const GatherLatch&) = delete;
  GatherLatch& operator=(const GatherLatch&) = delete;

  /// Unregisters from children still running: only reached when the gathering frame is
  /// destroyed while suspended (runtime shutdown).
  ~GatherLatch() {
    if (remaining_.load(std::memory_order_acquire) == 0) return;
    for (std::size_t i = 0; i < nodes_.size(); ++i) children_[i]->remove_join_waiter(&nodes_[i]);
  }

  /// Registers a node with each child. Returns true when the caller must suspend; false when
  /// every child had already finished (the caller goes on at once). `children` and `nodes`
  /// must outlive the wait. Throws CancelledError if the caller's cancellation is pending.
  bool arm(std::coroutine_handle<> caller, std::span<TaskHeader* const> children,
           std::span<Node> nodes) {
    TaskHeader& self = require_current_task("co_await on corio::gather");
    throw_if_cancelled(self);
    self_ = &self;
    children_ = children;
    nodes_ = nodes;
    // One extra count held by arm() itself, so no child can reach zero while we register.
    remaining_.store(children.size() + 1, std::memory_order_relaxed);
    waker_ = begin_cancellable_wait(self, caller, WaitKind::gather, this);
    std::size_t finished = 1;
    for (std::size_t i = 0; i < children.size(); ++i) {
      nodes[i].latch = this;
      if (!children[i]->add_join_waiter(&nodes[i])) ++finished;
    }
    if (remaining_.fetch_sub(finished, std::memory_order_acq_rel) == finished) {
      return !self.abandon_wait(waker_.epoch);
    }
    return true;
  }

  /// After the wait: if the gathering task was cancelled meanwhile (and so cancelled the
  /// children), delivers that as CancelledError.
  void finish() {
    if (cancel_forwarded_) throw_cancelled(*self_);
  }

 private:
  static void on_child_finished(Completion* c) noexcept {
    GatherLatch* latch = static_cast<Node*>(c)->latch;
    if (latch->remaining_.fetch_sub(1, std::memory_order_acq_rel) == 1) latch->waker_.wake();
  }
  static void on_cancel(CancelHook* hook, TaskHeader*, std::uint32_t) noexcept {
    auto* latch = static_cast<GatherLatch*>(hook);
    latch->cancel_forwarded_ = true;
    for (TaskHeader* child : latch->children_) request_cancel(child);
  }

  std::atomic<std::size_t> remaining_{0};
  Waker waker_;
  TaskHeader* self_ = nullptr;
  bool cancel_forwarded_ = false;
  std::span<TaskHeader* const> children_;
  std::span<Node> nodes_;
};

}  // namespace corio::detail
