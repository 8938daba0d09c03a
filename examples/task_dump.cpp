// task_dump: what is every task doing? Runtime::dump_tasks, corio's `asyncio ps`.
//
//   task_dump            prints the dump below, then exits
//   CORIO_DEBUG=1 ...    any corio program: `kill -USR1 <pid>` prints the same to stderr
//
// A worker pool reads jobs from a channel; one job is slow (a nested sleep), the producer
// waits for the pool. The dump shows each task's state, what it waits for, and its async
// backtrace (innermost coroutine first, each at the co_await it is suspended at):
//
//   corio task dump: 3 live tasks, 2 workers
//   task #2 'worker-1' waiting on sleep, worker 1, spawned at /src/examples/task_dump.cpp:41
//     at slow_step (/src/examples/task_dump.cpp:28)
//     at worker (/src/examples/task_dump.cpp:32)
//   task #1 'worker-0' waiting on channel recv, worker 1, spawned at /src/examples/task_dump.cpp:41
//     at worker (/src/examples/task_dump.cpp:31)
//   task @519e8181080 running, worker 1
//     (in a poll: no backtrace)
//   end of task dump
//
// (The running task is amain, the one dumping: a task in its poll has no backtrace.)
#include <corio/corio.hpp>
#include <iostream>
#include <string>
#include <vector>

using namespace std::chrono_literals;

corio::Task<> slow_step() { co_await corio::sleep_for(1h); }

corio::Task<> worker(corio::Channel<int> jobs) {
  while (std::optional<int> job = co_await jobs.recv()) {
    if (*job == 0) co_await slow_step();
  }
}

corio::Task<> amain(corio::Runtime* runtime) {
  auto jobs = corio::Channel<int>::bounded(4);
  std::vector<corio::JoinHandle<void>> pool;
  for (int i = 0; i < 2; ++i) {
    std::string name = "worker-" + std::to_string(i);
    pool.push_back(corio::spawn(worker(jobs), {.name = name}));
  }
  co_await jobs.send(0);
  // Let the pool take the job (a demo: real programs dump at any time).
  for (int i = 0; i < 100; ++i) co_await corio::yield_now();
  runtime->dump_tasks(std::cout);
  for (auto& h : pool) h.cancel();
}

int main() {
  corio::Runtime runtime({.workers = 2, .clock = corio::ClockKind::manual});
  runtime.block_on(amain(&runtime));
}
