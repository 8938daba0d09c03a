// Runtime::dump_tasks: states, waits, async backtraces with this file's co_await sites, the
// stop of the world from a task and from a thread, concurrent dumps, and SIGUSR1.
#include <gtest/gtest.h>

#include <atomic>
#include <chrono>
#include <condition_variable>
#include <csignal>
#include <future>
#include <mutex>
#include <sstream>
#include <string>
#include <thread>
#include <vector>

#include "corio/corio.hpp"

namespace {

using namespace std::chrono_literals;

/// "…/dump_tasks_test.cpp:42": how the dump names a line of this file.
std::string here(int line) { return std::string(__FILE__) + ":" + std::to_string(line); }

/// The lines of one task's entry: its header line first, then its frames.
std::vector<std::string> entry_of(const std::string& dump, const std::string& needle) {
  std::istringstream in(dump);
  std::vector<std::string> entry;
  for (std::string line; std::getline(in, line);) {
    if (line.rfind("task ", 0) == 0) {
      if (!entry.empty()) break;
      if (line.find(needle) != std::string::npos) entry.push_back(line);
    } else if (!entry.empty() && line.rfind("  ", 0) == 0) {
      entry.push_back(line);
    }
  }
  return entry;
}

bool contains(const std::string& text, const std::string& part) {
  return text.find(part) != std::string::npos;
}

/// A backtrace line "  at {anonymous}::nap (…/dump_tasks_test.cpp:48)" of coroutine
/// `function`, suspended at `line` of this file.
::testing::AssertionResult is_frame(const std::string& text, const std::string& function,
                                    int line) {
  std::string suffix = "::" + function + " (" + here(line) + ")";
  if (text.rfind("  at ", 0) == 0 && text.size() > suffix.size() &&
      text.compare(text.size() - suffix.size(), suffix.size(), suffix) == 0) {
    return ::testing::AssertionSuccess();
  }
  return ::testing::AssertionFailure() << "not a frame of " << function << " at line " << line;
}

// ---- A known tree of tasks ------------------------------------------------------------------

corio::Task<> nap(std::atomic<int>* ready) {
  ready->fetch_add(1);  // in the poll that ends at the sleep below
  co_await corio::sleep_for(1h);
}
constexpr int kNapAwaitLine = __LINE__ - 2;

corio::Task<> sleeper(std::atomic<int>* ready) { co_await nap(ready); }
constexpr int kSleeperAwaitLine = __LINE__ - 1;

corio::Task<> joiner(corio::JoinHandle<void> other, std::atomic<int>* ready) {
  ready->fetch_add(1);
  co_await other;
}
constexpr int kJoinerAwaitLine = __LINE__ - 2;

corio::Task<> receiver(corio::Channel<int> ch, std::atomic<int>* ready) {
  ready->fetch_add(1);
  co_await ch.recv();
}
constexpr int kReceiverAwaitLine = __LINE__ - 2;

// Spawns the tree, waits until each task has reached its last co_await, and dumps. It yields
// meanwhile instead of suspending, so its worker never parks and the manual clock cannot
// end the sleep. The dump's stop of the world waits for the others' polls to end, so each
// is suspended at its wait when the registries are read.
corio::Task<std::string> spawn_tree_and_dump(corio::Runtime* rt) {
  std::atomic<int> ready{0};
  auto ch = corio::Channel<int>::bounded(1);
  corio::JoinHandle<void> s = corio::spawn(sleeper(&ready), {.name = "sleeper"});
  constexpr int kSleeperSpawnLine = __LINE__ - 1;
  corio::JoinHandle<void> j = corio::spawn(joiner(std::move(s), &ready), {.name = "joiner"});
  corio::JoinHandle<void> r = corio::spawn(receiver(ch, &ready), {.name = "receiver"});
  while (ready.load() < 3) co_await corio::yield_now();
  std::ostringstream out;
  rt->dump_tasks(out);
  j.cancel();
  r.cancel();
  co_return out.str() + "spawn line " + std::to_string(kSleeperSpawnLine) + "\n";
}

TEST(DumpTasksTest, ShowsEachTasksStateWaitAndAsyncBacktraceWithTheCoAwaitSites) {
  corio::Runtime rt({.workers = 2, .clock = corio::ClockKind::manual});
  std::string dump = rt.block_on(spawn_tree_and_dump(&rt));
  SCOPED_TRACE(dump);
  EXPECT_EQ(dump.rfind("corio task dump: 4 live tasks, 2 workers\n", 0), 0u);
  EXPECT_TRUE(contains(dump, "end of task dump\n"));

  // A root task awaiting a nested task awaiting a sleep: innermost frame first.
  std::vector<std::string> s = entry_of(dump, "'sleeper'");
  ASSERT_EQ(s.size(), 3u);
  EXPECT_TRUE(contains(s[0], "'sleeper' waiting on sleep, worker "));
  std::string spawn_line = dump.substr(dump.find("spawn line ") + 11);
  EXPECT_TRUE(contains(s[0], "spawned at " + here(std::stoi(spawn_line))));
  EXPECT_TRUE(is_frame(s[1], "nap", kNapAwaitLine));
  EXPECT_TRUE(is_frame(s[2], "sleeper", kSleeperAwaitLine));

  std::vector<std::string> j = entry_of(dump, "'joiner'");
  ASSERT_EQ(j.size(), 2u);
  EXPECT_TRUE(contains(j[0], "'joiner' waiting on join, worker "));
  EXPECT_TRUE(is_frame(j[1], "joiner", kJoinerAwaitLine));

  std::vector<std::string> r = entry_of(dump, "'receiver'");
  ASSERT_EQ(r.size(), 2u);
  EXPECT_TRUE(contains(r[0], "'receiver' waiting on channel recv, worker "));
  EXPECT_TRUE(is_frame(r[1], "receiver", kReceiverAwaitLine));

  // The dumping task itself is in its poll: reported, never walked.
  std::vector<std::string> self = entry_of(dump, " running, worker ");
  ASSERT_EQ(self.size(), 2u);
  EXPECT_EQ(self[1], "  (in a poll: no backtrace)");
}

// ---- From a plain thread ---------------------------------------------------------------------

corio::Task<> wait_for_event(corio::Event* event, std::promise<void>* waiting) {
  waiting->set_value();  // in the poll that ends at the wait below
  co_await event->wait();
}
constexpr int kEventAwaitLine = __LINE__ - 2;

TEST(DumpTasksTest, FromAPlainThreadStopsParkedWorkersAndShowsUnnamedTasksByAddress) {
  corio::Runtime rt({.workers = 2});
  corio::Event event;
  std::promise<void> waiting;
  corio::JoinHandle<void> h = rt.spawn(wait_for_event(&event, &waiting));
  waiting.get_future().wait();
  std::ostringstream out;
  rt.dump_tasks(out);
  std::string dump = out.str();
  SCOPED_TRACE(dump);
  std::vector<std::string> e = entry_of(dump, "waiting on event wait");
  ASSERT_EQ(e.size(), 2u);
  // Debug mode (CORIO_DEBUG=1) gives every task an id; otherwise an unnamed one shows its
  // address.
  EXPECT_EQ(e[0].rfind(corio::detail::debug_active() ? "task #" : "task @", 0), 0u);
  EXPECT_TRUE(is_frame(e[1], "wait_for_event", kEventAwaitLine));
  event.set();
  rt.block_on([](corio::JoinHandle<void> h) -> corio::Task<> { co_await h; }(std::move(h)));
}

TEST(DumpTasksTest, InDebugModeAnUnnamedTaskShowsItsSpawnSiteAndKeepsTheIdFirstShown) {
  corio::Runtime rt({.workers = 2, .debug = true, .debug_sink = [](std::string_view) {}});
  corio::Event event;
  std::promise<void> waiting;
  corio::JoinHandle<void> h = rt.spawn(wait_for_event(&event, &waiting));
  constexpr int kSpawnLine = __LINE__ - 1;
  waiting.get_future().wait();
  auto entry = [&rt] {
    std::ostringstream out;
    rt.dump_tasks(out);
    std::vector<std::string> e = entry_of(out.str(), "waiting on event wait");
    return e.empty() ? std::string() : e[0];
  };
  std::string first = entry();
  SCOPED_TRACE(first);
  ASSERT_EQ(first.rfind("task #", 0), 0u);
  EXPECT_TRUE(contains(first, "spawned at " + here(kSpawnLine)));
  std::string id = first.substr(0, first.find(' ', 6));  // "task #N"
  EXPECT_EQ(entry().rfind(id + " ", 0), 0u);
  event.set();
  rt.block_on([](corio::JoinHandle<void> h) -> corio::Task<> { co_await h; }(std::move(h)));
}

// ---- Concurrent dumps --------------------------------------------------------------------------

corio::Task<> dump_repeatedly(corio::Runtime* rt, int times, std::atomic<int>* complete) {
  for (int i = 0; i < times; ++i) {
    std::ostringstream out;
    rt->dump_tasks(out);
    if (contains(out.str(), "end of task dump\n")) complete->fetch_add(1);
    co_await corio::yield_now();
  }
}

TEST(DumpTasksTest, ConcurrentDumpsFromTasksAndThreadsTakeTurns) {
  constexpr int kTimes = 20;
  corio::Runtime rt({.workers = 2});
  std::atomic<int> complete{0};
  std::vector<corio::JoinHandle<void>> tasks;
  for (int i = 0; i < 4; ++i) tasks.push_back(rt.spawn(dump_repeatedly(&rt, kTimes, &complete)));
  std::vector<std::thread> threads;
  for (int i = 0; i < 2; ++i) {
    threads.emplace_back([&] {
      for (int k = 0; k < kTimes; ++k) {
        std::ostringstream out;
        rt.dump_tasks(out);
        if (contains(out.str(), "end of task dump\n")) complete.fetch_add(1);
      }
    });
  }
  for (auto& t : threads) t.join();
  for (auto& h : tasks) {
    rt.block_on([](corio::JoinHandle<void> h) -> corio::Task<> { co_await h; }(std::move(h)));
  }
  EXPECT_EQ(complete.load(), 6 * kTimes);
}

// ---- SIGUSR1
// -------------------------------------------------------------------------------------

std::atomic<int> g_previous_handler_calls{0};
void previous_handler(int) { g_previous_handler_calls.fetch_add(1); }

struct Sink {
  std::mutex mutex;
  std::condition_variable cv;
  std::vector<std::string> lines;
  bool ended = false;
};

TEST(DumpTasksTest, Sigusr1WritesTheDumpToTheDebugSinkAndTheHandlerIsRestored) {
  struct sigaction mine {};
  mine.sa_handler = &previous_handler;
  sigemptyset(&mine.sa_mask);
  struct sigaction saved {};
  ASSERT_EQ(sigaction(SIGUSR1, &mine, &saved), 0);
  Sink sink;
  {
    corio::Runtime rt({.workers = 2, .debug = true, .debug_sink = [&sink](std::string_view line) {
                         std::lock_guard lock(sink.mutex);
                         sink.lines.emplace_back(line);
                         if (line == "end of task dump") {
                           sink.ended = true;
                           sink.cv.notify_all();
                         }
                       }});
    corio::Event event;
    std::promise<void> waiting;
    corio::JoinHandle<void> h = rt.spawn(wait_for_event(&event, &waiting), {.name = "waiter"});
    waiting.get_future().wait();
    ASSERT_EQ(std::raise(SIGUSR1), 0);
    {
      std::unique_lock lock(sink.mutex);
      ASSERT_TRUE(sink.cv.wait_for(lock, 120s, [&] { return sink.ended; }));
      std::string dump;
      for (const auto& l : sink.lines) dump += l + "\n";
      SCOPED_TRACE(dump);
      std::vector<std::string> e = entry_of(dump, "'waiter'");
      ASSERT_EQ(e.size(), 2u);
      EXPECT_TRUE(contains(e[0], "'waiter' waiting on event wait, worker "));
      EXPECT_TRUE(is_frame(e[1], "wait_for_event", kEventAwaitLine));
    }
    event.set();
    rt.block_on([](corio::JoinHandle<void> h) -> corio::Task<> { co_await h; }(std::move(h)));
  }
  // The runtime is gone: SIGUSR1 reaches the handler it replaced.
  ASSERT_EQ(std::raise(SIGUSR1), 0);
  EXPECT_EQ(g_previous_handler_calls.load(), 1);
  sigaction(SIGUSR1, &saved, nullptr);
}

}  // namespace
