// http_server: an HTTP/1.1 keep-alive "Hello, World!" server on corio (the server of
// bench-spec.md's B8, hardened for the open internet).
//
//   http_server [--port P] [--workers W] [--timeout-ms T]
//   curl http://127.0.0.1:P/          → Hello, World!
//   curl http://127.0.0.1:P/metrics   → the runtime's metrics, for Prometheus to scrape
//
// Prints "listening on 127.0.0.1:PORT" as its first line (port 0, the default, picks a free
// port). Each connection is one task: it reads what is available, parses every complete
// request in it (pipelining) with the examples' hardened parser, and answers them all with
// one write. A malformed request gets 400 and the connection is closed; a client that sends
// nothing for T ms (default 10,000) while a request is pending or the connection is idle is
// dropped (corio::wait_for around the read), so slow clients cannot hold a task forever.
// SIGTERM or SIGINT (Ctrl-C) stops it gracefully (exit status 0).
#include <corio/corio.hpp>
#include <corio/io/signal.hpp>
#include <corio/io/tcp.hpp>
#include <csignal>
#include <cstdio>
#include <cstdlib>
#include <exception>
#include <string>
#include <string_view>
#include <vector>

#include "http/http_parser.hpp"

namespace {

using namespace std::chrono_literals;

constexpr std::string_view kHello =
    "HTTP/1.1 200 OK\r\nContent-Type: text/plain\r\nContent-Length: 13\r\n\r\nHello, World!";
constexpr std::string_view kHelloHead =
    "HTTP/1.1 200 OK\r\nContent-Type: text/plain\r\nContent-Length: 13\r\n\r\n";
constexpr std::string_view kNotAllowed =
    "HTTP/1.1 405 Method Not Allowed\r\nAllow: GET, HEAD\r\nContent-Length: 0\r\n\r\n";

struct Options {
  std::uint16_t port = 0;
  unsigned workers = 0;
  std::chrono::milliseconds timeout = 10s;
};

// Limits for requests from untrusted clients: no request this server answers needs more.
constexpr http::Limits kLimits{
    .max_start_line = 4096, .max_head = 8192, .max_headers = 64, .max_body = 65536};

// GET or HEAD /metrics: corio's runtime metrics in Prometheus' text format.
void append_metrics(bool head, bool keep_alive, std::string& out) {
  std::string body = corio::to_prometheus(corio::runtime_metrics());
  out += "HTTP/1.1 200 OK\r\nContent-Type: text/plain; version=0.0.4\r\nContent-Length: ";
  out += std::to_string(body.size());
  out += keep_alive ? "\r\n\r\n" : "\r\nConnection: close\r\n\r\n";
  if (!head) out += body;
}

// Appends the answer to `request` to `out`; false when the connection must close after it.
bool answer(const http::Request& request, std::string& out) {
  bool keep_alive = request.keep_alive;
  // The hello-world path stays the fast one: most targets differ from "/metrics" in length.
  if ((request.method == "GET" || request.method == "HEAD") && request.target == "/metrics") {
    append_metrics(request.method == "HEAD", keep_alive, out);
  } else if (request.method == "GET" || request.method == "HEAD") {
    std::string_view response = request.method == "GET" ? kHello : kHelloHead;
    if (keep_alive) {
      out += response;
    } else {
      // The same response, announcing the close (HTTP/1.0 or "Connection: close").
      out += response.substr(0, response.find("\r\n\r\n") + 2);
      out += "Connection: close\r\n\r\n";
      if (request.method == "GET") out += "Hello, World!";
    }
  } else {
    out += kNotAllowed;
  }
  return keep_alive;
}

void bad_request(http::ParseError error, std::string& out) {
  std::string_view why = http::to_string(error);
  out += "HTTP/1.1 400 Bad Request\r\nContent-Type: text/plain\r\nConnection: close\r\n";
  out += "Content-Length: " + std::to_string(why.size() + 1) + "\r\n\r\n";
  out += why;
  out += '\n';
}

// One connection: read, answer every complete request in one write, repeat.
corio::Task<> serve_connection(corio::TcpStream stream, std::chrono::milliseconds timeout) {
  stream.set_nodelay(true);
  http::RequestParser parser(kLimits);
  http::Request request;
  std::vector<char> buffer(kLimits.max_head + 4096);
  std::size_t have = 0;
  std::string out;
  try {
    for (;;) {
      if (have == buffer.size()) {
        // Only a body can fill the buffer (heads are smaller than it): grow to fit it.
        buffer.resize(std::min(buffer.size() * 2, kLimits.max_head + kLimits.max_body));
      }
      auto space = std::as_writable_bytes(std::span(buffer).subspan(have));
      std::size_t n = co_await corio::wait_for(stream.read(space), timeout);
      if (n == 0) co_return;  // the client closed
      have += n;

      std::size_t consumed = 0;
      bool keep_open = true;
      while (keep_open) {
        std::string_view rest(buffer.data() + consumed, have - consumed);
        http::ParseStatus status = parser.parse(rest, request);
        if (status == http::ParseStatus::incomplete) break;
        if (status == http::ParseStatus::error) {
          bad_request(parser.error(), out);
          keep_open = false;
          break;
        }
        keep_open = answer(request, out);
        consumed += request.size;
      }
      if (!out.empty()) {
        co_await stream.write_all(out);  // one write for the whole batch
        out.clear();
      }
      if (!keep_open) co_return;
      // Keep the unparsed tail (a partial request) at the front of the buffer.
      std::copy(buffer.begin() + static_cast<std::ptrdiff_t>(consumed),
                buffer.begin() + static_cast<std::ptrdiff_t>(have), buffer.begin());
      have -= consumed;
    }
  } catch (const corio::TimeoutError&) {
    // a slow or idle client: drop it
  } catch (const std::system_error&) {
    // reset by the peer, or the peer stopped reading: the connection is gone
  }
}

// Owns the listener, so the Runtime's shutdown (which destroys this unfinished task)
// closes it.
corio::Task<> accept_loop(corio::TcpListener listener, std::chrono::milliseconds timeout) {
  for (;;) {
    corio::TcpStream stream = co_await listener.accept();
    corio::spawn(serve_connection(std::move(stream), timeout)).detach();
  }
}

// Serves until SIGTERM or SIGINT, then returns 0: corio::run's shutdown ends the accept
// loop and the open connections.
corio::Task<int> amain(Options options) {
  corio::TcpListener listener = corio::TcpListener::bind("127.0.0.1", options.port);
  // Install the handlers before announcing the port: a signal sent right after the
  // announcement is then a graceful stop, not the default action.
  corio::Task<> sigterm = corio::signal(SIGTERM);
  corio::Task<> sigint = corio::signal(SIGINT);
  std::printf("listening on %s\n", listener.local_address().to_string().c_str());
  std::fflush(stdout);
  corio::spawn(accept_loop(std::move(listener), options.timeout)).detach();
  co_await corio::select(std::move(sigterm), std::move(sigint));
  co_return 0;
}

[[noreturn]] void usage(const char* why) {
  std::fprintf(stderr,
               "http_server: %s\nusage: http_server [--port P] [--workers W] [--timeout-ms T]\n",
               why);
  std::exit(2);
}

Options parse_options(int argc, char** argv) {
  Options options;
  for (int i = 1; i < argc; i += 2) {
    std::string_view flag = argv[i];
    if (i + 1 >= argc) usage("a flag needs a value");
    char* end = nullptr;
    unsigned long value = std::strtoul(argv[i + 1], &end, 10);
    if (*end != '\0') usage("values are whole numbers");
    if (flag == "--port" && value <= 65535) {
      options.port = static_cast<std::uint16_t>(value);
    } else if (flag == "--workers") {
      options.workers = static_cast<unsigned>(value);
    } else if (flag == "--timeout-ms" && value > 0) {
      options.timeout = std::chrono::milliseconds(value);
    } else {
      usage("unknown flag or value out of range");
    }
  }
  return options;
}

}  // namespace

int main(int argc, char** argv) {
  Options options = parse_options(argc, argv);
  try {
    return corio::run(amain(options), {.workers = options.workers});
  } catch (const std::exception& e) {
    std::fprintf(stderr, "http_server: %s\n", e.what());
    return 1;
  }
}
