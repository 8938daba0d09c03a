// LocalQueue: a worker's bounded run queue. The owning worker pushes at the tail and pops at
// the head; any other worker may steal half of it at once. Tokio's design: the head word
// packs two indices, `steal` and `real`. A stealer first advances `real` past the tasks it
// claims (the owner stops seeing them) while `steal` stays behind (the owner must not
// overwrite their slots), copies them, then moves `steal` up to `real`. Only one steal runs
// at a time; the owner never waits for it.
//
// Invariants: steal <= real <= tail (mod 2^32); tail - steal <= capacity; the slots in
// [real, tail) are the queue; the slots in [steal, real) are being copied by a stealer.
#pragma once

#include <atomic>
#include <cstdint>
#include <memory>

#include "corio/core/detail/task_header.hpp"

namespace corio::detail {

class LocalQueue {
 public:
  /// Largest capacity RuntimeOptions accepts, and the largest batch moved at once.
  static constexpr std::uint32_t kMaxCapacity = 1024;
  static constexpr std::uint32_t kMaxHalf = kMaxCapacity / 2;

  /// `capacity` must be a power of two, at least 2.
  explicit LocalQueue(std::uint32_t capacity)
      : mask_(capacity - 1), slots_(std::make_unique<std::atomic<TaskHeader*>[]>(capacity)) {}

  std::uint32_t capacity() const noexcept { return mask_ + 1; }

  /// Owner: appends `task`; false when the queue is full (the caller overflows).
  bool push_back(TaskHeader* task) noexcept {
    std::uint32_t tail = tail_.load(std::memory_order_relaxed);
    // `steal` only moves forward, so an old value understates the room: read the head (a
    // line stealers write) only when that value says the queue may be full.
    if (tail - owner_steal_ > mask_) {
      owner_steal_ = steal_of(head_.load(std::memory_order_acquire));
      if (tail - owner_steal_ > mask_) return false;
    }
    slots_[tail & mask_].store(task, std::memory_order_relaxed);
    tail_.store(tail + 1, std::memory_order_release);  // publishes the slot to stealers
    return true;
  }

  /// Owner, on a full queue: claims the older half for the global queue and writes it to
  /// `out` (room for capacity/2 entries). Returns how many, 0 if a stealer is active (it is
  /// making room anyway) or took them first.
  std::uint32_t take_half(TaskHeader** out) noexcept {
    std::uint64_t head = head_.load(std::memory_order_acquire);
    std::uint32_t steal = steal_of(head), real = real_of(head);
    if (steal != real) return 0;
    std::uint32_t n = capacity() / 2;
    if (tail_.load(std::memory_order_relaxed) - real < n) return 0;
    if (!head_.compare_exchange_strong(head, pack(real + n, real + n), std::memory_order_acq_rel)) {
      return 0;
    }
    owner_steal_ = real + n;
    for (std::uint32_t i = 0; i < n; ++i) {
      out[i] = slots_[(real + i) & mask_].load(std::memory_order_relaxed);
    }
    return n;
  }

  /// Owner: takes the oldest task, or null.
  TaskHeader* pop() noexcept {
    std::uint64_t head = head_.load(std::memory_order_acquire);
    for (;;) {
      std::uint32_t steal = steal_of(head), real = real_of(head);
      if (real == tail_.load(std::memory_order_relaxed)) return nullptr;
      std::uint32_t next_real = real + 1;
      // With no steal in progress both indices move; otherwise only `real`.
      std::uint64_t next = steal == real ? pack(next_real, next_real) : pack(steal, next_real);
      if (head_.compare_exchange_weak(head, next, std::memory_order_acq_rel,
                                      std::memory_order_acquire)) {
        owner_steal_ = steal_of(next);
        return slots_[real & mask_].load(std::memory_order_relaxed);
      }
    }
  }

