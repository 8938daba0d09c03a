// TcpServer, start_server and serve(): sharded listeners, pinned connections, close,
// cancellation, handler errors, misuse.
#include "corio/io/server.hpp"

#include <gtest/gtest.h>

#include <array>
#include <atomic>
#include <cerrno>
#include <exception>
#include <stdexcept>
#include <string>
#include <system_error>
#include <vector>

#include "corio/corio.hpp"

namespace {

const corio::RuntimeOptions kTwoWorkers{.workers = 2, .clock = corio::ClockKind::manual};

// Echoes each read back; counts reads that resumed on another worker than the first.
std::atomic<int> g_strays{0};
corio::Task<> echo_pinned(corio::TcpStream stream) {
  auto home = corio::current_worker_index();
  std::array<std::byte, 256> buf;
  for (std::size_t n; (n = co_await stream.read(buf)) > 0;) {
    if (corio::current_worker_index() != home) g_strays.fetch_add(1);
    co_await stream.write_all(std::span(buf).first(n));
  }
}

// Sends `rounds` messages and checks each echo.
corio::Task<int> client(std::uint16_t port, int rounds) {
  corio::TcpStream s = co_await corio::TcpStream::connect("127.0.0.1", port);
  int ok = 0;
  for (int i = 0; i < rounds; ++i) {
    std::string message = "ping " + std::to_string(i);
    co_await s.write_all(message);
    std::string echoed(message.size(), '\0');
    co_await s.read_exact(std::as_writable_bytes(std::span(echoed)));
    if (echoed == message) ++ok;
  }
  co_return ok;
}

TEST(ServerTest, ShardsOneListenerPerWorkerAndKeepsEachConnectionOnItsWorker) {
  auto body = []() -> corio::Task<int> {
    corio::TcpServer server = corio::start_server(echo_pinned, "127.0.0.1", 0);
    EXPECT_EQ(server.listeners(), 2u);
    EXPECT_TRUE(server.is_serving());
    std::vector<corio::JoinHandle<int>> clients;
    for (int i = 0; i < 64; ++i) {
      clients.push_back(corio::spawn(client(server.local_address().port(), 20)));
    }
    int ok = 0;
    for (auto& c : clients) ok += co_await c;
    co_return ok;
  };
  g_strays = 0;
  EXPECT_EQ(corio::run(body(), kTwoWorkers), 64 * 20);
  EXPECT_EQ(g_strays.load(), 0);
}

TEST(ServerTest, UnshardedServerUsesOneListenerAndStealableHandlers) {
  auto body = []() -> corio::Task<int> {
    corio::TcpServer server = corio::start_server(
        echo_pinned, "127.0.0.1", 0, {.shard_accept = false, .pin_connections = false});
    EXPECT_EQ(server.listeners(), 1u);
    co_return co_await client(server.local_address().port(), 10);
  };
  EXPECT_EQ(corio::run(body(), kTwoWorkers), 10);
}

TEST(ServerTest, CloseStopsAcceptingAndServeForeverReturns) {
  auto body = []() -> corio::Task<int> {
    corio::TcpServer server = corio::start_server(echo_pinned, "127.0.0.1", 0);
    std::uint16_t port = server.local_address().port();
    EXPECT_EQ(co_await client(port, 1), 1);
    server.close();
    server.close();  // idempotent
    EXPECT_FALSE(server.is_serving());
    co_await server.serve_forever();  // every accept loop has ended: the listeners are closed
    try {
      (void)co_await corio::TcpStream::connect("127.0.0.1", port);
    } catch (const std::system_error& e) {
      co_return e.code().value();
    }
    co_return 0;
  };
  EXPECT_EQ(corio::run(body(), kTwoWorkers), ECONNREFUSED);
}

TEST(ServerTest, CancellingServeForeverClosesTheServerAndEndsWithCancelledError) {
  auto body = []() -> corio::Task<int> {
    corio::TcpServer server = corio::start_server(echo_pinned, "127.0.0.1", 0);
    std::uint16_t port = server.local_address().port();
    auto serve_forever = [](corio::TcpServer* s) -> corio::Task<> { co_await s->serve_forever(); };
    auto serving = corio::spawn(serve_forever(&server));
    int ok = co_await client(port, 3);
    serving.cancel();
    try {
      co_await serving;
      ADD_FAILURE() << "serve_forever() returned instead of throwing CancelledError";
    } catch (const corio::CancelledError&) {
    }
    EXPECT_FALSE(server.is_serving());
    co_await server.serve_forever();  // the accept loops are gone, and so are the listeners
    try {
      (void)co_await corio::TcpStream::connect("127.0.0.1", port);
      ADD_FAILURE() << "the server still accepts after its cancellation";
    } catch (const std::system_error& e) {
      EXPECT_EQ(e.code().value(), ECONNREFUSED);
    }
    co_return ok;
  };
  EXPECT_EQ(corio::run(body(), kTwoWorkers), 3);
}

// serve() = start_server + serve_forever; cancelling it before it ever ran is clean too.
TEST(ServerTest, ServeRunsUntilCancelled) {
  auto body = []() -> corio::Task<bool> {
    auto serving = corio::spawn(corio::serve("127.0.0.1", 0, echo_pinned));
    serving.cancel();
    try {
      co_await serving;
    } catch (const corio::CancelledError&) {
      co_return true;
    }
    co_return false;
  };
  EXPECT_TRUE(corio::run(body(), kTwoWorkers));
}

TEST(ServerTest, AHandlerExceptionGoesToOnHandlerErrorAndTheServerKeepsServing) {
  struct Seen {
    corio::Event failed;
    std::string message;
  };
  auto body = [](Seen* seen) -> corio::Task<int> {
    auto failing = [](corio::TcpStream) -> corio::Task<> {
      throw std::runtime_error("handler exploded");
      co_return;
    };
    corio::ServeOptions options;
    options.on_handler_error = [seen](std::exception_ptr e) {
      try {
        std::rethrow_exception(e);
      } catch (const std::exception& error) {
        seen->message = error.what();
      }
      seen->failed.set();
    };
    corio::TcpServer server = corio::start_server(failing, "127.0.0.1", 0, options);
    corio::TcpStream first =
        co_await corio::TcpStream::connect("127.0.0.1", server.local_address().port());
    co_await seen->failed.wait();
    // Still accepting after the failure.
    corio::TcpStream second =
        co_await corio::TcpStream::connect("127.0.0.1", server.local_address().port());
    co_return 1;
  };
  Seen seen;
  EXPECT_EQ(corio::run(body(&seen), kTwoWorkers), 1);
  EXPECT_EQ(seen.message, "handler exploded");
}

TEST(ServerTest, MisuseAndBindErrorsAreReportedClearly) {
  EXPECT_THROW((void)corio::start_server(echo_pinned, "127.0.0.1", 0), corio::UsageError);
  auto body = []() -> corio::Task<int> {
    EXPECT_THROW((void)corio::start_server(nullptr, "127.0.0.1", 0), corio::UsageError);
    // A port held by a listener without SO_REUSEPORT cannot be shared.
    corio::TcpListener taken = corio::TcpListener::bind("127.0.0.1", 0);
    try {
      (void)corio::start_server(echo_pinned, "127.0.0.1", taken.local_address().port());
    } catch (const std::system_error& e) {
      EXPECT_NE(std::string(e.what()).find("bind to 127.0.0.1:"), std::string::npos) << e.what();
      co_return e.code().value();
    }
    co_return 0;
  };
  EXPECT_EQ(corio::run(body(), kTwoWorkers), EADDRINUSE);
}

}  // namespace
