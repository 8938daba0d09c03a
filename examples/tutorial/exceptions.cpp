// asyncio tutorial, "Exception Handling in Coroutines": an exception thrown in a coroutine
// is rethrown where it is awaited.
#include <corio/corio.hpp>
#include <cstdio>
#include <stdexcept>

corio::Task<> risky_task() {
  throw std::invalid_argument("Something went wrong");
  co_return;
}

corio::Task<> amain() {
  try {
    co_await risky_task();
  } catch (const std::exception& e) {
    std::printf("Caught an error: %s\n", e.what());
  }
}

int main() { corio::run(amain()); }
