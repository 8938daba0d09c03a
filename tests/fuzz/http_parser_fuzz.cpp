// libFuzzer target for the examples' HTTP parser (examples/http/http_parser.hpp): any bytes,
// fed whole and in two pieces, as a pipelined request stream and as a response head, must
// give a result (never a crash, a sanitizer report or a hang), and the results must agree.
// tests/fuzz/run.sh builds it with clang's -fsanitize=fuzzer,address,undefined and runs it.
#include <cstddef>
#include <cstdint>
#include <cstdlib>
#include <string_view>

#include "http/http_parser.hpp"

namespace {

// Small limits, so random inputs reach the limit checks too.
constexpr http::Limits kLimits{
    .max_start_line = 128, .max_head = 512, .max_headers = 8, .max_body = 1024};

void require(bool ok) {
  if (!ok) std::abort();
}

// Parses a pipelined stream of requests; returns how many bytes were consumed by complete
// requests, and checks every request's views lie inside the buffer.
std::size_t parse_stream(std::string_view data, http::ParseStatus& last) {
  http::RequestParser parser(kLimits);
  http::Request r;
  std::size_t consumed = 0;
  for (;;) {
    std::string_view rest = data.substr(consumed);
    last = parser.parse(rest, r);
    if (last != http::ParseStatus::complete) return consumed;
    require(r.size > 0 && r.size <= rest.size() && r.head_size <= r.size);
    require(r.method.data() >= rest.data() &&
            r.target.data() + r.target.size() <= rest.data() + r.size);
    require(r.headers.size() <= kLimits.max_headers);
    consumed += r.size;
  }
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* bytes, std::size_t size) {
  if (size == 0) return 0;
  // The first byte picks where the stream is split, as two reads would deliver it.
  std::size_t split = bytes[0] % size;
  std::string_view data(reinterpret_cast<const char*>(bytes) + 1, size - 1);
  split = split > data.size() ? data.size() : split;

  http::ParseStatus whole_status;
  std::size_t whole = parse_stream(data, whole_status);

  // Incremental: the first request parsed from a prefix, then from the whole buffer, must
  // end the same way as parsing the whole buffer at once.
  http::RequestParser parser(kLimits);
  http::Request r;
  http::ParseStatus first = parser.parse(data.substr(0, split), r);
  if (first == http::ParseStatus::incomplete) first = parser.parse(data, r);
  http::RequestParser fresh(kLimits);
  http::Request r2;
  http::ParseStatus expected = fresh.parse(data, r2);
  require(first == expected || (first == http::ParseStatus::error && split < data.size()));
  if (first == http::ParseStatus::complete && expected == http::ParseStatus::complete) {
    require(r.size == r2.size && r.method == r2.method && r.target == r2.target);
  }
  require(whole <= data.size());

  http::Response response;
  http::ParseError error{};
  if (http::parse_response_head(data, response, error, kLimits) == http::ParseStatus::complete) {
    require(response.size <= data.size() && response.status >= 0 && response.status <= 999);
  }
  return 0;
}
