// The examples' HTTP/1.1 parser: well-formed requests, pipelining, byte-at-a-time input,
// every limit, and a catalogue of malformed requests that must each be an error result.
#include "http/http_parser.hpp"

#include <gtest/gtest.h>

#include <string>
#include <string_view>

namespace {

using http::ParseError;
using http::ParseStatus;

constexpr std::string_view kGet =
    "GET / HTTP/1.1\r\nHost: 127.0.0.1:8080\r\nUser-Agent: test\r\n\r\n";

TEST(HttpParserTest, ParsesAWellFormedRequest) {
  http::RequestParser parser;
  http::Request r;
  ASSERT_EQ(parser.parse(kGet, r), ParseStatus::complete);
  EXPECT_EQ(r.method, "GET");
  EXPECT_EQ(r.target, "/");
  EXPECT_EQ(r.version_minor, 1);
  ASSERT_EQ(r.headers.size(), 2u);
  EXPECT_EQ(r.header("host"), "127.0.0.1:8080");
  EXPECT_EQ(r.header("USER-AGENT"), "test");
  EXPECT_EQ(r.header("missing"), "");
  EXPECT_TRUE(r.keep_alive);
  EXPECT_EQ(r.size, kGet.size());
}

TEST(HttpParserTest, TrimsOptionalWhitespaceAroundHeaderValues) {
  http::RequestParser parser;
  http::Request r;
  ASSERT_EQ(parser.parse("GET / HTTP/1.1\r\nX-A: \t value \t\r\nX-B:\r\n\r\n", r),
            ParseStatus::complete);
  EXPECT_EQ(r.header("x-a"), "value");
  EXPECT_EQ(r.header("x-b"), "");
}

TEST(HttpParserTest, ReportsIncompleteUntilTheHeadEnds) {
  http::RequestParser parser;
  http::Request r;
  EXPECT_EQ(parser.parse("", r), ParseStatus::incomplete);
  EXPECT_EQ(parser.parse("GET / HT", r), ParseStatus::incomplete);
  EXPECT_EQ(parser.parse("GET / HTTP/1.1\r\nHost: x\r\n\r", r), ParseStatus::incomplete);
  EXPECT_EQ(parser.parse("GET / HTTP/1.1\r\nHost: x\r\n\r\n", r), ParseStatus::complete);
}

TEST(HttpParserTest, ParsesARequestFedOneByteAtATime) {
  http::RequestParser parser;
  http::Request r;
  std::string buffer;
  for (std::size_t i = 0; i + 1 < kGet.size(); ++i) {
    buffer += kGet[i];
    ASSERT_EQ(parser.parse(buffer, r), ParseStatus::incomplete) << "after " << i + 1 << " bytes";
  }
  buffer += kGet.back();
  ASSERT_EQ(parser.parse(buffer, r), ParseStatus::complete);
  EXPECT_EQ(r.header("host"), "127.0.0.1:8080");
}

TEST(HttpParserTest, ParsesPipelinedRequestsOneAfterAnother) {
  std::string buffer = std::string(kGet) + "GET /two HTTP/1.1\r\nHost: x\r\n\r\n" + "GET /th";
  http::RequestParser parser;
  http::Request r;
  std::string_view rest = buffer;
  ASSERT_EQ(parser.parse(rest, r), ParseStatus::complete);
  EXPECT_EQ(r.target, "/");
  rest.remove_prefix(r.size);
  ASSERT_EQ(parser.parse(rest, r), ParseStatus::complete);
  EXPECT_EQ(r.target, "/two");
  rest.remove_prefix(r.size);
  EXPECT_EQ(parser.parse(rest, r), ParseStatus::incomplete);
  EXPECT_EQ(rest, "GET /th");
}

TEST(HttpParserTest, ReadsAContentLengthBodyAndWaitsForAllOfIt) {
  http::RequestParser parser;
  http::Request r;
  std::string req = "POST /p HTTP/1.1\r\nContent-Length: 5\r\n\r\nhel";
  EXPECT_EQ(parser.parse(req, r), ParseStatus::incomplete);
  req += "loGET";
  ASSERT_EQ(parser.parse(req, r), ParseStatus::complete);
  EXPECT_EQ(r.body, "hello");
  EXPECT_EQ(r.size, req.size() - 3);
}

TEST(HttpParserTest, KeepAliveFollowsVersionAndConnectionHeader) {
  http::Request r;
  http::RequestParser p1;
  ASSERT_EQ(p1.parse("GET / HTTP/1.1\r\nConnection: keep-alive, Close\r\n\r\n", r),
            ParseStatus::complete);
  EXPECT_FALSE(r.keep_alive);
  http::RequestParser p2;
  ASSERT_EQ(p2.parse("GET / HTTP/1.0\r\n\r\n", r), ParseStatus::complete);
  EXPECT_EQ(r.version_minor, 0);
  EXPECT_FALSE(r.keep_alive);
  http::RequestParser p3;
  ASSERT_EQ(p3.parse("GET / HTTP/1.0\r\nConnection: Keep-Alive\r\n\r\n", r), ParseStatus::complete);
  EXPECT_TRUE(r.keep_alive);
}

struct Malformed {
  std::string_view name;
  std::string request;
  ParseError error;
};

class HttpParserMalformedTest : public testing::TestWithParam<Malformed> {};

TEST_P(HttpParserMalformedTest, MalformedRequestIsAnErrorResult) {
  http::RequestParser parser;
  http::Request r;
  EXPECT_EQ(parser.parse(GetParam().request, r), ParseStatus::error);
  EXPECT_EQ(parser.error(), GetParam().error) << http::to_string(parser.error());
}

INSTANTIATE_TEST_SUITE_P(
    Catalogue, HttpParserMalformedTest,
    testing::Values(
        Malformed{"EmptyLine", "\r\n\r\n", ParseError::bad_start_line},
        Malformed{"NoTarget", "GET HTTP/1.1\r\n\r\n", ParseError::bad_start_line},
        Malformed{"DoubleSpace", "GET  / HTTP/1.1\r\n\r\n", ParseError::bad_start_line},
        Malformed{"ExtraField", "GET / x HTTP/1.1\r\n\r\n", ParseError::bad_version},
        Malformed{"BadMethod", "G(T / HTTP/1.1\r\n\r\n", ParseError::bad_start_line},
        Malformed{"ControlInTarget", std::string("GET /\x01 HTTP/1.1\r\n\r\n"),
                  ParseError::bad_start_line},
        Malformed{"Http2", "GET / HTTP/2.0\r\n\r\n", ParseError::bad_version},
        Malformed{"Http09", "GET /\r\n\r\n", ParseError::bad_start_line},
        Malformed{"LowercaseVersion", "GET / http/1.1\r\n\r\n", ParseError::bad_version},
        Malformed{"BareLfStartLine", "GET / HTTP/1.1\nHost: x\r\n\r\n", ParseError::bad_start_line},
        Malformed{"BareLfHeader", "GET / HTTP/1.1\r\nA: b\nC: d\r\n\r\n", ParseError::bad_header},
        Malformed{"NoColon", "GET / HTTP/1.1\r\nHost x\r\n\r\n", ParseError::bad_header},
        Malformed{"EmptyName", "GET / HTTP/1.1\r\n: x\r\n\r\n", ParseError::bad_header},
        Malformed{"SpaceBeforeColon", "GET / HTTP/1.1\r\nHost : x\r\n\r\n", ParseError::bad_header},
        Malformed{"ObsFold", "GET / HTTP/1.1\r\nA: b\r\n c\r\n\r\n", ParseError::bad_header},
        Malformed{"NulInValue", std::string("GET / HTTP/1.1\r\nA: b\0c\r\n\r\n", 27),
                  ParseError::bad_header},
        Malformed{"CrInValue", "GET / HTTP/1.1\r\nA: b\rc\r\n\r\n", ParseError::bad_header},
        Malformed{"NegativeLength", "GET / HTTP/1.1\r\nContent-Length: -1\r\n\r\n",
                  ParseError::bad_content_length},
        Malformed{"HexLength", "GET / HTTP/1.1\r\nContent-Length: 0x10\r\n\r\n",
                  ParseError::bad_content_length},
        Malformed{"HugeLength", "GET / HTTP/1.1\r\nContent-Length: 99999999999999999999999\r\n\r\n",
                  ParseError::bad_content_length},
        Malformed{"ConflictingLengths",
                  "GET / HTTP/1.1\r\nContent-Length: 1\r\nContent-Length: 2\r\n\r\nab",
                  ParseError::bad_content_length},
        Malformed{"BodyOverLimit", "POST / HTTP/1.1\r\nContent-Length: 2000000\r\n\r\n",
                  ParseError::body_too_large},
        Malformed{"ChunkedRequest", "POST / HTTP/1.1\r\nTransfer-Encoding: chunked\r\n\r\n",
                  ParseError::unsupported_transfer_encoding}),
    [](const testing::TestParamInfo<Malformed>& info) { return std::string(info.param.name); });

TEST(HttpParserTest, RejectsARequestLineOverTheLimitBeforeItEnds) {
  http::RequestParser parser({.max_start_line = 64});
  http::Request r;
  std::string line = "GET /" + std::string(100, 'a');  // no CRLF yet: still rejected
  EXPECT_EQ(parser.parse(line, r), ParseStatus::error);
  EXPECT_EQ(parser.error(), ParseError::start_line_too_long);
}

TEST(HttpParserTest, RejectsAHeadOverTheLimitBeforeItEnds) {
  http::RequestParser parser({.max_start_line = 64, .max_head = 256});
  http::Request r;
  std::string head = "GET / HTTP/1.1\r\n";
  while (head.size() < 300) head += "X-Filler: aaaaaaaaaaaaaaaaaaaa\r\n";
  EXPECT_EQ(parser.parse(head, r), ParseStatus::error);
  EXPECT_EQ(parser.error(), ParseError::head_too_large);
}

TEST(HttpParserTest, RejectsMoreHeadersThanTheLimit) {
  http::RequestParser parser({.max_headers = 3});
  http::Request r;
  std::string ok = "GET / HTTP/1.1\r\nA: 1\r\nB: 2\r\nC: 3\r\n\r\n";
  EXPECT_EQ(parser.parse(ok, r), ParseStatus::complete);
  std::string bad = "GET / HTTP/1.1\r\nA: 1\r\nB: 2\r\nC: 3\r\nD: 4\r\n\r\n";
  EXPECT_EQ(parser.parse(bad, r), ParseStatus::error);
  EXPECT_EQ(parser.error(), ParseError::too_many_headers);
}

TEST(HttpParserTest, ParsesAResponseHeadWithItsFraming) {
  http::Response r;
  ParseError e{};
  std::string_view text = "HTTP/1.1 200 OK\r\nContent-Length: 13\r\n\r\nHello, World!";
  ASSERT_EQ(http::parse_response_head(text, r, e), ParseStatus::complete);
  EXPECT_EQ(r.status, 200);
  EXPECT_EQ(r.reason, "OK");
  EXPECT_TRUE(r.has_content_length);
  EXPECT_EQ(r.content_length, 13u);
  EXPECT_EQ(text.substr(r.size), "Hello, World!");

  ASSERT_EQ(http::parse_response_head("HTTP/1.1 404\r\nTransfer-Encoding: chunked\r\n\r\n", r, e),
            ParseStatus::complete);
  EXPECT_EQ(r.status, 404);
  EXPECT_TRUE(r.chunked);
  EXPECT_EQ(http::parse_response_head("HTTP/1.1 200 OK\r\nContent-Le", r, e),
            ParseStatus::incomplete);
}

TEST(HttpParserTest, RejectsMalformedResponseHeads) {
  http::Response r;
  ParseError e{};
  for (std::string_view bad :
       {"HTTP/1.1 2x0 OK\r\n\r\n", "HTTP/1.1  200 OK\r\n\r\n", "ICY 200 OK\r\n\r\n",
        "HTTP/1.1 200OK\r\n\r\n", "HTTP/1.1 200 OK\r\nBad Header: x\r\n\r\n"}) {
    EXPECT_EQ(http::parse_response_head(bad, r, e), ParseStatus::error) << bad;
  }
}

}  // namespace
