// IoReadiness: core's readiness API, on which io/ builds sockets, pipes and signalfds.
//
// A file descriptor is registered, edge-triggered, with the epoll instance of the worker
// that registers it (its reactor). Each event sets readiness bits and advances a tick; a
// task that wants to read tries the system call first and waits only after EAGAIN:
//
//   for (;;) {
//     std::uint32_t tick = io->tick();
//     ssize_t n = ::read(fd, buf, len);
//     if (n >= 0) return n;
//     if (errno != EAGAIN) throw std::system_error(errno, std::generic_category(), "read");
//     io->clear(IoReadiness::kRead, tick);     // forgets only what was seen before `tick`
//     co_await io->wait(IoReadiness::kRead);   // an event after the read is never lost
//   }
//
// One reader and one writer may wait at a time (a stream is read by one task, written by
// one task). Waits are cancellable (CancelledError; nothing is lost: readiness stays).
// Lifetime: create() allocates a record with one reference (the owner's); a waiting task
// holds another while it waits. release() deregisters the fd, wakes the waiters (they see
// kClosed) and drops the owner's reference; the last reference hands the record to its
// reactor, which frees it before its next epoll_wait, and never while another worker that
// polls the reactor (it may, when the owner is busy) dispatches what it fetched, so an
// event already fetched for it never touches freed memory (worker.cpp, "Reactor").
#pragma once

#include <atomic>
#include <coroutine>
#include <cstdint>
#include <memory>
#include <mutex>  // ReactorLiveness
#include <source_location>
#include <string>

#include "corio/core/detail/scheduling.hpp"
#include "corio/core/detail/task_header.hpp"
#include "corio/core/task.hpp"

namespace corio::detail {

class IoReactor;

/// Shared by a reactor and its records: lets a record released after its runtime was
/// destroyed (a listener that outlived it) find out, instead of touching freed memory.
struct ReactorLiveness {
  std::mutex mutex;
  bool alive = true;
};

class IoReadiness {
 public:
  static constexpr std::uint32_t kRead = 1u << 0;
  static constexpr std::uint32_t kWrite = 1u << 1;
  static constexpr std::uint32_t kError = 1u << 2;   ///< EPOLLERR / EPOLLHUP: ops will fail
  static constexpr std::uint32_t kClosed = 1u << 3;  ///< released: waiters wake, ops refuse
  /// The peer shut down its side (EPOLLRDHUP): reads return what is left, then 0. Sticky,
  /// unlike kRead: an edge-triggered epoll reports the hang-up once.
  static constexpr std::uint32_t kReadClosed = 1u << 4;

  /// Registers `fd` with the current worker's reactor. Throws UsageError outside a runtime,
  /// std::system_error if epoll_ctl fails. The fd stays owned by the caller.
  static IoReadiness* create(int fd);
  /// Deregisters, wakes any waiter (it sees kClosed) and retires the record. Any thread;
  /// call once, before closing the fd.
  void release() noexcept;

  int fd() const noexcept { return fd_; }
  /// The event count, to pass to clear() after an operation that returned EAGAIN.
  std::uint32_t tick() const noexcept { return state_.load(std::memory_order_acquire) >> 8; }
  /// Forgets readiness `direction` unless an event arrived since `tick`.
  void clear(std::uint32_t direction, std::uint32_t tick) noexcept;
  /// The readiness bits now (kRead, kWrite, kError, kClosed).
  std::uint32_t readiness() const noexcept { return state_.load(std::memory_order_acquire) & 0xff; }

  class WaitAwaiter;
  /// Suspends until `direction` (kRead or kWrite) is ready, an error or hang-up is seen, or
  /// the record is released. Errors: UsageError if another task already waits in the same
  /// direction; CancelledError when cancelled.
  WaitAwaiter wait(std::uint32_t direction) noexcept;

  /// The reactor's side: called with the epoll events for this fd, by the owning worker
  /// or by a worker that polls its reactor while it is busy.
  void on_events(std::uint32_t epoll_events) noexcept;

