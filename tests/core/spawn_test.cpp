// spawn() and JoinHandle: concurrency, results, detaching, misuse, and load from many threads.
#include "corio/core/spawn.hpp"

#include <gtest/gtest.h>

#include <atomic>
#include <cstdint>
#include <stdexcept>
#include <string>
#include <thread>
#include <vector>

#include "corio/core/runtime.hpp"
#include "corio/core/yield_now.hpp"

namespace {

corio::Task<std::uint64_t> identity(std::uint64_t i) { co_return i; }

corio::Task<std::uint64_t> spawn_and_sum(std::uint64_t n) {
  std::vector<corio::JoinHandle<std::uint64_t>> handles;
  handles.reserve(n);
  for (std::uint64_t i = 0; i < n; ++i) handles.push_back(corio::spawn(identity(i)));
  std::uint64_t sum = 0;
  for (auto& h : handles) sum += co_await h;
  co_return sum;
}

class SpawnManyTest : public ::testing::TestWithParam<unsigned> {};

TEST_P(SpawnManyTest, MillionSpawnsReturnEveryResult) {
  constexpr std::uint64_t n = 1'000'000;
  EXPECT_EQ(corio::run(spawn_and_sum(n), {.workers = GetParam()}), n * (n - 1) / 2);
}

INSTANTIATE_TEST_SUITE_P(Workers, SpawnManyTest, ::testing::Values(2u, 4u));

TEST(SpawnTest, SpawnWithoutARuntimeThrowsUsageErrorNamingRuntimeSpawn) {
  try {
    auto h = corio::spawn(identity(1));
    FAIL() << "expected UsageError";
  } catch (const corio::UsageError& e) {
    EXPECT_NE(std::string(e.what()).find("Runtime::spawn"), std::string::npos) << e.what();
  }
}

TEST(SpawnTest, RuntimeSpawnFromAPlainThreadRunsTheTask) {
  corio::Runtime rt({.workers = 2});
  corio::JoinHandle<std::uint64_t> h;
  std::thread t([&] { h = rt.spawn(identity(41)); });
  t.join();
  auto await_it = [](corio::JoinHandle<std::uint64_t> h) -> corio::Task<std::uint64_t> {
    co_return co_await h + 1;
  };
  EXPECT_EQ(rt.block_on(await_it(std::move(h))), 42u);
}

corio::Task<int> fail_with(std::string message) {
  co_await corio::yield_now();
  throw std::invalid_argument(message);
}

TEST(SpawnTest, ExceptionOfASpawnedTaskIsRethrownAtItsJoin) {
  auto body = []() -> corio::Task<std::string> {
    auto h = corio::spawn(fail_with("bad input"));
    try {
      co_await h;
    } catch (const std::invalid_argument& e) {
      co_return e.what();
    }
    co_return "no exception";
  };
  EXPECT_EQ(corio::run(body(), {.workers = 2}), "bad input");
}

corio::Task<> increment(std::atomic<int>* counter) {
  counter->fetch_add(1);
  co_return;
}

TEST(SpawnTest, DetachedTasksRunToCompletion) {
  std::atomic<int> counter{0};
  auto body = [](std::atomic<int>* counter) -> corio::Task<> {
    for (int i = 0; i < 1000; ++i) corio::spawn(increment(counter)).detach();
    for (int i = 0; i < 1000; ++i) {
      auto dropped = corio::spawn(increment(counter));
    }
    while (counter->load() < 2000) co_await corio::yield_now();
  };
  corio::run(body(&counter), {.workers = 2});
  EXPECT_EQ(counter.load(), 2000);
}

TEST(SpawnTest, IsDoneTurnsTrueOnceTheTaskFinished) {
  auto body = []() -> corio::Task<bool> {
    auto h = corio::spawn(identity(3));
    while (!h.is_done()) co_await corio::yield_now();
    co_return co_await h == 3 && h.is_done();
  };
  EXPECT_TRUE(corio::run(body(), {.workers = 2}));
}

TEST(SpawnTest, AwaitingAHandleTwiceThrowsUsageError) {
  auto body = []() -> corio::Task<std::string> {
    auto h = corio::spawn(identity(3));
    co_await h;
    try {
      co_await h;
    } catch (const corio::UsageError& e) {
      co_return e.what();
    }
    co_return "no error";
  };
  EXPECT_NE(corio::run(body(), {.workers = 1}).find("already taken"), std::string::npos);
}

TEST(SpawnTest, AwaitingAnEmptyHandleThrowsUsageError) {
  auto body = []() -> corio::Task<bool> {
    corio::JoinHandle<std::uint64_t> h = corio::spawn(identity(3));
    h.detach();
    try {
      co_await h;
    } catch (const corio::UsageError&) {
      co_return true;
    }
    co_return false;
  };
  EXPECT_TRUE(corio::run(body(), {.workers = 1}));
}

// Each child spins until both have started: it can only finish if the two run at the same
// time, on two workers. The bound turns a scheduling bug into a failure instead of a hang.
corio::Task<bool> wait_for_partner(std::atomic<int>* started) {
  started->fetch_add(1);
  for (std::uint64_t spins = 0; spins < 20'000'000'000ull; ++spins) {
    if (started->load() == 2) co_return true;
  }
  co_return false;
}

TEST(SpawnTest, TwoCpuBoundChildrenRunInParallelOnTwoWorkers) {
  std::atomic<int> started{0};
  auto body = [](std::atomic<int>* started) -> corio::Task<bool> {
    auto a = corio::spawn(wait_for_partner(started));
    auto b = corio::spawn(wait_for_partner(started));
    bool ok_b = co_await b;
    bool ok_a = co_await a;
    co_return ok_a&& ok_b;
  };
  EXPECT_TRUE(corio::run(body(&started), {.workers = 2}));
}

corio::Task<std::uint64_t> await_all(std::vector<corio::JoinHandle<std::uint64_t>> handles) {
  std::uint64_t sum = 0;
  for (auto& h : handles) sum += co_await h;
  co_return sum;
}

TEST(SpawnTest, SpawnStormFromEightPlainThreads) {
  corio::Runtime rt({.workers = 2});
  constexpr std::uint64_t per_thread = 20'000;
  std::vector<std::uint64_t> sums(8);
  std::vector<std::thread> threads;
  for (unsigned t = 0; t < 8; ++t) {
    threads.emplace_back([&rt, &sums, t] {
      std::vector<corio::JoinHandle<std::uint64_t>> handles;
      for (std::uint64_t i = 0; i < per_thread; ++i) handles.push_back(rt.spawn(identity(i)));
      sums[t] = rt.block_on(await_all(std::move(handles)));
    });
  }
  for (auto& t : threads) t.join();
  for (std::uint64_t s : sums) EXPECT_EQ(s, per_thread * (per_thread - 1) / 2);
}

}  // namespace
