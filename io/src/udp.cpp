// UdpSocket (udp.hpp): thin wrappers over detail::Socket's datagram loops.
#include "corio/io/udp.hpp"

#include <sys/socket.h>

#include "corio/io/tcp.hpp"  // detail::bind_address, detail::socket_address

namespace corio {

UdpSocket UdpSocket::bind(std::string_view host, std::uint16_t port) {
  return bind(detail::bind_address(host, port, "UdpSocket::bind"));
}

UdpSocket UdpSocket::bind(const SocketAddress& address) {
  detail::Socket socket = detail::Socket::open(address.family(), SOCK_DGRAM);
  if (::bind(socket.fd(), address.data(), address.size()) < 0) {
    detail::throw_errno(errno, "bind to " + address.to_string());
  }
  return UdpSocket(std::move(socket));
}

Task<std::size_t> UdpSocket::send_to(std::span<const std::byte> data, SocketAddress to) {
  co_return co_await socket_.send_to(data, to.data(), to.size(), "UdpSocket::send_to");
}

Task<std::pair<std::size_t, SocketAddress>> UdpSocket::recv_from(std::span<std::byte> buffer) {
  sockaddr_storage from{};
  socklen_t len = sizeof from;
  std::size_t n = co_await socket_.recv_from(buffer, reinterpret_cast<sockaddr*>(&from), &len,
                                             "UdpSocket::recv_from");
  co_return std::pair{n, SocketAddress::from_sockaddr(reinterpret_cast<sockaddr*>(&from), len)};
}

void UdpSocket::connect(const SocketAddress& peer) {
  if (::connect(socket_.fd(), peer.data(), peer.size()) < 0) {
    detail::throw_errno(errno, "connect to " + peer.to_string());
  }
}

Task<std::size_t> UdpSocket::send(std::span<const std::byte> data) {
  return socket_.send_to(data, nullptr, 0, "UdpSocket::send");
}

Task<std::size_t> UdpSocket::recv(std::span<std::byte> buffer) {
  return socket_.recv_from(buffer, nullptr, nullptr, "UdpSocket::recv");
}

SocketAddress UdpSocket::local_address() const {
  return detail::socket_address(socket_.fd(), false);
}

}  // namespace corio
