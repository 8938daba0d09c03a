// UdpSocket on loopback: round trips with send_to/recv_from and connected send/recv.
#include "corio/io/udp.hpp"

#include <gtest/gtest.h>

#include <array>
#include <string>

#include "corio/corio.hpp"

namespace {

using namespace std::chrono_literals;
const corio::RuntimeOptions kManual{.workers = 2, .clock = corio::ClockKind::manual};

std::span<const std::byte> bytes(std::string_view s) {
  return std::as_bytes(std::span(s.data(), s.size()));
}

TEST(UdpTest, ADatagramRoundTripsWithItsSenderAddress) {
  auto body = [](const char* host) -> corio::Task<std::string> {
    corio::UdpSocket server = corio::UdpSocket::bind(host, 0);
    corio::UdpSocket client = corio::UdpSocket::bind(host, 0);
    auto echo = corio::spawn([](corio::UdpSocket* s) -> corio::Task<> {
      std::array<std::byte, 64> buf;
      auto [n, from] = co_await s->recv_from(buf);  // waits: nothing sent yet
      co_await s->send_to(std::span(buf).first(n), from);
    }(&server));
    co_await corio::sleep_for(1ms);
    co_await client.send_to(bytes("ping"), server.local_address());
    std::array<std::byte, 64> buf;
    auto [n, from] = co_await client.recv_from(buf);
    co_await echo;
    EXPECT_EQ(from, server.local_address());
    co_return std::string(reinterpret_cast<char*>(buf.data()), n);
  };
  EXPECT_EQ(corio::run(body("127.0.0.1"), kManual), "ping");
  EXPECT_EQ(corio::run(body("::1"), kManual), "ping");
}

TEST(UdpTest, ConnectedSocketsSendAndRecv) {
  auto body = []() -> corio::Task<std::string> {
    corio::UdpSocket a = corio::UdpSocket::bind("127.0.0.1", 0);
    corio::UdpSocket b = corio::UdpSocket::bind("127.0.0.1", 0);
    a.connect(b.local_address());
    b.connect(a.local_address());
    co_await a.send(bytes("hello"));
    std::array<std::byte, 64> buf;
    std::size_t n = co_await b.recv(buf);
    co_return std::string(reinterpret_cast<char*>(buf.data()), n);
  };
  EXPECT_EQ(corio::run(body(), kManual), "hello");
}

TEST(UdpTest, ABlockedRecvIsCancelledByWaitFor) {
  auto body = []() -> corio::Task<bool> {
    corio::UdpSocket a = corio::UdpSocket::bind("127.0.0.1", 0);
    std::array<std::byte, 64> buf;
    try {
      (void)co_await corio::wait_for(a.recv_from(buf), 1s);
    } catch (const corio::TimeoutError&) {
      co_return true;
    }
    co_return false;
  };
  EXPECT_TRUE(corio::run(body(), kManual));
}

}  // namespace
