// Worker: the per-thread loop (see worker.hpp for the algorithm).
#include "worker.hpp"

#include <sys/epoll.h>

#include <atomic>
#include <cassert>
#include <cerrno>
#include <coroutine>
#include <memory>
#include <system_error>

#include "asymmetric_fence.hpp"
#include "corio/core/detail/cpu_relax.hpp"
#include "runtime_clock.hpp"
#include "scheduler.hpp"

namespace corio::detail {

// Plain pointers, constant-initialised: reading them is a single TLS load.
constinit thread_local Worker* t_worker = nullptr;
constinit thread_local TaskHeader* t_current_task = nullptr;
constinit thread_local int t_coop_budget = 0;

Worker::Worker(Scheduler& scheduler, unsigned index, std::uint32_t queue_capacity)
    : scheduler_(scheduler),
      index_(index),
      queue_(queue_capacity),
      registry_(scheduler, this),
      producer_token_(scheduler.inject().make_producer_token()),
      consumer_token_(scheduler.inject().make_consumer_token()),
      debug_(scheduler.debug_monitor() != nullptr),
      debug_light_fence_(debug_ && heavy_fence_available()) {}

void Worker::start() {
  thread_ = std::thread([this] { run(); });
}

void Worker::join() {
  if (thread_.joinable()) thread_.join();
}

void Worker::run() {
  t_worker = this;
  t_frame_cache = &frame_cache_;
  StopTheWorld& stop = scheduler_.stop_the_world();
  while (!scheduler_.is_shutdown()) {
    if (stop.requested()) [[unlikely]] {
      stop.arrive();  // a safe point: between two polls (Runtime::dump_tasks)
    }
    ++tick_;
    if (tick_ % kMaintenanceInterval == 0) {
      registry_.drain_remote();
      process_timers();
      poll_io_if_registered();
    }
    if (TaskHeader* task = next_task()) {
      run_task(task);
      continue;
    }
    if (search_and_run()) continue;
    park();
  }
  if (searching_) end_search();
  stop.retire();
  t_frame_cache = nullptr;
  release_frame_cache(frame_cache_);
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
  std::uint32_t s = task->state.fetch_xor(TaskHeader::kRunning | TaskHeader::kNotified,
                                          std::memory_order_acquire);
  while (s & TaskHeader::kCancelling) {  // a canceller still holds the wait's hook: a moment
    cpu_relax();
    s = task->state.load(std::memory_order_acquire);
  }
  t_current_task = task;
  task->note_polled_on(index_);
  t_coop_budget = kCoopBudget;
  bump(counters_.polled);
  if (debug_) {  // the watchdog reads these to find polls that run too long
    debug_polls_.store(debug_polls_.load(std::memory_order_relaxed) + 1, std::memory_order_relaxed);
    debug_task_.store(reinterpret_cast<std::uintptr_t>(task), std::memory_order_release);
  }
  std::coroutine_handle<>::from_address(task->resume_address).resume();
  if (debug_) end_debug_poll();
  t_current_task = nullptr;

  if (completed_) {
    completed_ = false;
    task->state.fetch_xor(TaskHeader::kRunning | TaskHeader::kComplete, std::memory_order_release);
    release_ref(task);
    return;
  }
  if (yielded_) {
    yielded_ = false;
    std::uint32_t s = task->state.load(std::memory_order_relaxed);
    while (
        !task->state.compare_exchange_weak(s, (s & ~TaskHeader::kRunning) | TaskHeader::kNotified,
                                           std::memory_order_acq_rel, std::memory_order_relaxed)) {
    }
    schedule_local(task, /*at_back=*/true);
    return;
  }
  s = task->state.fetch_and(~TaskHeader::kRunning, std::memory_order_acq_rel);
  if (s & TaskHeader::kNotified) schedule_local(task, /*at_back=*/false);
}

// ---- Debug mode ----------------------------------------------------------------------------
//
// The watchdog may read the info of the task a worker polls (read_polled_task): the task
// must not be freed meanwhile, so its poll does not end until the watchdog is done. With
// membarrier (asymmetric_fence.hpp), a poll ends with no read-modify-write:
//   1. The worker stores 0 to debug_task_, light fence, loads debug_reading_; if set, it
//      waits until the watchdog clears it (acquire: the watchdog's reads come first).
//   2. The watchdog sets debug_reading_, heavy fence, then loads debug_task_: only if it
//      still holds the task does it read, then it clears debug_reading_ (release).
//   The heavy fence runs a full barrier on the worker's CPU: the worker's store in step 1
//   came before it (the watchdog then loads 0 or a later poll's task) or its load comes
//   after it (and sees debug_reading_ set). A later poll of the same task is as safe: the
//   end of that poll comes after the barrier and waits.
// Without membarrier, the watchdog pins the poll with a CAS that tags debug_task_
// (kPollPinned) and the worker ends each poll with an exchange that sees the tag.

void Worker::end_debug_poll() noexcept {
  if (debug_light_fence_) {
    debug_task_.store(0, std::memory_order_relaxed);
    light_fence();
    if (!debug_reading_.load(std::memory_order_relaxed)) return;
  } else if (!(debug_task_.exchange(0, std::memory_order_acq_rel) & kPollPinned)) {
    return;
  }
  while (debug_reading_.load(std::memory_order_acquire)) cpu_relax();
}

bool Worker::read_polled_task(const TaskHeader* task, absl::FunctionRef<void()> read) {
  debug_reading_.store(true, std::memory_order_relaxed);
  auto expected = reinterpret_cast<std::uintptr_t>(task);
  bool pinned;
  if (debug_light_fence_) {
    heavy_fence();
    pinned = debug_task_.load(std::memory_order_acquire) == expected;
  } else {
    // Release: a worker whose exchange sees the pin also sees debug_reading_ set.
    pinned = debug_task_.compare_exchange_strong(expected, expected | kPollPinned,
                                                 std::memory_order_acq_rel);
  }
  if (pinned) read();
  debug_reading_.store(false, std::memory_order_release);
  return pinned;
}

// ---- Queues ------------------------------------------------------------------------------

void Worker::push_back(TaskHeader* task) {
  if (task->pinned()) {  // pinned here (schedule_local routed it): never stealable
    pinned_.push_back(task);
    return;
  }
  while (!queue_.push_back(task)) {
    // Full: move the older half (and then retry) to the global queue in one batch.
    TaskHeader* batch[LocalQueue::kMaxHalf];
    std::uint32_t n = queue_.take_half(batch);
    if (n == 0) {
      scheduler_.inject().push(task);  // a stealer is emptying it: just send this one
      bump(counters_.overflowed);
      return;
    }
    scheduler_.inject().push_bulk(producer_token_, batch, n);
    bump(counters_.overflowed, n);
  }
}

void Worker::schedule_local(TaskHeader* task, bool at_back) {
  if (task->pinned() && task->last_worker() != index_) {
    scheduler_.worker(task->last_worker()).schedule_pinned(task);
    return;
  }
  bool queued_stealable_work;
  if (at_back) {
    push_back(task);
    queued_stealable_work = true;
  } else {
    TaskHeader* displaced = lifo_;
    lifo_ = task;
    queued_stealable_work = displaced != nullptr;
    if (displaced) push_back(displaced);
  }
  if (queued_stealable_work) scheduler_.notify_parked_local();
}

void Worker::schedule_pinned(TaskHeader* task) noexcept {
  {
    std::lock_guard lock(pinned_inbox_mutex_);
    pinned_inbox_.push_back(task);
    pinned_inbox_filled_.store(true, std::memory_order_seq_cst);
  }
  // As for a timer cancellation (post_cancel): a parked owner is counted awake before the
  // caller can park, and an owner about to park finds the task in its inbox.
  if (Worker::current() != this && scheduler_.idle().notify_addressee(index_)) parker_.unpark();
}

TaskHeader* Worker::pop_pinned_slow() noexcept {
  if (pinned_inbox_filled_.load(std::memory_order_relaxed)) {
    std::lock_guard lock(pinned_inbox_mutex_);
    pinned_.insert(pinned_.end(), pinned_inbox_.begin(), pinned_inbox_.end());
    pinned_inbox_.clear();
    pinned_inbox_filled_.store(false, std::memory_order_relaxed);
  }
  if (pinned_.empty()) return nullptr;
  TaskHeader* task = pinned_.front();
  pinned_.pop_front();
  return task;
}

TaskHeader* Worker::pop_global_batch() {
  if (scheduler_.inject().size_approx() == 0) return nullptr;
  // Take a fair share, bounded by the room in the local queue.
  TaskHeader* batch[LocalQueue::kMaxHalf];
  std::size_t share = scheduler_.inject().size_approx() / scheduler_.num_workers() + 1;
  std::size_t room = queue_.free_slots();
  std::size_t max = std::min<std::size_t>({share, room + 1, queue_.capacity() / 2});
  std::size_t n = scheduler_.inject().pop_bulk(consumer_token_, batch, max);
  if (n == 0) return nullptr;
  for (std::size_t i = 1; i < n; ++i) {
    [[maybe_unused]] bool pushed = queue_.push_back(batch[i]);  // fits: room was reserved
    assert(pushed);
  }
  if (n > 1) scheduler_.notify_parked_local();  // the rest of the batch can be stolen
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
    schedule_local(task, /*at_back=*/true);  // the cap is reached: back of the queue
  }
  lifo_polls_ = 0;
  // Neither the stealable queue nor the pinned one may starve the other.
  bool pinned_first = (tick_ & 1) != 0;
  if (pinned_first) {
    if (TaskHeader* task = pop_pinned()) return task;
  }
  if (TaskHeader* task = queue_.pop()) return task;
  if (!pinned_first) {
    if (TaskHeader* task = pop_pinned()) return task;
  }
  return pop_global_batch();
}

