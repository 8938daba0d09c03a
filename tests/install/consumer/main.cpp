// Builds against the installed headers and library; exits 0 only with the right answer.
#include <corio/corio.hpp>
#include <cstdio>

corio::Task<int> square(int x) { co_return x* x; }

corio::Task<int> amain() {
  auto [a, b] = co_await corio::gather(square(3), square(4));
  co_return a + b;
}

int main() {
  int result = corio::run(amain(), {.workers = 2});
  std::printf("install test: consumer built against the installed corio computed %d\n", result);
  return result == 25 ? 0 : 1;
}
