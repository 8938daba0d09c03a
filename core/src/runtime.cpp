// Runtime: the public face of a Scheduler.
#include "corio/core/runtime.hpp"

#include "scheduler.hpp"
#include "worker.hpp"

namespace corio {

Runtime::Runtime(RuntimeOptions options)
    : scheduler_(std::make_unique<detail::Scheduler>(options)) {}

Runtime::~Runtime() = default;

unsigned Runtime::workers() const noexcept { return scheduler_->num_workers(); }

void Runtime::check_blocking_allowed() const {
  if (detail::Worker::current() != nullptr) {
    throw UsageError(
        "Runtime::block_on (or corio::run) called on a corio worker thread: it would block "
        "the worker that must run the task; co_await the task (or spawn it) instead");
  }
}

}  // namespace corio
