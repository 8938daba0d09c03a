// Fairness: the cooperative budget keeps a task that never suspends (it only awaits things
// that are already done) from starving timers and injected work on its worker, and the LIFO
// slot's cap keeps two tasks waking each other from starving the rest of the queue.
#include <gtest/gtest.h>

#include <atomic>
#include <chrono>
#include <thread>
#include <vector>

#include "corio/corio.hpp"

namespace {

using namespace std::chrono_literals;

// Awaits an empty gather (always ready) until `stop` is set: without the budget this loop
// would never give its worker back.
corio::Task<std::uint64_t> busy_until(std::atomic<bool>* stop) {
  std::uint64_t spins = 0;
  while (!stop->load()) {
    co_await corio::gather(std::vector<corio::Task<int>>{});
    ++spins;
  }
  co_return spins;
}

corio::Task<> set_after_sleep(std::atomic<bool>* stop) {
  co_await corio::sleep_for(1ms);
  stop->store(true);
}

TEST(FairnessTest, ATaskThatNeverSuspendsCannotStarveATimerOnItsWorker) {
  std::atomic<bool> stop{false};
  auto body = [](std::atomic<bool>* stop) -> corio::Task<std::uint64_t> {
    auto timer = corio::spawn(set_after_sleep(stop));
    auto spins = co_await busy_until(stop);  // runs inline in this task, on the only worker
    co_await timer;
    co_return spins;
  };
  EXPECT_GT(corio::run(body(&stop), {.workers = 1}), 0u);
}

corio::Task<> set_flag(std::atomic<bool>* stop) {
  stop->store(true);
  co_return;
}

TEST(FairnessTest, ATaskThatNeverSuspendsCannotStarveInjectedWork) {
  corio::Runtime rt({.workers = 1});
  std::atomic<bool> stop{false};
  std::atomic<bool> spinning{false};
  auto body = [](std::atomic<bool>* stop,
                 std::atomic<bool>* spinning) -> corio::Task<std::uint64_t> {
    spinning->store(true);
    co_return co_await busy_until(stop);
  };
  std::thread injector([&] {
    while (!spinning.load()) std::this_thread::yield();
    rt.spawn(set_flag(&stop)).detach();  // through the global queue, from outside
  });
  EXPECT_GT(rt.block_on(body(&stop, &spinning)), 0u);
  injector.join();
}

// A task that spawns a child and awaits it, over and over, keeps the LIFO slot busy: the
// child runs from it next, and its completion puts the parent back into it. Only the cap on
// consecutive LIFO polls lets the task waiting in the queue (the one that stops them) run.
corio::Task<int> noop() { co_return 1; }

corio::Task<std::uint64_t> spawn_and_join_until(std::atomic<bool>* stop) {
  std::uint64_t rounds = 0;
  while (!stop->load()) rounds += co_await corio::spawn(noop());
  co_return rounds;
}

TEST(FairnessTest, TwoTasksWakingEachOtherThroughTheLifoSlotDoNotStarveTheQueue) {
  std::atomic<bool> stop{false};
  auto body = [](std::atomic<bool>* stop) -> corio::Task<std::uint64_t> {
    auto stopper = corio::spawn(set_flag(stop));             // ends up in the queue
    auto looper = corio::spawn(spawn_and_join_until(stop));  // takes the LIFO slot
    co_await stopper;
    co_return co_await looper;
  };
  EXPECT_GT(corio::run(body(&stop), {.workers = 1}), 0u);
  EXPECT_TRUE(stop.load());
}

}  // namespace
