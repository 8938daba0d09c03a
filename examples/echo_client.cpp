// echo_client: sends each message to an echo server and prints what comes back (asyncio's
// TCP echo client).
//
//   echo_client PORT [HOST] -- MESSAGE...      e.g.  echo_client 8888 -- hello world
//   echo: hello
//   echo: world
//
// Each message is written whole, then exactly as many bytes are read back; at the end the
// client half-closes (FIN) and expects the server to close too. Exits 1 on any mismatch.
#include <corio/corio.hpp>
#include <corio/io/tcp.hpp>
#include <cstdio>
#include <cstdlib>
#include <exception>
#include <string>
#include <vector>

namespace {

struct Options {
  std::string host = "127.0.0.1";
  std::uint16_t port = 0;
  std::vector<std::string> messages;
};

corio::Task<int> amain(Options options) {
  corio::TcpStream stream = co_await corio::TcpStream::connect(options.host, options.port);
  stream.set_nodelay(true);
  for (const std::string& message : options.messages) {
    co_await stream.write_all(message);
    std::string reply(message.size(), '\0');
    co_await stream.read_exact(std::as_writable_bytes(std::span(reply)));
    std::printf("echo: %s\n", reply.c_str());
    if (reply != message) {
      std::fprintf(stderr, "echo_client: sent '%s', got back '%s'\n", message.c_str(),
                   reply.c_str());
      co_return 1;
    }
  }
  stream.shutdown_write();
  std::byte extra[1];
  if (co_await stream.read(extra) != 0) {
    std::fprintf(stderr, "echo_client: the server sent bytes nobody asked for\n");
    co_return 1;
  }
  co_return 0;
}

}  // namespace

int main(int argc, char** argv) {
  Options options;
  int i = 1;
  if (i < argc) options.port = static_cast<std::uint16_t>(std::strtoul(argv[i++], nullptr, 10));
  if (i < argc && std::string(argv[i]) != "--") options.host = argv[i++];
  if (i < argc && std::string(argv[i]) == "--") ++i;
  for (; i < argc; ++i) options.messages.emplace_back(argv[i]);
  if (options.port == 0 || options.messages.empty()) {
    std::fprintf(stderr, "usage: echo_client PORT [HOST] -- MESSAGE...\n");
    return 2;
  }
  try {
    return corio::run(amain(std::move(options)), {.workers = 1});
  } catch (const std::exception& e) {
    std::fprintf(stderr, "echo_client: %s\n", e.what());
    return 1;
  }
}
