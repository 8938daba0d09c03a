// gather(): order of results, exceptions, the vector form and misuse.
#include "corio/core/gather.hpp"

#include <gtest/gtest.h>

#include <atomic>
#include <stdexcept>
#include <string>
#include <tuple>
#include <variant>
#include <vector>

#include "corio/core/runtime.hpp"
#include "corio/core/yield_now.hpp"

namespace {

corio::Task<int> after_yields(int value, int yields) {
  for (int i = 0; i < yields; ++i) co_await corio::yield_now();
  co_return value;
}
corio::Task<std::string> text(std::string s) { co_return s; }
corio::Task<> nothing() { co_return; }

TEST(GatherTest, TupleKeepsArgumentOrderAndTypes) {
  auto body = []() -> corio::Task<bool> {
    // The first child finishes last: order follows the arguments, not completion.
    auto [a, b, c] = co_await corio::gather(after_yields(1, 50), text("two"), nothing());
    static_assert(std::is_same_v<decltype(c), std::monostate>);
    co_return a == 1 && b == "two";
  };
  EXPECT_TRUE(corio::run(body(), {.workers = 2}));
}

TEST(GatherTest, TenThousandTasksKeepTheirOrder) {
  auto body = []() -> corio::Task<std::vector<int>> {
    std::vector<corio::Task<int>> tasks;
    for (int i = 0; i < 10'000; ++i) tasks.push_back(after_yields(i, i % 3));
    co_return co_await corio::gather(std::move(tasks));
  };
  std::vector<int> results = corio::run(body(), {.workers = 2});
  ASSERT_EQ(results.size(), 10'000u);
  for (int i = 0; i < 10'000; ++i) ASSERT_EQ(results[i], i);
}

corio::Task<int> fail_after(int yields, std::string message) {
  for (int i = 0; i < yields; ++i) co_await corio::yield_now();
  throw std::runtime_error(message);
}
corio::Task<int> finish_and_flag(std::atomic<bool>* finished) {
  for (int i = 0; i < 100; ++i) co_await corio::yield_now();
  finished->store(true);
  co_return 0;
}

TEST(GatherTest, RethrowsTheFirstFailureInArgumentOrderAfterAllChildrenFinished) {
  std::atomic<bool> finished{false};
  auto body = [](std::atomic<bool>* finished) -> corio::Task<std::string> {
    try {
      co_await corio::gather(finish_and_flag(finished), fail_after(10, "second"),
                             fail_after(0, "third"));
    } catch (const std::runtime_error& e) {
      EXPECT_TRUE(finished->load());
      co_return e.what();
    }
    co_return "no exception";
  };
  EXPECT_EQ(corio::run(body(&finished), {.workers = 2}), "second");
}

TEST(GatherTest, VectorFormRethrowsAfterAllChildrenFinished) {
  auto body = []() -> corio::Task<std::string> {
    std::vector<corio::Task<int>> tasks;
    tasks.push_back(after_yields(1, 20));
    tasks.push_back(fail_after(5, "boom"));
    try {
      co_await corio::gather(std::move(tasks));
    } catch (const std::runtime_error& e) {
      co_return e.what();
    }
    co_return "no exception";
  };
  EXPECT_EQ(corio::run(body(), {.workers = 2}), "boom");
}

TEST(GatherTest, EmptyGathersCompleteAtOnce) {
  auto body = []() -> corio::Task<bool> {
    std::vector<int> none = co_await corio::gather(std::vector<corio::Task<int>>{});
    std::tuple<> empty = co_await corio::gather();
    (void)empty;
    co_return none.empty();
  };
  EXPECT_TRUE(corio::run(body(), {.workers = 1}));
}

TEST(GatherTest, VectorOfVoidTasksRunsThemAll) {
  auto body = [](std::atomic<int>* count) -> corio::Task<> {
    auto bump = [](std::atomic<int>* count) -> corio::Task<> {
      co_await corio::yield_now();
      count->fetch_add(1);
    };
    std::vector<corio::Task<>> tasks;
    for (int i = 0; i < 100; ++i) tasks.push_back(bump(count));
    co_await corio::gather(std::move(tasks));
  };
  std::atomic<int> count{0};
  corio::run(body(&count), {.workers = 2});
  EXPECT_EQ(count.load(), 100);
}

corio::Task<> start(std::string* started, char name) {
  *started += name;  // before the first suspension: the order in which children start
  co_await corio::yield_now();
}

TEST(GatherTest, ChildrenStartInArgumentOrderAsAsyncioStartsThem) {
  auto body = [](std::string* started) -> corio::Task<> {
    co_await corio::gather(start(started, 'A'), start(started, 'B'), start(started, 'C'));
    std::vector<corio::Task<>> tasks;
    for (char name : std::string("defg")) tasks.push_back(start(started, name));
    co_await corio::gather(std::move(tasks));
  };
  std::string started;
  corio::run(body(&started), {.workers = 1});
  EXPECT_EQ(started, "ABCdefg");
}

TEST(GatherTest, AwaitingAGatherTwiceThrowsUsageError) {
  auto body = []() -> corio::Task<bool> {
    auto g = corio::gather(text("x"));
    co_await g;
    try {
      co_await g;
    } catch (const corio::UsageError&) {
      co_return true;
    }
    co_return false;
  };
  EXPECT_TRUE(corio::run(body(), {.workers = 1}));
}

}  // namespace

namespace {

TEST(GatherTest, ReturnExceptionsYieldsAResultPerChildInsteadOfThrowing) {
  auto body = []() -> corio::Task<bool> {
    auto [a, b, c] = co_await corio::gather(corio::return_exceptions, after_yields(1, 3),
                                            fail_after(2, "bad"), nothing());
    bool ok = a.has_value() && a.value() == 1 && !b.has_value() && c.has_value();
    try {
      b.value();
      ok = false;
    } catch (const std::runtime_error& e) {
      ok = ok && std::string(e.what()) == "bad";
    }
    std::vector<corio::Task<int>> tasks;
    tasks.push_back(fail_after(1, "x"));
    tasks.push_back(after_yields(5, 0));
    std::vector<corio::Result<int>> results =
        co_await corio::gather(corio::return_exceptions, std::move(tasks));
    co_return ok&& results.size() == 2 && !results[0] && results[1].value() == 5;
  };
  EXPECT_TRUE(corio::run(body(), {.workers = 2}));
}

}  // namespace