// ---- Searching and parking -----------------------------------------------------------------

bool Worker::search_and_run() {
  if (!searching_) {
    if (!scheduler_.idle().transition_to_searching()) return false;
    searching_ = true;
  }
  unsigned n = scheduler_.num_workers();
  // Alone, there is nobody to steal from, and next_task() has just looked at the global
  // queue: spinning would only burn the CPU that I/O-bound servers count per request. It
  // stays a searcher, so that park() re-checks the queues as the last searcher (idle.hpp).
  if (n == 1) return false;
  for (int round = 0; round < kSearchRounds; ++round) {
    unsigned start = absl::Uniform(rng_, 0u, n);
    // The first rounds leave a short queue to its owner (worker.hpp, step 3).
    std::uint32_t min_queued = round < kPatientRounds ? kPatientMinQueued : 1;
    for (unsigned i = 0; i < n; ++i) {
      unsigned victim = (start + i) % n;
      if (victim == index_) continue;
      std::uint32_t before = queue_.size();
      if (TaskHeader* task = scheduler_.worker(victim).queue().steal_into(queue_, min_queued)) {
        bump(counters_.steals);
        bump(counters_.stolen_tasks, queue_.size() - before + 1);
        run_task(task);
        return true;
      }
    }
    if (TaskHeader* task = pop_global_batch()) {
      run_task(task);
      return true;
    }
    // Our own reactor: readiness of a socket registered here is work only this worker
    // can find, and nothing else would look at it until we park (B9: the echo's other
    // half waits here while we spin).
    if (poll_io_if_registered() != 0) {
      if (TaskHeader* task = next_task()) {
        run_task(task);
        return true;
      }
    }
    // Once per search, the other reactors: a worker that is busy, or descheduled by the
    // OS, would leave their readiness waiting (worker.cpp, "Reactor"). The tasks woken
    // come to this worker (pinned ones go home).
    if (round == 0 && help_other_reactors() != 0) {
      if (TaskHeader* task = next_task()) {
        run_task(task);
        return true;
      }
    }
    // A worker with fds spins less: the kernel wakes it for its own I/O anyway, and a
    // thread that spends its whole CPU share spinning is run late by the OS when it has
    // work (B8 at W=2 shares two cores with wrk; docs/architecture.md).
    if (round + 1 >= kSearchRoundsWithIo && registered_io_.load(std::memory_order_relaxed) != 0) {
      return false;
    }
    for (int spin = 0; spin < 32 << (round / 8); ++spin) cpu_relax();
  }
  return false;
}

