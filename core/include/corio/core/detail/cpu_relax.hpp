// cpu_relax(): the pause a spin-wait makes between two looks at a shared word. The
// scheduler's search and the channel ring's back-off both spin; a pause lets the other
// hyperthread of the core run and keeps the spinning loop from flooding the memory system.
#pragma once

namespace corio::detail {

/// One CPU pause (x86 `pause`, Arm `yield`); nothing on other architectures.
inline void cpu_relax() noexcept {
#if defined(__x86_64__) || defined(__i386__)
  __builtin_ia32_pause();
#elif defined(__aarch64__)
  asm volatile("yield");
#endif
}

}  // namespace corio::detail
