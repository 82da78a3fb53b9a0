#!/usr/bin/python3
"""radclient (freeradius-utils) against our codec, over real UDP on 127.0.0.1.

For each request type radclient sends (auth, acct, coa, disconnect, status):
1. radclient sends the request to a UDP socket this script owns; we capture the datagram.
2. radius_decode_tool (our decoder, built in $EDGE_BIN) decodes it. For auth it must report
   User-Name "alice", the clear-text User-Password "s3cret" and a valid Message-Authenticator; with
   a wrong secret the decoder must refuse the packet and the Message-Authenticator must be invalid.
3. The tool encodes the reply (Access-Accept, Accounting-Response, CoA-ACK, Disconnect-ACK) with
   our encoder; we send it to radclient, which must accept it: radclient checks the Response
   Authenticator and the Message-Authenticator. A reply whose Message-Authenticator we spoil (with a
   correct Response Authenticator) must be refused, which shows radclient really checks it.
4. Status-Server (RFC 5997): radclient's must decode with a valid Message-Authenticator; our
   Access-Accept (auth port) and Accounting-Response (acct port) must be accepted. The latter's
   Message-Authenticator is computed with the Status-Server's authenticator (RFC 5997 section 3);
   re-signed with zeros, as an Accounting-Response to an Accounting-Request is, radclient refuses it.
5. MS-MPPE-Send-Key / MS-MPPE-Recv-Key (RFC 2548 section 2.4.2): our encoder encrypts them in the
   Access-Accept; radclient, which has the secret, must print the keys we put in, in hex.
"""
import hashlib
import hmac
import os
import socket
import subprocess
import sys
import tempfile

SECRET = "testing123"
EDGE_BIN = os.environ.get("EDGE_BIN", os.path.join(os.getcwd(), "bin"))
TOOL = os.path.join(EDGE_BIN, "radius_decode_tool")


def fail(message):
    print("FAIL: " + message)
    sys.exit(1)


def parse(output):
    fields = {}
    for line in output.splitlines():
        name, sep, value = line.partition(" = ")
        if sep:
            fields.setdefault(name, value)
    return fields


def spoil_message_authenticator(reply, request_authenticator):
    """Flip one bit of the Message-Authenticator, then recompute the Response Authenticator
    (RFC 2865 section 3) so that only the Message-Authenticator is wrong."""
    buf = bytearray(reply)
    pos = 20
    while pos < len(buf):
        if buf[pos] == 80:
            buf[pos + 2] ^= 0x01
            break
        pos += buf[pos + 1]
    else:
        fail("reply has no Message-Authenticator to spoil")
    buf[4:20] = request_authenticator
    buf[4:20] = hashlib.md5(bytes(buf) + SECRET.encode()).digest()
    return bytes(buf)


def resign_with_zeros(reply, request_authenticator):
    """Recompute the Message-Authenticator with 16 zero octets in the Authenticator field (what an
    Accounting-Response to an Accounting-Request uses), then the Response Authenticator."""
    buf = bytearray(reply)
    pos = 20
    while pos < len(buf):
        if buf[pos] == 80:
            break
        pos += buf[pos + 1]
    else:
        fail("reply has no Message-Authenticator to re-sign")
    buf[4:20] = bytes(16)
    buf[pos + 2:pos + 18] = bytes(16)
    buf[pos + 2:pos + 18] = hmac.new(SECRET.encode(), bytes(buf), hashlib.md5).digest()
    buf[4:20] = request_authenticator
    buf[4:20] = hashlib.md5(bytes(buf) + SECRET.encode()).digest()
    return bytes(buf)


