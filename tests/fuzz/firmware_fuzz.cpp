// Firmware bundles as a box receives them (firmware/bundle.h, firmware/manifest.h).
// Input: a selector octet, then the bytes.
//   0  a bundle: openBundle with the trusted firmware key (tests/fuzz/fuzz_keys.h), then streamPayload
//   1  manifest text: parseManifest
//   2  a bundle's header: readHeader (unsigned allowed), the signature not checked
//   3  a bundle streamed without its signature checked (block size up to 1 MiB): the block checks
// Properties: nothing opens unless its signature is the trusted key's over the exact manifest bytes
// (checked with mbedTLS' ECDSA directly, not through core/pki); a stream that succeeds handed the sink
// exactly payload.size bytes whose SHA-256 is the manifest's, each block matching its digest, and the
// input ended where the payload does; parseManifest(manifestToJson(m)) == m; a header read back
// through headerBytes() is the input's prefix.
#include <algorithm>
#include <array>
#include <cstdint>
#include <string>

#include <mbedtls/ecdsa.h>
#include <mbedtls/pk.h>
#include <mbedtls/sha256.h>

#include "core/pki.h"
#include "firmware/bundle.h"
#include "tests/fuzz/fuzz_keys.h"
#include "tests/fuzz/fuzz_support.h"

namespace {

constexpr const char* kTarget = "firmware";

// The signature check written out with mbedTLS' ECDSA (not mbedtls_pk_verify, which core/pki uses).
bool signatureHolds(const std::string& manifestBytes, const std::string& signature) {
  mbedtls_pk_context pk;
  mbedtls_pk_init(&pk);
  std::string pem = fuzz::kFirmwarePublicKeyPem;
  bool ok = false;
  if (mbedtls_pk_parse_public_key(&pk, reinterpret_cast<const unsigned char*>(pem.c_str()), pem.size() + 1) == 0) {
    std::array<unsigned char, 32> hash;
    mbedtls_sha256_ret(reinterpret_cast<const unsigned char*>(manifestBytes.data()), manifestBytes.size(), hash.data(), 0);
    mbedtls_ecdsa_context ecdsa;
    mbedtls_ecdsa_init(&ecdsa);
    if (mbedtls_ecdsa_from_keypair(&ecdsa, mbedtls_pk_ec(pk)) == 0)
      ok = mbedtls_ecdsa_read_signature(&ecdsa, hash.data(), hash.size(),
                                        reinterpret_cast<const unsigned char*>(signature.data()), signature.size()) == 0;
    mbedtls_ecdsa_free(&ecdsa);
  }
  mbedtls_pk_free(&pk);
  return ok;
}

// Streams the payload and checks what reached the sink against the manifest on success.
void streamAndCheck(firmware::ByteSource& source, const firmware::BundleHeader& h, size_t inputSize) {
  const firmware::Manifest& m = h.manifest;
  std::string written;
  size_t blocks = 0;
  core::Status s = firmware::streamPayload(source, m, [&](const char* data, size_t size) {
    FUZZ_CHECK(blocks < m.payload.blocks.size(), "more blocks than the manifest lists");
    FUZZ_CHECK(core::pki::sha256Hex(std::string(data, size)) == m.payload.blocks[blocks],
               "the sink got a block that does not match its digest");
    ++blocks;
    written.append(data, size);
    return core::Status::ok();
  });
  if (!s.isOk()) return;
  FUZZ_CHECK(written.size() == m.payload.size, "the sink got another size than the manifest's");
  FUZZ_CHECK(core::pki::sha256Hex(written) == m.payload.sha256, "the payload's digest is not the manifest's");
  FUZZ_CHECK(firmware::kBundleHeaderBytes + h.manifestBytes.size() + h.signature.size() + written.size() == inputSize,
             "a stream succeeded although the input does not end where the payload does");
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  if (size == 0) return 0;
  const std::string bytes(reinterpret_cast<const char*>(data + 1), size - 1);
  switch (data[0] % 4) {
    case 0: {
      firmware::StringSource source(bytes);
      core::Result<firmware::BundleHeader> h = firmware::openBundle(source, fuzz::kFirmwarePublicKeyPem, {});
      if (!h.isOk()) break;
      FUZZ_CHECK(signatureHolds(h->manifestBytes, h->signature), "a bundle opened whose signature does not hold");
      streamAndCheck(source, *h, bytes.size());
      break;
    }
    case 1: {
      core::Result<firmware::Manifest> m = firmware::parseManifest(bytes);
      if (!m.isOk()) break;
      std::string text = firmware::manifestToJson(*m).dump();
      core::Result<firmware::Manifest> again = firmware::parseManifest(text);
      FUZZ_CHECK(again.isOk() && firmware::manifestToJson(*again).dump() == text, "parse(toJson(m)) != m");
      firmware::InstallPolicy policy{"edge-x86_64", m->version, m->securityFloor};
      FUZZ_CHECK(firmware::checkPolicy(*m, policy).isOk() == (m->compatible.end() != std::find(m->compatible.begin(),
                                                                                             m->compatible.end(),
                                                                                             "edge-x86_64") &&
                                                              firmware::compareVersions(m->version, m->minVersion) >= 0),
                 "checkPolicy disagrees with the rules (hardware, min-version; the floor is the version)");
      break;
    }
    case 2: {
      firmware::StringSource source(bytes);
      core::Result<firmware::BundleHeader> h = firmware::readHeader(source);
      if (!h.isOk()) break;
      core::Result<std::string> header = firmware::headerBytes(h->manifestBytes, h->signature);
      FUZZ_CHECK(header.isOk() && bytes.compare(0, header->size(), *header) == 0,
                 "the header written back is not the input's prefix");
      break;
    }
    default: {
      firmware::StringSource source(bytes);
      core::Result<firmware::BundleHeader> h = firmware::readHeader(source);
      if (!h.isOk() || h->manifest.payload.blockSize > 1024 * 1024) break;
      streamAndCheck(source, *h, bytes.size());
      break;
    }
  }
  return 0;
}
