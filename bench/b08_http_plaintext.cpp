// B8 http_plaintext (bench-spec.md) on corio: an HTTP/1.1 keep-alive server answering every
// request with "Hello, World!", loaded by wrk (common/http_plaintext.hpp measures it).
//
// Server: a corio Runtime with W workers and corio::start_server (one SO_REUSEPORT listener
// and pinned accept loop per worker), one task per connection. Connections are not pinned:
// wrk shares the two cores with the server, so a worker is often descheduled, and pinned
// connections would wait for it (p99 of milliseconds) where stealable ones move to the
// other worker. A
// connection reads what is available, counts the complete requests in it, and answers all
// of them with one write, so pipelined requests cost one read and one write per batch.
// (examples/http_server.cpp is the same server with a hardened parser and timeouts; this one
// is written exactly as the peers are, for a like-for-like race.)
#include <common/http_plaintext.hpp>
#include <corio/corio.hpp>

namespace {

namespace http = corio::bench::http;

corio::Task<> session(corio::TcpStream stream) {
  http::RequestBuffer input;
  try {
    for (;;) {
      std::size_t n = co_await stream.read(std::as_writable_bytes(input.free_space()));
      if (n == 0) co_return;
      std::optional<std::size_t> count = input.commit(n);
      if (!count) co_return;  // a head larger than the buffer
      while (*count > 0) {
        std::string_view batch = http::responses(*count);
        co_await stream.write_all(batch);
        *count -= batch.size() / http::kResponse.size();
      }
    }
  } catch (const std::system_error&) {
    // reset by the peer: the connection is done
  }
}

corio::Task<corio::TcpServer> start() {
  co_return corio::start_server(session, "127.0.0.1", 0, {.pin_connections = false});
}

http::WrkResult rep(unsigned workers, unsigned seconds) {
  corio::Runtime runtime({.workers = workers});
  corio::TcpServer server = runtime.block_on(start());
  std::uint16_t port = server.local_address().port();
  http::validate_server(port);
  return http::run_wrk(port, seconds);
  // The server closes, then the Runtime's destructor ends the remaining connections' tasks.
}

}  // namespace

int main(int argc, char** argv) { return http::main("corio", argc, argv, rep); }
