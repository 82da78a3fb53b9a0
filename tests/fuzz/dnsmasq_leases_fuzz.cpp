// dnsmasq's lease file as the gateway reads it (edge/gateway.h parseDnsmasqLeases): dnsmasq writes it,
// but every field of it comes from LAN clients (their MAC, their hostname), so it is outside input.
// Input: the file.
// Properties: every lease has a 17-character lower-case MAC and a non-zero IPv4 address without
// spaces; written back in dnsmasq's format, the leases read back unchanged.
#include <arpa/inet.h>

#include <cctype>
#include <cstdint>
#include <string>
#include <vector>

#include "edge/gateway/gateway.h"
#include "tests/fuzz/fuzz_support.h"

namespace {

constexpr const char* kTarget = "dnsmasq_leases";

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  const std::string text(reinterpret_cast<const char*>(data), size);
  std::vector<edge::GatewayLease> leases = edge::parseDnsmasqLeases(text);
  std::string written;
  for (const edge::GatewayLease& l : leases) {
    FUZZ_CHECK(l.mac.size() == 17, "MAC '" + l.mac + "'");
    for (char c : l.mac) FUZZ_CHECK(!std::isupper(static_cast<unsigned char>(c)), "MAC not lower case: " + l.mac);
    in_addr a{};
    FUZZ_CHECK(inet_pton(AF_INET, l.ip.c_str(), &a) == 1 && a.s_addr != 0, "IP '" + l.ip + "'");
    FUZZ_CHECK(l.hostname != "*", "the '*' placeholder kept as a hostname");
    written += std::to_string(l.expires) + " " + l.mac + " " + l.ip + " " + (l.hostname.empty() ? "*" : l.hostname) +
               " 01:" + l.mac + "\n";
  }
  std::vector<edge::GatewayLease> again = edge::parseDnsmasqLeases(written);
  FUZZ_CHECK(again.size() == leases.size(), "leases written back do not read back");
  for (size_t i = 0; i < leases.size(); ++i)
    FUZZ_CHECK(again[i].expires == leases[i].expires && again[i].mac == leases[i].mac && again[i].ip == leases[i].ip &&
                   again[i].hostname == leases[i].hostname,
               "lease " + std::to_string(i) + " changed on the way back");
  return 0;
}
