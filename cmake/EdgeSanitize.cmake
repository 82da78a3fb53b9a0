# EDGE_SANITIZE=ON (see the top-level CMakeLists.txt): flags for every target of the build.
#
# -fsanitize=fuzzer-no-link instruments all our code for libFuzzer's coverage feedback without
# linking libFuzzer's main, so the same static libraries serve the unit tests and the fuzz targets
# (tests/fuzz links its harnesses with -fsanitize=fuzzer). -fno-sanitize-recover=undefined makes
# any UBSan finding fatal, so a unit test or a fuzz run fails on it instead of printing and going on.
if(NOT CMAKE_CXX_COMPILER_ID STREQUAL "Clang" OR NOT CMAKE_CXX_COMPILER_VERSION VERSION_GREATER_EQUAL 14
   OR NOT CMAKE_CXX_COMPILER_VERSION VERSION_LESS 15)
  message(FATAL_ERROR "EDGE_SANITIZE needs clang 14 (found ${CMAKE_CXX_COMPILER_ID} "
          "${CMAKE_CXX_COMPILER_VERSION}): install the Debian packages 'clang-14' and 'libclang-rt-14-dev' "
          "(run ./scripts/setup) and configure a fresh build folder with -DEDGE_SANITIZE=ON")
endif()
if(NOT CMAKE_C_COMPILER_ID STREQUAL "Clang")
  message(FATAL_ERROR "EDGE_SANITIZE needs clang 14 for C too (found ${CMAKE_C_COMPILER_ID}): configure with "
          "-DCMAKE_C_COMPILER=clang-14")
endif()

# Line tables, not full debug info: sanitizer and fuzzer reports name file and line, and the build
# (./scripts/test's critical path) is shorter. Debug's own -g is dropped for the same reason; its
# assertions stay (no NDEBUG). -O0, not the -O1 ASan's manual suggests for speed: this build's compile
# is the longest part of ./scripts/test, and clang with ASan at -O1 took 1.6-4.4x as long per file
# (mgmt/mgmt_commands.cpp 13.4 s against 3.0 s) while the unit tests run in seconds either way and the
# fuzz runs are bounded by time, not by executions (ADR 0063). Unoptimised code hides no bug from the
# sanitizers; it finds a little less per fuzzing second.
set(CMAKE_C_FLAGS_DEBUG "")
set(CMAKE_CXX_FLAGS_DEBUG "")
set(EDGE_SANITIZER_FLAGS -fsanitize=address,undefined -fno-sanitize-recover=undefined
    -fsanitize=fuzzer-no-link -fno-omit-frame-pointer -gline-tables-only -O0)
add_compile_options(${EDGE_SANITIZER_FLAGS})
add_link_options(-fsanitize=address,undefined)
# LLVM's linker (Debian lld-14): the build links about a hundred instrumented test and fuzz programs,
# each 3-4x faster than with GNU ld (measured: 0.43 s against 1.78 s for mgmt_billing_tests).
add_link_options(-fuse-ld=lld-14)

# Warnings stay on but are not errors here: the Release build (gcc) is the project's warning gate,
# and clang 14 warns about things gcc accepts (e.g. -Wmissing-field-initializers on a braced
# aggregate that leaves trailing members to their defaults). A second compiler's opinion must not
# keep the sanitizers and fuzzers from running; clean such warnings up when they show.
set(EDGE_WARNINGS -Wall -Wextra)
