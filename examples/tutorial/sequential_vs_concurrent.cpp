// asyncio tutorial, "Sequential vs Concurrent Comparison": the same two 2 s tasks awaited
// one after the other (4 s) and gathered (2 s). Prints how long each took.
#include <chrono>
#include <corio/corio.hpp>
#include <cstdio>
#include <string>

using namespace std::chrono_literals;

corio::Task<> slow_task(std::string name, std::chrono::seconds delay) {
  co_await corio::sleep_for(delay);
  std::printf("%s done\n", name.c_str());
}

double seconds_since(corio::Clock::time_point start) {
  return std::chrono::duration<double>(corio::now() - start).count();
}

corio::Task<> sequential() {
  auto start = corio::now();
  co_await slow_task("Task1", 2s);
  co_await slow_task("Task2", 2s);
  std::printf("sequential: %.1f s\n", seconds_since(start));
}

corio::Task<> concurrent() {
  auto start = corio::now();
  co_await corio::gather(slow_task("Task1", 2s), slow_task("Task2", 2s));
  std::printf("concurrent: %.1f s\n", seconds_since(start));
}

int main() {
  corio::run(sequential());
  corio::run(concurrent());  // run() may be called again: no "event loop is closed"
}
