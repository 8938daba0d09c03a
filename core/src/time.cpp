// The clock, sleeps and intervals (corio/core/time.hpp), and the runtime clock behind them.
#include "corio/core/time.hpp"

#include <algorithm>
#include <limits>

#include "corio/core/task.hpp"
#include "corio/core/yield_now.hpp"
#include "runtime_clock.hpp"
#include "scheduler.hpp"
#include "worker.hpp"

namespace corio {

using detail::RuntimeClock;
using detail::TaskHeader;

namespace {
Clock::time_point steady_now() noexcept {
  return Clock::time_point(std::chrono::duration_cast<Clock::duration>(
      std::chrono::steady_clock::now().time_since_epoch()));
}
}  // namespace

Clock::time_point Clock::now() noexcept {
  if (detail::Worker* worker = detail::Worker::current()) return worker->scheduler().clock().now();
  return steady_now();
}

namespace detail {

RuntimeClock::RuntimeClock(ClockKind kind) noexcept : kind_(kind), origin_(steady_now()) {}

Clock::time_point RuntimeClock::now() const noexcept {
  if (is_manual()) return origin_ + Clock::duration(manual_ns_.load(std::memory_order_acquire));
  return steady_now();
}

std::uint64_t RuntimeClock::now_ms() const noexcept {
  auto since = now() - origin_;
  return static_cast<std::uint64_t>(std::chrono::floor<std::chrono::milliseconds>(since).count());
}

std::uint64_t RuntimeClock::to_ms(Clock::time_point deadline) const noexcept {
  if (deadline <= origin_) return 0;
  auto since = deadline - origin_;
  return static_cast<std::uint64_t>(std::chrono::ceil<std::chrono::milliseconds>(since).count());
}

int RuntimeClock::wait_timeout_ms(std::uint64_t deadline_ms) const noexcept {
  if (is_manual()) return -1;
  std::uint64_t now = now_ms();
  if (deadline_ms <= now) return 0;
  return static_cast<int>(std::min<std::uint64_t>(deadline_ms - now, 60'000));
}

void RuntimeClock::advance_to_ms(std::uint64_t ms) noexcept {
  std::int64_t target = static_cast<std::int64_t>(std::min<std::uint64_t>(
                            ms, std::numeric_limits<std::int64_t>::max() / 1'000'000)) *
                        1'000'000;
  std::int64_t current = manual_ns_.load(std::memory_order_relaxed);
  while (current < target &&
         !manual_ns_.compare_exchange_weak(current, target, std::memory_order_acq_rel)) {
  }
}

TimerOwner& current_timer_owner(const char* what) {
  Worker* worker = Worker::current();
  if (!worker) {
    throw UsageError(std::string(what) +
                     " outside a corio runtime: await it from a task run by corio::run, "
                     "Runtime::block_on or spawn");
  }
  return *worker;
}

std::uint64_t to_timer_ms(Clock::time_point deadline) noexcept {
  Worker* worker = Worker::current();
  return worker ? worker->scheduler().clock().to_ms(deadline) : 0;
}

Clock::time_point saturating_deadline(Clock::duration d) noexcept {
  Clock::time_point now = Clock::now();
  if (d > Clock::time_point::max() - now) return Clock::time_point::max();
  return now + d;
}

}  // namespace detail

// ---- SleepAwaiter -------------------------------------------------------------------------

bool SleepAwaiter::await_suspend(std::coroutine_handle<> caller, std::source_location where) {
  task_ = &detail::require_current_task("co_await corio::sleep_for / sleep_until");
  detail::note_await_site(caller, where);
  detail::throw_if_cancelled(*task_);
  detail::TimerOwner& owner = detail::current_timer_owner("corio::sleep_for");
  entry_.deadline_ms = detail::to_timer_ms(deadline_);
  entry_.on_fire = &SleepAwaiter::on_fire;
  entry_.owner = &owner;  // before the wait opens: a canceller may post to it at once
  entry_.waker = detail::begin_cancellable_wait(*task_, caller, detail::WaitKind::sleep, this);
  if (owner.arm(&entry_)) return true;
  // The deadline has passed: like asyncio.sleep(0), yield once and return.
  if (task_->abandon_wait(entry_.waker.epoch)) {
    entry_.fired = true;
    detail::yield_current_task(caller);
  }
  return true;  // (else a canceller claimed the wait; the worker requeues us)
}

void SleepAwaiter::on_fire(detail::TimerEntry* entry) noexcept {
  // Only the owner claims a sleep's wait (firing, or processing a cancel message), so this
  // claim cannot lose: mark first, then wake.
  auto* self = static_cast<Entry*>(entry);
  self->fired = true;
  self->waker.wake();
}

void SleepAwaiter::on_cancel(detail::CancelHook* hook, TaskHeader* task,
                             std::uint32_t epoch) noexcept {
  auto* self = static_cast<SleepAwaiter*>(hook);
  task->refs.fetch_add(1, std::memory_order_relaxed);  // released by the owner
  // Allocation failure here terminates (noexcept): cancelling a sleep needs 32 bytes.
  self->entry_.owner->post_cancel(new detail::TimerCancel{&self->entry_, task, epoch});
}

// ---- Interval -----------------------------------------------------------------------------

Interval::TickAwaiter Interval::tick() {
  if (!started_) {
    started_ = true;
    next_ = Clock::now();
  }
  return TickAwaiter(*this, next_);
}

Clock::time_point Interval::TickAwaiter::await_resume() {
  sleep_.await_resume();
  Interval& iv = interval_;
  Clock::time_point now = Clock::now();
  Clock::time_point next = when_ + iv.period_;
  if (next <= now) {  // ticks were missed
    switch (iv.missed_) {
      case MissedTickBehavior::burst:
        break;
      case MissedTickBehavior::delay:
        next = now + iv.period_;
        break;
      case MissedTickBehavior::skip: {
        auto behind = (now - when_) / iv.period_;
        next = when_ + (behind + 1) * iv.period_;
        break;
      }
    }
  }
  iv.next_ = next;
  return when_;
}

}  // namespace corio

namespace corio::detail {

Task<> cancel_at(Clock::time_point deadline, TaskHeader* target, std::atomic<bool>* timed_out) {
  try {
    co_await sleep_until(deadline);
  } catch (const CancelledError&) {
    co_return;  // the work finished first
  }
  timed_out->store(true, std::memory_order_release);
  request_cancel(target);
}

}  // namespace corio::detail
