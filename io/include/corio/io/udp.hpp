// UdpSocket: datagrams (asyncio's DatagramTransport, without the protocol callbacks).
//
//   corio::UdpSocket sock = corio::UdpSocket::bind("127.0.0.1", 0);
//   co_await sock.send_to(bytes, peer);
//   auto [n, from] = co_await sock.recv_from(buffer);
#pragma once

#include <cstddef>
#include <cstdint>
#include <span>
#include <string_view>
#include <utility>

#include "corio/core/task.hpp"
#include "corio/io/address.hpp"
#include "corio/io/detail/socket.hpp"

namespace corio {

/// A UDP socket. Move-only; destroying it closes it. Like TcpStream, one task may receive
/// while another sends; member coroutines need the socket to outlive them.
///
/// Suspends: receives wait for a datagram; sends wait only when the send buffer is full.
/// Cancellation: CancelledError; no datagram is lost or half-sent.
/// Errors: std::system_error with the operation's name (ECONNREFUSED on a connected socket
///   whose peer's port is closed, reported by the next send or recv).
class UdpSocket {
 public:
  UdpSocket() noexcept = default;

  /// Binds to a numeric `host` (or "localhost") at `port` (0: a free port). Synchronous;
  /// may be called outside the runtime. Errors: UsageError for a name; std::system_error
  ///   "bind to <address>".
  static UdpSocket bind(std::string_view host, std::uint16_t port);
  static UdpSocket bind(const SocketAddress& address);

  /// Sends one datagram to `to`; returns its size.
  Task<std::size_t> send_to(std::span<const std::byte> data, SocketAddress to);
  /// Receives one datagram (truncated to the buffer) and its sender.
  Task<std::pair<std::size_t, SocketAddress>> recv_from(std::span<std::byte> buffer);

  /// Fixes the peer (synchronous: UDP connect only records it and filters arrivals).
  void connect(const SocketAddress& peer);
  /// send / recv on a connected socket.
  Task<std::size_t> send(std::span<const std::byte> data);
  Task<std::size_t> recv(std::span<std::byte> buffer);

  SocketAddress local_address() const;
  void close() noexcept { socket_.close(); }
  int native_handle() const noexcept { return socket_.fd(); }

 private:
  explicit UdpSocket(detail::Socket socket) noexcept : socket_(std::move(socket)) {}
  detail::Socket socket_;
};

}  // namespace corio
