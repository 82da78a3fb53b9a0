// The credential methods (aaa/auth): PAP (User-Password, RFC 2865 5.2), CHAP (RFC 1994), MS-CHAPv2
// (RFC 2759) and MPPE keys (RFC 2548 2.4.2), MAC text, UTF-8 and stored credentials, with arbitrary
// inputs. The first octet picks the method; the rest feeds it (FuzzedDataProvider).
// Properties:
//   PAP      decrypt(encrypt(p)) == p; a decrypted value has 16..128 octets of cipher behind it;
//            papMatches(c, stored form of p) is exactly c == p (cleartext and NT-hash forms).
//   CHAP     the response is MD5(ident || password || challenge) (checked with mbedTLS MD5); it
//            matches, and no other ident, response octet or password does; wrong lengths never match.
//   MS-CHAPv2  a response built from the password is accepted with the right keys and success value;
//            any changed octet of the NT-Response, another password or challenge is rejected;
//            arbitrary values are accepted only when their NT-Response is the one the hash gives.
//   MPPE     decrypt(encrypt(k)) == k; arbitrary values decrypt to at most what they hold.
//   MAC      a parsed MAC prints canonically and parses back to itself; exactly 12 hex digits.
//   UTF-8    isValidUtf8 agrees with a reference decoder (Unicode table 3-7); storing a password
//            succeeds exactly for non-empty valid UTF-8 without NUL, up to 128 octets.
#include <array>
#include <cctype>
#include <cstdint>
#include <cstring>
#include <string>
#include <vector>

#include <fuzzer/FuzzedDataProvider.h>
#include <mbedtls/md5.h>

#include "aaa/auth/chap.h"
#include "aaa/auth/credentials.h"
#include "aaa/auth/mac.h"
#include "aaa/auth/mppe.h"
#include "aaa/auth/mschap.h"
#include "aaa/auth/pap.h"
#include "tests/fuzz/fuzz_support.h"

