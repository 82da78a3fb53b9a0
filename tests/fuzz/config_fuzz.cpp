// Configuration as operators write it: edged's and mgmtd's config files (JSON with comments through
// the limited JSON entry point, then the key/default tables of core/config.h), and the texts inside
// them with parsers of their own (snmp.trap-receivers, gateway.lan-address / dhcp-range).
// Input: a selector octet (0 edged.json, 1 mgmtd.json, 2 a trap receiver, 3 LAN address and DHCP
// range on two lines), then the text.
// Properties: the table contract, parse(toJson(parse(x))) == parse(x) (core/config.h); a config
// reloads onto itself; a trap receiver prints and parses back to itself; a parsed LAN is
// consistent (the box inside its network, not the network or broadcast address, the DHCP range
// inside the network, ordered, and not covering the box's own address).
#include <arpa/inet.h>

#include <cstdint>
#include <string>

#include "core/json.h"
#include "edge/app/edge_config.h"
#include "edge/gateway/gateway.h"
#include "mgmt/mgmt_config.h"
#include "tests/fuzz/fuzz_support.h"

namespace {

constexpr const char* kTarget = "config";

template <class T>
void tableRoundTrip(const core::ConfigTable<T>& table, const std::string& text, const char* what) {
  core::Result<core::Json> doc = core::parseJsonWithComments(text, what);
  if (!doc.isOk()) return;
  core::Result<T> first = table.parse(*doc);
  if (!first.isOk()) return;
  core::Json rendered = table.toJson(*first);
  core::Result<T> second = table.parse(rendered);
  FUZZ_CHECK(second.isOk(), std::string(what) + ": its own rendering does not parse: " + second.status().message());
  FUZZ_CHECK(table.toJson(*second).dump() == rendered.dump(), std::string(what) + ": parse(toJson(parse(x))) != parse(x)");
  // And through the text form, as `--check` after an export would read it.
  core::Result<core::Json> reread = core::parseJsonWithComments(rendered.dump(2), what);
  FUZZ_CHECK(reread.isOk() && table.parse(*reread).isOk(), std::string(what) + ": its own text does not parse");
}

uint32_t v4(const std::string& text) {
  in_addr a{};
  if (inet_pton(AF_INET, text.c_str(), &a) != 1) fuzz::fail(kTarget, "not an IPv4 address: " + text);
  return ntohl(a.s_addr);
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  if (size == 0) return 0;
  std::string text(reinterpret_cast<const char*>(data + 1), size - 1);
  switch (data[0] % 4) {
    case 0: {
      tableRoundTrip(edge::edgeConfigTable(), text, "edged.json");
      core::Result<core::Json> doc = core::parseJsonWithComments(text, "edged.json");
      if (!doc.isOk()) break;
      core::Result<edge::EdgeConfig> c = edge::edgeConfigTable().parse(*doc);
      if (c.isOk()) FUZZ_CHECK(edge::checkReloadable(*c, *c).isOk(), "a config does not reload onto itself");
      break;
    }
    case 1: {
      tableRoundTrip(mgmt::mgmtConfigTable(), text, "mgmtd.json");
      core::Result<core::Json> doc = core::parseJsonWithComments(text, "mgmtd.json");
      if (!doc.isOk()) break;
      core::Result<mgmt::MgmtConfig> c = mgmt::mgmtConfigTable().parse(*doc);
      if (c.isOk()) (void)c->effectivePublicUrl();
      break;
    }
    case 2: {
      core::Result<edge::TrapReceiver> r = edge::parseTrapReceiver(text);
      if (!r.isOk()) break;
      FUZZ_CHECK(r->port >= 1, "port 0");
      std::string printed = (r->ipv6 ? "[" + r->host + "]" : r->host) + ":" + std::to_string(r->port);
      core::Result<edge::TrapReceiver> again = edge::parseTrapReceiver(printed);
      FUZZ_CHECK(again.isOk() && again->host == r->host && again->port == r->port && again->ipv6 == r->ipv6,
                 "a trap receiver does not parse back from its printed form: " + printed);
      break;
    }
    default: {
      size_t nl = text.find('\n');
      std::string lanAddress = text.substr(0, nl);
      std::string range = nl == std::string::npos ? "" : text.substr(nl + 1);
      core::Result<edge::GatewayLan> lan = edge::parseGatewayLan(lanAddress, range);
      if (!lan.isOk()) break;
      FUZZ_CHECK(lan->prefixLength >= 8 && lan->prefixLength <= 30, "prefix length");
      const uint32_t mask = ~uint32_t{0} << (32 - lan->prefixLength);
      const uint32_t ip = v4(lan->ip), net = ip & mask, broadcast = net | ~mask;
      FUZZ_CHECK(v4(lan->netmask) == mask, "netmask");
      FUZZ_CHECK(lan->network == lan->network.substr(0, lan->network.find('/')) + "/" + std::to_string(lan->prefixLength) &&
                     v4(lan->network.substr(0, lan->network.find('/'))) == net,
                 "network");
      FUZZ_CHECK(ip != net && ip != broadcast, "the box is the network or broadcast address");
      const uint32_t first = v4(lan->rangeFirst), last = v4(lan->rangeLast);
      FUZZ_CHECK(first <= last, "DHCP range out of order");
      FUZZ_CHECK((first & mask) == net && (last & mask) == net && first != net && last != broadcast,
                 "DHCP range " + lan->rangeFirst + "-" + lan->rangeLast + " outside " + lan->network);
      FUZZ_CHECK(ip < first || ip > last, "the DHCP range holds the box's own address");
      break;
    }
  }
  return 0;
}
