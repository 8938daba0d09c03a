// Worker: one thread of a runtime and everything only it touches: its run queue and LIFO
// slot, its registry of tasks, its parker (epoll instance + eventfd).
//
// The loop, one iteration per task (a "tick"):
//   1. Every kMaintenanceInterval ticks: free tasks released on other threads, process
//      timer cancellations and fire due timers, and poll the reactor without blocking (so
//      a busy worker still fires timers and serves I/O).
//   2. Take a task: every kGlobalQueueInterval ticks the global queue first (injected work
//      never starves); then the LIFO slot (at most kMaxLifoPolls times in a row, so two
//      tasks waking each other cannot starve the queue); then the local queue and the
//      pinned queue, alternating which comes first; then a batch from the global queue.
//      Run it.
//   3. Nothing: search, if there are other workers. Become a searcher (if fewer than half
//      are), then for a few rounds steal half of a random victim's queue or take from the
//      global queue, spinning briefly in between: a wake-up through a parked thread costs
//      ~25 µs, far more than a few rounds of looking. Each round also polls its own reactor
//      without blocking, if it has fds: their events are work only it can find, and a
//      searcher would otherwise leave them until it parks. Once per search it also polls
//      the reactors of workers that are busy, so their readiness is never stranded
//      (worker.cpp, "Reactor"; figures in docs/architecture.md). A lone worker parks at once.
//      The first kPatientRounds rounds (~2 µs here) steal only from a queue of at least
//      kPatientMinQueued tasks: its owner is at work and pops a short queue soon, and every
//      steal takes cache lines (the queue's indices and slots, the tasks' headers) away
//      from it. A spawning loop drained two tasks at a time ran up to 1.5x slower (B1).
//   4. Still nothing: fire due timers, then park in epoll_wait until the next deadline
//      (see idle.hpp for the accounting that keeps a wake-up from being lost). With a
//      manual clock, the last worker to park moves time to the earliest deadline instead.
//
// Pinned tasks (spawn_local) run only on their home worker: they never enter the stealable
// local queue or the global queue. The home worker keeps them in a private FIFO; other
// threads that wake one post it to the home worker's inbox and unpark it.
//
// Timers: each worker owns a timer wheel. Only the worker touches it: a sleep arms its
// entry on the worker it runs on, and cancellations from elsewhere arrive as messages
// (post_cancel) that the worker handles before firing timers.
#pragma once

#include <absl/functional/function_ref.h>
#include <absl/random/random.h>

#include <chrono>
#include <coroutine>
#include <cstdint>
#include <deque>
#include <memory>
#include <mutex>
#include <thread>
#include <utility>
#include <vector>

#include "corio/core/detail/io_readiness.hpp"
#include "corio/core/detail/task_header.hpp"
#include "corio/core/detail/timer_entry.hpp"
#include "corio/core/metrics.hpp"
#include "frame_cache.hpp"
#include "inject_queue.hpp"
#include "parker.hpp"
#include "run_queue.hpp"
#include "task_registry.hpp"
#include "timer_wheel.hpp"

namespace corio::detail {

class Scheduler;
class Worker;

/// The worker running on this thread, or null (see Worker::current). constinit: one TLS
/// load, no init wrapper call.
extern constinit thread_local Worker* t_worker;

class Worker final : public TimerOwner, public IoReactor {
 public:
  static constexpr std::uint64_t kNoDeadline = ~std::uint64_t{0};
  static constexpr std::uint32_t kGlobalQueueInterval = 61;
  static constexpr std::uint32_t kMaintenanceInterval = 61;
  static constexpr std::uint32_t kMaxLifoPolls = 3;
  static constexpr int kSearchRounds = 32;
  static constexpr int kPatientRounds = 2;
  static constexpr std::uint32_t kPatientMinQueued = 32;
  /// Search rounds of a worker with registered fds (docs/architecture.md, "A worker with
  /// fds searches briefly").
  static constexpr int kSearchRoundsWithIo = 4;

  Worker(Scheduler& scheduler, unsigned index, std::uint32_t queue_capacity);
  Worker(const Worker&) = delete;
  Worker& operator=(const Worker&) = delete;
  ~Worker();

  /// The worker running on this thread (of any runtime), or null.
  static Worker* current() noexcept { return t_worker; }