def exchange(tmp, kind, attributes, spoil=False, tool_args=(), tamper=None, name=None):
    """One radclient request of `kind`; returns (decoded fields, radclient exit code and output).
    `tool_args` go to radius_decode_tool; `tamper(reply, request_authenticator)` rewrites our reply
    before it is sent (spoil=True uses spoil_message_authenticator)."""
    if spoil:
        tamper = spoil_message_authenticator
    name = name or kind
    sock = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
    sock.bind(("127.0.0.1", 0))
    sock.settimeout(10)
    port = sock.getsockname()[1]
    request_file = os.path.join(tmp, f"{name}.txt")
    with open(request_file, "w") as f:
        f.write("\n".join(attributes) + "\n")
    # One try; when we spoil the reply radclient waits out its timeout, so keep that short.
    radclient = subprocess.Popen(
        ["radclient", "-x", "-r", "1", "-t", "2" if tamper else "5", "-f", request_file,
         f"127.0.0.1:{port}", kind, SECRET],
        stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True)
    try:
        try:
            data, peer = sock.recvfrom(4096)
        except socket.timeout:
            fail(f"{kind}: radclient sent nothing within 10 s")
        packet_file = os.path.join(tmp, f"{name}.bin")
        with open(packet_file, "wb") as f:
            f.write(data)
        print(f"--- {name}{' (tampered reply)' if tamper else ''}: captured {len(data)} octets: "
              f"{data.hex()}")

        reply_file = os.path.join(tmp, f"{name}-reply.bin")
        tool = subprocess.run([TOOL, "--secret", SECRET, "--reply-out", reply_file, *tool_args,
                               packet_file], capture_output=True, text=True, timeout=30)
        print(tool.stdout + tool.stderr)
        if tool.returncode != 0:
            fail(f"{kind}: radius_decode_tool exited {tool.returncode}")
        fields = parse(tool.stdout)

        if kind == "auth" and not tamper:
            wrong = subprocess.run([TOOL, "--secret", "not-" + SECRET, packet_file],
                                   capture_output=True, text=True, timeout=30)
            print(wrong.stdout + wrong.stderr)
            if wrong.returncode == 0:
                fail("the decoder accepted the packet with a wrong secret")
            if "Message-Authenticator" not in wrong.stderr:
                fail("a wrong secret should fail on the Message-Authenticator")
            if parse(wrong.stdout).get("message-authenticator") != "invalid":
                fail("verifyMessageAuthenticator should say invalid with a wrong secret")

        with open(reply_file, "rb") as f:
            reply = f.read()
        if tamper:
            reply = tamper(reply, data[4:20])
        sock.sendto(reply, peer)
        try:
            out, _ = radclient.communicate(timeout=20)
        except subprocess.TimeoutExpired:
            fail(f"{kind}: radclient did not finish")
        print(out)
        return fields, radclient.returncode, out
    finally:
        if radclient.poll() is None:
            radclient.kill()  # the radclient we started, by its own handle
            radclient.wait()
        sock.close()


def expect_fields(kind, fields, expected):
    for name, value in expected.items():
        if fields.get(name) != value:
            fail(f"{kind}: {name}: expected {value}, got {fields.get(name)}")


def expect_accepted(kind, rc, out, reply_name):
    if rc != 0 or f"Received {reply_name}" not in out:
        fail(f"{kind}: radclient did not accept our {reply_name} (exit {rc})")


def expect_refused(kind, rc, out, reply_name):
    if rc == 0 or f"Received {reply_name}" in out:
        fail(f"{kind}: radclient accepted a {reply_name} with a spoiled Message-Authenticator")


