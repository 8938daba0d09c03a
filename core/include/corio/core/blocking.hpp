// Offloading blocking calls: to_thread (asyncio.to_thread) and spawn_blocking (Tokio).
//
//   std::string text = co_await corio::to_thread(read_whole_file, path);
//   corio::JoinHandle<int> h = corio::spawn_blocking([] { return expensive_syscall(); });
//
// The calls run on the runtime's blocking pool: an elastic set of threads, started on
// demand up to RuntimeOptions::max_blocking_threads and retired after 10 s idle, separate
// from the workers so a blocking call never stalls a worker's tasks. Jobs beyond the limit
// wait in FIFO order for a free thread. File I/O and DNS (corio/io) use the same pool.
#pragma once

#include <atomic>
#include <coroutine>
#include <cstdint>
#include <exception>
#include <functional>
#include <mutex>
#include <optional>
#include <source_location>
#include <tuple>
#include <type_traits>
#include <utility>

#include "corio/core/detail/scheduling.hpp"
#include "corio/core/join_handle.hpp"
#include "corio/core/result.hpp"
#include "corio/core/spawn.hpp"
#include "corio/core/task.hpp"

namespace corio {

namespace detail {

/// A call handed to the blocking pool. Shared (reference-counted) by the awaiting task and
/// the pool thread, so a cancelled awaiter can leave while the call runs on; its result is
/// then dropped with the last reference.
struct BlockingJob {
  using RunFn = void (*)(BlockingJob*) noexcept;
  BlockingJob(RunFn run_fn, RunFn destroy_fn) noexcept : run(run_fn), destroy(destroy_fn) {}
  /// Runs the call and stores its outcome. Pool thread.
  void (*run)(BlockingJob* self) noexcept;
  /// Destroys the job (the last reference).
  void (*destroy)(BlockingJob* self) noexcept;
  std::atomic<std::uint32_t> refs{1};
  BlockingJob* next = nullptr;  ///< the pool's queue link
  std::mutex mutex;             ///< guards the three fields below
  Waker waker;                  ///< the awaiting task's wait
  bool waiting = false;         ///< a task waits and may be woken through `waker`
  bool done = false;            ///< the outcome is stored
};

/// Queues `job` on the current runtime's blocking pool (taking a reference for the pool).
/// Errors: UsageError outside a runtime worker; std::system_error when no thread can be
/// started and none is running.
void submit_blocking(BlockingJob* job);
/// Drops one reference.
void release_blocking_job(BlockingJob* job) noexcept;

template <class F, class... Args>
struct BlockingCall final : BlockingJob {
  using R = std::remove_cvref_t<std::invoke_result_t<F&&, Args&&...>>;

  template <class G, class... A>
  explicit BlockingCall(G&& g, A&&... a)
      : BlockingJob(&BlockingCall::run_call, &BlockingCall::destroy_call),
        call(std::forward<G>(g), std::forward<A>(a)...) {}

  static void run_call(BlockingJob* self) noexcept {
    auto* job = static_cast<BlockingCall*>(self);
    try {
      if constexpr (std::is_void_v<R>) {
        std::apply(invoke_all, std::move(job->call));
        job->outcome.emplace(Result<void>::from_value());
      } else {
        job->outcome.emplace(Result<R>::from_value(std::apply(invoke_all, std::move(job->call))));
      }
    } catch (...) {
      job->outcome.emplace(Result<R>::from_exception(std::current_exception()));
    }
  }
  static constexpr auto invoke_all = [](auto&&... a) -> decltype(auto) {
    return std::invoke(std::forward<decltype(a)>(a)...);
  };
  static void destroy_call(BlockingJob* self) noexcept { delete static_cast<BlockingCall*>(self); }

