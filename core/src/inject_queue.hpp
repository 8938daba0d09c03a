// InjectQueue: the runtime's global run queue, for tasks scheduled from outside the
// runtime and for a worker's overflow. A moodycamel ConcurrentQueue: lock-free, and bulk
// operations move a batch of tasks for one synchronisation.
//
// Under ThreadSanitizer it is a mutex-guarded deque with the same interface: moodycamel
// synchronises some paths with standalone fences, which TSan cannot model (its header says
// TSan reports false races in it, and GCC refuses the fences under -fsanitize=thread). So
// TSan builds check corio's own synchronisation, not a third-party queue's.
#pragma once

#include <cstddef>
#include <new>

#include "corio/core/detail/task_header.hpp"

#if defined(__SANITIZE_THREAD__)
#include <deque>
#include <mutex>
#else
#include <concurrentqueue/concurrentqueue.h>
#endif

namespace corio::detail {

#if !defined(__SANITIZE_THREAD__)

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

#else  // ThreadSanitizer

class InjectQueue {
 public:
  struct ProducerToken {};
  struct ConsumerToken {};

  ProducerToken make_producer_token() { return {}; }
  ConsumerToken make_consumer_token() { return {}; }

  void push(TaskHeader* task) {
    std::lock_guard lock(mutex_);
    queue_.push_back(task);
  }
  void push_bulk(ProducerToken&, TaskHeader* const* tasks, std::size_t n) {
    std::lock_guard lock(mutex_);
    queue_.insert(queue_.end(), tasks, tasks + n);
  }
  std::size_t pop_bulk(ConsumerToken&, TaskHeader** out, std::size_t max) noexcept {
    std::lock_guard lock(mutex_);
    std::size_t n = 0;
    for (; n < max && !queue_.empty(); ++n) {
      out[n] = queue_.front();
      queue_.pop_front();
    }
    return n;
  }
  bool pop(TaskHeader*& out) noexcept {
    ConsumerToken token;
    return pop_bulk(token, &out, 1) == 1;
  }
  std::size_t size_approx() const noexcept {
    std::lock_guard lock(mutex_);
    return queue_.size();
  }

 private:
  mutable std::mutex mutex_;
  std::deque<TaskHeader*> queue_;
};

#endif

}  // namespace corio::detail
