// Firmware bundles: built, signed with the firmware key, and refused when tampered, signed by
// another key, cut short, for other hardware, off the upgrade path or below the security floor;
// a tampered block never reaches the sink.
#include "firmware/bundle.h"

#include <string>

#include "core/pki.h"
#include "tests/firmware/firmware_test_support.h"

#include <CppUTest/TestHarness.h>

namespace {

using firmware_test::Keys;
using firmware_test::makeKeys;
using firmware_test::versionOf;

// A payload of `size` bytes that differs block to block.
std::string payloadOf(size_t size) {
  std::string p(size, '\0');
  for (size_t i = 0; i < size; ++i) p[i] = static_cast<char>((i * 131 + i / 65536) & 0xff);
  return p;
}

struct Built {
  std::string bytes;        // the whole bundle
  size_t payloadOffset = 0;
};

Built build(const std::string& payload, const Keys* signer, const std::string& version = "2.1.0",
            const std::string& minVersion = "2.0", const std::string& floor = "2.1") {
  firmware::Manifest m;
  m.version = versionOf(version);
  m.compatible = {"edge-x86_64", "edge-arm64"};
  m.minVersion = versionOf(minVersion);
  m.securityFloor = versionOf(floor);
  firmware::StringSource source(payload);
  core::Status described = firmware::describePayload(source, 65536, m);
  CHECK_TRUE_TEXT(described.isOk(), described.message().c_str());
  std::string manifestBytes = firmware::manifestToJson(m).dump();
  std::string signature;
  if (signer != nullptr) {
    core::Result<std::string> s = firmware::signManifest(manifestBytes, signer->privatePem);
    CHECK_TRUE_TEXT(s.isOk(), s.status().message().c_str());
    signature = *s;
  }
  Built b;
  b.bytes = *firmware::headerBytes(manifestBytes, signature);
  b.payloadOffset = b.bytes.size();
  b.bytes += payload;
  return b;
}

struct Outcome {
  core::Status status;
  std::string written;  // what the sink received
};

Outcome install(const std::string& bundle, const std::string& publicPem, const firmware::InstallPolicy& policy = {}) {
  Outcome o;
  firmware::StringSource source(bundle);
  core::Result<firmware::BundleHeader> h = firmware::openBundle(source, publicPem, policy);
  if (!h.isOk()) {
    o.status = h.status();
    return o;
  }
  o.status = firmware::streamPayload(source, h->manifest, [&](const char* data, size_t size) {
    o.written.append(data, size);
    return core::Status::ok();
  });
  return o;
}

}  // namespace

TEST_GROUP(FirmwareBundle) {
  Keys firmwareKey = makeKeys();
  std::string payload = payloadOf(5 * 65536 + 1234);
};

TEST(FirmwareBundle, ASignedBundleVerifiesAndStreamsItsWholePayload) {
  Built b = build(payload, &firmwareKey);
  firmware::InstallPolicy policy;
  policy.hardware = "edge-arm64";
  policy.running = versionOf("2.0.3");
  policy.securityFloor = versionOf("2.0");
  std::vector<uint64_t> progress;
  firmware::StringSource source(b.bytes);
  core::Result<firmware::BundleHeader> h = firmware::openBundle(source, firmwareKey.publicPem, policy);
  CHECK_TRUE_TEXT(h.isOk(), h.status().message().c_str());
  std::string written;
  core::Status s = firmware::streamPayload(
      source, h->manifest,
      [&](const char* data, size_t size) {
        written.append(data, size);
        return core::Status::ok();
      },
      [&](uint64_t done, uint64_t total) {
        progress.push_back(done);
        CHECK_EQUAL(payload.size(), total);
      });
  CHECK_TRUE_TEXT(s.isOk(), s.message().c_str());
  CHECK(written == payload);
  CHECK_EQUAL(6u, progress.size());
  CHECK_EQUAL(payload.size(), progress.back());
  STRCMP_EQUAL(core::pki::sha256Hex(payload).c_str(), h->manifest.payload.sha256.c_str());
}

TEST(FirmwareBundle, ATamperedBlockStopsBeforeTheSinkSeesIt) {
  Built b = build(payload, &firmwareKey);
  b.bytes[b.payloadOffset + 3 * 65536 + 7] ^= 0x01;  // one bit in the fourth block
  Outcome o = install(b.bytes, firmwareKey.publicPem);
  CHECK_EQUAL(static_cast<int>(core::Code::kCorrupt), static_cast<int>(o.status.code()));
  STRCMP_CONTAINS("payload block 3", o.status.message().c_str());
  CHECK_EQUAL(3u * 65536, o.written.size());  // the three good blocks before it, none of the bad one
  CHECK(o.written == payload.substr(0, 3 * 65536));
}

TEST(FirmwareBundle, ATamperedManifestDoesNotVerify) {
  Built b = build(payload, &firmwareKey);
  size_t at = b.bytes.find("2.1.0");
  CHECK(at != std::string::npos);
  b.bytes[at] = '9';  // version 9.1.0: still a valid manifest, no longer the signed one
  Outcome o = install(b.bytes, firmwareKey.publicPem);
  CHECK_EQUAL(static_cast<int>(core::Code::kPermissionDenied), static_cast<int>(o.status.code()));
  STRCMP_CONTAINS("does not verify with the firmware key", o.status.message().c_str());
  CHECK(o.written.empty());
}

