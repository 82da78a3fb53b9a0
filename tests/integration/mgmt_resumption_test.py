"""TLS session resumption on mgmtd's device API (ADR 0035) never skips the device's certificate
binding (ADR 0012): a resumed session is the device whose certificate made it, and that certificate
is checked against the device record at every request, so revoking the device or retiring its
certificate refuses the resumed session as it refuses a full handshake.

A real mgmtd over HTTPS; the box is made of openssl and curl (curl_box.CurlBox); the resuming client
is Python's ssl (OpenSSL), a TLS stack of its own beside the box's mbedTLS and mgmtd's GnuTLS."""
import json
import os
import socket
import sqlite3
import ssl
import subprocess
import sys
import time
import unittest

sys.path.insert(0, os.path.dirname(__file__))
from curl_box import CurlBox  # noqa: E402
from edgelib import Mgmtd, TempDir  # noqa: E402


class Client:
    """One identity (a device certificate) and the TLS session of its last connection."""

    def __init__(self, port, ca, cert, key, tls13=False):
        self.port = port
        self.ctx = ssl.SSLContext(ssl.PROTOCOL_TLS_CLIENT)
        self.ctx.load_verify_locations(ca)
        self.ctx.load_cert_chain(cert, key)
        if not tls13:
            self.ctx.maximum_version = ssl.TLSVersion.TLSv1_2  # the box's mbedTLS speaks TLS 1.2
        self.session = None

    def get(self, path, resume=True):
        """(status, body, resumed) of one request on a new connection, offering the kept session."""
        raw = socket.create_connection(("127.0.0.1", self.port), timeout=10)
        with self.ctx.wrap_socket(raw, server_hostname="edge-mgmt",
                                  session=self.session if resume else None) as s:
            s.sendall(f"GET {path} HTTP/1.1\r\nHost: edge-mgmt\r\nConnection: close\r\n\r\n".encode())
            data = b""
            while True:
                chunk = s.recv(65536)
                if not chunk:
                    break
                data += chunk
            resumed = s.session_reused
            self.session = s.session
        head, _, body = data.partition(b"\r\n\r\n")
        return int(head.split(b" ", 2)[1]), body.decode(errors="replace"), resumed


class MgmtResumption(unittest.TestCase):
    @classmethod
    def setUpClass(cls):
        cls.tmp = TempDir()
        cls.mgmt = Mgmtd(os.path.join(cls.tmp.path, "mgmt"), {"device-poll-interval": 1}).start()
        cls.mgmt.ctl("tenant", "add", "--name", "acme", "--tier", "basic")

    @classmethod
    def tearDownClass(cls):
        cls.mgmt.stop()
        cls.tmp.cleanup()

    def box(self, name):
        token = self.mgmt.ctl("claim", "create", "--tenant", "acme").stdout.strip()
        return CurlBox(self.tmp.path, name).enroll(token)

    def test_a_resumed_session_is_its_device_and_revoking_the_device_refuses_it(self):
        box = self.box("revoked-box")
        c = Client(box.port, box.ca, box.cert, box.key)
        code, body, resumed = c.get("/v1/changes?cursor=0")
        self.assertEqual(code, 200, body)
        self.assertFalse(resumed)
        code, body, resumed = c.get("/v1/changes?cursor=0")
        self.assertEqual(code, 200, body)
        self.assertTrue(resumed, "mgmtd's device API resumes a returning box's session")
        kept = c.session
        self.mgmt.ctl("device", "revoke", box.device_id)
        c.session = kept
        code, body, resumed = c.get("/v1/changes?cursor=0")
        self.assertTrue(resumed, "the session itself is still good: the refusal must come from the binding")
        self.assertEqual(code, 403, body)
        code, body, resumed = c.get("/v1/changes?cursor=0", resume=False)
        self.assertFalse(resumed)
        self.assertEqual(code, 403, body)

    def test_a_renewed_certificate_retires_the_sessions_of_the_old_one(self):
        box = self.box("renewed-box")
        old = Client(box.port, box.ca, box.cert, box.key)
        self.assertEqual(old.get("/v1/changes?cursor=0")[0], 200)
        self.assertTrue(old.get("/v1/changes?cursor=0")[2])
        old_session = old.session
        # The box renews with a new key and uses the new certificate once: every earlier one is retired.
        new_key, new_cert = os.path.join(box.dir, "new-key.pem"), os.path.join(box.dir, "new-cert.pem")
        subprocess.run(["openssl", "ecparam", "-name", "prime256v1", "-genkey", "-noout", "-out", new_key],
                       check=True, capture_output=True, timeout=30)
        csr = subprocess.run(["openssl", "req", "-new", "-key", new_key, "-subj", "/CN=renewed-box"],
                             check=True, capture_output=True, text=True, timeout=30).stdout
        code, body = box.request("POST", "/v1/renew", {"csr": csr})
        self.assertEqual(code, 200, body)
        with open(new_cert, "w") as f:
            f.write(json.loads(body)["certificate"])
        renewed = Client(box.port, box.ca, new_cert, new_key)
        self.assertEqual(renewed.get("/v1/changes?cursor=0")[0], 200)
        old.session = old_session
        code, body, resumed = old.get("/v1/changes?cursor=0")
        self.assertTrue(resumed)
        self.assertEqual(code, 403, body)
        self.assertIn("replaced", body)
        code, body, resumed = renewed.get("/v1/changes?cursor=0")
        self.assertEqual(code, 200, body)
        self.assertTrue(resumed)

    def test_tls13_resumption_keeps_the_device_too(self):
        box = self.box("tls13-box")
        c = Client(box.port, box.ca, box.cert, box.key, tls13=True)
        self.assertEqual(c.get("/v1/changes?cursor=0")[0], 200)
        code, body, resumed = c.get("/v1/changes?cursor=0")
        self.assertEqual(code, 200, body)
        self.assertTrue(resumed)
        kept = c.session
        self.mgmt.ctl("device", "revoke", box.device_id)
        c.session = kept
        code, body, resumed = c.get("/v1/changes?cursor=0")
        self.assertTrue(resumed)
        self.assertEqual(code, 403, body)


