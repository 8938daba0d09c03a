// Channel<T>: sending and receiving, capacity and closing, cancellation of blocked sends and
// receives, plain threads with the blocking calls, and MPMC order at several capacities.
#include "corio/sync/channel.hpp"

#include <gtest/gtest.h>

#include <atomic>
#include <chrono>
#include <cstdint>
#include <memory>
#include <optional>
#include <string>
#include <thread>
#include <vector>

#include "corio/corio.hpp"

namespace {

using namespace std::chrono_literals;
const corio::RuntimeOptions kManual{.workers = 2, .clock = corio::ClockKind::manual};

TEST(ChannelTest, BoundedWithCapacityZeroThrowsUsageError) {
  EXPECT_THROW(corio::Channel<int>::bounded(0), corio::UsageError);
}

TEST(ChannelTest, TrySendAndTryRecvKeepFifoOrder) {
  auto ch = corio::Channel<int>::bounded(4);
  for (int i = 0; i < 4; ++i) EXPECT_TRUE(ch.try_send(int{i}));
  EXPECT_EQ(ch.size(), 4u);
  for (int i = 0; i < 4; ++i) EXPECT_EQ(ch.try_recv(), i);
  EXPECT_EQ(ch.try_recv(), std::nullopt);
}

TEST(ChannelTest, TrySendOnAFullChannelReturnsFalseAndLeavesTheValue) {
  auto ch = corio::Channel<std::unique_ptr<int>>::bounded(1);
  auto first = std::make_unique<int>(1);
  auto second = std::make_unique<int>(2);
  EXPECT_TRUE(ch.try_send(std::move(first)));
  EXPECT_FALSE(ch.try_send(std::move(second)));
  ASSERT_NE(second, nullptr);
  EXPECT_EQ(*second, 2);
}

TEST(ChannelTest, ACapacityThatIsNotAPowerOfTwoHoldsExactlyThatMany) {
  auto ch = corio::Channel<int>::bounded(3);
  for (int lap = 0; lap < 5; ++lap) {
    for (int i = 0; i < 3; ++i) EXPECT_TRUE(ch.try_send(int{i}));
    EXPECT_FALSE(ch.try_send(9));
    for (int i = 0; i < 3; ++i) EXPECT_EQ(ch.try_recv(), i);
  }
  EXPECT_EQ(ch.capacity(), 3u);
}

TEST(ChannelTest, CopiesShareOneChannel) {
  auto a = corio::Channel<int>::unbounded();
  corio::Channel<int> b = a;
  EXPECT_TRUE(a.try_send(5));
  EXPECT_EQ(b.try_recv(), 5);
  b.close();
  EXPECT_TRUE(a.is_closed());
  EXPECT_EQ(a.capacity(), 0u);
}

TEST(ChannelTest, RecvReturnsTheRemainingValuesThenNulloptAfterClose) {
  auto body = []() -> corio::Task<std::vector<int>> {
    auto ch = corio::Channel<int>::bounded(8);
    co_await ch.send(1);
    co_await ch.send(2);
    ch.close();
    ch.close();  // idempotent
    std::vector<int> got;
    while (std::optional<int> v = co_await ch.recv()) got.push_back(*v);
    EXPECT_EQ(co_await ch.recv(), std::nullopt);
    co_return got;
  };
  EXPECT_EQ(corio::run(body(), kManual), (std::vector<int>{1, 2}));
}

TEST(ChannelTest, SendOnAClosedChannelThrowsChannelClosedCarryingTheValue) {
  auto body = []() -> corio::Task<std::string> {
    auto ch = corio::Channel<std::string>::unbounded();
    ch.close();
    try {
      co_await ch.send("lost?");
    } catch (const corio::ChannelClosedWith<std::string>& e) {
      co_return e.value();
    }
    co_return "no exception";
  };
  EXPECT_EQ(corio::run(body(), kManual), "lost?");
}

TEST(ChannelTest, TrySendOnAClosedChannelReturnsFalse) {
  auto ch = corio::Channel<int>::bounded(2);
  ch.close();
  EXPECT_FALSE(ch.try_send(1));
  EXPECT_EQ(ch.try_recv(), std::nullopt);
}

corio::Task<int> recv_one(corio::Channel<int> ch) {
  std::optional<int> v = co_await ch.recv();
  co_return v ? *v : -1;
}

TEST(ChannelTest, AReceiverBlockedOnAnEmptyChannelGetsTheNextValue) {
  auto body = []() -> corio::Task<int> {
    auto ch = corio::Channel<int>::bounded(1);
    auto h = corio::spawn(recv_one(ch));
    co_await corio::sleep_for(1ms);  // the receiver is asleep by now
    co_await ch.send(42);
    co_return co_await h;
  };
  EXPECT_EQ(corio::run(body(), kManual), 42);
}

corio::Task<int> send_all(corio::Channel<int> ch, int n) {
  for (int i = 0; i < n; ++i) co_await ch.send(int{i});
  co_return n;
}

TEST(ChannelTest, ASenderBlockedOnAFullChannelResumesWhenAValueIsTaken) {
  auto body = []() -> corio::Task<bool> {
    auto ch = corio::Channel<int>::bounded(1);
    auto h = corio::spawn(send_all(ch, 3));
    co_await corio::sleep_for(1ms);
    EXPECT_FALSE(h.is_done());
    EXPECT_EQ(ch.size(), 1u);
    for (int i = 0; i < 3; ++i) EXPECT_EQ(co_await ch.recv(), i);
    co_return co_await h == 3;
  };
  EXPECT_TRUE(corio::run(body(), kManual));
}

TEST(ChannelTest, CloseWakesEveryBlockedReceiverWithNullopt) {
  auto body = []() -> corio::Task<int> {
    auto ch = corio::Channel<int>::bounded(4);
    std::vector<corio::JoinHandle<int>> hs;
    for (int i = 0; i < 5; ++i) hs.push_back(corio::spawn(recv_one(ch)));
    co_await corio::sleep_for(1ms);
    ch.close();
    int sum = 0;
    for (auto& h : hs) sum += co_await h;
    co_return sum;
  };
  EXPECT_EQ(corio::run(body(), kManual), -5);
}

corio::Task<std::string> send_outcome(corio::Channel<int> ch, int v) {
  try {
    co_await ch.send(int{v});
    co_return "sent";
  } catch (const corio::ChannelClosedWith<int>& e) {
    co_return "closed:" + std::to_string(e.value());
  } catch (const corio::CancelledError&) {
    co_return "cancelled";
  }
}

TEST(ChannelTest, CloseWakesABlockedSenderWithChannelClosedAndItsValue) {
  auto body = []() -> corio::Task<std::string> {
    auto ch = corio::Channel<int>::bounded(1);
    EXPECT_TRUE(ch.try_send(1));
    auto h = corio::spawn(send_outcome(ch, 2));
    co_await corio::sleep_for(1ms);
    ch.close();
    std::string r = co_await h;
    EXPECT_EQ(co_await ch.recv(), 1);  // accepted before the close: still delivered
    EXPECT_EQ(co_await ch.recv(), std::nullopt);
    co_return r;
  };
  EXPECT_EQ(corio::run(body(), kManual), "closed:2");
}

TEST(ChannelTest, CancellingABlockedSendThrowsCancelledErrorAndSendsNothing) {
  auto body = []() -> corio::Task<std::string> {
    auto ch = corio::Channel<int>::bounded(1);
    EXPECT_TRUE(ch.try_send(1));
    auto h = corio::spawn(send_outcome(ch, 2));
    co_await corio::sleep_for(1ms);
    EXPECT_TRUE(h.cancel());
    std::string r = co_await h;
    EXPECT_EQ(ch.try_recv(), 1);
    EXPECT_EQ(ch.try_recv(), std::nullopt);
    EXPECT_TRUE(ch.try_send(3));  // the cancelled sender no longer holds a place
    EXPECT_EQ(ch.try_recv(), 3);
    co_return r;
  };
  EXPECT_EQ(corio::run(body(), kManual), "cancelled");
}

corio::Task<std::string> recv_outcome(corio::Channel<int> ch, std::atomic<int>* got) {
  try {
    std::optional<int> v = co_await ch.recv();
    got->store(v ? *v : -1);
    co_await corio::sleep_for(1h);  // the next suspension point
    co_return "finished";
  } catch (const corio::CancelledError&) {
    co_return "cancelled";
  }
}

TEST(ChannelTest, CancellingABlockedRecvThrowsCancelledErrorAndLeavesTheChannelIntact) {
  auto body = []() -> corio::Task<std::string> {
    auto ch = corio::Channel<int>::bounded(2);
    std::atomic<int> got{0};
    auto h = corio::spawn(recv_outcome(ch, &got));
    co_await corio::sleep_for(1ms);
    EXPECT_TRUE(h.cancel());
    std::string r = co_await h;
    EXPECT_EQ(got.load(), 0);
    co_await ch.send(7);  // goes to the channel, not to the departed receiver
    EXPECT_EQ(ch.try_recv(), 7);
    co_return r;
  };
  EXPECT_EQ(corio::run(body(), kManual), "cancelled");
}

TEST(ChannelTest, AReceiverCancelledAfterBeingHandedAValueKeepsTheValue) {
  auto body = []() -> corio::Task<std::string> {
    auto ch = corio::Channel<int>::bounded(2);
    std::atomic<int> got{0};
    auto h = corio::spawn(recv_outcome(ch, &got));
    co_await corio::sleep_for(1ms);
    co_await ch.send(9);  // handed to the sleeping receiver...
    h.cancel();           // ...which is cancelled before (or after) it runs again
    std::string r = co_await h;
    EXPECT_EQ(got.load(), 9);  // the value reached it: nothing lost
    EXPECT_EQ(ch.try_recv(), std::nullopt);
    co_return r;
  };
  EXPECT_EQ(corio::run(body(), kManual), "cancelled");
}

TEST(ChannelTest, UnboundedSendNeverWaits) {
  auto body = []() -> corio::Task<std::size_t> {
    auto ch = corio::Channel<int>::unbounded();
    for (int i = 0; i < 10000; ++i) co_await ch.send(int{i});
    std::size_t n = ch.size();
    for (int i = 0; i < 10000; ++i) EXPECT_EQ(co_await ch.recv(), i);
    co_return n;
  };
  EXPECT_EQ(corio::run(body(), kManual), 10000u);
}

TEST(ChannelTest, BlockingCallsOnARuntimeWorkerThrowUsageError) {
  auto body = []() -> corio::Task<int> {
    auto ch = corio::Channel<int>::bounded(1);
    int errors = 0;
    try {
      ch.send_blocking(1);
    } catch (const corio::UsageError&) {
      ++errors;
    }
    try {
      (void)ch.recv_blocking();
    } catch (const corio::UsageError& e) {
      EXPECT_NE(std::string(e.what()).find("co_await"), std::string::npos);
      ++errors;
    }
    co_return errors;
  };
  EXPECT_EQ(corio::run(body(), kManual), 2);
}

corio::Task<std::uint64_t> double_all(corio::Channel<std::uint64_t> in,
                                      corio::Channel<std::uint64_t> out) {
  std::uint64_t n = 0;
  while (std::optional<std::uint64_t> v = co_await in.recv()) {
    co_await out.send(*v * 2);
    ++n;
  }
  out.close();
  co_return n;
}

TEST(ChannelTest, PlainThreadsFeedAndDrainTasksWithTheBlockingCalls) {
  corio::Runtime rt({.workers = 2});
  auto in = corio::Channel<std::uint64_t>::bounded(2);
  auto out = corio::Channel<std::uint64_t>::bounded(2);
  auto h = rt.spawn(double_all(in, out));
  constexpr std::uint64_t n = 5000;
  std::thread feeder([in]() mutable {
    for (std::uint64_t i = 0; i < n; ++i) in.send_blocking(i);
    in.close();
  });
  std::uint64_t sum = 0, count = 0, last = 0;
  while (std::optional<std::uint64_t> v = out.recv_blocking()) {
    if (count > 0) {
      EXPECT_GT(*v, last);
    }
    last = *v;
    sum += *v;
    ++count;
  }
  feeder.join();
  EXPECT_EQ(count, n);
  EXPECT_EQ(sum, n * (n - 1));
  auto await_it = [](corio::JoinHandle<std::uint64_t> h) -> corio::Task<std::uint64_t> {
    co_return co_await h;
  };
  EXPECT_EQ(rt.block_on(await_it(std::move(h))), n);
}

TEST(ChannelTest, SendBlockingOnAClosedChannelThrowsWithTheValue) {
  auto ch = corio::Channel<int>::bounded(1);
  ch.close();
  try {
    ch.send_blocking(4);
    FAIL() << "expected ChannelClosed";
  } catch (const corio::ChannelClosedWith<int>& e) {
    EXPECT_EQ(e.value(), 4);
  }
  EXPECT_EQ(ch.recv_blocking(), std::nullopt);
}

// Producers tag values with their id; each consumer checks every producer's values arrive in
// increasing order, and the totals are checked at the end.
constexpr std::uint64_t kTag = 1'000'000;

corio::Task<void> produce(corio::Channel<std::uint64_t> ch, std::uint64_t id, std::uint64_t n) {
  for (std::uint64_t i = 0; i < n; ++i) co_await ch.send(id * kTag + i);
}

corio::Task<std::uint64_t> consume(corio::Channel<std::uint64_t> ch, unsigned producers) {
  std::vector<std::int64_t> last(producers, -1);
  std::uint64_t sum = 0;
  while (std::optional<std::uint64_t> v = co_await ch.recv()) {
    std::uint64_t id = *v / kTag;
    auto seq = static_cast<std::int64_t>(*v % kTag);
    EXPECT_GT(seq, last[id]) << "producer " << id << " out of order";
    last[id] = seq;
    sum += *v;
  }
  co_return sum;
}

corio::Task<std::uint64_t> mpmc(std::size_t capacity, unsigned producers, unsigned consumers,
                                std::uint64_t n) {
  auto ch = capacity ? corio::Channel<std::uint64_t>::bounded(capacity)
                     : corio::Channel<std::uint64_t>::unbounded();
  std::vector<corio::JoinHandle<std::uint64_t>> cs;
  for (unsigned c = 0; c < consumers; ++c) cs.push_back(corio::spawn(consume(ch, producers)));
  std::vector<corio::JoinHandle<void>> ps;
  for (unsigned p = 0; p < producers; ++p) ps.push_back(corio::spawn(produce(ch, p, n)));
  for (auto& p : ps) co_await p;
  ch.close();
  std::uint64_t sum = 0;
  for (auto& c : cs) sum += co_await c;
  co_return sum;
}

class ChannelCapacityTest : public ::testing::TestWithParam<std::size_t> {};

TEST_P(ChannelCapacityTest, ManyProducersAndConsumersDeliverEveryValueOnceInProducerOrder) {
  constexpr unsigned producers = 4, consumers = 3;
  constexpr std::uint64_t n = 5000;
  std::uint64_t expected = 0;
  for (std::uint64_t p = 0; p < producers; ++p) expected += p * kTag * n + n * (n - 1) / 2;
  EXPECT_EQ(corio::run(mpmc(GetParam(), producers, consumers, n), {.workers = 4}), expected);
}

INSTANTIATE_TEST_SUITE_P(Capacities, ChannelCapacityTest,
                         ::testing::Values(std::size_t{1}, std::size_t{2}, std::size_t{3},
                                           std::size_t{1024}, std::size_t{0}));

}  // namespace