std::uint64_t Worker::help_other_reactors() noexcept {
  unsigned n = scheduler_.num_workers();
  std::uint64_t events = 0;
  for (unsigned i = 1; i < n; ++i) events += scheduler_.worker((index_ + i) % n).help_poll_io();
  bump(counters_.io_events, events);
  return events;
}

void Worker::end_search() {
  searching_ = false;
  // The last searcher found work: there may be more, so hand the search to a sleeper.
  if (scheduler_.idle().transition_from_searching()) scheduler_.notify_parked_local();
}

void Worker::park() {
  registry_.drain_remote();
  process_timers();
  if (has_local_work()) return;
  RuntimeClock& clock = scheduler_.clock();
  if (clock.is_manual()) {
    auto next = timers_.next_expiration();
    published_deadline_.store(next ? *next : kNoDeadline, std::memory_order_release);
  }
  Idle::ParkResult parked = scheduler_.idle().transition_to_parked(index_, searching_, [this] {
    return cancels_.load(std::memory_order_seq_cst) != nullptr ||
           pinned_inbox_filled_.load(std::memory_order_seq_cst);
  });
  if (!parked.parked) {  // a timer cancellation or a pinned task arrived since we looked
    process_timers();
    return;
  }
  searching_ = false;
  if (parked.last_searcher) {
    scheduler_.idle().store_load_barrier();
    scheduler_.notify_if_work_pending();
  }
  if (clock.is_manual() && parked.last_awake) {
    // Everyone is idle: time jumps to the earliest deadline, and its owner wakes to fire it.
    if (Worker* owner = scheduler_.advance_manual_clock()) {
      if (owner == this) {
        process_timers();
        // A producer may have taken us off the sleepers meanwhile: then we are a searcher.
        searching_ = scheduler_.idle().on_wakeup(index_, true) == Idle::Wakeup::notified;
        return;
      }
      if (scheduler_.idle().notify_worker(owner->index_)) owner->parker_.unpark();
    }
  }
  while (!scheduler_.is_shutdown()) {
    free_retired_io();
    bump(counters_.parks);
    auto parked_at = std::chrono::steady_clock::now();
    bump(counters_.io_events, parker_.park(park_timeout()));
    bump(counters_.parked_ns,
         static_cast<std::uint64_t>(std::chrono::duration_cast<std::chrono::nanoseconds>(
                                        std::chrono::steady_clock::now() - parked_at)
                                        .count()));
    // A stop wakes us through the parker and finds us here, still counted as parked.
    if (scheduler_.stop_the_world().requested()) scheduler_.stop_the_world().arrive();
    process_timers();
    switch (scheduler_.idle().on_wakeup(index_, has_local_work())) {
      case Idle::Wakeup::notified:  // a producer woke us and counted us as a searcher
        searching_ = true;
        bump(counters_.notified);
        return;
      case Idle::Wakeup::left:  // a timer fired or an I/O event arrived here
        return;
      case Idle::Wakeup::still_parked:
        break;
    }
  }
}

