// InjectQueue: the runtime's global run queue, for tasks scheduled from outside the
// runtime and for a worker's overflow. A moodycamel ConcurrentQueue: lock-free, and bulk
// operations move a batch of tasks for one synchronisation.
#pragma once

#include <concurrentqueue/concurrentqueue.h>

#include <cstddef>

#include "corio/core/detail/task_header.hpp"

namespace corio::detail {

class InjectQueue {
 public:
  using ProducerToken = moodycamel::ProducerToken;
  using ConsumerToken = moodycamel::ConsumerToken;

  ProducerToken make_producer_token() { return ProducerToken(queue_); }
  ConsumerToken make_consumer_token() { return ConsumerToken(queue_); }

  /// Any thread. Throws std::bad_alloc when the queue cannot grow.
  void push(TaskHeader* task) {
    if (!queue_.enqueue(task)) throw std::bad_alloc();
  }
  void push_bulk(ProducerToken& token, TaskHeader* const* tasks, std::size_t n) {
    if (!queue_.enqueue_bulk(token, tasks, n)) throw std::bad_alloc();
  }
  std::size_t pop_bulk(ConsumerToken& token, TaskHeader** out, std::size_t max) noexcept {
    return queue_.try_dequeue_bulk(token, out, max);
  }
  /// Without a token: for shutdown, from the thread that tears the runtime down.
  bool pop(TaskHeader*& out) noexcept { return queue_.try_dequeue(out); }
  std::size_t size_approx() const noexcept { return queue_.size_approx(); }

 private:
  moodycamel::ConcurrentQueue<TaskHeader*> queue_;
};

}  // namespace corio::detail
