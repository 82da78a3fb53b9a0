#!/usr/bin/python3
"""Test vectors for aaa/auth built by implementations independent of ours.

Writes auth_vectors.h next to this script (or to --out). Sources:
  PAP   User-Password encryption (RFC 2865 5.2) by pyrad 2.1 (Debian python3-pyrad), PwCrypt().
  CHAP  MD5(ident || password || challenge) (RFC 1994 4.1) by Python's hashlib.
  NT    NtPasswordHash (RFC 2759 8.3): Python's str.encode("utf-16-le") hashed by the OpenSSL
        command line's MD4 (legacy provider; Python's hashlib has no MD4 on OpenSSL 3).
  MPPE  MS-MPPE-Send/Recv-Key encryption (RFC 2548 2.4.2) by hashlib MD5, written here from the RFC
        text: pyrad 2.1's SaltCrypt() raises TypeError on Python 3 (it calls ord() on an int).
  RECV  The server's MS-MPPE-Recv-Key for the RFC 3079 3.5.3 inputs (the RFC prints only the send
        key): RFC 3079 3.4 GetMasterKey / GetAsymmetricStartKey with hashlib SHA-1 and OpenSSL MD4.

--check regenerates in memory and compares with the committed header (exit 1 on any difference);
the CTest aaa_auth_vectors runs that, so the committed constants are provably these tools' output.
"""
import argparse
import hashlib
import os
import subprocess
import sys

from pyrad import packet

HERE = os.path.dirname(os.path.abspath(__file__))
OUT = os.path.join(HERE, "auth_vectors.h")

SECRET = b"testing123"
LONG_SECRET = b"a-much-longer-shared-secret-than-one-md5-block-of-64-octets-0123456789-abcdefghij"
REQUEST_AUTHENTICATOR = bytes.fromhex("0f1e2d3c4b5a69788796a5b4c3d2e1f0")

PAP_CASES = [
    (SECRET, "hello".encode()),
    (SECRET, b"0123456789abcdef"),                       # exactly one block: no padding
    (SECRET, "correct horse battery staple".encode()),   # two blocks, chained
    (SECRET, "pässwörd ünïcødé".encode()),               # UTF-8, non-ASCII
    (SECRET, bytes((0x21 + i % 90) for i in range(128))),  # the RFC 2865 maximum
    (LONG_SECRET, "hello".encode()),                     # secret longer than an MD5 block
]

CHAP_CASES = [
    # ident, password, challenge
    (0x2A, b"hello", bytes.fromhex("00112233445566778899aabbccddeeff")),
    (0x00, "pässwörd".encode(), bytes.fromhex("0102030405")),  # RFC 2865 5.40 minimum, 5 octets
    (0xFF, b"correct horse battery staple", REQUEST_AUTHENTICATOR),  # no CHAP-Challenge (RFC 2865 2.2)
]

NT_CASES = [
    "password",
    "clientPass",
    "pässwörd",              # Latin-1 range, two-octet UTF-8
    "Пароль",                # Cyrillic
    "密码",                  # CJK, three-octet UTF-8
    "p\U0001F511ss",         # U+1F511, four-octet UTF-8, a surrogate pair in UTF-16
    "caf\u00e9",             # precomposed e-acute ...
    "cafe\u0301",            # ... and decomposed: different hashes (no normalization)
    "\ufffd",                # what ntPasswordHash() hashes for each invalid byte
    "x" * 300,               # longer than the 64-octet staging buffer of ntPasswordHash()
    "a" + "\U0001F511" * 40,  # 162 octets of UTF-16: a surrogate pair straddles a buffer flush
]

MPPE_CASES = [
    # key, salt
    (bytes.fromhex("8B7CDC149B993A1BA118CB153F56DCCB"), bytes.fromhex("8001")),
    (bytes.fromhex("D5F0E9521E3EA9589645E86051C82226"), bytes.fromhex("8002")),
    (bytes(range(15)), bytes.fromhex("fedc")),  # 1 + 15 = one block exactly
]

# RFC 2759 9.2 / RFC 3079 3.5.3 inputs.
RFC_PASSWORD = "clientPass"
RFC_NT_RESPONSE = bytes.fromhex("82309ECD8D708B5EA08FAA3981CD83544233114A3D85D6DF")
MAGIC_MASTER = b"This is the MPPE Master Key"
MAGIC2 = b"On the client side, this is the send key; on the server side, it is the receive key."
MAGIC3 = b"On the client side, this is the receive key; on the server side, it is the send key."


def md4(data):
    out = subprocess.run(["openssl", "dgst", "-md4", "-provider", "legacy", "-provider", "default", "-r"],
                         input=data, capture_output=True, check=True).stdout
    return bytes.fromhex(out.split()[0].decode())


def pap_cipher(secret, password):
    req = packet.AuthPacket(secret=secret, authenticator=REQUEST_AUTHENTICATOR)
    cipher = req.PwCrypt(password)
    # pyrad pads to a multiple of 16 and chains blocks as RFC 2865 5.2 says; sanity-check the round trip.
    if not (req.PwDecrypt(cipher).encode() == password):
        raise AssertionError('check failed: req.PwDecrypt(cipher).encode() == password')
    return cipher


