// The auth hot path's own RADIUS codec (aaa/radius/wire.h): walkAttributes, parseAccessRequest and
// parseAccountingRequest on arbitrary datagrams.
//
// Input: one flags octet, then the datagram.
//   bit 0  Accounting-Request (else Access-Request)
//   bit 1  sign it first: code, Length, Message-Authenticator(s) and (accounting) the Request
//          Authenticator are set with the secret, so the fuzzer reaches the attribute parsers
//   bit 2  parse with another secret than the one it was signed with
// Properties, each checked with code of our own (mbedTLS MD5/HMAC directly, a reference walk):
//   - walkAttributes agrees with a reference walk (verdict, first Message-Authenticator, count).
//   - Nothing is accepted without verification: an accepted Access-Request with a
//     Message-Authenticator carries exactly one and its HMAC holds under the secret; an accepted
//     Accounting-Request's Request Authenticator (and Message-Authenticator, if any) holds. Signed
//     with one secret and parsed with another, neither is accepted.
//   - Every view points into the datagram (or the password buffer) and is readable; User-Name is
//     the last one in the packet; User-Password is the RFC 2865 5.2 decryption of the last one,
//     trailing NULs stripped; the octet counters fold the Gigawords attributes (RFC 2869 5.1).
#include <cstdint>
#include <cstring>
#include <optional>
#include <string>
#include <vector>

#include "aaa/radius/attributes.h"
#include "aaa/radius/dictionary.h"
#include "aaa/radius/wire.h"
#include "tests/fuzz/fuzz_support.h"

namespace {

constexpr const char* kTarget = "radius_wire";
const std::string kSecret = "testing123";
const std::string kOtherSecret = "not-the-secret";

const aaa::radius::Attributes* attributes = nullptr;
const aaa::radius::wire::HmacMd5* secretHmac = nullptr;
const aaa::radius::wire::HmacMd5* otherHmac = nullptr;

struct Walked {
  bool ok = true;
  const uint8_t* firstMa = nullptr;
  int maCount = 0;
  std::optional<std::string> lastUserName;
  std::optional<std::vector<uint8_t>> lastUserPassword;
  std::optional<uint32_t> last[256];  // last 4-octet value per RFC attribute type
};

uint32_t be32(const uint8_t* p) { return (uint32_t{p[0]} << 24) | (uint32_t{p[1]} << 16) | (uint32_t{p[2]} << 8) | p[3]; }

Walked referenceWalk(const uint8_t* p, size_t length) {
  Walked w;
  for (size_t pos = 20; pos < length;) {
    if (length - pos < 2 || p[pos + 1] < 2 || pos + p[pos + 1] > length) {
      w.ok = false;
      return w;
    }
    uint8_t type = p[pos], len = p[pos + 1];
    if (type == 80) {
      if (len != 18) {
        w.ok = false;
        return w;
      }
      if (w.maCount++ == 0) w.firstMa = p + pos + 2;
    }
    if (type == 1) w.lastUserName = std::string(reinterpret_cast<const char*>(p + pos + 2), len - 2u);
    if (type == 2) w.lastUserPassword = std::vector<uint8_t>(p + pos + 2, p + pos + len);
    if (len == 6) w.last[type] = be32(p + pos + 2);
    pos += len;
  }
  return w;
}

// RFC 2865 5.2, written out: b1 = MD5(S + RA), bi = MD5(S + c(i-1)), p = c xor b; trailing NULs go.
std::string decryptPassword(const std::vector<uint8_t>& c, const std::string& secret, const uint8_t* ra) {
  std::string out;
  std::vector<uint8_t> key(secret.begin(), secret.end());
  std::vector<uint8_t> prev(ra, ra + 16);
  for (size_t i = 0; i < c.size(); i += 16) {
    uint8_t b[16];
    fuzz::md5({&key, &prev}, b);
    for (size_t j = 0; j < 16; ++j) out.push_back(static_cast<char>(c[i + j] ^ b[j]));
    prev.assign(c.begin() + static_cast<long>(i), c.begin() + static_cast<long>(i) + 16);
  }
  while (!out.empty() && out.back() == '\0') out.pop_back();
  return out;
}

bool maHolds(const uint8_t* p, size_t length, const uint8_t* ma, const std::string& secret, const uint8_t* auth) {
  std::vector<uint8_t> copy(p, p + length);
  std::memcpy(copy.data() + 4, auth, 16);
  std::memset(copy.data() + (ma - p), 0, 16);
  uint8_t mac[16];
  fuzz::hmacMd5(secret, copy.data(), copy.size(), mac);
  return std::memcmp(mac, ma, 16) == 0;
}

void checkView(std::string_view v, const uint8_t* p, size_t length, const char* what) {
  if (v.empty()) return;  // absent (a null view) or an empty value
  FUZZ_CHECK(fuzz::within(v.data(), v.size(), p, length), std::string(what) + " points outside the datagram");
  fuzz::touch(v.data(), v.size());
}

}  // namespace

