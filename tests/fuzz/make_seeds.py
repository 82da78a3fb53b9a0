#!/usr/bin/python3
"""Writes the seed corpora of the libFuzzer harnesses: tests/fuzz/corpus/<target>/seed-*.

Seeds come from what the repository already trusts: the golden vectors (tests/vectors, pyrad's
output), the RFC and independent-implementation vectors of tests/aaa/auth/auth_vectors.h, datagrams
captured from radclient (freeradius-utils) here and now, the example configs, and inputs spelled
like the unit tests spell them. Each target's input layout is described in its harness
(tests/fuzz/<target>_fuzz.cpp); the functions below follow it.

Only seed-* files are rewritten; regression-* (a crash or a failed property that was fixed) and
found-* (inputs the fuzzer found and we keep for their coverage) stay. radclient picks a random
Request Authenticator, so its captures differ on each run: regenerate only when a layout changes.

  tests/fuzz/make_seeds.py                 every target
  tests/fuzz/make_seeds.py radius_wire     one target
"""
import hashlib
import hmac
import os
import re
import socket
import struct
import subprocess
import sys
import tempfile

HERE = os.path.dirname(os.path.abspath(__file__))
ROOT = os.path.dirname(os.path.dirname(HERE))
SECRET = b"testing123"


def vector(name):
    with open(os.path.join(ROOT, "tests", "vectors", name)) as f:
        return bytes.fromhex(f.read().strip())


# ---- RADIUS by hand (RFC 2865 section 3 and 5) -------------------------------------------------

def attr(t, value):
    if isinstance(value, str):
        value = value.encode()
    return bytes([t, 2 + len(value)]) + value


def u32(t, n):
    return attr(t, struct.pack(">I", n))


def vsa(vendor, t, value):
    if isinstance(value, str):
        value = value.encode()
    return attr(26, struct.pack(">I", vendor) + bytes([t, 2 + len(value)]) + value)


MA = attr(80, bytes(16))


def packet(code, ident, authenticator, attrs):
    body = b"".join(attrs)
    return bytes([code, ident]) + struct.pack(">H", 20 + len(body)) + authenticator + body


def sign_ma(raw, auth_field, secret=SECRET):
    """RFC 3579 3.2: HMAC-MD5 over the packet, MA value zeroed, `auth_field` as Authenticator."""
    buf = bytearray(raw)
    original = bytes(buf[4:20])
    buf[4:20] = auth_field
    pos, at = 20, None
    while pos < len(buf):
        if buf[pos] == 80 and at is None:
            at = pos + 2
            buf[at:at + 16] = bytes(16)
        pos += buf[pos + 1]
    if at is None:
        return raw
    mac = hmac.new(secret, bytes(buf), hashlib.md5).digest()
    buf[4:20] = original
    buf[at:at + 16] = mac
    return bytes(buf)


def request_authenticated(raw, secret=SECRET):
    """Accounting/CoA/Disconnect request: MA with zeros, then MD5 Request Authenticator."""
    raw = sign_ma(raw[:4] + bytes(16) + raw[20:], bytes(16), secret)
    return raw[:4] + hashlib.md5(raw[:4] + bytes(16) + raw[20:] + secret).digest() + raw[20:]


def reply_authenticated(raw, request_auth, secret=SECRET):
    """A reply: MA with the request's authenticator, then the Response Authenticator."""
    raw = sign_ma(raw, request_auth, secret)
    return raw[:4] + hashlib.md5(raw[:4] + request_auth + raw[20:] + secret).digest() + raw[20:]


def user_password(password, request_auth, secret=SECRET):
    p = password + bytes(-len(password) % 16 or (16 if not password else 0))
    out, prev = b"", request_auth
    for i in range(0, len(p), 16):
        b = hashlib.md5(secret + prev).digest()
        c = bytes(x ^ y for x, y in zip(p[i:i + 16], b))
        out += c
        prev = c
    return out