TEST(FirmwareBundle, AnotherKeyIsRefused) {
  Keys other = makeKeys();
  Built b = build(payload, &other);
  Outcome o = install(b.bytes, firmwareKey.publicPem);
  CHECK_EQUAL(static_cast<int>(core::Code::kPermissionDenied), static_cast<int>(o.status.code()));
  CHECK(o.written.empty());
  // The private key where the public one belongs, and a key on another curve, are not keys to trust.
  o = install(build(payload, &firmwareKey).bytes, firmwareKey.privatePem);
  CHECK_EQUAL(static_cast<int>(core::Code::kInvalidArgument), static_cast<int>(o.status.code()));
  STRCMP_CONTAINS("the firmware key is not a PEM public key", o.status.message().c_str());
}

TEST(FirmwareBundle, AnUnsignedBundleIsRefused) {
  Outcome o = install(build(payload, nullptr).bytes, firmwareKey.publicPem);
  CHECK_EQUAL(static_cast<int>(core::Code::kPermissionDenied), static_cast<int>(o.status.code()));
  STRCMP_CONTAINS("not signed", o.status.message().c_str());
}

TEST(FirmwareBundle, ATruncatedBundleIsRefusedWhereverItEnds) {
  Built b = build(payload, &firmwareKey);
  for (size_t cut : {size_t{0}, size_t{5}, size_t{15}, size_t{40}, b.payloadOffset - 1, b.payloadOffset,
                     b.payloadOffset + 65536, b.bytes.size() - 1}) {
    Outcome o = install(b.bytes.substr(0, cut), firmwareKey.publicPem);
    CHECK_EQUAL_TEXT(static_cast<int>(core::Code::kCorrupt), static_cast<int>(o.status.code()),
                     ("cut at " + std::to_string(cut) + ": " + o.status.message()).c_str());
    STRCMP_CONTAINS("cut short", o.status.message().c_str());
  }
  Outcome extra = install(b.bytes + "x", firmwareKey.publicPem);
  STRCMP_CONTAINS("bytes after its payload", extra.status.message().c_str());
  Outcome notBundle = install("PK\x03\x04 something else entirely", firmwareKey.publicPem);
  STRCMP_CONTAINS("not a firmware bundle", notBundle.status.message().c_str());
}

TEST(FirmwareBundle, TheSecurityFloorRefusesADowngrade) {
  // The box has run 2.1 (floor 2.1). 2.0.5 is correctly signed and its own rules would allow it.
  Built old = build(payload, &firmwareKey, "2.0.5", "1.0", "2.0");
  firmware::InstallPolicy policy;
  policy.running = versionOf("2.1.0");
  policy.securityFloor = versionOf("2.1");
  Outcome o = install(old.bytes, firmwareKey.publicPem, policy);
  CHECK_EQUAL(static_cast<int>(core::Code::kFailedPrecondition), static_cast<int>(o.status.code()));
  STRCMP_CONTAINS("refusing a downgrade to 2.0.5: below the security floor 2.1", o.status.message().c_str());
  CHECK(o.written.empty());
  // A downgrade that stays above the floor is allowed (rolling back a bad feature release).
  policy.securityFloor = versionOf("2.0");
  CHECK_TRUE(install(old.bytes, firmwareKey.publicPem, policy).status.isOk());
}

TEST(FirmwareBundle, HardwareAndUpgradePathAreChecked) {
  Built b = build(payload, &firmwareKey, "3.0", "2.5", "3.0");
  firmware::InstallPolicy policy;
  policy.hardware = "edge-mips";
  Outcome o = install(b.bytes, firmwareKey.publicPem, policy);
  STRCMP_CONTAINS("for edge-x86_64, edge-arm64, not for this hardware (edge-mips)", o.status.message().c_str());
  policy.hardware = "edge-x86_64";
  policy.running = versionOf("2.4.9");
  o = install(b.bytes, firmwareKey.publicPem, policy);
  STRCMP_CONTAINS("installs only over 2.5 or later; this box runs 2.4.9", o.status.message().c_str());
  policy.running = versionOf("2.5");
  CHECK_TRUE(install(b.bytes, firmwareKey.publicPem, policy).status.isOk());
}

TEST(FirmwareBundle, ASinkErrorStopsTheStream) {
  Built b = build(payload, &firmwareKey);
  firmware::StringSource source(b.bytes);
  core::Result<firmware::BundleHeader> h = firmware::openBundle(source, firmwareKey.publicPem, {});
  CHECK_TRUE(h.isOk());
  int calls = 0;
  core::Status s = firmware::streamPayload(source, h->manifest, [&](const char*, size_t) {
    return ++calls == 2 ? core::ioError("slot B: no space left") : core::Status::ok();
  });
  CHECK_EQUAL(2, calls);
  STRCMP_EQUAL("slot B: no space left", s.message().c_str());
}

TEST(FirmwareBundle, TheLicenseFormatIsNotAManifest) {
  // A document the same kind of key signed for another purpose is not a manifest: the signed bytes
  // must parse as edge-firmware-1.
  std::string licenseLike = "{\"format\":\"edge-license-1\",\"id\":\"x\"}";
  std::string signature = *firmware::signManifest(licenseLike, firmwareKey.privatePem);
  Outcome o = install(*firmware::headerBytes(licenseLike, signature) + payload, firmwareKey.publicPem);
  CHECK_EQUAL(static_cast<int>(core::Code::kInvalidArgument), static_cast<int>(o.status.code()));
  STRCMP_CONTAINS("format must be \"edge-firmware-1\"", o.status.message().c_str());
}
