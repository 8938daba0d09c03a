// The tutorial's "avoid asyncio for CPU-intensive operations", answered: corio::compute runs
// CPU-bound work in a oneTBB arena (here a parallel reduction) while the event loops stay
// free, and the awaiting task gets the result back.
#include <tbb/blocked_range.h>
#include <tbb/parallel_reduce.h>

#include <corio/corio.hpp>
#include <cstdint>
#include <cstdio>
#include <functional>

corio::Task<> amain() {
  std::uint64_t sum_of_squares = co_await corio::compute([] {
    return tbb::parallel_reduce(
        tbb::blocked_range<std::uint64_t>(1, 50'000'001), std::uint64_t{0},
        [](const tbb::blocked_range<std::uint64_t>& r, std::uint64_t acc) {
          for (std::uint64_t i = r.begin(); i != r.end(); ++i) acc += i * i % 1'000'003;
          return acc;
        },
        std::plus<>());
  });
  std::printf("sum of i*i mod 1000003 for i in 1..50e6 = %llu\n",
              static_cast<unsigned long long>(sum_of_squares));
}

int main() { corio::run(amain()); }
