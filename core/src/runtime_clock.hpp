// RuntimeClock: the time a runtime's timers follow. Real: the steady clock. Manual: a value
// that only moves when the scheduler advances it (to the next deadline once every worker is
// idle). Timer time is whole milliseconds since the runtime started.
#pragma once

#include <atomic>
#include <chrono>
#include <cstdint>

#include "corio/core/time.hpp"

namespace corio::detail {

class RuntimeClock {
 public:
  explicit RuntimeClock(ClockKind kind) noexcept;

  bool is_manual() const noexcept { return kind_ == ClockKind::manual; }
  Clock::time_point now() const noexcept;
  /// Timer time now: whole milliseconds since the start, rounded down.
  std::uint64_t now_ms() const noexcept;
  /// Timer time of `deadline`, rounded up (so a timer never fires early).
  std::uint64_t to_ms(Clock::time_point deadline) const noexcept;
  /// epoll_wait timeout until timer time `deadline_ms` (-1 for manual clocks: only the
  /// scheduler moves them).
  int wait_timeout_ms(std::uint64_t deadline_ms) const noexcept;
  /// Manual clock: moves time forward to timer time `ms` (never backwards).
  void advance_to_ms(std::uint64_t ms) noexcept;

 private:
  const ClockKind kind_;
  const Clock::time_point origin_;
  std::atomic<std::int64_t> manual_ns_{0};  ///< manual: time since origin_
};

}  // namespace corio::detail
