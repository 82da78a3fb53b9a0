// Helpers shared by the libFuzzer harnesses (tests/fuzz/*_fuzz.cpp): a failed property aborts with
// a message (libFuzzer then saves the input), RADIUS signing done independently of the code under
// test (mbedTLS MD5 and HMAC directly), the dictionary loaded once.
#pragma once

#include <cstdint>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <string>
#include <vector>

#include <mbedtls/md.h>
#include <mbedtls/md5.h>

namespace fuzz {

// A property does not hold: say which, then abort so libFuzzer keeps the input as a crash.
[[noreturn]] inline void fail(const char* target, const std::string& what) {
  std::fprintf(stderr, "%s: property violated: %s\n", target, what.c_str());
  std::fflush(stderr);
  std::abort();
}

#define FUZZ_CHECK(cond, what)                        \
  do {                                                \
    if (!(cond)) ::fuzz::fail(kTarget, what);         \
  } while (0)

// Reads every byte of [p, p+n) so ASan checks that a view really points at live memory.
inline void touch(const void* p, size_t n) {
  volatile uint8_t sink = 0;
  const auto* b = static_cast<const uint8_t*>(p);
  for (size_t i = 0; i < n; ++i) sink = static_cast<uint8_t>(sink ^ b[i]);
  (void)sink;
}

// True when [p, p+n) lies inside [base, base+len).
inline bool within(const void* p, size_t n, const void* base, size_t len) {
  auto a = reinterpret_cast<uintptr_t>(p), b = reinterpret_cast<uintptr_t>(base);
  return a >= b && n <= len && a - b <= len - n;
}

inline void md5(const std::vector<const std::vector<uint8_t>*>& parts, uint8_t out[16]) {
  mbedtls_md5_context c;
  mbedtls_md5_init(&c);
  mbedtls_md5_starts_ret(&c);
  for (const auto* p : parts) mbedtls_md5_update_ret(&c, p->data(), p->size());
  mbedtls_md5_finish_ret(&c, out);
  mbedtls_md5_free(&c);
}

inline void hmacMd5(const std::string& key, const uint8_t* data, size_t len, uint8_t out[16]) {
  mbedtls_md_hmac(mbedtls_md_info_from_type(MBEDTLS_MD_MD5), reinterpret_cast<const unsigned char*>(key.data()),
                  key.size(), data, len, out);
}

// Positions of every Message-Authenticator value (type 80, length 18) in a well-formed attribute
// list; empty when there is none or the list is malformed.
inline std::vector<size_t> messageAuthenticators(const std::vector<uint8_t>& p) {
  std::vector<size_t> out;
  size_t pos = 20;
  while (pos + 2 <= p.size()) {
    uint8_t len = p[pos + 1];
    if (len < 2 || pos + len > p.size()) return {};
    if (p[pos] == 80 && len == 18) out.push_back(pos + 2);
    pos += len;
  }
  return out;
}

// RFC 3579 3.2: Message-Authenticator = HMAC-MD5(secret, packet with the value zeroed and
// `authenticator` in the Authenticator field). Writes it into every Message-Authenticator of `p`
// (the first one wins for checkers that only look at the first; the others become equal to it only
// by chance, which a checker must refuse anyway).
inline void signMessageAuthenticator(std::vector<uint8_t>& p, const std::string& secret, const uint8_t authenticator[16]) {
  std::vector<size_t> at = messageAuthenticators(p);
  if (at.empty()) return;
  std::vector<uint8_t> copy = p;
  std::memcpy(copy.data() + 4, authenticator, 16);
  for (size_t a : at) std::memset(copy.data() + a, 0, 16);
  uint8_t mac[16];
  hmacMd5(secret, copy.data(), copy.size(), mac);
  std::memcpy(p.data() + at.front(), mac, 16);
}

// RFC 2866 3 / RFC 5176 2.3 Request Authenticator, and RFC 2865 3 Response Authenticator:
// MD5(Code+Identifier+Length+`authenticator`+Attributes+Secret).
inline void md5Authenticator(const std::vector<uint8_t>& p, const uint8_t authenticator[16], const std::string& secret,
                             uint8_t out[16]) {
  std::vector<uint8_t> head(p.begin(), p.begin() + 4);
  std::vector<uint8_t> auth(authenticator, authenticator + 16);
  std::vector<uint8_t> attrs(p.begin() + 20, p.end());
  std::vector<uint8_t> key(secret.begin(), secret.end());
  md5({&head, &auth, &attrs, &key}, out);
}

// Sets the header's Length to p.size() (the caller keeps it within 20..4096).
inline void setLength(std::vector<uint8_t>& p) {
  p[2] = static_cast<uint8_t>(p.size() >> 8);
  p[3] = static_cast<uint8_t>(p.size());
}

}  // namespace fuzz
