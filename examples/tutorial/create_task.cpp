// asyncio tutorial, "Creating Tasks with create_task()": spawn starts both tasks at once;
// awaiting their handles collects them.
#include <chrono>
#include <corio/corio.hpp>
#include <cstdio>
#include <string>

using namespace std::chrono_literals;

corio::Task<> task(std::string name, std::chrono::seconds delay) {
  std::printf("Start %s\n", name.c_str());
  co_await corio::sleep_for(delay);
  std::printf("End %s\n", name.c_str());
}

corio::Task<> amain() {
  corio::JoinHandle<void> t1 = corio::spawn(task("task1", 2s));  // asyncio.create_task
  corio::JoinHandle<void> t2 = corio::spawn(task("task2", 1s));
  std::puts("Waiting for tasks...");
  co_await t1;
  co_await t2;
}

int main() { corio::run(amain()); }
