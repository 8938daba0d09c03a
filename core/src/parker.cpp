// Parker: sleeping in epoll_wait and waking through an eventfd (see parker.hpp).
#include "parker.hpp"

#include <sys/epoll.h>
#include <sys/eventfd.h>
#include <unistd.h>

#include <cerrno>
#include <system_error>

#include "corio/core/detail/io_readiness.hpp"

namespace corio::detail {

namespace {
[[noreturn]] void throw_errno(const char* operation) {
  throw std::system_error(errno, std::generic_category(), operation);
}
}  // namespace

Parker::Parker() {
  epoll_fd_ = epoll_create1(EPOLL_CLOEXEC);
  if (epoll_fd_ < 0) throw_errno("epoll_create1");
  event_fd_ = eventfd(0, EFD_CLOEXEC | EFD_NONBLOCK);
  if (event_fd_ < 0) {
    int saved = errno;
    close(epoll_fd_);
    throw std::system_error(saved, std::generic_category(), "eventfd");
  }
  epoll_event ev{};
  ev.events = EPOLLIN;  // level-triggered: drained on every wake-up
  ev.data.ptr = nullptr;
  if (epoll_ctl(epoll_fd_, EPOLL_CTL_ADD, event_fd_, &ev) < 0) {
    int saved = errno;
    close(event_fd_);
    close(epoll_fd_);
    throw std::system_error(saved, std::generic_category(), "epoll_ctl(ADD eventfd)");
  }
}

Parker::~Parker() {
  close(event_fd_);
  close(epoll_fd_);
}

std::uint64_t Parker::park(int timeout_ms) {
  std::uint32_t expected = kNotified;
  if (state_.compare_exchange_strong(expected, kEmpty, std::memory_order_acq_rel)) return 0;
  expected = kEmpty;
  if (!state_.compare_exchange_strong(expected, kParked, std::memory_order_acq_rel)) {
    state_.store(kEmpty, std::memory_order_release);  // a notification slipped in
    return 0;
  }
  std::uint64_t events = wait_and_dispatch(timeout_ms);
  state_.exchange(kEmpty, std::memory_order_acq_rel);
  return events;
}

std::uint64_t Parker::poll_io() { return wait_and_dispatch(0); }

std::uint64_t Parker::wait_and_dispatch(int timeout_ms,
                                        const std::atomic<std::uint32_t>* registrations) {
  epoll_event events[64];
  int n = epoll_wait(epoll_fd_, events, 64, timeout_ms);
  // n < 0 is EINTR (a signal): a spurious wake-up, which callers handle.
  if (registrations && n > 0) registrations->load(std::memory_order_acquire);
  std::uint64_t io_events = 0;
  for (int i = 0; i < n; ++i) {
    if (events[i].data.ptr == nullptr) {
      if (registrations) continue;  // a helper: the owner's wake-up stays pending
      std::uint64_t count;
      [[maybe_unused]] ssize_t r = read(event_fd_, &count, sizeof count);
    } else {
      static_cast<IoReadiness*>(events[i].data.ptr)->on_events(events[i].events);
      ++io_events;
    }
  }
  return io_events;
}

void Parker::unpark() noexcept {
  if (state_.exchange(kNotified, std::memory_order_acq_rel) == kParked) {
    std::uint64_t one = 1;
    [[maybe_unused]] ssize_t r = write(event_fd_, &one, sizeof one);
  }
}

}  // namespace corio::detail
