// signal (signal.hpp): a sigaction handler that writes to a per-signal eventfd, read through
// the reactor. The handler only calls write(2), which is async-signal-safe.
#include "corio/io/signal.hpp"

#include <fcntl.h>
#include <signal.h>
#include <sys/eventfd.h>
#include <unistd.h>

#include <array>
#include <atomic>
#include <cerrno>
#include <cstdint>
#include <mutex>
#include <string>

#include "corio/core/error.hpp"
#include "corio/io/detail/socket.hpp"

namespace corio {

namespace {

constexpr int kMaxSignal = 65;
// 1 + the eventfd of each signal with corio's handler installed (0: none); never closed (a
// late delivery may still write to it). Read by the handler: atomics, lock-free for int.
std::array<std::atomic<int>, kMaxSignal> g_event_fds{};
std::mutex g_install_mutex;

extern "C" void on_signal(int signo) {
  int saved = errno;
  int fd = g_event_fds[static_cast<std::size_t>(signo)].load(std::memory_order_acquire) - 1;
  if (fd >= 0) {
    std::uint64_t one = 1;
    [[maybe_unused]] ssize_t n = ::write(fd, &one, sizeof one);
  }
  errno = saved;
}

int install(int signo) {
  if (signo <= 0 || signo >= kMaxSignal || signo == SIGKILL || signo == SIGSTOP) {
    throw UsageError("corio::signal(" + std::to_string(signo) +
                     "): not a signal that can be caught (SIGKILL and SIGSTOP cannot)");
  }
  std::lock_guard lock(g_install_mutex);
  auto& slot = g_event_fds[static_cast<std::size_t>(signo)];
  int fd = slot.load(std::memory_order_acquire) - 1;
  if (fd >= 0) return fd;
  fd = ::eventfd(0, EFD_NONBLOCK | EFD_CLOEXEC);
  if (fd < 0) detail::throw_errno("eventfd for corio::signal");
  slot.store(fd + 1, std::memory_order_release);  // before the handler can run
  struct sigaction action {};
  action.sa_handler = &on_signal;
  action.sa_flags = SA_RESTART;
  sigemptyset(&action.sa_mask);
  if (::sigaction(signo, &action, nullptr) < 0) {
    int error = errno;
    slot.store(0, std::memory_order_release);
    ::close(fd);
    detail::throw_errno(error, "sigaction for corio::signal(" + std::to_string(signo) + ")");
  }
  return fd;
}

Task<> wait_signal(detail::Socket* events) {
  std::uint64_t count = 0;
  // An eventfd read is all-or-nothing (8 bytes); recv does not apply, so loop by hand.
  for (;;) {
    std::uint32_t tick;
    detail::IoReadiness* io = events->readiness(&tick);
    if (::read(events->fd(), &count, sizeof count) == sizeof count) co_return;
    if (errno == EINTR) continue;
    if (errno != EAGAIN) detail::throw_errno("read of corio::signal's eventfd");
    co_await events->wait(io, detail::IoReadiness::kRead, tick, "corio::signal");
  }
}

Task<> wait_signal_owned(int fd) {
  // A private dup of the signal's eventfd: registered with this task's reactor and closed
  // with it, while the original stays for the handler.
  detail::Socket events(fd);
  co_await wait_signal(&events);
}

}  // namespace

Task<> signal(int signo) {
  int fd = install(signo);
  int mine = ::fcntl(fd, F_DUPFD_CLOEXEC, 0);
  if (mine < 0) detail::throw_errno("dup of corio::signal's eventfd");
  return wait_signal_owned(mine);
}

}  // namespace corio
