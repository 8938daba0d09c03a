// TCP: TcpListener (bind, accept) and TcpStream (connect, read, write), asyncio's
// start_server / open_connection without the stream wrappers (see buffered_reader.hpp).
//
//   corio::TcpListener listener = corio::TcpListener::bind("127.0.0.1", 0);
//   corio::TcpStream s = co_await listener.accept();
//   std::array<std::byte, 4096> buf;
//   std::size_t n = co_await s.read(buf);              // 0 at end of stream
//   co_await s.write_all(std::span(buf).first(n));
//
// Sockets are non-blocking; an fd joins the reactor (epoll) of the worker that first has
// to wait for it, and stays there. Operations that succeed at once cost one system call.
// docs/io.md has the reactor model and the cost of each call.
//
// Lifetime: member coroutines (read, write_all, accept...) keep a pointer to the object:
// it must outlive the operation, and must not be moved while one is in flight.
#pragma once

#include <cstddef>
#include <cstdint>
#include <span>
#include <string>
#include <string_view>

#include "corio/core/task.hpp"
#include "corio/io/address.hpp"
#include "corio/io/detail/socket.hpp"
#include "corio/io/error.hpp"

namespace corio {

/// A connected TCP socket. Move-only; destroying it closes the connection.
///
/// Thread safety: one task may read while another writes; two concurrent reads (or two
///   writes) throw UsageError when both have to wait. close() may run while another task
///   is suspended in a read or write: that operation wakes and throws EBADF.
/// Cancellation: every operation that suspends throws CancelledError when its task is
///   cancelled (or a wait_for runs out); bytes already transferred by write_all are not
///   taken back, so cancel a write only to abandon the connection.
/// Errors: std::system_error with the errno and the operation's name (ECONNRESET for a
///   peer reset, EPIPE for writing to a closed peer; SIGPIPE is never raised).
class TcpStream {
 public:
  TcpStream() noexcept = default;
  /// Adopts a connected, non-blocking, close-on-exec TCP socket.
  explicit TcpStream(detail::Socket socket) noexcept : socket_(std::move(socket)) {}

  /// Connects to `host` (a numeric address, or a name resolved with corio::resolve on the
  /// blocking pool) at `port`, trying each resolved address in turn.
  /// Suspends: until connected. Errors: std::system_error of the last address tried, e.g.
  ///   ECONNREFUSED, with "connect to <address>" in the message.
  static Task<TcpStream> connect(std::string host, std::uint16_t port);
  /// Connects to one address.
  static Task<TcpStream> connect(SocketAddress address);

  /// Reads what is available, at most `buffer.size()` bytes; 0 means end of stream.
  /// Suspends: while nothing is available. The buffer must outlive the operation.
  Task<std::size_t> read(std::span<std::byte> buffer);
  /// Reads exactly `buffer.size()` bytes. Errors: IncompleteReadError at end of stream.
  Task<> read_exact(std::span<std::byte> buffer);
  /// Writes all of `data` (several send() calls if the socket buffer fills).
  /// Suspends: while the socket's send buffer is full. `data` must outlive the operation.
  Task<> write_all(std::span<const std::byte> data);
  Task<> write_all(std::string_view data);
  /// Writes all of `buffers` in order, with as few sendmsg() calls as the kernel allows.
  Task<> writev(std::span<const std::span<const std::byte>> buffers);

  /// Sends FIN (shutdown(SHUT_WR)): the peer reads end of stream; reading still works.
  void shutdown_write();
  /// Closes the socket now (idempotent); a task waiting on it wakes with EBADF.
  void close() noexcept { socket_.close(); }
  bool is_open() const noexcept { return socket_.is_open(); }
  /// TCP_NODELAY: send small writes at once instead of coalescing them (Nagle).
  void set_nodelay(bool enabled);

  SocketAddress local_address() const;
  SocketAddress peer_address() const;
  int native_handle() const noexcept { return socket_.fd(); }

 private:
  detail::Socket socket_;
};

/// TcpListener::bind options.
struct ListenOptions {
  /// Length of the kernel's queue of connections not yet accepted (capped by somaxconn).
  int backlog = 1024;
  /// SO_REUSEADDR: rebinding a port whose old connections are in TIME_WAIT succeeds.
  bool reuse_address = true;
  /// SO_REUSEPORT: several listeners share the port; the kernel spreads connections.
  bool reuse_port = false;
};

/// A listening TCP socket. Move-only; destroying it closes the socket at once (queued,
/// unaccepted connections are reset by the kernel).
///
/// Thread safety: one task accepts at a time (a second waiting accept throws UsageError).
class TcpListener {
 public:
  TcpListener() noexcept = default;

  /// Binds and listens on a numeric `host` ("0.0.0.0", "::", "127.0.0.1", "::1") or
  /// "localhost", at `port` (0: the kernel picks a free port; see local_address()).
  /// Synchronous, and may be called outside the runtime: the fd joins a reactor at its
  /// first accept that has to wait.
  /// Errors: UsageError for a host that is not numeric; std::system_error with "bind to
  ///   <address>" (EADDRINUSE...) otherwise.
  static TcpListener bind(std::string_view host, std::uint16_t port, ListenOptions options = {});
  static TcpListener bind(const SocketAddress& address, ListenOptions options = {});

  /// Accepts one connection.
  /// Suspends: until a connection is queued. On EMFILE/ENFILE (out of file descriptors)
  ///   it sleeps briefly and retries, so a server at its fd limit keeps serving its open
  ///   connections without spinning; it accepts again once descriptors are freed.
  /// Cancellation: throws CancelledError; no connection is lost (it stays queued).
  /// Errors: other accept4 failures as std::system_error ("accept on <address>").
  Task<TcpStream> accept();

  SocketAddress local_address() const;
  void close() noexcept { socket_.close(); }
  bool is_open() const noexcept { return socket_.is_open(); }
  int native_handle() const noexcept { return socket_.fd(); }

 private:
  explicit TcpListener(detail::Socket socket) noexcept : socket_(std::move(socket)) {}
  detail::Socket socket_;
};

namespace detail {
/// The address of `fd` (getsockname, or getpeername when `peer`). Errors: std::system_error.
SocketAddress socket_address(int fd, bool peer);
/// The numeric address for a TcpListener/UdpSocket host ("localhost" means 127.0.0.1).
SocketAddress bind_address(std::string_view host, std::uint16_t port, const char* what);
}  // namespace detail

}  // namespace corio
