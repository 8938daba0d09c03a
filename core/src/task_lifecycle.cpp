// A task's life as the templates see it: spawn, wake, yield, finish, release (the entry
// points declared in corio/core/detail/scheduling.hpp), and blocking on one from a thread.
#include <absl/strings/str_cat.h>

#include <condition_variable>
#include <coroutine>
#include <mutex>
#include <thread>

#include "corio/core/detail/frame_memory.hpp"
#include "corio/core/detail/scheduling.hpp"
#include "corio/core/error.hpp"
#include "corio/core/runtime.hpp"
#include "corio/core/yield_now.hpp"
#include "scheduler.hpp"
#include "task_registry.hpp"
#include "worker.hpp"

namespace corio {

ExceptionGroup::ExceptionGroup(std::vector<std::exception_ptr> exceptions)
    : Error([&] {
        std::string message = std::to_string(exceptions.size()) + " task(s) of a TaskGroup failed";
        try {
          if (!exceptions.empty()) std::rethrow_exception(exceptions.front());
        } catch (const std::exception& e) {
          message += "; the first: ";
          message += e.what();
        } catch (...) {
        }
        return message;
      }()),
      exceptions_(std::move(exceptions)) {}

}  // namespace corio

namespace corio::detail {

void throw_outside_task(const char* what) {
  throw UsageError(std::string(what) +
                   " outside a corio task: await it from a coroutine run by a corio "
                   "runtime (corio::run, Runtime::block_on or spawn)");
}

TaskHeader* spawn_root(std::coroutine_handle<> root, Scheduler* scheduler,
                       std::optional<unsigned> pin, SpawnOrder order) {
  if (!scheduler) {
    Worker* worker = Worker::current();
    if (!worker) {
      throw UsageError(
          "corio::spawn called with no current runtime (not from a corio task): use "
          "Runtime::spawn(task), Runtime::block_on(task) or corio::run(task)");
    }
    scheduler = &worker->scheduler();
  }
  if (scheduler->is_shutdown()) {
    throw UsageError("spawn on a corio runtime that is shutting down");
  }
  TaskHeader* task = header_of(root.address());
  // The header slot that holds its awaiter is about to hold its registry (task_header.hpp).
  if (task->continuation()) {
    throw UsageError("corio::spawn of a Task that is already being awaited");
  }
  if (pin) {
    if (*pin >= scheduler->num_workers()) {
      throw UsageError(absl::StrCat("SpawnOptions::pin_to_worker = ", *pin,
                                    ", but the runtime has ", scheduler->num_workers(),
                                    " worker(s): use an index from 0 to ",
                                    scheduler->num_workers() - 1));
    }
    task->pin_to(*pin);
  }
  task->refs.store(2, std::memory_order_relaxed);  // the runtime's and the JoinHandle's
  task->resume_address = root.address();
  // Queued; whether its debug info is in the side table (kHasInfo) is kept.
  task->state.store(
      TaskHeader::kNotified | (task->state.load(std::memory_order_relaxed) & TaskHeader::kHasInfo),
      std::memory_order_relaxed);
  try {
    scheduler->spawn(task, order);
  } catch (...) {  // the registry could not grow: the frame goes back to its Task
    task->refs.store(0, std::memory_order_relaxed);
    throw;
  }
  return task;
}

std::optional<unsigned> current_worker_index() noexcept {
  if (Worker* worker = Worker::current()) return worker->index();
  return std::nullopt;
}

unsigned current_worker_count() {
  Worker* worker = Worker::current();
  if (!worker) {
    throw UsageError(
        "corio::worker_count() outside a corio runtime: call it from a task, or use "
        "Runtime::workers()");
  }
  return worker->scheduler().num_workers();
}

void schedule(TaskHeader* task) noexcept {
  TaskRegistry* registry = task->registry();
  if (!registry) return;  // orphaned by a runtime shutdown
  if (Worker* worker = Worker::current();
      worker && &worker->scheduler() == &registry->scheduler()) {
    worker->schedule_local(task, /*at_back=*/false);
    return;
  }
  registry->scheduler().schedule(task);
}

void yield_current_task(std::coroutine_handle<> resume_at) {
  TaskHeader& task = require_current_task("co_await corio::yield_now()");
  throw_if_cancelled(task);
  task.resume_address = resume_at.address();
  Worker::current()->request_yield();
}

void yield_for_budget(std::coroutine_handle<> resume_at) {
  TaskHeader& task = require_current_task("corio's cooperative budget");
  task.resume_address = resume_at.address();
  Worker::current()->request_yield();
  Worker::current()->count_budget_yield();
}

void resume_after_yield() {
  if (TaskHeader* task = current_task()) throw_if_cancelled(*task);
}

void finish_root(TaskHeader* task) noexcept {
  Worker::current()->mark_completed();
  task->notify_join();
}

void release_ref(TaskHeader* task) noexcept {
  // Holding the last reference (a handle dropped after its task finished, the usual case),
  // the caller needs no read-modify-write: nobody else can reach the task to add one, since
  // every holder of a reference (a canceller, a TaskGroup, a compute job) got it while the
  // task was unfinished, that is, while the runtime's reference was still there. refs must
  // still reach 0: on_frame_destroyed frees the memory only then.
  if (task->refs.load(std::memory_order_acquire) == 1) {
    task->refs.store(0, std::memory_order_relaxed);
  } else if (task->refs.fetch_sub(1, std::memory_order_acq_rel) != 1) {
    return;
  }
  if (task->state.load(std::memory_order_acquire) & TaskHeader::kFrameGone) {
    release_memory(task);
  } else if (task->registry()) {
    task->registry()->release(task);
  } else {
    destroy_frame(task);  // orphaned by a runtime shutdown after it finished
  }
}

// ---- Cancellation (protocol in scheduling.hpp) ------------------------------------------

bool request_cancel(TaskHeader* task) noexcept {
  std::uint32_t s = task->state.load(std::memory_order_acquire);
  for (;;) {
    // Finished: the join slot is published in the final suspension, kComplete only when
    // the worker's poll ends; either means there is nothing left to cancel.
    if ((s & TaskHeader::kComplete) || task->join_complete()) return false;
    if (s & TaskHeader::kCancelling) {  // another canceller is at work: let it finish
      s = task->state.load(std::memory_order_acquire);
      continue;
    }
    std::uint32_t next =
        s | TaskHeader::kCancelled | ((s & TaskHeader::kWaiting) ? TaskHeader::kCancelling : 0);
    if (task->state.compare_exchange_weak(s, next, std::memory_order_acq_rel,
                                          std::memory_order_acquire)) {
      break;
    }
  }
  if (!(s & TaskHeader::kWaiting)) return true;  // running or queued: next suspension point
  std::uint32_t epoch = TaskHeader::epoch_of(s);
  if (CancelHook* hook = task->cancel_hook) {
    hook->on_cancel(hook, task, epoch);
  } else {
    cancel_wait_default(task, epoch);
  }
  // Release: the task may resume (and its awaitable go away) from here on.
  task->state.fetch_and(~TaskHeader::kCancelling, std::memory_order_release);
  return true;
}

void cancel_wait_default(TaskHeader* task, std::uint32_t epoch) noexcept {
  if (task->try_claim(epoch) == Claim::schedule) schedule(task);
}

void throw_cancelled(TaskHeader& task) {
  task.state.fetch_and(~TaskHeader::kCancelled, std::memory_order_acq_rel);
  throw CancelledError();
}

namespace {
/// A thread waiting for a task: notified under its mutex, so the waiter cannot return (and
/// destroy this object) before notify() is done with it.
struct BlockingCompletion : Completion {
  BlockingCompletion() : Completion{&BlockingCompletion::on_finished} {}
  static void on_finished(Completion* self) noexcept {
    auto* c = static_cast<BlockingCompletion*>(self);
    std::lock_guard lock(c->mutex);
    c->done = true;
    c->cv.notify_one();
  }
  std::mutex mutex;
  std::condition_variable cv;
  bool done = false;
};
}  // namespace

void wait_blocking(TaskHeader* task) {
  BlockingCompletion completion;
  if (task->add_join_waiter(&completion)) {
    std::unique_lock lock(completion.mutex);
    completion.cv.wait(lock, [&] { return completion.done; });
  }
  // The result is published a moment before the worker lets go of the frame. Wait for that
  // too, so the frame is destroyed here, by the caller, when its handle goes: whatever its
  // destructors touch (handles of another runtime's tasks, say) is then released before
  // block_on returns, not on a worker racing with the caller's next steps.
  while (task->refs.load(std::memory_order_acquire) > 1) std::this_thread::yield();
}

}  // namespace corio::detail

namespace corio::detail {
bool on_runtime_worker() noexcept { return Worker::current() != nullptr; }
}  // namespace corio::detail