namespace {

constexpr const char* kTarget = "auth_methods";
using namespace aaa::auth;

std::string bytes(FuzzedDataProvider& in, size_t max) { return in.ConsumeBytesAsString(in.ConsumeIntegralInRange<size_t>(0, max)); }

// Unicode 15 table 3-7, written out.
bool referenceUtf8(const std::string& s) {
  size_t i = 0;
  while (i < s.size()) {
    auto b = [&](size_t k) { return static_cast<uint8_t>(s[k]); };
    uint8_t c = b(i);
    size_t n = 0;
    uint8_t lo = 0x80, hi = 0xBF;
    if (c <= 0x7F) { ++i; continue; }
    else if (c >= 0xC2 && c <= 0xDF) n = 1;
    else if (c == 0xE0) { n = 2; lo = 0xA0; }
    else if ((c >= 0xE1 && c <= 0xEC) || c == 0xEE || c == 0xEF) n = 2;
    else if (c == 0xED) { n = 2; hi = 0x9F; }
    else if (c == 0xF0) { n = 3; lo = 0x90; }
    else if (c >= 0xF1 && c <= 0xF3) n = 3;
    else if (c == 0xF4) { n = 3; hi = 0x8F; }
    else return false;
    if (s.size() - i <= n) return false;  // the sequence is cut short
    if (b(i + 1) < lo || b(i + 1) > hi) return false;
    for (size_t k = 2; k <= n; ++k)
      if (b(i + k) < 0x80 || b(i + k) > 0xBF) return false;
    i += n + 1;
  }
  return true;
}

void pap(FuzzedDataProvider& in) {
  std::string secret = bytes(in, 64);
  std::string password = bytes(in, 140);
  uint8_t ra[16] = {};
  in.ConsumeData(ra, sizeof ra);
  uint8_t cipher[160];
  size_t cipherLen = 0;
  core::Status s = encryptUserPassword(password, secret, ra, cipher, sizeof cipher, &cipherLen);
  FUZZ_CHECK(s.isOk() == (!secret.empty() && password.size() <= kUserPasswordMaxLength), "encrypt refused/accepted wrongly");
  if (s.isOk()) {
    char plain[160];
    size_t plainLen = 0;
    core::Status d = decryptUserPassword(cipher, cipherLen, secret, ra, plain, sizeof plain, &plainLen);
    FUZZ_CHECK(d.isOk(), "decrypt(encrypt(p)) failed: " + d.message());
    std::string expect = password;
    while (!expect.empty() && expect.back() == '\0') expect.pop_back();
    FUZZ_CHECK(std::string(plain, plainLen) == expect, "decrypt(encrypt(p)) != p");
  }
  // Arbitrary cipher text.
  std::string raw = bytes(in, 140);
  char plain[160];
  size_t plainLen = 12345;
  core::Status d = decryptUserPassword(reinterpret_cast<const uint8_t*>(raw.data()), raw.size(), secret, ra, plain,
                                       in.ConsumeBool() ? sizeof plain : raw.size() / 2, &plainLen);
  if (d.isOk()) {
    FUZZ_CHECK(raw.size() % 16 == 0 && raw.size() >= 16 && raw.size() <= 128, "decrypted a cipher of a bad length");
    FUZZ_CHECK(plainLen <= raw.size(), "decrypted more than the cipher holds");
  } else {
    FUZZ_CHECK(plainLen == 0, "a failed decrypt left a length");
  }
  // Matching against each stored form.
  std::string candidate = in.ConsumeBool() ? password : bytes(in, 140);
  for (bool keepCleartext : {true, false}) {
    core::Result<Credentials> stored = credentialsFromPassword(password, keepCleartext);
    if (!stored.isOk()) continue;
    const bool matches = papMatches(candidate, *stored);
    FUZZ_CHECK(matches == (!candidate.empty() && candidate == password),
               std::string("papMatches is not equality (") + (keepCleartext ? "cleartext" : "NT hash") + ")");
  }
}

void chap(FuzzedDataProvider& in) {
  const uint8_t ident = in.ConsumeIntegral<uint8_t>();
  std::string password = bytes(in, 130);
  std::string challenge = bytes(in, 64);
  auto* ch = reinterpret_cast<const uint8_t*>(challenge.data());
  std::array<uint8_t, 16> response = chapResponse(ident, password, ch, challenge.size());
  std::string material = std::string(1, static_cast<char>(ident)) + password + challenge;
  uint8_t md5[16];
  mbedtls_md5_ret(reinterpret_cast<const uint8_t*>(material.data()), material.size(), md5);
  FUZZ_CHECK(std::memcmp(md5, response.data(), 16) == 0, "chapResponse is not MD5(ident || password || challenge)");
  const bool usable = !password.empty() && !challenge.empty();
  FUZZ_CHECK(chapMatches(ident, response.data(), ch, challenge.size(), password) == usable, "the right response");
  std::array<uint8_t, 16> other = response;
  other[in.ConsumeIntegralInRange<size_t>(0, 15)] ^= static_cast<uint8_t>(1 + in.ConsumeIntegralInRange<int>(0, 254));
  FUZZ_CHECK(!chapMatches(ident, other.data(), ch, challenge.size(), password), "a changed response matched");
  FUZZ_CHECK(!chapMatches(static_cast<uint8_t>(ident + 1), response.data(), ch, challenge.size(), password),
             "another ident matched");
  std::string wrong = password + "x";
  FUZZ_CHECK(!chapMatches(ident, response.data(), ch, challenge.size(), wrong), "another password matched");
  std::string value = std::string(1, static_cast<char>(ident)) + std::string(response.begin(), response.end());
  if (in.ConsumeBool()) value += bytes(in, 3);
  FUZZ_CHECK(chapPasswordMatches(reinterpret_cast<const uint8_t*>(value.data()), value.size(), ch, challenge.size(),
                                 password) == (usable && value.size() == kChapPasswordLength),
             "CHAP-Password of length " + std::to_string(value.size()));
}

void msChapV2(FuzzedDataProvider& in) {
  std::string password = bytes(in, 64);
  std::string userName = bytes(in, 40);
  uint8_t authChallenge[16] = {}, peerChallenge[16] = {};
  in.ConsumeData(authChallenge, 16);
  in.ConsumeData(peerChallenge, 16);
  const NtHash hash = ntPasswordHash(password);
  const uint8_t ident = in.ConsumeIntegral<uint8_t>();
  std::array<uint8_t, kNtResponseLength> nt = generateNtResponse(authChallenge, peerChallenge, userName, hash);
  std::vector<uint8_t> response(kMsChap2ResponseLength, 0);
  response[0] = ident;
  std::memcpy(response.data() + 2, peerChallenge, 16);
  std::memcpy(response.data() + 26, nt.data(), nt.size());
  MsChapV2Accept accept;
  MsChapV2Verdict v = verifyMsChapV2(response.data(), response.size(), authChallenge, 16, userName, hash, &accept);
  FUZZ_CHECK(v == MsChapV2Verdict::kAccept, "the right NT-Response was not accepted");
  FUZZ_CHECK(accept.successValue[0] == ident && accept.successValue[1] == 'S' && accept.successValue[2] == '=',
             "MS-CHAP2-Success value");
  std::array<char, 42> auth = generateAuthenticatorResponse(hash, nt.data(), peerChallenge, authChallenge, userName);
  FUZZ_CHECK(std::memcmp(accept.successValue.data() + 1, auth.data(), auth.size()) == 0, "authenticator response");
  const MppeKey master = getMasterKey(hashNtPasswordHash(hash), nt.data());
  FUZZ_CHECK(accept.mppeSendKey == getAsymmetricStartKey(master, true, true) &&
                 accept.mppeRecvKey == getAsymmetricStartKey(master, false, true),
             "MPPE keys");
  // Any change of the NT-Response, the challenge or the password is a reject.
  std::vector<uint8_t> changed = response;
  changed[26 + in.ConsumeIntegralInRange<size_t>(0, 23)] ^= static_cast<uint8_t>(1 + in.ConsumeIntegralInRange<int>(0, 254));
  MsChapV2Accept none;
  FUZZ_CHECK(verifyMsChapV2(changed.data(), changed.size(), authChallenge, 16, userName, hash, &none) ==
                 MsChapV2Verdict::kReject,
             "a changed NT-Response was not rejected");
  FUZZ_CHECK(none.successValue == MsChapV2Accept{}.successValue, "a reject filled the accept");
  uint8_t otherChallenge[16];
  std::memcpy(otherChallenge, authChallenge, 16);
  otherChallenge[in.ConsumeIntegralInRange<size_t>(0, 15)] ^= 0x40;
  FUZZ_CHECK(verifyMsChapV2(response.data(), response.size(), otherChallenge, 16, userName, hash, nullptr) ==
                 MsChapV2Verdict::kReject,
             "another authenticator challenge was accepted");
  NtHash otherHash = ntPasswordHash(password + "1");
  FUZZ_CHECK(verifyMsChapV2(response.data(), response.size(), authChallenge, 16, userName, otherHash, nullptr) ==
                 MsChapV2Verdict::kReject,
             "another password was accepted");
  // Arbitrary values: accepted only when their NT-Response is the one the hash gives.
  std::string rawResponse = bytes(in, 60), rawChallenge = bytes(in, 20);
  auto* r = reinterpret_cast<const uint8_t*>(rawResponse.data());
  auto* c = reinterpret_cast<const uint8_t*>(rawChallenge.data());
  MsChapV2Verdict w = verifyMsChapV2(r, rawResponse.size(), c, rawChallenge.size(), userName, hash, nullptr);
  const bool wellFormed = rawResponse.size() == kMsChap2ResponseLength && rawChallenge.size() == kMsChapChallengeLength;
  FUZZ_CHECK((w == MsChapV2Verdict::kMalformed) == !wellFormed, "kMalformed iff the lengths are wrong");
  if (w == MsChapV2Verdict::kAccept) {
    auto expect = generateNtResponse(c, r + 2, userName, hash);
    FUZZ_CHECK(std::memcmp(expect.data(), r + 26, 24) == 0, "accepted an NT-Response the hash does not give");
  }
  FUZZ_CHECK(parseMsChap2Response(r, rawResponse.size()).has_value() == (rawResponse.size() == 50), "parse length");
  msChapV2ErrorValue(ident, MsChapErrorCode::kAuthenticationFailure, authChallenge, userName);
}

void mppe(FuzzedDataProvider& in) {
  std::string secret = bytes(in, 40);
  std::string key = bytes(in, 250);
  uint8_t ra[16] = {}, salt[2] = {};
  in.ConsumeData(ra, 16);
  in.ConsumeData(salt, 2);
  uint8_t value[300];
  size_t valueLen = 0;
  core::Status s = encryptMppeKey(reinterpret_cast<const uint8_t*>(key.data()), key.size(), secret, ra, salt, value,
                                  sizeof value, &valueLen);
  FUZZ_CHECK(s.isOk() == (!key.empty() && key.size() <= kMppeMaxKeyLength && !secret.empty() && (salt[0] & 0x80)),
             "encryptMppeKey refused/accepted wrongly: " + s.message());
  if (s.isOk()) {
    FUZZ_CHECK(valueLen == mppeKeyValueLength(key.size()), "value length");
    uint8_t back[300];
    size_t backLen = 0;
    core::Status d = decryptMppeKey(value, valueLen, secret, ra, back, sizeof back, &backLen);
    FUZZ_CHECK(d.isOk() && std::string(reinterpret_cast<char*>(back), backLen) == key, "decrypt(encrypt(k)) != k");
  }
  std::string raw = bytes(in, 260);
  uint8_t out[300];
  size_t outLen = 0;
  core::Status d = decryptMppeKey(reinterpret_cast<const uint8_t*>(raw.data()), raw.size(), secret, ra, out,
                                  in.ConsumeIntegralInRange<size_t>(0, sizeof out), &outLen);
  if (d.isOk()) FUZZ_CHECK(raw.size() >= 18 && outLen + 3 <= raw.size(), "decrypted more than the value holds");
}

void mac(FuzzedDataProvider& in) {
  std::string text = in.ConsumeRandomLengthString(40);
  std::optional<MacAddress> m = parseMac(text);
  if (!m) return;
  std::string hex;
  for (char c : text)
    if (std::isxdigit(static_cast<unsigned char>(c))) hex += static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
  FUZZ_CHECK(hex.size() == 12, "a MAC with other than 12 hex digits parsed: " + text);
  std::string canonical = formatMac(*m);
  std::string canonicalHex;
  for (char c : canonical)
    if (c != ':') canonicalHex += c;
  FUZZ_CHECK(canonical.size() == 17 && canonicalHex == hex, "formatMac does not print what was parsed");
  FUZZ_CHECK(parseMac(canonical) == m, "the canonical form does not parse back");
}

void utf8(FuzzedDataProvider& in) {
  std::string text = in.ConsumeRandomLengthString(200);
  const bool valid = isValidUtf8(text);
  FUZZ_CHECK(valid == referenceUtf8(text), "isValidUtf8 disagrees with the reference decoder");
  core::Result<NtHash> checked = ntPasswordHashChecked(text);
  FUZZ_CHECK(checked.isOk() == valid, "ntPasswordHashChecked");
  if (checked.isOk()) FUZZ_CHECK(*checked == ntPasswordHash(text), "checked and unchecked hashes differ");
  core::Result<Credentials> c = credentialsFromPassword(text, true);
  const bool storable = valid && !text.empty() && text.size() <= kMaxPasswordBytes && text.find('\0') == std::string::npos;
  FUZZ_CHECK(c.isOk() == storable, "credentialsFromPassword accepted/refused wrongly");
  if (c.isOk()) FUZZ_CHECK(c->cleartext && *c->cleartext == text && c->ntHash == ntPasswordHash(text), "stored forms");
  std::string other = in.ConsumeRandomLengthString(200);
  const size_t n = std::min(text.size(), other.size());
  FUZZ_CHECK(constantTimeEqual(reinterpret_cast<const uint8_t*>(text.data()), reinterpret_cast<const uint8_t*>(other.data()),
                               n) == (text.compare(0, n, other, 0, n) == 0),
             "constantTimeEqual is not equality");
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  if (size == 0) return 0;
  FuzzedDataProvider in(data + 1, size - 1);
  switch (data[0] % 6) {
    case 0: pap(in); break;
    case 1: chap(in); break;
    case 2: msChapV2(in); break;
    case 3: mppe(in); break;
    case 4: mac(in); break;
    default: utf8(in); break;
  }
  return 0;
}
