// The answers the shadow check's RADIUS client takes from the ISP's server and from a box
// (import/radius_client.h, decodeAnswer): outside input from a server we do not run.
//
// Input: flags, the 16-octet Request Authenticator of our request, the answer datagram.
//   bit 0  sign it first (Message-Authenticators with the request's authenticator, RFC 3579 3.2,
//          then the Response Authenticator, RFC 2865 3), with our own MD5/HMAC (fuzz_support.h)
//   bit 1  check it with another secret than the one it was signed with
// The request's identifier is the answer's second octet when bit 2 is clear, another one when set.
// Properties: an accepted answer is an Access-Accept, -Reject or -Challenge with our identifier,
// its Length within the datagram, a Response Authenticator and (when present) a first
// Message-Authenticator that hold under the secret (checked independently here); nothing is
// accepted under another secret; only an Accept carries compared values, each non-empty.
#include <cstdint>
#include <cstring>
#include <string>
#include <vector>

#include "import/radius_client.h"
#include "tests/fuzz/fuzz_support.h"

namespace {
constexpr const char* kTarget = "shadow_answer";
const std::string kSecret = "testing123";
const std::string kOtherSecret = "not-the-secret";
}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  if (size < 1 + 16 + 20) return 0;
  const uint8_t flags = data[0];
  importer::AccessRequestWire request;
  std::memcpy(request.authenticator.data(), data + 1, 16);
  std::vector<uint8_t> answer(data + 17, data + size);
  if (answer.size() > importer::kRadiusMaxPacket) return 0;
  request.id = (flags & 4) ? static_cast<uint8_t>(answer[1] + 1) : answer[1];
  if (flags & 1) {
    if (answer.size() > 4096) return 0;
    fuzz::setLength(answer);
    fuzz::signMessageAuthenticator(answer, kSecret, request.authenticator.data());
    uint8_t auth[16];
    fuzz::md5Authenticator(answer, request.authenticator.data(), kSecret, auth);
    std::memcpy(answer.data() + 4, auth, 16);
  }
  const std::string& secret = (flags & 2) ? kOtherSecret : kSecret;
  core::Result<importer::VerifyAnswer> a = importer::decodeAnswer(answer.data(), answer.size(), request, secret);
  if (!a.isOk()) {
    FUZZ_CHECK(!a.status().message().empty(), "a refusal without a reason");
    return 0;
  }
  FUZZ_CHECK(!(flags & 2), "an answer signed with another secret was accepted");
  FUZZ_CHECK(!(flags & 4), "an answer with another identifier was accepted");
  FUZZ_CHECK(answer[0] == 2 || answer[0] == 3 || answer[0] == 11, "accepted a code that is no answer");
  size_t length = (size_t(answer[2]) << 8) | answer[3];
  FUZZ_CHECK(length >= 20 && length <= answer.size(), "accepted a Length outside the datagram");
  std::vector<uint8_t> packet(answer.begin(), answer.begin() + length);
  uint8_t expect[16];
  fuzz::md5Authenticator(packet, request.authenticator.data(), kSecret, expect);
  FUZZ_CHECK(std::memcmp(expect, packet.data() + 4, 16) == 0, "accepted a Response Authenticator that does not hold");
  std::vector<size_t> mas = fuzz::messageAuthenticators(packet);
  if (!mas.empty()) {
    std::vector<uint8_t> copy = packet;
    std::memcpy(copy.data() + 4, request.authenticator.data(), 16);
    std::memset(copy.data() + mas.front(), 0, 16);
    uint8_t mac[16];
    fuzz::hmacMd5(kSecret, copy.data(), copy.size(), mac);
    FUZZ_CHECK(std::memcmp(mac, packet.data() + mas.front(), 16) == 0, "accepted a Message-Authenticator that does not hold");
  }
  if (answer[0] != 2) FUZZ_CHECK(a->attrs.empty(), "compared values from a non-Accept");
  for (const auto& [name, value] : a->attrs) {
    fuzz::touch(value.data(), value.size());
    FUZZ_CHECK(!name.empty(), "an unnamed compared value");
  }
  return 0;
}