int Worker::park_timeout() const noexcept {
  auto next = timers_.next_expiration();
  return next ? scheduler_.clock().wait_timeout_ms(*next) : -1;
}

// ---- Timers ------------------------------------------------------------------------------

bool Worker::arm(TimerEntry* entry) noexcept {
  // entry->owner is already this worker: the awaitable sets it before its wait opens,
  // because a canceller may read it from then on.
  return timers_.insert(entry);
}

void Worker::disarm(TimerEntry* entry) noexcept {
  if (entry->linked()) timers_.remove(entry);
}

void Worker::post_cancel(TimerCancel* message) noexcept {
  TimerCancel* head = cancels_.load(std::memory_order_relaxed);
  do {
    message->next = head;
  } while (!cancels_.compare_exchange_weak(head, message, std::memory_order_seq_cst,
                                           std::memory_order_relaxed));
  // A parked owner must count as awake again before we can park: otherwise the last worker
  // to park would find everyone idle and move a manual clock past this timer before the
  // owner reads the message (Idle, step 5). An owner about to park sees the message there.
  if (Worker::current() != this && scheduler_.idle().notify_addressee(index_)) {
    parker_.unpark();
  }
}

void Worker::process_timers() noexcept {
  // 1. Cancellations first: claiming the wait freezes the task, so its entry (in its frame)
  //    stays valid while we unlink it. A failed claim means the timer already fired.
  if (cancels_.load(std::memory_order_relaxed) != nullptr) {
    TimerCancel* message = cancels_.exchange(nullptr, std::memory_order_acquire);
    while (message) {
      TimerCancel* next = message->next;
      TaskHeader* task = message->task;
      Claim claim = task->try_claim(message->epoch);
      if (claim != Claim::stale) {
        disarm(message->entry);
        if (claim == Claim::schedule) schedule_local(task, /*at_back=*/false);
      }
      release_ref(task);
      delete message;
      message = next;
    }
  }
  // 2. Fire what is due.
  if (!timers_.empty()) bump(counters_.timers_fired, timers_.advance(scheduler_.clock().now_ms()));
}

