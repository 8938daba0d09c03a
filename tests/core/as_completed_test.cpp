// as_completed: completion order, exceptions, cancellation of next().
#include "corio/core/as_completed.hpp"

#include <gtest/gtest.h>

#include <chrono>
#include <stdexcept>
#include <string>
#include <vector>

#include "corio/corio.hpp"

namespace {

using namespace std::chrono_literals;
const corio::RuntimeOptions kManual{.workers = 2, .clock = corio::ClockKind::manual};

corio::Task<int> after(std::chrono::milliseconds d, int v) {
  co_await corio::sleep_for(d);
  co_return v;
}

corio::Task<char> start(std::string* started, char name) {
  *started += name;  // before the first suspension: the order in which the tasks start
  co_await corio::yield_now();
  co_return name;
}

TEST(AsCompletedTest, TasksStartInTheOrderGiven) {
  auto body = [](std::string* started) -> corio::Task<> {
    std::vector<corio::Task<char>> tasks;
    for (char name : std::string("ABCD")) tasks.push_back(start(started, name));
    auto done = corio::as_completed(std::move(tasks));
    while (co_await done.next()) {
    }
  };
  std::string started;
  corio::run(body(&started), {.workers = 1});
  EXPECT_EQ(started, "ABCD");
}

TEST(AsCompletedTest, ResultsArriveInCompletionOrder) {
  auto body = []() -> corio::Task<std::vector<int>> {
    std::vector<corio::Task<int>> tasks;
    tasks.push_back(after(30ms, 3));
    tasks.push_back(after(10ms, 1));
    tasks.push_back(after(20ms, 2));
    auto done = corio::as_completed(std::move(tasks));
    std::vector<int> order;
    while (std::optional<int> r = co_await done.next()) order.push_back(*r);
    co_return order;
  };
  EXPECT_EQ(corio::run(body(), kManual), (std::vector<int>{1, 2, 3}));
}

TEST(AsCompletedTest, AFailureIsRethrownWhenItsTurnComes) {
  auto body = []() -> corio::Task<std::vector<int>> {
    auto fails = [](int) -> corio::Task<int> {
      co_await corio::sleep_for(15ms);
      throw std::runtime_error("x");
    };
    std::vector<corio::Task<int>> tasks;
    tasks.push_back(after(10ms, 1));
    tasks.push_back(fails(0));
    tasks.push_back(after(20ms, 3));
    auto done = corio::as_completed(std::move(tasks));
    std::vector<int> seen;
    for (int i = 0; i < 3; ++i) {
      try {
        seen.push_back(*co_await done.next());
      } catch (const std::runtime_error&) {
        seen.push_back(-1);
      }
    }
    EXPECT_FALSE(co_await done.next());
    co_return seen;
  };
  EXPECT_EQ(corio::run(body(), kManual), (std::vector<int>{1, -1, 3}));
}

TEST(AsCompletedTest, CancellingNextLosesNoResult) {
  auto reader = [](corio::AsCompleted<int>* done) -> corio::Task<int> {
    co_return *co_await done->next();
  };
  auto body = [](decltype(reader) r) -> corio::Task<int> {
    std::vector<corio::Task<int>> tasks;
    tasks.push_back(after(50ms, 7));
    auto done = corio::as_completed(std::move(tasks));
    auto h = corio::spawn(r(&done));
    co_await corio::sleep_for(1ms);
    h.cancel();
    try {
      co_await h;
    } catch (const corio::CancelledError&) {
    }
    co_return *co_await done.next();  // the result is still there
  };
  EXPECT_EQ(corio::run(body(reader), kManual), 7);
}

}  // namespace
