#include <cstring>
#include <string>

#include "aaa/eap/eap_packet.h"
#include "aaa/eap/inner.h"

#include <CppUTest/TestHarness.h>

using namespace aaa::eap;

namespace {
std::string bytes(std::initializer_list<int> b) {
  std::string s;
  for (int v : b) s.push_back(static_cast<char>(v));
  return s;
}
const uint8_t* u8(const std::string& s) { return reinterpret_cast<const uint8_t*>(s.data()); }
}  // namespace

TEST_GROUP(EapPacket){};

TEST(EapPacket, ParsesAResponseIdentity) {
  std::string p = bytes({2, 7, 0, 10, 1}) + "alice";
  auto r = parse(u8(p), p.size());
  CHECK(r.has_value());
  CHECK(r->code == Code::kResponse);
  LONGS_EQUAL(7, r->id);
  LONGS_EQUAL(kTypeIdentity, r->type);
  CHECK(r->data == "alice");
}

TEST(EapPacket, RefusesLengthMismatchUnknownCodeAndMissingType) {
  std::string p = bytes({2, 7, 0, 11, 1}) + "alice";  // Length says 11, 10 octets given
  CHECK_FALSE(parse(u8(p), p.size()).has_value());
  std::string q = bytes({9, 1, 0, 4});
  CHECK_FALSE(parse(u8(q), q.size()).has_value());
  std::string r = bytes({2, 1, 0, 4});  // a Response without Type
  CHECK_FALSE(parse(u8(r), r.size()).has_value());
  CHECK_FALSE(parse(u8(r), 3).has_value());
  std::string s = bytes({3, 5, 0, 4});  // Success has no type
  auto ok = parse(u8(s), s.size());
  CHECK(ok && ok->code == Code::kSuccess && ok->type == 0);
}

TEST(EapPacket, BuildsRequestsAndSuccess) {
  std::vector<uint8_t> r = build(Code::kRequest, 3, kTypePeap, std::string(1, '\x20'));
  std::string want = bytes({1, 3, 0, 6, 25, 0x20});
  CHECK(std::string(r.begin(), r.end()) == want);
  std::vector<uint8_t> s = build(Code::kSuccess, 9, 0, nullptr, 0);
  CHECK(std::string(s.begin(), s.end()) == bytes({3, 9, 0, 4}));
}

TEST(EapPacket, TlsFrameWithAndWithoutLength) {
  const std::string framed = bytes({0xc0, 0, 0, 1, 0}) + "abc";  // the frame's data is a view into it
  auto f = parseTlsFrame(framed);
  CHECK(f.has_value());
  LONGS_EQUAL(0xc0, f->flags);
  LONGS_EQUAL(256, f->totalLength);
  CHECK(f->data == "abc");
  CHECK_FALSE(parseTlsFrame(bytes({0x80, 0, 0})).has_value());  // L without its 4 octets
  CHECK_FALSE(parseTlsFrame("").has_value());
  const std::string bare = bytes({0x00});
  auto g = parseTlsFrame(bare);
  CHECK(g && g->data.empty());
}

TEST(EapPacket, ReassemblesFragmentsAndEnforcesTheLimits) {
  Reassembler r(10);
  LONGS_EQUAL(static_cast<int>(Reassembler::Result::kMore),
              static_cast<int>(r.add(TlsFrame{kFlagLength | kFlagMore, 6, "abc"})));
  LONGS_EQUAL(static_cast<int>(Reassembler::Result::kDone), static_cast<int>(r.add(TlsFrame{0, 0, "def"})));
  STRCMP_EQUAL("abcdef", r.message().c_str());
  r.clear();
  // Announced more than the limit.
  LONGS_EQUAL(static_cast<int>(Reassembler::Result::kError),
              static_cast<int>(r.add(TlsFrame{kFlagLength | kFlagMore, 11, "a"})));
  r.clear();
  // More data than announced, and fewer than announced at the last fragment.
  CHECK(r.add(TlsFrame{kFlagLength | kFlagMore, 4, "abc"}) == Reassembler::Result::kMore);
  CHECK(r.add(TlsFrame{0, 0, "de"}) == Reassembler::Result::kError);
  r.clear();
  CHECK(r.add(TlsFrame{kFlagLength | kFlagMore, 8, "abc"}) == Reassembler::Result::kMore);
  CHECK(r.add(TlsFrame{0, 0, "de"}) == Reassembler::Result::kError);
  r.clear();
  // No length at all: fragments up to the limit, then refused.
  CHECK(r.add(TlsFrame{kFlagMore, 0, "abcdef"}) == Reassembler::Result::kMore);
  CHECK(r.add(TlsFrame{kFlagMore, 0, "ghijk"}) == Reassembler::Result::kError);
}

