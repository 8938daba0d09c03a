// The out-of-line parts of channel.hpp and queue.hpp: exception messages and the polite
// spin a channel uses while the other side finishes publishing a value (a few instructions,
// unless that thread was preempted, hence the yield after a while).
#include "corio/sync/channel.hpp"

#include <thread>

#include "corio/sync/queue.hpp"

namespace corio {

ChannelClosed::ChannelClosed()
    : Error(
          "send on a closed corio::Channel: the value was not sent (ChannelClosedWith<T>::"
          "value() has it back); stop sending once the channel is closed") {}

QueueFull::QueueFull()
    : Error("corio::Queue::put_nowait on a full queue; co_await put() to wait") {}
QueueEmpty::QueueEmpty()
    : Error("corio::Queue::get_nowait on an empty queue; co_await get() to wait") {}
QueueShutDown::QueueShutDown()
    : Error("the corio::Queue was shut down: no more puts, and gets only until it is empty") {}

namespace detail {

void throw_blocking_on_worker(const char* what) {
  throw UsageError(std::string(what) +
                   " blocks its thread and was called on a corio runtime worker, which would "
                   "stall every task on it; co_await send()/recv() there instead");
}

void throw_bad_channel_capacity() {
  throw UsageError(
      "corio::Channel<T>::bounded(0): a bounded channel needs a capacity of at least 1; use "
      "Channel<T>::unbounded() for no bound");
}

void throw_task_done_too_often() {
  throw UsageError(
      "corio::Queue::task_done() called more times than there were items put (asyncio's "
      "ValueError); call it once per item taken with get()");
}

void channel_backoff(unsigned& spins) noexcept {
  if (++spins < 64) {
    cpu_relax();
  } else {
    std::this_thread::yield();
  }
}

}  // namespace detail
}  // namespace corio
