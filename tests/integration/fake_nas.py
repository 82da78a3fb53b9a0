#!/usr/bin/python3
"""A fake NAS for Dynamic Authorization tests (RFC 5176): listens on loopback for
Disconnect-Request and CoA-Request and answers as configured. Written from the RFCs with the
standard library only (hashlib, hmac), independent of the code under test.

What a real NAS does, and so does this one (RFC 5176 sections 2.3, 3.4, 6.3; RFC 5080 2.2.2):
  - a request whose Request Authenticator or Message-Authenticator does not verify is silently
    discarded; so is one without Message-Authenticator (BlastRADIUS-era NASes require it;
    --no-require-message-authenticator turns that off);
  - a request without Event-Timestamp, or with one outside the window (300 s by default), is
    silently discarded (--no-require-event-timestamp accepts a missing one);
  - a retransmission (same source address and port, Identifier and Request Authenticator) of a
    request already answered gets the same reply bytes again.

Answers (--mode):
  ack                 ACK (Disconnect-ACK or CoA-ACK)
  nak                 NAK with Error-Cause --error-cause (default 503 Session Context Not Found)
  silent              no answer at all
  wrong-port          a correctly signed ACK, but sent from another UDP port
  bad-authenticator   an ACK signed with another secret
  decoys              first a signed NAK from another port, a NAK with another Identifier, a NAK
                      signed with another secret, an Access-Accept, a truncated datagram; then,
                      50 ms later, the real ACK
--answer-after N stays silent for the first N receptions of a request and answers the next one (a
retransmission). Each datagram is logged before its answer is sent. Replies carry Message-Authenticator first unless --no-reply-message-authenticator;
--reply-event-timestamp-offset S adds an Event-Timestamp S seconds off the current time.

Every datagram received is logged to --log as one JSON line:
  {"time": ..., "source": "127.0.0.1", "source_port": 40000, "code": 40,
   "code_name": "Disconnect-Request", "id": 17, "authenticator": "<hex>", "raw": "<hex>",
   "reception": 1, "retransmission": false, "message_authenticator": "valid|absent|invalid",
   "message_authenticator_first": true, "event_timestamp": 1767225600, "event_timestamp_skew": 0,
   "attributes": [{"type": 1, "name": "User-Name", "value": "alice"},
                  {"vendor": 14988, "type": 8, "name": "Mikrotik-Rate-Limit", "value": "2M/10M"}],
   "action": "ack" | "nak 503" | "silent" | "cached reply" | "discarded: <reason>" | ...}
--ready-file gets {"port": N} once the socket is bound (use --port 0 for a free port).
Stop it with SIGTERM or SIGINT.
"""
import argparse
import hashlib
import hmac
import json
import os
import signal
import socket
import struct
import sys
import time

DISCONNECT_REQUEST, DISCONNECT_ACK, DISCONNECT_NAK = 40, 41, 42
COA_REQUEST, COA_ACK, COA_NAK = 43, 44, 45
ACCESS_ACCEPT = 2
CODE_NAMES = {1: "Access-Request", 2: "Access-Accept", 3: "Access-Reject", 4: "Accounting-Request",
              5: "Accounting-Response", 40: "Disconnect-Request", 41: "Disconnect-ACK", 42: "Disconnect-NAK",
              43: "CoA-Request", 44: "CoA-ACK", 45: "CoA-NAK"}

MESSAGE_AUTHENTICATOR = 80
EVENT_TIMESTAMP = 55
ERROR_CAUSE = 101
VENDOR_SPECIFIC = 26