TEST(EapPacket, FragmenterSplitsWithLengthOnTheFirstAndMoreOnAllButTheLast) {
  Fragmenter f;
  f.set("0123456789");
  std::string a = f.next(4, 0);
  CHECK(a == bytes({0xc0, 0, 0, 0, 10}) + "0123");
  std::string b = f.next(4, 0);
  CHECK(b == bytes({0x40}) + "4567");
  std::string c = f.next(4, 0);
  CHECK(c == bytes({0x00}) + "89");
  CHECK_FALSE(f.pending());
  f.set("ab");  // fits one fragment: no L, no M
  CHECK(f.next(4, 0) == bytes({0x00}) + "ab");
}

TEST_GROUP(EapInner){};

TEST(EapInner, AvpsRoundTripWithVendorAndPadding) {
  std::string d = buildAvp(kAvpUserName, 0, "alice") + buildAvp(kAvpMsChapChallenge, kVendorMicrosoft, "0123456789abcdef");
  LONGS_EQUAL(16 + 28, d.size());  // 8+5 padded to 16; 12+16
  auto avps = parseAvps(d);
  CHECK(avps.has_value());
  LONGS_EQUAL(2, avps->size());
  const Avp* u = findAvp(*avps, kAvpUserName);
  CHECK(u != nullptr && u->data == "alice" && (u->flags & kAvpFlagMandatory));
  const Avp* c = findAvp(*avps, kAvpMsChapChallenge, kVendorMicrosoft);
  CHECK(c != nullptr && c->data == "0123456789abcdef");
  CHECK(findAvp(*avps, kAvpMsChapChallenge) == nullptr);  // vendor matters
}

TEST(EapInner, AvpsRefuseBadLengths) {
  std::string a = buildAvp(kAvpUserName, 0, "alice");
  CHECK_FALSE(parseAvps(a.substr(0, 7)).has_value());  // shorter than a header
  std::string b = a;
  b[7] = 100;  // Length past the input
  CHECK_FALSE(parseAvps(b).has_value());
  std::string c = a;
  c[7] = 4;  // Length below the header
  CHECK_FALSE(parseAvps(c).has_value());
  std::string many;
  for (size_t i = 0; i <= kMaxAvps; ++i) many += buildAvp(kAvpUserName, 0, "x");
  CHECK_FALSE(parseAvps(many).has_value());
}

TEST(EapInner, MsChapChallengeAndResponse) {
  uint8_t ch[16];
  for (int i = 0; i < 16; ++i) ch[i] = static_cast<uint8_t>(i);
  std::string m = buildMsChapChallenge(9, ch, "edged");
  LONGS_EQUAL(kMsChapOpChallenge, static_cast<uint8_t>(m[0]));
  LONGS_EQUAL(9, static_cast<uint8_t>(m[1]));
  LONGS_EQUAL(m.size(), (static_cast<uint8_t>(m[2]) << 8) | static_cast<uint8_t>(m[3]));
  LONGS_EQUAL(16, m[4]);
  CHECK(m.substr(21) == "edged");
  // Response: OpCode 2, id, MS-Length, Value-Size 49, Peer-Challenge, Reserved, NT-Response, Flags, Name.
  std::string r = bytes({2, 9, 0, 59, 49});
  for (int i = 0; i < 16; ++i) r.push_back(static_cast<char>(0xa0 + i));
  r += std::string(8, '\0');
  for (int i = 0; i < 24; ++i) r.push_back(static_cast<char>(0x10 + i));
  r.push_back(0);
  r += "alice";
  auto p = parseMsChapResponse(r);
  CHECK(p.has_value());
  LONGS_EQUAL(9, p->msId);
  CHECK(p->name == "alice");
  LONGS_EQUAL(9, p->radiusValue[0]);  // Ident
  LONGS_EQUAL(0xa0, p->radiusValue[2]);  // Peer-Challenge
  LONGS_EQUAL(0x10, p->radiusValue[26]);  // NT-Response
  CHECK_FALSE(parseMsChapResponse(r.substr(0, 53)).has_value());
  std::string wrongSize = r;
  wrongSize[4] = 48;
  CHECK_FALSE(parseMsChapResponse(wrongSize).has_value());
}

TEST(EapInner, ResultTlv) {
  CHECK(buildResultTlv(true) == bytes({0x80, 3, 0, 2, 0, 1}));
  CHECK(parseResultTlv(buildResultTlv(true)) == uint16_t{1});
  CHECK(parseResultTlv(buildResultTlv(false)) == uint16_t{2});
  CHECK_FALSE(parseResultTlv(bytes({0x80, 3, 0, 9, 0, 1})).has_value());
  CHECK_FALSE(parseResultTlv("").has_value());
}
