// select: the first to finish wins, the losers are cancelled and unwound.
#include "corio/core/select.hpp"

#include <gtest/gtest.h>

#include <atomic>
#include <chrono>
#include <stdexcept>
#include <string>

#include "corio/corio.hpp"

namespace {

using namespace std::chrono_literals;
const corio::RuntimeOptions kManual{.workers = 2, .clock = corio::ClockKind::manual};

corio::Task<int> number_after(std::chrono::milliseconds d, int v, std::atomic<int>* cancelled) {
  try {
    co_await corio::sleep_for(d);
  } catch (const corio::CancelledError&) {
    cancelled->fetch_add(1);
    throw;
  }
  co_return v;
}

corio::Task<std::string> text_after(std::chrono::milliseconds d, std::atomic<int>* cancelled) {
  try {
    co_await corio::sleep_for(d);
  } catch (const corio::CancelledError&) {
    cancelled->fetch_add(1);
    throw;
  }
  co_return "text";
}

corio::Task<char> start(std::string* started, char name) {
  *started += name;  // before the first suspension: the order in which contestants start
  co_await corio::sleep_for(1ms);
  co_return name;
}

TEST(SelectTest, ContestantsStartInArgumentOrder) {
  auto body = [](std::string* started) -> corio::Task<> {
    co_await corio::select(start(started, 'A'), start(started, 'B'), start(started, 'C'));
  };
  std::string started;
  corio::run(body(&started), {.workers = 1, .clock = corio::ClockKind::manual});
  EXPECT_EQ(started, "ABC");
}

TEST(SelectTest, TheFirstToFinishWinsAndTheOthersAreCancelled) {
  std::atomic<int> cancelled{0};
  auto body = [](std::atomic<int>* c) -> corio::Task<std::string> {
    auto winner = co_await corio::select(number_after(50ms, 1, c), text_after(10ms, c),
                                         number_after(90ms, 3, c));
    EXPECT_EQ(c->load(), 2);  // both losers unwound before select returned
    co_return winner.index() == 1 ? std::get<1>(winner) : "wrong winner";
  };
  EXPECT_EQ(corio::run(body(&cancelled), kManual), "text");
}

TEST(SelectTest, TheWinnersExceptionIsRethrown) {
  std::atomic<int> cancelled{0};
  auto body = [](std::atomic<int>* c) -> corio::Task<bool> {
    auto fails = [](int) -> corio::Task<int> {
      co_await corio::sleep_for(1ms);
      throw std::runtime_error("lost the race badly");
    };
    try {
      co_await corio::select(fails(0), number_after(1h, 2, c));
    } catch (const std::runtime_error&) {
      co_return c->load() == 1;
    }
    co_return false;
  };
  EXPECT_TRUE(corio::run(body(&cancelled), kManual));
}

TEST(SelectTest, CancellingTheSelectingTaskCancelsAllContestants) {
  std::atomic<int> cancelled{0};
  auto selecting = [](std::atomic<int>* c) -> corio::Task<int> {
    auto r = co_await corio::select(number_after(1h, 1, c), number_after(2h, 2, c));
    co_return static_cast<int>(r.index());
  };
  auto body = [](std::atomic<int>* c, decltype(selecting) s) -> corio::Task<bool> {
    auto h = corio::spawn(s(c));
    co_await corio::sleep_for(1ms);
    h.cancel();
    try {
      co_await h;
    } catch (const corio::CancelledError&) {
      co_return true;
    }
    co_return false;
  };
  EXPECT_TRUE(corio::run(body(&cancelled, selecting), kManual));
  EXPECT_EQ(cancelled.load(), 2);
}

TEST(SelectTest, ACancelledSelectWaitsUntilEveryContestantHasUnwound) {
  // One contestant unwinds at once and wakes the select; the other cleans up for a second
  // of runtime time. select must wait for it before it throws.
  auto slow_to_unwind = [](std::atomic<bool>* unwound) -> corio::Task<int> {
    bool cancelled = false;
    try {
      co_await corio::sleep_for(1h);
    } catch (const corio::CancelledError&) {
      cancelled = true;
    }
    if (!cancelled) co_return 0;
    // select cancels the losers again once it has a winner: the cleanup outlasts that too.
    for (bool done = false; !done;) {
      try {
        co_await corio::sleep_for(1s);
        done = true;
      } catch (const corio::CancelledError&) {
      }
    }
    unwound->store(true);
    throw corio::CancelledError();
  };
  auto selecting = [](std::atomic<int>* c, std::atomic<bool>* unwound,
                      decltype(slow_to_unwind) slow) -> corio::Task<int> {
    auto r = co_await corio::select(number_after(1h, 1, c), slow(unwound));
    co_return static_cast<int>(r.index());
  };
  auto body = [](std::atomic<int>* c, std::atomic<bool>* unwound, decltype(selecting) s,
                 decltype(slow_to_unwind) slow) -> corio::Task<bool> {
    auto h = corio::spawn(s(c, unwound, slow));
    co_await corio::sleep_for(1ms);
    h.cancel();
    try {
      co_await h;
    } catch (const corio::CancelledError&) {
      co_return unwound->load();
    }
    co_return false;
  };
  std::atomic<int> cancelled{0};
  std::atomic<bool> unwound{false};
  EXPECT_TRUE(corio::run(body(&cancelled, &unwound, selecting, slow_to_unwind), kManual));
  EXPECT_EQ(cancelled.load(), 1);
}

}  // namespace