extern "C" int LLVMFuzzerInitialize(int*, char***) {
  auto dict = aaa::radius::Dictionary::load(EDGE_FREERADIUS_DICTIONARY_DIR);
  if (!dict.isOk()) fuzz::fail(kTarget, "dictionary: " + dict.status().message());
  auto a = aaa::radius::Attributes::resolve(*dict);
  if (!a.isOk()) fuzz::fail(kTarget, "attributes: " + a.status().message());
  attributes = new aaa::radius::Attributes(*a);
  secretHmac = new aaa::radius::wire::HmacMd5(kSecret);
  otherHmac = new aaa::radius::wire::HmacMd5(kOtherSecret);
  return 0;
}

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  using namespace aaa::radius::wire;
  if (size < 1 + kHeaderLength) return 0;
  const uint8_t flags = data[0];
  const bool accounting = flags & 1, sign = flags & 2, wrongSecret = flags & 4;
  std::vector<uint8_t> p(data + 1, data + std::min(size, 1 + kMaxPacket));

  if (sign) {
    p[0] = accounting ? 4 : 1;
    fuzz::setLength(p);
    if (accounting) {
      static const uint8_t kZero[16] = {};
      fuzz::signMessageAuthenticator(p, kSecret, kZero);
      uint8_t ra[16];
      fuzz::md5Authenticator(p, kZero, kSecret, ra);
      std::memcpy(p.data() + 4, ra, 16);
    } else {
      fuzz::signMessageAuthenticator(p, kSecret, p.data() + 4);
    }
  }
  // As the listeners do: the Length field must fit the datagram; octets after it are padding.
  const size_t length = (size_t{p[2]} << 8) | p[3];
  if (length < kHeaderLength || length > p.size()) return 0;
  // A copy of exactly `length` octets, so ASan sees any read past the packet.
  std::vector<uint8_t> pkt(p.begin(), p.begin() + static_cast<long>(length));
  const uint8_t* d = pkt.data();

  const uint8_t* ma = nullptr;
  int maCount = -1;
  const bool walked = walkAttributes(d, length, &ma, &maCount);
  const Walked ref = referenceWalk(d, length);
  FUZZ_CHECK(walked == ref.ok, "walkAttributes verdict differs from the reference walk");
  if (walked) FUZZ_CHECK(ma == ref.firstMa && maCount == ref.maCount, "walkAttributes Message-Authenticator");

  const std::string& secret = wrongSecret ? kOtherSecret : kSecret;
  const HmacMd5& hmac = wrongSecret ? *otherHmac : *secretHmac;

  if (!accounting) {
    if (!walked) return 0;  // the server drops it before parsing (parseAccessRequest's contract)
    RequestFields f;
    ParseResult r = parseAccessRequest(d, length, hmac, *attributes, f);
    if (r != ParseResult::kOk) return 0;
    if (ref.maCount > 0) {
      FUZZ_CHECK(ref.maCount == 1, "accepted an Access-Request with several Message-Authenticators");
      FUZZ_CHECK(maHolds(d, length, ref.firstMa, secret, d + 4), "accepted a wrong Message-Authenticator");
      FUZZ_CHECK(!(sign && wrongSecret), "accepted a Message-Authenticator made with another secret");
    }
    FUZZ_CHECK(f.view.requestAuthenticator == d + 4, "requestAuthenticator");
    checkView(f.view.userName, d, length, "User-Name");
    FUZZ_CHECK(std::string(f.view.userName) == ref.lastUserName.value_or(""), "User-Name is not the last one");
    FUZZ_CHECK(f.view.userPassword.has_value() == ref.lastUserPassword.has_value(), "User-Password presence");
    if (f.view.userPassword) {
      FUZZ_CHECK(fuzz::within(f.view.userPassword->data(), f.view.userPassword->size(), f.password, sizeof f.password),
                 "User-Password points outside the password buffer");
      FUZZ_CHECK(std::string(*f.view.userPassword) == decryptPassword(*ref.lastUserPassword, secret, d + 4),
                 "User-Password is not the RFC 2865 5.2 decryption of the last one");
    }
    for (const auto& v : {f.view.chapPassword, f.view.chapChallenge, f.view.msChapChallenge, f.view.msChap2Response,
                          f.view.callingStationId})
      if (v) checkView(*v, d, length, "an attribute view");
    if (f.hasNasIdentifier) checkView(f.nasIdentifier, d, length, "NAS-Identifier");
    FUZZ_CHECK(f.proxyStateCount <= kMaxProxyStates, "Proxy-State count");
    for (size_t i = 0; i < f.proxyStateCount; ++i) checkView(f.proxyStates[i], d, length, "Proxy-State");
    return 0;
  }

  AccountingFields f;
  AcctParseResult r = parseAccountingRequest(d, length, hmac, *attributes, f);
  if (r != AcctParseResult::kOk) return 0;
  FUZZ_CHECK(ref.ok, "accepted an Accounting-Request with a malformed attribute list");
  FUZZ_CHECK(!(sign && wrongSecret), "accepted an Accounting-Request signed with another secret");
  static const uint8_t kZero[16] = {};
  uint8_t ra[16];
  fuzz::md5Authenticator(pkt, kZero, secret, ra);
  FUZZ_CHECK(std::memcmp(ra, d + 4, 16) == 0, "accepted a wrong Request Authenticator");
  if (ref.maCount > 0) {
    FUZZ_CHECK(ref.maCount == 1, "accepted an Accounting-Request with several Message-Authenticators");
    FUZZ_CHECK(maHolds(d, length, ref.firstMa, secret, kZero), "accepted a wrong Message-Authenticator");
  }
  for (std::string_view v : {f.sessionId, f.userName, f.nasIdentifier, f.nasPortId, f.callingStationId})
    if (!v.empty()) checkView(v, d, length, "an accounting attribute view");
  auto folded = [&](int giga, int oct) {
    return (uint64_t{ref.last[giga].value_or(0)} << 32) | ref.last[oct].value_or(0);
  };
  FUZZ_CHECK(f.inputOctets == folded(52, 42), "Acct-Input-Octets/Gigawords folding");
  FUZZ_CHECK(f.outputOctets == folded(53, 43), "Acct-Output-Octets/Gigawords folding");
  FUZZ_CHECK(f.hasStatusType == ref.last[40].has_value(), "Acct-Status-Type presence");
  if (f.hasStatusType) FUZZ_CHECK(f.statusType == *ref.last[40], "Acct-Status-Type value");
  return 0;
}
