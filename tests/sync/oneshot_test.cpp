// Oneshot: one value from sender to receiver, plain threads, misuse, a dropped sender,
// cancellation of recv.
#include "corio/sync/oneshot.hpp"

#include <gtest/gtest.h>

#include <chrono>
#include <string>
#include <thread>

#include "corio/corio.hpp"

namespace {

using namespace std::chrono_literals;
const corio::RuntimeOptions kManual{.workers = 2, .clock = corio::ClockKind::manual};

corio::Task<int> receive(corio::OneshotReceiver<int>* rx) { co_return co_await rx->recv(); }

TEST(OneshotTest, RecvReturnsTheValueSentBeforeOrAfterIt) {
  auto body = []() -> corio::Task<int> {
    auto [tx, rx] = corio::Oneshot<int>::make();
    EXPECT_TRUE(tx.send(1));
    int first = co_await rx.recv();
    auto [tx2, rx2] = corio::Oneshot<int>::make();
    auto h = corio::spawn(receive(&rx2));
    co_await corio::sleep_for(1ms);
    tx2.send(41);
    co_return first + co_await h;
  };
  EXPECT_EQ(corio::run(body(), kManual), 42);
}

TEST(OneshotTest, SendingTwiceThrowsUsageError) {
  auto [tx, rx] = corio::Oneshot<int>::make();
  tx.send(1);
  EXPECT_THROW(tx.send(2), corio::UsageError);
  EXPECT_EQ(rx.try_recv(), 1);
  EXPECT_THROW(rx.try_recv(), corio::UsageError);  // received already
}

TEST(OneshotTest, AReceiverWhoseSenderWasDroppedGetsOneshotClosed) {
  auto body = []() -> corio::Task<bool> {
    auto [tx, rx] = corio::Oneshot<int>::make();
    auto h = corio::spawn(receive(&rx));
    co_await corio::sleep_for(1ms);
    { auto gone = std::move(tx); }
    try {
      co_await h;
    } catch (const corio::OneshotClosed&) {
      co_return true;
    }
    co_return false;
  };
  EXPECT_TRUE(corio::run(body(), kManual));
}

TEST(OneshotTest, SendToADroppedReceiverReturnsFalse) {
  auto [tx, rx] = corio::Oneshot<std::string>::make();
  { auto gone = std::move(rx); }
  EXPECT_TRUE(tx.is_closed());
  EXPECT_FALSE(tx.send("lost"));
}

TEST(OneshotTest, APlainThreadSendsToATaskAndATaskToAPlainThread) {
  corio::Runtime rt({.workers = 2});
  auto [tx, rx] = corio::Oneshot<int>::make();
  auto h = rt.spawn(receive(&rx));
  std::thread t([tx = std::move(tx)]() mutable { tx.send(5); });
  t.join();
  auto join = [](corio::JoinHandle<int> h) -> corio::Task<int> { co_return co_await h; };
  EXPECT_EQ(rt.block_on(join(std::move(h))), 5);

  auto [tx2, rx2] = corio::Oneshot<int>::make();
  auto send = [](corio::OneshotSender<int>* tx) -> corio::Task<int> {
    tx->send(6);
    co_return 0;
  };
  std::thread r([rx2 = std::move(rx2)]() mutable { EXPECT_EQ(rx2.recv_blocking(), 6); });
  rt.block_on(send(&tx2));
  r.join();
}

TEST(OneshotTest, RecvBlockingOnARuntimeWorkerThrowsUsageError) {
  auto body = []() -> corio::Task<bool> {
    auto [tx, rx] = corio::Oneshot<int>::make();
    try {
      rx.recv_blocking();
    } catch (const corio::UsageError&) {
      co_return true;
    }
    co_return false;
  };
  EXPECT_TRUE(corio::run(body(), kManual));
}

TEST(OneshotTest, ACancelledRecvThrowsAndTheValueWaitsForTheNextRecv) {
  auto body = []() -> corio::Task<bool> {
    auto [tx, rx] = corio::Oneshot<int>::make();
    auto h = corio::spawn(receive(&rx));
    co_await corio::sleep_for(1ms);
    h.cancel();
    bool cancelled = false;
    try {
      co_await h;
    } catch (const corio::CancelledError&) {
      cancelled = true;
    }
    tx.send(9);
    co_return cancelled&& co_await rx.recv() == 9;
  };
  EXPECT_TRUE(corio::run(body(), kManual));
}

}  // namespace
