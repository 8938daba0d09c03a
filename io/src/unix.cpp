// UnixListener and UnixStream (unix.hpp): path addresses over detail::Socket.
#include "corio/io/unix.hpp"

#include <sys/socket.h>
#include <sys/un.h>

#include <algorithm>
#include <chrono>
#include <cstring>

#include "corio/core/error.hpp"
#include "corio/core/time.hpp"

namespace corio {

namespace {
sockaddr_un unix_address(const std::string& path, const char* what) {
  sockaddr_un a{};
  a.sun_family = AF_UNIX;
  if (path.empty() || path.size() >= sizeof a.sun_path) {
    throw UsageError(std::string(what) + "(\"" + path + "\"): a Unix socket path has 1 to " +
                     std::to_string(sizeof a.sun_path - 1) + " bytes");
  }
  std::memcpy(a.sun_path, path.data(), path.size());
  return a;
}
}  // namespace

Task<UnixStream> UnixStream::connect(std::string path) {
  sockaddr_un a = unix_address(path, "UnixStream::connect");
  detail::Socket socket = detail::Socket::open(AF_UNIX, SOCK_STREAM);
  co_await socket.connect(reinterpret_cast<sockaddr*>(&a), sizeof a, "connect to " + path);
  co_return UnixStream(std::move(socket));
}

Task<std::size_t> UnixStream::read(std::span<std::byte> buffer) {
  return socket_.recv(buffer, 0, "UnixStream::read");
}

Task<> UnixStream::read_exact(std::span<std::byte> buffer) {
  std::size_t done = 0;
  while (done < buffer.size()) {
    std::size_t n = co_await socket_.recv(buffer.subspan(done), 0, "UnixStream::read_exact");
    if (n == 0) throw IncompleteReadError(buffer.size(), done);
    done += n;
  }
}

Task<> UnixStream::write_all(std::span<const std::byte> data) {
  return socket_.send_all(data, "UnixStream::write_all");
}

Task<> UnixStream::write_all(std::string_view data) {
  return socket_.send_all(std::as_bytes(std::span(data.data(), data.size())),
                          "UnixStream::write_all");
}

void UnixStream::shutdown_write() {
  if (::shutdown(socket_.fd(), SHUT_WR) < 0) detail::throw_errno("UnixStream::shutdown_write");
}

UnixListener UnixListener::bind(const std::string& path, int backlog) {
  sockaddr_un a = unix_address(path, "UnixListener::bind");
  detail::Socket socket = detail::Socket::open(AF_UNIX, SOCK_STREAM);
  if (::bind(socket.fd(), reinterpret_cast<sockaddr*>(&a), sizeof a) < 0) {
    detail::throw_errno(errno, "bind to " + path);
  }
  if (::listen(socket.fd(), backlog) < 0) detail::throw_errno(errno, "listen on " + path);
  return UnixListener(std::move(socket));
}

Task<UnixStream> UnixListener::accept() {
  auto backoff = std::chrono::milliseconds(1);  // as TcpListener::accept
  for (;;) {
    int fd = co_await socket_.accept(nullptr, nullptr, "UnixListener::accept");
    if (fd >= 0) co_return UnixStream(detail::Socket(fd));
    co_await sleep_for(backoff);
    backoff = std::min(backoff * 2, std::chrono::milliseconds(64));
  }
}

}  // namespace corio