  void start();
  void join();

  Scheduler& scheduler() const noexcept { return scheduler_; }
  unsigned index() const noexcept { return index_; }
  TaskRegistry& registry() noexcept { return registry_; }
  const TaskRegistry& registry() const noexcept { return registry_; }
  LocalQueue& queue() noexcept { return queue_; }
  Parker& parker() noexcept { return parker_; }
  bool has_local_work() const noexcept {
    return lifo_ != nullptr || !queue_.empty() || !pinned_.empty() ||
           pinned_inbox_filled_.load(std::memory_order_acquire);
  }

  /// Owner thread: schedules a runnable task here. A wake-up or spawn takes the LIFO slot
  /// (the task it displaces goes to the queue); with `at_back` (a yield, a spawn in turn)
  /// it goes to the back of the queue. A task pinned to another worker is posted to that
  /// worker instead.
  void schedule_local(TaskHeader* task, bool at_back);
  /// Any thread: queues a task pinned to this worker and wakes the worker if it sleeps.
  void schedule_pinned(TaskHeader* task) noexcept;

  /// The running task asked to yield (see yield_now).
  void request_yield() noexcept { yielded_ = true; }
  /// The running task finished (called from its final suspension, before its joiner is
  /// notified, so whoever sees the result also sees the count).
  void mark_completed() noexcept {
    completed_ = true;
    bump(counters_.completed);
  }
  /// Owner thread: a task was spawned here.
  void count_spawn() noexcept { bump(counters_.spawned); }

  /// Debug mode: the task in the current poll (null between polls) and the number of that
  /// poll on this worker. The watchdog times a poll by seeing the same pair at two checks:
  /// a worker reads no clock per poll. Any thread.
  std::pair<TaskHeader*, std::uint64_t> current_poll() const noexcept {
    auto task = debug_task_.load(std::memory_order_acquire) & ~kPollPinned;
    return {reinterpret_cast<TaskHeader*>(task), debug_polls_.load(std::memory_order_relaxed)};
  }
  /// Debug mode, the watchdog: calls `read` if `task` is still in its poll here, and keeps
  /// that poll from ending (so the task from being freed) until `read` returns. False, and
  /// `read` is not called, when the poll is over. One caller at a time.
  bool read_polled_task(const TaskHeader* task, absl::FunctionRef<void()> read);

  /// Shutdown, once the thread has stopped: takes every queued task out (they stay in
  /// their registries) and drops pending timer cancellations.
  void drop_queued_tasks() noexcept;

  // TimerOwner (timer_entry.hpp)
  bool arm(TimerEntry* entry) noexcept override;
  void disarm(TimerEntry* entry) noexcept override;
  void post_cancel(TimerCancel* message) noexcept override;

  // IoReactor (io_readiness.hpp)
  int epoll_fd() const noexcept { return parker_.epoll_fd(); }
  IoReadiness* register_io(int fd) override;
  void deregister_fd(int fd) noexcept override;
  void retire(IoReadiness* record) noexcept override;
  /// Another worker, searching: dispatches the I/O events ready now on this worker's
  /// reactor, unless this worker sleeps in epoll_wait (it gets them there), has no fd, or
  /// someone holds the dispatch claim (worker.cpp, "Reactor"). Returns how many.
  std::uint64_t help_poll_io() noexcept;

  /// A snapshot of this worker's counters. Any thread.
  WorkerMetrics metrics() const noexcept;
  /// Tasks spawned here and tasks finished here (any thread may read).
  std::uint64_t spawned() const noexcept {
    return counters_.spawned.load(std::memory_order_relaxed);
  }
  std::uint64_t completed() const noexcept {
    return counters_.completed.load(std::memory_order_relaxed);
  }
  /// Owner thread: a yield forced by the cooperative budget.
  void count_budget_yield() noexcept { bump(counters_.budget_yields); }

  /// Manual clock: the earliest timer deadline of this worker, published when it parks.
  std::uint64_t published_deadline() const noexcept {
    return published_deadline_.load(std::memory_order_acquire);
  }

