# core/: tasks, the scheduler, timers, cancellation, the reactor.
set(CORIO_CORE_SOURCES
  core/src/frame_memory.cpp
  core/src/idle.cpp
  core/src/io_readiness.cpp
  core/src/parker.cpp
  core/src/runtime.cpp
  core/src/scheduler.cpp
  core/src/task_group.cpp
  core/src/task_lifecycle.cpp
  core/src/task_registry.cpp
  core/src/time.cpp
  core/src/timer_wheel.cpp
  core/src/worker.cpp
)
