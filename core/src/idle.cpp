// Idle accounting; the protocol is described in idle.hpp.
#include "idle.hpp"

#include <algorithm>

namespace corio::detail {

Idle::Idle(unsigned num_workers) : num_workers_(num_workers), state_(num_workers * kUnparkedOne) {
  sleepers_.reserve(num_workers);
}

bool Idle::should_notify() const noexcept {
  std::uint32_t s = state_.load(std::memory_order_seq_cst);
  return searching(s) == 0 && unparked(s) < num_workers_;
}

std::optional<unsigned> Idle::worker_to_notify() {
  if (!should_notify()) return std::nullopt;
  std::lock_guard lock(mutex_);
  if (!should_notify() || sleepers_.empty()) return std::nullopt;
  // The woken worker starts as a searcher, so other producers do not wake a second one.
  state_.fetch_add(kUnparkedOne + 1, std::memory_order_seq_cst);
  unsigned worker = sleepers_.back();
  sleepers_.pop_back();
  return worker;
}

bool Idle::transition_to_searching() noexcept {
  std::uint32_t s = state_.load(std::memory_order_seq_cst);
  if (2 * searching(s) >= num_workers_) return false;
  // Racy by design (as in Tokio): two workers may both pass the check; the bound is soft.
  state_.fetch_add(1, std::memory_order_seq_cst);
  return true;
}

bool Idle::transition_from_searching() noexcept {
  return searching(state_.fetch_sub(1, std::memory_order_seq_cst)) == 1;
}

bool Idle::notify_worker(unsigned worker) {
  std::lock_guard lock(mutex_);
  auto it = std::find(sleepers_.begin(), sleepers_.end(), worker);
  if (it == sleepers_.end()) return false;
  sleepers_.erase(it);
  state_.fetch_add(kUnparkedOne + 1, std::memory_order_seq_cst);
  return true;
}

Idle::Wakeup Idle::on_wakeup(unsigned worker, bool has_work) {
  std::lock_guard lock(mutex_);
  auto it = std::find(sleepers_.begin(), sleepers_.end(), worker);
  if (it == sleepers_.end()) return Wakeup::notified;
  if (!has_work) return Wakeup::still_parked;
  sleepers_.erase(it);
  state_.fetch_add(kUnparkedOne, std::memory_order_seq_cst);
  return Wakeup::left;
}

}  // namespace corio::detail
