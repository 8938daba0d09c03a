# sync/: channels, queues and the waiting primitives, all on detail/waiter_queue.hpp.
# channel_sources.cmake: Channel and the Queue family; primitive_sources.cmake: the rest.
include(${CMAKE_CURRENT_LIST_DIR}/channel_sources.cmake)
include(${CMAKE_CURRENT_LIST_DIR}/primitive_sources.cmake)
set(CORIO_SYNC_SOURCES ${CORIO_CHANNEL_SOURCES} ${CORIO_PRIMITIVE_SOURCES})
