# Helpers that give every target of ours the same warnings, include root and layout.

set(EDGE_WARNINGS -Wall -Wextra -Werror)

function(_edge_common target)
  target_compile_options(${target} PRIVATE ${EDGE_WARNINGS})
  target_include_directories(${target} PUBLIC ${PROJECT_SOURCE_DIR})
endfunction()

# edge_library(NAME SOURCES ... [LINK ...]): a static library of ours.
function(edge_library name)
  cmake_parse_arguments(ARG "" "" "SOURCES;LINK" ${ARGN})
  add_library(${name} STATIC ${ARG_SOURCES})
  _edge_common(${name})
  target_link_libraries(${name} PUBLIC ${ARG_LINK})
endfunction()

# edge_executable(NAME SOURCES ... [LINK ...]): a program, written to build/bin.
function(edge_executable name)
  cmake_parse_arguments(ARG "" "" "SOURCES;LINK" ${ARGN})
  add_executable(${name} ${ARG_SOURCES})
  _edge_common(${name})
  target_link_libraries(${name} PRIVATE ${ARG_LINK})
endfunction()

# edge_unit_tests(NAME LINK libs... SOURCES files...): one CppUTest runner per library, registered
# in CTest. Adding a test file is adding its name to SOURCES.
function(edge_unit_tests name)
  cmake_parse_arguments(ARG "" "" "SOURCES;LINK" ${ARGN})
  add_executable(${name} ${PROJECT_SOURCE_DIR}/tests/support/test_main.cpp ${ARG_SOURCES})
  _edge_common(${name})
  target_link_libraries(${name} PRIVATE ${ARG_LINK} PkgConfig::CPPUTEST)
  target_compile_definitions(${name} PRIVATE
    EDGE_SOURCE_DIR="${PROJECT_SOURCE_DIR}" EDGE_BINARY_DIR="${PROJECT_BINARY_DIR}")
  if(EDGE_SANITIZE)
    # CppUTest's leak detector replaces operator new/delete (and its header #defines `new`); ASan
    # replaces them too, and the two cannot both win (CppUTestConfig.h refuses to build with ASan
    # under clang unless told). LeakSanitizer reports leaks at exit instead, for the whole run.
    target_compile_definitions(${name} PRIVATE CPPUTEST_MEM_LEAK_DETECTION_DISABLED)
  else()
    # With the leak detector on, TestHarness.h #defines `new`, which breaks the standard headers the
    # next file of a unity batch includes: these runners compile file by file (ADR 0070).
    set_target_properties(${name} PROPERTIES UNITY_BUILD OFF)
  endif()
  if(NOT EDGE_SANITIZE AND NOT EDGE_UNIT_TESTS)
    # Defined (their CMakeLists may still set properties) but neither built nor registered.
    set_target_properties(${name} PROPERTIES EXCLUDE_FROM_ALL TRUE)
    return()
  endif()
  add_test(NAME ${name} COMMAND ${name} -v)
  set_tests_properties(${name} PROPERTIES LABELS unit TIMEOUT 300)
  if(EDGE_SANITIZE)
    # Leaks inside third-party libraries only, each with its reason (tests/support/lsan.supp).
    set_property(TEST ${name} APPEND PROPERTY ENVIRONMENT "LSAN_OPTIONS=suppressions=${PROJECT_SOURCE_DIR}/tests/support/lsan.supp:print_suppressions=0")
  endif()
  set_property(GLOBAL APPEND PROPERTY EDGE_UNIT_TEST_TARGETS ${name})
endfunction()

# edge_integration_test(NAME SCRIPT file [ARGS ...] [TIMEOUT s] [COST s]): a Python script driving real
# binaries. The script gets the build's bin folder and the source root in the environment. COST is about
# how many seconds it takes in CI: a clean clone has no timings of earlier runs, and ctest -j starts the
# costliest first, so a long test does not start last and run alone at the end.
function(edge_integration_test name)
  if(EDGE_SANITIZE)
    return()  # they drive the Release binaries (tests/fuzz and the unit tests are this build's tests)
  endif()
  cmake_parse_arguments(ARG "" "SCRIPT;TIMEOUT;COST" "ARGS" ${ARGN})
  if(NOT ARG_TIMEOUT)
    set(ARG_TIMEOUT 300)
  endif()
  add_test(NAME ${name} COMMAND /usr/bin/python3 ${ARG_SCRIPT} ${ARG_ARGS})
  set_tests_properties(${name} PROPERTIES LABELS integration TIMEOUT ${ARG_TIMEOUT}
    ENVIRONMENT "EDGE_BIN=${CMAKE_BINARY_DIR}/bin;EDGE_SOURCE=${PROJECT_SOURCE_DIR};EDGE_ARTIFACTS=${CMAKE_BINARY_DIR}/artifacts")
  if(ARG_COST)
    set_tests_properties(${name} PROPERTIES COST ${ARG_COST})
  endif()
endfunction()
