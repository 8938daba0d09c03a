// Unix domain stream sockets: UnixListener and UnixStream (asyncio's start_unix_server /
// open_unix_connection), with the same reactor model and errors as tcp.hpp.
//
//   corio::UnixListener l = corio::UnixListener::bind("/run/app.sock");
//   corio::UnixStream s = co_await l.accept();
#pragma once

#include <cstddef>
#include <span>
#include <string>
#include <string_view>

#include "corio/core/task.hpp"
#include "corio/io/detail/socket.hpp"
#include "corio/io/error.hpp"

namespace corio {

/// A connected Unix stream socket. Move-only; the same rules as TcpStream (one reader and
/// one writer at a time; the object outlives its operations; SIGPIPE never raised).
class UnixStream {
 public:
  UnixStream() noexcept = default;
  explicit UnixStream(detail::Socket socket) noexcept : socket_(std::move(socket)) {}

  /// Connects to the socket at `path`. Errors: std::system_error "connect to <path>"
  ///   (ENOENT, ECONNREFUSED); UsageError for a path longer than sockaddr_un allows.
  static Task<UnixStream> connect(std::string path);

  /// As TcpStream::read / read_exact / write_all.
  Task<std::size_t> read(std::span<std::byte> buffer);
  Task<> read_exact(std::span<std::byte> buffer);
  Task<> write_all(std::span<const std::byte> data);
  Task<> write_all(std::string_view data);
  void shutdown_write();
  void close() noexcept { socket_.close(); }
  int native_handle() const noexcept { return socket_.fd(); }

 private:
  detail::Socket socket_;
};

/// A listening Unix stream socket bound to a path. Destroying it closes the socket; the
/// path stays in the file system (remove it yourself, as with asyncio).
class UnixListener {
 public:
  UnixListener() noexcept = default;
  /// Binds and listens at `path` (synchronous). Errors: std::system_error "bind to <path>"
  ///   (EADDRINUSE if it exists); UsageError for a path too long.
  static UnixListener bind(const std::string& path, int backlog = 1024);
  /// Accepts one connection; EMFILE/ENFILE back off and retry as TcpListener::accept.
  Task<UnixStream> accept();
  void close() noexcept { socket_.close(); }
  int native_handle() const noexcept { return socket_.fd(); }

 private:
  explicit UnixListener(detail::Socket socket) noexcept : socket_(std::move(socket)) {}
  detail::Socket socket_;
};

}  // namespace corio
