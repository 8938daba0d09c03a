// FrameCache (core/src/frame_cache.hpp): the blocks a worker keeps from the frames it
// destroyed, handed to its next frames of the same size.
#include "frame_cache.hpp"

#include <gtest/gtest.h>

#include <algorithm>
#include <cstddef>
#include <vector>

namespace {

using corio::detail::FrameCache;

// Blocks for the cache to hold: 16-byte aligned like the allocator's, large enough for
// any size a test passes.
struct Blocks {
  alignas(16) std::byte storage[64][FrameCache::kMaxBlockSize];
  void* operator[](std::size_t i) { return storage[i]; }
};

std::vector<void*> drained(FrameCache& cache) {
  std::vector<void*> blocks;
  cache.drain([&](void* block) { blocks.push_back(block); });
  return blocks;
}

TEST(FrameCacheTest, ABlockKeptIsTakenBackOnlyForItsExactSize) {
  Blocks blocks;
  FrameCache cache;
  EXPECT_EQ(cache.take(160), nullptr);
  ASSERT_TRUE(cache.keep(blocks[0], 160));
  EXPECT_EQ(cache.take(144), nullptr);
  // 160 + 16 * kSlots lands in the same slot: the slot holds one size at a time.
  EXPECT_EQ(cache.take(160 + 16 * FrameCache::kSlots), nullptr);
  EXPECT_EQ(cache.take(160), blocks[0]);
  EXPECT_EQ(cache.take(160), nullptr);
}

TEST(FrameCacheTest, TheLastBlockKeptIsTheFirstTaken) {
  Blocks blocks;
  FrameCache cache;
  ASSERT_TRUE(cache.keep(blocks[0], 96));
  ASSERT_TRUE(cache.keep(blocks[1], 96));
  EXPECT_EQ(cache.take(96), blocks[1]);  // the one most likely still in this core's cache
  EXPECT_EQ(cache.take(96), blocks[0]);
}

TEST(FrameCacheTest, ASlotHoldingOneSizeRefusesAnotherUntilItIsEmpty) {
  Blocks blocks;
  FrameCache cache;
  const std::size_t other = 96 + 16 * FrameCache::kSlots;  // same slot as 96
  ASSERT_TRUE(cache.keep(blocks[0], 96));
  EXPECT_FALSE(cache.keep(blocks[1], other));
  EXPECT_EQ(cache.take(96), blocks[0]);
  EXPECT_TRUE(cache.keep(blocks[1], other));
  EXPECT_EQ(cache.take(other), blocks[1]);
}

TEST(FrameCacheTest, ASlotKeepsAtMostItsBoundAndLargeBlocksAreRefused) {
  Blocks blocks;
  FrameCache cache;
  for (std::size_t i = 0; i < FrameCache::kBlocksPerSlot; ++i) {
    ASSERT_TRUE(cache.keep(blocks[i], 128)) << i;
  }
  EXPECT_FALSE(cache.keep(blocks[FrameCache::kBlocksPerSlot], 128));

  FrameCache other;
  EXPECT_FALSE(other.keep(blocks[0], FrameCache::kMaxBlockSize + 16));
  EXPECT_TRUE(other.keep(blocks[0], FrameCache::kMaxBlockSize));
}

TEST(FrameCacheTest, DrainingGivesBackEveryBlockOnceAndEmptiesTheCache) {
  Blocks blocks;
  FrameCache cache;
  std::vector<void*> kept;
  for (std::size_t i = 0; i < 3; ++i) {
    ASSERT_TRUE(cache.keep(blocks[i], 64));
    kept.push_back(blocks[i]);
  }
  for (std::size_t i = 3; i < 5; ++i) {
    ASSERT_TRUE(cache.keep(blocks[i], 208));
    kept.push_back(blocks[i]);
  }
  std::vector<void*> freed = drained(cache);
  std::sort(freed.begin(), freed.end());
  std::sort(kept.begin(), kept.end());
  EXPECT_EQ(freed, kept);
  EXPECT_EQ(cache.take(64), nullptr);
  EXPECT_EQ(cache.take(208), nullptr);
  EXPECT_TRUE(drained(cache).empty());
  // Emptied slots take any size again, up to the full bound.
  for (std::size_t i = 0; i < FrameCache::kBlocksPerSlot; ++i) {
    ASSERT_TRUE(cache.keep(blocks[i], 64 + 16 * FrameCache::kSlots)) << i;
  }
}

}  // namespace
