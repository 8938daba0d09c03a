// TcpServer and serve(): asyncio.start_server for corio, sharded the way Seastar shards.
//
//   corio::Task<> echo(corio::TcpStream s) { ... }
//   co_await corio::serve("0.0.0.0", 8080, echo);              // until cancelled
//
//   corio::TcpServer server = corio::start_server(echo, "127.0.0.1", 0);
//   std::uint16_t port = server.local_address().port();
//   co_await server.serve_forever();
//
// Sharded accept: the server opens one SO_REUSEPORT listener per worker and runs each
// listener's accept loop as a task pinned to its worker (spawn_local), so the kernel spreads
// incoming connections over the cores and no accept ever crosses threads. Each connection's
// handler is spawned by the loop that accepted it; by default it is pinned to that worker
// too, so a connection's socket, buffers and wake-ups stay on one core.
#pragma once

#include <cstdint>
#include <exception>
#include <functional>
#include <memory>
#include <string>
#include <string_view>

#include "corio/core/task.hpp"
#include "corio/io/address.hpp"
#include "corio/io/tcp.hpp"

namespace corio {

struct ServeOptions {
  /// listen() backlog of each listener.
  int backlog = 1024;
  /// One listener and one pinned accept loop per worker (SO_REUSEPORT). False: a single
  /// listener whose accept loop any worker may run.
  bool shard_accept = true;
  /// Pin each connection's handler to the worker that accepted it. False: handlers are
  /// ordinary tasks that idle workers may steal (better for uneven, CPU-heavy handlers).
  bool pin_connections = true;
  /// TCP_NODELAY on every accepted connection (what request/response servers want).
  bool nodelay = true;
  /// Called with the exception a handler ended with (anything but CancelledError). Empty:
  /// one line to stderr ("corio::serve: a connection handler failed: ..."), so a failing
  /// handler is never silent.
  std::function<void(std::exception_ptr)> on_handler_error = {};
};

/// A connection handler: called once per accepted connection, in a new task.
using ConnectionHandler = std::function<Task<>(TcpStream)>;

/// A running TCP server (asyncio.Server). Move-only; destroying it closes it.
///
/// Thread safety: one task owns it; close() and local_address() may be called from any
///   task of the runtime.
class TcpServer {
 public:
  TcpServer() noexcept = default;
  TcpServer(TcpServer&&) noexcept;
  TcpServer& operator=(TcpServer&&) noexcept;
  ~TcpServer();

  /// The address the listeners are bound to (the port the kernel picked for port 0).
  SocketAddress local_address() const;
  /// Number of listeners (one per worker when sharded).
  std::size_t listeners() const noexcept;

  /// Stops accepting: cancels the accept loops and closes the listeners. Connections
  /// already accepted keep running. Idempotent.
  void close() noexcept;
  bool is_serving() const noexcept;

  /// Suspends until the server is closed (by close() from another task).
  /// Cancellation: closes the server, then throws CancelledError (asyncio's behaviour).
  /// Errors: an accept loop's error (std::system_error other than EMFILE, which is retried).
  Task<> serve_forever();

 private:
  struct State;
  explicit TcpServer(std::shared_ptr<State> state) noexcept : state_(std::move(state)) {}
  friend TcpServer start_server(ConnectionHandler, std::string_view, std::uint16_t, ServeOptions);
  std::shared_ptr<State> state_;
};

/// Binds and starts accepting at once (asyncio.start_server); each connection runs
/// `handler(stream)` in a new task. `port` 0 picks a free port (see local_address()).
/// Call from a task: the accept loops are spawned on the current runtime.
/// Errors: UsageError outside a runtime or for an empty handler; std::system_error from
///   bind/listen ("bind to <address>", EADDRINUSE...).
TcpServer start_server(ConnectionHandler handler, std::string_view host, std::uint16_t port,
                       ServeOptions options = {});

/// start_server + serve_forever: serves until cancelled.
Task<> serve(std::string host, std::uint16_t port, ConnectionHandler handler,
             ServeOptions options = {});

}  // namespace corio
