// Worker: one thread of a runtime and everything only it touches: its run queue and LIFO
// slot, its registry of tasks, its parker (epoll instance + eventfd).
//
// The loop, one iteration per task (a "tick"):
//   1. Every kMaintenanceInterval ticks: free tasks released on other threads.
//   2. Take a task: every kGlobalQueueInterval ticks the global queue first (injected work
//      never starves); then the LIFO slot (at most kMaxLifoPolls times in a row, so two
//      tasks waking each other cannot starve the queue); then the local queue; then a batch
//      from the global queue. Run it.
//   3. Nothing: search. Become a searcher (if fewer than half are), then for a few rounds
//      steal half of a random victim's queue or take from the global queue, spinning
//      briefly in between: a wake-up through a parked thread costs ~25 µs, far more than
//      a few rounds of looking.
//   4. Still nothing: park in epoll_wait (see idle.hpp for the accounting that keeps a
//      wake-up from being lost).
#pragma once

#include <absl/random/random.h>

#include <coroutine>
#include <cstdint>
#include <thread>

#include "corio/core/detail/task_header.hpp"
#include "inject_queue.hpp"
#include "parker.hpp"
#include "run_queue.hpp"
#include "task_registry.hpp"

namespace corio::detail {

class Scheduler;

class Worker {
 public:
  static constexpr std::uint32_t kGlobalQueueInterval = 61;
  static constexpr std::uint32_t kMaintenanceInterval = 61;
  static constexpr std::uint32_t kMaxLifoPolls = 3;
  static constexpr int kSearchRounds = 32;

  Worker(Scheduler& scheduler, unsigned index, std::uint32_t queue_capacity);
  Worker(const Worker&) = delete;
  Worker& operator=(const Worker&) = delete;

  /// The worker running on this thread (of any runtime), or null.
  static Worker* current() noexcept;

  void start();
  void join();

  Scheduler& scheduler() const noexcept { return scheduler_; }
  unsigned index() const noexcept { return index_; }
  TaskRegistry& registry() noexcept { return registry_; }
  LocalQueue& queue() noexcept { return queue_; }
  Parker& parker() noexcept { return parker_; }
  bool has_local_work() const noexcept { return lifo_ != nullptr || !queue_.empty(); }

  /// Owner thread: schedules a runnable task here. A wake-up or spawn takes the LIFO slot
  /// (the task it displaces goes to the queue); a yield goes to the back of the queue.
  void schedule_local(TaskHeader* task, bool is_yield);

  /// The running task asked to yield (see yield_now).
  void request_yield() noexcept { yielded_ = true; }
  /// The running task finished (called from its final suspension).
  void mark_completed() noexcept { completed_ = true; }

  /// Shutdown, once the thread has stopped: takes every queued task out (they stay in
  /// their registries).
  void drop_queued_tasks() noexcept;

 private:
  void run();
  void run_task(TaskHeader* task);
  TaskHeader* next_task();
  TaskHeader* pop_global_batch();
  bool search_and_run();
  void end_search();
  void park();
  void push_back(TaskHeader* task);

  Scheduler& scheduler_;
  const unsigned index_;
  LocalQueue queue_;
  TaskRegistry registry_;
  Parker parker_;
  InjectQueue::ProducerToken producer_token_;
  InjectQueue::ConsumerToken consumer_token_;
  absl::InsecureBitGen rng_;
  std::thread thread_;

  // Touched by the owner thread only.
  TaskHeader* lifo_ = nullptr;     ///< newest woken or spawned task; not stealable
  std::uint32_t tick_ = 0;
  std::uint32_t lifo_polls_ = 0;   ///< consecutive polls taken from the LIFO slot
  bool searching_ = false;         ///< counted as a searcher in Idle
  bool yielded_ = false;           ///< set during a poll by yield_now
  bool completed_ = false;         ///< set during a poll by a finishing task
};

}  // namespace corio::detail
