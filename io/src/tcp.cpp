// TcpListener and TcpStream (tcp.hpp): socket options, addresses, and accept's back-off.
#include "corio/io/tcp.hpp"

#include <netinet/in.h>
#include <netinet/tcp.h>
#include <sys/socket.h>

#include <algorithm>
#include <chrono>
#include <system_error>
#include <vector>

#include "corio/core/error.hpp"
#include "corio/core/time.hpp"
#include "corio/io/resolve.hpp"

namespace corio {

namespace detail {

SocketAddress socket_address(int fd, bool peer) {
  sockaddr_storage storage{};
  socklen_t len = sizeof storage;
  auto* addr = reinterpret_cast<sockaddr*>(&storage);
  if ((peer ? ::getpeername(fd, addr, &len) : ::getsockname(fd, addr, &len)) < 0) {
    throw_errno(peer ? "getpeername" : "getsockname");
  }
  return SocketAddress::from_sockaddr(addr, len);
}

SocketAddress bind_address(std::string_view host, std::uint16_t port, const char* what) {
  if (host == "localhost") host = "127.0.0.1";
  if (host.empty()) host = "0.0.0.0";
  auto address = SocketAddress::from_ip(host, port);
  if (!address) {
    throw UsageError(std::string(what) + "(\"" + std::string(host) +
                     "\"): binding needs a numeric address (\"0.0.0.0\", \"::\", "
                     "\"127.0.0.1\"); resolve names first with corio::resolve");
  }
  return *address;
}

}  // namespace detail

// ---- TcpStream ----------------------------------------------------------------------------

Task<TcpStream> TcpStream::connect(SocketAddress address) {
  detail::Socket socket = detail::Socket::open(address.family(), SOCK_STREAM);
  co_await socket.connect(address.data(), address.size(), "connect to " + address.to_string());
  co_return TcpStream(std::move(socket));
}

Task<TcpStream> TcpStream::connect(std::string host, std::uint16_t port) {
  std::vector<SocketAddress> addresses;
  if (auto numeric = SocketAddress::from_ip(host, port)) {
    addresses.push_back(*numeric);  // no thread hop for a numeric host
  } else {
    addresses = co_await resolve(host, std::to_string(port));
  }
  std::exception_ptr last;
  for (const SocketAddress& address : addresses) {
    detail::Socket socket = detail::Socket::open(address.family(), SOCK_STREAM);
    try {
      co_await socket.connect(address.data(), address.size(), "connect to " + address.to_string());
      co_return TcpStream(std::move(socket));
    } catch (const std::system_error&) {
      last = std::current_exception();  // try the next address (happy eyeballs, serially)
    }
  }
  if (last) std::rethrow_exception(last);
  throw std::system_error(EHOSTUNREACH, std::generic_category(),
                          "connect to " + host + ": no address");
}

Task<std::size_t> TcpStream::read(std::span<std::byte> buffer) {
  return socket_.recv(buffer, 0, "TcpStream::read");
}

Task<> TcpStream::read_exact(std::span<std::byte> buffer) {
  std::size_t done = 0;
  while (done < buffer.size()) {
    std::size_t n = co_await socket_.recv(buffer.subspan(done), 0, "TcpStream::read_exact");
    if (n == 0) throw IncompleteReadError(buffer.size(), done);
    done += n;
  }
}

Task<> TcpStream::write_all(std::span<const std::byte> data) {
  return socket_.send_all(data, "TcpStream::write_all");
}

Task<> TcpStream::write_all(std::string_view data) {
  return socket_.send_all(std::as_bytes(std::span(data.data(), data.size())),
                          "TcpStream::write_all");
}

Task<> TcpStream::writev(std::span<const std::span<const std::byte>> buffers) {
  std::vector<iovec> iov;
  iov.reserve(buffers.size());
  for (auto b : buffers) iov.push_back({const_cast<std::byte*>(b.data()), b.size()});
  co_await socket_.sendmsg_all(iov, "TcpStream::writev");
}

void TcpStream::shutdown_write() {
  if (::shutdown(socket_.fd(), SHUT_WR) < 0) detail::throw_errno("TcpStream::shutdown_write");
}

void TcpStream::set_nodelay(bool enabled) {
  int on = enabled ? 1 : 0;
  if (::setsockopt(socket_.fd(), IPPROTO_TCP, TCP_NODELAY, &on, sizeof on) < 0) {
    detail::throw_errno("setsockopt(TCP_NODELAY)");
  }
}

SocketAddress TcpStream::local_address() const {
  return detail::socket_address(socket_.fd(), false);
}
SocketAddress TcpStream::peer_address() const { return detail::socket_address(socket_.fd(), true); }

// ---- TcpListener --------------------------------------------------------------------------

TcpListener TcpListener::bind(std::string_view host, std::uint16_t port, ListenOptions options) {
  return bind(detail::bind_address(host, port, "TcpListener::bind"), options);
}

TcpListener TcpListener::bind(const SocketAddress& address, ListenOptions options) {
  detail::Socket socket = detail::Socket::open(address.family(), SOCK_STREAM);
  int on = 1;
  if (options.reuse_address &&
      ::setsockopt(socket.fd(), SOL_SOCKET, SO_REUSEADDR, &on, sizeof on) < 0) {
    detail::throw_errno("setsockopt(SO_REUSEADDR)");
  }
  if (options.reuse_port &&
      ::setsockopt(socket.fd(), SOL_SOCKET, SO_REUSEPORT, &on, sizeof on) < 0) {
    detail::throw_errno("setsockopt(SO_REUSEPORT)");
  }
  if (::bind(socket.fd(), address.data(), address.size()) < 0) {
    detail::throw_errno(errno, "bind to " + address.to_string());
  }
  if (::listen(socket.fd(), options.backlog) < 0) {
    detail::throw_errno(errno, "listen on " + address.to_string());
  }
  return TcpListener(std::move(socket));
}

Task<TcpStream> TcpListener::accept() {
  // Out of descriptors: the connection stays queued in the kernel; wait and retry. The
  // back-off doubles from 1 ms to 64 ms so a server stuck at its limit uses no CPU.
  auto backoff = std::chrono::milliseconds(1);
  for (;;) {
    sockaddr_storage peer{};
    socklen_t len = sizeof peer;
    int fd =
        co_await socket_.accept(reinterpret_cast<sockaddr*>(&peer), &len, "TcpListener::accept");
    if (fd >= 0) co_return TcpStream(detail::Socket(fd));
    co_await sleep_for(backoff);
    backoff = std::min(backoff * 2, std::chrono::milliseconds(64));
  }
}

SocketAddress TcpListener::local_address() const {
  return detail::socket_address(socket_.fd(), false);
}

}  // namespace corio
