// What every B8 http_plaintext program shares (bench-spec.md): the response, the minimal
// request parsing every peer writes by hand, the wrk driver that measures a server running
// in this process, and the program's main loop.
//
// Measurement: the program runs `wrk --latency -t1 -c64 -d<duration>s` as a child and
// parses its Requests/sec, request count and 99% latency. cpu_us_per_req is this process's
// user+sys CPU time (getrusage RUSAGE_SELF, which excludes the wrk child) over the wrk run,
// divided by wrk's requests. Flags: the harness's --workers/--reps, plus --duration S
// (default 5); --n (as the bench_smoke test passes) only shortens the default to 1 s.
#pragma once

#include <arpa/inet.h>
#include <netinet/in.h>
#include <spawn.h>
#include <sys/resource.h>
#include <sys/socket.h>
#include <sys/wait.h>
#include <unistd.h>

#include <algorithm>
#include <common/harness.hpp>
#include <cstdint>
#include <cstdio>
#include <cstring>
#include <optional>
#include <span>
#include <string>
#include <string_view>
#include <vector>

extern char** environ;

namespace corio::bench::http {

inline constexpr std::string_view kResponse =
    "HTTP/1.1 200 OK\r\nContent-Type: text/plain\r\nContent-Length: 13\r\n\r\nHello, World!";
inline constexpr std::size_t kBatch = 64;  ///< responses prepared back to back for one write

/// kBatch copies of the response, so n pipelined answers are one contiguous buffer.
inline std::string_view responses(std::size_t n) {
  static const std::string all = [] {
    std::string s;
    for (std::size_t i = 0; i < kBatch; ++i) s += kResponse;
    return s;
  }();
  return std::string_view(all).substr(0, std::min(n, kBatch) * kResponse.size());
}

/// A connection's input: a request ends at "\r\n\r\n" (bodies are not expected).
class RequestBuffer {
 public:
  /// Where the next read goes.
  std::span<char> free_space() noexcept {
    return std::span(buffer_ + have_, sizeof buffer_ - have_);
  }

  /// Takes `n` bytes just read into free_space(); returns how many complete requests they
  /// finished (and drops them), or nullopt if one head does not fit the buffer.
  std::optional<std::size_t> commit(std::size_t n) noexcept {
    have_ += n;
    std::string_view data(buffer_, have_);
    std::size_t start = 0, count = 0;
    for (;;) {
      std::size_t end = data.find("\r\n\r\n", scan_ > start + 3 ? scan_ - 3 : start);
      if (end == std::string_view::npos) break;
      ++count;
      start = scan_ = end + 4;
    }
    if (start == 0 && have_ == sizeof buffer_) return std::nullopt;
    std::memmove(buffer_, buffer_ + start, have_ - start);
    have_ -= start;
    scan_ = have_;  // bytes of the pending request already scanned
    return count;
  }

