// StopTheWorld: the safe-point protocol (stop_the_world.hpp has the steps).
#include "stop_the_world.hpp"

namespace corio::detail {

void StopTheWorld::arrive() {
  std::unique_lock lock(mutex_);
  if (!active_) return;  // a stale flag: the stop ended before we got here
  std::uint64_t generation = generation_;
  ++arrived_;
  cv_.notify_all();
  cv_.wait(lock, [&] { return generation_ != generation; });
  // resume() zeroed arrived_: a new stop that starts before we wake must not count us.
}

void StopTheWorld::retire() {
  std::lock_guard lock(mutex_);
  ++retired_;
  cv_.notify_all();
}

void StopTheWorld::stop(bool on_worker, absl::FunctionRef<void()> wake_workers) {
  std::unique_lock lock(mutex_);
  // 1.
  if (active_) {
    if (on_worker) {
      ++waiting_stoppers_;
      cv_.notify_all();
    }
    cv_.wait(lock, [&] { return !active_; });
    if (on_worker) --waiting_stoppers_;
  }
  active_ = true;
  // 2. Release: pairs with the parker's exchange, so a worker woken by it sees the flag.
  requested_.store(true, std::memory_order_release);
  lock.unlock();
  wake_workers();
  lock.lock();
  // 3.
  unsigned others = workers_ - (on_worker ? 1 : 0);
  cv_.wait(lock, [&] { return arrived_ + waiting_stoppers_ + retired_ >= others; });
}

void StopTheWorld::resume() {
  {
    std::lock_guard lock(mutex_);
    requested_.store(false, std::memory_order_relaxed);
    active_ = false;
    arrived_ = 0;
    ++generation_;
  }
  cv_.notify_all();
}

}  // namespace corio::detail
