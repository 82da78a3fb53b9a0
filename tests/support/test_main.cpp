// The one CppUTest runner main shared by every unit test executable (see edge_unit_tests()).
#include <CppUTest/CommandLineTestRunner.h>

int main(int argc, char** argv) { return CommandLineTestRunner::RunAllTests(argc, argv); }
