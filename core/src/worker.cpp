// Worker: the per-thread loop (see worker.hpp for the algorithm).
#include "worker.hpp"

#include <atomic>
#include <coroutine>
#include <memory>

#include "scheduler.hpp"

#if defined(__x86_64__) || defined(__i386__)
#include <immintrin.h>
#define CORIO_CPU_RELAX() _mm_pause()
#else
#define CORIO_CPU_RELAX() ((void)0)
#endif

namespace corio::detail {

namespace {
// Plain pointers, constant-initialised: reading them is a single TLS load.
thread_local Worker* t_worker = nullptr;
thread_local TaskHeader* t_task = nullptr;
}  // namespace

Worker* Worker::current() noexcept { return t_worker; }
TaskHeader* current_task() noexcept { return t_task; }

Worker::Worker(Scheduler& scheduler, unsigned index, std::uint32_t queue_capacity)
    : scheduler_(scheduler),
      index_(index),
      queue_(queue_capacity),
      registry_(scheduler, this),
      producer_token_(scheduler.inject().make_producer_token()),
      consumer_token_(scheduler.inject().make_consumer_token()) {}

void Worker::start() {
  thread_ = std::thread([this] { run(); });
}

void Worker::join() {
  if (thread_.joinable()) thread_.join();
}

void Worker::run() {
  t_worker = this;
  while (!scheduler_.is_shutdown()) {
    ++tick_;
    if (tick_ % kMaintenanceInterval == 0) registry_.drain_remote();
    if (TaskHeader* task = next_task()) {
      run_task(task);
      continue;
    }
    if (search_and_run()) continue;
    park();
  }
  if (searching_) end_search();
  t_worker = nullptr;
}

// ---- Running one task ------------------------------------------------------------------
//
// State transitions (task_header.hpp has the table of bits):
//   start of poll:  kNotified -> kRunning                (fetch_xor flips both)
//   finished:       kRunning -> kComplete, then the runtime's reference is dropped
//   yielded:        kRunning -> kNotified, back of the queue
//   suspended:      clear kRunning; if a waker claimed the task during the poll
//                   (kNotified set), it is runnable again: requeue it here, because the
//                   waker saw kRunning and left that to us.

void Worker::run_task(TaskHeader* task) {
  // A worker that finds a task, however it found it, stops searching (Idle step 2).
  if (searching_) end_search();
  task->state.fetch_xor(TaskHeader::kRunning | TaskHeader::kNotified, std::memory_order_acquire);
  t_task = task;
  std::coroutine_handle<>::from_address(task->resume_address).resume();
  t_task = nullptr;

  if (completed_) {
    completed_ = false;
    task->state.fetch_xor(TaskHeader::kRunning | TaskHeader::kComplete,
                          std::memory_order_release);
    release_ref(task);
    return;
  }
  if (yielded_) {
    yielded_ = false;
    std::uint32_t s = task->state.load(std::memory_order_relaxed);
    while (!task->state.compare_exchange_weak(s, (s & ~TaskHeader::kRunning) | TaskHeader::kNotified,
                                              std::memory_order_acq_rel,
                                              std::memory_order_relaxed)) {
    }
    schedule_local(task, /*is_yield=*/true);
    return;
  }
  std::uint32_t s = task->state.fetch_and(~TaskHeader::kRunning, std::memory_order_acq_rel);
  if (s & TaskHeader::kNotified) schedule_local(task, /*is_yield=*/false);
}

// ---- Queues ------------------------------------------------------------------------------

void Worker::push_back(TaskHeader* task) {
  while (!queue_.push_back(task)) {
    // Full: move the older half (and then retry) to the global queue in one batch.
    TaskHeader* batch[LocalQueue::kMaxHalf];
    std::uint32_t n = queue_.take_half(batch);
    if (n == 0) {
      scheduler_.inject().push(task);  // a stealer is emptying it: just send this one
      return;
    }
    scheduler_.inject().push_bulk(producer_token_, batch, n);
  }
}

void Worker::schedule_local(TaskHeader* task, bool is_yield) {
  bool queued_stealable_work;
  if (is_yield) {
    push_back(task);
    queued_stealable_work = true;
  } else {
    TaskHeader* displaced = lifo_;
    lifo_ = task;
    queued_stealable_work = displaced != nullptr;
    if (displaced) push_back(displaced);
  }
  if (queued_stealable_work) scheduler_.notify_parked();
}

TaskHeader* Worker::pop_global_batch() {
  if (scheduler_.inject().size_approx() == 0) return nullptr;
  // Take a fair share, bounded by the room in the local queue.
  TaskHeader* batch[LocalQueue::kMaxHalf];
  std::size_t share = scheduler_.inject().size_approx() / scheduler_.num_workers() + 1;
  std::size_t room = queue_.capacity() - queue_.size();
  std::size_t max = std::min<std::size_t>({share, room + 1, queue_.capacity() / 2});
  std::size_t n = scheduler_.inject().pop_bulk(consumer_token_, batch, max);
  if (n == 0) return nullptr;
  for (std::size_t i = 1; i < n; ++i) queue_.push_back(batch[i]);
  return batch[0];
}

TaskHeader* Worker::next_task() {
  if (tick_ % kGlobalQueueInterval == 0) {
    if (TaskHeader* task = pop_global_batch()) return task;
  }
  if (lifo_) {
    TaskHeader* task = std::exchange(lifo_, nullptr);
    if (lifo_polls_ < kMaxLifoPolls) {
      ++lifo_polls_;
      return task;
    }
    push_back(task);  // the cap is reached: it waits its turn in the queue
  }
  lifo_polls_ = 0;
  if (TaskHeader* task = queue_.pop()) return task;
  return pop_global_batch();
}

// ---- Searching and parking -----------------------------------------------------------------

bool Worker::search_and_run() {
  if (!searching_) {
    if (!scheduler_.idle().transition_to_searching()) return false;
    searching_ = true;
  }
  unsigned n = scheduler_.num_workers();
  for (int round = 0; round < kSearchRounds; ++round) {
    unsigned start = n > 1 ? absl::Uniform(rng_, 0u, n) : 0;
    for (unsigned i = 0; i < n; ++i) {
      unsigned victim = (start + i) % n;
      if (victim == index_) continue;
      if (TaskHeader* task = scheduler_.worker(victim).queue().steal_into(queue_)) {
        run_task(task);
        return true;
      }
    }
    if (TaskHeader* task = pop_global_batch()) {
      run_task(task);
      return true;
    }
    for (int spin = 0; spin < 32 << (round / 8); ++spin) CORIO_CPU_RELAX();
  }
  return false;
}

void Worker::end_search() {
  searching_ = false;
  // The last searcher found work: there may be more, so hand the search to a sleeper.
  if (scheduler_.idle().transition_from_searching()) scheduler_.notify_parked();
}

void Worker::park() {
  registry_.drain_remote();
  if (scheduler_.idle().transition_to_parked(index_, searching_)) {
    std::atomic_thread_fence(std::memory_order_seq_cst);
    scheduler_.notify_if_work_pending();
  }
  searching_ = false;
  while (!scheduler_.is_shutdown()) {
    parker_.park(-1);
    if (has_local_work()) {  // woken with work of its own (I/O or timers, in later layers)
      scheduler_.idle().unpark_worker_by_id(index_);
      return;
    }
    if (!scheduler_.idle().is_parked(index_)) {
      searching_ = true;  // a producer woke us and counted us as a searcher
      return;
    }
  }
}

void Worker::drop_queued_tasks() noexcept {
  lifo_ = nullptr;
  while (queue_.pop()) {
  }
}

}  // namespace corio::detail
