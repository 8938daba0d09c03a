// TaskHeader: the scheduler's view of a task. Every coroutine frame corio allocates is
// preceded by one (see frame_memory.hpp); for a spawned task it holds the state word that
// decides who may schedule the task, the reference count that decides who frees it, and the
// join slot through which it reports completion. Nested (awaited, never spawned) tasks use
// only the header's link to their awaiter and its await handshake: one allocation per frame,
// and spawn allocates nothing more.
//
// The wait protocol. A task suspends at a leaf awaitable (a sleep, a join, a channel recv)
// only after `begin_wait`, which records where to resume and opens a new wait epoch. The
// awaitable hands the returned Waker to whoever will end the wait. Any number of parties may
// race to end it (the event itself, a cancel, a timeout): `try_claim` lets exactly one of
// them win, and only the winner schedules the task. A Waker from an older wait can never
// wake a newer one, because its epoch no longer matches.
//
// Rule for wakers: touch the task only while it cannot have resumed, that is, before the
// claim succeeded, or while holding what the task itself waits for when it unregisters (a
// sync primitive's lock; an IoReadiness waiter slot's claiming state).
#pragma once

#include <atomic>
#include <coroutine>
#include <cstdint>

namespace corio::detail {

class TaskRegistry;
struct TaskHeader;

/// One suspension of one task: waking it schedules the task iff that suspension is still
/// the one it waits in. Copyable: a pointer and an epoch.
struct Waker {
  TaskHeader* task = nullptr;
  std::uint32_t epoch = 0;

  /// Ends the wait and schedules the task, unless someone else already ended it.
  /// Thread safety: any thread. Defined in scheduling.hpp.
  void wake() const noexcept;
};

/// How a wait reacts to its task being cancelled, for waits that need more than the
/// default (claim the wait and resume the task, whose awaitable then throws). Called with
/// the task's kCancelling bit held: the task cannot resume until it returns. Lives in the
/// awaitable, set by begin_wait.
struct CancelHook {
  void (*on_cancel)(CancelHook* self, TaskHeader* task, std::uint32_t epoch) noexcept;
};

/// A party that waits for a task to finish (a joining task, a gather, a blocked thread).
/// Lives in the waiter's frame or stack; the finishing task calls `notify` exactly once.
struct Completion {
  void (*notify)(Completion* self) noexcept;
};

/// What a suspended task waits for: set by the awaitable when it opens the wait, shown by
/// Runtime::dump_tasks. One byte in the header, so describing a wait costs one store.
enum class WaitKind : std::uint8_t {
  other,
  sleep,              ///< sleep_for, sleep_until, Interval::tick
  join,               ///< co_await on a JoinHandle
  gather,             ///< gather: every child to finish
  select,             ///< select: the first child to finish
  as_completed,       ///< as_completed: the next child to finish
  task_group,         ///< TaskGroup: its children to finish
  blocking,           ///< to_thread, spawn_blocking: a blocking-pool call
  compute,            ///< compute: a job in the oneTBB arena
  io_read,            ///< a socket, pipe or signalfd to become readable
  io_write,           ///< a socket or pipe to become writable
  channel_send,       ///< Channel::send: room in a full channel
  channel_recv,       ///< Channel::recv: a value
  queue_put,          ///< Queue::put: room in a full queue
  queue_get,          ///< Queue::get: an item
  queue_join,         ///< Queue::join: every item to be processed
  mutex_lock,         ///< Mutex::lock
  semaphore_acquire,  ///< Semaphore::acquire
  event_wait,         ///< Event::wait
  condition_wait,     ///< Condition::wait
  barrier_wait,       ///< Barrier::wait
  latch_wait,         ///< Latch::wait
  watch_changed,      ///< watch Receiver::changed
  broadcast_recv,     ///< broadcast Receiver::recv
  oneshot_recv,       ///< oneshot Receiver: the value
};

/// "sleep", "channel recv", ...: the name dump_tasks shows.
const char* wait_kind_name(WaitKind kind) noexcept;

/// The outcome of a claim.
enum class Claim : std::uint8_t {
  stale,          ///< the wait was already ended (or is not this epoch): do nothing
  schedule,       ///< won; the task is idle: the claimer must put it on a run queue
  while_running,  ///< won; the task is still in its poll: its worker will requeue it
};

struct TaskHeader {
  // ---- State word ---------------------------------------------------------------------
  // bit           meaning
  // kRunning      a worker is inside this task's poll (resume() has not returned)
  // kNotified     the task is in a run queue, or must be requeued when its poll ends
  // kWaiting      suspended in a wait that the Waker of the current epoch may end
  // kComplete     the coroutine finished (or was destroyed at shutdown); wakes are ignored
  // kCancelled    cancellation was requested (used by cancel(), timers/cancellation issue)
  // kFrameGone    the frame was destroyed while references remain: only memory is left
  // kCancelling   a canceller is running the current wait's cancel hook; the task must
  //               not resume (its awaitable holds the hook) until the bit clears
  // kHasInfo      its id, name and spawn site are in debug.cpp's side table (a task
  //               spawned with a name, or one a debug report or dump has described)
  // kFailed       the coroutine's body ended with an exception, which its promise holds
  //               where it kept its await site (PromiseBase); set in nested frames too
  // bits 9..31    epoch of the current wait, incremented by every begin_wait
  static constexpr std::uint32_t kRunning = 1u << 0;
  static constexpr std::uint32_t kNotified = 1u << 1;
  static constexpr std::uint32_t kWaiting = 1u << 2;
  static constexpr std::uint32_t kComplete = 1u << 3;
  static constexpr std::uint32_t kCancelled = 1u << 4;
  static constexpr std::uint32_t kFrameGone = 1u << 5;
  static constexpr std::uint32_t kCancelling = 1u << 6;
  static constexpr std::uint32_t kHasInfo = 1u << 7;
  static constexpr std::uint32_t kFailed = 1u << 8;
  static constexpr std::uint32_t kEpochShift = 9;
  static constexpr std::uint32_t kEpochOne = 1u << kEpochShift;

