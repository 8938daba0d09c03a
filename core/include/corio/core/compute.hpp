// compute(): CPU-bound work off the event loops, in a oneTBB task arena. The tutorial's
// "avoid asyncio for CPU-intensive operations" answered: the arena runs such work on its own
// threads (so the workers keep serving I/O and timers), and `f` may itself use
// tbb::parallel_for / parallel_reduce to spread over the arena.
//
//   double total = co_await corio::compute([&] {
//     return tbb::parallel_reduce(range, 0.0, sum_body, std::plus<>());
//   });
//
// Which to use: plain tasks for I/O and coordination; compute() for CPU-bound work (it may
// parallelise inside); to_thread() (blocking.hpp) for calls that block (files, legacy APIs).
#pragma once

#include <atomic>
#include <coroutine>
#include <exception>
#include <functional>
#include <memory>
#include <optional>
#include <source_location>
#include <type_traits>
#include <utility>

#include "corio/core/detail/scheduling.hpp"
#include "corio/core/error.hpp"
#include "corio/core/task.hpp"

namespace corio {

namespace detail {

/// Runs `job` in the current runtime's compute arena. Throws UsageError outside a runtime.
void submit_compute(std::function<void()> job);

template <class R>
struct ComputeJob {
  std::conditional_t<std::is_void_v<R>, bool, std::optional<R>> value{};
  std::exception_ptr error;
  Waker waker;
  std::atomic<bool> done{false};
};

}  // namespace detail

/// Awaitable of compute(f).
template <class F>
class [[nodiscard]] ComputeAwaiter {
 public:
  using R = std::invoke_result_t<F&>;

  explicit ComputeAwaiter(F f) : f_(std::move(f)) {}

  bool await_ready() const noexcept { return false; }
  bool await_suspend(std::coroutine_handle<> caller,
                     std::source_location where = std::source_location::current()) {
    task_ = &detail::require_current_task("co_await corio::compute");
    detail::note_await_site(caller, where);
    detail::throw_if_cancelled(*task_);
    job_ = std::make_shared<detail::ComputeJob<R>>();
    job_->waker = detail::begin_cancellable_wait(*task_, caller, detail::WaitKind::compute);
    // The job holds a reference on the task: after a cancellation the task may finish and
    // be released while the job still runs, and the job's (stale) wake-up must not touch
    // freed memory.
    task_->refs.fetch_add(1, std::memory_order_relaxed);
    // The job owns its state and the function: a cancelled awaiter may be gone before the
    // work ends; the work's late wake-up is then stale and ignored.
    detail::submit_compute([job = job_, f = std::move(f_)]() mutable {
      try {
        if constexpr (std::is_void_v<R>) {
          f();
        } else {
          job->value.emplace(f());
        }
      } catch (...) {
        job->error = std::current_exception();
      }
      job->done.store(true, std::memory_order_release);
      job->waker.wake();
      detail::release_ref(job->waker.task);
    });
    return true;
  }
  R await_resume() {
    if (!job_->done.load(std::memory_order_acquire)) detail::throw_cancelled(*task_);
    if (job_->error) std::rethrow_exception(job_->error);
    if constexpr (!std::is_void_v<R>) return std::move(*job_->value);
  }

 private:
  F f_;
  detail::TaskHeader* task_ = nullptr;
  std::shared_ptr<detail::ComputeJob<R>> job_;
};

/// Runs `f()` in the runtime's oneTBB task arena (RuntimeOptions::compute_threads threads)
/// and yields its result, or rethrows its exception.
/// Suspends: until f returns. Resumes on: a worker of the runtime (not a TBB thread).
/// Cancellation: the awaiter gets CancelledError at once; f runs on to its end and its result
///   is dropped (f may poll a flag of its own to stop early).
/// Errors: f's exception; UsageError outside a corio task.
template <class F>
requires std::is_invocable_v<F&> ComputeAwaiter<F> compute(F f) {
  return ComputeAwaiter<F>(std::move(f));
}

}  // namespace corio
