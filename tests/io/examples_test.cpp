// The io/ example programs, run as child processes on loopback: echo_server with
// echo_client, http_server with http_get and with raw sockets (pipelining, 400 on malformed
// requests, slow clients dropped). Each server starts with port 0 and announces its port on
// its first output line; the test reads it, runs the client, checks the output, and stops
// the server with SIGTERM or SIGINT, which it handles by exiting 0. The programs' paths
// come from compile definitions (CMake).
#include <arpa/inet.h>
#include <gtest/gtest.h>
#include <netinet/in.h>
#include <signal.h>
#include <spawn.h>
#include <sys/socket.h>
#include <sys/wait.h>
#include <unistd.h>

#include <cstdint>
#include <string>
#include <string_view>
#include <vector>

extern char** environ;

namespace {

// A child process with its stdout on a pipe.
class Child {
 public:
  explicit Child(std::vector<std::string> args) {
    int fds[2];
    if (pipe(fds) != 0) throw std::runtime_error("pipe");
    posix_spawn_file_actions_t actions;
    posix_spawn_file_actions_init(&actions);
    posix_spawn_file_actions_adddup2(&actions, fds[1], STDOUT_FILENO);
    posix_spawn_file_actions_addclose(&actions, fds[0]);
    posix_spawn_file_actions_addclose(&actions, fds[1]);
    std::vector<char*> argv;
    for (std::string& a : args) argv.push_back(a.data());
    argv.push_back(nullptr);
    int rc = posix_spawn(&pid_, argv[0], &actions, nullptr, argv.data(), environ);
    posix_spawn_file_actions_destroy(&actions);
    close(fds[1]);
    out_ = fds[0];
    if (rc != 0) throw std::runtime_error("cannot start " + args[0]);
  }
  Child(const Child&) = delete;
  Child& operator=(const Child&) = delete;
  ~Child() {
    if (pid_ > 0) {
      kill(pid_, SIGKILL);
      wait();
    }
    close(out_);
  }

  // One line of output, without its newline (empty at end of output).
  std::string read_line() {
    std::string line;
    char c;
    while (read(out_, &c, 1) == 1 && c != '\n') line += c;
    return line;
  }
  // Everything the child writes until it closes its stdout.
  std::string read_all() {
    std::string all;
    char chunk[4096];
    for (ssize_t n; (n = read(out_, chunk, sizeof chunk)) > 0;) all.append(chunk, n);
    return all;
  }
  // Waits for the child; returns its wait status.
  int wait() {
    int status = 0;
    waitpid(pid_, &status, 0);
    pid_ = -1;
    return status;
  }
  void signal(int sig) { kill(pid_, sig); }

 private:
  pid_t pid_ = -1;
  int out_ = -1;
};

// Starts a server example and returns its port, read from "listening on 127.0.0.1:PORT".
std::uint16_t port_of(Child& server) {
  std::string line = server.read_line();
  constexpr std::string_view kPrefix = "listening on 127.0.0.1:";
  if (line.rfind(kPrefix, 0) != 0) throw std::runtime_error("unexpected first line: " + line);
  return static_cast<std::uint16_t>(std::stoul(line.substr(kPrefix.size())));
}

// Stops a server with `sig`: it shuts down gracefully and exits 0.
void stop(Child& server, int sig = SIGTERM) {
  server.signal(sig);
  int status = server.wait();
  EXPECT_TRUE(WIFEXITED(status) && WEXITSTATUS(status) == 0) << "server wait status " << status;
}

// A blocking loopback connection for talking raw HTTP to the server.
int connect_to(std::uint16_t port) {
  int fd = socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0);
  sockaddr_in addr{};
  addr.sin_family = AF_INET;
  addr.sin_port = htons(port);
  addr.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
  if (connect(fd, reinterpret_cast<sockaddr*>(&addr), sizeof addr) != 0) {
    close(fd);
    throw std::runtime_error("connect failed");
  }
  return fd;
}

void send_all(int fd, std::string_view data) {
  while (!data.empty()) {
    ssize_t n = send(fd, data.data(), data.size(), MSG_NOSIGNAL);
    if (n <= 0) throw std::runtime_error("send failed");
    data.remove_prefix(static_cast<std::size_t>(n));
  }
}

// Reads until the server closes the connection (or resets it).
std::string read_until_closed(int fd) {
  std::string all;
  char chunk[4096];
  for (ssize_t n; (n = recv(fd, chunk, sizeof chunk, 0)) > 0;) all.append(chunk, n);
  return all;
}

std::size_t count(std::string_view haystack, std::string_view needle) {
  std::size_t n = 0;
  for (std::size_t at = haystack.find(needle); at != std::string_view::npos;
       at = haystack.find(needle, at + needle.size())) {
    ++n;
  }
  return n;
}

constexpr std::string_view kHello =
    "HTTP/1.1 200 OK\r\nContent-Type: text/plain\r\nContent-Length: 13\r\n\r\nHello, World!";

TEST(ExamplesTest, EchoClientGetsEveryMessageBackFromEchoServer) {
  Child server({ECHO_SERVER, "--workers", "2"});
  std::string port = std::to_string(port_of(server));
  Child client({ECHO_CLIENT, port, "--", "hello", "corio", std::string(10000, 'x')});
  std::string out = client.read_all();
  int status = client.wait();
  EXPECT_TRUE(WIFEXITED(status) && WEXITSTATUS(status) == 0) << out;
  EXPECT_EQ(out, "echo: hello\necho: corio\necho: " + std::string(10000, 'x') + "\n");
  stop(server, SIGINT);  // Ctrl-C
}

