#include "aaa/auth/mschap.h"

#include <mbedtls/des.h>
#include <mbedtls/md4.h>
#include <mbedtls/platform_util.h>
#include <mbedtls/sha1.h>

#include <cstring>
#include <initializer_list>

namespace aaa::auth {
namespace {

constexpr char kHexUpper[] = "0123456789ABCDEF";

// RFC 2759 8.7.
constexpr char kAuthMagic1[] = "Magic server to client signing constant";    // 39 octets
constexpr char kAuthMagic2[] = "Pad to make it do more than one iteration";  // 41 octets
// RFC 3079 3.4.
constexpr char kMasterMagic1[] = "This is the MPPE Master Key";  // 27 octets
constexpr char kKeyMagic2[] =
    "On the client side, this is the send key; on the server side, it is the receive key.";  // 84 octets
constexpr char kKeyMagic3[] =
    "On the client side, this is the receive key; on the server side, it is the send key.";  // 84 octets
static_assert(sizeof(kAuthMagic1) - 1 == 39 && sizeof(kAuthMagic2) - 1 == 41);
static_assert(sizeof(kMasterMagic1) - 1 == 27);
static_assert(sizeof(kKeyMagic2) - 1 == 84 && sizeof(kKeyMagic3) - 1 == 84);

// SHA-1 over up to four parts; false when mbedTLS reports an error (its software SHA-1 does not).
struct Part {
  const void* data;
  size_t len;
};
bool sha1(std::initializer_list<Part> parts, uint8_t out[20]) noexcept {
  mbedtls_sha1_context ctx;
  mbedtls_sha1_init(&ctx);
  int rc = mbedtls_sha1_starts_ret(&ctx);
  for (const Part& p : parts) rc |= mbedtls_sha1_update_ret(&ctx, static_cast<const unsigned char*>(p.data), p.len);
  rc |= mbedtls_sha1_finish_ret(&ctx, out);
  mbedtls_sha1_free(&ctx);
  return rc == 0;
}

// RFC 2759 8.6 DesEncrypt: the 7-octet key becomes 8 octets, each carrying 7 key bits in its high
// bits and an (ignored) parity bit in its low bit.
bool desEncrypt(const uint8_t clear[8], const uint8_t key7[7], uint8_t cypher[8]) noexcept {
  uint8_t key[MBEDTLS_DES_KEY_SIZE];
  key[0] = key7[0];
  key[1] = static_cast<uint8_t>((key7[0] << 7) | (key7[1] >> 1));
  key[2] = static_cast<uint8_t>((key7[1] << 6) | (key7[2] >> 2));
  key[3] = static_cast<uint8_t>((key7[2] << 5) | (key7[3] >> 3));
  key[4] = static_cast<uint8_t>((key7[3] << 4) | (key7[4] >> 4));
  key[5] = static_cast<uint8_t>((key7[4] << 3) | (key7[5] >> 5));
  key[6] = static_cast<uint8_t>((key7[5] << 2) | (key7[6] >> 6));
  key[7] = static_cast<uint8_t>(key7[6] << 1);
  mbedtls_des_key_set_parity(key);

  mbedtls_des_context des;
  mbedtls_des_init(&des);
  int rc = mbedtls_des_setkey_enc(&des, key);
  rc |= mbedtls_des_crypt_ecb(&des, clear, cypher);
  mbedtls_des_free(&des);  // zeroizes the key schedule
  mbedtls_platform_zeroize(key, sizeof(key));
  return rc == 0;
}

bool challengeResponseInto(const uint8_t challenge[8], const NtHash& passwordHash, uint8_t out[24]) noexcept {
  // RFC 2759 8.5: ZPasswordHash = PasswordHash + 5 zero octets; three DES blocks.
  uint8_t z[21] = {};
  std::memcpy(z, passwordHash.data(), passwordHash.size());
  bool ok = desEncrypt(challenge, z, out) && desEncrypt(challenge, z + 7, out + 8) &&
            desEncrypt(challenge, z + 14, out + 16);
  mbedtls_platform_zeroize(z, sizeof(z));
  return ok;
}

bool challengeHashInto(const uint8_t peer[16], const uint8_t auth[16], std::string_view userName,
                       uint8_t out[8]) noexcept {
  // RFC 2759 8.2: SHA1(PeerChallenge, AuthenticatorChallenge, UserName), first 8 octets.
  const std::string_view name = msChapUserName(userName);
  uint8_t digest[20];
  bool ok = sha1({{peer, 16}, {auth, 16}, {name.data(), name.size()}}, digest);
  std::memcpy(out, digest, 8);
  return ok;
}

bool generateNtResponseInto(const uint8_t auth[16], const uint8_t peer[16], std::string_view userName,
                            const NtHash& passwordHash, uint8_t out[24]) noexcept {
  // RFC 2759 8.1: ChallengeResponse(ChallengeHash(peer, auth, user), NtPasswordHash(password)).
  uint8_t challenge[8];
  return challengeHashInto(peer, auth, userName, challenge) && challengeResponseInto(challenge, passwordHash, out);
}

bool md4(const uint8_t* in, size_t len, uint8_t out[16]) noexcept { return mbedtls_md4_ret(in, len, out) == 0; }

// RFC 2759 8.7 from its intermediate values (the verifier already has both):
//   Digest = SHA1(PasswordHashHash, NTResponse, Magic1)
//   Digest = SHA1(Digest, ChallengeHash(peer, auth, user), Magic2)
//   "S=" + hex(Digest), upper case.
bool authenticatorResponseFrom(const uint8_t passwordHashHash[16], const uint8_t ntResponse[24],
                               const uint8_t challenge[8], char out[42]) noexcept {
  uint8_t digest[20];
  bool ok = sha1({{passwordHashHash, 16}, {ntResponse, 24}, {kAuthMagic1, 39}}, digest) &&
            sha1({{digest, 20}, {challenge, 8}, {kAuthMagic2, 41}}, digest);
  out[0] = 'S';
  out[1] = '=';
  for (size_t i = 0; i < 20; ++i) {
    out[2 + 2 * i] = kHexUpper[digest[i] >> 4];
    out[3 + 2 * i] = kHexUpper[digest[i] & 0x0F];
  }
  return ok;
}

bool masterKeyInto(const uint8_t passwordHashHash[16], const uint8_t ntResponse[24], uint8_t out[16]) noexcept {
  // RFC 3079 3.4 GetMasterKey: SHA1(PasswordHashHash, NTResponse, Magic1), first 16 octets.
  uint8_t digest[20];
  bool ok = sha1({{passwordHashHash, 16}, {ntResponse, 24}, {kMasterMagic1, 27}}, digest);
  std::memcpy(out, digest, 16);
  mbedtls_platform_zeroize(digest, sizeof(digest));
  return ok;
}

bool startKeyInto(const uint8_t masterKey[16], bool isSend, bool isServer, uint8_t out[16]) noexcept {
  // RFC 3079 3.4 GetAsymmetricStartKey:
  //   s = IsSend ? (IsServer ? Magic3 : Magic2) : (IsServer ? Magic2 : Magic3)
  //   SHA1(MasterKey, SHSpad1 (40 x 0x00), s, SHSpad2 (40 x 0xF2)), first SessionKeyLength octets.
  static constexpr uint8_t kPad1[40] = {};
  static constexpr uint8_t kPad2[40] = {0xF2, 0xF2, 0xF2, 0xF2, 0xF2, 0xF2, 0xF2, 0xF2, 0xF2, 0xF2,
                                        0xF2, 0xF2, 0xF2, 0xF2, 0xF2, 0xF2, 0xF2, 0xF2, 0xF2, 0xF2,
                                        0xF2, 0xF2, 0xF2, 0xF2, 0xF2, 0xF2, 0xF2, 0xF2, 0xF2, 0xF2,
                                        0xF2, 0xF2, 0xF2, 0xF2, 0xF2, 0xF2, 0xF2, 0xF2, 0xF2, 0xF2};
  const char* s = (isSend == isServer) ? kKeyMagic3 : kKeyMagic2;
  uint8_t digest[20];
  bool ok = sha1({{masterKey, 16}, {kPad1, 40}, {s, 84}, {kPad2, 40}}, digest);
  std::memcpy(out, digest, 16);
  mbedtls_platform_zeroize(digest, sizeof(digest));
  return ok;
}

}  // namespace

std::string_view msChapUserName(std::string_view userName) noexcept {
  size_t slash = userName.find('\\');
  return slash == std::string_view::npos ? userName : userName.substr(slash + 1);
}

std::array<uint8_t, 8> challengeHash(const uint8_t peerChallenge[16], const uint8_t authenticatorChallenge[16],
                                     std::string_view userName) noexcept {
  std::array<uint8_t, 8> out{};
  if (!challengeHashInto(peerChallenge, authenticatorChallenge, userName, out.data())) out.fill(0);
  return out;
}

NtHash hashNtPasswordHash(const NtHash& passwordHash) noexcept {
  NtHash out{};
  if (!md4(passwordHash.data(), passwordHash.size(), out.data())) out.fill(0);
  return out;
}

std::array<uint8_t, kNtResponseLength> challengeResponse(const uint8_t challenge[8], const NtHash& passwordHash) noexcept {
  std::array<uint8_t, kNtResponseLength> out{};
  if (!challengeResponseInto(challenge, passwordHash, out.data())) out.fill(0);
  return out;
}

std::array<uint8_t, kNtResponseLength> generateNtResponse(const uint8_t authenticatorChallenge[16],
                                                          const uint8_t peerChallenge[16], std::string_view userName,
                                                          const NtHash& passwordHash) noexcept {
  std::array<uint8_t, kNtResponseLength> out{};
  if (!generateNtResponseInto(authenticatorChallenge, peerChallenge, userName, passwordHash, out.data())) out.fill(0);
  return out;
}

std::array<char, 42> generateAuthenticatorResponse(const NtHash& passwordHash, const uint8_t ntResponse[24],
                                                   const uint8_t peerChallenge[16],
                                                   const uint8_t authenticatorChallenge[16],
                                                   std::string_view userName) noexcept {
  // RFC 2759 8.7: PasswordHashHash = MD4(PasswordHash), Challenge = ChallengeHash(peer, auth, user).
  std::array<char, 42> out{};
  uint8_t hashHash[16];
  uint8_t challenge[8];
  bool ok = md4(passwordHash.data(), passwordHash.size(), hashHash) &&
            challengeHashInto(peerChallenge, authenticatorChallenge, userName, challenge) &&
            authenticatorResponseFrom(hashHash, ntResponse, challenge, out.data());
  mbedtls_platform_zeroize(hashHash, sizeof(hashHash));
  if (!ok) out.fill('0');
  return out;
}

MppeKey getMasterKey(const NtHash& passwordHashHash, const uint8_t ntResponse[24]) noexcept {
  MppeKey out{};
  if (!masterKeyInto(passwordHashHash.data(), ntResponse, out.data())) out.fill(0);
  return out;
}

MppeKey getAsymmetricStartKey(const MppeKey& masterKey, bool isSend, bool isServer) noexcept {
  MppeKey out{};
  if (!startKeyInto(masterKey.data(), isSend, isServer, out.data())) out.fill(0);
  return out;
}

std::optional<MsChap2Response> parseMsChap2Response(const uint8_t* value, size_t len) noexcept {
  // RFC 2548 2.3.2: Ident(1) Flags(1) Peer-Challenge(16) Reserved(8) NT-Response(24) = 50 octets.
  if (value == nullptr || len != kMsChap2ResponseLength) return std::nullopt;
  MsChap2Response r;
  r.ident = value[0];
  r.flags = value[1];
  std::memcpy(r.peerChallenge.data(), value + 2, 16);
  std::memcpy(r.ntResponse.data(), value + 26, kNtResponseLength);
  return r;
}

MsChapV2Verdict verifyMsChapV2(const uint8_t* msChap2Response, size_t responseLen, const uint8_t* msChapChallenge,
                               size_t challengeLen, std::string_view userName, const NtHash& ntHash,
                               MsChapV2Accept* accept) noexcept {
  if (accept != nullptr) *accept = MsChapV2Accept{};
  auto response = parseMsChap2Response(msChap2Response, responseLen);
  // RFC 2548 2.3.2: for MS-CHAPv2 the MS-CHAP-Challenge is the 16-octet Authenticator Challenge.
  if (!response || msChapChallenge == nullptr || challengeLen != kMsChapChallengeLength) {
    return MsChapV2Verdict::kMalformed;
  }

  // RFC 2759 5 (the authenticator's check): recompute the NT-Response (8.1) and compare. The
  // challenge hash is kept for the authenticator response.
  uint8_t challenge[8];
  uint8_t expected[kNtResponseLength];
  bool match = challengeHashInto(response->peerChallenge.data(), msChapChallenge, userName, challenge) &&
               challengeResponseInto(challenge, ntHash, expected) &&
               constantTimeEqual(expected, response->ntResponse.data(), kNtResponseLength);
  mbedtls_platform_zeroize(expected, sizeof(expected));
  if (!match) return MsChapV2Verdict::kReject;
  if (accept == nullptr) return MsChapV2Verdict::kAccept;

  // RFC 2548 2.3.3 MS-CHAP2-Success: Ident + the RFC 2759 8.7 authenticator response.
  MsChapV2Accept out;
  out.successValue[0] = response->ident;
  uint8_t hashHash[16];
  uint8_t master[16];
  bool ok = md4(ntHash.data(), ntHash.size(), hashHash) &&  // RFC 2759 8.4, used by 8.7 and RFC 3079 3.4
            authenticatorResponseFrom(hashHash, response->ntResponse.data(), challenge,
                                      reinterpret_cast<char*>(out.successValue.data() + 1)) &&
            // RFC 3079 3.4: the MPPE keys, from the server's point of view.
            masterKeyInto(hashHash, response->ntResponse.data(), master) &&
            startKeyInto(master, /*isSend=*/true, /*isServer=*/true, out.mppeSendKey.data()) &&
            startKeyInto(master, /*isSend=*/false, /*isServer=*/true, out.mppeRecvKey.data());
  mbedtls_platform_zeroize(hashHash, sizeof(hashHash));
  mbedtls_platform_zeroize(master, sizeof(master));
  if (!ok) {
    // Only if a hash primitive failed, which Debian's software mbedTLS does not: an Accept without
    // its Success value or keys would be useless to the NAS, so fail closed.
    mbedtls_platform_zeroize(&out, sizeof(out));
    return MsChapV2Verdict::kReject;
  }
  *accept = out;
  mbedtls_platform_zeroize(&out, sizeof(out));
  return MsChapV2Verdict::kAccept;
}

MsChapErrorValue msChapV2ErrorValue(uint8_t ident, MsChapErrorCode code, const uint8_t authenticatorChallenge[16],
                                    std::string_view message) noexcept {
  // RFC 2759 6: "E=eeeeeeeeee R=r C=cccccccccccccccccccccccccccccccc V=vvvvvvvvvv M=<msg>", preceded by
  // the Ident octet in the RADIUS attribute (RFC 2548 2.3.5).
  MsChapErrorValue v;
  auto put = [&v](char c) {
    if (v.size < v.bytes.size()) v.bytes[v.size++] = static_cast<uint8_t>(c);
  };
  auto putText = [&put](std::string_view s) {
    for (char c : s) put(c);
  };
  put(static_cast<char>(ident));
  putText("E=");
  char digits[6];
  size_t n = 0;
  for (unsigned e = static_cast<unsigned>(code); n == 0 || e != 0; e /= 10) digits[n++] = static_cast<char>('0' + e % 10);
  while (n > 0) put(digits[--n]);
  putText(" R=0 C=");
  for (size_t i = 0; i < kMsChapChallengeLength; ++i) {
    put(kHexUpper[authenticatorChallenge[i] >> 4]);
    put(kHexUpper[authenticatorChallenge[i] & 0x0F]);
  }
  putText(" V=3");
  if (!message.empty()) {
    putText(" M=");
    putText(message);  // put() stops at the attribute's 253 octets
  }
  return v;
}

}  // namespace aaa::auth
