// B2 chained_spawn (bench-spec.md): task k spawns task k+1 (detached) and returns; task N
// signals a one-shot completion. The root that awaits it is the thread driving the runtime,
// blocked on an atomic (one wake-up for the whole chain).
#include <atomic>
#include <common/harness.hpp>
#include <corio/corio.hpp>
#include <cstdint>

namespace {

struct Chain {
  std::uint64_t n;
  std::atomic<std::uint64_t> last{0};
};

corio::Task<> link(Chain* chain, std::uint64_t k) {
  if (k < chain->n) {
    corio::spawn(link(chain, k + 1)).detach();
  } else {
    chain->last.store(k, std::memory_order_release);
    chain->last.notify_one();
  }
  co_return;
}

}  // namespace

int main(int argc, char** argv) {
  corio::bench::Args args = corio::bench::parse_args(argc, argv);
  std::uint64_t n = args.n ? args.n : 1'000'000;
  corio::bench::run(args,
                    {"chained_spawn", "corio", "ns_per_task", corio::bench::Metric::ns_per_item, n},
                    [n](unsigned workers) {
                      corio::Runtime rt({.workers = workers});
                      Chain chain{n};
                      corio::bench::Stopwatch watch;
                      rt.spawn(link(&chain, 1)).detach();
                      chain.last.wait(0, std::memory_order_acquire);
                      double ms = watch.elapsed_ms();
                      corio::bench::check(chain.last.load() == n, "chained_spawn",
                                          "the chain did not reach task N");
                      return ms;
                    });
}
