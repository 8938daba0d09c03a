// TcpServer: sharded listeners, pinned accept loops, one task per connection (server.hpp).
#include "corio/io/server.hpp"

#include <atomic>
#include <cstdio>
#include <mutex>
#include <optional>
#include <system_error>
#include <utility>
#include <vector>

#include "corio/core/error.hpp"
#include "corio/core/join_handle.hpp"
#include "corio/core/spawn.hpp"

namespace corio {

namespace {

/// What every accept loop and connection task of one server shares; immutable.
struct Setup {
  ConnectionHandler handler;
  ServeOptions options;
};

void report_handler_error(const Setup& setup, std::exception_ptr error) {
  if (setup.options.on_handler_error) {
    setup.options.on_handler_error(error);
    return;
  }
  try {
    std::rethrow_exception(error);
  } catch (const std::exception& e) {
    std::fprintf(stderr, "corio::serve: a connection handler failed: %s\n", e.what());
  } catch (...) {
    std::fprintf(stderr, "corio::serve: a connection handler failed with a non-std exception\n");
  }
}

Task<> run_connection(std::shared_ptr<const Setup> setup, TcpStream stream) {
  try {
    co_await setup->handler(std::move(stream));
  } catch (const CancelledError&) {
    // The server's runtime is shutting down or the task was cancelled: not a failure.
  } catch (...) {
    report_handler_error(*setup, std::current_exception());
  }
}

Task<> accept_loop(std::shared_ptr<TcpListener> listener, std::shared_ptr<const Setup> setup) {
  for (;;) {
    TcpStream stream = co_await listener->accept();
    if (setup->options.nodelay) {
      try {
        stream.set_nodelay(true);
      } catch (const std::system_error&) {
        continue;  // reset before we got to it: nothing to serve
      }
    }
    SpawnOptions options{.name = "connection"};
    if (setup->options.pin_connections) options.pin_to_worker = current_worker_index();
    spawn(run_connection(setup, std::move(stream)), options).detach();
  }
}

}  // namespace

struct TcpServer::State {
  SocketAddress address;
  /// Shared with the accept loops; closed by serve_forever once every loop has ended, or
  /// by the last owner.
  std::vector<std::shared_ptr<TcpListener>> listeners;
  std::atomic<bool> closed{false};
  std::mutex mutex;  // guards the handles in `loops` (cancelled by close, released by serve)
  std::vector<JoinHandle<void>> loops;
};

TcpServer::TcpServer(TcpServer&&) noexcept = default;

TcpServer& TcpServer::operator=(TcpServer&& other) noexcept {
  if (this != &other) {
    close();
    state_ = std::move(other.state_);
  }
  return *this;
}

TcpServer::~TcpServer() { close(); }

SocketAddress TcpServer::local_address() const {
  if (!state_) throw UsageError("TcpServer::local_address on an empty (moved-from) server");
  return state_->address;
}

std::size_t TcpServer::listeners() const noexcept { return state_ ? state_->listeners.size() : 0; }

bool TcpServer::is_serving() const noexcept {
  return state_ && !state_->closed.load(std::memory_order_acquire);
}

void TcpServer::close() noexcept {
  if (!state_ || state_->closed.exchange(true, std::memory_order_acq_rel)) return;
  std::lock_guard lock(state_->mutex);
  for (JoinHandle<void>& loop : state_->loops) loop.cancel();  // each ends at its accept
}

Task<> TcpServer::serve_forever() {
  if (!state_) throw UsageError("TcpServer::serve_forever on an empty (moved-from) server");
  std::shared_ptr<State> state = state_;
  for (JoinHandle<void>& loop : state->loops) {
    if (!loop) continue;  // joined by an earlier serve_forever
    std::exception_ptr failure;
    try {
      // Abandon, not forward: our own cancellation must stop every loop, not just this one.
      co_await detail::JoinHandleAccess::await_with(loop, detail::JoinCancel::abandon);
    } catch (const CancelledError&) {
      // The loop ended (close() cancelled it): wait for the others. The loop still runs:
      // this task was cancelled, so stop them all.
      if (!loop.is_done()) failure = std::current_exception();
    } catch (...) {
      failure = std::current_exception();
    }
    {
      std::lock_guard lock(state->mutex);
      loop = JoinHandle<void>();
    }
    if (failure) {
      close();
      std::rethrow_exception(failure);
    }
  }
  // Every loop has ended, so nothing else uses the listeners: the port is free on return.
  for (auto& listener : state->listeners) listener->close();
}

TcpServer start_server(ConnectionHandler handler, std::string_view host, std::uint16_t port,
                       ServeOptions options) {
  if (!handler) throw UsageError("corio::start_server with an empty connection handler");
  unsigned shards = options.shard_accept ? worker_count() : 1;  // UsageError outside a runtime
  auto setup = std::make_shared<const Setup>(Setup{std::move(handler), options});
  ListenOptions listen{
      .backlog = options.backlog, .reuse_address = true, .reuse_port = options.shard_accept};
  // Bind every listener before starting any loop, so a bind error leaves nothing running.
  // Port 0: the first listener gets a free port and the others share it.
  auto state = std::make_shared<TcpServer::State>();
  auto bind = [&](auto&&... where) {
    state->listeners.push_back(std::make_shared<TcpListener>(TcpListener::bind(where..., listen)));
  };
  bind(host, port);
  state->address = state->listeners.front()->local_address();
  while (state->listeners.size() < shards) bind(state->address);

  for (unsigned i = 0; i < shards; ++i) {
    SpawnOptions spawn_options{.name = "accept"};
    if (options.shard_accept) spawn_options.pin_to_worker = i;
    state->loops.push_back(spawn(accept_loop(state->listeners[i], setup), spawn_options));
  }
  return TcpServer(std::move(state));
}

Task<> serve(std::string host, std::uint16_t port, ConnectionHandler handler,
             ServeOptions options) {
  TcpServer server = start_server(std::move(handler), host, port, std::move(options));
  co_await server.serve_forever();
}

}  // namespace corio
