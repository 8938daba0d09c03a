# Mutex, Semaphore, Event, Condition, Barrier, Oneshot, Latch, Watch, Broadcast.
set(CORIO_PRIMITIVE_SOURCES
)
