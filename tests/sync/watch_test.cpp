// Watch: latest value, waiting for a change, skipped intermediates, close, cancellation.
#include "corio/sync/watch.hpp"

#include <gtest/gtest.h>

#include <chrono>
#include <string>
#include <thread>

#include "corio/corio.hpp"

namespace {

using namespace std::chrono_literals;
const corio::RuntimeOptions kManual{.workers = 2, .clock = corio::ClockKind::manual};

corio::Task<int> next_change(corio::WatchReceiver<int>* rx) { co_return co_await rx->changed(); }

TEST(WatchTest, ChangedWaitsForANewerValueAndReturnsIt) {
  auto body = []() -> corio::Task<bool> {
    corio::Watch<int> w(1);
    auto rx = w.subscribe();
    EXPECT_FALSE(rx.has_changed());
    auto h = corio::spawn(next_change(&rx));
    co_await corio::sleep_for(1ms);
    EXPECT_FALSE(h.is_done());
    w.send(2);
    co_return co_await h == 2 && w.get() == 2 && w.version() == 1;
  };
  EXPECT_TRUE(corio::run(body(), kManual));
}

TEST(WatchTest, AReceiverSeesOnlyTheLatestOfSeveralValues) {
  auto body = []() -> corio::Task<int> {
    corio::Watch<int> w(0);
    auto rx = w.subscribe();
    for (int i = 1; i <= 5; ++i) w.send(i);
    co_return co_await rx.changed();
  };
  EXPECT_EQ(corio::run(body(), kManual), 5);
}

TEST(WatchTest, SendFromAPlainThreadWakesTheWatcher) {
  corio::Watch<int> w(0);
  auto rx = w.subscribe();
  corio::Runtime rt({.workers = 2});
  auto h = rt.spawn(next_change(&rx));
  std::thread t([&w] { w.send(7); });
  t.join();
  auto join = [](corio::JoinHandle<int> h) -> corio::Task<int> { co_return co_await h; };
  EXPECT_EQ(rt.block_on(join(std::move(h))), 7);
}

TEST(WatchTest, CloseEndsWaitsWithWatchClosedAfterTheLastValueWasSeen) {
  auto body = []() -> corio::Task<bool> {
    corio::Watch<int> w(0);
    auto rx = w.subscribe();
    auto h = corio::spawn(next_change(&rx));
    co_await corio::sleep_for(1ms);
    w.close();
    bool closed = false;
    try {
      co_await h;
    } catch (const corio::WatchClosed&) {
      closed = true;
    }
    EXPECT_THROW(w.send(1), corio::UsageError);
    co_return closed;
  };
  EXPECT_TRUE(corio::run(body(), kManual));
}

TEST(WatchTest, ACancelledWaitThrowsAndMarksNothingSeen) {
  auto body = []() -> corio::Task<bool> {
    corio::Watch<int> w(0);
    auto rx = w.subscribe();
    auto h = corio::spawn(next_change(&rx));
    co_await corio::sleep_for(1ms);
    h.cancel();
    bool cancelled = false;
    try {
      co_await h;
    } catch (const corio::CancelledError&) {
      cancelled = true;
    }
    w.send(3);
    co_return cancelled&& rx.has_changed() && co_await rx.changed() == 3;
  };
  EXPECT_TRUE(corio::run(body(), kManual));
}

}  // namespace
