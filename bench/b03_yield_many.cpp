// B3 yield_many (bench-spec.md): T = 1,000 tasks each yield 1,000 times; await all.
#include <common/harness.hpp>
#include <corio/corio.hpp>
#include <cstdint>
#include <vector>

namespace {

corio::Task<std::uint64_t> yielder(std::uint64_t yields) {
  for (std::uint64_t i = 0; i < yields; ++i) co_await corio::yield_now();
  co_return yields;
}

corio::Task<double> yield_many(std::uint64_t tasks, std::uint64_t yields) {
  corio::bench::Stopwatch watch;
  std::vector<corio::Task<std::uint64_t>> all;
  all.reserve(tasks);
  for (std::uint64_t t = 0; t < tasks; ++t) all.push_back(yielder(yields));
  std::uint64_t total = 0;
  for (std::uint64_t y : co_await corio::gather(std::move(all))) total += y;
  double ms = watch.elapsed_ms();
  corio::bench::check(total == tasks * yields, "yield_many", "wrong number of yields");
  co_return ms;
}

}  // namespace

int main(int argc, char** argv) {
  corio::bench::Args args = corio::bench::parse_args(argc, argv);
  constexpr std::uint64_t tasks = 1000;
  std::uint64_t yields = args.n ? std::max<std::uint64_t>(1, args.n / tasks) : 1000;
  corio::bench::run(
      args,
      {"yield_many", "corio", "ns_per_yield", corio::bench::Metric::ns_per_item, tasks * yields},
      [yields](unsigned workers) {
        corio::Runtime rt({.workers = workers});
        return rt.block_on(yield_many(tasks, yields));
      });
}
