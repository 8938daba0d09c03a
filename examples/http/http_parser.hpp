// A small, hardened HTTP/1.1 message parser for corio's examples (http_server, http_get) and
// their tests and fuzzer. It is example code, not part of libcorio.
//
//   http::RequestParser parser;              // one per connection
//   http::Request request;
//   switch (parser.parse(buffer, request)) {  // buffer: the bytes read so far
//     case http::ParseStatus::complete:   answer(request); buffer.erase(0, request.size); break;
//     case http::ParseStatus::incomplete: read more, call parse again with the longer buffer;
//     case http::ParseStatus::error:      answer 400 (parser.error() says why) and close.
//   }
//
// Incremental: when the head is not complete yet, the parser remembers how far it scanned,
// so a client that sends one byte at a time costs linear, not quadratic, work; the limits on
// the request line, the header section and the header count are enforced while scanning, so
// a client cannot make the server buffer more than Limits allows. Pipelining-aware: a
// complete request reports its size; the bytes after it are the next request's.
// Malformed input is an error result, never undefined behaviour (the fuzzer checks that).
#pragma once

#include <cstddef>
#include <cstdint>
#include <string_view>
#include <vector>

namespace http {

/// Bounds on what a peer may make the parser accept.
struct Limits {
  std::size_t max_start_line = 8192;   ///< bytes in the request or status line, CRLF included
  std::size_t max_head = 16384;        ///< bytes in the whole head: start line + headers
  std::size_t max_headers = 64;        ///< header fields
  std::size_t max_body = 1024 * 1024;  ///< Content-Length
};

/// What parse() found.
enum class ParseStatus {
  complete,    ///< a whole message is at the start of the buffer
  incomplete,  ///< a valid prefix: read more and call parse again
  error,       ///< malformed or over a limit: answer 400 and close
};

/// Why parse() returned ParseStatus::error.
enum class ParseError {
  none,
  start_line_too_long,
  head_too_large,
  too_many_headers,
  bad_start_line,
  bad_version,
  bad_header,
  bad_content_length,
  body_too_large,
  unsupported_transfer_encoding,
};

/// A short English description of `error`, for logs and 400 bodies.
std::string_view to_string(ParseError error) noexcept;

/// One header field; the views point into the parsed buffer.
struct Header {
  std::string_view name;   ///< as sent (compare with iequals)
  std::string_view value;  ///< leading and trailing whitespace removed
};

/// Case-insensitive ASCII comparison, as header names and tokens need.
bool iequals(std::string_view a, std::string_view b) noexcept;

/// Fields shared by requests and responses. Views point into the buffer given to parse(),
/// so they are valid while that buffer is unchanged.
struct Message {
  int version_minor = 1;        ///< HTTP/1.<version_minor>: 0 or 1
  std::vector<Header> headers;  ///< in the order received
  std::size_t content_length = 0;
  bool has_content_length = false;
  bool chunked = false;       ///< Transfer-Encoding: chunked (responses only)
  bool keep_alive = true;     ///< the connection may carry another message after this one
  std::string_view body;      ///< requests: the Content-Length body; responses: empty
  std::size_t head_size = 0;  ///< bytes of the head, final CRLF included
  std::size_t size = 0;       ///< bytes of the whole message (requests), head (responses)

  /// The value of the first header named `name` (case-insensitive), or empty.
  std::string_view header(std::string_view name) const noexcept;
};

/// A parsed request.
struct Request : Message {
  std::string_view method;
  std::string_view target;
};

/// A parsed response head; the body follows it (Content-Length, chunked, or until EOF).
struct Response : Message {
  int status = 0;
  std::string_view reason;
};

/// Parses requests off one connection's byte stream. Keep one per connection.
///
/// Thread safety: none; a parser belongs to one connection.
class RequestParser {
 public:
  explicit RequestParser(Limits limits = {}) : limits_(limits) {}

  /// Parses the request at the start of `data` into `out`. `data` must begin with the same
  /// bytes as at the previous call (plus more), unless that call returned complete or error.
  /// complete: `out` holds the request and out.size its length in `data`.
  ParseStatus parse(std::string_view data, Request& out);

  /// Why the last parse() returned error.
  ParseError error() const noexcept { return error_; }

  /// Forgets any partial scan (the next parse starts a new request).
  void reset() noexcept { scanned_ = 0; }

 private:
  Limits limits_;
  std::size_t scanned_ = 0;  // bytes already known to hold no end of head
  ParseError error_ = ParseError::none;
};

/// Parses a response head (status line and headers) at the start of `data`, for clients.
/// Not incremental: call again with the longer buffer; heads are small.
ParseStatus parse_response_head(std::string_view data, Response& out, ParseError& error,
                                const Limits& limits = {});

}  // namespace http
