#include "aaa/eap/inner.h"

#include <cstring>

namespace aaa::eap {

namespace {
uint32_t be32(const uint8_t* p) { return (uint32_t{p[0]} << 24) | (uint32_t{p[1]} << 16) | (uint32_t{p[2]} << 8) | p[3]; }
void put32(std::string& s, uint32_t v) {
  s.push_back(static_cast<char>(v >> 24));
  s.push_back(static_cast<char>(v >> 16));
  s.push_back(static_cast<char>(v >> 8));
  s.push_back(static_cast<char>(v));
}
void put16(std::string& s, uint16_t v) {
  s.push_back(static_cast<char>(v >> 8));
  s.push_back(static_cast<char>(v));
}
const uint8_t* u8(std::string_view v) { return reinterpret_cast<const uint8_t*>(v.data()); }
}  // namespace

std::optional<std::vector<Avp>> parseAvps(std::string_view data) {
  std::vector<Avp> out;
  size_t pos = 0;
  while (pos < data.size()) {
    if (data.size() - pos < 8) return std::nullopt;
    const uint8_t* p = u8(data) + pos;
    Avp a;
    a.code = be32(p);
    a.flags = p[4];
    size_t len = (size_t{p[5]} << 16) | (size_t{p[6]} << 8) | p[7];
    size_t header = (a.flags & kAvpFlagVendor) ? 12 : 8;
    if (len < header || len > data.size() - pos) return std::nullopt;
    if (a.flags & kAvpFlagVendor) a.vendor = be32(p + 8);
    a.data = data.substr(pos + header, len - header);
    if (out.size() == kMaxAvps) return std::nullopt;
    out.push_back(a);
    size_t padded = (len + 3) & ~size_t{3};
    // RFC 5281 10.1: the last AVP's padding may be absent in practice; never read past the input.
    pos += std::min(padded, data.size() - pos);
  }
  return out;
}

std::string buildAvp(uint32_t code, uint32_t vendor, std::string_view data) {
  std::string s;
  put32(s, code);
  size_t len = (vendor ? 12 : 8) + data.size();
  s.push_back(static_cast<char>(kAvpFlagMandatory | (vendor ? kAvpFlagVendor : 0)));
  s.push_back(static_cast<char>(len >> 16));
  s.push_back(static_cast<char>(len >> 8));
  s.push_back(static_cast<char>(len));
  if (vendor) put32(s, vendor);
  s.append(data);
  while (s.size() % 4) s.push_back('\0');
  return s;
}

const Avp* findAvp(const std::vector<Avp>& avps, uint32_t code, uint32_t vendor) {
  for (const Avp& a : avps)
    if (a.code == code && a.vendor == vendor) return &a;
  return nullptr;
}

namespace {
std::string msChapMessage(uint8_t op, uint8_t msId, std::string_view body) {
  std::string s;
  s.push_back(static_cast<char>(op));
  s.push_back(static_cast<char>(msId));
  put16(s, static_cast<uint16_t>(4 + body.size()));  // MS-Length: from OpCode to the end
  s.append(body);
  return s;
}
}  // namespace

std::string buildMsChapChallenge(uint8_t msId, const uint8_t challenge[16], std::string_view serverName) {
  std::string body;
  body.push_back(16);  // Value-Size
  body.append(reinterpret_cast<const char*>(challenge), 16);
  body.append(serverName);
  return msChapMessage(kMsChapOpChallenge, msId, body);
}

std::string buildMsChapSuccess(uint8_t msId, std::string_view message) {
  return msChapMessage(kMsChapOpSuccess, msId, message);
}

std::string buildMsChapFailure(uint8_t msId, std::string_view message) {
  return msChapMessage(kMsChapOpFailure, msId, message);
}

std::optional<uint8_t> msChapOpCode(std::string_view d) {
  if (d.empty()) return std::nullopt;
  return static_cast<uint8_t>(d[0]);
}

std::optional<MsChapResponse> parseMsChapResponse(std::string_view d) {
  // OpCode(1) MS-CHAPv2-ID(1) MS-Length(2) Value-Size(1)=49 Response(49) Name
  if (d.size() < 54 || static_cast<uint8_t>(d[0]) != kMsChapOpResponse || static_cast<uint8_t>(d[4]) != 49)
    return std::nullopt;
  const uint8_t* p = u8(d);
  MsChapResponse r;
  r.msId = p[1];
  // Response: Peer-Challenge(16) Reserved(8) NT-Response(24) Flags(1) -> RADIUS value: Ident Flags
  // Peer-Challenge Reserved NT-Response.
  r.radiusValue[0] = r.msId;
  r.radiusValue[1] = p[5 + 48];
  std::memcpy(r.radiusValue.data() + 2, p + 5, 48);
  r.name = d.substr(54);
  return r;
}

std::string buildResultTlv(bool success) {
  std::string s;
  put16(s, 0x8003);  // Mandatory, Result TLV (3)
  put16(s, 2);
  put16(s, success ? 1 : 2);
  return s;
}

std::optional<uint16_t> parseResultTlv(std::string_view d) {
  size_t pos = 0;
  while (d.size() - pos >= 4) {
    const uint8_t* p = u8(d) + pos;
    uint16_t type = static_cast<uint16_t>(((p[0] << 8) | p[1]) & 0x3fff);
    size_t len = (size_t{p[2]} << 8) | p[3];
    if (len > d.size() - pos - 4) return std::nullopt;
    if (type == 3 && len == 2) return static_cast<uint16_t>((p[4] << 8) | p[5]);
    pos += 4 + len;
  }
  return std::nullopt;
}

}  // namespace aaa::eap
