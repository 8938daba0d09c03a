// File and read_file/write_file: round trips, positional I/O, errors naming the path.
#include "corio/io/file.hpp"

#include <gtest/gtest.h>
#include <stdlib.h>
#include <unistd.h>

#include <filesystem>
#include <string>

#include "corio/corio.hpp"

namespace {

const corio::RuntimeOptions kManual{.workers = 2, .clock = corio::ClockKind::manual};

class FileTest : public ::testing::Test {
 protected:
  void SetUp() override {
    char tmpl[] = "/tmp/corio-file-test-XXXXXX";
    ASSERT_NE(::mkdtemp(tmpl), nullptr);
    dir_ = tmpl;
  }
  void TearDown() override { std::filesystem::remove_all(dir_); }
  std::string dir_;
};

TEST_F(FileTest, WriteFileThenReadFileRoundTrips) {
  auto body = [](std::string path) -> corio::Task<std::string> {
    co_await corio::write_file(path, std::string(100000, 'q') + "end");
    co_return co_await corio::read_file(path);
  };
  EXPECT_EQ(corio::run(body(dir_ + "/a.txt"), kManual), std::string(100000, 'q') + "end");
}

TEST_F(FileTest, OpenWriteReadAtWriteAtAndSync) {
  auto body = [](std::string path) -> corio::Task<std::string> {
    corio::File f = co_await corio::File::open(path, "w+");
    co_await f.write(std::string_view("hello world"));
    co_await f.write_at(std::as_bytes(std::span("W", 1)), 6);
    co_await f.sync();
    std::array<std::byte, 5> buf;
    std::size_t n = co_await f.read_at(buf, 6);
    std::uint64_t size = co_await f.size();
    f.close();
    corio::File g = co_await corio::File::open(path, "r");
    std::array<std::byte, 64> all;
    std::size_t m = co_await g.read(all);
    co_return std::string(reinterpret_cast<char*>(buf.data()), n) + "|" + std::to_string(size) +
        "|" + std::string(reinterpret_cast<char*>(all.data()), m);
  };
  EXPECT_EQ(corio::run(body(dir_ + "/b.txt"), kManual), "World|11|hello World");
}

TEST_F(FileTest, ErrorsCarryTheOperationAndThePath) {
  auto body = [](std::string path) -> corio::Task<std::string> {
    std::string out;
    try {
      (void)co_await corio::read_file(path);
    } catch (const std::system_error& e) {
      out += std::to_string(e.code().value() == ENOENT) + e.what() + "\n";
    }
    try {
      (void)co_await corio::File::open(path, "r");
    } catch (const std::system_error& e) {
      out += e.what();
    }
    co_return out;
  };
  std::string path = dir_ + "/missing/file.txt";
  std::string out = corio::run(body(path), kManual);
  EXPECT_EQ(out.substr(0, 1), "1");
  EXPECT_NE(out.find("open " + path), std::string::npos) << out;
  EXPECT_NE(out.rfind("open " + path), out.find("open " + path)) << out;
}

TEST_F(FileTest, AnUnknownModeIsAUsageError) {
  auto body = [](std::string path) -> corio::Task<bool> {
    try {
      (void)co_await corio::File::open(path, "rw");
    } catch (const corio::UsageError&) {
      co_return true;
    }
    co_return false;
  };
  EXPECT_TRUE(corio::run(body(dir_ + "/c.txt"), kManual));
}

}  // namespace
