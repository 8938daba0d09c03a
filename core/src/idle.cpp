// Idle accounting; the protocol is described in idle.hpp.
#include "idle.hpp"

#include <algorithm>

namespace corio::detail {

Idle::Idle(unsigned num_workers) : num_workers_(num_workers), unparked_(num_workers) {
  sleepers_.reserve(num_workers);
}

bool Idle::should_notify() const noexcept {
  // This order (idle.hpp): the unparked count first; it rarely changes.
  return unparked_.load(std::memory_order_seq_cst) < num_workers_ &&
         searching_.load(std::memory_order_seq_cst) == 0;
}

std::optional<unsigned> Idle::worker_to_notify() {
  if (!should_notify()) return std::nullopt;
  std::lock_guard lock(mutex_);
  if (!should_notify() || sleepers_.empty()) return std::nullopt;
  // The woken worker starts as a searcher, so other producers do not wake a second one.
  wake_counted_as_searcher();
  unsigned worker = sleepers_.back();
  sleepers_.pop_back();
  return worker;
}

void Idle::wake_counted_as_searcher() noexcept {
  searching_.fetch_add(1, std::memory_order_seq_cst);
  unparked_.fetch_add(1, std::memory_order_seq_cst);
}

bool Idle::transition_to_searching() noexcept {
  if (2 * searching_.load(std::memory_order_seq_cst) >= num_workers_) return false;
  // Racy by design (as in Tokio): two workers may both pass the check; the bound is soft.
  searching_.fetch_add(1, std::memory_order_seq_cst);
  return true;
}

bool Idle::transition_from_searching() noexcept {
  return searching_.fetch_sub(1, std::memory_order_seq_cst) == 1;
}

bool Idle::notify_worker(unsigned worker) {
  std::lock_guard lock(mutex_);
  auto it = std::find(sleepers_.begin(), sleepers_.end(), worker);
  if (it == sleepers_.end()) return false;
  sleepers_.erase(it);
  wake_counted_as_searcher();
  return true;
}

Idle::Wakeup Idle::on_wakeup(unsigned worker, bool has_work) {
  std::lock_guard lock(mutex_);
  auto it = std::find(sleepers_.begin(), sleepers_.end(), worker);
  if (it == sleepers_.end()) return Wakeup::notified;
  if (!has_work) return Wakeup::still_parked;
  sleepers_.erase(it);
  unparked_.fetch_add(1, std::memory_order_seq_cst);
  return Wakeup::left;
}

}  // namespace corio::detail
