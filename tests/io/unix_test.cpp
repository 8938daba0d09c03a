// Unix stream sockets under a mkdtemp directory: round trip, errors naming the path.
#include "corio/io/unix.hpp"

#include <gtest/gtest.h>
#include <stdlib.h>

#include <array>
#include <filesystem>
#include <string>

#include "corio/corio.hpp"

namespace {

const corio::RuntimeOptions kManual{.workers = 2, .clock = corio::ClockKind::manual};

class UnixTest : public ::testing::Test {
 protected:
  void SetUp() override {
    char tmpl[] = "/tmp/corio-unix-test-XXXXXX";
    ASSERT_NE(::mkdtemp(tmpl), nullptr);
    dir_ = tmpl;
  }
  void TearDown() override { std::filesystem::remove_all(dir_); }
  std::string dir_;
};

TEST_F(UnixTest, AStreamRoundTripsThroughAPathSocket) {
  auto body = [](std::string path) -> corio::Task<std::string> {
    corio::UnixListener listener = corio::UnixListener::bind(path);
    auto server = corio::spawn([](corio::UnixListener* l) -> corio::Task<> {
      corio::UnixStream s = co_await l->accept();
      std::array<std::byte, 5> buf;
      co_await s.read_exact(buf);
      co_await s.write_all(std::span<const std::byte>(buf));
      s.shutdown_write();
    }(&listener));
    corio::UnixStream c = co_await corio::UnixStream::connect(path);
    co_await c.write_all(std::string_view("howdy"));
    std::array<std::byte, 16> buf;
    std::size_t n = co_await c.read(buf);
    std::size_t eof = co_await c.read(buf);
    co_await server;
    co_return std::string(reinterpret_cast<char*>(buf.data()), n) + std::to_string(eof);
  };
  EXPECT_EQ(corio::run(body(dir_ + "/s.sock"), kManual), "howdy0");
}

TEST_F(UnixTest, ConnectingToAMissingPathThrowsWithThePath) {
  auto body = [](std::string path) -> corio::Task<std::string> {
    try {
      (void)co_await corio::UnixStream::connect(path);
    } catch (const std::system_error& e) {
      co_return e.what();
    }
    co_return "";
  };
  std::string path = dir_ + "/missing.sock";
  EXPECT_NE(corio::run(body(path), kManual).find("connect to " + path), std::string::npos);
}

TEST_F(UnixTest, BindingAnExistingPathThrowsEaddrinuse) {
  corio::UnixListener a = corio::UnixListener::bind(dir_ + "/x.sock");
  try {
    (void)corio::UnixListener::bind(dir_ + "/x.sock");
    FAIL();
  } catch (const std::system_error& e) {
    EXPECT_EQ(e.code().value(), EADDRINUSE);
  }
}

}  // namespace
