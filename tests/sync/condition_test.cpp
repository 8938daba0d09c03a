// Condition: wait releases and re-acquires the Mutex, wait_for, notify/notify_all, misuse
// and cancellation.
#include "corio/sync/condition.hpp"

#include <gtest/gtest.h>

#include <atomic>
#include <chrono>
#include <deque>
#include <string>
#include <vector>

#include "corio/corio.hpp"

namespace {

using namespace std::chrono_literals;
const corio::RuntimeOptions kManual{.workers = 2, .clock = corio::ClockKind::manual};

struct Shared {
  corio::Mutex m;
  corio::Condition cv;
  std::deque<int> items;  // guarded by m
  int woken = 0;          // guarded by m
};

corio::Task<int> consume_one(Shared* s) {
  corio::MutexGuard g = co_await s->m.lock();
  co_await s->cv.wait_for(g, [s] { return !s->items.empty(); });
  EXPECT_TRUE(g.owns_lock());
  int v = s->items.front();
  s->items.pop_front();
  co_return v;
}

corio::Task<int> wait_once(Shared* s) {
  corio::MutexGuard g = co_await s->m.lock();
  co_await s->cv.wait(g);
  EXPECT_TRUE(g.owns_lock());
  co_return ++s->woken;
}

TEST(ConditionTest, WaitForReturnsOnceThePredicateHoldsWithTheMutexHeld) {
  auto body = []() -> corio::Task<int> {
    Shared s;
    auto h = corio::spawn(consume_one(&s));
    co_await corio::sleep_for(1ms);
    EXPECT_FALSE(s.m.is_locked());  // wait released it
    {
      corio::MutexGuard g = co_await s.m.lock();
      s.items.push_back(42);
    }
    s.cv.notify();
    co_return co_await h;
  };
  EXPECT_EQ(corio::run(body(), kManual), 42);
}

TEST(ConditionTest, NotifyWakesOneWaiterAndNotifyAllWakesTheRest) {
  auto body = []() -> corio::Task<bool> {
    Shared s;
    std::vector<corio::JoinHandle<int>> hs;
    for (int i = 0; i < 4; ++i) hs.push_back(corio::spawn(wait_once(&s)));
    co_await corio::sleep_for(1ms);
    s.cv.notify();
    co_await corio::sleep_for(1ms);
    int done = 0;
    for (auto& h : hs) done += h.is_done();
    EXPECT_EQ(done, 1);  // exactly one of the four was woken
    s.cv.notify_all();
    for (auto& h : hs) co_await h;
    co_return s.woken == 4;
  };
  EXPECT_TRUE(corio::run(body(), kManual));
}

TEST(ConditionTest, WaitWithAGuardThatHoldsNothingThrowsUsageError) {
  auto body = []() -> corio::Task<bool> {
    corio::Condition cv;
    corio::MutexGuard empty;
    try {
      co_await cv.wait(empty);
    } catch (const corio::UsageError&) {
      co_return true;
    }
    co_return false;
  };
  EXPECT_TRUE(corio::run(body(), kManual));
}

corio::Task<int> wait_expecting_cancel(Shared* s, std::atomic<bool>* held_on_cancel) {
  corio::MutexGuard g = co_await s->m.lock();
  try {
    co_await s->cv.wait(g);
  } catch (const corio::CancelledError&) {
    held_on_cancel->store(g.owns_lock());
    throw;
  }
  co_return 0;
}

TEST(ConditionTest, ACancelledWaitReacquiresTheMutexBeforeThrowing) {
  auto body = []() -> corio::Task<bool> {
    Shared s;
    std::atomic<bool> held{false};
    auto h = corio::spawn(wait_expecting_cancel(&s, &held));
    co_await corio::sleep_for(1ms);
    corio::JoinHandle<int> other = corio::spawn(wait_once(&s));
    co_await corio::sleep_for(1ms);
    h.cancel();
    bool cancelled = false;
    try {
      co_await h;
    } catch (const corio::CancelledError&) {
      cancelled = true;
    }
    s.cv.notify();  // the cancelled waiter left the queue: this reaches `other`
    int woken = co_await other;
    co_return cancelled&& held.load() && woken == 1 && !s.m.is_locked();
  };
  EXPECT_TRUE(corio::run(body(), kManual));
}

corio::Task<int> producer(Shared* s, int n) {
  for (int i = 1; i <= n; ++i) {
    {
      corio::MutexGuard g = co_await s->m.lock();
      s->items.push_back(i);
    }
    s->cv.notify();
  }
  co_return 0;
}

TEST(ConditionTest, ProducersAndConsumersOnFourWorkersExchangeEveryItem) {
  auto body = []() -> corio::Task<long> {
    Shared s;
    std::vector<corio::JoinHandle<int>> consumers;
    for (int i = 0; i < 200; ++i) consumers.push_back(corio::spawn(consume_one(&s)));
    auto p1 = corio::spawn(producer(&s, 100));
    auto p2 = corio::spawn(producer(&s, 100));
    long sum = 0;
    for (auto& c : consumers) sum += co_await c;
    co_await p1;
    co_await p2;
    co_return sum;
  };
  EXPECT_EQ(corio::run(body(), {.workers = 4}), 2 * 5050);
}

}  // namespace
