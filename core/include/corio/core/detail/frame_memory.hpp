// Memory for coroutine frames. Every Task's promise routes operator new/delete here, so each
// frame is allocated together with the TaskHeader in front of it (one allocation per task).
#pragma once

#include <cstddef>

namespace corio::detail {

/// Allocates a TaskHeader followed by `frame_size` bytes and returns the frame's address.
/// Throws std::bad_alloc.
void* allocate_frame(std::size_t frame_size);

/// Called by operator delete when a frame of `frame_size` bytes is destroyed. Frees the
/// memory (to this worker's frame cache, if it has room), or, while a JoinHandle still
/// refers to the header, marks the frame gone and leaves the freeing to the last reference
/// (see release_memory).
void on_frame_destroyed(void* frame, std::size_t frame_size) noexcept;

struct TaskHeader;

/// Frees a header whose frame is already gone.
void release_memory(TaskHeader* header) noexcept;

/// True if `address` lies inside the frame behind `header`. Asks the allocator for the
/// block's size, so it is for rare paths: the header does not store the frame's size.
bool frame_contains(const TaskHeader* header, const void* address) noexcept;

}  // namespace corio::detail