  std::tuple<F, Args...> call;
  std::optional<Result<R>> outcome;
};

/// Awaitable of to_thread: submits the job when awaited, waits for its outcome.
template <class Job>
class [[nodiscard]] ToThreadAwaiter {
 public:
  using R = typename Job::R;
  explicit ToThreadAwaiter(Job* job) noexcept : job_(job) {}
  ToThreadAwaiter(ToThreadAwaiter&& other) noexcept : job_(std::exchange(other.job_, nullptr)) {}
  ToThreadAwaiter& operator=(ToThreadAwaiter&&) = delete;
  ~ToThreadAwaiter() {
    if (!job_) return;
    {
      // A frame destroyed while waiting (runtime shutdown): the pool thread must not wake it.
      std::lock_guard lock(job_->mutex);
      job_->waiting = false;
    }
    release_blocking_job(job_);
  }

  bool await_ready() const noexcept { return false; }

  bool await_suspend(std::coroutine_handle<> caller,

                     std::source_location where = std::source_location::current()) {
    task_ = &require_current_task("co_await corio::to_thread");
    detail::note_await_site(caller, where);
    throw_if_cancelled(*task_);
    std::uint32_t prior = 0;
    Waker waker;
    {
      std::lock_guard lock(job_->mutex);
      waker = job_->waker = task_->begin_wait(caller, detail::WaitKind::blocking, nullptr, &prior);
      job_->waiting = true;
    }
    if (prior & TaskHeader::kCancelled) {
      // Cancelled between the check above and begin_wait: nobody will claim this wait.
      return give_up(waker, nullptr);
    }
    try {
      submit_blocking(job_);
    } catch (...) {
      return give_up(waker, std::current_exception());
    }
    return true;
  }

  R await_resume() {
    bool done;
    {
      std::lock_guard lock(job_->mutex);
      job_->waiting = false;
      done = job_->done;
    }
    if (!done) throw_cancelled(*task_);  // woken by cancellation; the call runs on
    // Take the outcome out of the shared job: the pool thread may drop the job's last
    // reference, and it must not be the one to free an exception this task still uses.
    Result<R> outcome = std::move(*job_->outcome);
    job_->outcome.reset();
    return std::move(outcome).value();
  }

 private:
  bool give_up(Waker waker, std::exception_ptr error) {
    {
      std::lock_guard lock(job_->mutex);
      job_->waiting = false;
    }
    if (!task_->abandon_wait(waker.epoch)) return true;  // a canceller claimed it: resume
    if (error) std::rethrow_exception(error);
    throw_cancelled(*task_);
  }

  Job* job_;
  TaskHeader* task_ = nullptr;
};

template <class F>
Task<typename BlockingCall<F>::R> run_blocking(F f) {
  co_return co_await ToThreadAwaiter<BlockingCall<F>>(new BlockingCall<F>(std::move(f)));
}

}  // namespace detail

/// Runs `f(args...)` on the runtime's blocking pool and returns its result (asyncio's
/// to_thread). `f` and `args` are moved (decayed copies) into the job.
///
/// Suspends: until the call returns. Resumes on: a worker of the runtime (the pool thread
///   wakes the task; whichever worker picks it up runs it).
/// Cancellation: throws CancelledError at once; the call itself cannot be interrupted, so
///   it finishes on its thread and its result (or exception) is dropped.
/// Errors: the call's exception is rethrown here; UsageError outside a corio task;
///   std::system_error if no pool thread can be started.
template <class F, class... Args>
auto to_thread(F&& f, Args&&... args) {
  using Job = detail::BlockingCall<std::decay_t<F>, std::decay_t<Args>...>;
  return detail::ToThreadAwaiter<Job>(new Job(std::forward<F>(f), std::forward<Args>(args)...));
}

/// Runs `f()` on the blocking pool as a task of its own (Tokio's spawn_blocking) and
/// returns its handle. Cancelling the handle abandons the call (it finishes on its thread);
/// awaiting it yields the result. Errors: UsageError outside a runtime worker's task.
template <class F>
auto spawn_blocking(F&& f) {
  return spawn(detail::run_blocking(std::decay_t<F>(std::forward<F>(f))));
}

}  // namespace corio
