// Malformed datagrams are refused with a Status that says why, never a crash (RFC 2865 sections 3
// and 5, RFC 3579 section 3.2). libfreeradius 3.2.1's decoder was not fuzzed upstream, so the
// mutation loops below push garbage through the whole decode path.
#include <atomic>
#include <cstring>
#include <optional>
#include <random>
#include <string>
#include <thread>
#include <vector>

#include "aaa/radius/dictionary.h"
#include "aaa/radius/packet.h"
#include "tests/aaa/radius_test_support.h"

#include <CppUTest/TestHarness.h>
#include <CppUTest/MemoryLeakWarningPlugin.h>  // needs TestHarness.h first

using namespace aaa::radius;
using namespace aaa::radius::testing;

namespace {

// A small, valid Access-Request without Message-Authenticator: header + User-Name "bob".
std::vector<uint8_t> smallRequest() {
  return fromHex("01010019" "00112233445566778899aabbccddeeff" "0105626f62");
}

void expectRejected(const std::vector<uint8_t>& wire, const char* because) {
  auto p = decode(wire.data(), wire.size(), kSecret);
  CHECK_FALSE_TEXT(p.isOk(), because);
  CHECK_TRUE_TEXT(p.status().code() == core::Code::kInvalidArgument, p.status().toString().c_str());
  STRCMP_CONTAINS(because, p.status().message().c_str());
}

}  // namespace

TEST_GROUP(RadiusMalformed) {
  const Dictionary* dict = &aaa::radius::testing::dictionary();  // tests/support/radius_dictionary.h
};

TEST(RadiusMalformed, ValidBaselineDecodes) {
  std::vector<uint8_t> wire = smallRequest();
  auto p = decode(wire.data(), wire.size(), kSecret);
  CHECK_TRUE_TEXT(p.isOk(), p.status().toString().c_str());
  LONGS_EQUAL(1, p->attributes.size());
  STRCMP_EQUAL("bob", p->attributes[0].value.bytes.c_str());
}

TEST(RadiusMalformed, EmptyAndTruncatedHeader) {
  auto p = decode(nullptr, 0, kSecret);
  CHECK_TRUE(p.status().code() == core::Code::kInvalidArgument);
  std::vector<uint8_t> wire = smallRequest();
  wire.resize(19);
  expectRejected(wire, "shorter than the 20-octet");
}

TEST(RadiusMalformed, TruncatedBody) {
  std::vector<uint8_t> wire = smallRequest();
  wire.resize(wire.size() - 1);  // Length field still says 25
  expectRejected(wire, "Length field says 25 octets but only 24");
}

TEST(RadiusMalformed, LengthFieldOutOfRange) {
  std::vector<uint8_t> wire = smallRequest();
  wire[2] = 0;
  wire[3] = 19;
  expectRejected(wire, "outside 20..4096");
  std::vector<uint8_t> big(5000, 0);
  std::memcpy(big.data(), smallRequest().data(), 20);
  big[2] = 0x13;  // 4900
  big[3] = 0x24;
  expectRejected(big, "outside 20..4096");
}

TEST(RadiusMalformed, AttributeLengthZeroOrOne) {
  std::vector<uint8_t> wire = smallRequest();
  wire[21] = 0;
  expectRejected(wire, "attribute length is below 2");
  wire[21] = 1;
  expectRejected(wire, "attribute length is below 2");
}

TEST(RadiusMalformed, AttributeOverflowsPacket) {
  std::vector<uint8_t> wire = smallRequest();
  wire[21] = 6;  // one octet more than the packet holds
  expectRejected(wire, "runs past the end");
  wire[21] = 255;
  expectRejected(wire, "runs past the end");
}

TEST(RadiusMalformed, DanglingAttributeHeader) {
  std::vector<uint8_t> wire = smallRequest();
  wire.push_back(0x12);  // one lone octet after the last attribute
  wire[3] = static_cast<uint8_t>(wire.size());
  expectRejected(wire, "malformed Access-Request");
}

TEST(RadiusMalformed, AttributeTypeZero) {
  std::vector<uint8_t> wire = smallRequest();
  wire[20] = 0;
  expectRejected(wire, "type 0");
}

TEST(RadiusMalformed, MessageAuthenticatorWithWrongLength) {
  std::vector<uint8_t> wire = smallRequest();
  for (uint8_t b : fromHex("500a0102030405060708")) wire.push_back(b);
  wire[3] = static_cast<uint8_t>(wire.size());
  expectRejected(wire, "Message-Authenticator is not 18 octets");
  auto check = verifyMessageAuthenticator(wire.data(), wire.size(), kSecret);
  CHECK_TRUE(check.isOk() && *check == MessageAuthenticatorCheck::kInvalid);
}

