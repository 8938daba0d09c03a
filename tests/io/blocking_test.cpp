// The blocking pool: to_thread results, exceptions, cancellation; spawn_blocking.
#include "corio/core/blocking.hpp"

#include <gtest/gtest.h>

#include <atomic>
#include <chrono>
#include <condition_variable>
#include <mutex>
#include <stdexcept>
#include <string>
#include <thread>

#include "corio/corio.hpp"

namespace {

using namespace std::chrono_literals;
const corio::RuntimeOptions kManual{.workers = 2, .clock = corio::ClockKind::manual};

// A gate a blocking call waits on, opened by the test.
struct Gate {
  std::mutex mutex;
  std::condition_variable cv;
  bool open = false;
  std::atomic<bool> entered{false};
  std::atomic<bool> finished{false};
  void wait() {
    entered = true;
    std::unique_lock lock(mutex);
    cv.wait(lock, [this] { return open; });
    finished = true;
  }
  void release() {
    std::lock_guard lock(mutex);
    open = true;
    cv.notify_all();
  }
};

int add(int a, int b) { return a + b; }

TEST(BlockingTest, ToThreadReturnsTheResultOfTheCallMadeOnAnotherThread) {
  auto body = []() -> corio::Task<bool> {
    std::thread::id worker = std::this_thread::get_id();
    std::thread::id pool = co_await corio::to_thread([] { return std::this_thread::get_id(); });
    int sum = co_await corio::to_thread(add, 2, 3);
    std::string s =
        co_await corio::to_thread([](std::string x) { return x + "!"; }, std::string("hi"));
    co_await corio::to_thread([] {});
    co_return pool != worker&& sum == 5 && s == "hi!";
  };
  EXPECT_TRUE(corio::run(body(), kManual));
}

TEST(BlockingTest, ToThreadRethrowsTheCallsException) {
  auto body = []() -> corio::Task<std::string> {
    try {
      co_await corio::to_thread([]() -> int { throw std::runtime_error("boom"); });
    } catch (const std::runtime_error& e) {
      co_return e.what();
    }
    co_return "";
  };
  EXPECT_EQ(corio::run(body(), kManual), "boom");
}

TEST(BlockingTest, ACancelledAwaiterGetsCancelledErrorAtOnceWhileTheCallRunsOn) {
  Gate gate;
  auto body = [](Gate* gate) -> corio::Task<std::string> {
    auto h = corio::spawn([](Gate* gate) -> corio::Task<int> {
      co_return co_await corio::to_thread([gate] {
        gate->wait();
        return 1;
      });
    }(gate));
    while (!gate->entered) co_await corio::yield_now();
    h.cancel();
    std::string outcome;
    try {
      co_await h;
      outcome = "value";
    } catch (const corio::CancelledError&) {
      outcome = "cancelled";
    }
    outcome += gate->finished ? " after" : " before";  // the call is still blocked
    gate->release();
    co_return outcome;
  };
  EXPECT_EQ(corio::run(body(&gate), kManual), "cancelled before");
  EXPECT_TRUE(gate.finished);  // the runtime's shutdown waited for the call
}

TEST(BlockingTest, WaitForBoundsAToThreadCall) {
  Gate gate;
  auto body = [](Gate* gate) -> corio::Task<bool> {
    bool timed_out = false;
    try {
      co_await corio::wait_for(corio::to_thread([gate] { gate->wait(); }), 1s);
    } catch (const corio::TimeoutError&) {
      timed_out = true;
    }
    gate->release();
    co_return timed_out;
  };
  EXPECT_TRUE(corio::run(body(&gate), kManual));
}

TEST(BlockingTest, SpawnBlockingReturnsAJoinHandleWithTheResult) {
  auto body = []() -> corio::Task<int> {
    corio::JoinHandle<int> h = corio::spawn_blocking([] { return 42; });
    co_return co_await h;
  };
  EXPECT_EQ(corio::run(body(), kManual), 42);
}

TEST(BlockingTest, ManyCallsRunConcurrentlyUpToTheThreadLimit) {
  auto body = []() -> corio::Task<int> {
    std::atomic<int> running{0};
    std::atomic<int> peak{0};
    std::vector<corio::JoinHandle<int>> hs;
    for (int i = 0; i < 16; ++i) {
      hs.push_back(corio::spawn_blocking([&running, &peak, i] {
        int now = ++running;
        int p = peak.load();
        while (now > p && !peak.compare_exchange_weak(p, now)) {
        }
        std::this_thread::sleep_for(1ms);
        --running;
        return i;
      }));
    }
    int sum = 0;
    for (auto& h : hs) sum += co_await h;
    EXPECT_LE(peak.load(), 3);
    co_return sum;
  };
  EXPECT_EQ(corio::run(body(), {.workers = 2, .max_blocking_threads = 3}), 120);
}

TEST(BlockingTest, ZeroBlockingThreadsIsAUsageError) {
  EXPECT_THROW(corio::Runtime({.workers = 1, .max_blocking_threads = 0}), corio::UsageError);
}

}  // namespace
