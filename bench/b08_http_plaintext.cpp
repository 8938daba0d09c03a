// B8 http_plaintext (bench-spec.md) on corio: an HTTP/1.1 keep-alive server answering every
// request with "Hello, World!", loaded by wrk.
//
// Server: a corio Runtime with W workers, one accept loop, one task per connection. A
// connection reads what is available, counts the complete requests in it (the minimal
// hand-written parsing every B8 peer does: a request ends at "\r\n\r\n"; bodies are not
// expected), and answers all of them with one write, so pipelined requests cost one read and
// one write per batch. (examples/http_server.cpp is the same server with a hardened parser
// and timeouts; this one is written exactly as the peers are, for a like-for-like race.)
//
// Measurement: the server runs in this process on a free loopback port; the program runs
// `wrk --latency -t1 -c64 -d<duration>s` as a child and parses its Requests/sec, request
// count and 99% latency. cpu_us_per_req is this process's user+sys CPU time (getrusage
// RUSAGE_SELF, which excludes the wrk child) over the wrk run, divided by wrk's requests.
// Flags: the harness's --workers/--reps, plus --duration S (default 5); --n (as the
// bench_smoke test passes) only shortens the default duration to 1 s.
#include <arpa/inet.h>
#include <netinet/in.h>
#include <spawn.h>
#include <sys/resource.h>
#include <sys/socket.h>
#include <sys/wait.h>
#include <unistd.h>

#include <common/harness.hpp>
#include <corio/corio.hpp>
#include <corio/io/tcp.hpp>
#include <cstring>
#include <string>
#include <string_view>
#include <vector>

extern char** environ;