def main():
    if not os.access(TOOL, os.X_OK):
        fail(f"{TOOL} not built (build the aaa_tests target)")
    # A dictionary folder that cannot be read fails startup with its name (one load per process,
    # so this is checked here rather than in the unit tests).
    bad = subprocess.run([TOOL, "--secret", SECRET, "--dict", "/nonexistent/edge-dictionary",
                          "/dev/null"], capture_output=True, text=True, timeout=30)
    if bad.returncode != 1 or "/nonexistent/edge-dictionary" not in bad.stderr:
        fail(f"an unreadable dictionary folder should fail with its name: {bad.stderr!r}")
    auth = ['User-Name = "alice"', 'User-Password = "s3cret"', "Message-Authenticator = 0x00"]
    acct = ['User-Name = "alice"', "Acct-Status-Type = Start", 'Acct-Session-Id = "81a00001"',
            "NAS-IP-Address = 192.0.2.10", "Framed-IP-Address = 100.64.0.17"]
    coa = ['User-Name = "alice"', 'Acct-Session-Id = "81a00001"',
           'Mikrotik-Rate-Limit = "5M/5M"', "Message-Authenticator = 0x00"]
    disconnect = ['User-Name = "alice"', 'Acct-Session-Id = "81a00001"',
                  "Message-Authenticator = 0x00"]
    status = ["Message-Authenticator = 0x00"]
    # RFC 3079 section 3.5.3: the 128-bit MPPE start keys of its MS-CHAPv2 example.
    send_key = "8b7cdc149b993a1ba118cb153f56dccb"
    recv_key = "d5f0e9521e3ea9589645e86051c82226"

    with tempfile.TemporaryDirectory(prefix="aaa-radclient-") as tmp:
        fields, rc, out = exchange(tmp, "auth", auth)
        expect_fields("auth", fields, {"code": "Access-Request", "User-Name": '"alice"',
                                       "User-Password": '"s3cret"', "message-authenticator": "valid"})
        if "Message-Authenticator" not in fields:
            fail("auth: the decoded attributes lack Message-Authenticator")
        expect_accepted("auth", rc, out, "Access-Accept")
        if "hello alice" not in out:
            fail("auth: radclient did not show our Reply-Message")

        _, rc, out = exchange(tmp, "auth", auth, spoil=True)
        expect_refused("auth", rc, out, "Access-Accept")

        fields, rc, out = exchange(tmp, "acct", acct)
        expect_fields("acct", fields, {"code": "Accounting-Request", "User-Name": '"alice"',
                                       "Acct-Session-Id": '"81a00001"',
                                       "Framed-IP-Address": "100.64.0.17",
                                       "message-authenticator": "absent"})
        expect_accepted("acct", rc, out, "Accounting-Response")

        # RFC 5176 section 3.3: CoA/Disconnect ACK Message-Authenticator uses the request's
        # authenticator (libfreeradius 3.2.1's rad_sign gets this wrong; the shim fixes it).
        fields, rc, out = exchange(tmp, "coa", coa)
        expect_fields("coa", fields, {"code": "CoA-Request", "Mikrotik-Rate-Limit": '"5M/5M"',
                                      "message-authenticator": "valid"})
        expect_accepted("coa", rc, out, "CoA-ACK")

        _, rc, out = exchange(tmp, "coa", coa, spoil=True)
        expect_refused("coa", rc, out, "CoA-ACK")

        fields, rc, out = exchange(tmp, "disconnect", disconnect)
        expect_fields("disconnect", fields, {"code": "Disconnect-Request",
                                             "message-authenticator": "valid"})
        expect_accepted("disconnect", rc, out, "Disconnect-ACK")

        # RFC 5997: Status-Server, answered on the authentication port with an Access-Accept ...
        fields, rc, out = exchange(tmp, "status", status)
        expect_fields("status", fields, {"code": "Status-Server", "message-authenticator": "valid"})
        expect_accepted("status", rc, out, "Access-Accept")
        if "alive" not in out:
            fail("status: radclient did not show our Reply-Message")
        _, rc, out = exchange(tmp, "status", status, spoil=True)
        expect_refused("status", rc, out, "Access-Accept")

        # ... and on the accounting port with an Accounting-Response signed with the Status-Server's
        # authenticator; radclient refuses the same reply signed with zeros.
        fields, rc, out = exchange(tmp, "status", status, tool_args=["--acct-port"],
                                   name="status-acct")
        expect_fields("status-acct", fields, {"code": "Status-Server",
                                              "message-authenticator": "valid"})
        expect_accepted("status-acct", rc, out, "Accounting-Response")
        _, rc, out = exchange(tmp, "status", status, tool_args=["--acct-port"],
                              tamper=resign_with_zeros, name="status-acct")
        expect_refused("status-acct", rc, out, "Accounting-Response")
        _, rc, out = exchange(tmp, "status", status, tool_args=["--acct-port"], spoil=True,
                              name="status-acct")
        expect_refused("status-acct", rc, out, "Accounting-Response")

        # RFC 2548 section 2.4.2: the MPPE keys in our Access-Accept, decrypted by radclient.
        fields, rc, out = exchange(tmp, "auth", auth, name="auth-mppe",
                                   tool_args=["--mppe-send-key", send_key,
                                              "--mppe-recv-key", recv_key])
        expect_accepted("auth-mppe", rc, out, "Access-Accept")
        for attribute, key in (("MS-MPPE-Send-Key", send_key), ("MS-MPPE-Recv-Key", recv_key)):
            if f"{attribute} = 0x{key}" not in out:
                fail(f"auth-mppe: radclient did not print {attribute} = 0x{key}")

    print("ok: radclient's auth/acct/coa/disconnect/status requests decoded; radclient accepts our "
          "replies (with MS-MPPE keys it decrypts) and refuses a spoiled Message-Authenticator")
    return 0


if __name__ == "__main__":
    sys.exit(main())
