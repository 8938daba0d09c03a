// TCP on loopback: connect, accept, reads and writes, half-close, resets, EPIPE, many
// connections, cancellation, and a server surviving EMFILE (in a child process).
#include "corio/io/tcp.hpp"

#include <fcntl.h>
#include <gtest/gtest.h>
#include <netinet/in.h>
#include <sys/resource.h>
#include <sys/socket.h>
#include <sys/wait.h>
#include <unistd.h>

#include <array>
#include <atomic>
#include <chrono>
#include <cstdio>
#include <cstring>
#include <string>
#include <vector>

#include "corio/corio.hpp"

namespace {

using namespace std::chrono_literals;
const corio::RuntimeOptions kManual{.workers = 2, .clock = corio::ClockKind::manual};

std::span<const std::byte> bytes(std::string_view s) {
  return std::as_bytes(std::span(s.data(), s.size()));
}

std::string as_string(std::span<const std::byte> b) {
  return std::string(reinterpret_cast<const char*>(b.data()), b.size());
}

// Reads until end of stream.
corio::Task<std::string> read_all(corio::TcpStream* s, std::size_t chunk) {
  std::string out;
  std::vector<std::byte> buf(chunk);
  for (;;) {
    std::size_t n = co_await s->read(buf);
    if (n == 0) co_return out;
    out += as_string(std::span(buf).first(n));
  }
}

// Echoes until end of stream, then closes. (The parameter is moved into a local: a spawned
// task's parameters live as long as its frame, which its JoinHandle keeps.)
corio::Task<> echo(corio::TcpStream stream) {
  corio::TcpStream s = std::move(stream);
  std::array<std::byte, 4096> buf;
  for (;;) {
    std::size_t n = co_await s.read(buf);
    if (n == 0) co_return;
    co_await s.write_all(std::span(buf).first(n));
  }
}

TEST(TcpTest, BindToPortZeroPicksAFreePortAndReportsIt) {
  auto body = []() -> corio::Task<> {
    auto listener = corio::TcpListener::bind("127.0.0.1", 0);
    corio::SocketAddress a = listener.local_address();
    EXPECT_TRUE(a.is_v4());
    EXPECT_NE(a.port(), 0);
    EXPECT_EQ(a.ip(), "127.0.0.1");
    co_return;
  };
  corio::run(body(), kManual);
}

TEST(TcpTest, BindingAPortInUseThrowsEaddrinuseWithTheAddress) {
  auto listener = corio::TcpListener::bind("127.0.0.1", 0, {.reuse_address = false});
  std::uint16_t port = listener.local_address().port();
  try {
    (void)corio::TcpListener::bind("127.0.0.1", port, {.reuse_address = false});
    FAIL() << "bound twice";
  } catch (const std::system_error& e) {
    EXPECT_EQ(e.code().value(), EADDRINUSE);
    EXPECT_NE(std::string(e.what()).find("127.0.0.1:" + std::to_string(port)), std::string::npos)
        << e.what();
  }
}

TEST(TcpTest, BindingANameThrowsUsageError) {
  EXPECT_THROW((void)corio::TcpListener::bind("example.invalid", 0), corio::UsageError);
}

TEST(TcpTest, ConnectToAClosedPortThrowsConnectionRefused) {
  // A port that was free a moment ago: bind, note it, close.
  std::uint16_t port = corio::TcpListener::bind("127.0.0.1", 0).local_address().port();
  auto body = [](std::uint16_t port) -> corio::Task<int> {
    try {
      (void)co_await corio::TcpStream::connect("127.0.0.1", port);
    } catch (const std::system_error& e) {
      EXPECT_NE(std::string(e.what()).find("connect to 127.0.0.1:"), std::string::npos);
      co_return e.code().value();
    }
    co_return 0;
  };
  EXPECT_EQ(corio::run(body(port), kManual), ECONNREFUSED);
}

TEST(TcpTest, EchoRoundTripOverIpv4AndIpv6WithAddresses) {
  auto body = [](const char* host) -> corio::Task<std::string> {
    auto listener = corio::TcpListener::bind(host, 0);
    auto server = corio::spawn([](corio::TcpListener* l) -> corio::Task<> {
      co_await echo(co_await l->accept());
    }(&listener));
    corio::TcpStream c = co_await corio::TcpStream::connect(host, listener.local_address().port());
    EXPECT_EQ(c.peer_address(), listener.local_address());
    EXPECT_EQ(c.local_address().ip(), std::string(host));
    c.set_nodelay(true);
    co_await c.write_all(std::string_view("hello"));
    c.shutdown_write();
    std::string got = co_await read_all(&c, 64);
    co_await server;
    co_return got;
  };
  EXPECT_EQ(corio::run(body("127.0.0.1"), kManual), "hello");
  EXPECT_EQ(corio::run(body("::1"), kManual), "hello");
}

TEST(TcpTest, ConnectResolvesLocalhost) {
  auto body = []() -> corio::Task<std::string> {
    auto listener = corio::TcpListener::bind("127.0.0.1", 0);
    auto server = corio::spawn([](corio::TcpListener* l) -> corio::Task<> {
      co_await echo(co_await l->accept());
    }(&listener));
    corio::TcpStream c =
        co_await corio::TcpStream::connect("localhost", listener.local_address().port());
    co_await c.write_all(std::string_view("hi"));
    c.shutdown_write();
    std::string got = co_await read_all(&c, 64);
    co_await server;
    co_return got;
  };
  EXPECT_EQ(corio::run(body(), kManual), "hi");
}

// A short read marks a stream drained (no recv until the next event); bytes and the peer's
// hang-up reported by one edge must still both be read: the hang-up is remembered.
TEST(TcpTest, BytesAndAHangUpReportedTogetherAreBothRead) {
  auto body = []() -> corio::Task<int> {
    int ok = 0;
    for (int round = 0; round < 100; ++round) {
      auto listener = corio::TcpListener::bind("127.0.0.1", 0);
      auto server = corio::spawn([](corio::TcpListener* l) -> corio::Task<> {
        corio::TcpStream s = co_await l->accept();
        co_await corio::sleep_for(1ms);  // usually after the reader has started waiting
        co_await s.write_all(std::string_view("abc"));
        s.shutdown_write();
      }(&listener));
      corio::TcpStream c =
          co_await corio::TcpStream::connect("127.0.0.1", listener.local_address().port());
      std::string got;
      // "abc" (a short read), then end of stream. A lost hang-up would wait forever; the
      // (real-time) bound only turns that hang into a failure.
      try {
        got = co_await corio::wait_for(read_all(&c, 64), 60s);
      } catch (const corio::TimeoutError&) {
        got = "timed out: the hang-up was lost";
      }
      co_await server;
      ok += got == "abc";
    }
    co_return ok;
  };
  EXPECT_EQ(corio::run(body(), {.workers = 2}), 100);
}

// Reads `n` four-byte messages with read_exact, appending them to `got`.
corio::Task<> read_messages(corio::TcpStream* stream, int n, std::string* got) {
  std::array<std::byte, 4> message;
  for (int i = 0; i < n; ++i) {
    co_await stream->read_exact(message);
    *got += as_string(message);
  }
}

// Reads that fill their buffer turn on TCP_INQ: a read that leaves bytes queued must not
// mark the stream drained (the next read_exact would wait for an event that never comes:
// the peer sends nothing more until it hears back), one that leaves none must still wake
// on the next bytes, and end of stream must still be seen.
TEST(TcpTest, ExactReadsSeeBytesLeftQueuedAndLaterOnes) {
  auto body = []() -> corio::Task<std::string> {
    auto listener = corio::TcpListener::bind("127.0.0.1", 0);
    auto server = corio::spawn([](corio::TcpListener* l) -> corio::Task<> {
      corio::TcpStream s = co_await l->accept();
      co_await s.write_all(std::string_view("aaaabbbbcccc"));  // three messages, one write
      std::array<std::byte, 3> ack;
      try {
        co_await s.read_exact(ack);
      } catch (const corio::IncompleteReadError&) {
        co_return;  // the client timed out and closed
      }
      co_await s.write_all(std::string_view("dddd"));
      s.shutdown_write();
    }(&listener));
    corio::TcpStream c =
        co_await corio::TcpStream::connect("127.0.0.1", listener.local_address().port());
    std::string got;
    try {  // the (real-time) bound only turns a wrongly drained stream's hang into a failure
      co_await corio::wait_for(read_messages(&c, 3, &got), 60s);
      co_await c.write_all(std::string_view("ack"));
      co_await corio::wait_for(read_messages(&c, 1, &got), 60s);
      got += co_await corio::wait_for(read_all(&c, 4), 60s);  // then end of stream
    } catch (const corio::TimeoutError&) {
      got += " timed out";
      c.close();  // the server stops waiting for the ack
    }
    co_await server;
    co_return got;
  };
  EXPECT_EQ(corio::run(body(), {.workers = 2}), "aaaabbbbccccdddd");
}

TEST(TcpTest, HalfCloseLetsThePeerReplyAfterEndOfStream) {
  auto body = []() -> corio::Task<std::string> {
    auto listener = corio::TcpListener::bind("127.0.0.1", 0);
    auto server = corio::spawn([](corio::TcpListener* l) -> corio::Task<> {
      corio::TcpStream s = co_await l->accept();
      std::string request = co_await read_all(&s, 3);  // until the client's FIN
      co_await s.write_all("got " + request);          // the other direction still works
    }(&listener));
    corio::TcpStream c =
        co_await corio::TcpStream::connect("127.0.0.1", listener.local_address().port());
    co_await c.write_all(std::string_view("question"));
    c.shutdown_write();
    std::string reply = co_await read_all(&c, 5);
    co_await server;
    co_return reply;
  };
  EXPECT_EQ(corio::run(body(), kManual), "got question");
}

TEST(TcpTest, OneByteReadsAndPartialWritesTransferEveryByteInOrder) {
  auto body = []() -> corio::Task<bool> {
    auto listener = corio::TcpListener::bind("127.0.0.1", 0);
    std::string payload(256 * 1024, '\0');
    for (std::size_t i = 0; i < payload.size(); ++i)
      payload[i] = static_cast<char>(i * 7 + i / 251);
    auto server = corio::spawn([](corio::TcpListener* l, std::string* p) -> corio::Task<> {
      corio::TcpStream s = co_await l->accept();
      int small = 4096;  // a small send buffer: write_all must wait and resume many times
      ::setsockopt(s.native_handle(), SOL_SOCKET, SO_SNDBUF, &small, sizeof small);
      std::array<std::string_view, 3> parts{std::string_view(*p).substr(0, 1000),
                                            std::string_view(*p).substr(1000, 1),
                                            std::string_view(*p).substr(1001)};
      std::array<std::span<const std::byte>, 3> spans{bytes(parts[0]), bytes(parts[1]),
                                                      bytes(parts[2])};
      co_await s.writev(spans);
      co_await s.write_all(std::string_view(*p));
    }(&listener, &payload));
    corio::TcpStream c =
        co_await corio::TcpStream::connect("127.0.0.1", listener.local_address().port());
    int small = 4096;
    ::setsockopt(c.native_handle(), SOL_SOCKET, SO_RCVBUF, &small, sizeof small);
    // (Kept short: GCC does not make symmetric transfer a tail call under ASan, so a long
    // run of reads that complete at once grows the stack there.)
    std::string first(500, '\0');
    for (char& ch : first) {  // 1-byte reads
      std::byte b[1];
      co_await c.read_exact(b);
      ch = static_cast<char>(b[0]);
    }
    std::string rest = co_await read_all(&c, 1000);
    co_await server;
    co_return first + rest == payload + payload;
  };
  EXPECT_TRUE(corio::run(body(), kManual));
}

// Reads that never wait (the stream always holds bytes) spend the task's cooperative budget:
// the reader yields, and a task queued behind it on the only worker runs before the stream
// runs dry.
TEST(TcpTest, AReaderWhoseStreamNeverRunsDryStillLetsOtherTasksRun) {
  constexpr std::size_t kBytes = 1000;
  auto body = []() -> corio::Task<std::size_t> {
    auto listener = corio::TcpListener::bind("127.0.0.1", 0);
    auto accepted = corio::spawn(listener.accept());
    corio::TcpStream c =
        co_await corio::TcpStream::connect("127.0.0.1", listener.local_address().port());
    corio::TcpStream s = co_await accepted;
    co_await c.write_all(std::string(kBytes, 'x'));  // on loopback: queued at s already
    std::size_t reads = 0;
    std::size_t reads_seen_by_other = kBytes;
    auto other = corio::spawn([](std::size_t* reads, std::size_t* seen) -> corio::Task<> {
      *seen = *reads;
      co_return;
    }(&reads, &reads_seen_by_other));
    std::byte b[1];
    for (; reads < kBytes; ++reads) {
      if (co_await s.read(b) != 1) break;
    }
    co_await other;
    co_return reads_seen_by_other;
  };
  EXPECT_LT(corio::run(body(), {.workers = 1}), kBytes);
}

TEST(TcpTest, ReadExactAtEndOfStreamThrowsIncompleteReadError) {
  auto body = []() -> corio::Task<std::size_t> {
    auto listener = corio::TcpListener::bind("127.0.0.1", 0);
    auto server = corio::spawn([](corio::TcpListener* l) -> corio::Task<> {
      corio::TcpStream s = co_await l->accept();
      co_await s.write_all(std::string_view("abc"));
    }(&listener));
    corio::TcpStream c =
        co_await corio::TcpStream::connect("127.0.0.1", listener.local_address().port());
    co_await server;
    std::array<std::byte, 10> buf;
    try {
      co_await c.read_exact(buf);
    } catch (const corio::IncompleteReadError& e) {
      co_return e.received();
    }
    co_return 99;
  };
  EXPECT_EQ(corio::run(body(), kManual), 3u);
}

// Closes `s` with SO_LINGER {on, 0}: the kernel sends RST instead of FIN.
void reset(corio::TcpStream& s) {
  linger l{1, 0};
  ::setsockopt(s.native_handle(), SOL_SOCKET, SO_LINGER, &l, sizeof l);
  s.close();
}

TEST(TcpTest, PeerResetMidReadThrowsEconnreset) {
  auto body = []() -> corio::Task<int> {
    auto listener = corio::TcpListener::bind("127.0.0.1", 0);
    auto server = corio::spawn([](corio::TcpListener* l) -> corio::Task<> {
      corio::TcpStream s = co_await l->accept();
      std::array<std::byte, 1> b;
      co_await s.read_exact(b);  // the client is now blocked in its read
      co_await corio::sleep_for(10ms);
      reset(s);
    }(&listener));
    corio::TcpStream c =
        co_await corio::TcpStream::connect("127.0.0.1", listener.local_address().port());
    co_await c.write_all(std::string_view("x"));
    std::array<std::byte, 16> buf;
    int error = 0;
    try {
      (void)co_await c.read(buf);
    } catch (const std::system_error& e) {
      error = e.code().value();
    }
    co_await server;
    co_return error;
  };
  EXPECT_EQ(corio::run(body(), kManual), ECONNRESET);
}

TEST(TcpTest, WritingToAClosedPeerThrowsEpipeOrEconnresetWithoutSigpipe) {
  auto body = []() -> corio::Task<int> {
    auto listener = corio::TcpListener::bind("127.0.0.1", 0);
    auto server = corio::spawn([](corio::TcpListener* l) -> corio::Task<> {
      corio::TcpStream s = co_await l->accept();
      s.close();
    }(&listener));
    corio::TcpStream c =
        co_await corio::TcpStream::connect("127.0.0.1", listener.local_address().port());
    co_await server;
    std::string chunk(64 * 1024, 'z');
    try {
      for (int i = 0; i < 1000; ++i) co_await c.write_all(std::string_view(chunk));
    } catch (const std::system_error& e) {
      co_return e.code().value();  // still alive: no SIGPIPE
    }
    co_return 0;
  };
  int error = corio::run(body(), kManual);
  EXPECT_TRUE(error == EPIPE || error == ECONNRESET) << error;
}

TEST(TcpTest, CancellingABlockedReadThrowsCancelledErrorAndTheStreamStaysUsable) {
  auto body = []() -> corio::Task<std::string> {
    auto listener = corio::TcpListener::bind("127.0.0.1", 0);
    corio::TcpStream c =
        co_await corio::TcpStream::connect("127.0.0.1", listener.local_address().port());
    corio::TcpStream s = co_await listener.accept();
    auto reader = corio::spawn([](corio::TcpStream* c) -> corio::Task<std::string> {
      std::array<std::byte, 8> buf;
      try {
        (void)co_await c->read(buf);
      } catch (const corio::CancelledError&) {
        co_return "cancelled";
      }
      co_return "read";
    }(&c));
    co_await corio::sleep_for(5ms);
    reader.cancel();
    std::string outcome = co_await reader;
    co_await s.write_all(std::string_view("later"));
    std::array<std::byte, 8> buf;
    std::size_t n = co_await c.read(buf);
    co_return outcome + " " + as_string(std::span(buf).first(n));
  };
  EXPECT_EQ(corio::run(body(), kManual), "cancelled later");
}

// A cancel racing the data's arrival (on two workers) ends the read one way or the other:
// it returns the byte, or it throws CancelledError and the byte stays for the next read.
TEST(TcpTest, AReadCancelledAsItsDataArrivesNeitherLosesNorDuplicatesAByte) {
  constexpr int kRounds = 2000;
  auto body = []() -> corio::Task<std::string> {
    auto listener = corio::TcpListener::bind("127.0.0.1", 0);
    corio::TcpStream c =
        co_await corio::TcpStream::connect("127.0.0.1", listener.local_address().port());
    corio::TcpStream s = co_await listener.accept();
    std::string received;
    for (int i = 0; i < kRounds; ++i) {
      auto reader = corio::spawn([](corio::TcpStream* c) -> corio::Task<std::string> {
        std::array<std::byte, 1> buf;
        std::size_t n = co_await c->read(buf);
        co_return as_string(std::span(buf).first(n));
      }(&c));
      co_await corio::yield_now();  // the reader starts and waits
      const char byte = static_cast<char>('a' + i % 26);
      co_await s.write_all(std::string_view(&byte, 1));
      // The other worker may poll the event meanwhile: vary how long the cancel lags.
      for (int lag = 0; lag < i % 4; ++lag) co_await corio::yield_now();
      reader.cancel();
      try {
        received += co_await reader;
      } catch (const corio::CancelledError&) {
      }
    }
    s.shutdown_write();
    co_return received + co_await read_all(&c, 64);
  };
  std::string expected;
  for (int i = 0; i < kRounds; ++i) expected += static_cast<char>('a' + i % 26);
  EXPECT_EQ(corio::run(body(), kManual), expected);
}

TEST(TcpTest, WaitForBoundsAReadAndTheAcceptIsCancellable) {
  auto body = []() -> corio::Task<std::string> {
    auto listener = corio::TcpListener::bind("127.0.0.1", 0);
    std::string result;
    try {
      (void)co_await corio::wait_for(listener.accept(), 1s);
    } catch (const corio::TimeoutError&) {
      result += "accept timed out;";
    }
    corio::TcpStream c =
        co_await corio::TcpStream::connect("127.0.0.1", listener.local_address().port());
    corio::TcpStream s = co_await listener.accept();  // the listener still works
    std::array<std::byte, 8> buf;
    try {
      (void)co_await corio::wait_for(c.read(buf), 2s);
    } catch (const corio::TimeoutError&) {
      result += "read timed out";
    }
    co_return result;
  };
  EXPECT_EQ(corio::run(body(), kManual), "accept timed out;read timed out");
}

TEST(TcpTest, ClosingAStreamWakesItsBlockedReaderWithEbadf) {
  auto body = []() -> corio::Task<int> {
    auto listener = corio::TcpListener::bind("127.0.0.1", 0);
    corio::TcpStream c =
        co_await corio::TcpStream::connect("127.0.0.1", listener.local_address().port());
    corio::TcpStream s = co_await listener.accept();
    auto reader = corio::spawn([](corio::TcpStream* c) -> corio::Task<int> {
      std::array<std::byte, 8> buf;
      try {
        (void)co_await c->read(buf);
      } catch (const std::system_error& e) {
        co_return e.code().value();
      }
      co_return 0;
    }(&c));
    co_await corio::sleep_for(5ms);
    c.close();
    co_return co_await reader;
  };
  EXPECT_EQ(corio::run(body(), kManual), EBADF);
}

TEST(TcpTest, AThousandConcurrentConnectionsAreAllServed) {
  constexpr int kClients = 1000;
  rlimit limit{};
  ::getrlimit(RLIMIT_NOFILE, &limit);
  if (limit.rlim_cur < 2 * kClients + 64) {
    limit.rlim_cur = std::min<rlim_t>(limit.rlim_max, 2 * kClients + 64);
    ::setrlimit(RLIMIT_NOFILE, &limit);
  }
  if (limit.rlim_cur < 2 * kClients + 64) GTEST_SKIP() << "RLIMIT_NOFILE too low";
  auto body = []() -> corio::Task<int> {
    auto listener = corio::TcpListener::bind("127.0.0.1", 0, {.backlog = 4096});
    auto server = corio::spawn([](corio::TcpListener* l) -> corio::Task<> {
      std::vector<corio::JoinHandle<void>> handlers;
      for (int i = 0; i < kClients; ++i)
        handlers.push_back(corio::spawn(echo(co_await l->accept())));
      for (auto& h : handlers) co_await h;
    }(&listener));
    std::vector<corio::JoinHandle<bool>> clients;
    for (int i = 0; i < kClients; ++i) {
      clients.push_back(corio::spawn([](std::uint16_t port, int i) -> corio::Task<bool> {
        corio::TcpStream c = co_await corio::TcpStream::connect("127.0.0.1", port);
        std::string msg = "client " + std::to_string(i);
        co_await c.write_all(std::string_view(msg));
        c.shutdown_write();
        co_return co_await read_all(&c, 64) == msg;
      }(listener.local_address().port(), i)));
    }
    int ok = 0;
    for (auto& c : clients) ok += (co_await c) ? 1 : 0;
    co_await server;
    co_return ok;
  };
  EXPECT_EQ(corio::run(body(), {.workers = 2}), kClients);
}

// ---- EMFILE --------------------------------------------------------------------------------

// The child's server: accepts `total` connections and echoes on each; exits 0 when done.
corio::Task<int> emfile_server(corio::TcpListener* listener, int total) {
  // UBSan checks dynamic types through a pipe unless the type is in its cache: warm the
  // cache for the timer and reactor paths before descriptors run out.
  co_await corio::sleep_for(1ms);
  {
    corio::UdpSocket warm = corio::UdpSocket::bind("127.0.0.1", 0);  // register, wait, release
    std::array<std::byte, 1> b;
    try {
      (void)co_await corio::wait_for(warm.recv(b), 1ms);
    } catch (const corio::TimeoutError&) {
    }
  }
  // Allow exactly two more descriptors: the limit is one past the second free number.
  int fd = 0;
  for (int free_seen = 0;; ++fd) {
    if (::fcntl(fd, F_GETFD) < 0 && ++free_seen == 2) break;
  }
  rlimit limit{};
  ::getrlimit(RLIMIT_NOFILE, &limit);
  limit.rlim_cur = static_cast<rlim_t>(fd + 1);
  if (::setrlimit(RLIMIT_NOFILE, &limit) < 0) co_return 3;
  std::vector<corio::JoinHandle<void>> handlers;
  for (int i = 0; i < total; ++i) {
    handlers.push_back(corio::spawn(echo(co_await listener->accept())));
  }
  for (auto& h : handlers) co_await h;
  co_return 0;
}

int blocking_connect(std::uint16_t port) {
  int fd = ::socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0);
  sockaddr_in a{};
  a.sin_family = AF_INET;
  a.sin_port = htons(port);
  a.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
  timeval tv{3, 0};  // a broken server fails the test instead of hanging it
  ::setsockopt(fd, SOL_SOCKET, SO_RCVTIMEO, &tv, sizeof tv);
  if (::connect(fd, reinterpret_cast<sockaddr*>(&a), sizeof a) < 0) return -1;
  return fd;
}

