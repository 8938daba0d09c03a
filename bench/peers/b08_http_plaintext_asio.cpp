// B8 http_plaintext (bench-spec.md) on standalone Asio with C++20 coroutines: an HTTP/1.1
// keep-alive server answering every request with "Hello, World!", loaded by wrk
// (common/http_plaintext.hpp measures it).
//
// Server: one io_context run by W threads (the idiomatic multi-threaded Asio setup), one
// acceptor coroutine, one coroutine per connection. A connection reads what is available,
// counts the complete requests in it, and answers all of them with one async_write, so
// pipelined requests cost one read and one write per batch.
#include <asio.hpp>
#include <common/http_plaintext.hpp>
#include <thread>
#include <vector>

namespace {

using asio::ip::tcp;
namespace http = corio::bench::http;

asio::awaitable<void> session(tcp::socket socket) {
  socket.set_option(tcp::no_delay(true));
  http::RequestBuffer input;
  try {
    for (;;) {
      std::span<char> space = input.free_space();
      std::size_t n = co_await socket.async_read_some(asio::buffer(space.data(), space.size()),
                                                      asio::use_awaitable);
      std::optional<std::size_t> count = input.commit(n);
      if (!count) co_return;  // a head larger than the buffer
      while (*count > 0) {
        std::string_view batch = http::responses(*count);
        co_await asio::async_write(socket, asio::buffer(batch.data(), batch.size()),
                                   asio::use_awaitable);
        *count -= batch.size() / http::kResponse.size();
      }
    }
  } catch (const std::system_error&) {
    // end of stream or reset: the connection is done
  }
}

asio::awaitable<void> listen(tcp::acceptor& acceptor) {
  for (;;) {
    tcp::socket socket = co_await acceptor.async_accept(asio::use_awaitable);
    asio::co_spawn(socket.get_executor(), session(std::move(socket)), asio::detached);
  }
}

http::WrkResult rep(unsigned workers, unsigned seconds) {
  asio::io_context context(static_cast<int>(workers));
  tcp::acceptor acceptor(context, tcp::endpoint(asio::ip::make_address("127.0.0.1"), 0));
  auto port = acceptor.local_endpoint().port();
  asio::co_spawn(context, listen(acceptor), asio::detached);
  std::vector<std::thread> threads;
  for (unsigned t = 0; t < workers; ++t) threads.emplace_back([&context] { context.run(); });
  http::validate_server(port);
  http::WrkResult result = http::run_wrk(port, seconds);
  context.stop();
  for (std::thread& thread : threads) thread.join();
  return result;
}

}  // namespace

int main(int argc, char** argv) { return http::main("asio", argc, argv, rep); }
