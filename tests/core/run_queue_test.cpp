// LocalQueue (core/src/run_queue.hpp): a worker's bounded queue, its owner's view of the
// room left (which may lag behind steals), and the steal that leaves a short queue alone.
#include "run_queue.hpp"

#include <gtest/gtest.h>

#include <array>
#include <cstdint>

namespace {

using corio::detail::LocalQueue;
using corio::detail::TaskHeader;

// The queue only moves pointers: distinct addresses stand for tasks.
std::array<std::uint64_t, 64> cells;
TaskHeader* task(int i) { return reinterpret_cast<TaskHeader*>(&cells[i]); }

TEST(RunQueueTest, AFullQueueTakesTasksAgainOnceAStealMadeRoom) {
  LocalQueue owner(8), thief(8);
  for (int i = 0; i < 8; ++i) ASSERT_TRUE(owner.push_back(task(i)));
  EXPECT_FALSE(owner.push_back(task(8)));

  // Half of 8: tasks 0..3; the last one comes back to run, the rest land in the thief's queue.
  EXPECT_EQ(owner.steal_into(thief), task(3));
  EXPECT_EQ(thief.size(), 3u);
  EXPECT_EQ(owner.size(), 4u);

  // The owner had last seen a full queue: it sees the room the steal made.
  for (int i = 8; i < 12; ++i) ASSERT_TRUE(owner.push_back(task(i)));
  EXPECT_FALSE(owner.push_back(task(12)));
  for (int i = 4; i < 12; ++i) EXPECT_EQ(owner.pop(), task(i));
  EXPECT_EQ(owner.pop(), nullptr);
  for (int i = 0; i < 3; ++i) EXPECT_EQ(thief.pop(), task(i));
}

TEST(RunQueueTest, PopsMakeRoomForPushesWithoutASteal) {
  LocalQueue q(4);
  for (int round = 0; round < 5; ++round) {
    for (int i = 0; i < 4; ++i) ASSERT_TRUE(q.push_back(task(4 * round + i)));
    EXPECT_FALSE(q.push_back(task(63)));
    for (int i = 0; i < 4; ++i) EXPECT_EQ(q.pop(), task(4 * round + i));
  }
}

TEST(RunQueueTest, AStealWithAMinimumLeavesAShorterQueueAlone) {
  LocalQueue owner(16), thief(16);
  for (int i = 0; i < 3; ++i) ASSERT_TRUE(owner.push_back(task(i)));
  EXPECT_EQ(owner.steal_into(thief, /*min_queued=*/4), nullptr);
  EXPECT_EQ(owner.size(), 3u);
  EXPECT_EQ(thief.size(), 0u);
  EXPECT_EQ(owner.steal_into(thief, /*min_queued=*/3), task(1));  // half of 3, rounded up
  EXPECT_EQ(thief.pop(), task(0));
  EXPECT_EQ(owner.pop(), task(2));
}

}  // namespace