TEST(RadiusMalformed, EapMessageWithoutMessageAuthenticator) {
  std::vector<uint8_t> wire = smallRequest();
  for (uint8_t b : fromHex("4f0602010004")) wire.push_back(b);  // EAP-Message: Response/Identity
  wire[3] = static_cast<uint8_t>(wire.size());
  expectRejected(wire, "EAP-Message without Message-Authenticator");
}

TEST(RadiusMalformed, UnknownAndUnsupportedCodes) {
  std::vector<uint8_t> wire = smallRequest();
  wire[0] = 0;
  expectRejected(wire, "not supported");
  wire[0] = 99;
  expectRejected(wire, "not supported");
}

// RFC 5997 section 3: a Status-Server must carry a Message-Authenticator.
TEST(RadiusMalformed, StatusServerWithoutMessageAuthenticator) {
  std::vector<uint8_t> wire = smallRequest();
  wire[0] = 12;
  expectRejected(wire, "Message-Authenticator");
}

// RFC 2865 section 3: octets beyond Length are padding, ignored on reception.
TEST(RadiusMalformed, PaddingAfterLengthIsIgnored) {
  std::vector<uint8_t> wire = smallRequest();
  wire.insert(wire.end(), {0xde, 0xad, 0xbe, 0xef});
  auto p = decode(wire.data(), wire.size(), kSecret);
  CHECK_TRUE_TEXT(p.isOk(), p.status().toString().c_str());
  LONGS_EQUAL(1, p->attributes.size());
}

// Malformed Vendor-Specific contents are not a packet error in FreeRADIUS: the attribute comes
// back raw. What matters here is that nothing reads outside the buffer.
TEST(RadiusMalformed, BrokenVendorSpecificComesBackRaw) {
  std::vector<uint8_t> wire = smallRequest();
  for (uint8_t b : fromHex("1a0a00003a8c08ff4142")) wire.push_back(b);  // inner length 255 > 4
  wire[3] = static_cast<uint8_t>(wire.size());
  auto p = decode(wire.data(), wire.size(), kSecret);
  CHECK_TRUE_TEXT(p.isOk(), p.status().toString().c_str());
  LONGS_EQUAL(2, p->attributes.size());
  CHECK_TRUE(p->attributes[1].value.kind == Value::Kind::kBytes);
}

// Deterministic mutation fuzzing of real packets through decode() and
// verifyMessageAuthenticator(): flips, truncations, length rewrites. Unsigned Access-Requests
// reach rad_decode() (signed ones stop at the Message-Authenticator check).
TEST(RadiusMalformed, MutatedPacketsNeverCrash) {
  Packet seed;
  seed.code = PacketCode::kAccessRequest;
  seed.id = 1;
  seed.authenticator = requestAuthenticator();
  auto ref = [&](const char* n) { return attr(*dict, n); };
  seed.attributes = {
      {ref("User-Name"), Value::string("alice")},
      {ref("User-Password"), Value::string("correct horse battery staple")},
      {ref("NAS-IP-Address"), Value::ipv4(192, 0, 2, 10)},
      {ref("Framed-IPv6-Prefix"), Value::octets(std::string("\x00\x40\x20\x01\x0d\xb8\x00\x01\x00\x00\x00\x00", 10))},
      {ref("Mikrotik-Rate-Limit"), Value::string("10M/20M")},
      {ref("Tunnel-Private-Group-Id"), Value::string("100"), 1},
      {ref("EAP-Message"), Value::octets(std::string(300, 'e'))},
      {ref("Message-Authenticator"), Value::octets("")},
  };
  auto signedWire = encode(seed, kSecret);
  CHECK_TRUE_TEXT(signedWire.isOk(), signedWire.status().toString().c_str());
  seed.attributes.pop_back();
  seed.attributes.erase(seed.attributes.begin() + 6);  // no EAP-Message: it needs the MA
  auto unsignedWire = encode(seed, kSecret);
  CHECK_TRUE_TEXT(unsignedWire.isOk(), unsignedWire.status().toString().c_str());
  std::vector<std::vector<uint8_t>> seeds = {*signedWire, *unsignedWire, loadVector("access_request_pyrad.hex"),
                                             loadVector("access_accept_pyrad.hex")};
  Authenticator req = requestAuthenticator();

  std::mt19937 rng(20240709);
  size_t decoded = 0;
  for (int round = 0; round < 20000; ++round) {
    std::vector<uint8_t> wire = seeds[static_cast<size_t>(round) % seeds.size()];
    int edits = 1 + static_cast<int>(rng() % 4);
    for (int e = 0; e < edits; ++e) {
      switch (rng() % 5) {
        case 0: wire[20 + rng() % (wire.size() - 20)] ^= static_cast<uint8_t>(1u << (rng() % 8)); break;
        case 1: wire[20 + rng() % (wire.size() - 20)] = static_cast<uint8_t>(rng()); break;
        case 2: wire.resize(20 + rng() % (wire.size() - 19)); break;
        case 3: wire[2 + rng() % 2] = static_cast<uint8_t>(rng()); break;
        case 4: wire.push_back(static_cast<uint8_t>(rng())); break;
      }
      if (wire.size() <= 20) break;
    }
    auto p = decode(wire.data(), wire.size(), kSecret, wire[0] == 2 ? &req : nullptr);
    if (p.isOk()) ++decoded;
    else CHECK_FALSE(p.status().message().empty());
    auto check = verifyMessageAuthenticator(wire.data(), wire.size(), kSecret, &req);
    if (!check.isOk()) CHECK_FALSE(check.status().message().empty());
  }
  // Some mutations leave a decodable packet (values changed, structure intact): the decoder was
  // really exercised, not just the header checks.
  CHECK_TRUE(decoded > 100);
}

