// Coroutine frame memory: one block holds the TaskHeader and the frame behind it.
//
// The frame is freed when it is destroyed, except in one case: a runtime shutting down
// destroys an unfinished task's frame while its JoinHandle may still hold the header. Then
// the header stays (kFrameGone) until the last reference lets go (release_memory).
#include "corio/core/detail/frame_memory.hpp"

#include <new>

#include "corio/core/detail/task_header.hpp"

namespace corio::detail {

void* allocate_frame(std::size_t frame_size) {
  void* block = ::operator new(kHeaderSpace + frame_size);
  auto* header = new (block) TaskHeader();
  header->frame_size = static_cast<std::uint32_t>(frame_size);
  return frame_of(header);
}

void release_memory(TaskHeader* header) noexcept {
  std::size_t size = kHeaderSpace + header->frame_size;
  header->~TaskHeader();
  ::operator delete(static_cast<void*>(header), size);
}

void on_frame_destroyed(void* frame) noexcept {
  TaskHeader* header = header_of(frame);
  if (header->refs.load(std::memory_order_acquire) == 0) {
    release_memory(header);
  } else {
    header->state.fetch_or(TaskHeader::kFrameGone, std::memory_order_acq_rel);
  }
}

}  // namespace corio::detail
