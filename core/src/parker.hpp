// Parker: where an idle worker sleeps. It sleeps in epoll_wait on its own epoll instance,
// which is also the worker's reactor (every fd registered on the worker is in it, and its
// events are dispatched here); other threads wake it with a write to its eventfd. A wake-up costs a
// system call on both sides (~25 µs end to end on these machines), so unpark() writes only when the
// worker really is asleep: the state word says.
//
//   state_   meaning
//   kEmpty   running, no wake-up pending
//   kParked  in (or about to enter) epoll_wait: an unpark must write the eventfd
//   kNotified  a wake-up is pending: the next park() returns at once
#pragma once

#include <atomic>
#include <cstdint>

namespace corio::detail {

class Parker {
 public:
  /// Creates the epoll instance and the eventfd. Throws std::system_error.
  Parker();
  ~Parker();
  Parker(const Parker&) = delete;
  Parker& operator=(const Parker&) = delete;

  /// Owner: sleeps until unpark(), an I/O event or `timeout_ms` (-1: no limit), and
  /// dispatches the I/O events it got (IoReadiness::on_events). May return spuriously.
  /// Returns the number of I/O events dispatched.
  std::uint64_t park(int timeout_ms);
  /// Owner: dispatches the I/O events ready now, without sleeping; returns how many.
  std::uint64_t poll_io();
  /// Another worker, holding the owner's dispatch claim (Worker::help_poll_io): like
  /// poll_io(), but leaves the eventfd alone, so a wake-up meant for the owner stays
  /// pending (the eventfd is level-triggered) and reaches it. `registrations` is loaded
  /// (acquire) between epoll_wait and the dispatch: the owner bumps it (release) before it
  /// adds an fd, so the records returned were constructed before we touch them.
  std::uint64_t poll_io_as_helper(const std::atomic<std::uint32_t>& registrations) {
    return wait_and_dispatch(0, &registrations);
  }
  /// Any thread: whether the owner sleeps (or is about to) in epoll_wait, where the kernel
  /// hands it its events anyway.
  bool sleeping() const noexcept { return state_.load(std::memory_order_relaxed) == kParked; }
  /// Any thread: wakes the owner, or makes its next park() return at once.
  void unpark() noexcept;
  /// Owner thread, which is awake by definition: makes its next park() return at once,
  /// without the system call unpark() makes when the state says kParked.
  void notify_owner() noexcept { state_.store(kNotified, std::memory_order_release); }

  int epoll_fd() const noexcept { return epoll_fd_; }

 private:
  static constexpr std::uint32_t kEmpty = 0;
  static constexpr std::uint32_t kParked = 1;
  static constexpr std::uint32_t kNotified = 2;

  /// `registrations`: null for the owner (see poll_io_as_helper).
  std::uint64_t wait_and_dispatch(int timeout_ms,
                                  const std::atomic<std::uint32_t>* registrations = nullptr);

  std::atomic<std::uint32_t> state_{kEmpty};
  int epoll_fd_ = -1;
  int event_fd_ = -1;
};

}  // namespace corio::detail
