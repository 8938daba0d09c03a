// GatherLatch: waits for a set of spawned tasks to finish, for gather(). One Completion node
// per child sits in the child's join slot; the last child to finish wakes the gathering
// task. Registering with N children costs N compare-and-swaps and no allocation beyond the
// node array the caller owns.
#pragma once

#include <atomic>
#include <coroutine>
#include <cstddef>
#include <span>

#include "corio/core/detail/scheduling.hpp"
#include "corio/core/detail/task_header.hpp"

namespace corio::detail {

class GatherLatch {
 public:
  struct Node : Completion {
    Node() noexcept : Completion{&GatherLatch::on_child_finished} {}
    GatherLatch* latch = nullptr;
    TaskHeader* child = nullptr;  ///< set while the node sits in the child's join slot
  };

  GatherLatch() = default;
  GatherLatch(const GatherLatch&) = delete;
  GatherLatch& operator=(const GatherLatch&) = delete;

  /// Unregisters from children still running: only reached when the gathering frame is
  /// destroyed while suspended (runtime shutdown).
  ~GatherLatch() {
    for (Node& node : nodes_) {
      if (node.child && remaining_.load(std::memory_order_acquire) != 0) {
        node.child->remove_join_waiter(&node);
      }
    }
  }

  /// Registers a node with each child. Returns true when the caller must suspend; false when
  /// every child had already finished (the caller goes on at once).
  bool arm(std::coroutine_handle<> caller, std::span<TaskHeader* const> children,
           std::span<Node> nodes) {
    nodes_ = nodes;
    // One extra count held by arm() itself, so no child can reach zero while we register.
    remaining_.store(children.size() + 1, std::memory_order_relaxed);
    TaskHeader& self = require_current_task("co_await on corio::gather");
    waker_ = self.begin_wait(caller);
    std::size_t finished = 1;
    for (std::size_t i = 0; i < children.size(); ++i) {
      nodes[i].latch = this;
      nodes[i].child = children[i];
      if (!children[i]->add_join_waiter(&nodes[i])) {
        nodes[i].child = nullptr;
        ++finished;
      }
    }
    if (remaining_.fetch_sub(finished, std::memory_order_acq_rel) == finished) {
      return !self.abandon_wait(waker_.epoch);
    }
    return true;
  }

 private:
  static void on_child_finished(Completion* c) noexcept {
    GatherLatch* latch = static_cast<Node*>(c)->latch;
    static_cast<Node*>(c)->child = nullptr;
    if (latch->remaining_.fetch_sub(1, std::memory_order_acq_rel) == 1) latch->waker_.wake();
  }

  std::atomic<std::size_t> remaining_{0};
  Waker waker_;
  std::span<Node> nodes_;
};

}  // namespace corio::detail
