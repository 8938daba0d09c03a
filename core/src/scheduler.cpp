// Scheduler: start-up, cross-thread scheduling and the shutdown protocol (scheduler.hpp).
#include "scheduler.hpp"

#include <absl/strings/str_cat.h>

#include <atomic>
#include <cstdlib>
#include <string>
#include <string_view>
#include <thread>

#include "corio/core/error.hpp"

namespace corio::detail {

namespace {
unsigned worker_count(const RuntimeOptions& options) {
  if (options.workers != 0) return options.workers;
  return std::max(1u, std::thread::hardware_concurrency());
}

constexpr unsigned kMaxWorkers = 4096;
static_assert(kMaxWorkers - 1 <= TaskHeader::kPlacementWorker, "a worker index must fit a header");

void validate(const RuntimeOptions& options) {
  if (options.workers > kMaxWorkers) {
    throw UsageError(absl::StrCat("RuntimeOptions::workers = ", options.workers,
                                  " is more than corio supports (", kMaxWorkers,
                                  "); use 0 for one per core"));
  }
  std::uint32_t cap = options.local_queue_capacity;
  if (cap < 2 || cap > LocalQueue::kMaxCapacity || (cap & (cap - 1)) != 0) {
    throw UsageError(absl::StrCat("RuntimeOptions::local_queue_capacity = ", cap,
                                  " must be a power of two from 2 to ", LocalQueue::kMaxCapacity,
                                  " (the default is 1024)"));
  }
}
}  // namespace

Scheduler::Scheduler(const RuntimeOptions& options)
    : clock_(options.clock),
      idle_((validate(options), worker_count(options))),
      stop_the_world_(worker_count(options)),
      outside_registry_(*this, nullptr),
      blocking_pool_(options.max_blocking_threads),
      compute_arena_(options.compute_threads) {
  const char* env = std::getenv("CORIO_DEBUG");
  if (options.debug || (env && *env && std::string_view(env) != "0")) {
    debug_monitor_ =
        std::make_unique<DebugMonitor>(*this, options.slow_task_threshold, options.debug_sink);
  }
  unsigned n = worker_count(options);
  workers_.reserve(n);
  for (unsigned i = 0; i < n; ++i) {
    workers_.push_back(std::make_unique<Worker>(*this, i, options.local_queue_capacity));
  }
  for (auto& worker : workers_) worker->start();
  if (debug_monitor_) debug_monitor_->start();
}

Scheduler::~Scheduler() { shut_down(); }

void Scheduler::spawn(TaskHeader* task, SpawnOrder order) {
  if (Worker* worker = current_worker()) {
    worker->count_spawn();
    worker->registry().insert(task);
    worker->schedule_local(task, /*at_back=*/order == SpawnOrder::in_turn);
    return;
  }
  spawned_outside_.fetch_add(1, std::memory_order_relaxed);
  outside_registry_.insert(task);
  schedule_from_outside(task);
}

void Scheduler::schedule(TaskHeader* task) noexcept {
  if (is_shutdown()) return;
  if (Worker* worker = current_worker()) {
    worker->schedule_local(task, /*at_back=*/false);
    return;
  }
  schedule_from_outside(task);
}

void Scheduler::schedule_from_outside(TaskHeader* task) noexcept {
  if (task->pinned()) {
    workers_[task->last_worker()]->schedule_pinned(task);
    return;
  }
  inject_.push(task);
  notify_parked();
}

void Scheduler::notify_parked() noexcept {
  // Pairs with the fence in Worker::park: our push happens before this read of the idle
  // state, its write of the idle state before its re-check of the queues.
  idle_.store_load_barrier();
  notify_parked_local();
}

void Scheduler::notify_parked_local() noexcept {
  if (!idle_.should_notify()) return;
  if (auto index = idle_.worker_to_notify()) {
    Worker& worker = *workers_[*index];
    // The one picked may be the caller: a worker still counted as parked while it
    // dispatches the I/O events that woke it, or that is about to sleep. It is not blocked
    // in epoll_wait, so no eventfd write (and no later read and epoll_wait) is needed.
    if (&worker == Worker::current()) {
      worker.parker().notify_owner();
    } else {
      worker.parker().unpark();
    }
  }
}

void Scheduler::notify_if_work_pending() noexcept {
  bool pending = inject_.size_approx() != 0;
  for (auto& worker : workers_) pending = pending || !worker->queue().empty();
  if (pending) notify_parked();
}

Worker* Scheduler::advance_manual_clock() noexcept {
  Worker* earliest = nullptr;
  std::uint64_t deadline = Worker::kNoDeadline;
  for (auto& worker : workers_) {
    std::uint64_t d = worker->published_deadline();
    if (d < deadline) {
      deadline = d;
      earliest = worker.get();
    }
  }
  if (earliest) clock_.advance_to_ms(deadline);
  return earliest;
}

// ---- Shutdown (the numbered steps are in scheduler.hpp) ---------------------------------

void Scheduler::shut_down() noexcept {
  // 1.
  if (debug_monitor_) debug_monitor_->stop();  // it reads the workers
  shutdown_.store(true, std::memory_order_release);
  for (auto& worker : workers_) worker->parker().unpark();
  for (auto& worker : workers_) worker->join();
  blocking_pool_.shut_down();  // waits for calls still running on pool threads
  compute_arena_.wait();       // and for compute() jobs (their wake-ups find tasks alive)
  // 2.
  for (auto& worker : workers_) worker->drop_queued_tasks();
  for (TaskHeader* task; inject_.pop(task);) {
  }
  // 3.
  std::vector<TaskRegistry*> registries{&outside_registry_};
  for (auto& worker : workers_) registries.push_back(&worker->registry());
  for (TaskRegistry* registry : registries) registry->begin_shutdown();
  for (TaskRegistry* registry : registries) registry->drain_remote();
  bool any = true;
  while (any) {
    any = false;
    for (TaskRegistry* registry : registries) {
      while (TaskHeader* task = registry->pop_any()) {
        any = true;
        destroy_unfinished(task);
      }
    }
  }
}

void Scheduler::destroy_unfinished(TaskHeader* task) noexcept {
  std::uint32_t s = task->state.load(std::memory_order_acquire);
  if (s & TaskHeader::kComplete) return;  // finished: its JoinHandle frees it
  task->state.fetch_or(TaskHeader::kComplete | TaskHeader::kCancelled, std::memory_order_acq_rel);
  task->join.store(TaskHeader::kJoinComplete, std::memory_order_release);
  // The runtime's reference is still held, so the memory outlives the frame (kFrameGone)
  // until the JoinHandle, if any, lets go.
  destroy_frame(task);
  release_ref(task);
}

}  // namespace corio::detail
