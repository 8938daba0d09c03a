// A task's life as the templates see it: spawn, wake, yield, finish, release (the entry
// points declared in corio/core/detail/scheduling.hpp), and blocking on one from a thread.
#include <condition_variable>
#include <coroutine>
#include <mutex>

#include "corio/core/detail/frame_memory.hpp"
#include "corio/core/detail/scheduling.hpp"
#include "corio/core/error.hpp"
#include "corio/core/runtime.hpp"
#include "corio/core/yield_now.hpp"
#include "scheduler.hpp"
#include "task_registry.hpp"
#include "worker.hpp"

namespace corio::detail {

TaskHeader& require_current_task(const char* what) {
  TaskHeader* task = current_task();
  if (!task) {
    throw UsageError(std::string(what) +
                     " outside a corio task: await it from a coroutine run by a corio "
                     "runtime (corio::run, Runtime::block_on or spawn)");
  }
  return *task;
}

TaskHeader* spawn_root(std::coroutine_handle<> root, Scheduler* scheduler) {
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
  task->refs.store(2, std::memory_order_relaxed);  // the runtime's and the JoinHandle's
  task->resume_address = root.address();
  task->state.store(TaskHeader::kNotified, std::memory_order_relaxed);
  scheduler->spawn(task);
  return task;
}

void schedule(TaskHeader* task) noexcept {
  if (Worker* worker = Worker::current();
      worker && worker->registry().scheduler().current_worker() == worker &&
      task->registry && &task->registry->scheduler() == &worker->scheduler()) {
    worker->schedule_local(task, /*is_yield=*/false);
    return;
  }
  if (task->registry) task->registry->scheduler().schedule(task);
}

void yield_current_task(std::coroutine_handle<> resume_at) {
  TaskHeader& task = require_current_task("co_await corio::yield_now()");
  task.resume_address = resume_at.address();
  Worker::current()->request_yield();
}

void finish_root(TaskHeader* task) noexcept {
  task->notify_join();
  Worker::current()->mark_completed();
}

void release_ref(TaskHeader* task) noexcept {
  if (task->refs.fetch_sub(1, std::memory_order_acq_rel) != 1) return;
  if (task->state.load(std::memory_order_acquire) & TaskHeader::kFrameGone) {
    release_memory(task);
  } else if (task->registry) {
    task->registry->release(task);
  } else {
    destroy_frame(task);  // orphaned by a runtime shutdown after it finished
  }
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
  if (!task->add_join_waiter(&completion)) return;
  std::unique_lock lock(completion.mutex);
  completion.cv.wait(lock, [&] { return completion.done; });
}

}  // namespace corio::detail
