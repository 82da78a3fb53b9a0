// Stored subscriber credentials and the NT password hash.
//
// Which forms we store, and why (docs/decisions/0002-subscriber-credentials.md):
//   - PAP (RFC 2865 5.2) sends the password itself, so it can be checked against any stored form.
//   - CHAP (RFC 1994, RFC 2865 5.3) sends MD5(ident || password || challenge): the server needs the
//     cleartext.
//   - MS-CHAPv2 (RFC 2759) is computed from the NT hash, MD4(UTF-16LE(password)): the server needs
//     the NT hash (or the cleartext, to compute it).
// So we always store the NT hash (it serves MS-CHAPv2 and PAP), and the cleartext only while CHAP
// is enabled on the box (the `radius.auth-methods` setting decides).
//
// The NT hash is unsalted MD4: anyone holding it can complete MS-CHAPv2 as the subscriber
// ("pass the hash") and crack it offline quickly. It is password-equivalent and the database that
// holds it must be protected like cleartext (the appliance DB is 0600/0640 under a dedicated user).
//
// Everything here is allocation-free except credentialsFromPassword() and the Status messages of the
// checked variants (control path: storing a password).
#pragma once

#include <array>
#include <cstddef>
#include <cstdint>
#include <optional>
#include <string>
#include <string_view>

#include "core/status.h"

namespace aaa::auth {

// MD4 of the UTF-16LE password (RFC 2759 8.3 NtPasswordHash).
using NtHash = std::array<uint8_t, 16>;

// Longest password we store: the most RADIUS PAP can carry (RFC 2865 5.2: 128 octets). A longer one
// could never log in by PAP, so we refuse it when storing rather than at the first login.
inline constexpr size_t kMaxPasswordBytes = 128;

// What the in-memory snapshot holds per subscriber. Either member may be absent; a subscriber with
// neither cannot authenticate by password (MAC authentication does not use these).
struct Credentials {
  std::optional<NtHash> ntHash;          // always present for password subscribers
  std::optional<std::string> cleartext;  // present only when CHAP is enabled on the box
  // An imported password hash (password_hash.h: "{crypt}$6$...", "{ssha}..."): serves PAP only.
  // Viewed, not owned: it points into the subscriber the snapshot holds.
  std::string_view papHash;
};

// True when `text` is well-formed UTF-8 (Unicode 15, table 3-7: no overlong forms, no surrogates
// U+D800..U+DFFF, nothing above U+10FFFF). The empty string is valid.
bool isValidUtf8(std::string_view text) noexcept;

// NtPasswordHash (RFC 2759 8.3): MD4 over the password converted from UTF-8 to UTF-16LE, code points
// above U+FFFF as surrogate pairs. Any length; no allocation.
// Invalid UTF-8 does not fail here: each byte that does not start a well-formed sequence is hashed as
// U+FFFD. Use ntPasswordHashChecked() when storing, and isValidUtf8() before trusting a comparison
// (papMatches() does).
NtHash ntPasswordHash(std::string_view passwordUtf8) noexcept;

// The same hash for storing: InvalidArgument naming the byte offset when the input is not UTF-8.
core::Result<NtHash> ntPasswordHashChecked(std::string_view passwordUtf8);

// Builds what we store for a password (control path). InvalidArgument when the password is empty,
// longer than kMaxPasswordBytes, not UTF-8, or contains NUL (RFC 2865 5.2 pads with NULs and strips
// them, so such a password could not be matched by PAP). The cleartext is kept only when
// `keepCleartext` (CHAP enabled). The message never contains the password.
core::Result<Credentials> credentialsFromPassword(std::string_view passwordUtf8, bool keepCleartext);

// Constant-time equality of two n-byte buffers: the time depends on n only, never on the contents.
bool constantTimeEqual(const uint8_t* a, const uint8_t* b, size_t n) noexcept;

}  // namespace aaa::auth
