// StopTheWorld: brings every worker of a runtime to a safe point (between two task polls)
// and holds it there while one thread reads what only the workers write: their registries of
// live tasks and the frames of suspended tasks. Runtime::dump_tasks is its user.
//
// Protocol:
//   1. The stopper takes the world (one stop at a time). While another stop holds it, a
//      stopper that is itself a worker counts as stopped for that stop: it is not polling
//      anything while it waits, and counting it is what keeps two stoppers from waiting for
//      each other.
//   2. It raises `requested_` and wakes every worker's parker. A worker checks the flag once
//      per loop tick and after every return from epoll_wait.
//   3. A worker that sees it arrives: it counts itself and waits for the generation to move.
//      A worker that has left its loop for good (shutdown) counts as arrived from then on.
//   4. Once every other worker has arrived, the stopper reads; then it clears the flag,
//      moves the generation and wakes them all (resume).
// A worker inside a long poll arrives only when the poll ends: the stop waits for it.
// Memory ordering: everything a worker wrote before arriving is visible to the stopper, and
// everything the stopper wrote to the reader before resuming to the worker, through mutex_.
#pragma once

#include <absl/functional/function_ref.h>

#include <atomic>
#include <condition_variable>
#include <cstdint>
#include <mutex>

namespace corio::detail {

class StopTheWorld {
 public:
  explicit StopTheWorld(unsigned workers) noexcept : workers_(workers) {}
  StopTheWorld(const StopTheWorld&) = delete;
  StopTheWorld& operator=(const StopTheWorld&) = delete;

  /// Worker hot path: is a stop waiting for us? One relaxed load; a stale false is corrected
  /// by the parker wake-up of step 2, a stale true by arrive().
  bool requested() const noexcept { return requested_.load(std::memory_order_relaxed); }

  /// Worker, at a safe point, after requested(): waits until the current stop is over.
  void arrive();
  /// Worker, leaving its loop for good: counts as arrived for every later stop.
  void retire();

  /// Steps 1-4: returns with every worker at a safe point. `on_worker`: the caller is one of
  /// the workers (it is not waited for). `wake_workers` unparks every worker.
  void stop(bool on_worker, absl::FunctionRef<void()> wake_workers);
  /// Step 4: releases the workers.
  void resume();

 private:
  /// Raised for the duration of a stop; its own cache line, read by every worker each tick.
  alignas(64) std::atomic<bool> requested_{false};
  alignas(64) std::mutex mutex_;
  std::condition_variable cv_;
  const unsigned workers_;
  // Guarded by mutex_.
  bool active_ = false;            ///< a stop holds the world
  std::uint64_t generation_ = 0;   ///< moves at every resume
  unsigned arrived_ = 0;           ///< workers waiting in arrive() for this generation
  unsigned waiting_stoppers_ = 0;  ///< workers waiting in stop() for their turn
  unsigned retired_ = 0;           ///< workers gone for good
};

/// Holds the world stopped for its lifetime.
class StoppedWorld {
 public:
  StoppedWorld(StopTheWorld& stw, bool on_worker, absl::FunctionRef<void()> wake_workers)
      : stw_(stw) {
    stw_.stop(on_worker, wake_workers);
  }
  ~StoppedWorld() { stw_.resume(); }
  StoppedWorld(const StoppedWorld&) = delete;
  StoppedWorld& operator=(const StoppedWorld&) = delete;

 private:
  StopTheWorld& stw_;
};

}  // namespace corio::detail
