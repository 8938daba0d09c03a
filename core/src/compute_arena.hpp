// ComputeArena: the oneTBB task arena behind compute(), one per runtime, created on first
// use (a runtime that never computes starts no TBB threads).
#pragma once

#include <functional>
#include <memory>
#include <mutex>

namespace corio::detail {

class ComputeArena {
 public:
  /// `threads`: the arena's concurrency; 0 means one per hardware thread.
  explicit ComputeArena(unsigned threads) noexcept;
  ~ComputeArena();
  ComputeArena(const ComputeArena&) = delete;
  ComputeArena& operator=(const ComputeArena&) = delete;

  /// Any thread: runs `job` on an arena thread.
  void enqueue(std::function<void()> job);
  /// Waits until every job enqueued so far has finished.
  void wait();

 private:
  struct Impl;
  const unsigned threads_;
  std::once_flag created_;
  std::unique_ptr<Impl> impl_;
};

}  // namespace corio::detail
