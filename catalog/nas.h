// NAS clients: the RADIUS clients a box answers (MikroTik, Cisco, accel-ppp BRAS, Wi-Fi controllers),
// as values, with their one argument table and their one validation. nas-add on the box takes its
// arguments through nasFromArgs(); a NAS built in code (the built-in gateway's) is checked by
// validateNas(). Errors name the argument; their codes are core::Status codes.
#pragma once

#include <cstddef>
#include <cstdint>
#include <initializer_list>
#include <optional>
#include <string>
#include <string_view>

#include "catalog/ip.h"
#include "core/command_args.h"
#include "core/status.h"

namespace catalog {

// How a NAS wants rates and limits in its Access-Accept (see aaa/radius/reply.h).
enum class VendorProfile { kGeneric, kMikrotik, kWispr, kChillispot, kCisco, kAccelPpp };

const char* vendorProfileName(VendorProfile v);
std::optional<VendorProfile> parseVendorProfile(std::string_view name);

struct NasClient {
  int64_t id = 0;
  std::string name;
  IpPrefix prefix;
  std::string secret;
  VendorProfile vendor = VendorProfile::kGeneric;
  uint16_t coaPort = 3799;               // RFC 5176 section 2.3
  std::string nasIdentifier;             // optional: when set, requests must carry it
  std::optional<bool> requireMessageAuthenticator;  // unset: the server default
  // RadSec (RFC 6614): the client certificate this NAS presents, as "sha256:" and the certificate's
  // SHA-256 fingerprint in hex, or a name its subject CN or a DNS subjectAltName must equal. Empty:
  // the NAS does not use RadSec. Over RadSec the shared secret is "radsec" (RFC 6614 2.3).
  std::string radsecIdentity;
};

// The longest radsec-identity (a DNS name's limit).
inline constexpr size_t kMaxRadsecIdentityOctets = 253;

// A radsec-identity in its stored form: "sha256:" + 64 lower-case hex digits (colons and upper case
// accepted and removed), or a name of printable characters. InvalidArgument naming radsec-identity.
core::Result<std::string> normalizeRadsecIdentity(std::string_view identity);

// The longest shared secret we store (RFC 2865 3 sets no limit; 128 is what NAS vendors accept).
inline constexpr size_t kMaxNasSecretOctets = 128;
// Below this a shared secret is weak (RFC 2865 3 asks for at least 16 octets): accepted, with a warning.
inline constexpr size_t kWeakNasSecretOctets = 16;

// Every argument nas-add takes: name, address (IP or prefix), secret, vendor, coa-port (1..65535),
// nas-identifier, require-message-authenticator (yes|no|default), radsec-identity.
const std::vector<core::command::Arg>& nasArguments();

// A NAS client from nas-add's arguments: unknown arguments refused, each argument's form checked,
// then the whole value by validateNas(). InvalidArgument naming the argument.
core::Result<NasClient> nasFromArgs(const core::CommandArgs& a);

// The one check of a NAS value: a name, a secret of 1..kMaxNasSecretOctets octets, a CoA port.
core::Status validateNas(const NasClient& nas);

}  // namespace catalog
