# A private PostgreSQL cluster for the tests that run on the PostgreSQL backend (tests/support/
# pg_cluster.py): a CTest fixture starts it before the first such test and stops and deletes it after
# the last, so `ctest` (and ./scripts/test) needs nothing installed by hand beyond scripts/setup.
# The cluster lives in a folder named after this build folder (two builds never share one) and
# listens on a unix socket there only.
string(MD5 _edge_pg_hash "${CMAKE_BINARY_DIR}")
string(SUBSTRING "${_edge_pg_hash}" 0 12 _edge_pg_hash)
set(EDGE_PG_TEST_DIR "/tmp/edge-pg-${_edge_pg_hash}")
set(EDGE_PG_TEST_DSN "host=${EDGE_PG_TEST_DIR} port=5432 dbname=postgres user=postgres")

add_test(NAME pg_cluster_start
  COMMAND /usr/bin/python3 ${PROJECT_SOURCE_DIR}/tests/support/pg_cluster.py start --dir ${EDGE_PG_TEST_DIR})
set_tests_properties(pg_cluster_start PROPERTIES FIXTURES_SETUP pg_cluster LABELS "postgres" TIMEOUT 120)
add_test(NAME pg_cluster_stop
  COMMAND /usr/bin/python3 ${PROJECT_SOURCE_DIR}/tests/support/pg_cluster.py stop --dir ${EDGE_PG_TEST_DIR})
set_tests_properties(pg_cluster_stop PROPERTIES FIXTURES_CLEANUP pg_cluster LABELS "postgres" TIMEOUT 120)

# edge_unit_tests_on_postgres(target): the CppUTest runner `target` (made by edge_unit_tests) once more,
# as CTest entry <target>_pg, with MGMT_TEST_PG_DSN pointing at the fixture's cluster
# (tests/support/test_storage.h picks the backend from it).
function(edge_unit_tests_on_postgres target)
  if(NOT EDGE_SANITIZE AND NOT EDGE_UNIT_TESTS)
    return()  # the runner is not built here (EDGE_UNIT_TESTS=OFF)
  endif()
  add_test(NAME ${target}_pg COMMAND ${target} -v)
  set_tests_properties(${target}_pg PROPERTIES
    LABELS "unit;postgres" TIMEOUT 300 FIXTURES_REQUIRED pg_cluster
    ENVIRONMENT "MGMT_TEST_PG_DSN=${EDGE_PG_TEST_DSN}")
  if(EDGE_SANITIZE)
    set_property(TEST ${target}_pg APPEND PROPERTY ENVIRONMENT "LSAN_OPTIONS=suppressions=${PROJECT_SOURCE_DIR}/tests/support/lsan.supp:print_suppressions=0")
  endif()
endfunction()
