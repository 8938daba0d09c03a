// Time: corio's clock, sleeping, and periodic ticks (asyncio.sleep, loop.time()).
//
//   co_await corio::sleep_for(250ms);                  // asyncio.sleep(0.25)
//   corio::Interval every(1s);
//   for (;;) { co_await every.tick(); poll_something(); }
//
// Timers have 1 ms resolution and never fire early. A runtime built with
// RuntimeOptions::clock = ClockKind::manual runs on a manual clock: time stands still while
// any worker has work and jumps to the next deadline when all are idle, so a test that
// sleeps for hours runs in microseconds, deterministically.
#pragma once

#include <chrono>
#include <coroutine>
#include <cstdint>
#include <source_location>

#include "corio/core/detail/scheduling.hpp"
#include "corio/core/detail/timer_entry.hpp"
#include "corio/core/error.hpp"
#include "corio/core/task.hpp"

namespace corio {

/// corio's steady clock: the current runtime's time (real or manual); outside a runtime,
/// the system's steady clock.
struct Clock {
  using duration = std::chrono::nanoseconds;
  using rep = duration::rep;
  using period = duration::period;
  using time_point = std::chrono::time_point<Clock>;
  static constexpr bool is_steady = true;

  static time_point now() noexcept;
};

/// Which clock a runtime's timers follow (RuntimeOptions::clock).
enum class ClockKind {
  real,    ///< std::chrono::steady_clock
  manual,  ///< stands still while work runs; jumps to the next deadline when all are idle
};

/// The current runtime's time (asyncio's loop.time()).
inline Clock::time_point now() noexcept { return Clock::now(); }

namespace detail {
/// The current worker's timer wheel; throws UsageError naming `what` outside a runtime.
TimerOwner& current_timer_owner(const char* what);
/// `deadline` in milliseconds of the current runtime's timer clock, rounded up.
std::uint64_t to_timer_ms(Clock::time_point deadline) noexcept;
/// Clock::now() + d, saturating instead of overflowing (a sleep of years is fine).
Clock::time_point saturating_deadline(Clock::duration d) noexcept;

template <class Rep, class Period>
Clock::duration to_clock_duration(std::chrono::duration<Rep, Period> d) noexcept {
  using Wide = std::chrono::duration<long double, std::nano>;
  Wide wide = std::chrono::duration_cast<Wide>(d);
  if (wide >= Wide(static_cast<long double>(Clock::duration::max().count()))) {
    return Clock::duration::max();
  }
  if (wide <= Wide(0)) return Clock::duration::zero();
  return std::chrono::ceil<Clock::duration>(d);
}
}  // namespace detail

/// Awaitable of sleep_for / sleep_until. Its timer entry lives inside it, in the awaiting
/// frame: sleeping allocates nothing.
class [[nodiscard]] SleepAwaiter : private detail::CancelHook {
 public:
  explicit SleepAwaiter(Clock::time_point deadline) noexcept
      : detail::CancelHook{&SleepAwaiter::on_cancel}, deadline_(deadline) {}
  /// Movable until it is awaited (its timer entry is then linked into a wheel).
  SleepAwaiter(SleepAwaiter&& other) noexcept
      : detail::CancelHook{&SleepAwaiter::on_cancel}, deadline_(other.deadline_) {}
  SleepAwaiter& operator=(const SleepAwaiter&) = delete;
  ~SleepAwaiter() {
    if (entry_.linked()) entry_.owner->disarm(&entry_);  // frame destroyed at shutdown
  }

  bool await_ready() const noexcept { return false; }
  bool await_suspend(std::coroutine_handle<> caller,
                     std::source_location where = std::source_location::current());
  void await_resume() {
    if (!entry_.fired) detail::throw_cancelled(*task_);
  }

 private:
  struct Entry : detail::TimerEntry {
    detail::Waker waker;
    bool fired = false;  ///< written by the owner before it wakes the task
  };
  static void on_fire(detail::TimerEntry* entry) noexcept;
  static void on_cancel(detail::CancelHook* hook, detail::TaskHeader* task,
                        std::uint32_t epoch) noexcept;

  Entry entry_;
  Clock::time_point deadline_;
  detail::TaskHeader* task_ = nullptr;
};

/// Suspends the current task until `deadline` (asyncio.sleep until a time).
/// Suspends: until the deadline (a deadline already past: yields once, as asyncio.sleep(0)).
/// Resumes on: the worker that armed the timer (unless another steals the task).
/// Cancellation: throws CancelledError; the timer is removed, nothing fires later.
/// Errors: UsageError outside a corio task.
inline SleepAwaiter sleep_until(Clock::time_point deadline) noexcept {
  return SleepAwaiter(deadline);
}

/// Suspends the current task for `d` (asyncio.sleep(d)); zero or negative yields once.
/// Any std::chrono::duration; durations of years do not overflow. See sleep_until.
template <class Rep, class Period>
SleepAwaiter sleep_for(std::chrono::duration<Rep, Period> d) noexcept {
  return SleepAwaiter(detail::saturating_deadline(detail::to_clock_duration(d)));
}

/// What Interval::tick does when ticks were missed (the task was busy past one or more).
enum class MissedTickBehavior {
  burst,  ///< fire the missed ticks back to back until caught up (Tokio's default)
  delay,  ///< fire now, then one period from now: the schedule shifts
  skip,   ///< fire now, then at the next multiple of the period on the original schedule
};

/// Periodic ticks: `co_await interval.tick()` completes at start, start + period, start +
/// 2·period, ... The first tick completes at once. Not thread-safe: one task drives it.
/// Errors: a period of zero or less throws UsageError.
class Interval {
 public:
  template <class Rep, class Period>
  explicit Interval(std::chrono::duration<Rep, Period> period,
                    MissedTickBehavior missed = MissedTickBehavior::burst)
      : period_(detail::to_clock_duration(period)), missed_(missed) {
    if (period_ <= Clock::duration::zero()) {
      throw UsageError("corio::Interval needs a period greater than zero");
    }
  }

  Clock::duration period() const noexcept { return period_; }

  /// Waits for the next tick and returns its scheduled time.
  /// Cancellation: throws CancelledError; the tick is not consumed.
  class TickAwaiter;
  TickAwaiter tick();

 private:
  Clock::duration period_;
  MissedTickBehavior missed_;
  bool started_ = false;
  Clock::time_point next_{};
  friend class TickAwaiter;
};

/// Awaitable of Interval::tick(): a sleep until the tick, then the schedule moves on.
class [[nodiscard]] Interval::TickAwaiter {
 public:
  TickAwaiter(Interval& interval, Clock::time_point when) noexcept
      : interval_(interval), when_(when), sleep_(when) {}
  bool await_ready() const noexcept { return false; }
  bool await_suspend(std::coroutine_handle<> caller,
                     std::source_location where = std::source_location::current()) {
    return sleep_.await_suspend(caller, where);
  }
  Clock::time_point await_resume();

 private:
  Interval& interval_;
  Clock::time_point when_;
  SleepAwaiter sleep_;
};

}  // namespace corio
