// Readiness is never stranded: while the worker that registered an fd is busy in a long
// poll, a searching worker polls that worker's reactor and serves the fd's reader.
#include <gtest/gtest.h>
#include <sys/socket.h>
#include <unistd.h>

#include <atomic>
#include <optional>

#include "corio/core/detail/cpu_relax.hpp"
#include "corio/core/detail/io_readiness.hpp"
#include "corio/core/runtime.hpp"
#include "corio/core/spawn.hpp"
#include "corio/core/yield_now.hpp"

namespace {

using corio::detail::IoReadiness;

struct Shared {
  IoReadiness* io = nullptr;
  int peer = -1;
  std::atomic<bool> reader_waiting{false};
  std::atomic<bool> served{false};
  std::optional<unsigned> served_on;
};

corio::Task<> reader(Shared* s) {
  s->reader_waiting.store(true, std::memory_order_release);
  co_await s->io->wait(IoReadiness::kRead);
  s->served_on = corio::current_worker_index();
  s->served.store(true, std::memory_order_release);
}

corio::Task<> writer(Shared* s) {
  char byte = 'x';
  EXPECT_EQ(::write(s->peer, &byte, 1), 1);
  co_return;  // this worker now searches, and finds the event on worker 0's reactor
}

// Pinned to worker 0: registers the fd here, then never suspends until the reader, woken
// by an event only this reactor holds, has run elsewhere. Without help it spins forever.
corio::Task<> busy_owner(Shared* s) {
  int fds[2];
  EXPECT_EQ(::socketpair(AF_UNIX, SOCK_STREAM | SOCK_NONBLOCK | SOCK_CLOEXEC, 0, fds), 0);
  s->io = IoReadiness::create(fds[0]);
  s->peer = fds[1];
  auto r = corio::spawn(reader(s));
  while (!s->reader_waiting.load(std::memory_order_acquire)) co_await corio::yield_now();
  auto w = corio::spawn(writer(s), {.pin_to_worker = 1});
  while (!s->served.load(std::memory_order_acquire)) corio::detail::cpu_relax();
  co_await w;
  co_await r;
  s->io->release();
  ::close(fds[0]);
  ::close(fds[1]);
}

TEST(ReactorHelpTest, AnIdleWorkerServesTheReadinessOfABusyWorkersFd) {
  Shared s;
  auto main = [](Shared* s) -> corio::Task<> {
    co_await corio::spawn(busy_owner(s), {.pin_to_worker = 0});
  };
  corio::run(main(&s), {.workers = 2});
  EXPECT_TRUE(s.served.load());
  EXPECT_EQ(s.served_on, 1u);
}

}  // namespace
