// File: regular files on the blocking pool (asyncio has no file API; this is aiofiles').
//
//   corio::File f = co_await corio::File::open("/tmp/log", "a");
//   co_await f.write(bytes);
//   std::string text = co_await corio::read_file("/etc/hostname");
//
// Regular files are always "ready" to epoll, so each call runs the system call on the
// blocking pool (to_thread) instead: one thread hop per call. Batch small writes.
#pragma once

#include <cstddef>
#include <cstdint>
#include <span>
#include <string>
#include <string_view>

#include "corio/core/task.hpp"

namespace corio {

/// An open file. Move-only; destroying it closes the descriptor (synchronously: close() of
/// a regular file does not block).
///
/// Suspends: every operation, while its system call runs on the blocking pool.
/// Cancellation: CancelledError at once; the system call finishes on its thread (a write
///   may still happen). The File must outlive any call it started, including a cancelled one
///   until the call has returned: close the File only after its operations have finished.
/// Errors: std::system_error whose message names the operation and the path, e.g.
///   "open /no/such/file: No such file or directory".
class File {
 public:
  File() noexcept = default;
  File(File&& other) noexcept;
  File& operator=(File&& other) noexcept;
  File(const File&) = delete;
  File& operator=(const File&) = delete;
  ~File() { close(); }

  /// Opens `path` with an fopen-style mode: "r", "r+", "w", "w+", "a", "a+" ("b" ignored;
  /// "x" adds O_EXCL). Created files get mode 0666 minus the umask.
  /// Errors: UsageError for an unknown mode; std::system_error "open <path>".
  static Task<File> open(std::string path, std::string mode = "r");

  /// Reads at the current position; 0 at end of file.
  Task<std::size_t> read(std::span<std::byte> buffer);
  /// Writes all of `data` at the current position (or at the end in append mode).
  Task<> write(std::span<const std::byte> data);
  Task<> write(std::string_view data);
  /// pread / pwrite at `offset`; the position does not move.
  Task<std::size_t> read_at(std::span<std::byte> buffer, std::uint64_t offset);
  Task<> write_at(std::span<const std::byte> data, std::uint64_t offset);
  /// fsync: the data and metadata reach the device.
  Task<> sync();
  /// Size in bytes (fstat).
  Task<std::uint64_t> size();

  /// Closes now (idempotent).
  void close() noexcept;
  const std::string& path() const noexcept { return path_; }
  int native_handle() const noexcept { return fd_; }

 private:
  File(int fd, std::string path) noexcept : fd_(fd), path_(std::move(path)) {}
  int fd_ = -1;
  std::string path_;
};

/// Reads a whole file into a string (one thread hop). Errors: std::system_error with the path.
Task<std::string> read_file(std::string path);
/// Replaces (or creates) `path` with `data` (one thread hop). Errors: as read_file.
Task<> write_file(std::string path, std::string data);

}  // namespace corio