# type -> (name, kind); kinds: str, int, ip, ip6, hex
ATTRIBUTES = {
    1: ("User-Name", "str"), 4: ("NAS-IP-Address", "ip"), 5: ("NAS-Port", "int"), 6: ("Service-Type", "int"),
    8: ("Framed-IP-Address", "ip"), 11: ("Filter-Id", "str"), 18: ("Reply-Message", "str"),
    24: ("State", "hex"), 25: ("Class", "hex"), 27: ("Session-Timeout", "int"), 28: ("Idle-Timeout", "int"),
    30: ("Called-Station-Id", "str"), 31: ("Calling-Station-Id", "str"), 32: ("NAS-Identifier", "str"),
    33: ("Proxy-State", "hex"), 44: ("Acct-Session-Id", "str"), 50: ("Acct-Multi-Session-Id", "str"),
    55: ("Event-Timestamp", "int"), 61: ("NAS-Port-Type", "int"), 80: ("Message-Authenticator", "hex"),
    87: ("NAS-Port-Id", "str"), 95: ("NAS-IPv6-Address", "ip6"), 101: ("Error-Cause", "int"),
}
VENDOR_ATTRIBUTES = {
    (14988, 8): ("Mikrotik-Rate-Limit", "str"),
    (14122, 7): ("WISPr-Bandwidth-Max-Up", "int"), (14122, 8): ("WISPr-Bandwidth-Max-Down", "int"),
    (14559, 4): ("ChilliSpot-Bandwidth-Max-Up", "int"), (14559, 5): ("ChilliSpot-Bandwidth-Max-Down", "int"),
    (9, 1): ("Cisco-AVPair", "str"),
}


def render(kind, value):
    if kind == "str":
        return value.decode("utf-8", "backslashreplace")
    if kind == "int" and len(value) == 4:
        return struct.unpack("!I", value)[0]
    if kind == "ip" and len(value) == 4:
        return socket.inet_ntop(socket.AF_INET, value)
    if kind == "ip6" and len(value) == 16:
        return socket.inet_ntop(socket.AF_INET6, value)
    return value.hex()


def walk(raw):
    """(type, value, offset) per attribute of a packet (raw[:Length]); None if malformed."""
    out, pos = [], 20
    while pos < len(raw):
        if len(raw) - pos < 2 or raw[pos + 1] < 2 or pos + raw[pos + 1] > len(raw):
            return None
        out.append((raw[pos], raw[pos + 2:pos + raw[pos + 1]], pos))
        pos += raw[pos + 1]
    return out


def describe(attrs):
    out = []
    for typ, value, _ in attrs:
        if typ == VENDOR_SPECIFIC and len(value) >= 6:
            vendor = struct.unpack("!I", value[:4])[0]
            pos = 4
            while pos + 2 <= len(value) and value[pos + 1] >= 2:
                vtype, vlen = value[pos], value[pos + 1]
                name, kind = VENDOR_ATTRIBUTES.get((vendor, vtype), (f"Vendor-{vendor}-Attr-{vtype}", "hex"))
                out.append({"vendor": vendor, "type": vtype, "name": name,
                            "value": render(kind, value[pos + 2:pos + vlen])})
                pos += vlen
            continue
        name, kind = ATTRIBUTES.get(typ, (f"Attr-{typ}", "hex"))
        out.append({"type": typ, "name": name, "value": render(kind, value)})
    return out


def request_authenticator_ok(raw, secret):
    """RFC 5176 section 2.3 (as RFC 2866 section 3): MD5(Code+Identifier+Length+16 zero octets+
    Attributes+Secret)."""
    return hashlib.md5(raw[:4] + bytes(16) + raw[20:] + secret).digest() == raw[4:20]


def message_authenticator_check(raw, attrs, secret, authenticator_field):
    """HMAC-MD5 over the packet with the Authenticator field set to `authenticator_field` (16 zero
    octets for CoA/Disconnect requests, RFC 5176 section 3.4) and the attribute's value zeroed."""
    found = [(v, off) for t, v, off in attrs if t == MESSAGE_AUTHENTICATOR]
    if not found:
        return "absent"
    if len(found) > 1 or len(found[0][0]) != 16:
        return "invalid"
    value, off = found[0]
    buf = bytearray(raw)
    buf[4:20] = authenticator_field
    buf[off + 2:off + 18] = bytes(16)
    return "valid" if hmac.compare_digest(hmac.new(secret, bytes(buf), hashlib.md5).digest(), value) else "invalid"


