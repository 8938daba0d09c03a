// Signals: `co_await corio::signal(SIGINT)` for a graceful shutdown on Ctrl-C
// (asyncio's loop.add_signal_handler, as Tokio's signal() awaits it).
//
//   corio::Task<> amain() {
//     auto server = corio::spawn(serve_forever());
//     co_await corio::signal(SIGINT);
//     server.cancel();
//   }
//
// How the signal is handled across threads: the first call of signal(signo) installs a
// process-wide sigaction handler for signo (SA_RESTART) that adds one to an eventfd
// owned by corio for that signal; awaiting reads the eventfd through the reactor. So the
// signal may be delivered to any thread of the process (workers, pool threads, the main
// thread) without blocking it anywhere, and a delivery made before anyone awaits is kept.
// From the first call on, the signal's default action (e.g. terminating on SIGINT) no
// longer happens; the handler stays installed for the life of the process.
#pragma once

#include "corio/core/task.hpp"

namespace corio {

/// Installs corio's handler for `signo` now (synchronously, so a signal raised right after
/// this call is not lost) and returns a task that completes at the next delivery not yet
/// consumed. Deliveries coalesce (several before the wait count once), and each wakes one
/// waiter: have one task wait per signal.
/// Suspends: until the signal arrives. Cancellation: CancelledError; no delivery is lost.
/// Errors: UsageError for SIGKILL, SIGSTOP or an invalid number; std::system_error if the
///   handler or eventfd cannot be set up.
Task<> signal(int signo);

}  // namespace corio
