#include "edge/gateway/gateway_nft.h"

#include <nftables/libnftables.h>

#include <cctype>
#include <sstream>

#include "core/config.h"

namespace edge::gw {

namespace {

std::string quoted(const std::string& s) { return "\"" + s + "\""; }

std::string trimmed(std::string s) {
  while (!s.empty() && std::isspace(static_cast<unsigned char>(s.back()))) s.pop_back();
  return s;
}

}  // namespace

std::string nftIdentifier(const std::string& text) {
  std::string out;
  for (char c : text)
    if (std::isalnum(static_cast<unsigned char>(c)) || c == '_') out += c;
  return out;
}

std::string nftRuleset(const NftLayout& l) {
  const std::string lan = quoted(l.lanInterface), wan = quoted(l.wanInterface);
  const std::string port = std::to_string(l.portalPort);
  std::ostringstream o;
  o << "table inet " << kTable << " {\n"
    << "  set auth4 { type ether_addr . ipv4_addr; }\n"
    << "  set auth_ip4 { type ipv4_addr; }\n"
    << "  map class4 { type ipv4_addr : classid; }\n"
    << "  map ctr_up { type ipv4_addr : counter; }\n"
    << "  map ctr_dn { type ipv4_addr : counter; }\n"
    << "  set garden4 { type ipv4_addr; flags interval; auto-merge;";
  if (!l.gardenNets.empty()) {
    o << " elements = { ";
    for (size_t i = 0; i < l.gardenNets.size(); ++i) o << (i ? ", " : "") << l.gardenNets[i];
    o << " };";
  }
  o << " }\n"
    << "  set garden_dns { type ipv4_addr; }\n"
    // The box itself, from the LAN: DHCP, DNS, the portal, ICMP; nothing else (no RADIUS, no admin UI).
    << "  chain input {\n"
    << "    type filter hook input priority filter; policy accept;\n"
    << "    iifname " << lan << " jump lan_in\n"
    << "  }\n"
    << "  chain lan_in {\n"
    << "    ct state established,related accept\n"
    << "    meta l4proto { icmp, ipv6-icmp } accept\n"
    << "    udp dport { 53, 67 } accept\n"
    << "    tcp dport { 53, " << port << " } accept\n"
    << "    tcp flags & (fin | syn | rst | ack) == syn reject with tcp reset\n"
    << "    reject with icmpx type admin-prohibited\n"
    << "  }\n"
    << "  chain forward {\n"
    << "    type filter hook forward priority filter; policy accept;\n"
    // No IPv6 bypass: the gateway forwards IPv4 only.
    << "    iifname " << lan << " meta nfproto ipv6 reject with icmpx type admin-prohibited\n"
    << "    oifname " << lan << " meta nfproto ipv6 drop\n"
    // Authorized clients: the subscriber's class (skb priority, read by HTB) and the session's counters.
    << "    iifname " << lan << " oifname " << wan
    << " ether saddr . ip saddr @auth4 meta priority set ip saddr map @class4 counter name ip saddr map @ctr_up accept\n"
    << "    iifname " << wan << " oifname " << lan
    << " ip daddr @auth_ip4 meta priority set ip daddr map @class4 counter name ip daddr map @ctr_dn accept\n"
    // The walled garden, before login.
    << "    iifname " << lan << " ip daddr @garden4 accept\n"
    << "    iifname " << lan << " ip daddr @garden_dns accept\n"
    << "    oifname " << lan << " ct state established,related ip saddr @garden4 accept\n"
    << "    oifname " << lan << " ct state established,related ip saddr @garden_dns accept\n"
    // Everything else from or to the LAN fails fast.
    << "    iifname " << lan << " meta l4proto tcp reject with tcp reset\n"
    << "    iifname " << lan << " reject with icmpx type admin-prohibited\n"
    << "    oifname " << lan << " drop\n"
    << "  }\n"
    << "  chain prerouting {\n"
    << "    type nat hook prerouting priority dstnat; policy accept;\n"
    << "    iifname " << lan << " ip daddr " << l.lanIp << " tcp dport 80 dnat ip to " << l.lanIp << ":" << port << "\n"
    << "    iifname " << lan << " tcp dport 80 ether saddr . ip saddr != @auth4 ip daddr != @garden4 ip daddr != @garden_dns"
    << " dnat ip to " << l.lanIp << ":" << port << "\n"
    << "  }\n"
    << "  chain postrouting {\n"
    << "    type nat hook postrouting priority srcnat; policy accept;\n"
    << "    oifname " << wan << " meta nfproto ipv4 masquerade\n"
    << "  }\n"
    << "}\n";
  return o.str();
}

std::string nftAddClient(const NftClient& c) {
  const std::string t = std::string("inet ") + kTable;
  const std::string id = nftIdentifier(c.counterId);
  std::ostringstream o;
  o << "add counter " << t << " u_" << id << " { packets " << c.upPackets << " bytes " << c.upBytes << " }\n"
    << "add counter " << t << " d_" << id << " { packets " << c.downPackets << " bytes " << c.downBytes << " }\n"
    << "add element " << t << " class4 { " << c.ip << " : 1:" << std::hex << c.classMinor << std::dec << " }\n"
    << "add element " << t << " ctr_up { " << c.ip << " : \"u_" << id << "\" }\n"
    << "add element " << t << " ctr_dn { " << c.ip << " : \"d_" << id << "\" }\n"
    << "add element " << t << " auth_ip4 { " << c.ip << " }\n"
    << "add element " << t << " auth4 { " << c.mac << " . " << c.ip << " }\n";
  return o.str();
}

std::string nftRemoveClient(const NftClient& c) {
  const std::string t = std::string("inet ") + kTable;
  const std::string id = nftIdentifier(c.counterId);
  std::ostringstream o;
  o << "delete element " << t << " auth4 { " << c.mac << " . " << c.ip << " }\n"
    << "delete element " << t << " auth_ip4 { " << c.ip << " }\n"
    << "delete element " << t << " ctr_up { " << c.ip << " }\n"
    << "delete element " << t << " ctr_dn { " << c.ip << " }\n"
    << "delete element " << t << " class4 { " << c.ip << " }\n"
    << "delete counter " << t << " u_" << id << "\n"
    << "delete counter " << t << " d_" << id << "\n";
  return o.str();
}

Nft::Nft() : ctx_(nft_ctx_new(NFT_CTX_DEFAULT)) {
  nft_ctx_buffer_output(ctx_);
  nft_ctx_buffer_error(ctx_);
}

Nft::~Nft() {
  if (ctx_ != nullptr) nft_ctx_free(ctx_);
}

core::Status Nft::run(const std::string& commands) {
  std::lock_guard<std::mutex> lock(mu_);
  nft_ctx_output_set_flags(ctx_, 0);
  int rc = nft_run_cmd_from_buffer(ctx_, commands.c_str());
  std::string err = trimmed(nft_ctx_get_error_buffer(ctx_));
  nft_ctx_get_output_buffer(ctx_);
  if (rc != 0) {
    // The first line names the problem; the rest repeats the command with carets.
    auto nl = err.find('\n');
    return core::internalError("nftables: " + (err.empty() ? std::string("the kernel refused the change") : err.substr(0, nl)));
  }
  return core::Status::ok();
}

core::Result<std::string> Nft::runJson(const std::string& command) {
  std::lock_guard<std::mutex> lock(mu_);
  nft_ctx_output_set_flags(ctx_, NFT_CTX_OUTPUT_JSON);
  int rc = nft_run_cmd_from_buffer(ctx_, command.c_str());
  std::string out = nft_ctx_get_output_buffer(ctx_);
  std::string err = trimmed(nft_ctx_get_error_buffer(ctx_));
  nft_ctx_output_set_flags(ctx_, 0);
  if (rc != 0) return core::notFound("nftables: " + err.substr(0, err.find('\n')));
  return out;
}

bool Nft::tableExists() { return runJson(std::string("list table inet ") + kTable).isOk(); }

core::Result<std::map<std::string, NftCounter>> Nft::counters() {
  std::map<std::string, NftCounter> out;
  if (!tableExists()) return out;
  core::Result<std::string> text = runJson(std::string("list counters table inet ") + kTable);
  if (!text.isOk()) return text.status();
  core::Json doc = core::Json::parse(*text, nullptr, false);
  if (doc.is_discarded() || !doc.contains("nftables")) return core::internalError("nftables: unreadable counter list");
  for (const core::Json& item : doc["nftables"]) {
    if (!item.contains("counter")) continue;
    const core::Json& c = item["counter"];
    out[c.value("name", "")] = NftCounter{c.value("packets", uint64_t{0}), c.value("bytes", uint64_t{0})};
  }
  return out;
}

core::Result<std::vector<std::string>> Nft::setElements(const std::string& set) {
  core::Result<std::string> text = runJson(std::string("list set inet ") + kTable + " " + set);
  if (!text.isOk()) return text.status();
  core::Json doc = core::Json::parse(*text, nullptr, false);
  std::vector<std::string> out;
  if (doc.is_discarded() || !doc.contains("nftables")) return core::internalError("nftables: unreadable set");
  for (const core::Json& item : doc["nftables"]) {
    if (!item.contains("set")) continue;
    for (const core::Json& e : item["set"].value("elem", core::Json::array())) {
      if (e.is_string()) {
        out.push_back(e.get<std::string>());
      } else if (e.is_object() && e.contains("concat")) {
        std::string s;
        for (const core::Json& part : e["concat"]) s += (s.empty() ? "" : " . ") + part.get<std::string>();
        out.push_back(s);
      }
    }
  }
  return out;
}

core::Status Nft::removeTable() {
  if (!tableExists()) return core::Status::ok();
  return run(std::string("delete table inet ") + kTable + "\n");
}

}  // namespace edge::gw