def build_reply(code, ident, request_authenticator, secret, error_cause=None, with_ma=True, event_timestamp=None):
    """A reply signed as RFC 5176 sections 3.4 and 2.3 say: Message-Authenticator (first) over the packet
    with the request's authenticator, then Response Authenticator MD5(Code+Identifier+Length+
    RequestAuth+Attributes+Secret)."""
    attrs = b""
    if with_ma:
        attrs += bytes([MESSAGE_AUTHENTICATOR, 18]) + bytes(16)
    if error_cause is not None:
        attrs += bytes([ERROR_CAUSE, 6]) + struct.pack("!I", error_cause)
    if event_timestamp is not None:
        attrs += bytes([EVENT_TIMESTAMP, 6]) + struct.pack("!I", event_timestamp & 0xFFFFFFFF)
    length = 20 + len(attrs)
    header = struct.pack("!BBH", code, ident, length)
    if with_ma:
        mac = hmac.new(secret, header + request_authenticator + attrs, hashlib.md5).digest()
        attrs = attrs[:2] + mac + attrs[18:]
    response = hashlib.md5(header + request_authenticator + attrs + secret).digest()
    return header + response + attrs


class FakeNas:
    def __init__(self, args):
        self.args = args
        self.secret = args.secret.encode()
        family = socket.AF_INET6 if ":" in args.address else socket.AF_INET
        self.sock = socket.socket(family, socket.SOCK_DGRAM)
        self.sock.bind((args.address, args.port))
        self.other = socket.socket(family, socket.SOCK_DGRAM)  # for replies from the wrong port
        self.other.bind((args.address, 0))
        self.port = self.sock.getsockname()[1]
        self.log = open(args.log, "a", buffering=1)
        self.receptions = {}  # (source, port, id, authenticator) -> count
        self.cache = {}       # same key -> reply bytes (RFC 5080 section 2.2.2)

    def record(self, entry):
        self.log.write(json.dumps(entry) + "\n")

    def send(self, sock, data, peer):
        self.pending.append((sock, data, peer))

    def serve(self):
        while True:
            data, peer = self.sock.recvfrom(65535)
            entry = {"time": time.time(), "source": peer[0], "source_port": peer[1], "raw": data.hex()}
            self.pending = []
            try:
                entry["action"] = self.handle(data, peer, entry)
            except Exception as e:  # a test peer must log, not die
                entry["action"] = f"error: {e!r}"
            # Logged before any answer leaves: whoever got the answer finds the entry already written.
            self.record(entry)
            for sock, payload, to in self.pending:
                sock.sendto(payload, to)

    def handle(self, data, peer, entry):
        if len(data) < 20:
            return "discarded: shorter than a RADIUS header"
        code, ident, length = struct.unpack("!BBH", data[:4])
        entry.update({"code": code, "code_name": CODE_NAMES.get(code, str(code)), "id": ident,
                      "authenticator": data[4:20].hex(), "length": length})
        if length < 20 or length > len(data):
            return "discarded: bad Length"
        raw = data[:length]
        attrs = walk(raw)
        if attrs is None:
            return "discarded: malformed attributes"
        entry["attributes"] = describe(attrs)
        if code not in (DISCONNECT_REQUEST, COA_REQUEST):
            return "discarded: not a Disconnect-Request or CoA-Request"
        key = (peer[0], peer[1], ident, raw[4:20])
        count = self.receptions.get(key, 0) + 1
        self.receptions[key] = count
        entry["reception"] = count
        entry["retransmission"] = count > 1

        if not request_authenticator_ok(raw, self.secret):
            return "discarded: bad Request Authenticator"
        ma = message_authenticator_check(raw, attrs, self.secret, bytes(16))
        entry["message_authenticator"] = ma
        entry["message_authenticator_first"] = bool(attrs) and attrs[0][0] == MESSAGE_AUTHENTICATOR
        if ma == "invalid":
            return "discarded: bad Message-Authenticator"
        if ma == "absent" and not self.args.no_require_message_authenticator:
            return "discarded: no Message-Authenticator"
        stamps = [v for t, v, _ in attrs if t == EVENT_TIMESTAMP and len(v) == 4]
        if stamps:
            ts = struct.unpack("!I", stamps[0])[0]
            entry["event_timestamp"] = ts
            entry["event_timestamp_skew"] = ts - int(time.time())
            if abs(ts - time.time()) > self.args.window:
                return "discarded: Event-Timestamp outside the window"
        elif not self.args.no_require_event_timestamp:
            return "discarded: no Event-Timestamp"

        if key in self.cache:
            self.send(self.sock, self.cache[key], peer)
            return "cached reply"
        if count <= self.args.answer_after:
            return "silent (answer-after)"
        mode = self.args.mode
        if mode == "silent":
            return "silent"
        ack = DISCONNECT_ACK if code == DISCONNECT_REQUEST else COA_ACK
        nak = DISCONNECT_NAK if code == DISCONNECT_REQUEST else COA_NAK
        auth = raw[4:20]
        stamp = None
        if self.args.reply_event_timestamp_offset is not None:
            stamp = int(time.time()) + self.args.reply_event_timestamp_offset
        with_ma = not self.args.no_reply_message_authenticator

        def reply(c, error_cause=None, secret=None, ident_=None):
            return build_reply(c, ident if ident_ is None else ident_, auth, secret or self.secret, error_cause,
                               with_ma, stamp)

        if mode == "wrong-port":
            self.send(self.other, reply(ack), peer)
            return "ack from the wrong port"
        if mode == "bad-authenticator":
            self.send(self.sock, reply(ack, secret=self.secret + b"-wrong"), peer)
            return "ack with a bad authenticator"
        if mode == "decoys":
            self.send(self.other, reply(nak, 503), peer)
            self.send(self.sock, reply(nak, 503, ident_=(ident + 1) & 0xFF), peer)
            self.send(self.sock, reply(nak, 503, secret=self.secret + b"-wrong"), peer)
            self.send(self.sock, reply(ACCESS_ACCEPT), peer)
            self.send(self.sock, reply(nak, 503)[:12], peer)
            time.sleep(0.05)
            answer = reply(ack)
            action = "decoys, then ack"
        elif mode == "nak":
            answer = reply(nak, self.args.error_cause)
            action = f"nak {self.args.error_cause}"
        else:
            answer = reply(ack)
            action = "ack"
        self.cache[key] = answer
        self.send(self.sock, answer, peer)
        return action


