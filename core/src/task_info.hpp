// TaskInfoBlock: what debug mode records of a task (its id, name and spawn site), kept in
// the task's own memory block.
//
// A frame allocated while debug mode is on gets a TaskInfoBlock in front of its header, in
// the same allocation (frame_memory.cpp), and its header carries kInfoBlock: spawn fills it
// in and every reader reaches it at a constant offset from the header, with no lookup and
// no lock, and it goes away with the frame. A named task's info is in the side table. Before this,
// every spawn in debug mode inserted into a global mutex-guarded hash map and every free erased
// from it: B1 cost 2.6 times as much with debug mode on (docs/architecture.md has the figures).
//
// A frame allocated with debug mode off has no such block (32 bytes a task would cost every
// program). When a task like that is spawned with a name, or debug mode came on between its
// allocation and its spawn, its info goes to debug.cpp's side table instead (kHasInfo).
#pragma once

#include <cstddef>
#include <cstdint>
#include <source_location>

#include "corio/core/detail/task_header.hpp"

namespace corio::detail {

/// Two words, the least the frame's alignment allows: a bigger block moved B1's tasks to
/// the next mimalloc size class in debug mode. A name, which few tasks have, goes to the
/// side table (kHasInfo), which then holds the task's whole info.
struct TaskInfoBlock {
  std::uint64_t id = 0;        ///< unique (debug.cpp); 0: not spawned (no info yet)
  std::source_location where;  ///< the spawn call
};

/// Bytes in front of the header of a frame that has an info block: a multiple of the
/// frame's alignment (16), as kHeaderSpace is.
inline constexpr std::size_t kInfoSpace = 16;
static_assert(sizeof(TaskInfoBlock) <= kInfoSpace);

/// The info block of a header that has kInfoBlock.
inline TaskInfoBlock* info_block(const TaskHeader* header) noexcept {
  return reinterpret_cast<TaskInfoBlock*>(reinterpret_cast<char*>(const_cast<TaskHeader*>(header)) -
                                          kInfoSpace);
}

}  // namespace corio::detail