namespace {

constexpr std::string_view kResponse =
    "HTTP/1.1 200 OK\r\nContent-Type: text/plain\r\nContent-Length: 13\r\n\r\nHello, World!";
constexpr std::size_t kBatch = 64;  // responses prepared back to back for one write

// kBatch copies of the response, so n pipelined answers are one contiguous buffer.
const std::string& responses() {
  static const std::string all = [] {
    std::string s;
    for (std::size_t i = 0; i < kBatch; ++i) s += kResponse;
    return s;
  }();
  return all;
}

corio::Task<> session(corio::TcpStream stream) {
  stream.set_nodelay(true);
  char buffer[16384];
  std::size_t have = 0;  // bytes in buffer
  std::size_t scan = 0;  // bytes of the pending request already scanned for "\r\n\r\n"
  try {
    for (;;) {
      std::size_t n = co_await stream.read(
          std::as_writable_bytes(std::span(buffer + have, sizeof buffer - have)));
      if (n == 0) co_return;
      have += n;
      std::string_view data(buffer, have);
      std::size_t start = 0, count = 0;
      for (;;) {
        std::size_t end = data.find("\r\n\r\n", scan > start + 3 ? scan - 3 : start);
        if (end == std::string_view::npos) break;
        ++count;
        start = scan = end + 4;
      }
      if (start == 0 && have == sizeof buffer) co_return;  // a head larger than the buffer
      std::memmove(buffer, buffer + start, have - start);
      have -= start;
      scan = have;
      while (count > 0) {
        std::size_t batch = std::min(count, kBatch);
        co_await stream.write_all(std::string_view(responses().data(), batch * kResponse.size()));
        count -= batch;
      }
    }
  } catch (const std::system_error&) {
    // reset by the peer: the connection is done
  }
}

// Owns the listener: the Runtime's destructor destroys this frame, closing the listener
// before the reactor it is registered with goes away.
corio::Task<> listen(corio::TcpListener listener) {
  for (;;) corio::spawn(session(co_await listener.accept())).detach();
}

// ---- wrk and the measurement (as in peers/b08_http_plaintext_asio.cpp) -------------------

struct WrkResult {
  double requests_per_s = 0;
  double p99_ms = 0;
  std::uint64_t requests = 0;
  double wall_ms = 0;
  double cpu_us = 0;  // this process's CPU time during the run
};

double cpu_us_now() {
  rusage usage{};
  getrusage(RUSAGE_SELF, &usage);
  auto us = [](timeval t) { return static_cast<double>(t.tv_sec) * 1e6 + t.tv_usec; };
  return us(usage.ru_utime) + us(usage.ru_stime);
}

// Milliseconds in a wrk latency such as "812.00us", "1.23ms" or "2.01s".
double wrk_ms(std::string_view text) {
  double value = std::strtod(std::string(text).c_str(), nullptr);
  if (text.ends_with("us")) return value / 1e3;
  if (text.ends_with("ms")) return value;
  if (text.ends_with("s")) return value * 1e3;
  return value;
}

// The whitespace-separated word after `label` in `out`, or empty.
std::string_view word_after(std::string_view out, std::string_view label) {
  std::size_t at = out.find(label);
  if (at == std::string_view::npos) return {};
  std::string_view rest = out.substr(at + label.size());
  std::size_t begin = rest.find_first_not_of(" \t");
  if (begin == std::string_view::npos) return {};
  rest = rest.substr(begin);
  return rest.substr(0, rest.find_first_of(" \t\r\n"));
}

WrkResult run_wrk(std::uint16_t port, unsigned seconds) {
  std::string url = "http://127.0.0.1:" + std::to_string(port) + "/";
  std::string duration = "-d" + std::to_string(seconds) + "s";
  const char* argv[] = {"wrk", "--latency", "-t1", "-c64", duration.c_str(), url.c_str(), nullptr};
  int pipe_fds[2];
  if (pipe(pipe_fds) != 0) corio::bench::fail("http_plaintext", "pipe failed");
  posix_spawn_file_actions_t actions;
  posix_spawn_file_actions_init(&actions);
  posix_spawn_file_actions_adddup2(&actions, pipe_fds[1], STDOUT_FILENO);
  posix_spawn_file_actions_addclose(&actions, pipe_fds[0]);
  posix_spawn_file_actions_addclose(&actions, pipe_fds[1]);

  WrkResult result;
  double cpu_before = cpu_us_now();
  corio::bench::Stopwatch watch;
  pid_t pid = 0;
  int spawned = posix_spawnp(&pid, "wrk", &actions, nullptr, const_cast<char**>(argv), environ);
  posix_spawn_file_actions_destroy(&actions);
  close(pipe_fds[1]);
  if (spawned != 0) corio::bench::fail("http_plaintext", "cannot run wrk (apt-get install wrk)");
  std::string out;
  char chunk[4096];
  for (ssize_t n; (n = read(pipe_fds[0], chunk, sizeof chunk)) > 0;) out.append(chunk, n);
  close(pipe_fds[0]);
  int status = 0;
  waitpid(pid, &status, 0);
  result.wall_ms = watch.elapsed_ms();
  result.cpu_us = cpu_us_now() - cpu_before;

  corio::bench::check(WIFEXITED(status) && WEXITSTATUS(status) == 0, "http_plaintext",
                      "wrk failed:\n" + out);
  corio::bench::check(
      out.find("Non-2xx") == std::string::npos && out.find("Socket errors") == std::string::npos,
      "http_plaintext", "wrk saw errors:\n" + out);
  result.requests_per_s =
      std::strtod(std::string(word_after(out, "Requests/sec:")).c_str(), nullptr);
  result.p99_ms = wrk_ms(word_after(out, "99%"));
  std::size_t at = out.find(" requests in ");
  std::size_t line = out.rfind('\n', at);
  if (at != std::string::npos && line != std::string::npos) {
    result.requests = std::strtoull(out.c_str() + line + 1, nullptr, 10);
  }
  corio::bench::check(result.requests > 0 && result.requests_per_s > 0 && result.p99_ms > 0,
                      "http_plaintext", "cannot read wrk's output:\n" + out);
  return result;
}

// Sends two pipelined requests plus half of a third over a plain socket and checks the two
// answers are exactly the specified bytes (and that nothing answers the partial request).
void validate_server(std::uint16_t port) {
  int fd = socket(AF_INET, SOCK_STREAM, 0);
  sockaddr_in addr{};
  addr.sin_family = AF_INET;
  addr.sin_port = htons(port);
  addr.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
  corio::bench::check(connect(fd, reinterpret_cast<sockaddr*>(&addr), sizeof addr) == 0,
                      "http_plaintext", "cannot connect to the server");
  std::string_view get = "GET / HTTP/1.1\r\nHost: 127.0.0.1\r\n\r\n";
  std::string requests = std::string(get) + std::string(get) + "GET / HTTP/1.1\r\nHo";
  corio::bench::check(
      write(fd, requests.data(), requests.size()) == static_cast<ssize_t>(requests.size()),
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
  corio::bench::check(got == expected, "http_plaintext", "wrong response: " + got);
}

// ---- the program ---------------------------------------------------------------------------

// Removes "--duration S" from argv (the harness does not know it); 0 when absent.
unsigned take_duration(int& argc, char** argv) {
  unsigned seconds = 0;
  for (int i = 1; i + 1 < argc; ++i) {
    if (std::string_view(argv[i]) == "--duration") {
      seconds = corio::bench::parse_unsigned("--duration", argv[i + 1]);
      for (int j = i; j + 2 <= argc; ++j) argv[j] = argv[j + 2];
      argc -= 2;
      break;
    }
  }
  return seconds;
}

WrkResult rep(unsigned workers, unsigned seconds) {
  corio::Runtime runtime({.workers = workers});
  corio::TcpListener listener = corio::TcpListener::bind("127.0.0.1", 0);
  std::uint16_t port = listener.local_address().port();
  runtime.spawn(listen(std::move(listener))).detach();
  validate_server(port);
  WrkResult result = run_wrk(port, seconds);
  return result;  // the Runtime's destructor ends the remaining connections' tasks
}

}  // namespace

int main(int argc, char** argv) {
  unsigned seconds = take_duration(argc, argv);
  corio::bench::Args args = corio::bench::parse_args(argc, argv);
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
        "RESULT http_plaintext corio workers=%u n=%.0f wall_ms=%.3f requests_per_s=%.3f "
        "p99_ms=%.3f cpu_us_per_req=%.3f reps=%u\n",
        workers, corio::bench::median(requests), corio::bench::median(wall),
        corio::bench::median(rps), corio::bench::median(p99), corio::bench::median(cpu), args.reps);
    std::fflush(stdout);
  }
}
