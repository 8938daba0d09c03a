// Runtime::dump_tasks: every live task with its state, what it waits for and its async
// backtrace, read at a stop of the world (stop_the_world.hpp).
//
// The backtrace of a suspended task starts at its header's resume_address, the innermost
// suspended coroutine, and follows each nested frame's awaiter (its header's continuation())
// up to the task's root, whose header holds its registry in that slot instead. Each frame's
// await_site_ is the co_await it is suspended at.
// Everything read here is written only by workers during polls (or, for the shared
// registry's list, under its lock), so with every worker at a safe point none of it moves.
// A task in a poll is not walked: only the stopper's own task (or a worker waiting in its
// own dump_tasks for its turn) can be, and its innermost frames are executing.
#include <absl/strings/str_cat.h>
#include <absl/strings/str_format.h>

#include <coroutine>
#include <cstdint>
#include <optional>
#include <ostream>
#include <source_location>
#include <string>
#include <string_view>

#include "corio/core/runtime.hpp"
#include "corio/core/task.hpp"
#include "debug_monitor.hpp"
#include "scheduler.hpp"
#include "worker.hpp"

namespace corio {

namespace detail {

const char* wait_kind_name(WaitKind kind) noexcept {
  switch (kind) {
    case WaitKind::other:
      return "other";
    case WaitKind::sleep:
      return "sleep";
    case WaitKind::join:
      return "join";
    case WaitKind::gather:
      return "gather";
    case WaitKind::select:
      return "select";
    case WaitKind::as_completed:
      return "as_completed";
    case WaitKind::task_group:
      return "task group";
    case WaitKind::blocking:
      return "blocking call";
    case WaitKind::compute:
      return "compute";
    case WaitKind::io_read:
      return "socket read";
    case WaitKind::io_write:
      return "socket write";
    case WaitKind::channel_send:
      return "channel send";
    case WaitKind::channel_recv:
      return "channel recv";
    case WaitKind::queue_put:
      return "queue put";
    case WaitKind::queue_get:
      return "queue get";
    case WaitKind::queue_join:
      return "queue join";
    case WaitKind::mutex_lock:
      return "mutex lock";
    case WaitKind::semaphore_acquire:
      return "semaphore acquire";
    case WaitKind::event_wait:
      return "event wait";
    case WaitKind::condition_wait:
      return "condition wait";
    case WaitKind::barrier_wait:
      return "barrier wait";
    case WaitKind::latch_wait:
      return "latch wait";
    case WaitKind::watch_changed:
      return "watch changed";
    case WaitKind::broadcast_recv:
      return "broadcast recv";
    case WaitKind::oneshot_recv:
      return "oneshot recv";
  }
  return "other";
}

namespace {

/// Deeper chains are cut (a recursion a million awaits deep would print a million lines).
constexpr int kMaxFrames = 64;

/// The coroutine's qualified name from a source_location's function_name(). GCC names the
/// coroutine's body either as declared ("corio::Task<int> ns::f(int)") or as its actor
/// ("void ns::f(ns::f(int)::_ZN2ns1fEi.Frame*)"); both become "ns::f".
std::string coroutine_name(std::string_view function) {
  int depth = 0;
  std::size_t start = 0;
  for (std::size_t i = 0; i < function.size(); ++i) {
    char c = function[i];
    if (c == '<') ++depth;
    if (c == '>') --depth;
    if (depth == 0 && c == ' ') start = i + 1;  // after the return type
    if (depth == 0 && c == '(' && i > start) return std::string(function.substr(start, i - start));
  }
  return std::string(function);
}

const char* state_of(std::uint32_t s) {
  if (s & TaskHeader::kRunning) return "running";
  if (s & TaskHeader::kWaiting) return "waiting";
  if (s & TaskHeader::kNotified) return "scheduled";
  return "waking";  // a canceller or waker is between claiming the wait and queueing it
}

void render_task(TaskHeader* task, std::string& out) {
  std::uint32_t s = task->state.load(std::memory_order_acquire);
  std::optional<TaskInfo> info = find_task_info(task);
  if (info) {
    absl::StrAppend(&out, "task #", info->id);
    if (!info->name.empty()) absl::StrAppend(&out, " '", info->name, "'");
  } else {
    absl::StrAppend(&out, "task @", absl::Hex(reinterpret_cast<std::uintptr_t>(task)));
  }
  absl::StrAppend(&out, " ", state_of(s));
  if ((s & (TaskHeader::kWaiting | TaskHeader::kRunning)) == TaskHeader::kWaiting) {
    absl::StrAppend(&out, " on ", wait_kind_name(task->wait_kind));
  }
  if (s & TaskHeader::kCancelled) absl::StrAppend(&out, ", cancelling");
  absl::StrAppend(&out, ", worker ", task->last_worker());
  if (info) {
    absl::StrAppend(&out, ", spawned at ", info->where.file_name(), ":", info->where.line());
  }
  out += '\n';
  if (s & TaskHeader::kRunning) {
    out += "  (in a poll: no backtrace)\n";
    return;
  }
  int depth = 0;
  for (void* frame = task->resume_address;; ++depth) {
    auto& promise = std::coroutine_handle<PromiseBase>::from_address(frame).promise();
    if (depth == kMaxFrames) {
      out += "  ... (more frames)\n";
      break;
    }
    const std::source_location& site = promise.await_site_;
    if (site.line() == 0) {
      out += "  (not started)\n";  // the root before its first poll
    } else {
      absl::StrAppend(&out, "  at ", coroutine_name(site.function_name()), " (", site.file_name(),
                      ":", site.line(), ")\n");
    }
    if (header_of(frame) == task) break;  // the root: that header slot holds its registry
    frame = header_of(frame)->continuation().address();
  }
}

}  // namespace

void Scheduler::dump_tasks(std::ostream& out) {
  std::string text;
  std::size_t count = 0;
  {
    StoppedWorld stopped(stop_the_world_, current_worker() != nullptr, [this] {
      for (auto& worker : workers_) worker->parker().unpark();
    });
    auto visit = [&](TaskHeader* task) {
      // Finished tasks wait only for their handles; their header's resume_address is reused
      // as a list link once released (task_header.hpp), so they are not read.
      if (task->state.load(std::memory_order_acquire) & TaskHeader::kComplete) return;
      ++count;
      render_task(task, text);
    };
    for (auto& worker : workers_) worker->registry().for_each(visit);
    outside_registry_.for_each(visit);
  }
  // Written after the workers are released: a slow stream must not hold them.
  out << "corio task dump: " << count << " live tasks, " << num_workers() << " workers\n"
      << text << "end of task dump\n";
}

}  // namespace detail

void Runtime::dump_tasks(std::ostream& out) const { scheduler_->dump_tasks(out); }

}  // namespace corio
