// run_in_child: runs one repetition in a forked child process and returns what it measured.
// Memory benchmarks need it: RSS only shows a repetition's growth in a fresh heap (memory an
// earlier repetition freed stays resident and would be reused without growing RSS).
#pragma once

#include <sys/wait.h>
#include <unistd.h>

#include <common/harness.hpp>
#include <type_traits>

namespace corio::bench {

/// Calls `rep()` in a child process and returns its result, passed back through a pipe.
/// A child that fails (or a result that does not arrive) is fatal for `workload`.
template <class Result, class Rep>
Result run_in_child(const char* workload, Rep rep) {
  static_assert(std::is_trivially_copyable_v<Result>, "the result crosses a pipe as bytes");
  int fds[2];
  if (pipe(fds) != 0) fail(workload, "pipe failed");
  pid_t pid = fork();
  if (pid < 0) fail(workload, "fork failed");
  if (pid == 0) {
    close(fds[0]);
    Result r = rep();
    ssize_t w = write(fds[1], &r, sizeof r);
    _exit(w == static_cast<ssize_t>(sizeof r) ? 0 : 1);
  }
  close(fds[1]);
  Result r{};
  ssize_t got = read(fds[0], &r, sizeof r);
  close(fds[0]);
  int status = 0;
  waitpid(pid, &status, 0);
  if (got != static_cast<ssize_t>(sizeof r) || !WIFEXITED(status) || WEXITSTATUS(status) != 0) {
    fail(workload, "the measuring child process failed");
  }
  return r;
}

}  // namespace corio::bench
