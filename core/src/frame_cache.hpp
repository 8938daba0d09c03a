// FrameCache: a worker's recently freed frame blocks, reused by its next frames of the same
// size before the allocator is asked.
//
// Most frames live for one step or one wait: a socket read or write, a gathered child, a
// timeout's inner task. mimalloc's malloc and free cost 7-10 ns a pair on one thread, and
// more when a frame is freed on another worker than the one that allocated it (a stolen
// task: the block goes back to its owner's page through an atomic list). A worker that
// keeps the blocks it frees and hands them to its next frames of that size skips both.
// docs/architecture.md, "Frame cache", has the measurements.
//
// Blocks are kept by exact size (a coroutine's frames all have its one size), in a few
// slots chosen by size, each holding one size at a time and a bounded number of blocks, so
// a burst of frames (a gather of thousands) goes back to the allocator, not into the cache.
// Only small blocks are kept: the hot frames are small, and a worker holds at most
// kSlots * kBlocksPerSlot * kMaxBlockSize bytes (64 KiB). One worker thread touches its
// cache; frame_memory.cpp reaches it through t_frame_cache.
#pragma once

#include <cstddef>
#include <cstdint>
#include <new>

namespace corio::detail {

class FrameCache {
 public:
  static constexpr std::size_t kSlots = 8;
  static constexpr std::uint32_t kBlocksPerSlot = 16;
  static constexpr std::size_t kMaxBlockSize = 512;

  FrameCache() noexcept = default;
  FrameCache(const FrameCache&) = delete;
  FrameCache& operator=(const FrameCache&) = delete;

  /// A kept block of exactly `size` bytes, or null.
  void* take(std::size_t size) noexcept {
    Slot& slot = slot_for(size);
    FreeBlock* block = slot.head;
    if (block == nullptr || slot.size != size) return nullptr;
    slot.head = block->next;
    --slot.count;
    return block;
  }

  /// Keeps `block` (of `size` bytes) for a later take; false if it is larger than
  /// kMaxBlockSize or its slot is full or holds another size, and the caller frees it.
  bool keep(void* block, std::size_t size) noexcept {
    if (size > kMaxBlockSize) return false;
    Slot& slot = slot_for(size);
    if (slot.count == 0) {
      slot.size = size;
    } else if (slot.size != size || slot.count == kBlocksPerSlot) {
      return false;
    }
    slot.head = new (block) FreeBlock{slot.head};
    ++slot.count;
    return true;
  }

  /// Empties the cache, passing each block to `free_block`.
  template <class FreeBlockFn>
  void drain(FreeBlockFn free_block) noexcept {
    for (Slot& slot : slots_) {
      while (FreeBlock* block = slot.head) {
        slot.head = block->next;
        free_block(static_cast<void*>(block));
      }
      slot.count = 0;
    }
  }

 private:
  struct FreeBlock {
    FreeBlock* next;
  };
  struct Slot {
    std::size_t size = 0;
    FreeBlock* head = nullptr;
    std::uint32_t count = 0;
  };

  // Frame sizes are multiples of 16: neighbouring sizes land in different slots.
  Slot& slot_for(std::size_t size) noexcept { return slots_[(size / 16) % kSlots]; }

  Slot slots_[kSlots];
};

/// The cache of the worker running on this thread, or null (frames made or destroyed
/// elsewhere use the allocator directly). Set by Worker::run.
extern constinit thread_local FrameCache* t_frame_cache;

/// Gives `cache`'s blocks back to the frame allocator (frame_memory.cpp). A worker calls
/// it as its thread stops using the cache.
void release_frame_cache(FrameCache& cache) noexcept;

}  // namespace corio::detail
