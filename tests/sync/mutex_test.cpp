// Mutex: guards, try_lock, FIFO hand-over, exactness under 8 workers, cancellation.
#include "corio/sync/mutex.hpp"

#include <gtest/gtest.h>

#include <atomic>
#include <chrono>
#include <string>
#include <thread>
#include <vector>

#include "corio/corio.hpp"

namespace {

using namespace std::chrono_literals;
const corio::RuntimeOptions kManual{.workers = 2, .clock = corio::ClockKind::manual};

TEST(MutexTest, LockYieldsAGuardThatUnlocksWhenDestroyed) {
  auto body = []() -> corio::Task<bool> {
    corio::Mutex m;
    {
      corio::MutexGuard g = co_await m.lock();
      EXPECT_TRUE(g.owns_lock());
      EXPECT_TRUE(m.is_locked());
      EXPECT_FALSE(m.try_lock().has_value());
    }
    EXPECT_FALSE(m.is_locked());
    auto g = m.try_lock();
    co_return g.has_value() && m.is_locked();
  };
  EXPECT_TRUE(corio::run(body(), kManual));
}

TEST(MutexTest, AMovedGuardUnlocksOnceAndUnlockEmptiesIt) {
  auto body = []() -> corio::Task<bool> {
    corio::Mutex m;
    corio::MutexGuard a = co_await m.lock();
    corio::MutexGuard b = std::move(a);
    EXPECT_FALSE(a.owns_lock());
    b.unlock();
    b.unlock();  // harmless
    co_return !m.is_locked() && !b;
  };
  EXPECT_TRUE(corio::run(body(), kManual));
}

struct Order {
  corio::Mutex m;
  std::vector<int> order;  // guarded by m
};

corio::Task<int> take_in_turn(Order* o, int id) {
  corio::MutexGuard g = co_await o->m.lock();
  o->order.push_back(id);
  co_return id;
}

TEST(MutexTest, UnlockHandsTheLockToWaitersInArrivalOrder) {
  auto body = []() -> corio::Task<std::vector<int>> {
    Order o;
    std::vector<corio::JoinHandle<int>> hs;
    {
      corio::MutexGuard g = co_await o.m.lock();
      for (int i = 0; i < 6; ++i) {
        hs.push_back(corio::spawn(take_in_turn(&o, i)));
        co_await corio::sleep_for(1ms);  // task i is queued before task i+1 starts
      }
    }
    // A newcomer that arrives while the lock is being handed over must queue behind them.
    EXPECT_FALSE(o.m.try_lock().has_value());
    for (auto& h : hs) co_await h;
    co_return o.order;
  };
  EXPECT_EQ(corio::run(body(), kManual), (std::vector<int>{0, 1, 2, 3, 4, 5}));
}

struct Counter {
  corio::Mutex m;
  long value = 0;  // guarded by m
};

corio::Task<int> increment(Counter* c, int times) {
  for (int i = 0; i < times; ++i) {
    corio::MutexGuard g = co_await c->m.lock();
    long v = c->value;
    if (i % 16 == 0) co_await corio::yield_now();  // hold it across a suspension sometimes
    c->value = v + 1;
  }
  co_return 0;
}

TEST(MutexTest, ACounterItGuardsEndsExactUnderEightWorkersContention) {
  constexpr int kTasks = 64, kTimes = 500;
  Counter c;
  auto body = [](Counter* c) -> corio::Task<long> {
    std::vector<corio::JoinHandle<int>> hs;
    for (int t = 0; t < kTasks; ++t) hs.push_back(corio::spawn(increment(c, kTimes)));
    for (auto& h : hs) co_await h;
    co_return c->value;
  };
  EXPECT_EQ(corio::run(body(&c), {.workers = 8}), long{kTasks} * kTimes);
  EXPECT_FALSE(c.m.is_locked());
}

TEST(MutexTest, AGuardMayBeReleasedFromAPlainThread) {
  auto body = []() -> corio::Task<bool> {
    corio::Mutex m;
    corio::MutexGuard g = co_await m.lock();
    std::thread t([g = std::move(g)]() mutable { g.unlock(); });
    t.join();
    corio::MutexGuard again = co_await m.lock();
    co_return again.owns_lock();
  };
  EXPECT_TRUE(corio::run(body(), kManual));
}

corio::Task<std::string> outcome(corio::JoinHandle<int> h) {
  try {
    co_await h;
    co_return "value";
  } catch (const corio::CancelledError&) {
    co_return "cancelled";
  }
}

TEST(MutexTest, CancellingAWaitingLockThrowsAndTheNextWaiterStillGetsIt) {
  auto body = []() -> corio::Task<bool> {
    Order o;
    corio::JoinHandle<int> a, b;
    {
      corio::MutexGuard g = co_await o.m.lock();
      a = corio::spawn(take_in_turn(&o, 1));
      co_await corio::sleep_for(1ms);
      b = corio::spawn(take_in_turn(&o, 2));
      co_await corio::sleep_for(1ms);
      a.cancel();
      EXPECT_EQ(co_await outcome(std::move(a)), "cancelled");
    }
    co_await b;
    co_return o.order == std::vector<int>{2} && !o.m.is_locked();
  };
  EXPECT_TRUE(corio::run(body(), kManual));
}

struct MutexChurn {
  corio::Mutex m;
  long value = 0;  // guarded by m
  std::atomic<long> done{0};
};

corio::Task<int> increment_under_cancel(MutexChurn* c) {
  for (int i = 0; i < 200; ++i) {
    try {
      corio::MutexGuard g = co_await c->m.lock();
      long v = c->value;
      co_await corio::yield_now();  // a cancellation here unwinds with the guard
      c->value = v + 1;
      c->done.fetch_add(1);
    } catch (const corio::CancelledError&) {
    }
  }
  co_return 0;
}

TEST(MutexTest, NoIncrementIsLostWhileLockersAreCancelledAtRandomOnEightWorkers) {
  MutexChurn c;
  auto body = [](MutexChurn* c) -> corio::Task<int> {
    std::vector<corio::JoinHandle<int>> hs;
    for (int i = 0; i < 16; ++i) hs.push_back(corio::spawn(increment_under_cancel(c)));
    for (unsigned k = 0; k < 3000; ++k) {
      hs[(k * 5) % hs.size()].cancel();
      co_await corio::yield_now();
    }
    for (auto& h : hs) {
      try {
        co_await h;
      } catch (const corio::CancelledError&) {
      }
    }
    co_return 0;
  };
  corio::run(body(&c), {.workers = 8});
  EXPECT_EQ(c.value, c.done.load());  // every completed increment counted, none torn
  EXPECT_FALSE(c.m.is_locked());
}

}  // namespace
