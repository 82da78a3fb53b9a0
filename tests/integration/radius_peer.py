"""An independent RADIUS client for tests: pyrad builds and parses packets; Message-Authenticator
(which pyrad 2.1 lacks) and MS-CHAPv2 (RFC 2759, with pycryptodome's MD4 and DES) are computed
here, not by the code under test."""
import hashlib
import hmac
import os
import socket
import struct

from pyrad import dictionary, packet

DICT = dictionary.Dictionary(os.path.join(os.path.dirname(__file__), "pyrad.dict"))

ACCESS_ACCEPT = 2
ACCESS_REJECT = 3
STATUS_SERVER = 12


def with_message_authenticator(raw, secret):
    """Appends a Message-Authenticator (RFC 3579 3.2) to an encoded request and signs it."""
    raw = bytearray(raw) + bytes([80, 18]) + bytes(16)
    struct.pack_into("!H", raw, 2, len(raw))
    mac = hmac.new(secret, bytes(raw), hashlib.md5).digest()
    raw[-16:] = mac
    return bytes(raw)


def access_request(secret, user=None, password=None, ma=True, pkt_id=None, **attrs):
    """Encodes an Access-Request; attrs use pyrad names with _ for - (e.g. Calling_Station_Id)."""
    req = packet.AuthPacket(code=packet.AccessRequest, secret=secret, dict=DICT, id=pkt_id)
    if user is not None:
        req["User-Name"] = user
    if password is not None:
        req["User-Password"] = req.PwCrypt(password)
    for key, value in attrs.items():
        for v in (value if isinstance(value, list) else [value]):
            req.AddAttribute(key.replace("_", "-"), v)
    raw = req.RequestPacket()
    return (with_message_authenticator(raw, secret) if ma else raw), req


def accounting_request(secret, status, user=None, session=None, counters=(0, 0, 0), terminate=None, pkt_id=1,
                       delay=0):
    """Raw Accounting-Request (RFC 2866 3) built by hand: pyrad's dictionary lacks the acct types.
    counters = (input octets, output octets, session seconds); octets above 32 bits use Gigawords."""
    attrs = b""

    def attr(t, v):
        return bytes([t, 2 + len(v)]) + v

    attrs += attr(40, struct.pack("!I", status))
    if user is not None:
        attrs += attr(1, user.encode())
    if session is not None:
        attrs += attr(44, session.encode())
    attrs += attr(5, struct.pack("!I", 3))
    inp, out, secs = counters
    attrs += attr(42, struct.pack("!I", inp & 0xffffffff)) + attr(52, struct.pack("!I", inp >> 32))
    attrs += attr(43, struct.pack("!I", out & 0xffffffff)) + attr(53, struct.pack("!I", out >> 32))
    attrs += attr(46, struct.pack("!I", secs)) + attr(41, struct.pack("!I", delay))
    if terminate is not None:
        attrs += attr(49, struct.pack("!I", terminate))
    header = struct.pack("!BBH", 4, pkt_id, 20 + len(attrs))
    auth = hashlib.md5(header + bytes(16) + attrs + secret).digest()
    return header + auth + attrs


def status_server(secret, pkt_id=1):
    auth = os.urandom(16)
    raw = struct.pack("!BBH", STATUS_SERVER, pkt_id, 20) + auth
    return with_message_authenticator(raw, secret)


class Reply:
    def __init__(self, raw, secret, request_raw):
        self.raw = raw
        self.code = raw[0]
        self.id = raw[1]
        self.packet = packet.Packet(packet=raw, secret=secret, dict=DICT)
        self.secret = secret
        self.request_raw = request_raw

    def response_authenticator_ok(self):
        """RFC 2865 3: MD5(Code+ID+Length+RequestAuth+Attributes+Secret)."""
        expected = hashlib.md5(self.raw[:4] + self.request_raw[4:20] + self.raw[20:] + self.secret).digest()
        return expected == self.raw[4:20]

    def message_authenticator_first_and_ok(self):
        """Message-Authenticator must be the first attribute and valid (RFC 3579 3.2, BlastRADIUS)."""
        if len(self.raw) < 38 or self.raw[20] != 80 or self.raw[21] != 18:
            return False
        zeroed = bytearray(self.raw)
        zeroed[4:20] = self.request_raw[4:20]
        zeroed[22:38] = bytes(16)
        return hmac.new(self.secret, bytes(zeroed), hashlib.md5).digest() == self.raw[22:38]

    def get(self, name):
        try:
            return self.packet[name]
        except KeyError:
            return None

    def attribute_types(self):
        out, pos = [], 20
        while pos < len(self.raw):
            out.append(self.raw[pos])
            pos += self.raw[pos + 1]
        return out


def exchange(port, raw, secret, source="127.0.0.1", timeout=2.0):
    """Sends one datagram from `source` and returns the Reply, or None when nothing came back."""
    s = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
    try:
        s.bind((source, 0))
        s.settimeout(timeout)
        s.sendto(raw, ("127.0.0.1", port))
        try:
            data, _ = s.recvfrom(4096)
        except socket.timeout:
            return None
        return Reply(data, secret, raw)
    finally:
        s.close()


# ---- MS-CHAPv2 client side (RFC 2759), independent of aaa/auth ----
from Cryptodome.Cipher import DES  # noqa: E402
from Cryptodome.Hash import MD4  # noqa: E402


def nt_password_hash(password):
    return MD4.new(password.encode("utf-16-le")).digest()


def _des_key(key7):
    bits = int.from_bytes(key7, "big")
    out = bytearray()
    for i in range(8):
        out.append((((bits >> (49 - 7 * i)) & 0x7F) << 1))
    return bytes(out)


def _challenge_response(challenge8, pw_hash):
    z = pw_hash + bytes(5)
    return b"".join(DES.new(_des_key(z[i:i + 7]), DES.MODE_ECB).encrypt(challenge8) for i in (0, 7, 14))


def _challenge_hash(peer, auth, user):
    return hashlib.sha1(peer + auth + user.encode()).digest()[:8]


def mschapv2(user, password, auth_challenge, peer_challenge, ident=1):
    """Returns (MS-CHAP2-Response value, expected "S=..." authenticator response)."""
    pw_hash = nt_password_hash(password)
    nt_response = _challenge_response(_challenge_hash(peer_challenge, auth_challenge, user), pw_hash)
    value = bytes([ident, 0]) + peer_challenge + bytes(8) + nt_response
    magic1 = b"Magic server to client signing constant"
    magic2 = b"Pad to make it do more than one iteration"
    digest = hashlib.sha1(MD4.new(pw_hash).digest() + nt_response + magic1).digest()
    digest = hashlib.sha1(digest + _challenge_hash(peer_challenge, auth_challenge, user) + magic2).digest()
    return value, "S=" + digest.hex().upper()


def decrypt_mppe_key(value, secret, request_authenticator):
    """RFC 2548 2.4.2 salt decryption; returns the key."""
    salt, cipher = value[:2], value[2:]
    out, last = bytearray(), request_authenticator + salt
    for i in range(0, len(cipher), 16):
        b = hashlib.md5(secret + last).digest()
        block = cipher[i:i + 16]
        out += bytes(x ^ y for x, y in zip(block, b))
        last = block
    return bytes(out[1:1 + out[0]])