bool blocking_echo(int fd, char c) {
  if (::send(fd, &c, 1, MSG_NOSIGNAL) != 1) return false;
  char back = 0;
  ssize_t n = ::recv(fd, &back, 1, 0);
  return n == 1 && back == c;
}

TEST(TcpTest, AServerOutOfFileDescriptorsKeepsServingAndRecovers) {
  int pipefd[2];
  ASSERT_EQ(::pipe(pipefd), 0);
  pid_t pid = ::fork();
  ASSERT_GE(pid, 0);
  if (pid == 0) {
    ::close(pipefd[0]);
    int code = 2;
    try {
      corio::Runtime runtime({.workers = 1});
      auto listener = corio::TcpListener::bind("127.0.0.1", 0);
      std::uint16_t port = listener.local_address().port();
      if (::write(pipefd[1], &port, sizeof port) != sizeof port) ::_exit(4);
      ::close(pipefd[1]);
      code = runtime.block_on(emfile_server(&listener, 4));
    } catch (...) {
      code = 5;
    }
    ::_exit(code);
  }
  ::close(pipefd[1]);
  std::uint16_t port = 0;
  ASSERT_EQ(::read(pipefd[0], &port, sizeof port), static_cast<ssize_t>(sizeof port));
  ::close(pipefd[0]);
  // Four connections: the kernel completes all of them (backlog), the server can hold two.
  int fds[4];
  for (int& fd : fds) {
    fd = blocking_connect(port);
    ASSERT_GE(fd, 0);
  }
  EXPECT_TRUE(blocking_echo(fds[0], 'a'));  // open connections are served at the limit
  EXPECT_TRUE(blocking_echo(fds[1], 'b'));
  ::close(fds[0]);  // frees a descriptor in the server: it accepts the third
  EXPECT_TRUE(blocking_echo(fds[2], 'c'));
  ::close(fds[1]);
  EXPECT_TRUE(blocking_echo(fds[3], 'd'));
  ::close(fds[2]);
  ::close(fds[3]);
  int status = 0;
  ASSERT_EQ(::waitpid(pid, &status, 0), pid);
  ASSERT_TRUE(WIFEXITED(status));
  EXPECT_EQ(WEXITSTATUS(status), 0);
}

}  // namespace