  // ---- Join slot values -----------------------------------------------------------------
  static constexpr std::uintptr_t kJoinEmpty = 0;      // running, nobody waiting
  static constexpr std::uintptr_t kJoinComplete = 1;   // finished; the result is readable
  static constexpr std::uintptr_t kJoinNotifying = 2;  // finishing: notifying its waiter now
  // any other value: the Completion* of the one party waiting for it

  std::atomic<std::uint32_t> state{0};
  /// Owners of the frame: one for the runtime while the task is unfinished, one for the
  /// JoinHandle, one for each message in flight that names it (a timer cancel, a TaskGroup
  /// child). The last to let go frees it.
  std::atomic<std::uint16_t> refs{0};
  /// Which worker the task is on: the index of the worker that last polled it (the bits of
  /// kPlacementWorker; written by that worker at the start of each poll), or, with kPinned,
  /// the one worker it runs on (spawn_local, SpawnOptions::pin_to_worker; set before it is
  /// first scheduled and never changed). Read through the accessors below; atomic because
  /// wakers on any thread test kPinned while the worker rewrites the index.
  std::atomic<std::uint16_t> placement{0};
  /// A spawned task's index in its registry's array (task_registry.hpp). Owner only.
  std::uint32_t registry_slot = 0;
  /// A nested task's handshake with its awaiter (PromiseBase::kAwaited...); kept here, in
  /// what would be padding, rather than in the promise.
  std::atomic<std::uint8_t> await_state{0};
  /// What the current (or last) wait is for; meaningful while kWaiting is set. Written by the
  /// task in begin_wait, read by dump_tasks while every worker is stopped: a plain byte.
  WaitKind wait_kind = WaitKind::other;
  /// Where the task was spawned, as an index into the spawn-site table (spawn_sites.hpp),
  /// recorded in debug mode; 0: not recorded. Set before the task is first scheduled.
  std::uint16_t spawn_site = 0;
  std::atomic<std::uintptr_t> join{kJoinEmpty};
  /// Whom the task answers to; read and written through the accessors below. One slot
  /// serves two uses because no frame ever needs both, and it saves 8 bytes in every
  /// promise (bench B10):
  ///  - a spawned (root) task: the TaskRegistry that owns it while it is alive, null once a
  ///    runtime shutdown orphans it. It holds references (refs >= 1) from spawn until its
  ///    memory is freed, and it is never awaited as a nested Task (spawn took the Task).
  ///  - a nested task: the coroutine awaiting it, set by co_await. Its refs stay 0, and a
  ///    Task that is being awaited cannot be spawned (spawn_root refuses it).
  ///  - a fresh Task, neither spawned nor awaited: null.
  /// So while a frame runs, `refs != 0` tells which use the slot is in (FinalAwaiter relies
  /// on that); the layout of promises and headers is the same in every build mode.
  void* owner_or_awaiter = nullptr;
  union {
    /// Where the next poll resumes: the innermost suspended coroutine of this task.
    void* resume_address;
    /// Link in the owner registry's stack of tasks released from other threads (the task
    /// has finished, so it no longer needs resume_address).
    TaskHeader* remote_next;
  };
  /// The cancel hook of the current wait (null: the default). Written by begin_wait,
  /// read by a canceller that holds kCancelling.
  CancelHook* cancel_hook = nullptr;

