# Finds the Debian packages corio and its tests/benchmarks use, and turns each into a target.
# Nothing is vendored: when a package is missing, configuration stops with the apt-get line
# that installs it.
#
#   corio::concurrentqueue   moodycamel ConcurrentQueue (libconcurrentqueue-dev), header-only
#   TBB::tbb                 oneTBB (libtbb-dev)
#   absl::*                  Abseil (libabsl-dev)
#   mimalloc                 mimalloc (libmimalloc-dev): coroutine frames
#   GTest::gtest_main        GoogleTest (libgtest-dev)            only with CORIO_BUILD_TESTS
#   benchmark::benchmark     Google Benchmark (libbenchmark-dev)  only with CORIO_BUILD_BENCH
#   corio::asio              standalone Asio (libasio-dev)        only with CORIO_BUILD_BENCH

function(corio_missing_package what package)
  message(FATAL_ERROR
    "corio needs ${what}, which was not found.\n"
    "Install it with:  sudo apt-get install -y ${package}\n"
    "(or run 'make test' / 'make demo', which install what is missing).")
endfunction()

find_package(Threads REQUIRED)

find_path(CORIO_CONCURRENTQUEUE_INCLUDE_DIR concurrentqueue/concurrentqueue.h)
if(NOT CORIO_CONCURRENTQUEUE_INCLUDE_DIR)
  corio_missing_package("moodycamel ConcurrentQueue" libconcurrentqueue-dev)
endif()
if(NOT TARGET corio::concurrentqueue)
  add_library(corio::concurrentqueue INTERFACE IMPORTED)
  set_target_properties(corio::concurrentqueue PROPERTIES
    INTERFACE_INCLUDE_DIRECTORIES "${CORIO_CONCURRENTQUEUE_INCLUDE_DIR}")
endif()

find_package(TBB CONFIG QUIET)
if(NOT TBB_FOUND)
  corio_missing_package("oneTBB" libtbb-dev)
endif()

find_package(mimalloc CONFIG QUIET)
if(NOT mimalloc_FOUND)
  corio_missing_package("mimalloc (coroutine frame memory)" libmimalloc-dev)
endif()

find_package(absl CONFIG QUIET)
if(NOT absl_FOUND)
  corio_missing_package("Abseil" libabsl-dev)
endif()

if(CORIO_BUILD_TESTS)
  find_package(GTest CONFIG QUIET)
  if(NOT GTest_FOUND)
    corio_missing_package("GoogleTest" "libgtest-dev libgmock-dev")
  endif()
endif()

if(CORIO_BUILD_BENCH)
  find_package(benchmark CONFIG QUIET)
  if(NOT benchmark_FOUND)
    corio_missing_package("Google Benchmark" libbenchmark-dev)
  endif()
  find_path(CORIO_ASIO_INCLUDE_DIR asio.hpp)
  if(NOT CORIO_ASIO_INCLUDE_DIR)
    corio_missing_package("standalone Asio (the peer in bench/peers)" libasio-dev)
  endif()
  if(NOT TARGET corio::asio)
    add_library(corio::asio INTERFACE IMPORTED)
    set_target_properties(corio::asio PROPERTIES
      INTERFACE_INCLUDE_DIRECTORIES "${CORIO_ASIO_INCLUDE_DIR}"
      INTERFACE_COMPILE_DEFINITIONS "ASIO_STANDALONE;ASIO_NO_DEPRECATED"
      INTERFACE_LINK_LIBRARIES Threads::Threads)
  endif()
endif()
