// TimerWheel: a hierarchical timing wheel with 1 ms resolution, six levels of 64 slots
// (level L's slots are 64^L ms wide, so the wheel spans 64^6 ms, about 2.2 years; later
// deadlines wait in the last level and are re-inserted as time comes closer).
//
// An entry goes to the level where its deadline first differs from the wheel's current
// time, in the slot of that level's digit. Advancing time visits the earliest occupied
// slot: on level 0 its entries fire; on higher levels they are re-inserted, landing on
// lower levels (a cascade). Each level keeps a 64-bit occupancy mask, so finding the next
// occupied slot is a rotate and a count of trailing zeros. Insert and remove are O(1).
// Owner thread only.
#pragma once

#include <cstdint>
#include <optional>

#include "corio/core/detail/timer_entry.hpp"

namespace corio::detail {

class TimerWheel {
 public:
  static constexpr int kLevels = 6;
  static constexpr int kSlots = 64;

  TimerWheel();
  TimerWheel(const TimerWheel&) = delete;
  TimerWheel& operator=(const TimerWheel&) = delete;

  /// Current time of the wheel (ms): everything at or before it has fired.
  std::uint64_t elapsed() const noexcept { return elapsed_; }

  /// Links `entry`; false (nothing linked) if its deadline is not after elapsed().
  bool insert(TimerEntry* entry) noexcept;
  /// Unlinks a linked entry.
  void remove(TimerEntry* entry) noexcept;
  /// The earliest time at which something is due (a slot boundary on higher levels, so
  /// possibly earlier than the earliest deadline); none when the wheel is empty.
  std::optional<std::uint64_t> next_expiration() const noexcept;
  /// Advances to `now`, firing every entry whose deadline is <= now. Returns how many fired.
  std::uint64_t advance(std::uint64_t now) noexcept;
  bool empty() const noexcept;

 private:
  struct Expiration {
    int level;
    int slot;
    std::uint64_t deadline;
  };
  std::optional<Expiration> next_expiration_detail() const noexcept;
  TimerEntry* sentinel(int level, int slot) noexcept { return &slots_[level][slot]; }
  void link(TimerEntry* entry) noexcept;

  std::uint64_t elapsed_ = 0;
  std::uint64_t occupied_[kLevels] = {};
  TimerEntry slots_[kLevels][kSlots];  // sentinels of circular lists
};

}  // namespace corio::detail
