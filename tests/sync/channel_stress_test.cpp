// A differential stress test of Channel<T>: random mixes of send/try_send/send_blocking and
// recv/try_recv/recv_blocking from many tasks and plain threads, a close at a random moment
// and random cancellation of consumer tasks, checked against the sequential model of a
// channel:
//   - every value accepted (send returned, try_send true) is received exactly once;
//   - no value whose send started after close() returned is accepted;
//   - each producer's values are received in the order it sent them, by every consumer.
// Capacities are a parameter, so the tiny ones reach the full/empty edges all the time.
#include <gtest/gtest.h>

#include <atomic>
#include <cstdint>
#include <mutex>
#include <optional>
#include <random>
#include <string>
#include <thread>
#include <utility>
#include <vector>

#include "corio/corio.hpp"

namespace {

constexpr std::uint64_t kTag = 1u << 20;
constexpr unsigned kTaskProducers = 4, kThreadProducers = 2;
constexpr unsigned kTaskConsumers = 4, kThreadConsumers = 1;
constexpr unsigned kProducers = kTaskProducers + kThreadProducers;
constexpr std::uint64_t kPerProducer = 1500;

struct Shared {
  explicit Shared(corio::Channel<std::uint64_t> c) : ch(std::move(c)) {}
  corio::Channel<std::uint64_t> ch;
  std::atomic<bool> closed_returned{false};
  std::atomic<std::uint64_t> accepted[kProducers] = {};  // per producer: a prefix 0..k-1
  std::atomic<int> violations{0};
  std::atomic<unsigned> producers_done{0};
  std::atomic<bool> consumer_started[kTaskConsumers] = {};
  std::mutex mu;
  std::vector<std::uint64_t> received;  // every consumer's values, appended under mu
};

/// Records one accepted send; a send that started after close() returned must not succeed.
void accepted(Shared* s, unsigned id, bool started_after_close) {
  if (started_after_close) s->violations.fetch_add(1);
  s->accepted[id].fetch_add(1);
}

corio::Task<void> produce_all(Shared* s, unsigned id, std::uint64_t seed);

corio::Task<void> task_producer(Shared* s, unsigned id, std::uint64_t seed) {
  co_await produce_all(s, id, seed);
  s->producers_done.fetch_add(1);
}

corio::Task<void> produce_all(Shared* s, unsigned id, std::uint64_t seed) {
  std::mt19937_64 rng(seed);
  for (std::uint64_t i = 0; i < kPerProducer; ++i) {
    std::uint64_t v = id * kTag + i;
    bool after = s->closed_returned.load();
    if (rng() % 3 == 0) {
      for (;;) {  // try_send, yielding while full
        std::uint64_t copy = v;
        if (s->ch.try_send(std::move(copy))) break;
        if (s->ch.is_closed()) co_return;
        co_await corio::yield_now();
        after = s->closed_returned.load();
      }
    } else {
      try {
        co_await s->ch.send(std::uint64_t{v});
      } catch (const corio::ChannelClosed&) {
        co_return;
      }
    }
    accepted(s, id, after);
    if (rng() % 16 == 0) co_await corio::yield_now();
  }
}

void produce_all_blocking(Shared* s, unsigned id, std::uint64_t seed);

void thread_producer(Shared* s, unsigned id, std::uint64_t seed) {
  produce_all_blocking(s, id, seed);
  s->producers_done.fetch_add(1);
}

void produce_all_blocking(Shared* s, unsigned id, std::uint64_t seed) {
  std::mt19937_64 rng(seed);
  for (std::uint64_t i = 0; i < kPerProducer; ++i) {
    std::uint64_t v = id * kTag + i;
    bool after = s->closed_returned.load();
    if (rng() % 3 == 0) {
      for (;;) {
        std::uint64_t copy = v;
        if (s->ch.try_send(std::move(copy))) break;
        if (s->ch.is_closed()) return;
        std::this_thread::yield();
        after = s->closed_returned.load();
      }
    } else {
      try {
        s->ch.send_blocking(v);
      } catch (const corio::ChannelClosed&) {
        return;
      }
    }
    accepted(s, id, after);
  }
}

/// Checks per-producer order for one consumer and appends its values to the total.
struct Tally {
  std::int64_t last[kProducers];
  std::vector<std::uint64_t> got;
  Tally() {
    for (auto& l : last) l = -1;
  }
  void add(Shared* s, std::uint64_t v) {
    auto id = static_cast<unsigned>(v / kTag);
    auto seq = static_cast<std::int64_t>(v % kTag);
    if (id >= kProducers || seq <= last[id]) s->violations.fetch_add(1);
    if (id < kProducers) last[id] = seq;
    got.push_back(v);
  }
  void flush(Shared* s) {
    std::lock_guard lock(s->mu);
    s->received.insert(s->received.end(), got.begin(), got.end());
  }
};

corio::Task<void> task_consumer(Shared* s, unsigned id, std::uint64_t seed) {
  s->consumer_started[id].store(true);
  std::mt19937_64 rng(seed);
  Tally tally;
  try {
    for (;;) {
      if (rng() % 4 == 0) {
        std::optional<std::uint64_t> v = s->ch.try_recv();
        if (v) {
          tally.add(s, *v);
        } else if (s->ch.is_closed() && s->ch.size() == 0) {
          // closed: confirm with a recv, which returns nullopt only when drained
          std::optional<std::uint64_t> last = co_await s->ch.recv();
          if (!last) break;
          tally.add(s, *last);
        } else {
          co_await corio::yield_now();
        }
      } else {
        std::optional<std::uint64_t> v = co_await s->ch.recv();
        if (!v) break;
        tally.add(s, *v);  // recorded before the next suspension point a cancel can hit
      }
    }
  } catch (const corio::CancelledError&) {
  }
  tally.flush(s);
}

void thread_consumer(Shared* s, std::uint64_t seed) {
  std::mt19937_64 rng(seed);
  Tally tally;
  for (;;) {
    if (rng() % 4 == 0) {
      if (std::optional<std::uint64_t> v = s->ch.try_recv()) {
        tally.add(s, *v);
        continue;
      }
    }
    std::optional<std::uint64_t> v = s->ch.recv_blocking();
    if (!v) break;
    tally.add(s, *v);
  }
  tally.flush(s);
}

std::uint64_t total_accepted(Shared* s) {
  std::uint64_t sum = 0;
  for (auto& a : s->accepted) sum += a.load();
  return sum;
}

corio::Task<void> closer(Shared* s, std::uint64_t seed) {
  std::mt19937_64 rng(seed);
  // Close once a random share of the values was accepted: mid-stream in most rounds, after
  // every producer finished in the others.
  std::uint64_t target = rng() % (kProducers * kPerProducer * 5 / 4);
  while (total_accepted(s) < target && s->producers_done.load() < kProducers) {
    co_await corio::yield_now();
  }
  s->ch.close();
  s->closed_returned.store(true);
}

corio::Task<void> round(Shared* s, std::uint64_t seed, std::vector<std::thread>* threads) {
  std::mt19937_64 rng(seed);
  std::vector<corio::JoinHandle<void>> consumers, others;
  for (unsigned c = 0; c < kTaskConsumers; ++c)
    consumers.push_back(corio::spawn(task_consumer(s, c, rng())));
  for (unsigned p = 0; p < kTaskProducers; ++p)
    others.push_back(corio::spawn(task_producer(s, p, rng())));
  for (unsigned t = 0; t < kThreadProducers; ++t) {
    threads->emplace_back(thread_producer, s, kTaskProducers + t, rng());
  }
  for (unsigned t = 0; t < kThreadConsumers; ++t) threads->emplace_back(thread_consumer, s, rng());
  others.push_back(corio::spawn(closer(s, rng())));
  // Cancel a random consumer task at a random moment (a thread consumer always remains).
  for (std::uint64_t i = rng() % 2000; i > 0; --i) co_await corio::yield_now();
  consumers[rng() % consumers.size()].cancel();
  for (auto& h : others) co_await h;
  for (unsigned c = 0; c < kTaskConsumers; ++c) {
    try {
      co_await consumers[c];
    } catch (const corio::CancelledError&) {
      // Cancelled before its first step: its body was skipped, so it received nothing. A
      // consumer that did start catches the cancellation itself and ends normally.
      if (s->consumer_started[c].load()) s->violations.fetch_add(1);
    }
  }
}

class ChannelStressTest : public ::testing::TestWithParam<std::size_t> {};

TEST_P(ChannelStressTest, RandomInterleavingsMatchTheSequentialModel) {
  std::uint64_t total_received = 0;
  for (std::uint64_t seed = 1; seed <= 4; ++seed) {
    std::size_t cap = GetParam();
    Shared s(cap ? corio::Channel<std::uint64_t>::bounded(cap)
                 : corio::Channel<std::uint64_t>::unbounded());
    std::vector<std::thread> threads;
    {
      corio::Runtime rt({.workers = 4});
      rt.block_on(round(&s, seed * 7919 + cap, &threads));
      for (auto& t : threads) t.join();
    }
    EXPECT_EQ(s.violations.load(), 0) << "seed " << seed;
    total_received += s.received.size();
    // Multiset received == multiset accepted: each producer's accepted values are a prefix.
    std::vector<std::uint64_t> count(kProducers, 0);
    std::vector<std::vector<bool>> seen(kProducers, std::vector<bool>(kPerProducer, false));
    for (std::uint64_t v : s.received) {
      auto id = v / kTag, seq = v % kTag;
      ASSERT_LT(id, kProducers);
      ASSERT_LT(seq, kPerProducer);
      EXPECT_FALSE(seen[id][seq]) << "duplicate " << v;
      seen[id][seq] = true;
      ++count[id];
    }
    for (unsigned p = 0; p < kProducers; ++p) {
      EXPECT_EQ(count[p], s.accepted[p].load()) << "producer " << p << " seed " << seed;
      for (std::uint64_t i = 0; i < count[p]; ++i) EXPECT_TRUE(seen[p][i]);
    }
  }
  RecordProperty("values_received", std::to_string(total_received));
  EXPECT_GT(total_received, 0u);
}

INSTANTIATE_TEST_SUITE_P(Capacities, ChannelStressTest,
                         ::testing::Values(std::size_t{1}, std::size_t{2}, std::size_t{3},
                                           std::size_t{16}, std::size_t{0}));

}  // namespace