 private:
  char buffer_[16384];
  std::size_t have_ = 0;
  std::size_t scan_ = 0;
};

struct WrkResult {
  double requests_per_s = 0;
  double p99_ms = 0;
  std::uint64_t requests = 0;
  double wall_ms = 0;
  double cpu_us = 0;  ///< this process's CPU time during the run
};

inline double cpu_us_now() {
  rusage usage{};
  getrusage(RUSAGE_SELF, &usage);
  auto us = [](timeval t) { return static_cast<double>(t.tv_sec) * 1e6 + t.tv_usec; };
  return us(usage.ru_utime) + us(usage.ru_stime);
}

/// Milliseconds in a wrk latency such as "812.00us", "1.23ms" or "2.01s".
inline double wrk_ms(std::string_view text) {
  double value = std::strtod(std::string(text).c_str(), nullptr);
  if (text.ends_with("us")) return value / 1e3;
  if (text.ends_with("ms")) return value;
  if (text.ends_with("s")) return value * 1e3;
  return value;
}

/// The whitespace-separated word after `label` in `out`, or empty.
inline std::string_view word_after(std::string_view out, std::string_view label) {
  std::size_t at = out.find(label);
  if (at == std::string_view::npos) return {};
  std::string_view rest = out.substr(at + label.size());
  std::size_t begin = rest.find_first_not_of(" \t");
  if (begin == std::string_view::npos) return {};
  rest = rest.substr(begin);
  return rest.substr(0, rest.find_first_of(" \t\r\n"));
}

inline WrkResult run_wrk(std::uint16_t port, unsigned seconds) {
  std::string url = "http://127.0.0.1:" + std::to_string(port) + "/";
  std::string duration = "-d" + std::to_string(seconds) + "s";
  const char* argv[] = {"wrk", "--latency", "-t1", "-c64", duration.c_str(), url.c_str(), nullptr};
  int pipe_fds[2];
  if (pipe(pipe_fds) != 0) fail("http_plaintext", "pipe failed");
  posix_spawn_file_actions_t actions;
  posix_spawn_file_actions_init(&actions);
  posix_spawn_file_actions_adddup2(&actions, pipe_fds[1], STDOUT_FILENO);
  posix_spawn_file_actions_addclose(&actions, pipe_fds[0]);
  posix_spawn_file_actions_addclose(&actions, pipe_fds[1]);

  WrkResult result;
  double cpu_before = cpu_us_now();
  Stopwatch watch;
  pid_t pid = 0;
  int spawned = posix_spawnp(&pid, "wrk", &actions, nullptr, const_cast<char**>(argv), environ);
  posix_spawn_file_actions_destroy(&actions);
  close(pipe_fds[1]);
  if (spawned != 0) fail("http_plaintext", "cannot run wrk (apt-get install wrk)");
  std::string out;
  char chunk[4096];
  for (ssize_t n; (n = read(pipe_fds[0], chunk, sizeof chunk)) > 0;) out.append(chunk, n);
  close(pipe_fds[0]);
  int status = 0;
  waitpid(pid, &status, 0);
  result.wall_ms = watch.elapsed_ms();
  result.cpu_us = cpu_us_now() - cpu_before;

  check(WIFEXITED(status) && WEXITSTATUS(status) == 0, "http_plaintext", "wrk failed:\n" + out);
  check(out.find("Non-2xx") == std::string::npos && out.find("Socket errors") == std::string::npos,
        "http_plaintext", "wrk saw errors:\n" + out);
  result.requests_per_s =
      std::strtod(std::string(word_after(out, "Requests/sec:")).c_str(), nullptr);
  // After the distribution's heading: the thread stats' "+/- Stdev" column (say 90.99%)
  // may end in "99%" too.
  std::size_t distribution = out.find("Latency Distribution");
  result.p99_ms = distribution == std::string::npos
                      ? 0
                      : wrk_ms(word_after(std::string_view(out).substr(distribution), "99%"));
  std::size_t at = out.find(" requests in ");
  std::size_t line = out.rfind('\n', at);
  if (at != std::string::npos && line != std::string::npos) {
    result.requests = std::strtoull(out.c_str() + line + 1, nullptr, 10);
  }
  check(result.requests > 0 && result.requests_per_s > 0 && result.p99_ms > 0, "http_plaintext",
        "cannot read wrk's output:\n" + out);
  return result;
}

/// Sends two pipelined requests plus half of a third over a plain socket and checks the two
/// answers are exactly the specified bytes (and that nothing answers the partial request).
inline void validate_server(std::uint16_t port) {
  int fd = socket(AF_INET, SOCK_STREAM, 0);
  sockaddr_in addr{};
  addr.sin_family = AF_INET;
  addr.sin_port = htons(port);
  addr.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
  check(connect(fd, reinterpret_cast<sockaddr*>(&addr), sizeof addr) == 0, "http_plaintext",
        "cannot connect to the server");
  std::string_view get = "GET / HTTP/1.1\r\nHost: 127.0.0.1\r\n\r\n";
  std::string requests = std::string(get) + std::string(get) + "GET / HTTP/1.1\r\nHo";
  check(write(fd, requests.data(), requests.size()) == static_cast<ssize_t>(requests.size()),
        "http_plaintext", "write to the server failed");
  std::string expected = std::string(kResponse) + std::string(kResponse);
  std::string got;
  char chunk[1024];
  while (got.size() < expected.size()) {
    ssize_t n = read(fd, chunk, sizeof chunk);
    if (n <= 0) break;
    got.append(chunk, n);
  }
  close(fd);
  check(got == expected, "http_plaintext", "wrong response: " + got);
}

/// Removes "--duration S" from argv (the harness does not know it); 0 when absent.
inline unsigned take_duration(int& argc, char** argv) {
  unsigned seconds = 0;
  for (int i = 1; i + 1 < argc; ++i) {
    if (std::string_view(argv[i]) == "--duration") {
      seconds = parse_unsigned("--duration", argv[i + 1]);
      for (int j = i; j + 2 <= argc; ++j) argv[j] = argv[j + 2];
      argc -= 2;
      break;
    }
  }
  return seconds;
}

/// The program: for each worker count, `reps` runs of `rep(workers, seconds)` (which starts
/// a server, validates it and returns run_wrk's result), then one RESULT line of medians.
template <class Rep>
int main(const char* runtime, int argc, char** argv, Rep rep) {
  unsigned seconds = take_duration(argc, argv);
  Args args = parse_args(argc, argv);
  if (seconds == 0) seconds = args.n ? 1 : 5;
  for (unsigned workers : args.workers) {
    std::vector<double> rps, p99, cpu, wall, requests;
    for (unsigned r = 0; r < args.reps; ++r) {
      WrkResult w = rep(workers, seconds);
      rps.push_back(w.requests_per_s);
      p99.push_back(w.p99_ms);
      cpu.push_back(w.cpu_us / static_cast<double>(w.requests));
      wall.push_back(w.wall_ms);
      requests.push_back(static_cast<double>(w.requests));
    }
    std::printf(
        "RESULT http_plaintext %s workers=%u n=%.0f wall_ms=%.3f requests_per_s=%.3f "
        "p99_ms=%.3f cpu_us_per_req=%.3f reps=%u\n",
        runtime, workers, median(requests), median(wall), median(rps), median(p99), median(cpu),
        args.reps);
    std::fflush(stdout);
  }
  return 0;
}

}  // namespace corio::bench::http