TEST(ExamplesTest, HttpGetPrintsTheStatusOfEveryUrlFetchedConcurrently) {
  Child server({HTTP_SERVER, "--workers", "2"});
  std::string base = "http://127.0.0.1:" + std::to_string(port_of(server));
  Child client({HTTP_GET, base + "/", base + "/a", base + "/b/c"});
  std::string out = client.read_all();
  int status = client.wait();
  EXPECT_TRUE(WIFEXITED(status) && WEXITSTATUS(status) == 0) << out;
  for (std::string url : {base + "/", base + "/a", base + "/b/c"}) {
    EXPECT_NE(out.find(url + ": 200 (13 bytes)\n"), std::string::npos) << out;
  }
  EXPECT_EQ(count(out, "\n"), 3u) << out;
  stop(server);
}

TEST(ExamplesTest, HttpGetReportsARefusedConnectionAndExitsNonZero) {
  // A bound socket that does not listen: connecting to its port is refused.
  int placeholder = socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0);
  sockaddr_in addr{};
  addr.sin_family = AF_INET;
  addr.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
  ASSERT_EQ(bind(placeholder, reinterpret_cast<sockaddr*>(&addr), sizeof addr), 0);
  socklen_t len = sizeof addr;
  getsockname(placeholder, reinterpret_cast<sockaddr*>(&addr), &len);
  std::string url = "http://127.0.0.1:" + std::to_string(ntohs(addr.sin_port)) + "/";
  Child client({HTTP_GET, url});
  std::string out = client.read_all();
  int status = client.wait();
  close(placeholder);
  EXPECT_TRUE(WIFEXITED(status) && WEXITSTATUS(status) == 1);
  EXPECT_NE(out.find(url + ": error: "), std::string::npos) << out;
}

TEST(ExamplesTest, HttpServerAnswersPipelinedRequestsInOrderAndClosesAfterConnectionClose) {
  Child server({HTTP_SERVER, "--workers", "1"});
  int fd = connect_to(port_of(server));
  send_all(fd,
           "GET / HTTP/1.1\r\nHost: a\r\n\r\nGET /2 HTTP/1.1\r\nHost: a\r\n\r\n"
           "GET /3 HTTP/1.1\r\nHost: a\r\nConnection: close\r\n\r\n");
  std::string reply = read_until_closed(fd);
  close(fd);
  EXPECT_EQ(reply.substr(0, 2 * kHello.size()), std::string(kHello) + std::string(kHello));
  EXPECT_EQ(count(reply, "HTTP/1.1 200 OK\r\n"), 3u) << reply;
  EXPECT_NE(reply.find("Connection: close\r\n"), std::string::npos) << reply;
  stop(server);
}

TEST(ExamplesTest, HttpServerServesTheRuntimeMetricsAtSlashMetrics) {
  Child server({HTTP_SERVER, "--workers", "2"});
  int fd = connect_to(port_of(server));
  send_all(fd,
           "GET /metrics HTTP/1.1\r\nHost: a\r\n\r\n"
           "GET / HTTP/1.1\r\nHost: a\r\nConnection: close\r\n\r\n");
  std::string reply = read_until_closed(fd);
  close(fd);
  EXPECT_EQ(reply.rfind("HTTP/1.1 200 OK\r\nContent-Type: text/plain; version=0.0.4\r\n", 0), 0u)
      << reply;
  EXPECT_NE(reply.find("\ncorio_worker_polled_total{worker=\"1\"} "), std::string::npos) << reply;
  EXPECT_NE(reply.find("\ncorio_live_tasks "), std::string::npos) << reply;
  // The other paths keep the hello-world answer.
  EXPECT_NE(reply.find("Hello, World!"), std::string::npos) << reply;
  stop(server);
}

TEST(ExamplesTest, HttpServerAnswersAMalformedRequest400AndCloses) {
  Child server({HTTP_SERVER, "--workers", "1"});
  int fd = connect_to(port_of(server));
  // The valid request before it is answered; nothing after the bad one is.
  send_all(fd,
           "GET / HTTP/1.1\r\n\r\nGET / HTTP/1.1\r\nBad Header: x\r\n\r\nGET / HTTP/1.1\r\n\r\n");
  std::string reply = read_until_closed(fd);
  close(fd);
  EXPECT_EQ(reply.substr(0, kHello.size()), kHello);
  EXPECT_EQ(count(reply, "HTTP/1.1 200 OK"), 1u) << reply;
  EXPECT_NE(reply.find("HTTP/1.1 400 Bad Request\r\n"), std::string::npos) << reply;
  stop(server);
}

TEST(ExamplesTest, HttpServerRejectsAnOverlongRequestLineWithoutWaitingForItsEnd) {
  Child server({HTTP_SERVER, "--workers", "1"});
  int fd = connect_to(port_of(server));
  send_all(fd, "GET /" + std::string(10000, 'a'));  // no CRLF ever comes
  std::string reply = read_until_closed(fd);
  close(fd);
  EXPECT_EQ(reply.rfind("HTTP/1.1 400 Bad Request\r\n", 0), 0u) << reply;
  stop(server);
}

TEST(ExamplesTest, HttpServerDropsAClientThatStopsMidRequest) {
  Child server({HTTP_SERVER, "--workers", "1", "--timeout-ms", "100"});
  int fd = connect_to(port_of(server));
  send_all(fd, "GET / HTTP/1.1\r\nHost: sl");  // and then nothing: a slowloris
  std::string reply = read_until_closed(fd);   // returns once the server drops us
  close(fd);
  EXPECT_EQ(reply, "");
  stop(server);
}

}  // namespace
