// Cancellation racing completion: tasks finish (by yielding, sleeping, joining) while other
// tasks on other workers cancel them at random moments. Every task must end exactly once,
// either with its value or with CancelledError, and nothing may be resumed twice. Run under
// TSan.
#include <gtest/gtest.h>

#include <atomic>
#include <chrono>
#include <cstdint>
#include <random>
#include <vector>

#include "corio/corio.hpp"

namespace {

using namespace std::chrono_literals;

struct Tally {
  std::atomic<std::uint64_t> values{0};
  std::atomic<std::uint64_t> cancelled{0};
  std::atomic<std::uint64_t> bodies_done{0};
};

corio::Task<std::uint64_t> victim(std::uint64_t seed, Tally* t) {
  std::mt19937_64 rng(seed);
  switch (rng() % 3) {
    case 0:
      for (std::uint64_t i = rng() % 8; i > 0; --i) co_await corio::yield_now();
      break;
    case 1:
      co_await corio::sleep_for(std::chrono::milliseconds(rng() % 2));
      break;
    default: {
      auto inner = [](std::uint64_t n) -> corio::Task<std::uint64_t> {
        for (std::uint64_t i = 0; i < n; ++i) co_await corio::yield_now();
        co_return n;
      };
      co_await corio::spawn(inner(rng() % 4));
    }
  }
  t->bodies_done.fetch_add(1);
  co_return seed;
}

corio::Task<> canceller(corio::JoinHandle<std::uint64_t>* h, std::uint64_t yields) {
  for (std::uint64_t i = 0; i < yields; ++i) co_await corio::yield_now();
  h->cancel();
}

corio::Task<> race_round(std::uint64_t seed, Tally* t) {
  auto h = corio::spawn(victim(seed, t));
  auto c = corio::spawn(canceller(&h, seed % 5));
  co_await c;  // the canceller holds a pointer to h: let it finish first
  try {
    std::uint64_t v = co_await h;
    EXPECT_EQ(v, seed);
    t->values.fetch_add(1);
  } catch (const corio::CancelledError&) {
    t->cancelled.fetch_add(1);
  }
}

class CancelStressTest : public ::testing::TestWithParam<unsigned> {};

TEST_P(CancelStressTest, EveryTaskEndsExactlyOnceWithAValueOrACancellation) {
  Tally t;
  auto body = [](Tally* t) -> corio::Task<> {
    std::vector<corio::Task<>> rounds;
    for (std::uint64_t i = 0; i < 4000; ++i) rounds.push_back(race_round(i, t));
    co_await corio::gather(std::move(rounds));
  };
  corio::run(body(&t), {.workers = GetParam(), .local_queue_capacity = 4});
  EXPECT_EQ(t.values + t.cancelled, 4000u);
  EXPECT_GE(t.bodies_done.load(), t.values.load());
}

INSTANTIATE_TEST_SUITE_P(Workers, CancelStressTest, ::testing::Values(2u, 4u));

}  // namespace