// ---- Reactor -------------------------------------------------------------------------------
//
// Readiness is never stranded (DESIGN.md): the reactor's owner dispatches its events, and a
// searching worker may dispatch them too while the owner is busy or descheduled. The one
// hazard is reclamation: a helper's epoll_wait may return a record that is released,
// deregistered and retired before the helper dispatches it, and the owner must not free it
// under the helper. The dispatch claim (io_claim_) orders the two:
//   1. release() removes the fd from epoll (EPOLL_CTL_DEL) before the record is retired, so
//      an epoll_wait that starts after the record was retired never returns it.
//   2. A helper takes the claim (exchange, acquire), polls with timeout 0, dispatches, and
//      drops the claim (store, release). It never frees records. It skips a reactor whose
//      owner sleeps in epoll_wait, has no fd, or whose claim is held.
//   3. The owner frees retired records only while holding the claim (exchange, acquire;
//      release after). If a helper holds it, the owner does not wait: it frees them at its
//      next poll or park. Acquire pairs with the helper's release in step 2: every
//      on_events() of a helper's poll happened before the delete. Release pairs with the
//      next helper's acquire: its epoll_wait comes after the frees, so after the
//      EPOLL_CTL_DELs (step 1) of every record freed.
//   4. The owner's own polls and its blocking epoll_wait need no claim: only the owner
//      frees, and it never frees between its epoll_wait and the dispatch of what it got.
//   5. Records are built before their fd is added to epoll, and registered_io_ is bumped
//      (release) in between; a helper loads it (acquire) after its epoll_wait, so what it
//      dispatches is fully constructed (the kernel orders this too; TSan sees only this).
// No lock: the owner's hot path pays one exchange only when it has records to free.

