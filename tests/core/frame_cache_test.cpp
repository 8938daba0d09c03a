// FrameCache (core/src/frame_cache.hpp): the blocks a worker keeps from the frames it
// destroyed, handed to its next frames of the same size.
#include "frame_cache.hpp"

#include <gtest/gtest.h>

#include <algorithm>
#include <cstddef>
#include <cstdint>
#include <memory>
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

TEST(FrameCacheTest, ABlockKeptIsTakenBackOnlyForItsSizeClass) {
  Blocks blocks;
  FrameCache cache;
  EXPECT_EQ(FrameCache::block_size(152), 160u);
  EXPECT_EQ(FrameCache::block_size(160), 160u);
  EXPECT_EQ(cache.take(160), nullptr);
  ASSERT_TRUE(cache.keep(blocks[0], 160));
  EXPECT_EQ(cache.take(144), nullptr);
  EXPECT_EQ(cache.take(168), nullptr);
  EXPECT_EQ(cache.take(152), blocks[0]);  // a 160-byte block fits any size of its class
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

TEST(FrameCacheTest, EverySizeClassIsKeptApartFromTheOthers) {
  Blocks blocks;
  FrameCache cache;
  // B9's frames per round trip: 168, 200 and 296 bytes with their headers.
  ASSERT_TRUE(cache.keep(blocks[0], 168));
  ASSERT_TRUE(cache.keep(blocks[1], 296));
  ASSERT_TRUE(cache.keep(blocks[2], 200));
  EXPECT_EQ(cache.take(296), blocks[1]);
  EXPECT_EQ(cache.take(168), blocks[0]);
  EXPECT_EQ(cache.take(200), blocks[2]);
  // One block in each class at once.
  for (std::size_t size = FrameCache::kGranule; size <= FrameCache::kMaxBlockSize;
       size += FrameCache::kGranule) {
    ASSERT_TRUE(cache.keep(blocks[size / FrameCache::kGranule - 1], size)) << size;
  }
  for (std::size_t size = FrameCache::kGranule; size <= FrameCache::kMaxBlockSize;
       size += FrameCache::kGranule) {
    EXPECT_EQ(cache.take(size), blocks[size / FrameCache::kGranule - 1]) << size;
  }
}

TEST(FrameCacheTest, AClassKeepsAtMostItsBoundAndLargeBlocksAreRefused) {
  Blocks blocks;
  FrameCache cache;
  for (std::size_t i = 0; i < FrameCache::kBlocksPerClass; ++i) {
    ASSERT_TRUE(cache.keep(blocks[i], 128)) << i;
  }
  EXPECT_FALSE(cache.keep(blocks[FrameCache::kBlocksPerClass], 128));
  EXPECT_TRUE(cache.keep(blocks[FrameCache::kBlocksPerClass], 144));  // another class

  FrameCache other;
  EXPECT_FALSE(other.keep(blocks[0], FrameCache::kMaxBlockSize + 1));
  EXPECT_EQ(other.take(FrameCache::kMaxBlockSize + 1), nullptr);
  EXPECT_TRUE(other.keep(blocks[0], FrameCache::kMaxBlockSize));
}

TEST(FrameCacheTest, TheCacheHoldsAtMostItsByteBound) {
  // Filling whole classes from the largest down reaches the byte bound before the counts.
  struct ManyBlocks {
    alignas(16) std::byte
        storage[2 * FrameCache::kMaxBytes / FrameCache::kMaxBlockSize][FrameCache::kMaxBlockSize];
  };
  auto blocks = std::make_unique<ManyBlocks>();
  FrameCache cache;
  std::size_t used = 0, kept_bytes = 0;
  for (std::size_t size = FrameCache::kMaxBlockSize;; size -= FrameCache::kGranule) {
    std::uint32_t in_class = 0;
    while (in_class < FrameCache::kBlocksPerClass && cache.keep(blocks->storage[used], size)) {
      ++used, ++in_class;
      kept_bytes += size;
    }
    if (in_class < FrameCache::kBlocksPerClass) {
      EXPECT_GT(kept_bytes + size, FrameCache::kMaxBytes);  // refused only when over the bound
      break;
    }
  }
  EXPECT_LE(kept_bytes, FrameCache::kMaxBytes);
  ASSERT_NE(cache.take(FrameCache::kMaxBlockSize), nullptr);
  EXPECT_TRUE(cache.keep(blocks->storage[used], FrameCache::kMaxBlockSize));  // room again
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
  // An emptied cache keeps blocks again, up to the full bound.
  for (std::size_t i = 0; i < FrameCache::kBlocksPerClass; ++i) {
    ASSERT_TRUE(cache.keep(blocks[i], 64)) << i;
  }
}

}  // namespace
