// Runtime metrics: counts after a known workload, and the Prometheus rendering.
#include "corio/core/metrics.hpp"

#include <gtest/gtest.h>

#include <chrono>
#include <cstdint>
#include <string>
#include <vector>

#include "corio/corio.hpp"

namespace {

using namespace std::chrono_literals;

corio::Task<int> one() { co_return 1; }

corio::Task<int> spawn_thousand() {
  std::vector<corio::JoinHandle<int>> handles;
  for (int i = 0; i < 1000; ++i) handles.push_back(corio::spawn(one()));
  int sum = 0;
  for (auto& h : handles) sum += co_await h;
  co_await corio::sleep_for(1ms);
  co_await corio::sleep_for(1ms);
  co_return sum;
}

std::uint64_t total(const corio::RuntimeMetrics& m, std::uint64_t corio::WorkerMetrics::*field) {
  std::uint64_t sum = 0;
  for (const auto& w : m.workers) sum += w.*field;
  return sum;
}

TEST(MetricsTest, AThousandSpawnsAreCountedAsPolls) {
  corio::Runtime rt({.workers = 2});
  ASSERT_EQ(rt.block_on(spawn_thousand()), 1000);
  corio::RuntimeMetrics m = rt.metrics();
  ASSERT_EQ(m.workers.size(), 2u);
  EXPECT_GE(total(m, &corio::WorkerMetrics::polled), 1001u);  // the children and the root
  EXPECT_GE(total(m, &corio::WorkerMetrics::timers_fired), 2u);
  EXPECT_EQ(m.live_tasks, 0u);  // every task has finished
  EXPECT_EQ(m.global_queue_depth, 0u);
}

TEST(MetricsTest, LiveTasksCountsSuspendedTasks) {
  corio::Runtime rt({.workers = 2, .clock = corio::ClockKind::manual});
  auto body = []() -> corio::Task<std::uint64_t> {
    auto sleeper = [](int) -> corio::Task<> { co_await corio::sleep_for(1h); };
    std::vector<corio::JoinHandle<void>> handles;
    for (int i = 0; i < 10; ++i) handles.push_back(corio::spawn(sleeper(i)));
    co_await corio::yield_now();
    std::uint64_t live = corio::runtime_metrics().live_tasks;  // 10 sleepers and this task
    for (auto& h : handles) h.cancel();
    for (auto& h : handles) {
      try {
        co_await h;
      } catch (const corio::CancelledError&) {
      }
    }
    co_return live;
  };
  EXPECT_EQ(rt.block_on(body()), 11u);
}

TEST(MetricsTest, PrometheusTextHasOneSamplePerWorkerAndTheGauges) {
  corio::Runtime rt({.workers = 2});
  rt.block_on(spawn_thousand());
  std::string text = corio::to_prometheus(rt.metrics());
  EXPECT_NE(text.find("# TYPE corio_worker_polled_total counter"), std::string::npos);
  EXPECT_NE(text.find("corio_worker_polled_total{worker=\"0\"} "), std::string::npos);
  EXPECT_NE(text.find("corio_worker_polled_total{worker=\"1\"} "), std::string::npos);
  EXPECT_NE(text.find("corio_worker_busy_seconds_total{worker=\"1\"} "), std::string::npos);
  EXPECT_NE(text.find("\ncorio_live_tasks 0\n"), std::string::npos);
  EXPECT_NE(text.find("\ncorio_global_queue_depth 0\n"), std::string::npos);
}

TEST(MetricsTest, RuntimeMetricsOutsideATaskIsAUsageError) {
  EXPECT_THROW(corio::runtime_metrics(), corio::UsageError);
}

}  // namespace
