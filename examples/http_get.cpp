// http_get: the asyncio tutorial's aiohttp example on corio. Fetches several http:// URLs
// concurrently with corio::gather over plain HTTP/1.1 and prints each URL's status code.
//
//   http_get http://127.0.0.1:8080/ http://example.com/
//   http://127.0.0.1:8080/: 200 (13 bytes)
//   http://example.com/: 200 (1256 bytes)
//
// The Python it mirrors:
//   async def fetch(url):
//       async with session.get(url) as response:
//           print(f"{url}: {response.status}")
//           return await response.text()
//   await asyncio.gather(*(fetch(url) for url in urls))
//
// No TLS: https:// URLs are refused. Each fetch sends "Connection: close" and reads the
// body by Content-Length, or to the end of the stream (chunked bodies are counted raw).
// Exits 1 if any fetch failed (its error is printed in place of the status).
#include <corio/corio.hpp>
#include <corio/io/tcp.hpp>
#include <cstdio>
#include <stdexcept>
#include <string>
#include <string_view>
#include <vector>

#include "http/http_parser.hpp"

namespace {

struct Url {
  std::string host;
  std::uint16_t port = 80;
  std::string path = "/";
  std::string authority;  // host[:port] as written, for the Host header
};

// Splits "http://host[:port][/path]". Errors: std::invalid_argument.
Url parse_url(std::string_view url) {
  constexpr std::string_view kScheme = "http://";
  if (!url.starts_with(kScheme)) {
    throw std::invalid_argument("only http:// URLs are supported (no TLS): " + std::string(url));
  }
  std::string_view rest = url.substr(kScheme.size());
  std::size_t slash = rest.find('/');
  Url out;
  out.authority = std::string(rest.substr(0, slash));
  if (slash != std::string_view::npos) out.path = std::string(rest.substr(slash));
  std::string_view host = out.authority;
  std::size_t colon = host.rfind(':');
  if (colon != std::string_view::npos && host.find(']', colon) == std::string_view::npos) {
    unsigned long port = std::stoul(std::string(host.substr(colon + 1)));
    if (port == 0 || port > 65535) throw std::invalid_argument("bad port in " + std::string(url));
    out.port = static_cast<std::uint16_t>(port);
    host = host.substr(0, colon);
  }
  if (host.starts_with('[') && host.ends_with(']')) host = host.substr(1, host.size() - 2);
  if (host.empty()) throw std::invalid_argument("no host in " + std::string(url));
  out.host = std::string(host);
  return out;
}

struct Reply {
  int status = 0;
  std::size_t body_bytes = 0;
};

// GET `url`; prints "<url>: <status> (<n> bytes)" when the response is complete.
corio::Task<Reply> fetch(std::string url) {
  Url target = parse_url(url);
  corio::TcpStream stream = co_await corio::TcpStream::connect(target.host, target.port);
  std::string request = "GET " + target.path + " HTTP/1.1\r\nHost: " + target.authority +
                        "\r\nUser-Agent: corio-http_get\r\nAccept: */*\r\n"
                        "Connection: close\r\n\r\n";
  co_await stream.write_all(request);

  std::string received;
  std::vector<std::byte> chunk(16384);
  http::Response response;
  http::ParseError error{};
  for (;;) {
    std::size_t n = co_await stream.read(chunk);
    if (n == 0) throw std::runtime_error("the server closed before a complete response head");
    received.append(reinterpret_cast<const char*>(chunk.data()), n);
    http::ParseStatus status = http::parse_response_head(received, response, error);
    if (status == http::ParseStatus::complete) break;
    if (status == http::ParseStatus::error) {
      throw std::runtime_error("malformed response: " + std::string(http::to_string(error)));
    }
  }
  Reply reply{.status = response.status, .body_bytes = received.size() - response.size};
  if (response.has_content_length && !response.chunked) {
    while (reply.body_bytes < response.content_length) {
      std::size_t n = co_await stream.read(chunk);
      if (n == 0) throw std::runtime_error("the server closed in the middle of the body");
      reply.body_bytes += n;
    }
  } else {
    for (std::size_t n; (n = co_await stream.read(chunk)) > 0;) reply.body_bytes += n;
  }
  std::printf("%s: %d (%zu bytes)\n", url.c_str(), reply.status, reply.body_bytes);
  co_return reply;
}

corio::Task<int> amain(std::vector<std::string> urls) {
  std::vector<corio::Task<Reply>> fetches;
  for (const std::string& url : urls) fetches.push_back(fetch(url));
  // return_exceptions: one failed URL does not hide the others' results.
  std::vector<corio::Result<Reply>> results =
      co_await corio::gather(corio::return_exceptions, std::move(fetches));
  int failures = 0;
  for (std::size_t i = 0; i < results.size(); ++i) {
    if (results[i].has_value()) continue;
    ++failures;
    try {
      std::rethrow_exception(results[i].error());
    } catch (const std::exception& e) {
      std::printf("%s: error: %s\n", urls[i].c_str(), e.what());
    }
  }
  co_return failures == 0 ? 0 : 1;
}

}  // namespace

int main(int argc, char** argv) {
  if (argc < 2) {
    std::fprintf(stderr, "usage: http_get URL...   (http:// only)\n");
    return 2;
  }
  std::vector<std::string> urls(argv + 1, argv + argc);
  try {
    return corio::run(amain(std::move(urls)));
  } catch (const std::exception& e) {
    std::fprintf(stderr, "http_get: %s\n", e.what());
    return 1;
  }
}
