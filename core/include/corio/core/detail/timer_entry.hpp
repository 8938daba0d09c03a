// TimerEntry: one armed timer, stored inside the awaiting coroutine frame (a sleep
// allocates nothing). It is linked into the wheel of the worker that armed it, and only
// that worker ever touches the wheel or the entry's links: a cancellation from elsewhere is
// a message to the owner (TimerOwner::post_cancel), which claims the task's wait first, so
// the entry's frame cannot move on while the owner unlinks it.
#pragma once

#include <cstdint>

#include "corio/core/detail/task_header.hpp"

namespace corio::detail {

class TimerOwner;

struct TimerEntry {
  /// What the owner does when the deadline passes (usually: wake the waiting task).
  void (*on_fire)(TimerEntry* self) noexcept = nullptr;
  /// Deadline in milliseconds on the owning runtime's timer clock.
  std::uint64_t deadline_ms = 0;
  /// Links of the wheel slot's circular list; null while not in a wheel.
  TimerEntry* prev = nullptr;
  TimerEntry* next = nullptr;
  /// The worker whose wheel holds (or held) the entry.
  TimerOwner* owner = nullptr;
  std::uint8_t level = 0;
  std::uint8_t slot = 0;

  bool linked() const noexcept { return next != nullptr; }
};

/// A request to end a timer wait early, sent to the timer's owner. Holds a reference on the
/// task, so the header outlives the message even if the wait ends some other way.
struct TimerCancel {
  TimerEntry* entry;
  TaskHeader* task;
  std::uint32_t epoch;
  TimerCancel* next = nullptr;
};

/// The part of a worker that owns a timer wheel, as timer awaitables see it.
class TimerOwner {
 public:
  /// Owner thread: arms `entry` (deadline_ms, on_fire and owner == this set). False,
  /// arming nothing, when the deadline has already passed on the wheel's clock.
  virtual bool arm(TimerEntry* entry) noexcept = 0;
  /// Owner thread (or the thread tearing the runtime down): unlinks `entry` if linked.
  virtual void disarm(TimerEntry* entry) noexcept = 0;
  /// Any thread: the owner will claim the wait `message->epoch`; if that succeeds it unlinks
  /// the entry and schedules the task. Takes ownership of `message`.
  virtual void post_cancel(TimerCancel* message) noexcept = 0;

 protected:
  ~TimerOwner() = default;
};

}  // namespace corio::detail
