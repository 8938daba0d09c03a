// asyncio tutorial, "Running Multiple Coroutines Concurrently": three tasks with different
// delays gathered; they finish in delay order, and the whole takes 3 s, not 6.
#include <chrono>
#include <corio/corio.hpp>
#include <cstdio>
#include <string>

using namespace std::chrono_literals;

corio::Task<> task(std::string name, std::chrono::seconds delay) {
  std::printf("Starting %s\n", name.c_str());
  co_await corio::sleep_for(delay);
  std::printf("Finished %s after %lld seconds\n", name.c_str(),
              static_cast<long long>(delay.count()));
}

corio::Task<> amain() { co_await corio::gather(task("A", 2s), task("B", 1s), task("C", 3s)); }

int main() { corio::run(amain()); }
