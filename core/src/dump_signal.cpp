// DumpSignal: see dump_signal.hpp.
#include "dump_signal.hpp"

#include <sys/eventfd.h>
#include <unistd.h>

#include <atomic>
#include <cerrno>
#include <csignal>
#include <cstdint>
#include <mutex>
#include <system_error>

namespace corio::detail {

namespace {

// Process-wide: the fd the handler writes (created once, never closed), and who owns it.
std::atomic<int> g_fd{-1};
std::mutex g_mutex;           // guards the two below
bool g_owned = false;         // a DumpSignal exists
struct sigaction g_previous;  // the handler it replaced

void on_sigusr1(int) {
  int saved = errno;
  std::uint64_t one = 1;
  [[maybe_unused]] ssize_t n = ::write(g_fd.load(std::memory_order_relaxed), &one, sizeof one);
  errno = saved;
}

}  // namespace

std::unique_ptr<DumpSignal> DumpSignal::try_acquire() {
  std::lock_guard lock(g_mutex);
  if (g_owned) return nullptr;
  if (g_fd.load(std::memory_order_relaxed) < 0) {
    int fd = ::eventfd(0, EFD_CLOEXEC | EFD_NONBLOCK);
    if (fd < 0) throw std::system_error(errno, std::generic_category(), "eventfd");
    g_fd.store(fd, std::memory_order_relaxed);
  }
  std::unique_ptr<DumpSignal> owner(new DumpSignal());
  owner->take();  // a signal left over from a previous owner is not ours
  struct sigaction action {};
  action.sa_handler = &on_sigusr1;
  sigemptyset(&action.sa_mask);
  action.sa_flags = SA_RESTART;
  if (::sigaction(SIGUSR1, &action, &g_previous) != 0) {
    throw std::system_error(errno, std::generic_category(), "sigaction(SIGUSR1)");
  }
  g_owned = true;
  return owner;
}

DumpSignal::~DumpSignal() {
  std::lock_guard lock(g_mutex);
  ::sigaction(SIGUSR1, &g_previous, nullptr);
  g_owned = false;
}

int DumpSignal::fd() const noexcept { return g_fd.load(std::memory_order_relaxed); }

bool DumpSignal::take() noexcept {
  std::uint64_t count = 0;
  return ::read(fd(), &count, sizeof count) == sizeof count && count > 0;
}

}  // namespace corio::detail
