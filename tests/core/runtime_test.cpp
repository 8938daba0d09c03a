// Runtime and run(): start-up options, repeated runs, several runtimes, shutdown with
// unfinished tasks, misuse.
#include "corio/core/runtime.hpp"

#include <gtest/gtest.h>

#include <atomic>
#include <cstdint>
#include <memory>
#include <string>
#include <thread>
#include <vector>

#include "corio/core/spawn.hpp"
#include "corio/core/yield_now.hpp"

namespace {

corio::Task<int> answer() { co_return 42; }

TEST(RuntimeTest, RunReturnsTheResultOfMain) { EXPECT_EQ(corio::run(answer()), 42); }

TEST(RuntimeTest, RunCanBeCalledAHundredTimesInARow) {
  for (int i = 0; i < 100; ++i) ASSERT_EQ(corio::run(answer(), {.workers = 2}), 42);
}

TEST(RuntimeTest, RunRethrowsTheExceptionOfMain) {
  auto body = []() -> corio::Task<> {
    throw std::logic_error("main failed");
    co_return;
  };
  EXPECT_THROW(corio::run(body()), std::logic_error);
}

TEST(RuntimeTest, ZeroWorkersMeansOnePerHardwareThread) {
  corio::Runtime rt;
  EXPECT_EQ(rt.workers(), std::max(1u, std::thread::hardware_concurrency()));
}

TEST(RuntimeTest, InvalidQueueCapacitiesAreRejectedWithTheRule) {
  for (unsigned capacity : {0u, 1u, 3u, 2048u}) {
    try {
      corio::Runtime rt({.workers = 1, .local_queue_capacity = capacity});
      FAIL() << "capacity " << capacity << " was accepted";
    } catch (const corio::UsageError& e) {
      EXPECT_NE(std::string(e.what()).find("power of two"), std::string::npos) << e.what();
    }
  }
}

corio::Task<std::uint64_t> identity(std::uint64_t i) { co_return i; }

corio::Task<std::uint64_t> spawn_and_sum(std::uint64_t n) {
  std::vector<corio::JoinHandle<std::uint64_t>> handles;
  for (std::uint64_t i = 0; i < n; ++i) handles.push_back(corio::spawn(identity(i)));
  std::uint64_t sum = 0;
  for (auto& h : handles) sum += co_await h;
  co_return sum;
}

TEST(RuntimeTest, TinyLocalQueuesOverflowToTheGlobalQueueWithoutLosingTasks) {
  constexpr std::uint64_t n = 100'000;
  for (unsigned capacity : {2u, 4u}) {
    EXPECT_EQ(corio::run(spawn_and_sum(n), {.workers = 2, .local_queue_capacity = capacity}),
              n * (n - 1) / 2);
  }
}

TEST(RuntimeTest, BlockOnFromAWorkerThrowsUsageError) {
  auto body = [](corio::Runtime* rt) -> corio::Task<std::string> {
    try {
      rt->block_on(answer());
    } catch (const corio::UsageError& e) {
      co_return e.what();
    }
    co_return "no error";
  };
  corio::Runtime rt({.workers = 1});
  EXPECT_NE(rt.block_on(body(&rt)).find("co_await the task"), std::string::npos);
}

TEST(RuntimeTest, TwoRuntimesRunAtOnceAndJoinAcrossEachOther) {
  corio::Runtime a({.workers = 1});
  corio::Runtime b({.workers = 2});
  auto on_b = b.spawn(identity(5));
  auto join_other = [](corio::JoinHandle<std::uint64_t> h) -> corio::Task<std::uint64_t> {
    co_return co_await h * 2;
  };
  std::uint64_t from_a = 0;
  std::thread t([&] { from_a = a.block_on(spawn_and_sum(1000)); });
  EXPECT_EQ(a.block_on(join_other(std::move(on_b))), 10u);
  t.join();
  EXPECT_EQ(from_a, 1000u * 999 / 2);
}

// Two tasks that await each other's handle: neither can ever finish.
struct Deadlock {
  corio::JoinHandle<int> first;
  corio::JoinHandle<int> second;
  std::atomic<int> ready{0};
};

corio::Task<int> await_partner(Deadlock* d, bool is_first) {
  while (d->ready.load() < 2) co_await corio::yield_now();
  co_return co_await (is_first ? d->second : d->first);
}

corio::Task<int> yield_forever() {
  for (;;) co_await corio::yield_now();
}

TEST(RuntimeTest, ShutdownDestroysTasksThatCanNeverFinish) {
  // Under ASan this also proves that their frames are freed (no leak report).
  auto d = std::make_unique<Deadlock>();
  corio::JoinHandle<int> outside;
  {
    corio::Runtime rt({.workers = 2});
    auto setup = [](Deadlock* d) -> corio::Task<> {
      d->first = corio::spawn(await_partner(d, true));
      d->second = corio::spawn(await_partner(d, false));
      d->ready.store(2);
      co_return;
    };
    rt.block_on(setup(d.get()));
    outside = rt.spawn(yield_forever());
  }
  // The runtime is gone: the handle that outlived it reports the task as cancelled.
  EXPECT_TRUE(outside.is_done());
  auto await_it = [](corio::JoinHandle<int> h) -> corio::Task<std::string> {
    try {
      co_await h;
    } catch (const corio::CancelledError& e) {
      co_return e.what();
    }
    co_return "no error";
  };
  std::string message = corio::run(await_it(std::move(outside)), {.workers = 1});
  EXPECT_NE(message.find("shut down"), std::string::npos) << message;
}

TEST(RuntimeTest, HandlesOfFinishedTasksOutliveTheirRuntime) {
  corio::JoinHandle<std::uint64_t> h;
  {
    corio::Runtime rt({.workers = 2});
    h = rt.spawn(identity(9));
    auto wait = [](corio::JoinHandle<std::uint64_t>* h) -> corio::Task<> {
      while (!h->is_done()) co_await corio::yield_now();
    };
    rt.block_on(wait(&h));
  }
  auto await_it = [](corio::JoinHandle<std::uint64_t> h) -> corio::Task<std::uint64_t> {
    co_return co_await h;
  };
  EXPECT_EQ(corio::run(await_it(std::move(h)), {.workers = 1}), 9u);
}

}  // namespace

