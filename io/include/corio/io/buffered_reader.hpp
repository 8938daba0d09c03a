// BufferedReader: asyncio's StreamReader over any corio stream (TcpStream, UnixStream):
// line- and delimiter-oriented reads with a bound on how much a record may buffer.
//
//   corio::BufferedReader reader(&stream, /*limit=*/8192);
//   std::string line = co_await reader.read_line();        // "GET / HTTP/1.1\r\n", or ""
//   std::string head = co_await reader.read_until("\r\n\r\n");
#pragma once

#include <algorithm>
#include <cstddef>
#include <cstring>
#include <span>
#include <string>

#include "corio/core/task.hpp"
#include "corio/io/error.hpp"

namespace corio {

/// Buffers reads from `Stream` (anything with `Task<std::size_t> read(std::span<std::byte>)`).
/// The stream must outlive the reader; the reader is used by one task at a time.
///
/// Suspends: each call suspends while the buffer cannot satisfy it and the stream has no data.
/// Cancellation: CancelledError; bytes already buffered stay buffered (nothing is lost).
/// Errors: the stream's errors; IncompleteReadError at end of stream before a delimiter
///   (read_until) or before `n` bytes (read_exact); LimitOverrunError when a record would
///   exceed the limit (the buffered bytes stay, so the caller may close or skip).
template <class Stream>
class BufferedReader {
 public:
  static constexpr std::size_t kDefaultLimit = 64 * 1024;

  explicit BufferedReader(Stream* stream, std::size_t limit = kDefaultLimit)
      : stream_(stream), limit_(limit) {}

  /// Bytes buffered and not yet returned.
  std::size_t buffered() const noexcept { return buffer_.size() - start_; }

  /// Reads up to `out.size()` bytes: buffered ones first, else one read of the stream.
  /// 0 at end of stream.
  Task<std::size_t> read(std::span<std::byte> out) {
    if (buffered() == 0) {
      if (out.size() >= limit_) co_return co_await stream_->read(out);  // no copy
      if (co_await fill() == 0) co_return 0;
    }
    std::size_t n = std::min(out.size(), buffered());
    std::memcpy(out.data(), buffer_.data() + start_, n);
    consume(n);
    co_return n;
  }

  /// Reads exactly `out.size()` bytes.
  Task<> read_exact(std::span<std::byte> out) {
    std::size_t done = 0;
    while (done < out.size()) {
      std::size_t n = co_await read(out.subspan(done));
      if (n == 0) throw IncompleteReadError(out.size(), done);
      done += n;
    }
  }

  /// Reads up to and including `delimiter`. Errors: IncompleteReadError at end of stream,
  /// LimitOverrunError if more than `limit` bytes arrive without the delimiter.
  Task<std::string> read_until(std::string delimiter) {
    std::size_t searched = 0;
    for (;;) {
      std::string_view view(buffer_.data() + start_, buffered());
      std::size_t pos = view.find(delimiter, searched);
      if (pos != std::string_view::npos) {
        std::size_t n = pos + delimiter.size();
        if (n > limit_) throw_overrun(delimiter);
        std::string out(view.substr(0, n));
        consume(n);
        co_return out;
      }
      if (view.size() > limit_) throw_overrun(delimiter);
      searched = view.size() >= delimiter.size() ? view.size() - delimiter.size() + 1 : 0;
      if (co_await fill() == 0) throw IncompleteReadError(limit_, buffered());
    }
  }

  /// Reads one line including its "\n" (asyncio's readline): at end of stream, returns what
  /// remains (possibly a last line without "\n"), then "".
  /// Errors: LimitOverrunError for a line longer than the limit.
  Task<std::string> read_line() {
    std::size_t searched = 0;
    for (;;) {
      std::string_view view(buffer_.data() + start_, buffered());
      std::size_t pos = view.find('\n', searched);
      if (pos != std::string_view::npos) {
        if (pos + 1 > limit_) throw_overrun("\\n");
        std::string out(view.substr(0, pos + 1));
        consume(pos + 1);
        co_return out;
      }
      if (view.size() > limit_) throw_overrun("\\n");
      searched = view.size();
      if (co_await fill() == 0) {
        std::string rest(buffer_.data() + start_, buffered());
        consume(buffered());
        co_return rest;
      }
    }
  }

 private:
  // One read of the stream appended to the buffer; returns the bytes read (0: EOF).
  Task<std::size_t> fill() {
    if (start_ > 0 && start_ >= buffer_.size() / 2) {  // compact before growing
      buffer_.erase(0, start_);
      start_ = 0;
    }
    std::size_t old = buffer_.size();
    std::size_t chunk = std::max<std::size_t>(4096, std::min(limit_ + 1, old));
    buffer_.resize(old + chunk);
    std::size_t n = 0;
    try {
      n = co_await stream_->read(std::as_writable_bytes(std::span(buffer_.data() + old, chunk)));
    } catch (...) {
      buffer_.resize(old);
      throw;
    }
    buffer_.resize(old + n);
    co_return n;
  }

  void consume(std::size_t n) {
    start_ += n;
    if (start_ == buffer_.size()) {
      buffer_.clear();
      start_ = 0;
    }
  }

  [[noreturn]] void throw_overrun(const std::string& delimiter) const {
    throw LimitOverrunError("BufferedReader: no \"" + delimiter + "\" within the limit of " +
                            std::to_string(limit_) +
                            " bytes; raise the limit or treat the peer as misbehaving");
  }

  Stream* stream_;
  std::size_t limit_;
  std::string buffer_;
  std::size_t start_ = 0;
};

}  // namespace corio