def mppe_encrypt(secret, authenticator, salt, key):
    """RFC 2548 2.4.2, from the RFC text."""
    if not (salt[0] & 0x80):
        raise AssertionError('check failed: salt[0] & 0x80')
    plain = bytes([len(key)]) + key
    plain += b"\x00" * (-len(plain) % 16)
    out = bytearray(salt)
    prev = authenticator + salt
    for i in range(0, len(plain), 16):
        b = hashlib.md5(secret + prev).digest()
        block = bytes(p ^ k for p, k in zip(plain[i:i + 16], b))
        out += block
        prev = block
    return bytes(out)


def rfc3079_keys():
    password_hash = md4(RFC_PASSWORD.encode("utf-16-le"))
    hash_hash = md4(password_hash)
    master = hashlib.sha1(hash_hash + RFC_NT_RESPONSE + MAGIC_MASTER).digest()[:16]

    def start_key(is_send, is_server):
        s = MAGIC3 if is_send == is_server else MAGIC2
        return hashlib.sha1(master + b"\x00" * 40 + s + b"\xf2" * 40).digest()[:16]

    return master, start_key(True, True), start_key(False, True)


def c_hex(b):
    return '"' + b.hex() + '"'


def render():
    lines = [
        "// Generated by tests/aaa/auth/gen_auth_vectors.py: do not edit; run the script to change it.",
        "// The outputs come from pyrad 2.1, Python hashlib and the OpenSSL command line (see the script).",
        "#pragma once",
        "",
        "namespace aaa::auth::vectors {",
        "",
        f"inline constexpr const char* kSecret = \"{SECRET.decode()}\";",
        f"inline constexpr const char* kLongSecret = \"{LONG_SECRET.decode()}\";",
        f"inline constexpr const char* kRequestAuthenticatorHex = {c_hex(REQUEST_AUTHENTICATOR)};",
        "",
        "// RFC 2865 5.2 User-Password, encrypted by pyrad PwCrypt() with kRequestAuthenticatorHex.",
        "struct PapVector {",
        "  const char* secret;",
        "  const char* passwordHex;",
        "  const char* cipherHex;",
        "};",
        "inline constexpr PapVector kPap[] = {",
    ]
    for secret, password in PAP_CASES:
        lines.append(f"    {{\"{secret.decode()}\", {c_hex(password)},")
        lines.append(f"     {c_hex(pap_cipher(secret, password))}}},")
    lines += [
        "};",
        "",
        "// RFC 1994 4.1 CHAP responses, by hashlib MD5.",
        "struct ChapVector {",
        "  unsigned ident;",
        "  const char* passwordHex;",
        "  const char* challengeHex;",
        "  const char* responseHex;",
        "};",
        "inline constexpr ChapVector kChap[] = {",
    ]
    for ident, password, challenge in CHAP_CASES:
        response = hashlib.md5(bytes([ident]) + password + challenge).digest()
        lines.append(f"    {{0x{ident:02X}, {c_hex(password)}, {c_hex(challenge)},")
        lines.append(f"     {c_hex(response)}}},")
    lines += [
        "};",
        "",
        "// RFC 2759 8.3 NtPasswordHash: Python UTF-16LE + OpenSSL MD4. Passwords as UTF-8 hex.",
        "struct NtHashVector {",
        "  const char* passwordUtf8Hex;",
        "  const char* ntHashHex;",
        "};",
        "inline constexpr NtHashVector kNtHash[] = {",
    ]
    for password in NT_CASES:
        lines.append(f"    {{{c_hex(password.encode('utf-8'))}, {c_hex(md4(password.encode('utf-16-le')))}}},")
    lines += [
        "};",
        "",
        "// RFC 2548 2.4.2 MS-MPPE-*-Key values (salt + encrypted String), secret kSecret,",
        "// Request Authenticator kRequestAuthenticatorHex; written from the RFC with hashlib MD5.",
        "struct MppeVector {",
        "  const char* keyHex;",
        "  const char* saltHex;",
        "  const char* valueHex;",
        "};",
        "inline constexpr MppeVector kMppe[] = {",
    ]
    for key, salt in MPPE_CASES:
        lines.append(f"    {{{c_hex(key)}, {c_hex(salt)},")
        lines.append(f"     {c_hex(mppe_encrypt(SECRET, REQUEST_AUTHENTICATOR, salt, key))}}},")
    master, send, recv = rfc3079_keys()
    lines += [
        "};",
        "",
        "// RFC 3079 3.4 keys for the RFC 3079 3.5.3 / RFC 2759 9.2 inputs, by hashlib SHA-1 + OpenSSL MD4.",
        f"inline constexpr const char* kRfc3079MasterKeyHex = {c_hex(master)};",
        f"inline constexpr const char* kRfc3079ServerSendKeyHex = {c_hex(send)};",
        f"inline constexpr const char* kRfc3079ServerRecvKeyHex = {c_hex(recv)};",
        "",
        "}  // namespace aaa::auth::vectors",
        "",
    ]
    return "\n".join(lines)


def main():
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--check", action="store_true", help="compare with the committed header instead of writing")
    ap.add_argument("--out", default=OUT)
    args = ap.parse_args()
    text = render()
    if args.check:
        with open(args.out, encoding="utf-8") as f:
            committed = f.read()
        if committed != text:
            print(f"{args.out} differs from what the generator produces now", file=sys.stderr)
            return 1
        print(f"{args.out}: matches pyrad/hashlib/openssl output")
        return 0
    with open(args.out, "w", encoding="utf-8") as f:
        f.write(text)
    print(f"wrote {args.out}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
