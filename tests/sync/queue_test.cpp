// Queue, LifoQueue and PriorityQueue: asyncio.Queue's behaviour, task_done/join, shutdown,
// cancellation, and the tutorial's producer/consumer ported.
#include "corio/sync/queue.hpp"

#include <gtest/gtest.h>

#include <atomic>
#include <chrono>
#include <string>
#include <utility>
#include <vector>

#include "corio/corio.hpp"

namespace {

using namespace std::chrono_literals;
const corio::RuntimeOptions kManual{.workers = 2, .clock = corio::ClockKind::manual};

TEST(QueueTest, ItemsComeOutInTheOrderTheyWentIn) {
  corio::Queue<int> q;
  for (int i = 0; i < 5; ++i) q.put_nowait(i);
  EXPECT_EQ(q.qsize(), 5u);
  for (int i = 0; i < 5; ++i) EXPECT_EQ(q.get_nowait(), i);
  EXPECT_TRUE(q.empty());
}

TEST(QueueTest, LifoQueueReturnsTheNewestItemFirst) {
  corio::LifoQueue<int> q;
  for (int i = 0; i < 3; ++i) q.put_nowait(i);
  EXPECT_EQ(q.get_nowait(), 2);
  EXPECT_EQ(q.get_nowait(), 1);
  EXPECT_EQ(q.get_nowait(), 0);
}

TEST(QueueTest, PriorityQueueReturnsTheSmallestItemFirst) {
  corio::PriorityQueue<std::pair<int, std::string>> q;
  q.put_nowait({3, "low"});
  q.put_nowait({1, "high"});
  q.put_nowait({2, "mid"});
  q.put_nowait({1, "also high"});
  EXPECT_EQ(q.get_nowait().second, "also high");  // (1, "also high") < (1, "high")
  EXPECT_EQ(q.get_nowait().second, "high");
  EXPECT_EQ(q.get_nowait().second, "mid");
  EXPECT_EQ(q.get_nowait().second, "low");
}

TEST(QueueTest, PriorityQueueTakesACustomComparison) {
  corio::PriorityQueue<int, std::greater<int>> q;  // largest first
  for (int v : {4, 9, 1, 7}) q.put_nowait(int{v});
  std::vector<int> out;
  while (!q.empty()) out.push_back(q.get_nowait());
  EXPECT_EQ(out, (std::vector<int>{9, 7, 4, 1}));
}

TEST(QueueTest, PutNowaitOnAFullQueueThrowsQueueFull) {
  corio::Queue<int> q(2);
  EXPECT_EQ(q.maxsize(), 2u);
  q.put_nowait(1);
  EXPECT_FALSE(q.full());
  q.put_nowait(2);
  EXPECT_TRUE(q.full());
  EXPECT_THROW(q.put_nowait(3), corio::QueueFull);
}

TEST(QueueTest, GetNowaitOnAnEmptyQueueThrowsQueueEmpty) {
  corio::Queue<int> q;
  EXPECT_THROW(q.get_nowait(), corio::QueueEmpty);
}

TEST(QueueTest, AnUnboundedQueueIsNeverFull) {
  corio::Queue<int> q;
  for (int i = 0; i < 1000; ++i) q.put_nowait(int{i});
  EXPECT_FALSE(q.full());
  EXPECT_EQ(q.maxsize(), 0u);
}

TEST(QueueTest, TaskDoneCalledMoreOftenThanItemsWerePutThrowsUsageError) {
  corio::Queue<int> q;
  q.put_nowait(1);
  (void)q.get_nowait();
  q.task_done();
  EXPECT_THROW(q.task_done(), corio::UsageError);
}

corio::Task<int> get_one(corio::Queue<int> q) { co_return co_await q.get(); }

TEST(QueueTest, AGetterBlockedOnAnEmptyQueueReceivesTheNextPut) {
  auto body = []() -> corio::Task<int> {
    corio::Queue<int> q;
    auto h = corio::spawn(get_one(q));
    co_await corio::sleep_for(1ms);
    co_await q.put(11);
    co_return co_await h;
  };
  EXPECT_EQ(corio::run(body(), kManual), 11);
}

corio::Task<void> put_all(corio::Queue<int> q, int n) {
  for (int i = 0; i < n; ++i) co_await q.put(int{i});
}

TEST(QueueTest, APutterBlockedOnAFullQueueResumesWhenAnItemIsTaken) {
  auto body = []() -> corio::Task<std::vector<int>> {
    corio::Queue<int> q(1);
    auto h = corio::spawn(put_all(q, 4));
    co_await corio::sleep_for(1ms);
    EXPECT_TRUE(q.full());
    std::vector<int> got;
    for (int i = 0; i < 4; ++i) got.push_back(co_await q.get());
    co_await h;
    co_return got;
  };
  EXPECT_EQ(corio::run(body(), kManual), (std::vector<int>{0, 1, 2, 3}));
}

TEST(QueueTest, JoinReturnsAtOnceWhenNothingIsUnfinished) {
  auto body = []() -> corio::Task<bool> {
    corio::Queue<int> q;
    co_await q.join();
    co_return true;
  };
  EXPECT_TRUE(corio::run(body(), kManual));
}

// The tutorial's producer/consumer: a producer puts N items, workers get and task_done, and
// main awaits join() before cancelling the workers.
corio::Task<void> worker(corio::Queue<int> q, std::atomic<long>* total) {
  for (;;) {
    int item = co_await q.get();
    co_await corio::sleep_for(std::chrono::milliseconds(item % 7));
    total->fetch_add(item);
    q.task_done();
  }
}

TEST(QueueTest, TheTutorialsProducerConsumerProcessesEveryItemBeforeJoinReturns) {
  auto body = []() -> corio::Task<long> {
    corio::Queue<int> q;
    std::atomic<long> total{0};
    std::vector<corio::JoinHandle<void>> workers;
    for (int i = 0; i < 3; ++i) workers.push_back(corio::spawn(worker(q, &total)));
    for (int i = 1; i <= 100; ++i) co_await q.put(int{i});
    co_await q.join();
    long at_join = total.load();
    for (auto& w : workers) w.cancel();
    for (auto& w : workers) {
      try {
        co_await w;
      } catch (const corio::CancelledError&) {
      }
    }
    co_return at_join;
  };
  EXPECT_EQ(corio::run(body(), kManual), 5050);
}

TEST(QueueTest, ShutdownMakesPutThrowQueueShutDownAndGetDrainFirst) {
  auto body = []() -> corio::Task<int> {
    corio::Queue<int> q;
    q.put_nowait(1);
    q.shutdown();
    EXPECT_THROW(q.put_nowait(2), corio::QueueShutDown);
    int thrown = 0;
    try {
      co_await q.put(2);
    } catch (const corio::QueueShutDown&) {
      ++thrown;
    }
    int v = co_await q.get();  // still drains
    try {
      (void)co_await q.get();
    } catch (const corio::QueueShutDown&) {
      ++thrown;
    }
    EXPECT_THROW(q.get_nowait(), corio::QueueShutDown);
    co_return v * 10 + thrown;
  };
  EXPECT_EQ(corio::run(body(), kManual), 12);
}

corio::Task<std::string> get_outcome(corio::Queue<int> q) {
  try {
    co_return std::to_string(co_await q.get());
  } catch (const corio::QueueShutDown&) {
    co_return "shutdown";
  } catch (const corio::CancelledError&) {
    co_return "cancelled";
  }
}

corio::Task<std::string> put_outcome(corio::Queue<int> q, int v) {
  try {
    co_await q.put(int{v});
    co_return "put";
  } catch (const corio::QueueShutDown&) {
    co_return "shutdown";
  } catch (const corio::CancelledError&) {
    co_return "cancelled";
  }
}

TEST(QueueTest, ShutdownWakesBlockedGettersAndPuttersWithQueueShutDown) {
  auto body = []() -> corio::Task<std::string> {
    corio::Queue<int> empty;
    corio::Queue<int> full(1);
    full.put_nowait(0);
    auto g = corio::spawn(get_outcome(empty));
    auto p = corio::spawn(put_outcome(full, 1));
    co_await corio::sleep_for(1ms);
    empty.shutdown();
    full.shutdown();
    co_return co_await g + "," + co_await p;
  };
  EXPECT_EQ(corio::run(body(), kManual), "shutdown,shutdown");
}

TEST(QueueTest, ImmediateShutdownDropsItemsAndReleasesJoin) {
  auto body = []() -> corio::Task<std::size_t> {
    corio::Queue<int> q;
    for (int i = 0; i < 3; ++i) q.put_nowait(int{i});
    auto joiner = [](corio::Queue<int> q) -> corio::Task<void> { co_await q.join(); };
    auto h = corio::spawn(joiner(q));
    co_await corio::sleep_for(1ms);
    EXPECT_FALSE(h.is_done());
    q.shutdown(true);
    co_await h;
    co_return q.qsize();
  };
  EXPECT_EQ(corio::run(body(), kManual), 0u);
}

TEST(QueueTest, CancellingABlockedGetThrowsCancelledErrorAndLosesNoItem) {
  auto body = []() -> corio::Task<std::string> {
    corio::Queue<int> q;
    auto h = corio::spawn(get_outcome(q));
    co_await corio::sleep_for(1ms);
    h.cancel();
    std::string r = co_await h;
    q.put_nowait(5);
    EXPECT_EQ(q.get_nowait(), 5);
    co_return r;
  };
  EXPECT_EQ(corio::run(body(), kManual), "cancelled");
}

TEST(QueueTest, CancellingABlockedPutThrowsCancelledErrorAndPutsNothing) {
  auto body = []() -> corio::Task<std::string> {
    corio::Queue<int> q(1);
    q.put_nowait(1);
    auto h = corio::spawn(put_outcome(q, 2));
    co_await corio::sleep_for(1ms);
    h.cancel();
    std::string r = co_await h;
    EXPECT_EQ(q.get_nowait(), 1);
    EXPECT_TRUE(q.empty());
    co_return r;
  };
  EXPECT_EQ(corio::run(body(), kManual), "cancelled");
}

TEST(QueueTest, CancellingABlockedJoinThrowsCancelledError) {
  auto body = []() -> corio::Task<bool> {
    corio::Queue<int> q;
    q.put_nowait(1);
    auto joiner = [](corio::Queue<int> q) -> corio::Task<void> { co_await q.join(); };
    auto h = corio::spawn(joiner(q));
    co_await corio::sleep_for(1ms);
    h.cancel();
    try {
      co_await h;
    } catch (const corio::CancelledError&) {
      co_return true;
    }
    co_return false;
  };
  EXPECT_TRUE(corio::run(body(), kManual));
}

TEST(QueueTest, ManyWorkersAcrossFourThreadsGetEveryItemExactlyOnce) {
  auto body = []() -> corio::Task<long> {
    corio::Queue<int> q(4);
    std::atomic<long> total{0};
    auto consumer = [](corio::Queue<int> q, std::atomic<long>* total) -> corio::Task<void> {
      for (;;) {
        int v = co_await q.get();
        if (v < 0) co_return;
        total->fetch_add(v);
        q.task_done();
      }
    };
    std::vector<corio::JoinHandle<void>> cs;
    for (int i = 0; i < 4; ++i) cs.push_back(corio::spawn(consumer(q, &total)));
    std::vector<corio::JoinHandle<void>> ps;
    for (int i = 0; i < 4; ++i) ps.push_back(corio::spawn(put_all(q, 2000)));
    for (auto& p : ps) co_await p;
    co_await q.join();
    for (int i = 0; i < 4; ++i) co_await q.put(-1);
    for (auto& c : cs) co_await c;
    co_return total.load();
  };
  EXPECT_EQ(corio::run(body(), {.workers = 4}), 4L * 1999 * 2000 / 2);
}

}  // namespace