// A plain thread's spawn races with the lone worker going to sleep: the worker must still
// see the task (it parks as the last searcher and re-checks the queues), every time.
TEST(RuntimeTest, ALoneWorkerNeverSleepsThroughATaskSpawnedFromOutside) {
  corio::Runtime runtime({.workers = 1});
  auto one = []() -> corio::Task<int> { co_return 1; };
  int sum = 0;
  for (int i = 0; i < 20'000; ++i) sum += runtime.block_on(one());
  EXPECT_EQ(sum, 20'000);
}

namespace {

corio::Task<> hog(std::atomic<bool>* started, std::atomic<bool>* release) {
  started->store(true);
  while (!release->load()) std::this_thread::yield();  // one poll that does not end
  co_return;
}

}  // namespace

// The same race at two workers while one of them is stuck in a long poll: only the other
// can run what a plain thread spawns, whatever it is doing when the task comes (running,
// searching, parking as the last searcher, asleep). A lost wake-up hangs here.
TEST(RuntimeTest, AFreeWorkerNeverSleepsThroughATaskSpawnedFromOutsideWhileTheOtherIsBusy) {
  corio::Runtime runtime({.workers = 2});
  std::atomic<bool> started{false}, release{false};
  corio::JoinHandle<void> busy = runtime.spawn(hog(&started, &release));
  while (!started.load()) std::this_thread::yield();
  auto one = []() -> corio::Task<int> { co_return 1; };
  int sum = 0;
  for (int i = 0; i < 10'000; ++i) sum += runtime.block_on(one());
  EXPECT_EQ(sum, 10'000);
  release.store(true);
  auto join = [](corio::JoinHandle<void> h) -> corio::Task<> { co_await h; };
  runtime.block_on(join(std::move(busy)));
}