// Random attribute soups with a consistent outer structure: every attribute type, including
// Vendor-Specific with random inside, reaches the library's attribute decoders.
TEST(RadiusMalformed, RandomAttributeSoupsNeverCrash) {
  std::mt19937 rng(7);
  size_t decoded = 0;
  for (int round = 0; round < 20000; ++round) {
    std::vector<uint8_t> wire = fromHex("01010000" "00112233445566778899aabbccddeeff");
    int count = 1 + static_cast<int>(rng() % 12);
    for (int i = 0; i < count; ++i) {
      uint8_t type = static_cast<uint8_t>(1 + rng() % 255);
      if (type == 79 || type == 80) type = 26;  // EAP-Message needs MA; MA would need the HMAC
      size_t len = 2 + rng() % 40;
      wire.push_back(type);
      wire.push_back(static_cast<uint8_t>(len));
      if (type == 26 && len >= 8 && rng() % 2) {
        const uint32_t vendors[] = {14988, 14122, 9, 311, 24757, 26928, 65534};
        uint32_t v = vendors[rng() % 7];
        wire.push_back(static_cast<uint8_t>(v >> 24));
        wire.push_back(static_cast<uint8_t>(v >> 16));
        wire.push_back(static_cast<uint8_t>(v >> 8));
        wire.push_back(static_cast<uint8_t>(v));
        for (size_t k = 6; k < len; ++k) wire.push_back(static_cast<uint8_t>(rng()));
      } else {
        for (size_t k = 2; k < len; ++k) wire.push_back(static_cast<uint8_t>(rng()));
      }
    }
    wire[2] = static_cast<uint8_t>(wire.size() >> 8);
    wire[3] = static_cast<uint8_t>(wire.size());
    auto p = decode(wire.data(), wire.size(), kSecret);
    if (p.isOk()) ++decoded;
  }
  CHECK_TRUE(decoded > 1000);
}

// Several threads encode and decode at once (the hot path runs one listener per core) and get
// the same results as one thread.
TEST(RadiusMalformed, ConcurrentEncodeDecodeAgree) {
  std::vector<uint8_t> golden = loadVector("access_request_pyrad.hex");
  Authenticator req = requestAuthenticator();
  std::vector<uint8_t> accept = loadVector("access_accept_pyrad.hex");
  auto expected = decode(golden.data(), golden.size(), kSecret);
  CHECK_TRUE(expected.isOk());
  Packet reply;
  reply.code = PacketCode::kAccessAccept;
  reply.id = kRequestId;
  reply.attributes = {{attr(*dict, "Message-Authenticator"), Value::octets("")},
                      {attr(*dict, "Session-Timeout"), Value::uint32(3600)},
                      {attr(*dict, "Framed-IP-Address"), Value::ipv4(100, 64, 0, 17)},
                      {attr(*dict, "Reply-Message"), Value::string("Welcome, alice")},
                      {attr(*dict, "Mikrotik-Rate-Limit"), Value::string("10M/20M")},
                      {attr(*dict, "WISPr-Bandwidth-Max-Down"), Value::uint32(20000000)}};

  std::atomic<int> failures{0};
  // CppUTest's new/delete bookkeeping is per test, not per thread: allocate freely in the workers
  // with the plain allocator and keep nothing across the switch back.
  MemoryLeakWarningPlugin::saveAndDisableNewDeleteOverloads();
  {
    std::vector<std::thread> workers;
    for (int t = 0; t < 4; ++t) {
      workers.emplace_back([&]() {
        for (int i = 0; i < 2000; ++i) {
          auto p = decode(golden.data(), golden.size(), kSecret);
          if (!p.isOk() || p->attributes.size() != expected->attributes.size()) {
            ++failures;
            continue;
          }
          for (size_t k = 0; k < p->attributes.size(); ++k) {
            if (p->attributes[k].value != expected->attributes[k].value) ++failures;
          }
          auto wire = encode(reply, kSecret, &req);
          if (!wire.isOk() || *wire != accept) ++failures;
        }
      });
    }
    for (auto& w : workers) w.join();
  }
  MemoryLeakWarningPlugin::restoreNewDeleteOverloads();
  LONGS_EQUAL(0, failures.load());
}
