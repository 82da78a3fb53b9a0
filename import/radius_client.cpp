#include "import/radius_client.h"

#include <arpa/inet.h>
#include <mbedtls/md.h>
#include <mbedtls/md5.h>
#include <mbedtls/platform_util.h>
#include <netinet/in.h>
#include <poll.h>
#include <sys/socket.h>
#include <unistd.h>

#include <cerrno>
#include <chrono>
#include <cstring>
#include <map>

#include "aaa/auth/chap.h"
#include "aaa/auth/pap.h"
#include "core/ids.h"
#include "core/units.h"
#include "import/mapping.h"

namespace importer {
namespace {

// RFC 2865, 2869, 3579 and the vendors' dictionaries (dictionary.mikrotik, dictionary.wispr).
constexpr uint8_t kAccessRequest = 1, kAccessAccept = 2, kAccessReject = 3, kAccessChallenge = 11;
constexpr uint8_t kUserName = 1, kUserPassword = 2, kChapPassword = 3, kNasIpAddress = 4, kServiceType = 6,
                  kFramedIpAddress = 8, kVendorSpecific = 26, kSessionTimeout = 27, kIdleTimeout = 28,
                  kCallingStationId = 31, kChapChallenge = 60, kMessageAuthenticator = 80, kAcctInterimInterval = 85;
constexpr uint32_t kVendorMikrotik = 14988, kVendorWispr = 14122;
constexpr uint8_t kMikrotikRateLimit = 8, kWisprMaxUp = 7, kWisprMaxDown = 8;
constexpr size_t kHeader = 20;

bool hmacMd5(const std::string& key, const uint8_t* data, size_t len, uint8_t out[16]) {
  return mbedtls_md_hmac(mbedtls_md_info_from_type(MBEDTLS_MD_MD5), reinterpret_cast<const unsigned char*>(key.data()),
                         key.size(), data, len, out) == 0;
}

bool put(std::vector<uint8_t>& p, uint8_t type, const void* value, size_t len) {
  if (len > 253) return false;
  p.push_back(type);
  p.push_back(static_cast<uint8_t>(len + 2));
  const auto* v = static_cast<const uint8_t*>(value);
  p.insert(p.end(), v, v + len);
  return true;
}

bool putUint32(std::vector<uint8_t>& p, uint8_t type, uint32_t value) {
  uint8_t b[4] = {uint8_t(value >> 24), uint8_t(value >> 16), uint8_t(value >> 8), uint8_t(value)};
  return put(p, type, b, 4);
}

uint32_t readUint32(const uint8_t* v) {
  return (uint32_t(v[0]) << 24) | (uint32_t(v[1]) << 16) | (uint32_t(v[2]) << 8) | uint32_t(v[3]);
}

std::string ipText(uint32_t h) {
  return std::to_string((h >> 24) & 255) + "." + std::to_string((h >> 16) & 255) + "." + std::to_string((h >> 8) & 255) +
         "." + std::to_string(h & 255);
}

// The compared values, as the attributes first found carry them.
struct Found {
  bool rate = false, down = false, up = false;
  std::string rateLimit;
  uint32_t wisprDown = 0, wisprUp = 0;
  std::map<std::string, std::string> attrs;
};

core::Status integer(const uint8_t* v, size_t len, const char* name, uint32_t* out) {
  if (len != 4) return core::invalidArgument(std::string("a malformed ") + name + " (" + std::to_string(len) + " octets, not 4)");
  *out = readUint32(v);
  return core::Status();
}

core::Status readVendor(const uint8_t* v, size_t len, Found& f) {
  if (len < 4) return core::invalidArgument("a malformed Vendor-Specific (shorter than its vendor id)");
  uint32_t vendor = readUint32(v);
  if (vendor != kVendorMikrotik && vendor != kVendorWispr) return core::Status();  // not compared
  for (size_t at = 4; at < len;) {
    if (len - at < 2 || v[at + 1] < 2 || v[at + 1] > len - at)
      return core::invalidArgument("a malformed Vendor-Specific of vendor " + std::to_string(vendor));
    uint8_t type = v[at];
    const uint8_t* value = v + at + 2;
    size_t n = v[at + 1] - 2u;
    at += v[at + 1];
    if (vendor == kVendorMikrotik && type == kMikrotikRateLimit && !f.rate) {
      f.rate = true;
      f.rateLimit.assign(reinterpret_cast<const char*>(value), n);
    } else if (vendor == kVendorWispr && (type == kWisprMaxDown || type == kWisprMaxUp)) {
      bool down = type == kWisprMaxDown;
      uint32_t x = 0;
      EDGE_RETURN_IF_ERROR(integer(value, n, down ? "WISPr-Bandwidth-Max-Down" : "WISPr-Bandwidth-Max-Up", &x));
      if (down && !f.down) f.down = true, f.wisprDown = x;
      if (!down && !f.up) f.up = true, f.wisprUp = x;
    }
  }
  return core::Status();
}

VerifyAnswer summarize(uint8_t code, Found& f) {
  VerifyAnswer a;
  a.decision = code == kAccessAccept ? "Access-Accept" : code == kAccessReject ? "Access-Reject" : "Access-Challenge";
  if (code != kAccessAccept) return a;
  if (f.rate) {
    core::Result<RateLimit> rl = parseMikrotikRateLimit(f.rateLimit);
    a.attrs["rate"] = rl.isOk() ? core::formatRate(rl->down) + " down / " + core::formatRate(rl->up) + " up"
                                : "\"" + f.rateLimit + "\"";
  } else if (f.down || f.up) {
    a.attrs["rate"] = (f.down ? core::formatRate(f.wisprDown) : std::string("?")) + " down / " +
                      (f.up ? core::formatRate(f.wisprUp) : std::string("?")) + " up";
  }
  for (auto& [name, value] : f.attrs) a.attrs[name] = value;
  return a;
}

bool fillAddress(const std::string& ip, uint16_t port, sockaddr_storage* sa, socklen_t* len) {
  auto* v4 = reinterpret_cast<sockaddr_in*>(sa);
  auto* v6 = reinterpret_cast<sockaddr_in6*>(sa);
  std::memset(sa, 0, sizeof *sa);
  if (inet_pton(AF_INET, ip.c_str(), &v4->sin_addr) == 1) {
    v4->sin_family = AF_INET;
    v4->sin_port = htons(port);
    *len = sizeof *v4;
    return true;
  }
  if (inet_pton(AF_INET6, ip.c_str(), &v6->sin6_addr) == 1) {
    v6->sin6_family = AF_INET6;
    v6->sin6_port = htons(port);
    *len = sizeof *v6;
    return true;
  }
  return false;
}

// Sends the request (three tries within timeoutMs) and returns the first answer that checks out.
core::Result<VerifyAnswer> exchange(const RadiusServer& server, const AccessRequestWire& request, int timeoutMs) {
  sockaddr_storage peer{};
  socklen_t peerLen = 0;
  if (!fillAddress(server.host, server.port, &peer, &peerLen))
    return core::invalidArgument("'" + server.host + "' is not a numeric address");
  int fd = ::socket(peer.ss_family, SOCK_DGRAM | SOCK_CLOEXEC, 0);
  if (fd < 0) return core::internalError(std::string("socket: ") + std::strerror(errno));
  struct Closer {
    int fd;
    ~Closer() { ::close(fd); }
  } closer{fd};
  if (::connect(fd, reinterpret_cast<sockaddr*>(&peer), peerLen) != 0)
    return core::unavailable("cannot reach " + server.host + ": " + std::strerror(errno));
  std::string bad;
  for (int attempt = 0; attempt < 3; ++attempt) {
    if (::send(fd, request.bytes.data(), request.bytes.size(), 0) < 0 && errno != ECONNREFUSED)
      return core::unavailable(std::string("send: ") + std::strerror(errno));
    auto deadline = std::chrono::steady_clock::now() + std::chrono::milliseconds(timeoutMs / 3);
    for (;;) {
      int left = static_cast<int>(
          std::chrono::duration_cast<std::chrono::milliseconds>(deadline - std::chrono::steady_clock::now()).count());
      if (left <= 0) break;
      pollfd p{fd, POLLIN, 0};
      if (::poll(&p, 1, left) <= 0) break;
      uint8_t buf[kRadiusMaxPacket];
      ssize_t n = ::recv(fd, buf, sizeof buf, 0);
      if (n < static_cast<ssize_t>(kHeader) || buf[1] != request.id) continue;  // refused (ICMP) or not ours
      core::Result<VerifyAnswer> answer = decodeAnswer(buf, static_cast<size_t>(n), request, server.secret);
      if (answer.isOk()) return answer;
      bad = "an answer that does not verify: " + answer.status().message();
    }
  }
  return core::unavailable("no answer from " + server.host + ":" + std::to_string(server.port) + " within " +
                           std::to_string(timeoutMs) + " ms" + (bad.empty() ? "" : " (" + bad + ")"));
}

}  // namespace

core::Result<AccessRequestWire> encodeAccessRequest(const VerifyRequest& q, const std::string& secret, uint8_t id,
                                                    const std::array<uint8_t, 16>& authenticator,
                                                    const std::array<uint8_t, 16>& chapChallenge, uint8_t chapIdent) {
  if (secret.empty()) return core::invalidArgument("secret: empty");
  if (q.username.empty() || q.username.size() > 253) return core::invalidArgument("username: 1 to 253 octets");
  if (q.mac.size() > 253) return core::invalidArgument("mac: longer than 253 octets");
  in_addr nas{};
  if (inet_pton(AF_INET, q.nasIp.c_str(), &nas) != 1) return core::invalidArgument("nas-ip: '" + q.nasIp + "' is not IPv4");
  AccessRequestWire w;
  w.id = id;
  w.authenticator = authenticator;
  std::vector<uint8_t>& p = w.bytes;
  p = {kAccessRequest, id, 0, 0};
  p.insert(p.end(), authenticator.begin(), authenticator.end());
  const uint8_t zeros[16] = {};
  put(p, kMessageAuthenticator, zeros, 16);
  put(p, kUserName, q.username.data(), q.username.size());
  if (q.method == "CHAP") {
    std::array<uint8_t, 16> resp = aaa::auth::chapResponse(chapIdent, q.password, chapChallenge.data(), chapChallenge.size());
    uint8_t value[aaa::auth::kChapPasswordLength];
    value[0] = chapIdent;
    std::memcpy(value + 1, resp.data(), resp.size());
    put(p, kChapPassword, value, sizeof value);
    put(p, kChapChallenge, chapChallenge.data(), chapChallenge.size());
  } else if (q.method == "PAP") {
    uint8_t hidden[aaa::auth::kUserPasswordMaxLength];
    size_t hiddenLen = 0;
    core::Status s = aaa::auth::encryptUserPassword(q.password, secret, authenticator.data(), hidden, sizeof hidden, &hiddenLen);
    if (!s.isOk()) return core::invalidArgument("password: " + s.message());
    put(p, kUserPassword, hidden, hiddenLen);
    mbedtls_platform_zeroize(hidden, sizeof hidden);
  } else {
    return core::invalidArgument("method: '" + q.method + "' (PAP or CHAP)");
  }
  putUint32(p, kNasIpAddress, ntohl(nas.s_addr));
  putUint32(p, kServiceType, 2);  // Framed-User
  if (!q.mac.empty()) put(p, kCallingStationId, q.mac.data(), q.mac.size());
  p[2] = static_cast<uint8_t>(p.size() >> 8);
  p[3] = static_cast<uint8_t>(p.size());
  // RFC 3579 3.2: HMAC-MD5 over the request with the Message-Authenticator zeroed (it is, here).
  if (!hmacMd5(secret, p.data(), p.size(), p.data() + kHeader + 2)) return core::internalError("HMAC-MD5 failed");
  return w;
}

core::Result<VerifyAnswer> decodeAnswer(const uint8_t* data, size_t n, const AccessRequestWire& request,
                                        const std::string& secret) {
  if (n < kHeader) return core::invalidArgument("shorter than a RADIUS header");
  size_t length = (size_t(data[2]) << 8) | data[3];
  if (length < kHeader || length > n || length > kRadiusMaxPacket)
    return core::invalidArgument("a Length of " + std::to_string(length) + " in " + std::to_string(n) + " octets");
  uint8_t code = data[0];
  if (data[1] != request.id) return core::invalidArgument("another identifier");
  if (code != kAccessAccept && code != kAccessReject && code != kAccessChallenge)
    return core::invalidArgument("code " + std::to_string(code) + " (not an Access-Accept, -Reject or -Challenge)");
  // RFC 2865 3: MD5(Code + Identifier + Length + Request Authenticator + Attributes + Secret).
  std::vector<uint8_t> copy(data, data + length);
  std::memcpy(copy.data() + 4, request.authenticator.data(), 16);
  uint8_t expect[16];
  mbedtls_md5_context md5;
  mbedtls_md5_init(&md5);
  int rc = mbedtls_md5_starts_ret(&md5);
  rc |= mbedtls_md5_update_ret(&md5, copy.data(), copy.size());
  rc |= mbedtls_md5_update_ret(&md5, reinterpret_cast<const unsigned char*>(secret.data()), secret.size());
  rc |= mbedtls_md5_finish_ret(&md5, expect);
  mbedtls_md5_free(&md5);
  if (rc != 0) return core::internalError("MD5 failed");
  uint8_t diff = 0;
  for (size_t i = 0; i < 16; ++i) diff |= static_cast<uint8_t>(expect[i] ^ data[4 + i]);
  if (diff != 0) return core::invalidArgument("a Response Authenticator that does not verify (wrong secret?)");
  // The attributes; a Message-Authenticator (RFC 3579 3.2) is checked over the answer with the
  // Request Authenticator in place of the Response Authenticator and its own value zeroed.
  Found f;
  for (size_t at = kHeader; at < length;) {
    if (length - at < 2 || data[at + 1] < 2 || data[at + 1] > length - at)
      return core::invalidArgument("a malformed attribute at octet " + std::to_string(at));
    uint8_t type = data[at];
    const uint8_t* value = data + at + 2;
    size_t len = data[at + 1] - 2u;
    if (type == kMessageAuthenticator) {
      if (len != 16) return core::invalidArgument("a Message-Authenticator of " + std::to_string(len) + " octets");
      std::memset(copy.data() + at + 2, 0, 16);
      uint8_t mac[16];
      if (!hmacMd5(secret, copy.data(), copy.size(), mac)) return core::internalError("HMAC-MD5 failed");
      std::memcpy(copy.data() + at + 2, value, 16);
      uint8_t d = 0;
      for (size_t i = 0; i < 16; ++i) d |= static_cast<uint8_t>(mac[i] ^ value[i]);
      if (d != 0) return core::invalidArgument("a Message-Authenticator that does not verify (wrong secret?)");
    } else if (type == kVendorSpecific) {
      EDGE_RETURN_IF_ERROR(readVendor(value, len, f));
    } else if (type == kSessionTimeout || type == kIdleTimeout || type == kAcctInterimInterval) {
      const char* name = type == kSessionTimeout ? "Session-Timeout" : type == kIdleTimeout ? "Idle-Timeout" : "Acct-Interim-Interval";
      uint32_t x = 0;
      EDGE_RETURN_IF_ERROR(integer(value, len, name, &x));
      f.attrs.emplace(name, std::to_string(x));
    } else if (type == kFramedIpAddress) {
      uint32_t x = 0;
      EDGE_RETURN_IF_ERROR(integer(value, len, "Framed-IP-Address", &x));
      f.attrs.emplace("Framed-IP-Address", ipText(x));
    }
    at += data[at + 1];
  }
  return summarize(code, f);
}

RadiusAsk radiusClient() {
  return [](const RadiusServer& server, const VerifyRequest& q, int timeoutMs) -> core::Result<VerifyAnswer> {
    std::array<uint8_t, 16> authenticator{}, challenge{};
    uint8_t id = 0, ident = 0;
    core::secureRandom(authenticator.data(), authenticator.size());
    core::secureRandom(challenge.data(), challenge.size());
    core::secureRandom(&id, 1);
    core::secureRandom(&ident, 1);
    EDGE_ASSIGN_OR_RETURN(AccessRequestWire request,
                          encodeAccessRequest(q, server.secret, id, authenticator, challenge, ident));
    return exchange(server, request, timeoutMs);
  };
}

}  // namespace importer
