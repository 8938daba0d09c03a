// TimerWheel: see timer_wheel.hpp for the structure.
#include "timer_wheel.hpp"

#include <bit>

namespace corio::detail {

namespace {
constexpr std::uint64_t kMaxSpan = std::uint64_t{1} << (6 * TimerWheel::kLevels);  // 64^6 ms

constexpr std::uint64_t slot_range(int level) noexcept { return std::uint64_t{1} << (6 * level); }
constexpr std::uint64_t level_range(int level) noexcept {
  return std::uint64_t{1} << (6 * (level + 1));
}

/// The level where `deadline` first differs from `elapsed` in a base-64 digit.
int level_for(std::uint64_t elapsed, std::uint64_t deadline) noexcept {
  std::uint64_t masked = (elapsed ^ deadline) | (TimerWheel::kSlots - 1);
  if (masked >= kMaxSpan) masked = kMaxSpan - 1;
  int significant = 63 - std::countl_zero(masked);
  return significant / 6;
}
}  // namespace

TimerWheel::TimerWheel() {
  for (auto& level : slots_) {
    for (TimerEntry& s : level) s.prev = s.next = &s;
  }
}

bool TimerWheel::empty() const noexcept {
  for (std::uint64_t mask : occupied_) {
    if (mask) return false;
  }
  return true;
}

void TimerWheel::link(TimerEntry* entry) noexcept {
  int level = level_for(elapsed_, entry->deadline_ms);
  int slot = static_cast<int>((entry->deadline_ms >> (6 * level)) & (kSlots - 1));
  TimerEntry* head = sentinel(level, slot);
  entry->level = static_cast<std::uint8_t>(level);
  entry->slot = static_cast<std::uint8_t>(slot);
  entry->prev = head->prev;
  entry->next = head;
  head->prev->next = entry;
  head->prev = entry;
  occupied_[level] |= std::uint64_t{1} << slot;
}

bool TimerWheel::insert(TimerEntry* entry) noexcept {
  if (entry->deadline_ms <= elapsed_) return false;
  link(entry);
  return true;
}

void TimerWheel::remove(TimerEntry* entry) noexcept {
  entry->prev->next = entry->next;
  entry->next->prev = entry->prev;
  TimerEntry* head = sentinel(entry->level, entry->slot);
  if (head->next == head) occupied_[entry->level] &= ~(std::uint64_t{1} << entry->slot);
  entry->prev = entry->next = nullptr;
}

std::optional<TimerWheel::Expiration> TimerWheel::next_expiration_detail() const noexcept {
  for (int level = 0; level < kLevels; ++level) {
    std::uint64_t mask = occupied_[level];
    if (mask == 0) continue;
    int now_slot = static_cast<int>((elapsed_ >> (6 * level)) & (kSlots - 1));
    int slot = (std::countr_zero(std::rotr(mask, now_slot)) + now_slot) % kSlots;
    std::uint64_t level_start = elapsed_ & ~(level_range(level) - 1);
    std::uint64_t deadline = level_start + static_cast<std::uint64_t>(slot) * slot_range(level);
    // A slot "behind" the current one holds entries one full turn of this level ahead
    // (only the top level can wrap like this).
    if (deadline <= elapsed_ && level > 0) deadline += level_range(level);
    if (level == 0 && deadline < elapsed_) deadline = elapsed_;
    return Expiration{level, slot, deadline};
  }
  return std::nullopt;
}

std::optional<std::uint64_t> TimerWheel::next_expiration() const noexcept {
  if (auto e = next_expiration_detail()) return e->deadline;
  return std::nullopt;
}

std::uint64_t TimerWheel::advance(std::uint64_t now) noexcept {
  std::uint64_t fired = 0;
  for (;;) {
    std::optional<Expiration> e = next_expiration_detail();
    if (!e || e->deadline > now) break;
    if (e->deadline > elapsed_) elapsed_ = e->deadline;
    // Detach the slot's list, then fire or re-insert each entry.
    TimerEntry* head = sentinel(e->level, e->slot);
    TimerEntry* entry = head->next;
    head->prev = head->next = head;
    occupied_[e->level] &= ~(std::uint64_t{1} << e->slot);
    while (entry != head) {
      TimerEntry* next = entry->next;
      entry->prev = entry->next = nullptr;
      if (entry->deadline_ms <= elapsed_) {
        ++fired;
        entry->on_fire(entry);
      } else {
        link(entry);
      }
      entry = next;
    }
  }
  if (now > elapsed_) elapsed_ = now;
  return fired;
}

}  // namespace corio::detail
