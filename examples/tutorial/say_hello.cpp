// asyncio tutorial, "Setup Example: Coroutine + Event Loop", on corio.
//
//   async def say_hello():                        corio::Task<> say_hello()
//       print("Hello...")                         corio::run(say_hello());
//       await asyncio.sleep(1)
//       print("...world!")
//   asyncio.run(say_hello())
#include <corio/corio.hpp>
#include <cstdio>

using namespace std::chrono_literals;

corio::Task<> say_hello() {
  std::puts("Hello...");
  co_await corio::sleep_for(1s);
  std::puts("...world!");
}

int main() { corio::run(say_hello()); }
