#!/usr/bin/python3
"""Golden RADIUS vectors built by an independent implementation: pyrad 2.1 (Debian python3-pyrad).

Writes, next to this script (or into --out-dir):
  access_request_pyrad.hex  Access-Request, fixed Identifier and Request Authenticator, with
                            Message-Authenticator (first), User-Name, User-Password (encrypted by
                            pyrad, RFC 2865 section 5.2), NAS-IP-Address, NAS-Port,
                            Calling-Station-Id, NAS-Port-Type and two vendor attributes
                            (Mikrotik-Host-IP, WISPr-Location-Name).
  access_accept_pyrad.hex   Access-Accept answering it: Message-Authenticator (first),
                            Session-Timeout, Framed-IP-Address, Reply-Message,
                            Mikrotik-Rate-Limit, WISPr-Bandwidth-Max-Down; Response Authenticator
                            computed by pyrad from the request's authenticator.
Shared secret "testing123". Each file is one line of lowercase hex.

pyrad 2.1 knows nothing of Message-Authenticator, so this script computes it (RFC 3579 section 3.2):
HMAC-MD5 keyed with the secret over the whole packet with the attribute's value set to 16 zero
octets, and the Authenticator field holding the Request Authenticator (for the Accept: the
request's, and the Response Authenticator is computed afterwards over the packet including the
Message-Authenticator's final value).

--check regenerates in memory and compares with the committed files (exit 1 on any difference):
the CTest aaa_vectors_pyrad runs that, so the committed files are provably pyrad's output.

The decoded values asserted by tests/aaa/radius_codec_test.cpp are the constants below; change both
together.
"""
import argparse
import hashlib
import hmac
import os
import struct
import sys

from pyrad import packet
from pyrad.dictionary import Dictionary

HERE = os.path.dirname(os.path.abspath(__file__))
SECRET = b"testing123"
REQUEST_ID = 0x2A
REQUEST_AUTHENTICATOR = bytes.fromhex("0f1e2d3c4b5a69788796a5b4c3d2e1f0")
MA_PLACEHOLDER = b"\x00" * 16


def message_authenticator(raw, authenticator_field):
    """RFC 3579 section 3.2: HMAC-MD5(secret, packet with MA value zeroed, given Authenticator)."""
    buf = bytearray(raw)
    buf[4:20] = authenticator_field
    pos = 20
    found = None
    while pos < len(buf):
        attr_type, attr_len = buf[pos], buf[pos + 1]
        if attr_type == 80:
            if not (attr_len == 18 and found is None):
                raise AssertionError('check failed: attr_len == 18 and found is None')
            found = pos
        pos += attr_len
    if not (found is not None):
        raise AssertionError("no Message-Authenticator in the packet")
    buf[found + 2:found + 18] = MA_PLACEHOLDER
    mac = hmac.new(SECRET, bytes(buf), hashlib.md5).digest()
    out = bytearray(raw)
    out[found + 2:found + 18] = mac
    return bytes(out)


def build_request(dictionary):
    req = packet.AuthPacket(code=packet.AccessRequest, id=REQUEST_ID, secret=SECRET,
                            authenticator=REQUEST_AUTHENTICATOR, dict=dictionary)
    # pyrad encodes attributes in insertion order (one dict entry per attribute name).
    req["Message-Authenticator"] = MA_PLACEHOLDER
    req["User-Name"] = "alice"
    req["User-Password"] = req.PwCrypt("correct horse battery staple")
    req["NAS-IP-Address"] = "192.0.2.10"
    req["NAS-Port"] = 12345
    req["Calling-Station-Id"] = "AA-BB-CC-DD-EE-FF"
    req["NAS-Port-Type"] = 19  # Wireless-802.11
    req["Mikrotik-Host-IP"] = "10.20.30.40"
    req["WISPr-Location-Name"] = "POP-1,Main Street"
    raw = req.RequestPacket()
    # Access-Request: the HMAC covers the packet with its own Request Authenticator.
    return req, message_authenticator(raw, REQUEST_AUTHENTICATOR)


def build_accept(dictionary, req):
    rep = req.CreateReply()  # same id and secret, authenticator = the request's
    rep.code = packet.AccessAccept
    rep["Message-Authenticator"] = MA_PLACEHOLDER
    rep["Session-Timeout"] = 3600
    rep["Framed-IP-Address"] = "100.64.0.17"
    rep["Reply-Message"] = "Welcome, alice"
    rep["Mikrotik-Rate-Limit"] = "10M/20M"
    rep["WISPr-Bandwidth-Max-Down"] = 20000000
    # Two steps (RFC 3579 section 3.2, RFC 2865 section 3): the HMAC with the request's
    # authenticator in the header, then pyrad's Response Authenticator over the final bytes.
    attrs = rep._PktEncodeAttributes()
    header = struct.pack("!BBH", rep.code, rep.id, 20 + len(attrs))
    unsigned = header + REQUEST_AUTHENTICATOR + attrs
    signed_attrs = message_authenticator(unsigned, REQUEST_AUTHENTICATOR)[20:]
    # Put the signed attributes back so that pyrad itself computes the Response Authenticator.
    rep.clear()
    pos = 0
    while pos < len(signed_attrs):
        attr_type, attr_len = signed_attrs[pos], signed_attrs[pos + 1]
        value = bytes(signed_attrs[pos + 2:pos + attr_len])
        if attr_type == 26:
            vendor, vtype, _vlen = struct.unpack("!IBB", value[:6])
            rep.setdefault((vendor, vtype), []).append(value[6:])
        else:
            rep.setdefault(attr_type, []).append(value)
        pos += attr_len
    raw = rep.ReplyPacket()
    if not (raw[20:] == signed_attrs):
        raise AssertionError("pyrad re-ordered the reply attributes")
    if not (req.VerifyReply(rep, raw)):
        raise AssertionError("pyrad does not accept its own reply")
    return raw


def main():
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--out-dir", default=HERE)
    ap.add_argument("--check", action="store_true",
                    help="compare with the committed files instead of writing")
    args = ap.parse_args()

    dictionary = Dictionary(os.path.join(HERE, "dictionary.pyrad"))
    req, request_raw = build_request(dictionary)
    accept_raw = build_accept(dictionary, req)
    outputs = {
        "access_request_pyrad.hex": request_raw.hex() + "\n",
        "access_accept_pyrad.hex": accept_raw.hex() + "\n",
    }

    if args.check:
        failed = False
        for name, text in outputs.items():
            path = os.path.join(HERE, name)
            with open(path) as f:
                committed = f.read()
            if committed != text:
                print(f"MISMATCH {path}\n  committed: {committed.strip()}\n  pyrad:     {text.strip()}")
                failed = True
            else:
                print(f"ok {path} is pyrad's output")
        return 1 if failed else 0

    os.makedirs(args.out_dir, exist_ok=True)
    for name, text in outputs.items():
        with open(os.path.join(args.out_dir, name), "w") as f:
            f.write(text)
        print(f"wrote {os.path.join(args.out_dir, name)}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
