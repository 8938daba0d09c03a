// detail::Socket: the retry loops of non-blocking sockets (detail/socket.hpp).
//
// Every operation follows core's readiness pattern: read the record's tick, try the system
// call, and only on EAGAIN forget the stale readiness (clear with that tick) and wait. A
// call that succeeds costs exactly one system call. Each operation first spends a unit of
// its task's cooperative budget, as every corio awaitable that may complete without
// suspending does, so a task reading a stream that never runs dry still yields.
#include "corio/io/detail/socket.hpp"

#include <fcntl.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <unistd.h>

#include <cerrno>
#include <cstring>
#include <system_error>
#include <thread>
#include <utility>

#include "corio/core/yield_now.hpp"

namespace corio::detail {

namespace {
constexpr std::uintptr_t kRegistering = 1;
}

void throw_errno(const char* what) {
  throw std::system_error(errno, std::generic_category(), what);
}
void throw_errno(int error, const std::string& what) {
  throw std::system_error(error, std::generic_category(), what);
}

Socket::Socket(Socket&& other) noexcept
    : fd_(other.fd_.exchange(-1, std::memory_order_acq_rel)),
      inq_(std::exchange(other.inq_, Inq::unknown)),
      io_(other.io_.exchange(0, std::memory_order_acq_rel)) {}

Socket& Socket::operator=(Socket&& other) noexcept {
  if (this != &other) {
    close();
    fd_.store(other.fd_.exchange(-1, std::memory_order_acq_rel), std::memory_order_release);
    inq_ = std::exchange(other.inq_, Inq::unknown);
    io_.store(other.io_.exchange(0, std::memory_order_acq_rel), std::memory_order_release);
  }
  return *this;
}

Socket Socket::open(int domain, int type, int protocol) {
  int fd = ::socket(domain, type | SOCK_NONBLOCK | SOCK_CLOEXEC, protocol);
  if (fd < 0) throw_errno("socket");
  return Socket(fd);
}

void Socket::close() noexcept {
  int fd = fd_.exchange(-1, std::memory_order_acq_rel);
  if (fd < 0) return;
  // A task registering the fd right now finishes in a few microseconds (one epoll_ctl).
  std::uintptr_t io = io_.load(std::memory_order_acquire);
  while (io == kRegistering || !io_.compare_exchange_weak(io, 0, std::memory_order_acq_rel)) {
    if (io == kRegistering) {
      std::this_thread::yield();
      io = io_.load(std::memory_order_acquire);
    }
  }
  // release() before close(): the fd number must not be reused while it is still in epoll.
  if (io) reinterpret_cast<IoReadiness*>(io)->release();
  ::close(fd);
}

IoReadiness* Socket::readiness(std::uint32_t* tick) const noexcept {
  std::uintptr_t io = io_.load(std::memory_order_acquire);
  if (io <= kRegistering) {
    *tick = 0;
    return nullptr;
  }
  auto* record = reinterpret_cast<IoReadiness*>(io);
  *tick = record->tick();
  return record;
}

IoReadiness* Socket::ensure_registered() {
  std::uintptr_t io = io_.load(std::memory_order_acquire);
  for (;;) {
    if (io > kRegistering) return reinterpret_cast<IoReadiness*>(io);
    if (io == kRegistering) {  // the other direction's task is registering it
      std::this_thread::yield();
      io = io_.load(std::memory_order_acquire);
      continue;
    }
    if (io_.compare_exchange_weak(io, kRegistering, std::memory_order_acq_rel)) break;
  }
  IoReadiness* record;
  try {
    record = IoReadiness::create(fd_.load(std::memory_order_acquire));
  } catch (...) {
    io_.store(0, std::memory_order_release);
    throw;
  }
  io_.store(reinterpret_cast<std::uintptr_t>(record), std::memory_order_release);
  return record;
}

void Socket::check_open(const char* what) const {
  if (fd() < 0) throw_errno(EBADF, std::string(what) + ": the socket was closed");
}

Socket::ReadyWait Socket::wait(IoReadiness* io, std::uint32_t direction, std::uint32_t tick,
                               const char* what) {
  check_open(what);
  if (io) {
    io->clear(direction, tick);
  } else {
    // Registered after the EAGAIN: epoll_ctl(ADD) reports the readiness the fd has now,
    // so an event between the failed call and this point is not lost.
    io = ensure_registered();
  }
  return ReadyWait(*this, *io, direction, what);
}

Task<std::size_t> Socket::recv(std::span<std::byte> buffer, int flags, const char* what) {
  co_await budget_checkpoint();
  constexpr std::uint32_t kReadable =
      IoReadiness::kRead | IoReadiness::kReadClosed | IoReadiness::kError | IoReadiness::kClosed;
  for (;;) {
    std::uint32_t tick;
    IoReadiness* io = readiness(&tick);
    if (io && !(io->readiness() & kReadable)) {
      // Drained by an earlier read and no event since: a recv could only say EAGAIN.
      co_await wait(io, IoReadiness::kRead, tick, what);
      continue;
    }
    bool drained = false;
    ssize_t n = recv_once(buffer, flags, &drained);
    if (n > 0 && io) {
      if (drained || static_cast<std::size_t>(n) < buffer.size()) {
        // A stream recv returns less than asked only when it emptied the receive queue,
        // so the stream is drained as of `tick`; an event after `tick` keeps it readable,
        // and a hang-up already seen (kReadClosed) keeps the next read going to the kernel.
        io->clear(IoReadiness::kRead, tick);
      } else if (inq_ == Inq::unknown && !(flags & MSG_PEEK)) {
        // A full buffer: whether bytes are left is unknown, and a reader of exact sizes
        // (read_exact of a fixed message) would pay a recv that says EAGAIN every time.
        // From now on the kernel reports what is left (TCP only; one setsockopt, once).
        int on = 1;
        inq_ = ::setsockopt(fd(), IPPROTO_TCP, TCP_INQ, &on, sizeof on) == 0 ? Inq::on
                                                                             : Inq::unsupported;
      }
    }
    if (n >= 0) co_return static_cast<std::size_t>(n);
    if (errno == EINTR) continue;
    if (errno != EAGAIN && errno != EWOULDBLOCK) throw_errno(what);
    co_await wait(io, IoReadiness::kRead, tick, what);
  }
}

ssize_t Socket::recv_once(std::span<std::byte> buffer, int flags, bool* drained) noexcept {
  if (inq_ != Inq::on) return ::recv(fd(), buffer.data(), buffer.size(), flags);
  iovec iov{buffer.data(), buffer.size()};
  alignas(cmsghdr) char control[CMSG_SPACE(sizeof(int))];
  msghdr msg{};
  msg.msg_iov = &iov;
  msg.msg_iovlen = 1;
  msg.msg_control = control;
  msg.msg_controllen = sizeof control;
  ssize_t n = ::recvmsg(fd(), &msg, flags);
  if (n <= 0) return n;
  for (cmsghdr* c = CMSG_FIRSTHDR(&msg); c != nullptr; c = CMSG_NXTHDR(&msg, c)) {
    if (c->cmsg_level == IPPROTO_TCP && c->cmsg_type == TCP_CM_INQ) {
      int left;  // bytes still queued; the kernel says 1 after a FIN, so EOF is never lost
      std::memcpy(&left, CMSG_DATA(c), sizeof left);
      *drained = left == 0;
    }
  }
  return n;
}

Task<> Socket::send_all(std::span<const std::byte> data, const char* what) {
  co_await budget_checkpoint();
  while (!data.empty()) {
    std::uint32_t tick;
    IoReadiness* io = readiness(&tick);
    ssize_t n = ::send(fd(), data.data(), data.size(), MSG_NOSIGNAL);
    if (n >= 0) {
      data = data.subspan(static_cast<std::size_t>(n));
      continue;
    }
    if (errno == EINTR) continue;
    if (errno != EAGAIN && errno != EWOULDBLOCK) throw_errno(what);
    co_await wait(io, IoReadiness::kWrite, tick, what);
  }
}

Task<> Socket::sendmsg_all(std::span<iovec> iov, const char* what) {
  co_await budget_checkpoint();
  while (!iov.empty() && iov.front().iov_len == 0) iov = iov.subspan(1);
  while (!iov.empty()) {
    std::uint32_t tick;
    IoReadiness* io = readiness(&tick);
    msghdr msg{};
    msg.msg_iov = iov.data();
    msg.msg_iovlen = std::min<std::size_t>(iov.size(), IOV_MAX);
    ssize_t n = ::sendmsg(fd(), &msg, MSG_NOSIGNAL);
    if (n < 0) {
      if (errno == EINTR) continue;
      if (errno != EAGAIN && errno != EWOULDBLOCK) throw_errno(what);
      co_await wait(io, IoReadiness::kWrite, tick, what);
      continue;
    }
    auto left = static_cast<std::size_t>(n);
    while (!iov.empty() && left >= iov.front().iov_len) {
      left -= iov.front().iov_len;
      iov = iov.subspan(1);
    }
    if (left > 0) {
      iov.front().iov_base = static_cast<char*>(iov.front().iov_base) + left;
      iov.front().iov_len -= left;
    }
    while (!iov.empty() && iov.front().iov_len == 0) iov = iov.subspan(1);
  }
}

Task<int> Socket::accept(sockaddr* addr, socklen_t* len, const char* what) {
  co_await budget_checkpoint();
  for (;;) {
    std::uint32_t tick;
    IoReadiness* io = readiness(&tick);
    socklen_t capacity = len ? *len : 0;
    int fd = ::accept4(this->fd(), addr, len, SOCK_NONBLOCK | SOCK_CLOEXEC);
    if (fd >= 0) co_return fd;
    if (len) *len = capacity;
    switch (errno) {
      case EINTR:
      case ECONNABORTED:  // the peer gave up while queued: take the next one
      case EPROTO:
        continue;
      case EMFILE:
      case ENFILE:
      case ENOBUFS:
      case ENOMEM:
        co_return -1;
      case EAGAIN:
#if EAGAIN != EWOULDBLOCK
      case EWOULDBLOCK:
#endif
        break;
      default:
        throw_errno(what);
    }
    co_await wait(io, IoReadiness::kRead, tick, what);
  }
}

Task<> Socket::connect(const sockaddr* addr, socklen_t len, std::string what) {
  int rc;
  do {
    rc = ::connect(fd(), addr, len);
  } while (rc < 0 && errno == EINTR);
  if (rc == 0) co_return;
  if (errno != EINPROGRESS) throw_errno(errno, what);
  // Fresh registration: the ADD reports writability (connected) or an error (refused).
  for (;;) {
    co_await wait(nullptr, IoReadiness::kWrite, 0, what.c_str());
    int error = 0;
    socklen_t error_len = sizeof error;
    if (::getsockopt(fd(), SOL_SOCKET, SO_ERROR, &error, &error_len) < 0) throw_errno(what.c_str());
    if (error == 0) co_return;
    if (error != EINPROGRESS && error != EALREADY) throw_errno(error, what);
  }
}

Task<std::size_t> Socket::recv_from(std::span<std::byte> buffer, sockaddr* addr, socklen_t* len,
                                    const char* what) {
  co_await budget_checkpoint();
  for (;;) {
    std::uint32_t tick;
    IoReadiness* io = readiness(&tick);
    socklen_t capacity = len ? *len : 0;
    ssize_t n = ::recvfrom(fd(), buffer.data(), buffer.size(), 0, addr, len);
    if (n >= 0) co_return static_cast<std::size_t>(n);
    if (len) *len = capacity;
    if (errno == EINTR) continue;
    if (errno != EAGAIN && errno != EWOULDBLOCK) throw_errno(what);
    co_await wait(io, IoReadiness::kRead, tick, what);
  }
}

Task<std::size_t> Socket::send_to(std::span<const std::byte> data, const sockaddr* addr,
                                  socklen_t len, const char* what) {
  co_await budget_checkpoint();
  for (;;) {
    std::uint32_t tick;
    IoReadiness* io = readiness(&tick);
    ssize_t n = ::sendto(fd(), data.data(), data.size(), MSG_NOSIGNAL, addr, len);
    if (n >= 0) co_return static_cast<std::size_t>(n);
    if (errno == EINTR) continue;
    if (errno != EAGAIN && errno != EWOULDBLOCK) throw_errno(what);
    co_await wait(io, IoReadiness::kWrite, tick, what);
  }
}

}  // namespace corio::detail