def main():
    p = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    p.add_argument("--address", default="127.0.0.1")
    p.add_argument("--port", type=int, default=3799)
    p.add_argument("--secret", required=True)
    p.add_argument("--log", required=True)
    p.add_argument("--ready-file")
    p.add_argument("--mode", default="ack",
                   choices=["ack", "nak", "silent", "wrong-port", "bad-authenticator", "decoys"])
    p.add_argument("--error-cause", type=int, default=503)
    p.add_argument("--answer-after", type=int, default=0)
    p.add_argument("--window", type=int, default=300)
    p.add_argument("--no-require-message-authenticator", action="store_true")
    p.add_argument("--no-require-event-timestamp", action="store_true")
    p.add_argument("--no-reply-message-authenticator", action="store_true")
    p.add_argument("--reply-event-timestamp-offset", type=int)
    args = p.parse_args()

    nas = FakeNas(args)
    signal.signal(signal.SIGTERM, lambda *_: sys.exit(0))
    if args.ready_file:
        tmp = args.ready_file + ".tmp"
        with open(tmp, "w") as f:
            json.dump({"port": nas.port, "pid": os.getpid()}, f)
        os.rename(tmp, args.ready_file)
    try:
        nas.serve()
    except KeyboardInterrupt:
        pass


if __name__ == "__main__":
    main()
