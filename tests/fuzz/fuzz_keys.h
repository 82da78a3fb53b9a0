// Fixed P-256 keys for the harnesses that need a trusted key (license_fuzz, pki_fuzz, firmware_fuzz),
// so that seeds signed once (tests/fuzz/make_seeds.py, with the openssl CLI) verify on every run.
// Test keys only: they protect nothing.
#pragma once

namespace fuzz {

inline constexpr const char* kCaKeyPem =
    "-----BEGIN EC PRIVATE KEY-----\n"
    "MHcCAQEEIG+5ono9pA9PkOhzaIgKAYrShUCRD0f988T9WCupZg1toAoGCCqGSM49\n"
    "AwEHoUQDQgAEmTgDO9g1nXjiZvgTNwhvhiIEUGNSO6fK5RABLKv88KL5NoEOIVy3\n"
    "RatF4CtQkdAXvDyPDVeB5Rhlq2S+2XVUng==\n"
    "-----END EC PRIVATE KEY-----\n";

inline constexpr const char* kLicenseKeyPem =
    "-----BEGIN EC PRIVATE KEY-----\n"
    "MHcCAQEEIFvqGtE6EXY4EJI+mnhvyGU2V/WNBQk9/12XUUHUO5l6oAoGCCqGSM49\n"
    "AwEHoUQDQgAEedYS9Pwnj4lhuh+D1AKDevjWd8Fo4bUTs2dx/9sUug96Fcd3sqQN\n"
    "IQ3j2CbDv3QSBvGtX41VCx4eS96eUrxf0A==\n"
    "-----END EC PRIVATE KEY-----\n";

inline constexpr const char* kLicensePublicKeyPem =
    "-----BEGIN PUBLIC KEY-----\n"
    "MFkwEwYHKoZIzj0CAQYIKoZIzj0DAQcDQgAEedYS9Pwnj4lhuh+D1AKDevjWd8Fo\n"
    "4bUTs2dx/9sUug96Fcd3sqQNIQ3j2CbDv3QSBvGtX41VCx4eS96eUrxf0A==\n"
    "-----END PUBLIC KEY-----\n";

inline constexpr const char* kDeviceKeyPem =
    "-----BEGIN EC PRIVATE KEY-----\n"
    "MHcCAQEEIJNOAJF3sPePLpd8TeWsiem7jpYahZStXPxMN4DsVbBkoAoGCCqGSM49\n"
    "AwEHoUQDQgAEX2krOkN3xX5Roq8MbakIytgT1VgXXLIxdSpdULqICz67NeJZh9sW\n"
    "8EtQvdL7kIN5Xfib92J08gxw7xXITZSNpw==\n"
    "-----END EC PRIVATE KEY-----\n";

// The firmware key of firmware_fuzz (a key of its own, like the real one: never the license key).
inline constexpr const char* kFirmwareKeyPem =
    "-----BEGIN EC PRIVATE KEY-----\n"
    "MHcCAQEEIF1HZQa4cgoFDg5a7pVBYE4XO+S78S+L3aP1dj531HzYoAoGCCqGSM49\n"
    "AwEHoUQDQgAEByk6UwjP01WfJAffUhhl/GO380vU0TVzYniJQPJIi2VGoIuol5pb\n"
    "asFkulLhKX7uuj2pzY60BG2+EbkG5Vz1rQ==\n"
    "-----END EC PRIVATE KEY-----\n";

inline constexpr const char* kFirmwarePublicKeyPem =
    "-----BEGIN PUBLIC KEY-----\n"
    "MFkwEwYHKoZIzj0CAQYIKoZIzj0DAQcDQgAEByk6UwjP01WfJAffUhhl/GO380vU\n"
    "0TVzYniJQPJIi2VGoIuol5pbasFkulLhKX7uuj2pzY60BG2+EbkG5Vz1rQ==\n"
    "-----END PUBLIC KEY-----\n";

// The common name selfSignedCa() gets in pki_fuzz; make_seeds.py issues certificates under it.
inline constexpr const char* kCaCommonName = "edge fuzz CA";

}  // namespace fuzz
