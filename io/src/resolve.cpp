// resolve (resolve.hpp): getaddrinfo on the blocking pool, since it may block for seconds.
#include "corio/io/resolve.hpp"

#include <netdb.h>

#include <algorithm>
#include <charconv>
#include <system_error>

#include "corio/core/blocking.hpp"

namespace corio {

namespace {

class ResolveCategory final : public std::error_category {
 public:
  const char* name() const noexcept override { return "getaddrinfo"; }
  std::string message(int code) const override { return ::gai_strerror(code); }
};

std::vector<SocketAddress> lookup(const std::string& host, const std::string& service) {
  addrinfo hints{};
  hints.ai_family = AF_UNSPEC;
  hints.ai_socktype = SOCK_STREAM;
  hints.ai_flags = AI_ADDRCONFIG;
  addrinfo* list = nullptr;
  int rc = ::getaddrinfo(host.c_str(), service.c_str(), &hints, &list);
  if (rc == EAI_SYSTEM) {
    throw std::system_error(errno, std::generic_category(), "resolve " + host);
  }
  if (rc != 0) throw std::system_error(rc, resolve_category(), "resolve " + host);
  std::vector<SocketAddress> out;
  for (addrinfo* p = list; p; p = p->ai_next) {
    SocketAddress a = SocketAddress::from_sockaddr(p->ai_addr, p->ai_addrlen);
    if (a.family() != AF_UNSPEC && std::find(out.begin(), out.end(), a) == out.end()) {
      out.push_back(a);
    }
  }
  ::freeaddrinfo(list);
  return out;
}

}  // namespace

const std::error_category& resolve_category() noexcept {
  static const ResolveCategory category;
  return category;
}

Task<std::vector<SocketAddress>> resolve(std::string host, std::string service) {
  unsigned port = 0;
  auto [end, ec] = std::from_chars(service.data(), service.data() + service.size(), port);
  if (ec == std::errc() && end == service.data() + service.size() && port <= 65535) {
    if (auto numeric = SocketAddress::from_ip(host, static_cast<std::uint16_t>(port))) {
      co_return std::vector<SocketAddress>{*numeric};
    }
  }
  co_return co_await to_thread(&lookup, std::move(host), std::move(service));
}

}  // namespace corio
