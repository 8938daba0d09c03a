// An asymmetric fence pair, for a protocol whose one side runs on a hot path and whose
// other side is rare. The hot side orders its store before its load with a compiler
// barrier only (light_fence); the rare side calls heavy_fence, which makes every running
// thread of the process execute a full barrier (membarrier(2), private expedited) and so
// stands for the fence the hot side left out. In a Dekker pair (each side stores its flag,
// fences, then loads the other's), one of the two then sees the other's store.
//
// Debug mode uses it: every poll ends with a light fence, and only the watchdog's rare read
// of a polled task pays for a system call (worker.cpp, "Debug mode").
#pragma once

#include <atomic>

namespace corio::detail {

/// True if heavy_fence works in this process (registers with the kernel on the first call).
/// False when the kernel refuses membarrier, and under ThreadSanitizer, which does not see
/// the ordering it provides: callers then use an ordinary read-modify-write protocol.
/// Thread safety: any thread.
bool heavy_fence_available() noexcept;

/// The rare side's fence. Only after heavy_fence_available() returned true.
void heavy_fence() noexcept;

/// The hot side's fence: no instruction, only the compiler kept from reordering.
inline void light_fence() noexcept { std::atomic_signal_fence(std::memory_order_seq_cst); }

}  // namespace corio::detail
