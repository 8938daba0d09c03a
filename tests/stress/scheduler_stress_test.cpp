// Randomised trees of tasks over several worker counts and tiny queues: every task spawns,
// awaits, detaches and yields at random; the totals must come out exact. Run under TSan.
#include <gtest/gtest.h>

#include <atomic>
#include <cstdint>
#include <random>
#include <tuple>
#include <vector>

#include "corio/corio.hpp"

namespace {

struct Counters {
  std::atomic<std::uint64_t> created{0};
  std::atomic<std::uint64_t> finished{0};
};

corio::Task<std::uint64_t> tree_body(Counters* c, std::uint64_t seed, int depth);

// A tree task, counted when it is created rather than when it starts: a detached task may
// still be queued when the others are done, and waiting for finished == created must wait
// for it too (counted at its start, it could start during the runtime's shutdown and be
// destroyed unfinished).
corio::Task<std::uint64_t> tree(Counters* c, std::uint64_t seed, int depth) {
  c->created.fetch_add(1, std::memory_order_relaxed);
  return tree_body(c, seed, depth);
}

// Returns the number of tasks in the subtree it awaited (detached subtrees count via
// the counters only).
corio::Task<std::uint64_t> tree_body(Counters* c, std::uint64_t seed, int depth) {
  std::mt19937_64 rng(seed);
  std::uint64_t awaited = 1;
  if (depth > 0) {
    int children = static_cast<int>(rng() % 5);
    std::vector<corio::JoinHandle<std::uint64_t>> handles;
    std::vector<corio::Task<std::uint64_t>> gathered;
    for (int i = 0; i < children; ++i) {
      switch (rng() % 4) {
        case 0:
          handles.push_back(corio::spawn(tree(c, rng(), depth - 1)));
          break;
        case 1:
          corio::spawn(tree(c, rng(), depth - 1)).detach();
          break;
        case 2:
          gathered.push_back(tree(c, rng(), depth - 1));
          break;
        default:
          awaited += co_await tree(c, rng(), depth - 1);
          break;
      }
      if (rng() % 3 == 0) co_await corio::yield_now();
    }
    for (auto& h : handles) awaited += co_await h;
    for (std::uint64_t n : co_await corio::gather(std::move(gathered))) awaited += n;
  }
  c->finished.fetch_add(1, std::memory_order_relaxed);
  co_return awaited;
}

corio::Task<bool> run_forest(Counters* c, int trees) {
  std::vector<corio::Task<std::uint64_t>> roots;
  for (int i = 0; i < trees; ++i) roots.push_back(tree(c, 1234 + i, 6));
  std::vector<std::uint64_t> counts = co_await corio::gather(std::move(roots));
  // Detached subtrees may still be queued or running: wait until every one has finished.
  while (c->finished.load() != c->created.load()) co_await corio::yield_now();
  co_return !counts.empty();
}

class SchedulerStressTest : public ::testing::TestWithParam<std::tuple<unsigned, unsigned>> {};

TEST_P(SchedulerStressTest, RandomTaskTreesAllFinish) {
  auto [workers, capacity] = GetParam();
  Counters c;
  EXPECT_TRUE(
      corio::run(run_forest(&c, 40), {.workers = workers, .local_queue_capacity = capacity}));
  EXPECT_EQ(c.created.load(), c.finished.load());
  EXPECT_GT(c.created.load(), 40u);
}

INSTANTIATE_TEST_SUITE_P(WorkersAndQueues, SchedulerStressTest,
                         ::testing::Combine(::testing::Values(1u, 2u, 4u, 8u),
                                            ::testing::Values(2u, 4u, 256u)));

// Many plain threads spawn into one runtime while its tasks spawn and join each other.
TEST(SchedulerStressTest, PlainThreadsAndTasksSpawnTogether) {
  corio::Runtime rt({.workers = 4, .local_queue_capacity = 4});
  std::vector<std::thread> threads;
  std::atomic<std::uint64_t> total{0};
  for (int t = 0; t < 6; ++t) {
    threads.emplace_back([&rt, &total, t] {
      Counters c;
      std::vector<corio::JoinHandle<std::uint64_t>> handles;
      for (int i = 0; i < 20; ++i) handles.push_back(rt.spawn(tree(&c, t * 100 + i, 4)));
      auto join_all = [](std::vector<corio::JoinHandle<std::uint64_t>> hs,
                         Counters* c) -> corio::Task<std::uint64_t> {
        std::uint64_t n = 0;
        for (auto& h : hs) n += co_await h;
        while (c->finished.load() != c->created.load()) co_await corio::yield_now();
        co_return n;
      };
      total += rt.block_on(join_all(std::move(handles), &c));
    });
  }
  for (auto& t : threads) t.join();
  EXPECT_GT(total.load(), 120u);
}

}  // namespace
