// ComputeArena: a lazily created tbb::task_arena (compute_arena.hpp).
#include "compute_arena.hpp"

#include <tbb/task_arena.h>
#include <tbb/task_group.h>

#include <thread>

#include "corio/core/compute.hpp"
#include "scheduler.hpp"
#include "worker.hpp"

namespace corio::detail {

struct ComputeArena::Impl {
  explicit Impl(int concurrency) : arena(concurrency) {}
  tbb::task_arena arena;
  tbb::task_group group;  // lets the destructor wait for jobs still running
};

ComputeArena::ComputeArena(unsigned threads) noexcept : threads_(threads) {}

ComputeArena::~ComputeArena() { wait(); }

void ComputeArena::wait() {
  if (impl_) impl_->arena.execute([this] { impl_->group.wait(); });
}

void ComputeArena::enqueue(std::function<void()> job) {
  std::call_once(created_, [this] {
    unsigned n = threads_ ? threads_ : std::max(1u, std::thread::hardware_concurrency());
    impl_ = std::make_unique<Impl>(static_cast<int>(n));
  });
  impl_->arena.enqueue([this, job = std::move(job)] { impl_->group.run(job); });
}

void submit_compute(std::function<void()> job) {
  Worker* worker = Worker::current();
  if (!worker) throw UsageError("corio::compute outside a corio runtime: await it from a task");
  worker->scheduler().compute_arena().enqueue(std::move(job));
}

}  // namespace corio::detail
