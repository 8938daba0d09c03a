# io/ examples: the echo server and client, the HTTP server (B8's) and the HTTP client (the
# tutorial's aiohttp example), and the small HTTP parser library they share with their tests
# and the fuzzer (tests/fuzz). examples/CMakeLists.txt includes this file, and so does
# tests/io/http_tests.cmake, because the tests run these programs: the guard makes the second
# include a no-op, and the programs always land in ${CMAKE_BINARY_DIR}/examples.
include_guard(GLOBAL)

add_library(corio_http_parser STATIC ${CMAKE_CURRENT_LIST_DIR}/http/http_parser.cpp)
target_include_directories(corio_http_parser PUBLIC ${CMAKE_CURRENT_LIST_DIR})
target_compile_features(corio_http_parser PUBLIC cxx_std_20)
target_compile_options(corio_http_parser PRIVATE -Wall -Wextra -Wpedantic
                                                 $<$<BOOL:${CORIO_WERROR}>:-Werror>)

# The programs: each uses only corio's public headers (and the parser above).
foreach(example echo_server echo_client http_server http_get)
  add_executable(${example} ${CMAKE_CURRENT_LIST_DIR}/${example}.cpp)
  target_link_libraries(${example} PRIVATE corio::corio corio_http_parser)
  target_compile_options(${example} PRIVATE -Wall -Wextra $<$<BOOL:${CORIO_WERROR}>:-Werror>)
  set_target_properties(${example} PROPERTIES RUNTIME_OUTPUT_DIRECTORY
                                              ${CMAKE_BINARY_DIR}/examples)
endforeach()
