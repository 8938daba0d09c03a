// Broadcast: every receiver sees every value, lagging receivers learn how many they missed,
// close, plain-thread senders, cancellation.
#include "corio/sync/broadcast.hpp"

#include <gtest/gtest.h>

#include <chrono>
#include <optional>
#include <string>
#include <thread>
#include <vector>

#include "corio/corio.hpp"

namespace {

using namespace std::chrono_literals;
const corio::RuntimeOptions kManual{.workers = 2, .clock = corio::ClockKind::manual};

corio::Task<long> sum_all(corio::BroadcastReceiver<int> rx) {
  long sum = 0;
  while (std::optional<int> v = co_await rx.recv()) sum += *v;
  co_return sum;
}

TEST(BroadcastTest, EveryReceiverSeesEveryValue) {
  auto body = []() -> corio::Task<bool> {
    corio::Broadcast<int> bus(4);
    std::vector<corio::JoinHandle<long>> hs;
    for (int i = 0; i < 3; ++i) hs.push_back(corio::spawn(sum_all(bus.subscribe())));
    co_await corio::sleep_for(1ms);
    for (int v = 1; v <= 100; ++v) {
      bus.send(v);
      co_await corio::sleep_for(1ms);  // let every receiver keep up (capacity 4)
    }
    bus.close();
    bool ok = true;
    for (auto& h : hs) ok = ok && co_await h == 5050;
    co_return ok;
  };
  EXPECT_TRUE(corio::run(body(), kManual));
}

TEST(BroadcastTest, ALaggingReceiverLearnsHowManyItMissedAndGoesOnFromTheOldest) {
  auto body = []() -> corio::Task<bool> {
    corio::Broadcast<int> bus(3);
    auto rx = bus.subscribe();
    for (int v = 1; v <= 10; ++v) bus.send(v);
    std::uint64_t missed = 0;
    try {
      co_await rx.recv();
    } catch (const corio::Lagged& lag) {
      missed = lag.missed();
    }
    EXPECT_EQ(missed, 7u);
    std::vector<int> rest;
    for (int i = 0; i < 3; ++i) rest.push_back(*co_await rx.recv());
    co_return rest == std::vector<int>{8, 9, 10} && !rx.try_recv().has_value();
  };
  EXPECT_TRUE(corio::run(body(), kManual));
}

TEST(BroadcastTest, AReceiverSeesOnlyValuesSentAfterItSubscribed) {
  corio::Broadcast<std::string> bus(2);
  bus.send("early");
  auto rx = bus.subscribe();
  bus.send("late");
  EXPECT_EQ(rx.try_recv(), "late");
  bus.close();
  EXPECT_EQ(rx.try_recv(), std::nullopt);
  EXPECT_THROW(bus.send("x"), corio::UsageError);
  EXPECT_THROW(corio::Broadcast<int>(0), corio::UsageError);
}

TEST(BroadcastTest, APlainThreadSendsToWaitingTasks) {
  corio::Broadcast<int> bus(64);
  corio::Runtime rt({.workers = 2});
  auto a = rt.spawn(sum_all(bus.subscribe()));
  auto b = rt.spawn(sum_all(bus.subscribe()));
  std::thread t([&bus] {
    for (int v = 1; v <= 10; ++v) bus.send(v);
    bus.close();
  });
  t.join();
  auto join = [](corio::JoinHandle<long> h) -> corio::Task<long> { co_return co_await h; };
  EXPECT_EQ(rt.block_on(join(std::move(a))), 55);
  EXPECT_EQ(rt.block_on(join(std::move(b))), 55);
}

corio::Task<int> recv_one(corio::BroadcastReceiver<int>* rx) {
  co_return (co_await rx->recv()).value_or(-1);
}

TEST(BroadcastTest, ACancelledRecvThrowsAndConsumesNothing) {
  auto body = []() -> corio::Task<bool> {
    corio::Broadcast<int> bus(4);
    auto rx = bus.subscribe();
    auto h = corio::spawn(recv_one(&rx));
    co_await corio::sleep_for(1ms);
    h.cancel();
    bool cancelled = false;
    try {
      co_await h;
    } catch (const corio::CancelledError&) {
      cancelled = true;
    }
    bus.send(11);
    co_return cancelled&& co_await recv_one(&rx) == 11;
  };
  EXPECT_TRUE(corio::run(body(), kManual));
}

}  // namespace
