// Debug mode: the three reports, task names and where they appear.
#include "corio/core/debug.hpp"

#include <gtest/gtest.h>

#include <chrono>
#include <cstdlib>
#include <mutex>
#include <stdexcept>
#include <string>
#include <thread>
#include <vector>

#include "corio/corio.hpp"

namespace {

using namespace std::chrono_literals;

struct Reports {
  std::mutex mutex;
  std::vector<std::string> lines;
  bool contains(const std::string& needle) {
    std::lock_guard lock(mutex);
    for (const auto& l : lines) {
      if (l.find(needle) != std::string::npos) return true;
    }
    return false;
  }
};

corio::RuntimeOptions debug_options(Reports* r) {
  return corio::RuntimeOptions{.workers = 2,
                               .debug = true,
                               .slow_task_threshold = 20ms,
                               .debug_sink = [r](std::string_view line) {
                                 std::lock_guard lock(r->mutex);
                                 r->lines.emplace_back(line);
                               }};
}

// Blocks its worker (a deliberate mistake) until the watchdog has reported it.
corio::Task<> block_the_worker(Reports* r) {
  while (!r->contains("has run for")) std::this_thread::sleep_for(1ms);
  co_return;
}

TEST(DebugTest, ATaskThatBlocksItsWorkerIsReportedWithItsNameAndSpawnSite) {
  Reports r;
  auto body = [](Reports* r) -> corio::Task<> {
    co_await corio::spawn(block_the_worker(r), corio::SpawnOptions{.name = "blocker"});
  };
  corio::run(body(&r), debug_options(&r));
  EXPECT_TRUE(r.contains("'blocker'"));
  EXPECT_TRUE(r.contains("debug_test.cpp"));  // where it was spawned
  EXPECT_TRUE(r.contains("without suspending"));
}

corio::Task<> fail() {
  throw std::runtime_error("nobody looked");
  co_return;
}

TEST(DebugTest, ADetachedTaskThatFailsIsReportedInsteadOfVanishing) {
  Reports r;
  auto body = [](Reports* r) -> corio::Task<> {
    corio::spawn(fail(), corio::SpawnOptions{.name = "lost"}).detach();
    while (!r->contains("never retrieved")) co_await corio::yield_now();
  };
  corio::run(body(&r), debug_options(&r));
  EXPECT_TRUE(r.contains("task exception was never retrieved"));
  EXPECT_TRUE(r.contains("'lost'"));
  EXPECT_TRUE(r.contains("nobody looked"));
}

TEST(DebugTest, AHandleDroppedWithoutTakingItsExceptionIsReported) {
  Reports r;
  auto body = [](Reports*) -> corio::Task<> {
    auto h = corio::spawn(fail());
    while (!h.is_done()) co_await corio::yield_now();
  };  // h is dropped here with the exception inside
  corio::run(body(&r), debug_options(&r));
  EXPECT_TRUE(r.contains("never retrieved"));
}

corio::Task<int> unused() { co_return 1; }

TEST(DebugTest, ATaskNeverAwaitedIsReported) {
  Reports r;
  auto body = [](int) -> corio::Task<> {
    { corio::Task<int> forgotten = unused(); }
    co_return;
  };
  corio::run(body(0), debug_options(&r));
  EXPECT_TRUE(r.contains("coroutine was never awaited"));
}

TEST(DebugTest, DebugModeIsOnOnlyWhileADebugRuntimeExists) {
  if (std::getenv("CORIO_DEBUG")) GTEST_SKIP() << "CORIO_DEBUG is set in the environment";
  EXPECT_FALSE(corio::detail::debug_active());  // the hot paths' branch is not taken
  {
    Reports r;
    corio::Runtime rt(debug_options(&r));
    EXPECT_TRUE(corio::detail::debug_active());
  }
  EXPECT_FALSE(corio::detail::debug_active());
}

TEST(DebugTest, CurrentTaskNameIsTheSpawnName) {
  auto body = []() -> corio::Task<std::string> {
    auto named = [](int) -> corio::Task<std::string> { co_return corio::current_task_name(); };
    auto unnamed = [](int) -> corio::Task<std::string> { co_return corio::current_task_name(); };
    std::string a = co_await corio::spawn(named(0), corio::SpawnOptions{.name = "conn-42"});
    std::string b = co_await corio::spawn(unnamed(0));
    co_return a + "|" + b;
  };
  EXPECT_EQ(corio::run(body(), {.workers = 2}), "conn-42|");
  EXPECT_EQ(corio::current_task_name(), "");
}

TEST(DebugTest, InDebugModeATaskRecordsItsSpawnSiteInItsHeaderAndNothingElse) {
  Reports r;
  auto body = [](int) -> corio::Task<std::string> {
    auto unnamed = [](int) -> corio::Task<std::string> {
      corio::detail::TaskHeader* self = corio::detail::current_task();
      std::string name = corio::current_task_name();  // asking for the name gives no id
      bool in_side_table = self->state.load() & corio::detail::TaskHeader::kHasInfo;
      co_return std::to_string(self->spawn_site != 0) + std::to_string(in_side_table) + name;
    };
    co_return co_await corio::spawn(unnamed(0));
  };
  EXPECT_EQ(corio::run(body(0), debug_options(&r)), "10");
}

TEST(DebugTest, AnUnnamedTaskIsReportedWithAnIdAndItsSpawnSite) {
  Reports r;
  auto body = [](Reports* r) -> corio::Task<int> {
    co_await corio::spawn(block_the_worker(r));
    co_return __LINE__ - 1;
  };
  int spawn_line = corio::run(body(&r), debug_options(&r));
  EXPECT_TRUE(r.contains("corio debug: task #"));
  EXPECT_TRUE(r.contains("debug_test.cpp:" + std::to_string(spawn_line) + " "));
}

}  // namespace
