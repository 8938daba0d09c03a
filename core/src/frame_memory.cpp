// Coroutine frame memory: one block holds the TaskHeader and the frame behind it.
//
// The frame is freed when it is destroyed, except in one case: a runtime shutting down
// destroys an unfinished task's frame while its JoinHandle may still hold the header. Then
// the header stays (kFrameGone) until the last reference lets go (release_memory).
#include "corio/core/detail/frame_memory.hpp"

#include <new>

#if defined(CORIO_SYSTEM_FRAME_ALLOCATOR)
#include <malloc.h>
#else
#include <mimalloc.h>
#endif

#include "corio/core/detail/task_header.hpp"
#include "debug_monitor.hpp"
#include "frame_cache.hpp"

namespace corio::detail {

namespace {
// mimalloc for speed (docs/architecture.md has the measurements). Sanitizer builds define
// CORIO_SYSTEM_FRAME_ALLOCATOR: ASan and TSan intercept the system allocator, not mimalloc,
// so only then can they see a use-after-free of a frame or the ordering between one thread
// freeing a frame and another reusing its memory.
void* allocate_block(std::size_t size) {
#if defined(CORIO_SYSTEM_FRAME_ALLOCATOR)
  return ::operator new(size);
#else
  void* block = mi_malloc(size);
  if (!block) throw std::bad_alloc();
  return block;
#endif
}

std::size_t block_size(void* block) noexcept {
#if defined(CORIO_SYSTEM_FRAME_ALLOCATOR)
  return malloc_usable_size(block);
#else
  return mi_usable_size(block);
#endif
}

void free_block(void* block) noexcept {
#if defined(CORIO_SYSTEM_FRAME_ALLOCATOR)
  ::operator delete(block);
#else
  mi_free(block);
#endif
}
}  // namespace

constinit thread_local FrameCache* t_frame_cache = nullptr;

void release_frame_cache(FrameCache& cache) noexcept { cache.drain(free_block); }

void* allocate_frame(std::size_t frame_size) {
  std::size_t size = kHeaderSpace + frame_size;
  void* block = nullptr;
#if !defined(CORIO_SYSTEM_FRAME_ALLOCATOR)
  // Not with sanitizers: a reused block would hide a use-after-free of the frame before it.
  if (FrameCache* cache = t_frame_cache) block = cache->take(size);
  size = FrameCache::block_size(size);  // so that the cache may keep the block later
#endif
  if (block == nullptr) block = allocate_block(size);
  return frame_of(new (block) TaskHeader());
}

namespace {
// Ends the header's life: its entry in the task-info side table, if any, then the header.
void end_header(TaskHeader* header) noexcept {
  if (header->state.load(std::memory_order_relaxed) & TaskHeader::kHasInfo) {
    forget_task_info(header);
  }
  header->~TaskHeader();
}
}  // namespace

void release_memory(TaskHeader* header) noexcept {
  end_header(header);
  free_block(header);
}

bool frame_contains(const TaskHeader* header, const void* address) noexcept {
  auto* block = const_cast<TaskHeader*>(header);
  auto* frame = static_cast<char*>(frame_of(block));
  auto offset = reinterpret_cast<std::uintptr_t>(address) - reinterpret_cast<std::uintptr_t>(frame);
  return offset < block_size(block) - kHeaderSpace;
}

void on_frame_destroyed(void* frame, [[maybe_unused]] std::size_t frame_size) noexcept {
  TaskHeader* header = header_of(frame);
  if (header->refs.load(std::memory_order_acquire) != 0) {
    header->state.fetch_or(TaskHeader::kFrameGone, std::memory_order_acq_rel);
    return;
  }
  end_header(header);
#if !defined(CORIO_SYSTEM_FRAME_ALLOCATOR)
  FrameCache* cache = t_frame_cache;
  if (cache && cache->keep(header, kHeaderSpace + frame_size)) return;
#endif
  free_block(header);
}

}  // namespace corio::detail
