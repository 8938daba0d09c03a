// File (file.hpp): each operation is one to_thread hop running the plain system call; the
// loops for short reads and writes run on the pool thread, not back and forth.
#include "corio/io/file.hpp"

#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cerrno>
#include <system_error>
#include <utility>

#include "corio/core/blocking.hpp"
#include "corio/core/error.hpp"

namespace corio {

namespace {

[[noreturn]] void fail(const char* op, const std::string& path) {
  throw std::system_error(errno, std::generic_category(), std::string(op) + " " + path);
}

int open_flags(std::string_view mode) {
  int flags = 0;
  std::string_view base = mode.substr(0, 1);
  bool plus = mode.find('+') != std::string_view::npos;
  if (base == "r")
    flags = plus ? O_RDWR : O_RDONLY;
  else if (base == "w")
    flags = (plus ? O_RDWR : O_WRONLY) | O_CREAT | O_TRUNC;
  else if (base == "a")
    flags = (plus ? O_RDWR : O_WRONLY) | O_CREAT | O_APPEND;
  else
    return -1;
  for (char c : mode.substr(1)) {
    if (c == 'x')
      flags |= O_EXCL;
    else if (c != '+' && c != 'b')
      return -1;
  }
  return flags | O_CLOEXEC;
}

void write_fully(int fd, const std::byte* data, std::size_t size, const std::string& path,
                 std::int64_t offset) {
  while (size > 0) {
    ssize_t n = offset < 0 ? ::write(fd, data, size) : ::pwrite(fd, data, size, offset);
    if (n < 0) {
      if (errno == EINTR) continue;
      fail(offset < 0 ? "write" : "write_at", path);
    }
    data += n;
    size -= static_cast<std::size_t>(n);
    if (offset >= 0) offset += n;
  }
}

}  // namespace

File::File(File&& other) noexcept
    : fd_(std::exchange(other.fd_, -1)), path_(std::move(other.path_)) {}

File& File::operator=(File&& other) noexcept {
  if (this != &other) {
    close();
    fd_ = std::exchange(other.fd_, -1);
    path_ = std::move(other.path_);
  }
  return *this;
}

void File::close() noexcept {
  if (fd_ >= 0) ::close(std::exchange(fd_, -1));
}

Task<File> File::open(std::string path, std::string mode) {
  int flags = open_flags(mode);
  if (flags < 0) {
    throw UsageError("corio::File::open(\"" + path + "\", \"" + mode +
                     "\"): the mode is one of r, r+, w, w+, a, a+ (optionally with b or x)");
  }
  int fd = co_await to_thread(
      [](const std::string& p, int f) {
        int fd;
        do {
          fd = ::open(p.c_str(), f, 0666);
        } while (fd < 0 && errno == EINTR);
        if (fd < 0) fail("open", p);
        return fd;
      },
      path, flags);
  co_return File(fd, std::move(path));
}

Task<std::size_t> File::read(std::span<std::byte> buffer) {
  co_return co_await to_thread(
      [](int fd, std::span<std::byte> b, const std::string* p) {
        for (;;) {
          ssize_t n = ::read(fd, b.data(), b.size());
          if (n >= 0) return static_cast<std::size_t>(n);
          if (errno != EINTR) fail("read", *p);
        }
      },
      fd_, buffer, &path_);
}

Task<> File::write(std::span<const std::byte> data) {
  co_await to_thread([](int fd, std::span<const std::byte> d,
                        const std::string* p) { write_fully(fd, d.data(), d.size(), *p, -1); },
                     fd_, data, &path_);
}

Task<> File::write(std::string_view data) {
  co_await write(std::as_bytes(std::span(data.data(), data.size())));
}

Task<std::size_t> File::read_at(std::span<std::byte> buffer, std::uint64_t offset) {
  co_return co_await to_thread(
      [](int fd, std::span<std::byte> b, std::uint64_t off, const std::string* p) {
        for (;;) {
          ssize_t n = ::pread(fd, b.data(), b.size(), static_cast<off_t>(off));
          if (n >= 0) return static_cast<std::size_t>(n);
          if (errno != EINTR) fail("read_at", *p);
        }
      },
      fd_, buffer, offset, &path_);
}

Task<> File::write_at(std::span<const std::byte> data, std::uint64_t offset) {
  co_await to_thread(
      [](int fd, std::span<const std::byte> d, std::uint64_t off, const std::string* p) {
        write_fully(fd, d.data(), d.size(), *p, static_cast<std::int64_t>(off));
      },
      fd_, data, offset, &path_);
}

Task<> File::sync() {
  co_await to_thread(
      [](int fd, const std::string* p) {
        if (::fsync(fd) < 0) fail("sync", *p);
      },
      fd_, &path_);
}

Task<std::uint64_t> File::size() {
  co_return co_await to_thread(
      [](int fd, const std::string* p) {
        struct stat st {};
        if (::fstat(fd, &st) < 0) fail("fstat", *p);
        return static_cast<std::uint64_t>(st.st_size);
      },
      fd_, &path_);
}

Task<std::string> read_file(std::string path) {
  co_return co_await to_thread(
      [](const std::string& p) {
        int fd;
        do {
          fd = ::open(p.c_str(), O_RDONLY | O_CLOEXEC);
        } while (fd < 0 && errno == EINTR);
        if (fd < 0) fail("open", p);
        std::string out;
        char buf[65536];
        for (;;) {
          ssize_t n = ::read(fd, buf, sizeof buf);
          if (n < 0) {
            if (errno == EINTR) continue;
            int saved = errno;
            ::close(fd);
            errno = saved;
            fail("read", p);
          }
          if (n == 0) break;
          out.append(buf, static_cast<std::size_t>(n));
        }
        ::close(fd);
        return out;
      },
      std::move(path));
}

Task<> write_file(std::string path, std::string data) {
  co_await to_thread(
      [](const std::string& p, const std::string& d) {
        int fd;
        do {
          fd = ::open(p.c_str(), O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0666);
        } while (fd < 0 && errno == EINTR);
        if (fd < 0) fail("open", p);
        try {
          write_fully(fd, reinterpret_cast<const std::byte*>(d.data()), d.size(), p, -1);
        } catch (...) {
          ::close(fd);
          throw;
        }
        if (::close(fd) < 0) fail("close", p);
      },
      std::move(path), std::move(data));
}

}  // namespace corio
