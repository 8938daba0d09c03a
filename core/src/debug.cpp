// Debug mode (corio/core/debug.hpp): task info, the three reports, and the monitor thread
// that finds tasks running too long without suspending and answers SIGUSR1 with a task dump.
//
// Task info (id, name, spawn site). A task spawned in debug mode records only its spawn
// site, as a 16-bit index in its header (spawn_sites.hpp), so debug mode adds no byte to a
// task. Its id is given when a report or dump first describes it. The side table here holds
// the info of those tasks and of named ones (kHasInfo), so freeing any other task costs no
// lookup.
#include "corio/core/debug.hpp"

#include <absl/container/flat_hash_map.h>
#include <absl/strings/str_cat.h>
#include <poll.h>
#include <sys/eventfd.h>
#include <unistd.h>

#include <atomic>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <mutex>
#include <sstream>
#include <string>
#include <system_error>
#include <vector>

#include "debug_monitor.hpp"
#include "scheduler.hpp"
#include "spawn_sites.hpp"
#include "worker.hpp"

namespace corio {

namespace detail {

std::atomic<int> g_debug_users{0};

namespace {

/// Task ids are handed to each thread in blocks, so that taking one needs no atomic
/// operation. They are unique; a named task takes its id at spawn, another when it is first
/// described.
constexpr std::uint64_t kTaskIdBlock = 1024;
std::atomic<std::uint64_t> g_next_id_block{1};
constinit thread_local std::uint64_t t_next_task_id = 0;
constinit thread_local std::uint64_t t_task_id_end = 0;

std::uint64_t next_task_id() noexcept {
  if (t_next_task_id == t_task_id_end) {
    t_next_task_id = g_next_id_block.fetch_add(kTaskIdBlock, std::memory_order_relaxed);
    t_task_id_end = t_next_task_id + kTaskIdBlock;
  }
  return t_next_task_id++;
}

struct TaskInfoTable {
  std::mutex mutex;
  absl::flat_hash_map<const TaskHeader*, TaskInfo> infos;
};

TaskInfoTable& table() {
  static TaskInfoTable* t = new TaskInfoTable();  // never destroyed: tasks may outlive statics
  return *t;
}

bool env_debug() {
  const char* v = std::getenv("CORIO_DEBUG");
  return v && *v && std::strcmp(v, "0") != 0;
}

// CORIO_DEBUG=1 counts as one permanent user of debug mode, from program start.
[[maybe_unused]] const bool g_env_debug_registered = [] {
  if (env_debug()) g_debug_users.fetch_add(1, std::memory_order_relaxed);
  return true;
}();

/// "task #7 'conn-42' (spawned at file.cpp:12 in fn)", or "a task" when nothing is known.
std::string describe(TaskHeader* task) {
  std::optional<TaskInfo> info = find_task_info(task);
  if (!info) return "a task";
  return absl::StrCat("task #", info->id, info->name.empty() ? "" : " '", info->name,
                      info->name.empty() ? "" : "'", " (spawned at ", info->where.file_name(), ":",
                      info->where.line(), " in ", info->where.function_name(), ")");
}

/// Sends a report to the current runtime's sink, or stderr.
void emit(const std::string& line) {
  if (Worker* worker = Worker::current()) {
    if (DebugMonitor* monitor = worker->scheduler().debug_monitor()) {
      monitor->emit(line);
      return;
    }
  }
  std::fprintf(stderr, "%s\n", line.c_str());
}

/// The rest of attach_task_info, off its usual path: a named task, or a site this thread has not
/// cached. Out of line, so that the usual path saves no register.
[[gnu::noinline]] void attach_task_info_slowly(TaskHeader* task, std::string_view name,
                                               const std::source_location& where) {
  if (name.empty()) {
    task->spawn_site = intern_spawn_site(where);
    if (task->spawn_site != 0) return;  // else the table is full: the side table keeps it
  }
  {
    std::lock_guard lock(table().mutex);
    table().infos.insert_or_assign(task, TaskInfo{next_task_id(), std::string(name), where});
  }
  task->state.fetch_or(TaskHeader::kHasInfo, std::memory_order_release);
}

}  // namespace

void attach_task_info(TaskHeader* task, std::string_view name, const std::source_location& where) {
  // The task is not scheduled yet: plain writes, published by its first queueing.
  if (name.empty()) {
    if (std::uint16_t site = cached_spawn_site(where)) {
      task->spawn_site = site;
      return;
    }
  }
  attach_task_info_slowly(task, name, where);
}

std::optional<TaskInfo> find_task_info(TaskHeader* task) {
  std::uint32_t s = task->state.load(std::memory_order_acquire);
  if (!(s & TaskHeader::kHasInfo) && task->spawn_site == 0) return std::nullopt;
  std::lock_guard lock(table().mutex);
  auto it = table().infos.find(task);
  if (it != table().infos.end()) return it->second;
  if (task->spawn_site == 0) return std::nullopt;
  // First described: the task takes its id now, and keeps it in the side table. Callers
  // keep the task alive (a pinned poll, a stopped world, a reference), so it cannot be
  // freed before kHasInfo tells release_memory to erase the entry.
  TaskInfo info{next_task_id(), std::string(), spawn_sites().at(task->spawn_site)};
  table().infos.emplace(task, info);
  task->state.fetch_or(TaskHeader::kHasInfo, std::memory_order_release);
  return info;
}

void forget_task_info(const TaskHeader* task) noexcept {
  std::lock_guard lock(table().mutex);
  table().infos.erase(task);
}

void report_unawaited_task() noexcept {
  emit(
      "corio debug: coroutine was never awaited: a Task was destroyed without being awaited "
      "or spawned (co_await it, or pass it to corio::spawn)");
}

void report_unretrieved_exception(TaskHeader* task, std::exception_ptr error) noexcept {
  std::string what = "an exception";
  try {
    std::rethrow_exception(error);
  } catch (const std::exception& e) {
    what = e.what();
  } catch (...) {
  }
  emit(absl::StrCat("corio debug: task exception was never retrieved: ", describe(task),
                    " ended with: ", what));
}

// ---- DebugMonitor ---------------------------------------------------------------------------

DebugMonitor::DebugMonitor(Scheduler& scheduler, std::chrono::milliseconds threshold,
                           std::function<void(std::string_view)> sink)
    : scheduler_(scheduler), threshold_(threshold), sink_(std::move(sink)) {
  wake_fd_ = ::eventfd(0, EFD_CLOEXEC | EFD_NONBLOCK);
  if (wake_fd_ < 0) throw std::system_error(errno, std::generic_category(), "eventfd");
  g_debug_users.fetch_add(1, std::memory_order_relaxed);
}

DebugMonitor::~DebugMonitor() {
  stop();
  ::close(wake_fd_);
  g_debug_users.fetch_sub(1, std::memory_order_relaxed);
}

void DebugMonitor::start() {
  dump_signal_ = DumpSignal::try_acquire();
  sightings_.resize(scheduler_.num_workers());  // here: the watchdog allocates nothing
  thread_ = std::thread([this] { watch(); });
}

void DebugMonitor::stop() {
  stop_.store(true, std::memory_order_release);
  std::uint64_t one = 1;
  [[maybe_unused]] ssize_t n = ::write(wake_fd_, &one, sizeof one);
  if (thread_.joinable()) thread_.join();
  dump_signal_.reset();  // after the join: no dump is running
}

void DebugMonitor::emit(const std::string& line) {
  std::lock_guard lock(emit_mutex_);
  if (sink_) {
    sink_(line);
  } else {
    std::fprintf(stderr, "%s\n", line.c_str());
  }
}

void DebugMonitor::emit_lines(std::string_view text) {
  std::lock_guard lock(emit_mutex_);
  while (!text.empty()) {
    std::size_t end = std::min(text.find('\n'), text.size());
    std::string_view line = text.substr(0, end);
    text.remove_prefix(std::min(end + 1, text.size()));
    if (sink_) {
      sink_(line);
    } else {
      std::fprintf(stderr, "%.*s\n", static_cast<int>(line.size()), line.data());
    }
  }
}

// Sleeps in poll() on the wake fd and the SIGUSR1 fd, waking every threshold / 4 to look
// for slow polls. Allocates nothing until it reports (see sightings_).
void DebugMonitor::watch() {
  const auto period = std::max(threshold_ / 4, std::chrono::milliseconds(1));
  pollfd fds[2] = {{wake_fd_, POLLIN, 0}, {dump_signal_ ? dump_signal_->fd() : -1, POLLIN, 0}};
  auto next_check = std::chrono::steady_clock::now() + period;
  while (!stop_.load(std::memory_order_acquire)) {
    auto wait =
        std::chrono::ceil<std::chrono::milliseconds>(next_check - std::chrono::steady_clock::now());
    ::poll(fds, 2, static_cast<int>(std::max<std::int64_t>(wait.count(), 0)));
    if (stop_.load(std::memory_order_acquire)) break;
    if (dump_signal_ && dump_signal_->take()) {
      std::ostringstream dump;
      scheduler_.dump_tasks(dump);
      emit_lines(dump.str());
    }
    if (std::chrono::steady_clock::now() >= next_check) {
      report_slow_polls();
      next_check = std::chrono::steady_clock::now() + period;
    }
  }
}

// A poll is timed from the first check that saw it (workers read no clock): it is reported
// once it has been seen for the threshold, between 1 and 1.25 thresholds after it started.
void DebugMonitor::report_slow_polls() {
  auto now = std::chrono::steady_clock::now();
  for (unsigned i = 0; i < scheduler_.num_workers(); ++i) {
    Worker& worker = scheduler_.worker(i);
    auto [task, poll] = worker.current_poll();
    PollSighting& seen = sightings_[i];
    if (task != seen.task || poll != seen.poll) {
      seen = PollSighting{task, poll, now, false};
      continue;
    }
    auto ran = now - seen.first_seen;
    if (!task || seen.reported || ran < threshold_) continue;
    // `task` may have finished since current_poll(): it is read only if it is still polled.
    std::string who;
    if (!worker.read_polled_task(task, [&] { who = describe(task); })) continue;
    seen.reported = true;
    emit(absl::StrCat(
        "corio debug: ", who, " has run for at least ",
        std::chrono::duration_cast<std::chrono::milliseconds>(ran).count(), " ms on worker ", i,
        " without suspending (slow_task_threshold ", threshold_.count(),
        " ms): move blocking or CPU-bound work to corio::to_thread or corio::compute"));
  }
}

}  // namespace detail

std::string current_task_name() {
  detail::TaskHeader* task = detail::current_task();
  if (!task) return {};
  // Only a task in the side table can have a name (find_task_info would give this one an id).
  if (!(task->state.load(std::memory_order_acquire) & detail::TaskHeader::kHasInfo)) return {};
  std::optional<detail::TaskInfo> info = detail::find_task_info(task);
  return info ? std::move(info->name) : std::string();
}

}  // namespace corio