def radclient_capture(kind, attributes):
    """One datagram radclient sends for `kind` (auth, acct, status, coa, disconnect)."""
    sock = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
    sock.bind(("127.0.0.1", 0))
    sock.settimeout(10)
    with tempfile.NamedTemporaryFile("w", suffix=".txt") as f:
        f.write("\n".join(attributes) + "\n")
        f.flush()
        proc = subprocess.Popen(["radclient", "-r", "1", "-t", "1", "-f", f.name,
                                 f"127.0.0.1:{sock.getsockname()[1]}", kind, SECRET.decode()],
                                stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
        try:
            data, _ = sock.recvfrom(4096)
        finally:
            proc.kill()
            proc.wait()
            sock.close()
    return data


AUTH_A = bytes.fromhex("0f1e2d3c4b5a69788796a5b4c3d2e1f0")  # the golden vectors' authenticator
RFC2759_AUTH_CHALLENGE = bytes.fromhex("5B5D7C7D7B3F2F3E3C2C602132262628")
RFC2759_PEER_CHALLENGE = bytes.fromhex("21402324255E262A28295F2B3A337C7E")
RFC2759_NT_RESPONSE = bytes.fromhex("82309ECD8D708B5EA08FAA3981CD83544233114A3D85D6DF")


def radius_requests():
    """(label, code, datagram) of requests: golden, radclient captures, hand-built."""
    out = [("golden-access-request", 1, vector("access_request_pyrad.hex"))]
    captures = [
        ("radclient-pap", "auth", ['User-Name = "alice"', 'User-Password = "s3cret"', "Message-Authenticator = 0x00"]),
        ("radclient-chap", "auth", ['User-Name = "bob"', 'CHAP-Password = "s3cret"', "Message-Authenticator = 0x00",
                                    'Calling-Station-Id = "AA-BB-CC-DD-EE-FF"', 'NAS-Identifier = "nas1"']),
        ("radclient-acct-start", "acct", ['User-Name = "alice"', "Acct-Status-Type = Start",
                                          'Acct-Session-Id = "s-1"', "NAS-Port = 7", "Framed-IP-Address = 10.0.0.9"]),
        ("radclient-acct-stop", "acct", ['User-Name = "alice"', "Acct-Status-Type = Stop", 'Acct-Session-Id = "s-1"',
                                         "Acct-Input-Octets = 4000000000", "Acct-Input-Gigawords = 2",
                                         "Acct-Output-Octets = 123", "Acct-Session-Time = 3600",
                                         "Acct-Terminate-Cause = User-Request", "Event-Timestamp = 1700000000"]),
        ("radclient-status", "status", ["Message-Authenticator = 0x00"]),
        ("radclient-disconnect", "disconnect", ['User-Name = "alice"', 'Acct-Session-Id = "s-1"',
                                                "Message-Authenticator = 0x00"]),
        ("radclient-coa", "coa", ['User-Name = "alice"', 'Mikrotik-Rate-Limit = "5M/5M"',
                                  "Message-Authenticator = 0x00"]),
    ]
    for label, kind, attributes in captures:
        raw = radclient_capture(kind, attributes)
        out.append((label, raw[0], raw))
    # MS-CHAPv2 with the RFC 2759 9.2 values (User-Name "User").
    mschap = packet(1, 7, AUTH_A, [MA, attr(1, "User"), vsa(311, 11, RFC2759_AUTH_CHALLENGE),
                                   vsa(311, 25, bytes([1, 0]) + RFC2759_PEER_CHALLENGE + bytes(8) + RFC2759_NT_RESPONSE)])
    out.append(("mschapv2", 1, sign_ma(mschap, AUTH_A)))
    # Proxy-States to relay, a MAC-shaped user, an unknown vendor.
    proxied = packet(1, 8, AUTH_A, [MA, attr(1, "25:47:12:34:56:78"), attr(2, user_password(b"", AUTH_A)),
                                    attr(33, "hop1"), attr(33, "hop2"), attr(31, "25-47-12-34-56-78"),
                                    vsa(429, 1, b"\x00\x00\x00\x01usr"), attr(32, "nas-x")])
    out.append(("proxy-state-mac", 1, sign_ma(proxied, AUTH_A)))
    acct = packet(4, 9, bytes(16), [u32(40, 3), attr(44, "s-2"), attr(1, "carol"), u32(42, 17), u32(52, 1),
                                    u32(43, 99), u32(53, 0), u32(47, 10), u32(48, 20), u32(46, 60), u32(41, 2),
                                    u32(8, 0x0a000002), attr(87, "ether1"), attr(31, "aa:bb:cc:dd:ee:01")])
    out.append(("acct-interim-gigawords", 4, request_authenticated(acct)))
    return out


def radius_replies():
    """(label, request authenticator, datagram) of replies."""
    req = vector("access_request_pyrad.hex")
    out = [("golden-access-accept", req[4:20], vector("access_accept_pyrad.hex"))]
    reject = packet(3, 0x2A, bytes(16), [MA, attr(18, "Login incorrect")])
    out.append(("access-reject", AUTH_A, reply_authenticated(reject, AUTH_A)))
    challenge = packet(11, 3, bytes(16), [MA, attr(24, "state-1"), attr(18, "Enter the code")])
    out.append(("access-challenge", AUTH_A, reply_authenticated(challenge, AUTH_A)))
    acct_resp = packet(5, 9, bytes(16), [])
    out.append(("accounting-response", AUTH_A, reply_authenticated(acct_resp, AUTH_A)))
    for code, name, extra in [(41, "disconnect-ack", []), (42, "disconnect-nak", [u32(101, 503)]),
                              (44, "coa-ack", [u32(55, 1700000000)]), (45, "coa-nak", [u32(101, 404), attr(18, "x")]),
                              (41, "disconnect-ack-residual", [u32(101, 201)])]:
        raw = packet(code, 5, bytes(16), [MA] + extra)
        out.append((name, AUTH_A, reply_authenticated(raw, AUTH_A)))
        if code in (42, 45):  # without Message-Authenticator, as many NASes answer
            raw = packet(code, 6, bytes(16), extra)
            out.append((name + "-no-ma", AUTH_A, reply_authenticated(raw, AUTH_A)))
    return out


# ---- libFuzzer's FuzzedDataProvider, backwards ----------------------------------------------------

class Fdp:
    """Builds an input that FuzzedDataProvider (clang 14) reads back as the given values, in the
    order the harness consumes them: byte strings from the front, integers from the back."""

    def __init__(self):
        self.front = bytearray()
        self.back = bytearray()  # in consumption order; the input holds it reversed

    def int_in_range(self, lo, hi, value, size=8):
        rng = hi - lo
        k = 0
        while k < size and (rng >> (8 * k)) > 0:
            k += 1
        r = value - lo
        self.back += r.to_bytes(k, "big") if k else b""
        return self

    def u8(self, value):
        return self.int_in_range(0, 255, value, 1)

    def boolean(self, value):
        return self.u8(1 if value else 0)

    def data(self, raw):
        self.front += raw
        return self

    def sized(self, raw, max_len):
        """ConsumeIntegralInRange<size_t>(0, max_len) then ConsumeBytesAsString of that many."""
        raw = raw[:max_len]
        self.int_in_range(0, max_len, len(raw))
        self.front += raw
        return self

    def random_length_string(self, raw):
        self.front += raw.replace(b"\\", b"\\\\") + b"\\x"
        return self

    def build(self, prefix=b""):
        return bytes(prefix) + bytes(self.front) + bytes(reversed(self.back))


def auth_vectors():
    """The vector tables of tests/aaa/auth/auth_vectors.h as lists of string tuples."""
    with open(os.path.join(ROOT, "tests", "aaa", "auth", "auth_vectors.h")) as f:
        text = f.read()
    tables = {}
    for name, body in re.findall(r"inline constexpr \w+ (k\w+)\[\] = \{(.*?)\n\};", text, re.S):
        rows = re.findall(r"\{([^{}]*)\}", body)
        tables[name] = [re.findall(r'"([^"]*)"|(0x[0-9A-Fa-f]+)', r) for r in rows]
        tables[name] = [[a or b for a, b in row] for row in tables[name]]
    return tables


# ---- targets ------------------------------------------------------------------------------------

def seeds_radius_wire():
    """radius_wire: flags (bit 0 accounting, bit 1 sign, bit 2 wrong secret) + datagram."""
    out = {}
    for label, code, raw in radius_requests():
        if code in (1, 12):  # Access-Request, Status-Server: both go through parseAccessRequest
            out[label] = b"\x00" + raw
            out[label + "-resign"] = b"\x02" + raw
        elif code == 4:
            out[label] = b"\x01" + raw
            out[label + "-wrong-secret"] = b"\x05" + raw
    return out


def seeds_radius_codec():
    """radius_codec: flags (bits 0-1 role: request, reply, reply to Status-Server; bit 2 sign;
    bit 3 wrong secret) + the request's authenticator (16) + datagram."""
    out = {}
    for label, code, raw in radius_requests():
        out[label] = b"\x00" + bytes(16) + raw
        out[label + "-resign"] = b"\x04" + bytes(16) + raw
    for label, request_auth, raw in radius_replies():
        out[label] = b"\x01" + request_auth + raw
        out[label + "-wrong-secret"] = b"\x0d" + request_auth + raw
    status_accept = packet(2, 1, bytes(16), [MA, attr(18, "edged is alive")])
    out["status-server-accept"] = b"\x02" + AUTH_A + reply_authenticated(status_accept, AUTH_A)
    tunnel = packet(2, 4, bytes(16), [MA, attr(64, b"\x01\x00\x00\x0d"), attr(69, b"\x01\x80\x01" + bytes(16)),
                                     vsa(311, 16, b"\x80\x01" + bytes(32)), vsa(14988, 8, "10M/10M")])
    out["accept-tunnel-mppe"] = b"\x05" + AUTH_A + tunnel
    return out


def seeds_dynauth_reply():
    """dynauth_reply: flags (bit 0 sign, bit 1 wrong secret, bit 2 CoA, bit 3 Message-Authenticator
    required) + our request's authenticator (16) + the NAS's reply."""
    out = {}
    for label, request_auth, raw in radius_replies():
        if raw[0] not in (41, 42, 44, 45):
            continue
        coa = 4 if raw[0] in (44, 45) else 0
        out[label] = bytes([coa]) + request_auth + raw
        out[label + "-required"] = bytes([coa | 8]) + request_auth + raw
        out[label + "-wrong-secret"] = bytes([coa | 3]) + request_auth + raw
    return out


def seeds_shadow_answer():
    """shadow_answer: flags (bit 0 sign, bit 1 wrong secret, bit 2 another identifier) + our
    request's authenticator (16) + the server's answer; the shadow check's Accepts as FreeRADIUS and
    edged send them (MikroTik and WISPr rates, timers, address), Rejects and Challenges."""
    out = {}
    answers = [(label, auth, raw) for label, auth, raw in radius_replies() if raw[0] in (2, 3, 11)]
    mikrotik = packet(2, 7, bytes(16), [MA, vsa(14988, 8, "10M/20M 40M/40M 15M/15M 10/10"), u32(27, 3600),
                                        u32(28, 600), u32(85, 300), attr(8, bytes([10, 0, 0, 9])), attr(18, "hi")])
    answers.append(("accept-mikrotik", AUTH_A, reply_authenticated(mikrotik, AUTH_A)))
    wispr = packet(2, 8, bytes(16), [vsa(14122, 8, struct.pack(">I", 8000000)), vsa(14122, 7, struct.pack(">I", 2000000))])
    answers.append(("accept-wispr-no-ma", AUTH_A, reply_authenticated(wispr, AUTH_A)))
    for label, request_auth, raw in answers:
        out[label] = bytes([0]) + request_auth + raw
        out[label + "-resign"] = bytes([1]) + request_auth + raw
        out[label + "-wrong-secret"] = bytes([3]) + request_auth + raw
        out[label + "-other-id"] = bytes([4]) + request_auth + raw
    return out


def seeds_auth_methods():
    """auth_methods: method octet (0 PAP, 1 CHAP, 2 MS-CHAPv2, 3 MPPE, 4 MAC, 5 UTF-8) + the
    FuzzedDataProvider stream the method reads."""
    v = auth_vectors()
    out = {}
    for i, (secret, password, cipher) in enumerate(v["kPap"]):
        f = Fdp().sized(secret.encode(), 64).sized(bytes.fromhex(password), 140).data(AUTH_A)
        f.sized(bytes.fromhex(cipher), 140).boolean(True).boolean(True)
        out[f"pap-pyrad-{i}"] = f.build(b"\x00")
    for i, (ident, password, challenge, _response) in enumerate(v["kChap"]):
        f = Fdp().u8(int(ident, 16)).sized(bytes.fromhex(password), 130).sized(bytes.fromhex(challenge), 64)
        f.int_in_range(0, 15, i).int_in_range(0, 254, 0).boolean(False)
        out[f"chap-{i}"] = f.build(b"\x01")
    response = bytes([1, 0]) + RFC2759_PEER_CHALLENGE + bytes(8) + RFC2759_NT_RESPONSE
    for label, user in [("rfc2759", b"User"), ("domain", b"EXAMPLE\\User")]:
        f = Fdp().sized(b"clientPass", 64).sized(user, 40).data(RFC2759_AUTH_CHALLENGE).data(RFC2759_PEER_CHALLENGE)
        f.u8(1).int_in_range(0, 23, 3).int_in_range(0, 254, 0).int_in_range(0, 15, 0)
        f.sized(response, 60).sized(RFC2759_AUTH_CHALLENGE, 20)
        out[f"mschapv2-{label}"] = f.build(b"\x02")
    for i, (key, salt, value) in enumerate(v["kMppe"]):
        f = Fdp().sized(SECRET, 40).sized(bytes.fromhex(key), 250).data(AUTH_A).data(bytes.fromhex(salt))
        f.sized(bytes.fromhex(value), 260).int_in_range(0, 300, 64)
        out[f"mppe-rfc2548-{i}"] = f.build(b"\x03")
    for i, text in enumerate([b"aa:bb:cc:dd:ee:ff", b"AA-BB-CC-DD-EE-FF", b"aabb.ccdd.eeff", b"AABB-CCDD-EEFF",
                              b"aabbccddeeff", b"25:47:12:34:56:78", b"254712345678", b"aa:bb:cc:dd:ee:ff:SSID"]):
        out[f"mac-{i}"] = Fdp().random_length_string(text).build(b"\x04")
    for i, (password, _hash) in enumerate(v["kNtHash"][:9]):
        f = Fdp().random_length_string(bytes.fromhex(password)).random_length_string(bytes.fromhex(password)[:3])
        out[f"utf8-{i}"] = f.build(b"\x05")
    for i, bad in enumerate([b"\xc0\xaf", b"\xed\xa0\x80", b"\xf4\x90\x80\x80", b"pass\x00word", b"\xe2\x82"]):
        out[f"utf8-invalid-{i}"] = Fdp().random_length_string(bad).build(b"\x05")
    return out


def seeds_sync_wire():
    """sync_wire: type octet (0..16 in sync_wire.h order, 17 claim token) + the body, as in
    tests/core/sync_wire_test.cpp."""
    import base64
    import json
    bodies = [
        {"secret": "s3cret", "csr": "-----BEGIN CERTIFICATE REQUEST-----", "hostname": "box-1", "version": "0.1.0"},
        {"device-id": "d-1", "tenant-id": "t-1", "tenant-name": "acme", "certificate": "CERT", "ca-certificate": "CA",
         "license": "LIC", "license-key": "KEY", "poll-interval": 30},
        {"csr": "CSR"},
        {"certificate": "CERT"},
        {"version": "0.1.0", "uptime": 12, "clock": 1795000000, "subscribers": 50, "sessions": 7, "backlog": 3,
         "license-id": "lic-1", "license-state": "valid", "cursor": 42, "health": {"disk": 80, "alerts": ["x"]}},
        {"id": 7, "kind": "disconnect", "arguments": {"user": "alice"}},
        {"poll-interval": 60, "server-time": 1795000000, "cursor": 44, "license": "DOC", "desired-version": "",
         "renew-certificate": True, "commands": [{"id": 7, "kind": "disconnect", "arguments": {"user": "alice"}}]},
        {"kind": "plan", "name": "home", "version": 8, "deleted": False, "spec": {"name": "home", "down": "10M"}},
        {"cursor": 9, "full": False, "more": True, "changes": [
            {"kind": "plan", "name": "home", "version": 8, "deleted": False, "spec": {"name": "home", "down": "10M"}},
            {"kind": "subscriber", "name": "bob", "version": 9, "deleted": True, "spec": {}}]},
        {"seq": 1, "at": 100, "session": "s1", "username": "alice", "input-octets": 5000000000, "output-octets": 7,
         "session-time": 60},
        {"id": 4, "session": "s1", "username": "alice", "nas": "bras", "started": 100, "stopped": 160,
         "input-octets": 5000000001, "output-octets": 9, "session-time": 60, "close-reason": "user-request"},
        {"idempotency-key": "usage:1-2", "rows": [
            {"seq": 1, "at": 100, "session": "s1", "username": "alice", "input-octets": 5000000000, "output-octets": 7,
             "session-time": 60},
            {"seq": 2, "at": 101, "session": "s1", "username": "alice", "input-octets": 1, "output-octets": 2,
             "session-time": 3}],
         "sessions": [{"id": 4, "session": "s1", "username": "alice", "nas": "bras", "started": 100, "stopped": 160,
                       "input-octets": 5000000001, "output-octets": 9, "session-time": 60,
                       "close-reason": "user-request"}]},
        {"watermark": 2, "session-watermark": 4, "accepted": 2, "duplicates": 0},
        {"seq": 1, "at": 100, "kind": "subscriber-added", "data": {"username": "bob"}},
        {"events": [{"seq": 1, "at": 100, "kind": "subscriber-added", "data": {"username": "bob"}}]},
        {"watermark": 1},
        {"id": 7, "ok": True, "text": "1 session disconnected"},
    ]
    out = {}
    for i, body in enumerate(bodies):
        out[f"type-{i:02d}"] = bytes([i]) + json.dumps(body).encode()
    out["type-04-nested"] = bytes([4]) + json.dumps({**bodies[4], "health": {"a": [[[[{"b": [1, 2.5, None]}]]]]}}).encode()
    # A check-in with the box's open sessions by NAS (ADR 0074).
    out["type-04-live"] = bytes([4]) + json.dumps({**bodies[4], "live": [
        {"nas": "bras", "users": ["alice", "bob"]}, {"nas": "hotspot", "users": ["carol"]}], "live-omitted": 2}).encode()
    out["type-05-unicode"] = bytes([5]) + b'{"id": 1, "kind": "disconnect", "arguments": {"user": "\\u00e4\\ud83d\\ude00"}}'
    for i, token in enumerate([{"url": "https://mgmt.example:8443", "ca": "a" * 64, "secret": "0123456789abcdef"},
                               {"url": "https://[2001:db8::1]:8443", "ca": "0f" * 32, "secret": "s"}]):
        text = "edge1." + base64.urlsafe_b64encode(json.dumps(token, separators=(",", ":")).encode()).decode().rstrip("=")
        out[f"claim-token-{i}"] = bytes([17]) + text.encode() + b"\n"
    return out


def heredocs(path, marker):
    """The bodies of `cat >"...NAME" <<JSON ... JSON` in a shell script, variables filled in."""
    with open(os.path.join(ROOT, path)) as f:
        text = f.read()
    out = []
    for body in re.findall(r'cat >"[^"]*' + re.escape(marker) + r'" <<JSON\n(.*?)\nJSON\n', text, re.S):
        body = re.sub(r"\$\{?([A-Z_]*PORT)\}?", "18000", body)
        body = re.sub(r"\$GW_JSON", "", body)
        body = re.sub(r"\$\{?[A-Z_]+\}?", "/tmp/demo", body)
        out.append(body.encode())
    return out


def seeds_config():
    """config: selector (0 edged.json, 1 mgmtd.json, 2 trap receiver, 3 "LAN\\nRANGE") + text."""
    out = {}
    for i, body in enumerate(heredocs("scripts/demo", "edged.json")):
        out[f"edged-demo-{i}"] = b"\x00" + body
    for i, body in enumerate(heredocs("scripts/demo", "mgmtd.json")):
        out[f"mgmtd-demo-{i}"] = b"\x01" + body
    with open(os.path.join(ROOT, "docs", "operator-guide.md")) as f:
        for i, block in enumerate(re.findall(r"```json\n(.*?)```", f.read(), re.S)):
            out[f"edged-guide-{i}"] = b"\x00" + block.encode()
    with open(os.path.join(ROOT, "tests", "edge", "edge_config_test.cpp")) as f:
        for i, raw in enumerate(re.findall(r'R"\((.*?)\)"', f.read(), re.S)[:12]):
            out[f"edged-unit-{i}"] = b"\x00" + raw.encode()
    gateway = b"""{ "gateway": { "enabled": true, "lan-interface": "lan0", "lan-address": "10.10.0.1/24",
      "dhcp-range": "10.10.0.100-10.10.0.250", "wan-interface": "wan0", "walled-garden": ["192.0.2.0/24", "example.com"],
      "signup-plans": ["day"], "click-through-plan": "free", "portal-color": "#0b6e4f" },
      "snmp": { "trap-receivers": ["192.0.2.9", "192.0.2.9:1162", "[2001:db8::9]:162"] } }"""
    out["edged-gateway"] = b"\x00" + gateway
    for i, t in enumerate([b"192.0.2.9", b"192.0.2.9:1162", b"[2001:db8::9]:162", b"[::1]", b"2001:db8::9"]):
        out[f"trap-{i}"] = b"\x02" + t
    for i, t in enumerate([b"10.10.0.1/24\n10.10.0.100-10.10.0.250", b"10.10.0.1/24\n", b"172.16.5.1/16\n172.16.200.1-172.16.255.254",
                           b"192.168.1.254/30\n"]):
        out[f"lan-{i}"] = b"\x03" + t
    return out


def seeds_control_command():
    """control_command: a request as it arrives on the control socket (JSON with comments, then a
    newline), spelled as edgectl and the unit tests send them."""
    reqs = [
        '{"command": "list-commands"}',
        '{"command": "subscriber-add", "arguments": {"user": "alice", "plan": "home", "days": "30", '
        '"count": 2, "port": "1812", "enabled": "yes", "down": "10M", "quota": "5GB", "mac": ["aa:bb:cc:dd:ee:ff"], '
        '"note": "paid cash"}}',
        '{"command": "subscriber-add", "arguments": {"user": "bob", "days": -7, "enabled": false, "down": 512000, '
        '"quota": "2GiB", "mac": "AA-BB-CC-DD-EE-01", "note": 42}}',
        '// from a script\n{"command": "session-disconnect", /* who */ "arguments": {"user": "carol"}}',
        '{"command": "subscriber-add", "arguments": {"user": "d", "days": 18446744073709551615}}',
        '{"command": "subscriber-add", "arguments": {"user": "e", "typo": 1}}',
        '{"command": "fails"}',
        '{"command": "nope", "arguments": {}}',
        '{"command": 7}',
        '[1, 2, 3]',
        '{"command": "subscriber-add", "arguments": [1]}',
        '{"command": "subscriber-add", "command": "fails"}',
    ]
    return {f"request-{i:02d}": (r + "\n").encode() for i, r in enumerate(reqs)}


def fuzz_key(name):
    """A PEM from tests/fuzz/fuzz_keys.h (the fixed test keys the harnesses trust)."""
    with open(os.path.join(HERE, "fuzz_keys.h")) as f:
        text = f.read()
    body = re.search(r"inline constexpr const char\* " + name + r" =\n(.*?);\n", text, re.S).group(1)
    return "\n".join(re.findall(r'"(.*?)\\n"', body)) + "\n"


def openssl(args, data=None):
    return subprocess.run(["openssl"] + args, input=data, stdout=subprocess.PIPE, stderr=subprocess.DEVNULL,
                          check=True).stdout


def seeds_license():
    """license: selector (0 document, 1 license JSON, 2 license JSON to sign, 3 trusted key PEM) +
    text; documents signed with the fixed test key by the openssl CLI, as the header says anyone can."""
    import base64
    import json
    lic = {"id": "lic-1", "tenant": "t-1", "tier": "premium", "subscriber-cap": 500,
           "features": ["captive-portal", "snmp"], "issued-at": 1700000000, "not-before": 1700000000,
           "expires-at": 1800000000, "grace-days": 14}
    out = {"json-0": b"\x01" + json.dumps(lic).encode(),
           "json-1": b"\x01" + json.dumps({**lic, "subscriber-cap": 0, "features": [], "tier": "free"}).encode(),
           "sign-0": b"\x02" + json.dumps(lic).encode()}
    with tempfile.TemporaryDirectory() as tmp:
        key = os.path.join(tmp, "key.pem")
        with open(key, "w") as f:
            f.write(fuzz_key("kLicenseKeyPem"))
        for i, body in enumerate([lic, {**lic, "id": "lic-2", "features": ["vouchers", "api", "fair-use"]}]):
            payload = json.dumps(body).encode()
            signature = openssl(["dgst", "-sha256", "-sign", key], payload)
            doc = {"format": "edge-license-1", "license": base64.b64encode(payload).decode(),
                   "signature": base64.b64encode(signature).decode()}
            out[f"document-{i}"] = b"\x00" + json.dumps(doc, indent=1).encode()
        out["key-trusted"] = b"\x03" + fuzz_key("kLicensePublicKeyPem").encode()
        for curve in ["prime256v1", "secp256k1", "brainpoolP256r1"]:
            other = openssl(["ecparam", "-genkey", "-name", curve, "-noout"])
            out[f"key-other-{curve}"] = b"\x03" + openssl(["ec", "-pubout"], other)
    return out


def seeds_pki():
    """pki: selector (0 CSR, 1 certificate, 2 certificate to verify under the test CA, 3 base64,
    4 CertSpec fields) + text; CSRs and certificates made by the openssl CLI with the fixed keys."""
    out = {}
    with tempfile.TemporaryDirectory() as tmp:
        ca_key, dev_key = os.path.join(tmp, "ca.pem"), os.path.join(tmp, "dev.pem")
        with open(ca_key, "w") as f:
            f.write(fuzz_key("kCaKeyPem"))
        with open(dev_key, "w") as f:
            f.write(fuzz_key("kDeviceKeyPem"))
        ca = os.path.join(tmp, "ca.crt")
        openssl(["req", "-x509", "-new", "-key", ca_key, "-subj", "/CN=edge fuzz CA", "-days", "3650", "-sha256",
                 "-addext", "basicConstraints=critical,CA:TRUE", "-out", ca])
        csr = openssl(["req", "-new", "-key", dev_key, "-subj", "/CN=box-1/OU=t-1", "-sha256"])
        out["csr-box"] = b"\x00" + csr
        out["csr-commas"] = b"\x00" + openssl(["req", "-new", "-key", dev_key, "-subj", "/CN=a,b=c/OU=x\\+y", "-sha256"])
        csr_file = os.path.join(tmp, "box.csr")
        with open(csr_file, "wb") as f:
            f.write(csr)
        cert = openssl(["x509", "-req", "-in", csr_file, "-CA", ca, "-CAkey", ca_key, "-set_serial", "0x1f2e3d",
                        "-days", "3650", "-sha256"])
        out["cert-box"] = b"\x01" + cert
        out["cert-box-verify"] = b"\x02" + cert
        out["cert-box-der"] = b"\x01" + openssl(["x509", "-outform", "DER"], cert)
        with open(ca, "rb") as f:
            out["cert-ca"] = b"\x02" + f.read()
    out["base64-0"] = b"\x03" + b"aGVsbG8gd29ybGQ="
    out["base64-url"] = b"\x03" + b"eyJ1cmwiOiJodHRwczovL3gifQ"
    for i, (cn, ou, serial) in enumerate([(b"box-1", b"t-1", b""), (b"a,OU=evil", b"x=y+z", b"00ff"),
                                          (b"\xc3\xa4\xc3\xb6", b"", b"0102030405060708090a0b0c0d0e0f1011121314")]):
        out[f"spec-{i}"] = Fdp().random_length_string(cn).random_length_string(ou).random_length_string(serial).build(b"\x04")
    return out


def seeds_https_response():
    """https_response: flags (bit 0 HEAD), body limit selector (0, 1, 16, 1 KiB, 16 MiB), split seed,
    then a response as mgmtd (libmicrohttpd) or a proxy might send it."""
    body = b'{"poll-interval": 60, "server-time": 1795000000, "cursor": 44, "commands": []}'
    responses = {
        "length": b"HTTP/1.1 200 OK\r\nContent-Type: application/json\r\nContent-Length: %d\r\n\r\n" % len(body) + body,
        "chunked": b"HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\nX-A: 1\r\nX-A: 2\r\n\r\n"
                   b"10;ext=1\r\n" + body[:16] + b"\r\n" + b"%x\r\n" % (len(body) - 16) + body[16:] +
                   b"\r\n0\r\nTrailer: x\r\n\r\n",
        "continue": b"HTTP/1.1 100 Continue\r\n\r\nHTTP/1.1 201 Created\r\nContent-Length: 2\r\n\r\n{}",
        "no-content": b"HTTP/1.1 204 No Content\r\nContent-Length: 10\r\n\r\n",
        "until-close": b"HTTP/1.0 200 OK\r\nServer: x\r\n\r\n" + body,
        "gzip-then-close": b"HTTP/1.1 200 OK\r\nTransfer-Encoding: gzip\r\n\r\nabc",
        "error-json": b"HTTP/1.1 400 Bad Request\r\nContent-Type: application/json\r\nContent-Length: 31\r\n\r\n"
                      b'{"error": "the body is invalid"}',
        "duplicate-length": b"HTTP/1.1 200 OK\r\nContent-Length: 2\r\nContent-Length: 3\r\n\r\nabc",
        "folded": b"HTTP/1.1 200 OK\r\nX: a\r\n b\r\nContent-Length: 0\r\n\r\n",
    }
    out = {}
    for label, raw in responses.items():
        out[label] = bytes([0, 4, 7]) + raw
    out["head"] = bytes([1, 4, 3]) + responses["length"]
    out["small-limit"] = bytes([0, 2, 11]) + responses["chunked"]
    return out


def seeds_units():
    """units: selector (0 rate, 1 size, 2 duration, 3 "AMOUNT CURRENCY", 4 window, 5 fair-use tier,
    6 period, 7 numbers to format, 8 anchor, 9 FuzzedDataProvider bytes, newline, rules JSON) + text,
    spelled as core/units.h, billing/rating/rules.h and their unit tests spell them."""
    out = {}
    samples = {0: ["512k", "10M", "1.5G", "100", "10Mbps", "2.5kbit"], 1: ["500MB", "5GB", "2GiB", "1024", "1024B", "0.5TB"],
               2: ["90s", "45m", "10h", "30d", "2w"], 3: ["19.99 USD", "500 JPY", "1.250 BHD", "0.5 EUR"],
               4: ["00:00-06:00:uncounted", "22:00-06:00:20M/10M", "12:00-13:30:uncounted:5M/1M"],
               5: ["1GB:2M/1M", "2GB:block", "2GB:redirect"], 6: ["month", "week", "day", "30d"], 8: ["calendar", "subscriber"]}
    for sel, texts in samples.items():
        for i, t in enumerate(texts):
            out[f"{sel}-{i}"] = bytes([sel]) + t.encode()
    out["7-numbers"] = bytes([7]) + bytes(range(1, 40))
    rules = ('{"price": 1999, "currency": "USD", "period": "month", "period-anchor": "subscriber", "data-quota": 50000000000, '
             '"time-quota": 0, "validity": 2592000, "fup": ["1GB:2M/1M", "2GB:block"], "windows": ["00:00-06:00:uncounted"]}')
    out["9-rules"] = bytes([9]) + bytes(range(7, 60)) + b"\n" + rules.encode()
    out["9-rules-quota"] = bytes([9]) + bytes(range(100, 160)) + b"\n" + b'{"data-quota": 1000000, "time-quota": 3600, "period": "30d"}'
    return out


def seeds_policy_admin():
    """policy_admin: selector (0 plan, 1 subscriber, 2 NAS client) + the arguments as JSON, as
    edgectl/mgmtctl send them (every flag as text) and as the admin API does (numbers)."""
    import json
    plans = [
        {"name": "home", "down": "10M", "up": "5M"},
        {"name": "gold", "down": "50M", "up": "20M", "burst-down": "80M", "burst-up": "30M", "burst-threshold": "75",
         "burst-time": "10", "session-timeout": "86400", "idle-timeout": "600", "interim": "300", "max-sessions": "2",
         "ip-pool": "gold", "price": "19.99", "currency": "USD", "period": "month", "period-anchor": "subscriber",
         "data-quota": "50GB", "fup": ["1GB:2M/1M", "2GB:block"], "time-quota": "none", "validity": "30d",
         "window": ["00:00-06:00:uncounted", "22:00-23:00:20M/10M"]},
        {"name": "day-pass", "down": 2000000, "up": 1000000, "price": "500", "currency": "JPY", "validity": "1d",
         "data-quota": "1GiB", "period": "day"},
        {"name": "odd", "down": "1M", "up": "1M", "currency": "usd"},
    ]
    subs = [
        {"username": "alice", "password": "alice-pw", "plan": "home", "status": "active",
         "expires": "2030-01-31T00:00:00Z", "mac": "AA-BB-CC-DD-EE-FF", "static-ip": "10.0.0.7"},
        {"username": "bob", "plan": "day-pass", "status": "suspended", "expires": "never", "mac": "", "static-ip": ""},
        {"username": "carol", "password": "pw", "plan": "nope", "mac": "aabb.ccdd.eeff"},
        {"username": "254712345678", "password": "", "plan": "home"},
        {"username": "AABB.CCDD.EE01", "plan": "home"},
    ]
    nas = [
        {"name": "bras", "address": "192.0.2.0/24", "secret": "a-long-shared-secret", "vendor": "accel-ppp",
         "coa-port": "3799", "nas-identifier": "bras-1", "require-message-authenticator": "yes"},
        {"name": "ap", "address": "2001:db8::/32", "secret": "s", "vendor": "mikrotik", "coa-port": 1700,
         "require-message-authenticator": "default"},
    ]
    out = {}
    for i, p in enumerate(plans):
        out[f"plan-{i}"] = b"\x00" + json.dumps(p).encode()
    for i, sub in enumerate(subs):
        out[f"subscriber-{i}"] = b"\x01" + json.dumps(sub).encode()
    for i, n in enumerate(nas):
        out[f"nas-{i}"] = b"\x02" + json.dumps(n).encode()
    return out


def seeds_dnsmasq_leases():
    """dnsmasq_leases: a lease file, as in tests/edge/gateway_test.cpp and as dnsmasq writes it
    (DHCPv4 lines, the duid line, DHCPv6 lines)."""
    return {
        "unit-test": b"1790000000 02:AA:00:00:00:01 10.10.0.130 phone 01:02:aa:00:00:00:01\n"
                     b"garbage\n1790000001 02:aa:00:00:00:02 10.10.0.131 * *\n"
                     b"duid 00:01:00:01:2c:3d:4e:5f:02:aa:00:00:00:03\n",
        "dhcpv6": b"duid 00:01:00:01:2c:3d:4e:5f:02:aa:00:00:00:03\n"
                  b"1790000100 1234567 2001:db8::10 laptop 00:01:00:01:2c:3d:4e:5f:02:aa:00:00:00:04\n"
                  b"0 02:aa:00:00:00:05 10.10.0.140 Jo\xc3\xabs-iPhone 01:02:aa:00:00:00:05\n",
    }


def _png_header(w, h):
    return (b"\x89PNG\r\n\x1a\n" + b"\x00\x00\x00\x0dIHDR" + w.to_bytes(4, "big") + h.to_bytes(4, "big")
            + b"\x08\x06\x00\x00\x00" + b"\x00\x00\x00\x00")


def _jpeg_header(w, h):
    return (b"\xff\xd8\xff\xe0\x00\x10JFIF\x00\x01\x01\x00\x00\x01\x00\x01\x00\x00"
            + b"\xff\xc0\x00\x11\x08" + h.to_bytes(2, "big") + w.to_bytes(2, "big")
            + b"\x03\x01\x22\x00\x02\x11\x01\x03\x11\x01")


def seeds_web_multipart():
    """web_multipart: selector (0 a body with boundary ----fuzzB0undary, 1 image bytes, 2 a
    Content-Type header, 3 a FuzzedDataProvider form) + data, as the console's logo upload posts."""
    b = b"----fuzzB0undary"
    body = (b"--" + b + b"\r\nContent-Disposition: form-data; name=\"csrf\"\r\n\r\ntok123\r\n"
            + b"--" + b + b"\r\nContent-Disposition: form-data; name=\"logo\"; filename=\"logo.png\"\r\n"
            + b"Content-Type: image/png\r\n\r\n" + _png_header(64, 32) + b"\r\n--" + b + b"--\r\n")
    return {
        "upload": b"\x00" + body,
        "empty-file": b"\x00--" + b + b"\r\nContent-Disposition: form-data; name=\"logo\"; filename=\"\"\r\n\r\n\r\n--"
                      + b + b"--\r\n",
        "png": b"\x01" + _png_header(640, 200),
        "jpeg": b"\x01" + _jpeg_header(300, 120),
        "svg": b"\x01<svg xmlns=\"http://www.w3.org/2000/svg\"><script>alert(1)</script></svg>",
        "content-type": b"\x02multipart/form-data; boundary=----WebKitFormBoundaryx7Yz",
        "content-type-quoted": b"\x02Multipart/Form-Data; charset=utf-8; boundary=\"a-b.c\"",
        "form": b"\x03" + b"csrf\\tok\\logo.png\\" + _png_header(8, 8),
    }


def seeds_web_forms():
    """web_forms: selector (0 form body, 1 Cookie header, 2 FuzzedDataProvider map) + text, as a
    browser posts the portal's login, signup and terms forms."""
    return {
        "login": b"\x00csrf=0123456789abcdef0123456789abcdef&username=alice&password=p%C3%A4ss+word%21",
        "signup": b"\x00csrf=ab&plan=day-pass&username=new.user%40example&password=x&terms=on",
        "odd": b"\x00a=1&a=2&=empty&novalue&%zz=%4&b=%41%42",
        "cookie": b"\x01theme=dark; edge_portal=0123456789abcdef0123456789ABCDEF; other=1",
        "cookie-two": b"\x01edge_portal=short; edge_portal=fedcba9876543210fedcba9876543210",
        "map": Fdp().int_in_range(0, 6, 2).random_length_string(b"user name").random_length_string(b"\xc3\xa4&=%")
               .random_length_string(b"k").random_length_string(b"v").build(b"\x02"),
    }


def seeds_firmware():
    """firmware: selector (0 bundle opened with the trusted firmware key, 1 manifest text, 2 header,
    3 bundle streamed unchecked) + bytes; bundles laid out as firmware/bundle.h says, manifests signed
    with the fixed firmware test key by the openssl CLI."""
    import hashlib
    import json
    block = 65536

    def manifest(payload, **extra):
        m = {"format": "edge-firmware-1", "version": "2.1.0", "compatible": ["edge-x86_64"], "min-version": "2.0",
             "security-floor": "2.1",
             "payload": {"type": "rootfs", "size": len(payload), "sha256": hashlib.sha256(payload).hexdigest(),
                         "block-size": block,
                         "blocks": [hashlib.sha256(payload[i:i + block]).hexdigest()
                                    for i in range(0, len(payload), block)]}}
        m.update(extra)
        return json.dumps(m).encode()

    def bundle(m, signature, payload):
        return b"EDGEFW\x00\x01" + struct.pack(">II", len(m), len(signature)) + m + signature + payload

    small = bytes(range(256)) * 3
    two = bytes((i * 7) & 0xFF for i in range(block + 100))
    out = {}
    with tempfile.TemporaryDirectory() as tmp:
        key = os.path.join(tmp, "key.pem")
        with open(key, "w") as f:
            f.write(fuzz_key("kFirmwareKeyPem"))
        for label, payload, m in [("small", small, manifest(small)),
                                  ("two-blocks", two, manifest(two, description="two blocks")),
                                  ("arm", small, manifest(small, compatible=["edge-arm64", "edge-x86_64"],
                                                          version="3", **{"min-version": "2.9.1"}))]:
            signature = openssl(["dgst", "-sha256", "-sign", key], m)
            out[f"bundle-{label}"] = b"\x00" + bundle(m, signature, payload)
            out[f"manifest-{label}"] = b"\x01" + m
            out[f"header-{label}"] = b"\x02" + bundle(m, signature, b"")
            out[f"unsigned-{label}"] = b"\x03" + bundle(m, b"", payload)
    return out


TARGETS = {
    "radius_wire": seeds_radius_wire,
    "radius_codec": seeds_radius_codec,
    "dynauth_reply": seeds_dynauth_reply,
    "shadow_answer": seeds_shadow_answer,
    "auth_methods": seeds_auth_methods,
    "sync_wire": seeds_sync_wire,
    "config": seeds_config,
    "control_command": seeds_control_command,
    "license": seeds_license,
    "pki": seeds_pki,
    "https_response": seeds_https_response,
    "units": seeds_units,
    "policy_admin": seeds_policy_admin,
    "dnsmasq_leases": seeds_dnsmasq_leases,
    "web_forms": seeds_web_forms,
    "web_multipart": seeds_web_multipart,
    "firmware": seeds_firmware,
}


def main():
    names = sys.argv[1:] or sorted(TARGETS)
    for name in names:
        seeds = TARGETS[name]()
        folder = os.path.join(HERE, "corpus", name)
        os.makedirs(folder, exist_ok=True)
        for f in os.listdir(folder):
            if f.startswith("seed-"):
                os.remove(os.path.join(folder, f))
        for label, data in sorted(seeds.items()):
            with open(os.path.join(folder, "seed-" + re.sub(r"[^A-Za-z0-9_.-]", "_", label)), "wb") as f:
                f.write(data)
        print(f"{name}: {len(seeds)} seeds")


if __name__ == "__main__":
    main()
