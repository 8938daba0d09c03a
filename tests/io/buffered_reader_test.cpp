// BufferedReader over a TcpStream: lines, delimiters, limits, end of stream.
#include "corio/io/buffered_reader.hpp"

#include <gtest/gtest.h>

#include <string>

#include "corio/corio.hpp"
#include "corio/io/tcp.hpp"

namespace {

using namespace std::chrono_literals;
const corio::RuntimeOptions kManual{.workers = 2, .clock = corio::ClockKind::manual};

// Connects a pair, sends `data` in `piece`-byte writes from the server side, then closes it,
// and runs `check` on a reader over the client side.
using Check = corio::Task<std::string> (*)(corio::BufferedReader<corio::TcpStream>*);

corio::Task<std::string> with_peer(std::string data, std::size_t piece, std::size_t limit,
                                   Check check) {
  auto listener = corio::TcpListener::bind("127.0.0.1", 0);
  corio::TcpStream c =
      co_await corio::TcpStream::connect("127.0.0.1", listener.local_address().port());
  auto writer =
      corio::spawn([](corio::TcpListener* l, std::string data, std::size_t piece) -> corio::Task<> {
        corio::TcpStream s = co_await l->accept();
        for (std::size_t i = 0; i < data.size(); i += piece) {
          co_await s.write_all(std::string_view(data).substr(i, piece));
          co_await corio::sleep_for(1ms);
        }
      }(&listener, std::move(data), piece));
  corio::BufferedReader<corio::TcpStream> reader(&c, limit);
  std::string out;
  try {
    out = co_await check(&reader);
  } catch (const corio::LimitOverrunError&) {
    out = "overrun";
  } catch (const corio::IncompleteReadError&) {
    out = "incomplete";
  }
  co_await writer;
  co_return out;
}

TEST(BufferedReaderTest, ReadLineReturnsLinesSplitAcrossReadsThenTheRestThenEmpty) {
  Check check = [](corio::BufferedReader<corio::TcpStream>* r) -> corio::Task<std::string> {
    std::string a = co_await r->read_line();
    std::string b = co_await r->read_line();
    std::string c = co_await r->read_line();
    std::string d = co_await r->read_line();
    co_return a + "|" + b + "|" + c + "|" + d;
  };
  EXPECT_EQ(corio::run(with_peer("one\ntwo\nthree", 2, 1024, check), kManual),
            "one\n|two\n|three|");
}

TEST(BufferedReaderTest, ReadUntilFindsAMultiByteDelimiterSplitAcrossReads) {
  Check check = [](corio::BufferedReader<corio::TcpStream>* r) -> corio::Task<std::string> {
    std::string head = co_await r->read_until("\r\n\r\n");
    std::byte body[4];
    co_await r->read_exact(body);
    co_return head + std::string(reinterpret_cast<char*>(body), 4);
  };
  EXPECT_EQ(corio::run(with_peer("GET / HTTP/1.1\r\nA: b\r\n\r\nbody", 3, 1024, check), kManual),
            "GET / HTTP/1.1\r\nA: b\r\n\r\nbody");
}

TEST(BufferedReaderTest, ALineLongerThanTheLimitThrowsLimitOverrunError) {
  Check check = [](corio::BufferedReader<corio::TcpStream>* r) -> corio::Task<std::string> {
    co_return co_await r->read_line();
  };
  EXPECT_EQ(corio::run(with_peer(std::string(100, 'x') + "\n", 7, 16, check), kManual), "overrun");
}

TEST(BufferedReaderTest, EndOfStreamBeforeTheDelimiterThrowsIncompleteReadError) {
  Check check = [](corio::BufferedReader<corio::TcpStream>* r) -> corio::Task<std::string> {
    co_return co_await r->read_until(";");
  };
  EXPECT_EQ(corio::run(with_peer("no delimiter", 4, 1024, check), kManual), "incomplete");
}

}  // namespace