  /// Any thread but the owner: moves half of this queue (rounded up) into `dst`, the
  /// caller's own queue, and returns one of the stolen tasks to run now (null: nothing, or
  /// fewer than `min_queued` tasks queued).
  TaskHeader* steal_into(LocalQueue& dst, std::uint32_t min_queued = 1) noexcept {
    std::uint32_t dst_tail = dst.tail_.load(std::memory_order_relaxed);
    std::uint32_t dst_room =
        dst.capacity() - (dst_tail - steal_of(dst.head_.load(std::memory_order_acquire)));
    if (dst_room == 0) return nullptr;

    // 1. Claim: advance `real` past the tasks taken, leaving `steal` where it was.
    std::uint64_t head = head_.load(std::memory_order_acquire);
    std::uint32_t first, n;
    for (;;) {
      std::uint32_t steal = steal_of(head), real = real_of(head);
      if (steal != real) return nullptr;  // another stealer is at work
      std::uint32_t available = tail_.load(std::memory_order_acquire) - real;
      if (available < min_queued) return nullptr;
      n = available - available / 2;
      if (n > dst_room) n = dst_room;
      if (n == 0) return nullptr;
      if (head_.compare_exchange_weak(head, pack(steal, real + n), std::memory_order_acq_rel,
                                      std::memory_order_acquire)) {
        first = real;
        break;
      }
    }
    // 2. Copy; the owner cannot overwrite these slots while `steal` points at them.
    for (std::uint32_t i = 0; i < n; ++i) {
      TaskHeader* task = slots_[(first + i) & mask_].load(std::memory_order_relaxed);
      dst.slots_[(dst_tail + i) & dst.mask_].store(task, std::memory_order_relaxed);
    }
    // 3. Release: move `steal` up to `real` (the owner may have advanced `real` meanwhile).
    head = pack(first, first + n);
    for (;;) {
      std::uint32_t real = real_of(head);
      if (head_.compare_exchange_weak(head, pack(real, real), std::memory_order_acq_rel,
                                      std::memory_order_acquire)) {
        break;
      }
    }
    // 4. Run the last one now; publish the rest in the caller's queue.
    TaskHeader* run_now =
        dst.slots_[(dst_tail + n - 1) & dst.mask_].load(std::memory_order_relaxed);
    if (n > 1) dst.tail_.store(dst_tail + n - 1, std::memory_order_release);
    return run_now;
  }

  /// Owner: how many more tasks push_back accepts now (slots still being copied out by a
  /// stealer count as taken; a concurrent steal can only add room).
  std::uint32_t free_slots() const noexcept {
    std::uint32_t steal = steal_of(head_.load(std::memory_order_acquire));
    return capacity() - (tail_.load(std::memory_order_relaxed) - steal);
  }

  /// Approximate length (exact on the owner).
  std::uint32_t size() const noexcept {
    std::uint32_t real = real_of(head_.load(std::memory_order_acquire));
    return tail_.load(std::memory_order_acquire) - real;
  }
  bool empty() const noexcept { return size() == 0; }

 private:
  static std::uint32_t steal_of(std::uint64_t head) noexcept {
    return static_cast<std::uint32_t>(head >> 32);
  }
  static std::uint32_t real_of(std::uint64_t head) noexcept {
    return static_cast<std::uint32_t>(head);
  }
  static std::uint64_t pack(std::uint32_t steal, std::uint32_t real) noexcept {
    return (static_cast<std::uint64_t>(steal) << 32) | real;
  }

  // Three cache lines: the constants, the head (stealers and the owner's pops write it) and
  // the tail (the owner's pushes write it, stealers read it). A steal then does not take
  // the line of the tail away from an owner that only pushes (a spawning loop, B1).
  const std::uint32_t mask_;
  std::unique_ptr<std::atomic<TaskHeader*>[]> slots_;
  alignas(64) std::atomic<std::uint64_t> head_{0};  ///< pack(steal, real)
  alignas(64) std::atomic<std::uint32_t> tail_{0};  ///< written by the owner only
  /// Owner only: `steal` as the owner last read it (a lower bound of the real one).
  std::uint32_t owner_steal_ = 0;
};

}  // namespace corio::detail
