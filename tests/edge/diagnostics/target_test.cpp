// edge/diagnostics/target.h: what may reach ping, traceroute and dig as their target.
#include "edge/diagnostics/target.h"

#include <string>

#include <CppUTest/TestHarness.h>

using edge::diagnostics::validateTarget;

TEST_GROUP(Target){};

TEST(Target, HostNamesAndAddressesAreTaken) {
  for (const char* t : {"example.com", "mgmt.isp.example.", "a", "x-1.y2.z", "_sip._udp.example.com", "192.0.2.1",
                        "2001:db8::1", "::1", "fe80::1"})
    CHECK_TEXT(validateTarget(t).isOk(), t);
}

TEST(Target, OptionsShellCharactersAndBadNamesAreRefused) {
  for (const char* t : {"", "-c", "-oProxyCommand=x", "--help", "a b", "a;b", "$(id)", "`id`", "a|b", "host/1", "a..b",
                        ".a", "-a.example", "a-.example", "a\nb", "exa mple.com", "a\\b", "*.example"}) {
    core::Status s = validateTarget(t);
    CHECK_FALSE_TEXT(s.isOk(), t);
    CHECK(s.code() == core::Code::kInvalidArgument);
  }
  CHECK_FALSE(validateTarget(std::string(64, 'a') + ".example").isOk());  // a label over 63
  CHECK_FALSE(validateTarget(std::string(300, 'a')).isOk());
  CHECK_FALSE(validateTarget(std::string("a\0b", 3)).isOk());
}
