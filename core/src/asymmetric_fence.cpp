// membarrier(2) behind heavy_fence (asymmetric_fence.hpp).
#include "asymmetric_fence.hpp"

#include <linux/membarrier.h>
#include <sys/syscall.h>
#include <unistd.h>

namespace corio::detail {

bool heavy_fence_available() noexcept {
#if defined(__SANITIZE_THREAD__)
  return false;
#else
  // The expedited command needs the process registered once; a kernel without it (or a
  // seccomp filter) fails the registration.
  static const bool available =
      syscall(SYS_membarrier, MEMBARRIER_CMD_REGISTER_PRIVATE_EXPEDITED, 0, 0) == 0;
  return available;
#endif
}

void heavy_fence() noexcept { syscall(SYS_membarrier, MEMBARRIER_CMD_PRIVATE_EXPEDITED, 0, 0); }

}  // namespace corio::detail
