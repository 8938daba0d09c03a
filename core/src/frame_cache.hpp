// FrameCache: a worker's recently freed frame blocks, reused by its next frames of the same
// size class before the allocator is asked.
//
// Most frames live for one step or one wait: a socket read or write, a gathered child, a
// timeout's inner task. mimalloc's malloc and free cost 7-10 ns a pair on one thread, and
// more when a frame is freed on another worker than the one that allocated it (a stolen
// task: the block goes back to its owner's page through an atomic list). A worker that
// keeps the blocks it frees and hands them to its next frames of that class skips both.
// docs/architecture.md, "Frame cache", has the measurements.
//
// A size class is a block size rounded up to kGranule; mimalloc's size bins above 64 bytes
// are all multiples of 16 bytes, so the rounding costs no memory. Each class has a slot of
// its own, so frames of different sizes never evict each other (B9's 296-byte read frame and
// the 168-byte read_exact frame around it are both reused). A slot holds a bounded number of
// blocks, so a burst of frames (a gather of thousands) goes back to the allocator, not into
// the cache, and only small blocks are kept, at most kMaxBytes in all: the hot frames are
// small. One worker thread touches its cache; frame_memory.cpp reaches it through
// t_frame_cache.
#pragma once

#include <cstddef>
#include <cstdint>
#include <new>

namespace corio::detail {

class FrameCache {
 public:
  static constexpr std::size_t kGranule = 16;
  static constexpr std::size_t kMaxBlockSize = 512;
  static constexpr std::uint32_t kBlocksPerClass = 16;
  static constexpr std::size_t kMaxBytes = 64 * 1024;

  /// The size of the block to allocate for `size` bytes when take() has none: every block
  /// of one class must fit any request of that class.
  static constexpr std::size_t block_size(std::size_t size) noexcept {
    return (size + kGranule - 1) / kGranule * kGranule;
  }

  FrameCache() noexcept = default;
  FrameCache(const FrameCache&) = delete;
  FrameCache& operator=(const FrameCache&) = delete;

  /// A kept block of block_size(size) bytes, or null.
  void* take(std::size_t size) noexcept {
    if (size > kMaxBlockSize) return nullptr;
    Slot& slot = slot_for(size);
    FreeBlock* block = slot.head;
    if (block == nullptr) return nullptr;
    slot.head = block->next;
    --slot.count;
    bytes_ -= block_size(size);
    return block;
  }

  /// Keeps `block` (of block_size(size) bytes) for a later take; false if it is larger than
  /// kMaxBlockSize or its class or the whole cache is full, and the caller frees it.
  bool keep(void* block, std::size_t size) noexcept {
    if (size > kMaxBlockSize) return false;
    Slot& slot = slot_for(size);
    if (slot.count == kBlocksPerClass || bytes_ + block_size(size) > kMaxBytes) return false;
    slot.head = new (block) FreeBlock{slot.head};
    ++slot.count;
    bytes_ += block_size(size);
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
    bytes_ = 0;
  }

 private:
  struct FreeBlock {
    FreeBlock* next;
  };
  struct Slot {
    FreeBlock* head = nullptr;
    std::uint32_t count = 0;
  };

  static constexpr std::size_t kClasses = kMaxBlockSize / kGranule;
  Slot& slot_for(std::size_t size) noexcept { return slots_[(block_size(size) / kGranule) - 1]; }

  Slot slots_[kClasses];
  std::size_t bytes_ = 0;
};

/// The cache of the worker running on this thread, or null (frames made or destroyed
/// elsewhere use the allocator directly). Set by Worker::run.
extern constinit thread_local FrameCache* t_frame_cache;

/// Gives `cache`'s blocks back to the frame allocator (frame_memory.cpp). A worker calls
/// it as its thread stops using the cache.
void release_frame_cache(FrameCache& cache) noexcept;

}  // namespace corio::detail
