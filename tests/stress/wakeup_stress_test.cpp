// A parked worker that wakes with work of its own (an I/O event) while a producer is waking
// it too must be counted once: a lost count once left every worker asleep with a task
// queued. This drives exactly that mix, many times: an accept loop, short client
// connections, and a cancellation from another thread's block_on. Run under TSan too.
#include <arpa/inet.h>
#include <gtest/gtest.h>
#include <netinet/in.h>
#include <sys/socket.h>
#include <unistd.h>

#include <atomic>
#include <cerrno>
#include <cstddef>
#include <optional>
#include <string_view>

#include "corio/corio.hpp"

namespace {

corio::Task<> session(corio::TcpStream stream) {
  std::byte buffer[16];
  while (co_await stream.read(buffer) > 0) {
  }
}

corio::Task<> accept_loop(corio::TcpListener* listener, std::atomic<int>* accepted) {
  for (;;) {
    corio::spawn(session(co_await listener->accept())).detach();
    accepted->fetch_add(1);
  }
}

corio::Task<> client(corio::SocketAddress address) {
  corio::TcpStream stream = co_await corio::TcpStream::connect(address);
  co_await stream.write_all(std::string_view("x"));
}

corio::Task<bool> stop(corio::JoinHandle<void> loop) {
  loop.cancel();
  try {
    co_await loop;
  } catch (const corio::CancelledError&) {
    co_return true;
  }
  co_return false;
}

TEST(WakeupStressTest, AcceptLoopsClientsAndCancellationsNeverStrandATask) {
  for (int round = 0; round < 40; ++round) {
    corio::Runtime rt({.workers = 2});
    corio::TcpListener listener = corio::TcpListener::bind("127.0.0.1", 0);
    std::atomic<int> accepted{0};
    auto loop = rt.spawn(accept_loop(&listener, &accepted));
    for (int c = 0; c < 3; ++c) rt.block_on(client(listener.local_address()));
    ASSERT_TRUE(rt.block_on(stop(std::move(loop)))) << "round " << round;
  }
}

}  // namespace

namespace {

// A listener (and an accepted stream) kept by the caller beyond the runtime: closing them
// afterwards must not touch the runtime's freed reactor (ASan checks it).
TEST(WakeupStressTest, SocketsThatOutliveTheirRuntimeCloseCleanly) {
  std::optional<corio::TcpListener> listener;
  std::optional<corio::TcpStream> accepted;
  {
    corio::Runtime rt({.workers = 2});
    listener.emplace(corio::TcpListener::bind("127.0.0.1", 0));
    auto accept_one = [](corio::TcpListener* l,
                         std::optional<corio::TcpStream>* out) -> corio::Task<> {
      out->emplace(co_await l->accept());
      std::byte byte[1];
      co_await out->value().read(byte);
    };
    auto h = rt.spawn(accept_one(&*listener, &accepted));
    rt.block_on(client(listener->local_address()));
    auto wait_for = [](corio::JoinHandle<void> h) -> corio::Task<> { co_await h; };
    rt.block_on(wait_for(std::move(h)));
    // The listener's fd joined a reactor (its accept waited); the stream's may have too.
  }
  corio::SocketAddress address = listener->local_address();
  accepted.reset();
  listener.reset();  // after the runtime: must close without touching it (ASan checks)
  // The port is really closed: a plain connect to it is refused.
  int fd = ::socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0);
  ASSERT_GE(fd, 0);
  sockaddr_in sin{};
  sin.sin_family = AF_INET;
  sin.sin_port = htons(address.port());
  sin.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
  int rc = ::connect(fd, reinterpret_cast<sockaddr*>(&sin), sizeof sin);
  int err = errno;
  ::close(fd);
  EXPECT_EQ(rc, -1);
  EXPECT_EQ(err, ECONNREFUSED);
}

}  // namespace
