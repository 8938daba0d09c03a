// echo_server: sends back every byte each client sends (asyncio's TCP echo server).
//
//   echo_server [--port P] [--workers W]
//
// Prints "listening on 127.0.0.1:PORT" as its first line (port 0, the default, picks a free
// port), then serves each connection in its own task until the client closes. SIGTERM or
// SIGINT (Ctrl-C) stops it gracefully (exit status 0).
#include <array>
#include <corio/corio.hpp>
#include <csignal>
#include <cstdio>
#include <cstdlib>
#include <exception>
#include <string_view>

namespace {

struct Options {
  std::uint16_t port = 0;
  unsigned workers = 0;
};

corio::Task<> echo(corio::TcpStream stream) {
  std::array<std::byte, 16384> buffer;
  try {
    for (std::size_t n; (n = co_await stream.read(buffer)) > 0;) {
      co_await stream.write_all(std::span(buffer).first(n));
    }
  } catch (const std::system_error&) {
    // reset by the client: nothing left to echo to
  }
}

// Serves until SIGTERM or SIGINT, then returns 0. start_server opens one listener per
// worker (SO_REUSEPORT) with its accept loop pinned there; the server closes when `server`
// goes out of scope, and corio::run's shutdown ends the open connections.
corio::Task<int> amain(Options options) {
  corio::TcpServer server = corio::start_server(echo, "127.0.0.1", options.port);
  // Install the handlers before announcing the port: a signal sent right after the
  // announcement is then a graceful stop, not the default action.
  corio::Task<> sigterm = corio::signal(SIGTERM);
  corio::Task<> sigint = corio::signal(SIGINT);
  std::printf("listening on %s\n", server.local_address().to_string().c_str());
  std::fflush(stdout);
  co_await corio::select(std::move(sigterm), std::move(sigint));
  co_return 0;
}

[[noreturn]] void usage() {
  std::fprintf(stderr, "usage: echo_server [--port P] [--workers W]\n");
  std::exit(2);
}

}  // namespace

int main(int argc, char** argv) {
  Options options;
  for (int i = 1; i < argc; i += 2) {
    if (i + 1 >= argc) usage();
    std::string_view flag = argv[i];
    char* end = nullptr;
    unsigned long value = std::strtoul(argv[i + 1], &end, 10);
    if (*end != '\0') usage();
    if (flag == "--port" && value <= 65535) {
      options.port = static_cast<std::uint16_t>(value);
    } else if (flag == "--workers") {
      options.workers = static_cast<unsigned>(value);
    } else {
      usage();
    }
  }
  try {
    return corio::run(amain(options), {.workers = options.workers});
  } catch (const std::exception& e) {
    std::fprintf(stderr, "echo_server: %s\n", e.what());
    return 1;
  }
}