class TicketKeyRotation(unittest.TestCase):
    """The ticket keys (ADR 0044): random, kept in the storage that two mgmtd share (here the same
    SQLite file through a shared data folder; PostgreSQL in production, the same store), rotated every few seconds
    for the test: a ticket from one replica resumes on the other, a ticket made before a rotation is
    not taken after it (a full handshake, and the request still answers), and no key is logged."""
    PERIOD = 5

    @classmethod
    def setUpClass(cls):
        cls.tmp = TempDir()
        rotation = {"ticket-rotation-seconds": cls.PERIOD, "device-poll-interval": 1}
        cls.first = Mgmtd(os.path.join(cls.tmp.path, "a"), rotation).start()
        second = dict(rotation, **{"data-dir": cls.first.data_dir,
                                   "pid-file": os.path.join(cls.tmp.path, "b", "mgmtd.pid")})
        cls.second = Mgmtd(os.path.join(cls.tmp.path, "b"), second).start()
        cls.first.ctl("tenant", "add", "--name", "acme", "--tier", "basic")

    @classmethod
    def tearDownClass(cls):
        cls.second.stop()
        cls.first.stop()
        cls.tmp.cleanup()

    def period(self):
        return int(time.time()) // self.PERIOD

    def test_replicas_share_the_key_and_a_rotation_ends_older_tickets(self):
        token = self.first.ctl("claim", "create", "--tenant", "acme").stdout.strip()
        box = CurlBox(self.tmp.path, "rotating-box").enroll(token)
        # One client (Python's ssl keeps a session to its own context), sent to either replica.
        c = Client(self.first.device_port, box.ca, box.cert, box.key)
        ports = {"first": self.first.device_port, "second": self.second.device_port}

        def get(replica, session):
            c.port, c.session = ports[replica], session
            code, body, resumed = c.get("/v1/changes?cursor=0")
            self.assertEqual(code, 200, body)
            return resumed

        # Three connections early in one period; when a loaded machine lets a rotation fall between
        # them (its own full handshake would be right), the period after is used instead.
        for attempt in range(4):
            deadline = time.time() + 2 * self.PERIOD
            while time.time() % self.PERIOD > 1.0 and time.time() < deadline:
                time.sleep(0.05)
            made = self.period()
            first = get("first", None)
            shared = get("second", c.session)
            again = get("first", c.session)
            if self.period() == made:
                break
        self.assertEqual(self.period(), made, "four periods in a row too short for three connections")
        self.assertFalse(first)
        self.assertTrue(shared, "the other replica takes the first one's ticket: the key is in the shared storage")
        self.assertTrue(again)
        kept = c.session

        # One rotation later: GnuTLS takes one key per session, so the ticket is already refused.
        while self.period() < made + 1:
            time.sleep(0.1)
        for replica in ports:
            self.assertFalse(get(replica, kept), "a ticket from before the rotation is not accepted after it")
        # Two rotations later: refused on both replicas, a full handshake, and the new ticket works.
        while self.period() < made + 2:
            time.sleep(0.1)
        for replica in ports:
            self.assertFalse(get(replica, kept), "a ticket from two periods ago resumes nothing")
        rotated = self.period()
        fresh = c.session
        resumed = get("first", fresh)
        if self.period() == rotated:  # a third rotation in between would rightly refuse it
            self.assertTrue(resumed, "the new key's ticket resumes on the other replica")

        # The keys in the storage: this period's and the next's (ended ones deleted), random, and in
        # no log.
        db = sqlite3.connect(os.path.join(self.first.data_dir, "mgmt.db"))
        try:
            rows = db.execute("SELECT rotation_seconds, period, secret FROM tls_ticket_keys").fetchall()
        finally:
            db.close()
        now = self.period()
        self.assertTrue(rows)
        for seconds, period, secret in rows:
            self.assertEqual(seconds, self.PERIOD)
            self.assertIn(period, (now - 1, now, now + 1), rows)  # -1: a refresh not yet run since the boundary
            self.assertEqual(len(secret), 64)
        self.assertEqual(len({bytes(r[2]) for r in rows}), len(rows))
        for m in (self.first, self.second):
            log = open(m.log_path, "rb").read()
            for _, _, secret in rows:
                self.assertNotIn(bytes(secret).hex().encode(), log)
                self.assertNotIn(bytes(secret), log)


if __name__ == "__main__":
    unittest.main()