IoReadiness* Worker::register_io(int fd) {
  IoReadiness* record = make_record(fd, this, io_liveness_);
  registered_io_.fetch_add(1, std::memory_order_release);  // step 5: before the ADD
  epoll_event ev{};
  ev.events = EPOLLIN | EPOLLOUT | EPOLLRDHUP | EPOLLET;
  ev.data.ptr = record;
  if (epoll_ctl(parker_.epoll_fd(), EPOLL_CTL_ADD, fd, &ev) < 0) {
    int saved = errno;
    registered_io_.fetch_sub(1, std::memory_order_relaxed);
    delete record;
    throw std::system_error(saved, std::generic_category(), "epoll_ctl(ADD)");
  }
  return record;
}

void Worker::deregister_fd(int fd) noexcept {
  epoll_ctl(parker_.epoll_fd(), EPOLL_CTL_DEL, fd, nullptr);
}

void Worker::retire(IoReadiness* record) noexcept {
  IoReadiness* head = retired_io_.load(std::memory_order_relaxed);
  do {
    retired_next(record) = head;
  } while (!retired_io_.compare_exchange_weak(head, record, std::memory_order_release,
                                              std::memory_order_relaxed));
}

void Worker::free_retired_io() noexcept {
  // Owner, between two of its epoll_waits, holding the claim (step 3).
  if (retired_io_.load(std::memory_order_relaxed) == nullptr) return;
  if (io_claim_.exchange(true, std::memory_order_acquire)) return;  // a helper: next time
  IoReadiness* record = retired_io_.exchange(nullptr, std::memory_order_acquire);
  while (record) {
    IoReadiness* next = retired_next(record);
    delete record;
    registered_io_.fetch_sub(1, std::memory_order_relaxed);
    record = next;
  }
  io_claim_.store(false, std::memory_order_release);
}

std::uint64_t Worker::help_poll_io() noexcept {
  // Step 2. The plain loads first: no read-modify-write on a line the owner writes, when
  // there is nothing to do.
  if (registered_io_.load(std::memory_order_relaxed) == 0 || parker_.sleeping() ||
      io_claim_.load(std::memory_order_relaxed) ||
      io_claim_.exchange(true, std::memory_order_acquire)) {
    return 0;
  }
  std::uint64_t events = parker_.poll_io_as_helper(registered_io_);
  io_claim_.store(false, std::memory_order_release);
  return events;
}

std::uint64_t Worker::poll_io_if_registered() noexcept {
  if (registered_io_.load(std::memory_order_relaxed) == 0) return 0;
  free_retired_io();
  std::uint64_t events = parker_.poll_io();
  bump(counters_.io_events, events);
  return events;
}

WorkerMetrics Worker::metrics() const noexcept {
  auto get = [](const std::atomic<std::uint64_t>& c) { return c.load(std::memory_order_relaxed); };
  WorkerMetrics m;
  m.polled = get(counters_.polled);
  m.steals = get(counters_.steals);
  m.stolen_tasks = get(counters_.stolen_tasks);
  m.parks = get(counters_.parks);
  m.notified = get(counters_.notified);
  m.overflowed = get(counters_.overflowed);
  m.io_events = get(counters_.io_events);
  m.timers_fired = get(counters_.timers_fired);
  m.budget_yields = get(counters_.budget_yields);
  m.local_queue_depth = queue_.size();
  auto up = std::chrono::duration_cast<std::chrono::nanoseconds>(std::chrono::steady_clock::now() -
                                                                 started_);
  m.busy = up - std::chrono::nanoseconds(get(counters_.parked_ns));
  return m;
}

void Worker::drop_queued_tasks() noexcept {
  lifo_ = nullptr;
  while (queue_.pop()) {
  }
  pinned_.clear();
  pinned_inbox_.clear();
  TimerCancel* message = cancels_.exchange(nullptr, std::memory_order_acquire);
  while (message) {
    TimerCancel* next = message->next;
    release_ref(message->task);
    delete message;
    message = next;
  }
}

Worker::~Worker() {
  {
    // Records still registered (their owners outlive the runtime) free themselves later.
    std::lock_guard lock(io_liveness_->mutex);
    io_liveness_->alive = false;
  }
  free_retired_io();
}

}  // namespace corio::detail