  static constexpr std::uint16_t kPinned = 1u << 15;
  static constexpr std::uint16_t kPlacementWorker = kPinned - 1;  // scheduler.cpp checks the limit

  TaskHeader() noexcept : resume_address(nullptr) {}

  /// The worker that last polled the task; for a pinned task, the one it runs on.
  unsigned last_worker() const noexcept {
    return placement.load(std::memory_order_relaxed) & kPlacementWorker;
  }
  /// The task runs only on last_worker().
  bool pinned() const noexcept { return placement.load(std::memory_order_relaxed) & kPinned; }
  /// Before the task is first scheduled: it will run only on worker `index`.
  void pin_to(unsigned index) noexcept {
    placement.store(static_cast<std::uint16_t>(kPinned | index), std::memory_order_relaxed);
  }
  /// At the start of a poll on worker `index` (a pinned task's never changes).
  void note_polled_on(unsigned index) noexcept {
    if (!pinned()) placement.store(static_cast<std::uint16_t>(index), std::memory_order_relaxed);
  }

  /// The owning registry of a spawned task (see owner_or_awaiter).
  TaskRegistry* registry() const noexcept { return static_cast<TaskRegistry*>(owner_or_awaiter); }
  void set_registry(TaskRegistry* registry) noexcept { owner_or_awaiter = registry; }
  /// The coroutine awaiting a nested task; null if it is not awaited (see owner_or_awaiter).
  std::coroutine_handle<> continuation() const noexcept {
    return std::coroutine_handle<>::from_address(owner_or_awaiter);
  }
  void set_continuation(std::coroutine_handle<> awaiter) noexcept {
    owner_or_awaiter = awaiter.address();
  }

  static std::uint32_t epoch_of(std::uint32_t s) noexcept { return s >> kEpochShift; }

  /// Opens a new wait for `kind`: the task will resume at `h`. Called by the task itself,
  /// during its poll, just before it suspends. Returns the Waker for this wait, and in
  /// `*prior` the state before (so the caller can see a pending cancellation).
  Waker begin_wait(std::coroutine_handle<> h, WaitKind kind, CancelHook* hook = nullptr,
                   std::uint32_t* prior = nullptr) noexcept {
    resume_address = h.address();
    cancel_hook = hook;
    wait_kind = kind;
    // Release: whoever claims this wait must see resume_address. kWaiting is clear here
    // (a task is in at most one wait), so adding sets it.
    std::uint32_t s = state.fetch_add(kEpochOne | kWaiting, std::memory_order_acq_rel);
    if (prior) *prior = s;
    return Waker{this, (epoch_of(s) + 1) & (~0u >> kEpochShift)};
  }

