// DumpSignal: SIGUSR1 as "dump the tasks" (Runtime::dump_tasks), for one debug runtime at a
// time. The handler does only what is async-signal-safe: it writes to an eventfd. That fd
// lives as long as the process, so a signal that races with its owner's destruction still
// writes to a valid fd; the owner's debug monitor thread polls it and does the dump.
#pragma once

#include <memory>

namespace corio::detail {

class DumpSignal {
 public:
  /// Installs the SIGUSR1 handler, unless another runtime holds it (then null).
  static std::unique_ptr<DumpSignal> try_acquire();
  /// Restores the handler that was installed before.
  ~DumpSignal();
  DumpSignal(const DumpSignal&) = delete;
  DumpSignal& operator=(const DumpSignal&) = delete;

  /// Readable when a dump was asked for.
  int fd() const noexcept;
  /// True (once) if SIGUSR1 arrived since the last call.
  bool take() noexcept;

 private:
  DumpSignal() = default;
};

}  // namespace corio::detail
