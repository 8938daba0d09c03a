// SocketAddress: an IPv4 or IPv6 address with a port, as the kernel's sockaddr holds it.
//
//   corio::SocketAddress a = corio::SocketAddress::parse("127.0.0.1:8080");
//   corio::SocketAddress b = corio::SocketAddress::parse("[::1]:443");
//   a.port();        // 8080
//   b.to_string();   // "[::1]:443"
//
// Parsing is numeric only (no DNS): names go through corio::resolve (resolve.hpp).
#pragma once

#include <sys/socket.h>

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>

namespace corio {

/// An IPv4 or IPv6 socket address. A value type: copyable, comparable, 128 bytes.
class SocketAddress {
 public:
  /// An empty address (family AF_UNSPEC); only assignable and printable.
  SocketAddress() noexcept;

  /// Parses "a.b.c.d:port" or "[v6]:port" (numeric hosts only). Errors: UsageError naming
  /// the text and the expected form.
  static SocketAddress parse(std::string_view host_port);
  /// Parses a numeric IPv4 or IPv6 host (no brackets) with `port`; nullopt if `host` is not
  /// a numeric address.
  static std::optional<SocketAddress> from_ip(std::string_view host, std::uint16_t port);
  /// Copies a kernel sockaddr (AF_INET or AF_INET6; others give an empty address).
  static SocketAddress from_sockaddr(const sockaddr* addr, socklen_t len) noexcept;

  bool is_v4() const noexcept { return storage_.ss_family == AF_INET; }
  bool is_v6() const noexcept { return storage_.ss_family == AF_INET6; }
  int family() const noexcept { return storage_.ss_family; }
  std::uint16_t port() const noexcept;
  /// The host part without the port: "127.0.0.1", "::1".
  std::string ip() const;
  /// "127.0.0.1:80" or "[::1]:80"; "<unspecified>" for an empty address.
  std::string to_string() const;

  const sockaddr* data() const noexcept { return reinterpret_cast<const sockaddr*>(&storage_); }
  socklen_t size() const noexcept { return len_; }

  friend bool operator==(const SocketAddress& a, const SocketAddress& b) noexcept;

 private:
  sockaddr_storage storage_;
  socklen_t len_ = 0;
};

}  // namespace corio
