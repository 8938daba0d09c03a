// IoReadiness: readiness bits, waiter slots, and the record's lifetime (io_readiness.hpp).
#include "corio/core/detail/io_readiness.hpp"

#include <absl/strings/str_cat.h>
#include <sys/epoll.h>

#include <cerrno>
#include <system_error>

#include "corio/core/error.hpp"
#include "worker.hpp"

namespace corio::detail {

IoReadiness* IoReadiness::create(int fd) {
  Worker* worker = Worker::current();
  if (!worker) {
    throw UsageError(
        "corio I/O objects are created inside a corio runtime (from a task): their file "
        "descriptor joins the current worker's reactor");
  }
  return worker->register_io(fd);
}

void IoReadiness::set_bits(std::uint32_t bits) noexcept {
  // Readiness bits or-ed in, tick advanced by one: a single atomic add of a precomputed
  // delta is not possible (bits may already be set), so loop.
  std::uint32_t s = state_.load(std::memory_order_relaxed);
  while (!state_.compare_exchange_weak(s, ((s | bits) & 0xff) | (((s >> 8) + 1) << 8),
                                       std::memory_order_acq_rel, std::memory_order_relaxed)) {
  }
}

void IoReadiness::clear(std::uint32_t direction, std::uint32_t tick) noexcept {
  std::uint32_t s = state_.load(std::memory_order_relaxed);
  while ((s >> 8) == tick && (s & direction)) {
    if (state_.compare_exchange_weak(s, s & ~direction, std::memory_order_acq_rel,
                                     std::memory_order_relaxed)) {
      return;
    }
  }
}

void IoReadiness::on_events(std::uint32_t epoll_events) noexcept {
  std::uint32_t bits = 0;
  if (epoll_events & (EPOLLIN | EPOLLRDHUP | EPOLLPRI)) bits |= kRead;
  if (epoll_events & EPOLLRDHUP) bits |= kReadClosed;
  if (epoll_events & EPOLLOUT) bits |= kWrite;
  if (epoll_events & (EPOLLERR | EPOLLHUP)) bits |= kError | kRead | kWrite;
  set_bits(bits);
  TaskHeader* wake[2] = {nullptr, nullptr};
  {
    std::lock_guard lock(mutex_);
    if (reader_waiting_ && (bits & kRead)) {
      reader_waiting_ = false;
      if (reader_.task->try_claim(reader_.epoch) == Claim::schedule) wake[0] = reader_.task;
    }
    if (writer_waiting_ && (bits & kWrite)) {
      writer_waiting_ = false;
      if (writer_.task->try_claim(writer_.epoch) == Claim::schedule) wake[1] = writer_.task;
    }
  }
  for (TaskHeader* task : wake) {
    if (task) schedule(task);
  }
}

void IoReadiness::release() noexcept {
  bool reactor_gone;
  {
    std::lock_guard alive(liveness_->mutex);
    reactor_gone = !liveness_->alive;
    if (!reactor_gone) reactor_->deregister_fd(fd_);
  }
  if (reactor_gone) {  // released after its runtime: no epoll, no waiters left
    unref();
    return;
  }
  set_bits(kClosed);
  TaskHeader* wake[2] = {nullptr, nullptr};
  {
    std::lock_guard lock(mutex_);
    if (reader_waiting_) {
      reader_waiting_ = false;
      if (reader_.task->try_claim(reader_.epoch) == Claim::schedule) wake[0] = reader_.task;
    }
    if (writer_waiting_) {
      writer_waiting_ = false;
      if (writer_.task->try_claim(writer_.epoch) == Claim::schedule) wake[1] = writer_.task;
    }
  }
  for (TaskHeader* task : wake) {
    if (task) schedule(task);
  }
  unref();
}

void IoReadiness::unref() noexcept {
  if (refs_.fetch_sub(1, std::memory_order_acq_rel) != 1) return;
  std::shared_ptr<ReactorLiveness> liveness = liveness_;
  std::lock_guard alive(liveness->mutex);
  if (liveness->alive) {
    reactor_->retire(this);
  } else {
    delete this;  // the reactor is gone (released after the runtime): nobody else frees it
  }
}

bool IoReadiness::WaitAwaiter::await_suspend(std::coroutine_handle<> caller,
                                             std::source_location where) {
  self_ = &require_current_task("co_await IoReadiness::wait");
  note_await_site(caller, where);
  throw_if_cancelled(*self_);
  if (io_.readiness() & (direction_ | kError | kClosed)) {  // ready, but out of budget
    yield_for_budget(caller);
    return true;
  }
  std::lock_guard lock(io_.mutex_);
  if (io_.readiness() & (direction_ | kError | kClosed)) return false;
  if (waiting()) {
    throw UsageError(
        absl::StrCat("two tasks wait to ", direction_ == kRead ? "read" : "write",
                     " the same corio stream at once: one task reads and one task writes a "
                     "stream"));
  }
  io_.refs_.fetch_add(1, std::memory_order_relaxed);
  holds_ref_ = true;
  (direction_ == kRead ? io_.reader_ : io_.writer_) = begin_cancellable_wait(
      *self_, caller, direction_ == kRead ? WaitKind::io_read : WaitKind::io_write);
  waiting() = true;
  return true;
}

void IoReadiness::WaitAwaiter::await_resume() {
  bool cancelled = false;
  if (holds_ref_) {
    {
      std::lock_guard lock(io_.mutex_);
      cancelled = waiting();  // still registered: woken by cancellation, not by an event
      waiting() = false;
    }
    holds_ref_ = false;
    io_.unref();
  }
  if (cancelled) throw_cancelled(*self_);
}

IoReadiness::WaitAwaiter::~WaitAwaiter() {
  if (!holds_ref_) return;
  {
    std::lock_guard lock(io_.mutex_);
    waiting() = false;
  }
  io_.unref();
}

}  // namespace corio::detail