  /// Ends the wait of `epoch` for whoever calls first (see Claim).
  Claim try_claim(std::uint32_t epoch) noexcept {
    std::uint32_t s = state.load(std::memory_order_relaxed);
    std::uint32_t next_state;
    do {
      if (!(s & kWaiting) || epoch_of(s) != epoch) return Claim::stale;
      next_state = (s & ~kWaiting) | kNotified;
    } while (!state.compare_exchange_weak(s, next_state, std::memory_order_acq_rel,
                                          std::memory_order_relaxed));
    return (s & kRunning) ? Claim::while_running : Claim::schedule;
  }

  /// Ends the task's current wait, whichever it is: for a waker that knows the task cannot
  /// have opened a newer one since it registered (it holds the lock the task must take to
  /// leave this wait), so it need not keep the epoch.
  Claim try_claim_current() noexcept {
    return try_claim(epoch_of(state.load(std::memory_order_relaxed)));
  }

  /// Called by the task itself, still in its poll, when the awaitable decides not to
  /// suspend after all (the event already happened). True: the wait is closed and the task
  /// continues at once. False: another party claimed it first; the task must suspend and
  /// will be requeued when its poll ends.
  bool abandon_wait(std::uint32_t epoch) noexcept {
    std::uint32_t s = state.load(std::memory_order_relaxed);
    do {
      while (s & kCancelling) s = state.load(std::memory_order_acquire);  // hook in use
      if (!(s & kWaiting) || epoch_of(s) != epoch) return false;
    } while (!state.compare_exchange_weak(s, s & ~kWaiting, std::memory_order_acq_rel,
                                          std::memory_order_relaxed));
    return true;
  }

  // ---- Join slot ------------------------------------------------------------------------

  /// Registers the single party waiting for this task. False if it has already finished.
  bool add_join_waiter(Completion* c) noexcept {
    std::uintptr_t expected = kJoinEmpty;
    return join.compare_exchange_strong(expected, reinterpret_cast<std::uintptr_t>(c),
                                        std::memory_order_acq_rel, std::memory_order_acquire);
  }

  /// Unregisters `c`. False if the task finished first and has notified (or is notifying)
  /// `c`; returns only once that notification is over, so `c` may then be destroyed.
  bool remove_join_waiter(Completion* c) noexcept {
    std::uintptr_t expected = reinterpret_cast<std::uintptr_t>(c);
    if (join.compare_exchange_strong(expected, kJoinEmpty, std::memory_order_acq_rel)) {
      return true;
    }
    while (join.load(std::memory_order_acquire) != kJoinComplete) {
      // The finisher is between taking `c` and publishing kJoinComplete: a few instructions.
    }
    return false;
  }

  /// Publishes completion (the result is written) and notifies the waiter, if any.
  void notify_join() noexcept {
    std::uintptr_t expected = kJoinEmpty;
    if (join.compare_exchange_strong(expected, kJoinComplete, std::memory_order_acq_rel)) {
      return;
    }
    std::uintptr_t waiter = join.exchange(kJoinNotifying, std::memory_order_acq_rel);
    if (waiter != kJoinEmpty) {
      auto* c = reinterpret_cast<Completion*>(waiter);
      c->notify(c);
    }
    join.store(kJoinComplete, std::memory_order_release);
  }

  bool join_complete() const noexcept {
    return join.load(std::memory_order_acquire) == kJoinComplete;
  }
};

/// Bytes reserved in front of every coroutine frame for its TaskHeader: a multiple of the
/// frame's alignment (16) so the frame stays aligned. Every byte counts: with 48 bytes, a
/// task waiting on an Event fits mimalloc's 128-byte size class (bench B10).
inline constexpr std::size_t kHeaderSpace = 48;
static_assert(sizeof(TaskHeader) <= kHeaderSpace);

/// The header of the frame at `frame` (a coroutine_handle's address()). GCC and Clang place
/// the frame at the address operator new returned, which is what makes this exact;
/// frame_memory.cpp checks it on every allocation in debug builds.
inline TaskHeader* header_of(void* frame) noexcept {
  return reinterpret_cast<TaskHeader*>(static_cast<char*>(frame) - kHeaderSpace);
}
inline void* frame_of(TaskHeader* header) noexcept {
  return reinterpret_cast<char*>(header) + kHeaderSpace;
}

}  // namespace corio::detail
