# Tests of the HTTP parser and of the io/ example programs (run on loopback as child
# processes). tests/io/CMakeLists.txt includes this file. The examples come from
# examples/io_examples.cmake, included here too so the tests have them even when
# CORIO_BUILD_EXAMPLES is off.
include(${CMAKE_CURRENT_LIST_DIR}/../../examples/io_examples.cmake)

corio_add_test(http_parser_test ${CMAKE_CURRENT_LIST_DIR}/http_parser_test.cpp LABELS threads)
target_link_libraries(http_parser_test PRIVATE corio_http_parser)

corio_add_test(examples_test ${CMAKE_CURRENT_LIST_DIR}/examples_test.cpp LABELS threads)
target_compile_definitions(examples_test PRIVATE
  ECHO_SERVER="$<TARGET_FILE:echo_server>" ECHO_CLIENT="$<TARGET_FILE:echo_client>"
  HTTP_SERVER="$<TARGET_FILE:http_server>" HTTP_GET="$<TARGET_FILE:http_get>")
add_dependencies(examples_test echo_server echo_client http_server http_get)
