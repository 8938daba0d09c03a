// IoReadiness: readiness bits, waiter slots, and the record's lifetime (io_readiness.hpp).
#include "corio/core/detail/io_readiness.hpp"

#include <absl/strings/str_cat.h>
#include <sys/epoll.h>

#include <cerrno>
#include <system_error>

#include "corio/core/detail/cpu_relax.hpp"
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
  // delta is not possible (bits may already be set), so loop. Sequentially consistent: with
  // the waiter's publication (await_suspend) it forms a Dekker pair, so either the waker
  // sees the waiter or the waiter sees the bits.
  std::uint32_t s = state_.load(std::memory_order_relaxed);
  while (!state_.compare_exchange_weak(s, ((s | bits) & 0xff) | (((s >> 8) + 1) << 8),
                                       std::memory_order_seq_cst, std::memory_order_relaxed)) {
  }
}

TaskHeader* IoReadiness::claim_waiter(WaiterSlot& slot) noexcept {
  std::uint8_t waiting = WaiterSlot::kWaiting;
  if (slot.state.load(std::memory_order_seq_cst) != waiting ||
      !slot.state.compare_exchange_strong(waiting, WaiterSlot::kClaiming,
                                          std::memory_order_acquire)) {
    return nullptr;
  }
  TaskHeader* task = slot.waker.task;
  bool won = task->try_claim(slot.waker.epoch) == Claim::schedule;
  slot.state.store(WaiterSlot::kFree, std::memory_order_release);
  return won ? task : nullptr;
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
  TaskHeader* reader = (bits & kRead) ? claim_waiter(reader_) : nullptr;
  TaskHeader* writer = (bits & kWrite) ? claim_waiter(writer_) : nullptr;
  if (reader) schedule(reader);
  if (writer) schedule(writer);
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
  TaskHeader* reader = claim_waiter(reader_);
  TaskHeader* writer = claim_waiter(writer_);
  if (reader) schedule(reader);
  if (writer) schedule(writer);
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
  const std::uint32_t wanted = direction_ | kError | kClosed;
  if (io_.readiness() & wanted) {  // ready, but out of budget
    yield_for_budget(caller);
    return true;
  }
  WaiterSlot& slot = io_.slot(direction_);
  std::uint8_t free = WaiterSlot::kFree;
  if (!slot.state.compare_exchange_strong(free, WaiterSlot::kFilling, std::memory_order_acquire)) {
    throw UsageError(
        absl::StrCat("two tasks wait to ", direction_ == kRead ? "read" : "write",
                     " the same corio stream at once: one task reads and one task writes a "
                     "stream"));
  }
  try {
    slot.waker = begin_cancellable_wait(
        *self_, caller, direction_ == kRead ? WaitKind::io_read : WaitKind::io_write);
  } catch (...) {
    slot.state.store(WaiterSlot::kFree, std::memory_order_release);
    throw;
  }
  const std::uint32_t epoch = slot.waker.epoch;
  io_.refs_.fetch_add(1, std::memory_order_relaxed);
  holds_ref_ = true;
  slot.state.store(WaiterSlot::kWaiting, std::memory_order_seq_cst);
  if (!(io_.readiness() & wanted)) return true;  // an event from now on claims the wait
  // The readiness came between the first look and the publication: take the wait back,
  // unless an event or a canceller already has it (they schedule the task).
  std::uint8_t waiting = WaiterSlot::kWaiting;
  if (!slot.state.compare_exchange_strong(waiting, WaiterSlot::kFree, std::memory_order_acq_rel)) {
    return true;
  }
  if (!self_->abandon_wait(epoch)) {
    cancelled_ = true;  // nobody but a canceller could have claimed it
    return true;
  }
  holds_ref_ = false;
  io_.unref();
  return false;
}

bool IoReadiness::WaitAwaiter::leave_slot() noexcept {
  WaiterSlot& slot = io_.slot(direction_);
  std::uint8_t s = slot.state.load(std::memory_order_acquire);
  for (;;) {
    if (s == WaiterSlot::kClaiming) {  // a waker is inside its claim: let it finish
      cpu_relax();
      s = slot.state.load(std::memory_order_acquire);
    } else if (s != WaiterSlot::kWaiting) {
      return false;
    } else if (slot.state.compare_exchange_weak(s, WaiterSlot::kFree, std::memory_order_acq_rel)) {
      return true;
    }
  }
}

void IoReadiness::WaitAwaiter::await_resume() {
  if (!holds_ref_) return;
  bool cancelled = leave_slot() || cancelled_;
  holds_ref_ = false;
  io_.unref();
  if (cancelled) throw_cancelled(*self_);
}

IoReadiness::WaitAwaiter::~WaitAwaiter() {
  if (!holds_ref_) return;
  leave_slot();
  io_.unref();
}

}  // namespace corio::detail
