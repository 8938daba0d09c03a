// The HTTP/1.1 parser of http_parser.hpp. Two phases: a cheap scan for the end of the head
// ("\r\n\r\n") that resumes where the last call stopped and enforces the size limits, then
// one strict pass over the complete head (RFC 9112 grammar, no obs-fold, CRLF only).
// Strictness is deliberate: a lenient parser in front of another is how request smuggling
// happens, and the examples' clients (wrk, http_get, curl) all send canonical requests.
#include "http/http_parser.hpp"

#include <algorithm>

namespace http {

namespace {

// RFC 9110 tchar: the characters of methods, header names and other tokens.
bool is_tchar(unsigned char c) {
  if ((c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9')) return true;
  switch (c) {
    case '!':
    case '#':
    case '$':
    case '%':
    case '&':
    case '\'':
    case '*':
    case '+':
    case '-':
    case '.':
    case '^':
    case '_':
    case '`':
    case '|':
    case '~':
      return true;
    default:
      return false;
  }
}

bool is_token(std::string_view s) {
  return !s.empty() && std::all_of(s.begin(), s.end(),
                                   [](char c) { return is_tchar(static_cast<unsigned char>(c)); });
}

// field-value characters: visible ASCII, space, tab and obs-text; never CR, LF, NUL or DEL.
bool is_field_char(unsigned char c) { return c == '\t' || (c >= 0x20 && c != 0x7f); }

std::string_view trim_ows(std::string_view s) {
  while (!s.empty() && (s.front() == ' ' || s.front() == '\t')) s.remove_prefix(1);
  while (!s.empty() && (s.back() == ' ' || s.back() == '\t')) s.remove_suffix(1);
  return s;
}

// "HTTP/1.0" or "HTTP/1.1" → minor version; anything else → -1.
int parse_version(std::string_view s) {
  if (s.size() != 8 || s.substr(0, 7) != "HTTP/1.") return -1;
  if (s[7] == '0') return 0;
  if (s[7] == '1') return 1;
  return -1;
}

// Calls f(token) for each element of a comma-separated list (Connection, Transfer-Encoding).
template <class F>
void for_each_list_item(std::string_view list, F f) {
  while (!list.empty()) {
    std::size_t comma = list.find(',');
    f(trim_ows(list.substr(0, comma)));
    if (comma == std::string_view::npos) break;
    list.remove_prefix(comma + 1);
  }
}

// Parses the header lines of `head` from `pos` (just after the start line) to the final
// empty line, and the framing headers among them. `head` ends with "\r\n\r\n".
ParseError parse_fields(std::string_view head, std::size_t pos, Message& out, const Limits& limits,
                        bool is_request) {
  out.headers.clear();
  bool connection_close = false;
  bool connection_keep_alive = false;
  bool has_transfer_encoding = false;
  while (head.compare(pos, 2, "\r\n") != 0) {
    std::size_t eol = head.find("\r\n", pos);  // found: head ends with CRLF CRLF
    std::string_view line = head.substr(pos, eol - pos);
    pos = eol + 2;
    if (out.headers.size() == limits.max_headers) return ParseError::too_many_headers;
    std::size_t colon = line.find(':');
    if (colon == std::string_view::npos) return ParseError::bad_header;
    // No whitespace before the colon (RFC 9112 §5.1 requires rejecting it), and no
    // obs-fold continuation lines: both fail is_token.
    std::string_view name = line.substr(0, colon);
    if (!is_token(name)) return ParseError::bad_header;
    std::string_view raw = line.substr(colon + 1);
    if (!std::all_of(raw.begin(), raw.end(),
                     [](char c) { return is_field_char(static_cast<unsigned char>(c)); })) {
      return ParseError::bad_header;
    }
    std::string_view value = trim_ows(raw);
    out.headers.push_back({name, value});

    if (iequals(name, "content-length")) {
      // Digits only (no sign, no list); duplicates must agree (RFC 9110 §8.6).
      if (value.empty() || value.size() > 18) return ParseError::bad_content_length;
      std::size_t n = 0;
      for (char c : value) {
        if (c < '0' || c > '9') return ParseError::bad_content_length;
        n = n * 10 + static_cast<std::size_t>(c - '0');
      }
      if (out.has_content_length && n != out.content_length) {
        return ParseError::bad_content_length;
      }
      out.has_content_length = true;
      out.content_length = n;
    } else if (iequals(name, "transfer-encoding")) {
      has_transfer_encoding = true;
      bool last_chunked = false;
      for_each_list_item(
          value, [&](std::string_view coding) { last_chunked = iequals(coding, "chunked"); });
      out.chunked = last_chunked;
    } else if (iequals(name, "connection")) {
      for_each_list_item(value, [&](std::string_view option) {
        if (iequals(option, "close")) connection_close = true;
        if (iequals(option, "keep-alive")) connection_keep_alive = true;
      });
    }
  }
  out.head_size = pos + 2;
  if (has_transfer_encoding) {
    // Requests: the examples need no request bodies but Content-Length ones, and a
    // Transfer-Encoding beside Content-Length is the classic smuggling vector.
    if (is_request || out.has_content_length || !out.chunked) {
      return ParseError::unsupported_transfer_encoding;
    }
  }
  if (out.content_length > limits.max_body) return ParseError::body_too_large;
  out.keep_alive =
      out.version_minor == 1 ? !connection_close : connection_keep_alive && !connection_close;
  return ParseError::none;
}

// The request line "METHOD SP target SP HTTP/1.x", without its CRLF.
ParseError parse_request_line(std::string_view line, Request& out) {
  std::size_t sp1 = line.find(' ');
  if (sp1 == std::string_view::npos) return ParseError::bad_start_line;
  std::size_t sp2 = line.find(' ', sp1 + 1);
  if (sp2 == std::string_view::npos) return ParseError::bad_start_line;
  out.method = line.substr(0, sp1);
  out.target = line.substr(sp1 + 1, sp2 - sp1 - 1);
  if (!is_token(out.method) || out.target.empty()) return ParseError::bad_start_line;
  for (char ch : out.target) {
    auto c = static_cast<unsigned char>(ch);
    if (c <= 0x20 || c >= 0x7f) return ParseError::bad_start_line;
  }
  out.version_minor = parse_version(line.substr(sp2 + 1));
  if (out.version_minor < 0) return ParseError::bad_version;
  return ParseError::none;
}

}  // namespace

std::string_view to_string(ParseError error) noexcept {
  switch (error) {
    case ParseError::none:
      return "no error";
    case ParseError::start_line_too_long:
      return "start line too long";
    case ParseError::head_too_large:
      return "header section too large";
    case ParseError::too_many_headers:
      return "too many header fields";
    case ParseError::bad_start_line:
      return "malformed start line";
    case ParseError::bad_version:
      return "unsupported HTTP version";
    case ParseError::bad_header:
      return "malformed header field";
    case ParseError::bad_content_length:
      return "malformed Content-Length";
    case ParseError::body_too_large:
      return "body too large";
    case ParseError::unsupported_transfer_encoding:
      return "unsupported Transfer-Encoding";
  }
  return "unknown error";
}

bool iequals(std::string_view a, std::string_view b) noexcept {
  if (a.size() != b.size()) return false;
  for (std::size_t i = 0; i < a.size(); ++i) {
    char x = a[i], y = b[i];
    if (x >= 'A' && x <= 'Z') x = static_cast<char>(x - 'A' + 'a');
    if (y >= 'A' && y <= 'Z') y = static_cast<char>(y - 'A' + 'a');
    if (x != y) return false;
  }
  return true;
}

std::string_view Message::header(std::string_view name) const noexcept {
  for (const Header& h : headers) {
    if (iequals(h.name, name)) return h.value;
  }
  return {};
}

ParseStatus RequestParser::parse(std::string_view data, Request& out) {
  // Phase 1: find the end of the head, resuming 3 bytes before where the last scan stopped
  // (the marker may straddle the boundary).
  std::size_t from = scanned_ >= 3 ? scanned_ - 3 : 0;
  std::size_t end = data.find("\r\n\r\n", from);
  std::size_t first_eol = data.substr(0, std::min(data.size(), limits_.max_start_line)).find('\n');
  auto fail = [this](ParseError e) {
    error_ = e;
    scanned_ = 0;
    return ParseStatus::error;
  };
  if (first_eol == std::string_view::npos && data.size() >= limits_.max_start_line) {
    return fail(ParseError::start_line_too_long);
  }
  if (end == std::string_view::npos) {
    if (data.size() >= limits_.max_head) return fail(ParseError::head_too_large);
    scanned_ = data.size();
    return ParseStatus::incomplete;
  }
  std::size_t head_size = end + 4;
  if (head_size > limits_.max_head) return fail(ParseError::head_too_large);

  // Phase 2: the strict pass over the head. The first line must end in CRLF exactly.
  std::string_view head = data.substr(0, head_size);
  if (first_eol == 0 || head[first_eol - 1] != '\r') return fail(ParseError::bad_start_line);
  // Reset field by field: assigning a fresh Request would drop the headers' capacity.
  out.method = out.target = out.body = {};
  out.version_minor = 1;
  out.content_length = out.head_size = out.size = 0;
  out.has_content_length = out.chunked = false;
  out.keep_alive = true;
  ParseError e = parse_request_line(head.substr(0, first_eol - 1), out);
  if (e == ParseError::none) e = parse_fields(head, first_eol + 1, out, limits_, true);
  if (e != ParseError::none) return fail(e);

  if (data.size() - head_size < out.content_length) {
    scanned_ = end + 3;  // the next scan finds this head again; re-parsing it is bounded
    return ParseStatus::incomplete;
  }
  out.body = data.substr(head_size, out.content_length);
  out.size = head_size + out.content_length;
  scanned_ = 0;
  error_ = ParseError::none;
  return ParseStatus::complete;
}

ParseStatus parse_response_head(std::string_view data, Response& out, ParseError& error,
                                const Limits& limits) {
  std::size_t end = data.find("\r\n\r\n");
  std::size_t first_eol = data.substr(0, std::min(data.size(), limits.max_start_line)).find('\n');
  if (first_eol == std::string_view::npos && data.size() >= limits.max_start_line) {
    error = ParseError::start_line_too_long;
    return ParseStatus::error;
  }
  if (end == std::string_view::npos) {
    if (data.size() >= limits.max_head) {
      error = ParseError::head_too_large;
      return ParseStatus::error;
    }
    return ParseStatus::incomplete;
  }
  std::size_t head_size = end + 4;
  error = ParseError::none;
  if (head_size > limits.max_head) error = ParseError::head_too_large;
  std::string_view head = data.substr(0, head_size);
  // "HTTP/1.x SP 3DIGIT [SP reason]" CRLF; some servers omit the space before an empty
  // reason, which RFC 9112 tolerates.
  if (error == ParseError::none && (first_eol == 0 || head[first_eol - 1] != '\r')) {
    error = ParseError::bad_start_line;
  }
  out = Response{};
  if (error == ParseError::none) {
    std::string_view line = head.substr(0, first_eol - 1);
    out.version_minor = parse_version(line.substr(0, 8));
    if (out.version_minor < 0) {
      error = ParseError::bad_version;
    } else if (line.size() < 12 || line[8] != ' ' || (line.size() > 12 && line[12] != ' ')) {
      error = ParseError::bad_start_line;
    } else {
      for (std::size_t i = 9; i < 12; ++i) {
        if (line[i] < '0' || line[i] > '9') error = ParseError::bad_start_line;
        out.status = out.status * 10 + (line[i] - '0');
      }
      out.reason = line.size() > 12 ? line.substr(13) : std::string_view{};
      for (char c : out.reason) {
        if (!is_field_char(static_cast<unsigned char>(c))) error = ParseError::bad_start_line;
      }
    }
  }
  if (error == ParseError::none) error = parse_fields(head, first_eol + 1, out, limits, false);
  if (error != ParseError::none) return ParseStatus::error;
  out.size = head_size;
  return ParseStatus::complete;
}

}  // namespace http