 private:
  friend class IoReactor;
  IoReadiness(int fd, IoReactor* reactor, std::shared_ptr<ReactorLiveness> liveness) noexcept
      : fd_(fd), reactor_(reactor), liveness_(std::move(liveness)) {}

  // One direction's waiting task. The slot's state says who may touch its Waker:
  //   kFree -> kFilling (the task, in await_suspend) -> kWaiting (published)
  //   kWaiting -> kClaiming (an event or release(), claiming the task) -> kFree
  //   kWaiting -> kFree (the task itself, taking its wait back: cancelled, or ready at once)
  // A waker touches the task only while it holds kClaiming, and a resumed task leaves
  // await_resume only once the slot is no longer kClaiming, so a claim never reaches a task
  // that has moved on. No lock: a wait and its wake cost a few atomic operations each.
  struct WaiterSlot {
    static constexpr std::uint8_t kFree = 0;
    static constexpr std::uint8_t kFilling = 1;
    static constexpr std::uint8_t kWaiting = 2;
    static constexpr std::uint8_t kClaiming = 3;
    std::atomic<std::uint8_t> state{kFree};
    Waker waker;
  };

  void set_bits(std::uint32_t bits) noexcept;
  /// The waker's side: ends the wait in `slot` if a task is in it, and returns the task if
  /// the caller must schedule it.
  static TaskHeader* claim_waiter(WaiterSlot& slot) noexcept;
  void unref() noexcept;
  WaiterSlot& slot(std::uint32_t direction) noexcept {
    return direction == kRead ? reader_ : writer_;
  }

  const int fd_;
  IoReactor* const reactor_;
  const std::shared_ptr<ReactorLiveness> liveness_;
  // Low 8 bits: readiness; bits 8..31: tick (events seen).
  std::atomic<std::uint32_t> state_{0};
  std::atomic<std::uint32_t> refs_{1};
  WaiterSlot reader_;
  WaiterSlot writer_;
  IoReadiness* retired_next_ = nullptr;
};

class IoReadiness::WaitAwaiter {
 public:
  WaitAwaiter(IoReadiness& io, std::uint32_t direction) noexcept : io_(io), direction_(direction) {}
  bool await_ready() const noexcept {
    return (io_.readiness() & (direction_ | kError | kClosed)) != 0 && spend_budget();
  }
  bool await_suspend(std::coroutine_handle<> caller,
                     std::source_location where = std::source_location::current());
  void await_resume();
  ~WaitAwaiter();  // a frame destroyed while waiting (runtime shutdown) unregisters

 private:
  // Takes the task's wait back out of its slot if it is still there; true if it was
  // (nobody claimed it: the task was woken by cancellation, not by an event).
  bool leave_slot() noexcept;
  IoReadiness& io_;
  std::uint32_t direction_;
  TaskHeader* self_ = nullptr;
  bool holds_ref_ = false;
  bool cancelled_ = false;  // a canceller claimed the wait before it could be taken back
};

inline IoReadiness::WaitAwaiter IoReadiness::wait(std::uint32_t direction) noexcept {
  return WaitAwaiter(*this, direction);
}

/// The part of a worker that runs a reactor, as IoReadiness sees it.
class IoReactor {
 public:
  /// Owner thread: allocates a record for `fd` and adds it to the epoll instance.
  virtual IoReadiness* register_io(int fd) = 0;
  /// Any thread: removes `fd` from the epoll instance.
  virtual void deregister_fd(int fd) noexcept = 0;
  /// Any thread: the record will be freed by the reactor before its next epoll_wait.
  virtual void retire(IoReadiness* record) noexcept = 0;

 protected:
  ~IoReactor() = default;
  static IoReadiness* make_record(int fd, IoReactor* reactor,
                                  std::shared_ptr<ReactorLiveness> liveness) {
    return new IoReadiness(fd, reactor, std::move(liveness));
  }
  static IoReadiness*& retired_next(IoReadiness* r) noexcept { return r->retired_next_; }
};

}  // namespace corio::detail
