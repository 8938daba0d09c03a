// Idle: which workers are searching for work and which are parked, so that a wake-up goes
// to a parked worker only when nobody is searching (a searcher will find the task anyway),
// and at most half of the workers search at once (a burst of work does not stampede them).
//
// Protocol (after Tokio's idle.rs):
//   1. A worker that runs out of local work becomes a searcher, if fewer than half are.
//   2. A searcher that finds work stops searching; if it was the last searcher it wakes a
//      parked worker to take over the search (so work keeps spreading).
//   3. A worker with nothing found parks: it counts itself out of the unparked (and
//      searching) workers and joins the sleepers. If it was the last searcher it re-checks
//      every queue before sleeping, because producers skipped waking anyone while it
//      searched.
//   4. A producer that queued work wakes one sleeper iff no worker is searching and some
//      worker is parked; the woken worker starts out counted as a searcher.
//   5. Work that only one worker can do (a timer cancellation, for the timer's owner) is
//      posted to it; then, if any worker is parked or parking, the poster takes the
//      addressee off the sleepers (notify_addressee). A parking worker counts itself out,
//      then looks for such messages and, finding one, counts itself back in instead of
//      sleeping (under the lock: no other transition sees it in between). One of the two
//      sees the other, so a message never waits on a worker counted as parked while its
//      poster is awake, and "every worker parked" means no work is left anywhere: the
//      manual clock relies on that before it jumps to the next deadline.
// A producer outside the runtime (push to the global queue, then read the state) and the
// parking worker (write the state, then read the queues) put a sequentially consistent
// fence between their two steps, so one of them always sees the other: no wake-up is lost.
// A worker pushing onto its own queues (spawn, yield, overflow) skips that fence: if its
// read of the state is stale and nobody wakes, the task is not stranded, because the pusher
// itself runs it later; the cost of the rare miss is parallelism, never liveness. That
// keeps a fence (~10 ns here) off every spawn and every yield.
//
// The two counts live in two words on separate cache lines. Searchers write theirs at every
// search transition (a worker that steals a small batch, runs it and looks again: twice per
// batch), while producers read on every push; they read the unparked count first, which
// changes only when a worker parks or wakes, and nobody is parked is the common answer
// (Go's wakep() looks at npidle first for the same reason). One packed word, as in Tokio,
// put every searcher's write on the line each spawn reads (docs/architecture.md, B1).
// Reading the two words one after the other loses no wake-up: the unparked count changes
// only under the lock; a parker decrements its searching count before its unparked count,
// and a producer reads them in the opposite order, so a producer that sees the unparked
// count of a worker parking sees its searching count gone too. A producer that sees
// "everyone unparked" (or a searcher) is after (in the SC order) the decrement of whoever
// parks last as the last searcher, so that worker's re-check of the queues sees its push.
#pragma once

#include <atomic>
#include <cstdint>
#include <mutex>
#include <optional>
#include <vector>

namespace corio::detail {

class Idle {
 public:
  explicit Idle(unsigned num_workers);

  /// Step 4: the worker to wake, already counted as unparked and searching; none when a
  /// searcher exists or nobody sleeps.
  std::optional<unsigned> worker_to_notify();

  /// Step 1. False when half of the workers are already searching.
  bool transition_to_searching() noexcept;
  /// Step 2. True if the caller was the last searcher.
  bool transition_from_searching() noexcept;
  struct ParkResult {
    bool parked;         ///< false: a message arrived, the worker stays awake
    bool last_searcher;  ///< it must re-check the queues
    bool last_awake;     ///< every worker is now parked (the manual clock may advance)
  };
  /// Step 3, unless `has_mail()` (a sequentially consistent load, called under the lock)
  /// finds a message posted to the worker since it last looked (step 5): then the worker
  /// stays counted as it was and `parked` is false.
  template <class HasMail>
  ParkResult transition_to_parked(unsigned worker, bool was_searching, HasMail has_mail) {
    std::lock_guard lock(mutex_);
    // Count out first, then look: a poster posts first, then looks at the count
    // (notify_addressee). One of the two sees the other. The searching count goes first
    // (see the top of this file).
    const bool last_searcher =
        was_searching && searching_.fetch_sub(1, std::memory_order_seq_cst) == 1;
    const std::uint32_t prev_unparked = unparked_.fetch_sub(1, std::memory_order_seq_cst);
    if (has_mail()) {
      unparked_.fetch_add(1, std::memory_order_seq_cst);
      if (was_searching) searching_.fetch_add(1, std::memory_order_seq_cst);
      return {.parked = false, .last_searcher = false, .last_awake = false};
    }
    sleepers_.push_back(worker);
    return {.parked = true, .last_searcher = last_searcher, .last_awake = prev_unparked == 1};
  }
  /// Wakes a chosen sleeper the way step 4 does (counted as unparked and searching).
  /// False if it was not asleep.
  bool notify_worker(unsigned worker);
  /// Step 5: called after posting a message (with a sequentially consistent store) to
  /// `worker`. True if it was parked: it is now counted as unparked and searching, and the
  /// caller must unpark it. Takes the lock only when some worker is parked or parking.
  bool notify_addressee(unsigned worker) {
    if (unparked_.load(std::memory_order_seq_cst) == num_workers_) return false;
    return notify_worker(worker);
  }
  /// How a parked worker that woke up leaves (decided atomically under the lock).
  enum class Wakeup {
    notified,      ///< a producer took it off the sleepers: it is counted as a searcher
    left,          ///< it had work of its own (I/O, timers) and counted itself back in
    still_parked,  ///< spurious: it stays on the sleepers list
  };
  /// Called by a parked worker after each wake-up; `has_work` says whether it found work of
  /// its own. Deciding both under one lock keeps a producer's notification and the
  /// worker's own exit from both counting it (the searcher count would leak).
  Wakeup on_wakeup(unsigned worker, bool has_work);
  /// Cheap check, no lock: would a wake-up be useful now?
  bool should_notify() const noexcept;

  /// The fence between "write one side" and "read the other side" of the protocol above.
  /// ThreadSanitizer does not model fences, so under TSan it is a sequentially consistent
  /// read-modify-write of the unparked count (which every parker writes too), which orders
  /// the same accesses in a way TSan sees.
  void store_load_barrier() noexcept {
#if defined(__SANITIZE_THREAD__)
    unparked_.fetch_add(0, std::memory_order_seq_cst);
#else
    std::atomic_thread_fence(std::memory_order_seq_cst);
#endif
  }

 private:
  /// Under the lock: counts a sleeper taken off the list as unparked and searching (the
  /// searching count first: see the top of this file).
  void wake_counted_as_searcher() noexcept;

  const unsigned num_workers_;
  /// Workers not parked. Changed only under the lock; read by every push.
  alignas(64) std::atomic<std::uint32_t> unparked_;
  /// Workers searching. Changed at every search transition, without the lock.
  alignas(64) std::atomic<std::uint32_t> searching_{0};
  alignas(64) mutable std::mutex mutex_;  // guards sleepers_; only taken on the slow paths
  std::vector<unsigned> sleepers_;
};

}  // namespace corio::detail