 private:
  void run();
  void run_task(TaskHeader* task);
  void end_debug_poll() noexcept;
  TaskHeader* next_task();
  TaskHeader* pop_global_batch();
  bool search_and_run();
  /// Searching: help_poll_io() on every other worker; returns the events dispatched.
  std::uint64_t help_other_reactors() noexcept;
  void end_search();
  void park();
  void push_back(TaskHeader* task);
  /// The next pinned task, or null. The check is inline: it runs on every other tick.
  TaskHeader* pop_pinned() noexcept {
    if (pinned_.empty() && !pinned_inbox_filled_.load(std::memory_order_relaxed)) return nullptr;
    return pop_pinned_slow();
  }
  TaskHeader* pop_pinned_slow() noexcept;
  void process_timers() noexcept;
  void free_retired_io() noexcept;
  /// Dispatches the I/O events ready now, if any fd is registered here; returns how many.
  std::uint64_t poll_io_if_registered() noexcept;
  int park_timeout() const noexcept;

  Scheduler& scheduler_;
  const unsigned index_;
  LocalQueue queue_;
  TaskRegistry registry_;
  FrameCache frame_cache_;  // reached through t_frame_cache while run() runs
  Parker parker_;
  InjectQueue::ProducerToken producer_token_;
  InjectQueue::ConsumerToken consumer_token_;
  absl::InsecureBitGen rng_;
  std::thread thread_;
  /// Counters written only by the owner: a plain load and store, no read-modify-write.
  struct Counters {
    std::atomic<std::uint64_t> polled{0}, steals{0}, stolen_tasks{0}, parks{0}, notified{0},
        overflowed{0}, io_events{0}, timers_fired{0}, budget_yields{0}, parked_ns{0}, spawned{0},
        completed{0};
  };
  static void bump(std::atomic<std::uint64_t>& c, std::uint64_t by = 1) noexcept {
    c.store(c.load(std::memory_order_relaxed) + by, std::memory_order_relaxed);
  }
  Counters counters_;
  // Debug mode: the polled task, tagged kPollPinned while the watchdog reads it when polls
  // end with an exchange (without membarrier: worker.cpp, "Debug mode").
  static constexpr std::uintptr_t kPollPinned = 1;
  const bool debug_;              ///< the runtime runs in debug mode
  const bool debug_light_fence_;  ///< polls end without an RMW (worker.cpp, "Debug mode")
  // The debug words are written twice a poll: a line of their own, apart from the words
  // other workers read (the reactor's, below).
  alignas(64) std::atomic<std::uintptr_t> debug_task_{0};  ///< the polled task (| kPollPinned)
  std::atomic<std::uint64_t> debug_polls_{0};              ///< polls started; the owner writes it
  std::atomic<bool> debug_reading_{false};                 ///< the watchdog is in read_polled_task
  std::chrono::steady_clock::time_point started_ = std::chrono::steady_clock::now();

  alignas(64) TimerWheel timers_;               ///< owner thread only
  std::atomic<TimerCancel*> cancels_{nullptr};  ///< stack of messages from any thread
  std::atomic<std::uint64_t> published_deadline_{kNoDeadline};
  std::atomic<IoReadiness*> retired_io_{nullptr};  ///< stack of records to free
  std::atomic<std::uint32_t> registered_io_{0};    ///< live records on this reactor
  /// Held by a helper polling this reactor, and by the owner while it frees records.
  std::atomic<bool> io_claim_{false};
  std::shared_ptr<ReactorLiveness> io_liveness_ = std::make_shared<ReactorLiveness>();

  std::mutex pinned_inbox_mutex_;
  std::vector<TaskHeader*> pinned_inbox_;         ///< pinned tasks woken by other threads
  std::atomic<bool> pinned_inbox_filled_{false};  ///< pinned_inbox_ is not empty

  // Touched by the owner thread only.
  TaskHeader* lifo_ = nullptr;      ///< newest woken or spawned task; not stealable
  std::deque<TaskHeader*> pinned_;  ///< runnable tasks pinned here, FIFO
  std::uint32_t tick_ = 0;
  std::uint32_t lifo_polls_ = 0;  ///< consecutive polls taken from the LIFO slot
  bool searching_ = false;        ///< counted as a searcher in Idle
  bool yielded_ = false;          ///< set during a poll by yield_now
  bool completed_ = false;        ///< set during a poll by a finishing task
};

}  // namespace corio::detail
