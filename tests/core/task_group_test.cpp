// TaskGroup: waiting for all, failure cancelling siblings, ExceptionGroup, cancellation of
// the waiting task, destruction.
#include "corio/core/task_group.hpp"

#include <gtest/gtest.h>

#include <atomic>
#include <chrono>
#include <stdexcept>

#include "corio/corio.hpp"

namespace {

using namespace std::chrono_literals;
const corio::RuntimeOptions kManual{.workers = 2, .clock = corio::ClockKind::manual};

corio::Task<int> sleep_then(std::chrono::milliseconds d, int v, std::atomic<int>* cancelled) {
  try {
    co_await corio::sleep_for(d);
  } catch (const corio::CancelledError&) {
    cancelled->fetch_add(1);
    throw;
  }
  co_return v;
}

corio::Task<int> fail_after(std::chrono::milliseconds d, const char* what) {
  co_await corio::sleep_for(d);
  throw std::runtime_error(what);
}

TEST(TaskGroupTest, WaitReturnsWhenEveryChildHasFinished) {
  std::atomic<int> cancelled{0};
  auto body = [](std::atomic<int>* cancelled) -> corio::Task<int> {
    corio::TaskGroup group;
    auto a = group.spawn(sleep_then(10ms, 1, cancelled));
    auto b = group.spawn(sleep_then(30ms, 2, cancelled));
    co_await group.wait();
    EXPECT_TRUE(a.is_done() && b.is_done());
    co_return co_await a + co_await b;
  };
  EXPECT_EQ(corio::run(body(&cancelled), kManual), 3);
  EXPECT_EQ(cancelled.load(), 0);
}

TEST(TaskGroupTest, AFailingChildCancelsItsSiblingsAndWaitThrowsExceptionGroup) {
  std::atomic<int> cancelled{0};
  auto body = [](std::atomic<int>* cancelled) -> corio::Task<std::string> {
    corio::TaskGroup group;
    group.spawn(sleep_then(1h, 1, cancelled)).detach();
    group.spawn(sleep_then(2h, 2, cancelled)).detach();
    group.spawn(fail_after(5ms, "first failure")).detach();
    try {
      co_await group.wait();
    } catch (const corio::ExceptionGroup& e) {
      EXPECT_EQ(e.exceptions().size(), 1u);
      EXPECT_EQ(cancelled->load(), 2);  // both siblings unwound before wait() returned
      try {
        std::rethrow_exception(e.first());
      } catch (const std::runtime_error& first) {
        co_return first.what();
      }
    }
    co_return "no exception";
  };
  EXPECT_EQ(corio::run(body(&cancelled), kManual), "first failure");
}

// Fails when the group cancels it (after the first failure): a second failure that cannot
// be pre-empted by that cancellation, so the count is deterministic.
corio::Task<int> fail_when_cancelled(const char* what) {
  try {
    co_await corio::sleep_for(1h);
  } catch (const corio::CancelledError&) {
  }
  throw std::runtime_error(what);
}

TEST(TaskGroupTest, EveryFailureIsCollected) {
  auto body = []() -> corio::Task<std::size_t> {
    corio::TaskGroup group;
    group.spawn(fail_after(5ms, "a")).detach();
    group.spawn(fail_when_cancelled("b")).detach();
    try {
      co_await group.wait();
    } catch (const corio::ExceptionGroup& e) {
      co_return e.exceptions().size();
    }
    co_return 0;
  };
  EXPECT_EQ(corio::run(body(), kManual), 2u);
}

TEST(TaskGroupTest, CancellingTheWaitingTaskCancelsTheChildren) {
  std::atomic<int> cancelled{0};
  auto owner = [](std::atomic<int>* cancelled) -> corio::Task<int> {
    corio::TaskGroup group;
    group.spawn(sleep_then(1h, 1, cancelled)).detach();
    group.spawn(sleep_then(1h, 2, cancelled)).detach();
    co_await group.wait();
    co_return 0;
  };
  auto body = [](std::atomic<int>* cancelled, decltype(owner) o) -> corio::Task<bool> {
    auto h = corio::spawn(o(cancelled));
    co_await corio::sleep_for(1ms);
    h.cancel();
    try {
      co_await h;
    } catch (const corio::CancelledError&) {
      co_return true;
    }
    co_return false;
  };
  EXPECT_TRUE(corio::run(body(&cancelled, owner), kManual));
  EXPECT_EQ(cancelled.load(), 2);
}

TEST(TaskGroupTest, AGroupDestroyedWithRunningChildrenCancelsThem) {
  std::atomic<int> cancelled{0};
  auto body = [](std::atomic<int>* cancelled) -> corio::Task<> {
    std::vector<corio::JoinHandle<int>> handles;
    {
      corio::TaskGroup group;
      handles.push_back(group.spawn(sleep_then(1h, 1, cancelled)));
      handles.push_back(group.spawn(sleep_then(1h, 2, cancelled)));
      co_await corio::sleep_for(1ms);
    }
    for (auto& h : handles) {
      try {
        co_await h;
      } catch (const corio::CancelledError&) {
      }
    }
  };
  corio::run(body(&cancelled), kManual);
  EXPECT_EQ(cancelled.load(), 2);
}

TEST(TaskGroupTest, AnEmptyGroupWaitsForNothing) {
  auto body = []() -> corio::Task<bool> {
    corio::TaskGroup group;
    co_await group.wait();
    co_return true;
  };
  EXPECT_TRUE(corio::run(body(), kManual));
}

}  // namespace
