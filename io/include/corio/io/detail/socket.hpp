// detail::Socket: a non-blocking file descriptor and its (lazily created) readiness record,
// with the EAGAIN -> wait -> retry loops every stream and datagram socket shares.
//
// The fd joins a reactor only when an operation first meets EAGAIN (IoReadiness::create on
// the worker running that operation). epoll_ctl(ADD) reports the readiness the fd has at
// that moment, so nothing that happened before the registration is lost, and a socket whose
// operations never block costs no epoll_ctl at all.
#pragma once

#include <sys/socket.h>
#include <sys/uio.h>

#include <atomic>
#include <coroutine>
#include <cstddef>
#include <cstdint>
#include <source_location>
#include <span>
#include <string>

#include "corio/core/detail/io_readiness.hpp"
#include "corio/core/task.hpp"

namespace corio::detail {

/// Throws std::system_error(errno, generic_category(), what).
[[noreturn]] void throw_errno(const char* what);
[[noreturn]] void throw_errno(int error, const std::string& what);

class Socket {
 public:
  Socket() noexcept = default;
  /// Takes ownership of `fd`, which must be non-blocking and close-on-exec.
  explicit Socket(int fd) noexcept : fd_(fd) {}
  Socket(Socket&& other) noexcept;
  Socket& operator=(Socket&& other) noexcept;
  Socket(const Socket&) = delete;
  Socket& operator=(const Socket&) = delete;
  ~Socket() { close(); }

  /// Opens socket(domain, type | SOCK_NONBLOCK | SOCK_CLOEXEC, protocol).
  static Socket open(int domain, int type, int protocol = 0);

  int fd() const noexcept { return fd_.load(std::memory_order_acquire); }
  bool is_open() const noexcept { return fd() >= 0; }
  /// Deregisters (waking a waiting reader or writer, which then throws EBADF) and closes.
  void close() noexcept;

  /// Gives the fd's current readiness record (null before the first EAGAIN) and its tick;
  /// call before a system call that may fail with EAGAIN.
  IoReadiness* readiness(std::uint32_t* tick) const noexcept;
  class ReadyWait;
  /// After EAGAIN: registers the fd if needed and forgets `direction` as of `tick` (now);
  /// awaiting the result waits for the readiness. Errors: EBADF (std::system_error naming
  /// `what`) if the socket is closed, now or while waiting. An awaiter, not a Task: a
  /// request/response server waits once per request, and a Task would cost a frame.
  ReadyWait wait(IoReadiness* io, std::uint32_t direction, std::uint32_t tick, const char* what);

  /// recv() on a stream socket: bytes read, 0 at EOF. A read that returns less than asked
  /// marks the stream drained, so the next read waits for an event instead of making a
  /// recv that would fail with EAGAIN (not for datagram sockets: use recv_from). A read
  /// that fills its buffer says nothing about the queue: the first one turns on TCP_INQ
  /// (TCP only), after which reads are recvmsg()s that report the bytes left, and one that
  /// leaves none marks the stream drained too. Errors: std::system_error naming `what`.
  Task<std::size_t> recv(std::span<std::byte> buffer, int flags, const char* what);
  /// send() until all of `data` is written (MSG_NOSIGNAL).
  Task<> send_all(std::span<const std::byte> data, const char* what);
  /// sendmsg() of `iov` (modified in place) until every byte is written.
  Task<> sendmsg_all(std::span<iovec> iov, const char* what);
  /// accept4() one connection (non-blocking, close-on-exec); peer address into `addr`.
  /// Returns -1 with errno set for EMFILE/ENFILE/ENOBUFS/ENOMEM (the caller backs off).
  Task<int> accept(sockaddr* addr, socklen_t* len, const char* what);
  /// Completes a non-blocking connect() to `addr`. Errors: std::system_error naming `what`.
  Task<> connect(const sockaddr* addr, socklen_t len, std::string what);
  /// recvfrom() / sendto() with waits (datagram sockets).
  Task<std::size_t> recv_from(std::span<std::byte> buffer, sockaddr* addr, socklen_t* len,
                              const char* what);
  Task<std::size_t> send_to(std::span<const std::byte> data, const sockaddr* addr, socklen_t len,
                            const char* what);

 private:
  IoReadiness* ensure_registered();
  ssize_t recv_once(std::span<std::byte> buffer, int flags, bool* drained) noexcept;

  /// Throws EBADF naming `what` if the socket was closed.
  void check_open(const char* what) const;

  // fd_: -1 once closed. io_: 0 = not registered, 1 = being registered (by another task),
  // else the IoReadiness*. Atomic because close() may run while another task waits.
  std::atomic<int> fd_{-1};
  // TCP_INQ (recv): touched only by the one task that reads. Fits in fd_'s padding.
  enum class Inq : std::uint8_t { unknown, on, unsupported };
  Inq inq_ = Inq::unknown;
  std::atomic<std::uintptr_t> io_{0};
};

/// Socket::wait's awaiter: IoReadiness's wait, then the check that the socket is still open
/// (`io` may be freed once the socket was closed while we waited: only fd_ is looked at).
class Socket::ReadyWait {
 public:
  ReadyWait(const Socket& socket, IoReadiness& io, std::uint32_t direction,
            const char* what) noexcept
      : socket_(socket), wait_(io.wait(direction)), what_(what) {}
  bool await_ready() const noexcept { return wait_.await_ready(); }
  bool await_suspend(std::coroutine_handle<> caller,
                     std::source_location where = std::source_location::current()) {
    return wait_.await_suspend(caller, where);
  }
  void await_resume() {
    wait_.await_resume();
    socket_.check_open(what_);
  }

 private:
  const Socket& socket_;
  IoReadiness::WaitAwaiter wait_;
  const char* what_;
};

}  // namespace corio::detail
