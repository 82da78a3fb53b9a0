"""mgmtd under attack (issue 19): hostile bodies, callers refused before their body is read, slow
clients, admin tokens that expire and are revoked, and device certificates bound to their device.

Everything runs against a real mgmtd over HTTPS (Python's ssl and curl as the clients) and a real
edged for enrollment. After every attack mgmtd must still answer."""
import json
import os
import socket
import ssl
import subprocess
import sys
import time
import unittest

sys.path.insert(0, os.path.dirname(__file__))
from edgelib import Edged, Mgmtd, TempDir, sign_with_ca, wait_for  # noqa: E402

NESTED_BIG = "[" * 200_000 + "]" * 200_000        # 400 KB: crashed mgmtd before the depth limit
NESTED_SMALL = "[" * 3_000 + "]" * 3_000            # fits enrollment's 8 KiB limit


def curl(url, *args, data=None):
    cmd = ["curl", "-sS", "-k", "-o", "-", "-w", "\n%{http_code}", "--max-time", "20"] + list(args)
    if data is not None:
        path = os.path.join(os.environ.get("TMPDIR", "/tmp"), f"mgmt-sec-body-{os.getpid()}")
        with open(path, "w") as f:
            f.write(data)
        cmd += ["-H", "Content-Type: application/json", "--data-binary", "@" + path]
    for _ in range(10):
        r = subprocess.run(cmd + [url], capture_output=True, text=True, timeout=40)
        body, _, code = r.stdout.rpartition("\n")
        # The admin API's per-token rate (by tier): a client waits as told and asks again, so what a
        # route answers is asserted, not how fast this loop is on a quiet machine.
        if int(code or 0) != 429 or "too many requests for this token" not in body:
            break
        time.sleep(float(json.loads(body).get("retry-after", 1)))
    return int(code or 0), body


def openssl(*args):
    r = subprocess.run(["openssl"] + list(args), capture_output=True, text=True, timeout=30)
    if r.returncode != 0:
        raise AssertionError(f"openssl {' '.join(args)}: {r.stderr}")
    return r.stdout


def tls_socket(port, cert=None, key=None):
    ctx = ssl.create_default_context()
    ctx.check_hostname = False
    ctx.verify_mode = ssl.CERT_NONE
    if cert:
        ctx.load_cert_chain(cert, key)
    raw = socket.create_connection(("127.0.0.1", port), timeout=10)
    return ctx.wrap_socket(raw, server_hostname="edge-mgmt")


def read_status(sock):
    """The status code of the response on `sock` (reads until the status line is complete)."""
    data = b""
    while b"\r\n" not in data:
        chunk = sock.recv(4096)
        if not chunk:
            break
        data += chunk
    if not data:
        return None
    return int(data.split(b" ", 2)[1])


class MgmtSecurity(unittest.TestCase):
    @classmethod
    def setUpClass(cls):
        cls.tmp = TempDir()
        # A short request deadline, so a trickled body is cut within the test.
        cls.mgmt = Mgmtd(os.path.join(cls.tmp.path, "mgmt"), {
            "device-poll-interval": 1,
            "device-api": {"listen": "127.0.0.1", "port": 0, "request-seconds": 4},
            "admin-api": {"listen": "127.0.0.1", "port": 0, "request-seconds": 4}}).start()
        cls.tenant = cls.mgmt.ctl("tenant", "add", "--name", "acme", "--tier", "basic").stdout.strip()
        cls.mgmt.ctl("tenant", "add", "--name", "globex", "--tier", "basic")
        cls.admin = f"https://127.0.0.1:{cls.mgmt.admin_port}"
        cls.device = f"https://127.0.0.1:{cls.mgmt.device_port}"
        with open(os.path.join(cls.mgmt.data_dir, "admin-token")) as f:
            cls.platform_token = f.read().strip()
        cls.tenant_token = cls.mgmt.ctl("token", "create", "--tenant", "acme").stdout.strip()

    @classmethod
    def tearDownClass(cls):
        cls.mgmt.stop()
        cls.tmp.cleanup()

    def assertAlive(self):
        self.assertIsNone(self.mgmt.proc.poll(), "mgmtd died: " + self.mgmt.read_log()[-2000:])
        code, body = curl(self.admin + "/api/v1/tenant-list", "-H", f"Authorization: Bearer {self.platform_token}")
        self.assertEqual(code, 200, body)

    def bearer(self, token):
        return ["-H", f"Authorization: Bearer {token}"]

    def enroll_box(self, name):
        """A real box enrolled for acme; returns (cert, key) copied from it, with the box stopped."""
        box = Edged(os.path.join(self.tmp.path, name)).start()
        try:
            token = self.mgmt.ctl("claim", "create", "--tenant", "acme").stdout.strip()
            box.ctl("enroll", token)
            d = os.path.join(box.data_dir, "sync")
            cert, key = os.path.join(self.tmp.path, name + ".pem"), os.path.join(self.tmp.path, name + "-key.pem")
            with open(os.path.join(d, "device.pem")) as a, open(cert, "w") as b:
                b.write(a.read())
            with open(os.path.join(d, "device-key.pem")) as a, open(key, "w") as b:
                b.write(a.read())
        finally:
            box.stop()
        return cert, key

    # ---- hostile bodies ---------------------------------------------------------------------------

    def test_nested_bodies_are_refused_and_mgmtd_lives(self):
        for token in (self.platform_token, self.tenant_token):
            code, body = curl(self.admin + "/api/v1/plan-add", *self.bearer(token), data=NESTED_BIG)
            self.assertEqual(code, 400, body)
            self.assertIn("nested deeper than 64", json.loads(body)["error"])
            self.assertAlive()
            deep_object = '{"tenant":"acme","name":' + "[" * 100 + "]" * 100 + "}"
            code, body = curl(self.admin + "/api/v1/plan-add", *self.bearer(token), data=deep_object)
            self.assertEqual(code, 400, body)
            self.assertAlive()
        # The unauthenticated enrollment: too big is refused by size, small but deep by depth.
        # mgmtd answers 413 from the head and closes; a client still pushing 400 KB may meet the reset
        # before it reads that answer, so this one asks first, as a careful client does.
        code, body = curl(self.device + "/v1/enroll", "-H", "Expect: 100-continue", data=NESTED_BIG)
        self.assertEqual(code, 413, body)
        code, body = curl(self.device + "/v1/enroll", data=NESTED_SMALL)
        self.assertEqual(code, 400, body)
        self.assertIn("nested deeper", json.loads(body)["error"])
        self.assertAlive()
        # The control socket goes through the same parser.
        r = self.mgmt.ctl("call", "plan-add", NESTED_SMALL, check=False)
        self.assertNotEqual(r.returncode, 0)
        self.assertAlive()
        # A key given twice is refused, naming it.
        code, body = curl(self.admin + "/api/v1/plan-add", *self.bearer(self.platform_token),
                          data='{"tenant":"acme","name":"a","name":"b","down":"1M","up":"1M"}')
        self.assertEqual(code, 400, body)
        self.assertIn("'name' is given twice", body)

    def test_device_api_bodies_after_a_verified_certificate(self):
        cert, key = self.enroll_box("nested-box")
        code, body = curl(self.device + "/v1/checkin", "--cert", cert, "--key", key, data=NESTED_BIG)
        self.assertEqual(code, 400, body)
        for path in ("/v1/usage", "/v1/events", "/v1/results", "/v1/renew"):
            code, body = curl(self.device + path, "--cert", cert, "--key", key, data=NESTED_SMALL)
            self.assertEqual(code, 400, path + ": " + body)
        self.assertAlive()

    # ---- the caller before the body ----------------------------------------------------------------

    def announce(self, port, path, length, headers=(), cert=None, key=None):
        """Sends only the request head announcing `length` body bytes; returns the status mgmtd answers
        with before a byte of the body was sent (None: it waited for the body)."""
        s = tls_socket(port, cert, key)
        try:
            head = f"POST {path} HTTP/1.1\r\nHost: edge-mgmt\r\nContent-Type: application/json\r\n" \
                   f"Content-Length: {length}\r\n" + "".join(h + "\r\n" for h in headers) + "\r\n"
            s.sendall(head.encode())
            s.settimeout(5)
            try:
                return read_status(s)
            except socket.timeout:
                return None
        finally:
            s.close()

    def test_callers_are_refused_before_their_body(self):
        big = 4 * 1024 * 1024
        self.assertEqual(self.announce(self.mgmt.admin_port, "/api/v1/plan-add", big), 401)
        self.assertEqual(self.announce(self.mgmt.admin_port, "/api/v1/plan-add", big,
                                       ["Authorization: Bearer k-0000.nope"]), 401)
        self.assertEqual(self.announce(self.mgmt.admin_port, "/api/v1/nothing-here", big), 404)
        self.assertEqual(self.announce(self.mgmt.admin_port, "/api/v1/tenant-list", big), 405)
        self.assertEqual(self.announce(self.mgmt.device_port, "/v1/checkin", big), 401)
        self.assertEqual(self.announce(self.mgmt.device_port, "/v1/enroll", 100_000), 413)
        # A known caller past the route's limit is refused by the announced length alone.
        self.assertEqual(self.announce(self.mgmt.admin_port, "/api/v1/plan-add", 2 * 1024 * 1024,
                                       [f"Authorization: Bearer {self.platform_token}"]), 413)
        # A known caller within the limit is waited for (the server asks for the body).
        self.assertIsNone(self.announce(self.mgmt.admin_port, "/api/v1/plan-add", 1000,
                                        [f"Authorization: Bearer {self.platform_token}"]))
        self.assertAlive()

    def test_connections_per_address_are_limited_and_slow_clients_cut(self):
        held = []
        refused = 0
        try:
            for _ in range(48):
                try:
                    s = tls_socket(self.mgmt.admin_port)
                    s.sendall(b"GET /api/v1/tenant-list HTTP/1.1\r\nHost: x\r\n")  # never finished
                    held.append(s)
                except (OSError, ssl.SSLError):
                    refused += 1
            self.assertGreater(refused, 0, "48 connections from one address were all taken")
            self.assertLessEqual(len(held), 32)
            # A half-sent request is closed by the server after its connection timeout.
            s = held[0]
            s.settimeout(30)
            start = time.time()
            try:
                data = s.recv(4096)
            except (OSError, ssl.SSLError):
                data = b""
            self.assertLess(time.time() - start, 29, "the half-sent request was never closed")
            self.assertNotIn(b"200 OK", data)
        finally:
            for s in held:
                s.close()
        wait_for(lambda: curl(self.admin + "/api/v1/tenant-list", *self.bearer(self.platform_token))[0] == 200,
                 timeout=20, what="the admin API after the slow clients")

    def test_a_trickled_body_is_cut_at_the_request_deadline(self):
        """One byte every half second never leaves the connection idle; the request deadline ends it."""
        s = tls_socket(self.mgmt.admin_port)
        try:
            s.sendall(f"POST /api/v1/plan-add HTTP/1.1\r\nHost: edge-mgmt\r\nContent-Type: application/json\r\n"
                      f"Authorization: Bearer {self.platform_token}\r\nContent-Length: 200\r\n\r\n".encode())
            sent, closed = 0, False
            deadline = time.time() + 30
            while sent < 199 and time.time() < deadline:
                try:
                    s.sendall(b" ")
                    sent += 1
                    s.settimeout(0.5)
                    if s.recv(4096) == b"":
                        closed = True
                        break
                except socket.timeout:
                    continue
                except (OSError, ssl.SSLError):
                    closed = True
                    break
            self.assertTrue(closed, f"still open after {sent} of 200 bytes")
            self.assertLess(sent, 199, "the whole body got through")
        finally:
            s.close()
        self.assertAlive()

    # ---- admin tokens ------------------------------------------------------------------------------

    def test_tokens_expire_are_revoked_and_follow_their_tenant(self):
        def status(token):
            return curl(self.admin + "/api/v1/plan-list", *self.bearer(token))[0]
        # Used at once (a busy machine may take a second or more per command), expired 3 s after it was made.
        made = time.time()
        short = self.mgmt.ctl("token", "create", "--tenant", "globex", "--name", "short", "--ttl", "3s").stdout.strip()
        self.assertEqual(status(short), 200)
        lasting = self.mgmt.ctl("token", "create", "--tenant", "globex", "--name", "lasting").stdout.strip()
        self.assertEqual(status(lasting), 200)
        listed = self.mgmt.ctl_json("token", "list")
        self.assertNotIn(lasting, json.dumps(listed), "a token's secret is never listed")
        ids = {t["name"]: t["id"] for t in listed}
        self.assertIn("short", ids)
        time.sleep(max(0.0, made + 3.5 - time.time()))
        self.assertEqual(status(short), 401)
        states = {t["name"]: t["state"] for t in self.mgmt.ctl_json("token", "list")}
        self.assertEqual(states["short"], "expired")
        # A suspended tenant's tokens stop working, and work again when it resumes.
        self.mgmt.ctl("tenant", "suspend", "globex")
        self.assertEqual(status(lasting), 401)
        self.mgmt.ctl("tenant", "resume", "globex")
        self.assertEqual(status(lasting), 200)
        self.mgmt.ctl("token", "revoke", ids["lasting"])
        self.assertEqual(status(lasting), 401)
        states = {t["name"]: t for t in self.mgmt.ctl_json("token", "list")}
        self.assertEqual(states["lasting"]["state"], "revoked")
        self.assertTrue(states["lasting"]["last-used-at"])
        # Only the platform manages tokens.
        code, _ = curl(self.admin + "/api/v1/token-list", *self.bearer(self.tenant_token))
        self.assertEqual(code, 403)

    # ---- device certificates -----------------------------------------------------------------------

    def test_a_device_certificate_is_bound_to_its_device(self):
        cert, key = self.enroll_box("bound-box")

        def changes(c, k):
            return curl(self.device + "/v1/changes?cursor=0", "--cert", c, "--key", k)

        def renew(c, k, new_key, out):
            csr = os.path.join(self.tmp.path, "renew.csr")
            openssl("req", "-new", "-key", new_key, "-out", csr, "-subj", "/CN=ignored")
            with open(csr) as f:
                code, body = curl(self.device + "/v1/renew", "--cert", c, "--key", k, data=json.dumps({"csr": f.read()}))
            if code == 200:
                with open(out, "w") as f:
                    f.write(json.loads(body)["certificate"])
            return code, body

        p = lambda n: os.path.join(self.tmp.path, n)  # noqa: E731
        for n in ("k1", "k2", "k3"):
            openssl("ecparam", "-name", "prime256v1", "-genkey", "-noout", "-out", p(n + ".key"))
        self.assertEqual(changes(cert, key)[0], 200)
        # The box renews; until the new certificate is used, the old one still works (a lost answer
        # must not lock the box out) ...
        self.assertEqual(renew(cert, key, p("k1.key"), p("c1.pem"))[0], 200)
        subject = openssl("x509", "-in", p("c1.pem"), "-noout", "-subject")
        self.assertIn("OU = " + self.tenant, subject)
        self.assertNotIn("ignored", subject, "the subject comes from mgmt, never from the CSR")
        self.assertEqual(changes(cert, key)[0], 200)
        # ... and a renewal whose answer was lost can be asked again with the old certificate.
        self.assertEqual(renew(cert, key, p("k2.key"), p("c2.pem"))[0], 200)
        code, body = changes(p("c1.pem"), p("k1.key"))
        self.assertEqual(code, 403, "the lost renewal's certificate is superseded")
        self.assertIn("replaced", body)
        # Once the newest certificate is used, every earlier one is refused: a leaked key is dead.
        self.assertEqual(changes(p("c2.pem"), p("k2.key"))[0], 200)
        code, body = changes(cert, key)
        self.assertEqual(code, 403, body)
        self.assertIn("replaced", body)
        code, body = renew(cert, key, p("k3.key"), p("c3.pem"))
        self.assertEqual(code, 403, "an old key cannot renew itself: " + body)
        self.assertEqual(changes(p("c2.pem"), p("k2.key"))[0], 200)
        self.assertAlive()

    def test_rekey_retires_a_leaked_key_and_the_box_keeps_working(self):
        box = Edged(os.path.join(self.tmp.path, "rekey-box"), {"sync": {"max-backoff": 5}}).start()
        try:
            box.ctl("enroll", self.mgmt.ctl("claim", "create", "--tenant", "acme").stdout.strip())
            d = os.path.join(box.data_dir, "sync")
            leaked_cert, leaked_key = os.path.join(self.tmp.path, "leaked.pem"), os.path.join(self.tmp.path, "leaked.key")
            for src, dst in (("device.pem", leaked_cert), ("device-key.pem", leaked_key)):
                with open(os.path.join(d, src)) as a, open(dst, "w") as b:
                    b.write(a.read())
            device = box.ctl_json("sync", "status")["device-id"]
            url = self.device + "/v1/changes?cursor=0"
            self.assertEqual(curl(url, "--cert", leaked_cert, "--key", leaked_key)[0], 200)
            self.mgmt.ctl("device", "rekey", device)
            # The box renews at its next check-in and then uses the new certificate: the copy is dead.
            wait_for(lambda: curl(url, "--cert", leaked_cert, "--key", leaked_key)[0] == 403, timeout=20,
                     what="the leaked certificate being refused")
            with open(os.path.join(d, "device-key.pem")) as f:
                self.assertNotEqual(f.read(), open(leaked_key).read(), "the box made a new key")
            box.ctl("sync", "now")
            wait_for(lambda: box.ctl_json("sync", "status")["state"] == "ok", timeout=20, what="the box syncing on")
            shown = self.mgmt.ctl_json("device", "show", device)
            self.assertEqual(shown["status"], "active")
        finally:
            box.stop()

    # ---- negative paths of enrollment and the device API (issue 29) --------------------------------

    def issue_with_mgmt_ca(self, name, subject, start, end):
        """A certificate for `subject` signed by mgmt's own CA key, valid from start to end."""
        work = os.path.join(self.tmp.path, "ca-" + name)
        os.makedirs(work, exist_ok=True)
        key, csr, cert = (os.path.join(work, n) for n in ("k.pem", "r.csr", "c.pem"))
        openssl("req", "-newkey", "ec", "-pkeyopt", "ec_paramgen_curve:P-256", "-nodes", "-keyout", key,
                "-out", csr, "-subj", subject)
        sign_with_ca(work, os.path.join(self.mgmt.data_dir, "ca.pem"), os.path.join(self.mgmt.data_dir, "ca-key.pem"),
                     csr, cert, start, end)
        return cert, key

    def test_unknown_device_and_not_yet_valid_certificates_are_refused(self):
        url = self.device + "/v1/changes?cursor=0"
        cert, key = self.issue_with_mgmt_ca("unknown", f"/CN=d-00000000-unknown/OU={self.tenant}",
                                            "20250101000000Z", "20350101000000Z")
        code, body = curl(url, "--cert", cert, "--key", key)
        self.assertEqual(code, 403, body)
        self.assertIn("unknown device", body)
        real_cert, _ = self.enroll_box("future-box")
        device = openssl("x509", "-in", real_cert, "-noout", "-subject").split("CN = ")[1].split(",")[0].strip()
        cert, key = self.issue_with_mgmt_ca("future", f"/CN={device}/OU={self.tenant}", "20340101000000Z",
                                            "20350101000000Z")
        code, body = curl(url, "--cert", cert, "--key", key)
        self.assertEqual(code, 401, body)
        self.assertIn("not valid yet", body)
        # Issued by the right CA for the right device, but not the certificate the device holds.
        cert, key = self.issue_with_mgmt_ca("stray", f"/CN={device}/OU={self.tenant}", "20250101000000Z",
                                            "20350101000000Z")
        code, body = curl(url, "--cert", cert, "--key", key)
        self.assertEqual(code, 403, body)
        self.assertIn("replaced", body)

    def test_enrollment_refuses_a_management_plane_the_token_does_not_pin(self):
        import base64
        token = self.mgmt.ctl("claim", "create", "--tenant", "acme").stdout.strip()
        body = json.loads(base64.urlsafe_b64decode(token.split(".", 1)[1] + "=="))
        body["ca"] = "ab" * 32
        forged = "edge1." + base64.urlsafe_b64encode(json.dumps(body).encode()).decode().rstrip("=")
        box = Edged(os.path.join(self.tmp.path, "pin-box")).start()
        try:
            r = box.ctl("enroll", forged, check=False)
            self.assertEqual(r.returncode, 1, r.stdout)
            self.assertIn("not the one the claim token pins", r.stderr)
            self.assertEqual(box.ctl_json("sync", "status")["state"], "not-enrolled")
            # The secret never left the box: the real token still works.
            box.ctl("enroll", token)
            self.assertNotEqual(box.ctl_json("sync", "status")["state"], "not-enrolled")
        finally:
            box.stop()

    def test_a_suspended_tenant_can_neither_enroll_nor_sync(self):
        self.mgmt.ctl("tenant", "add", "--name", "hooli", "--tier", "basic")
        self.addCleanup(lambda: self.mgmt.ctl("tenant", "resume", "hooli", check=False))
        early = self.mgmt.ctl("claim", "create", "--tenant", "hooli").stdout.strip()
        later = self.mgmt.ctl("claim", "create", "--tenant", "hooli").stdout.strip()
        box = Edged(os.path.join(self.tmp.path, "hooli-box")).start()
        self.addCleanup(box.stop)
        box.ctl("enroll", early)
        d = os.path.join(box.data_dir, "sync")
        cert, key = os.path.join(d, "device.pem"), os.path.join(d, "device-key.pem")
        url = self.device + "/v1/changes?cursor=0"
        self.assertEqual(curl(url, "--cert", cert, "--key", key)[0], 200)
        self.mgmt.ctl("tenant", "suspend", "hooli")
        code, body = curl(url, "--cert", cert, "--key", key)
        self.assertEqual(code, 403, body)
        self.assertIn("suspended", body)
        refused = self.mgmt.ctl("claim", "create", "--tenant", "hooli", check=False)
        self.assertNotEqual(refused.returncode, 0)
        self.assertIn("suspended", refused.stderr)
        other = Edged(os.path.join(self.tmp.path, "hooli-box-2")).start()
        self.addCleanup(other.stop)
        r = other.ctl("enroll", later, check=False)
        self.assertEqual(r.returncode, 1, r.stdout)
        self.assertIn("suspended", r.stderr)
        self.mgmt.ctl("tenant", "resume", "hooli")
        self.assertEqual(curl(url, "--cert", cert, "--key", key)[0], 200)

    def test_a_tenant_token_sees_and_touches_only_its_tenant(self):
        """Every admin route with globex's token, aimed at acme: nothing of acme's is read or changed."""
        acme_cert, _ = self.enroll_box("iso-box")
        acme_device = openssl("x509", "-in", acme_cert, "-noout", "-subject").split("CN = ")[1].split(",")[0].strip()
        self.mgmt.ctl("plan", "add", "--tenant", "acme", "--name", "acme-plan", "--down", "1M", "--up", "1M")
        self.mgmt.ctl("subscriber", "add", "--tenant", "acme", "--username", "acme-user", "--password", "pw",
                      "--plan", "acme-plan")
        globex = self.mgmt.ctl("token", "create", "--tenant", "globex").stdout.strip()
        auth = self.bearer(globex)
        reads = ["tenant-show?tenant=acme", "license-show?tenant=acme", "device-list?tenant=acme",
                 f"device-show?device={acme_device}", "plan-list?tenant=acme", "subscriber-list?tenant=acme",
                 "usage?tenant=acme", "session-list?tenant=acme", "command-list?tenant=acme"]
        for route in reads:
            code, body = curl(self.admin + "/api/v1/" + route, *auth)
            self.assertIn(code, (403, 404), f"{route}: {code} {body}")
            self.assertNotIn("acme-user", body, route)
            self.assertNotIn(acme_device, body.replace(f"'{acme_device}'", ""), route)
        # Unscoped reads answer with globex's own data only.
        for route in ("tenant-list", "device-list", "plan-list", "subscriber-list", "usage", "session-list"):
            code, body = curl(self.admin + "/api/v1/" + route, *auth)
            self.assertEqual(code, 200, f"{route}: {body}")
            self.assertNotIn("acme", body, route)
            self.assertNotIn(acme_device, body, route)
        writes = {
            "plan-set": {"tenant": "acme", "name": "acme-plan", "down": "2M"},
            "plan-del": {"tenant": "acme", "name": "acme-plan"},
            "subscriber-set": {"tenant": "acme", "username": "acme-user", "password": "taken"},
            "subscriber-del": {"tenant": "acme", "username": "acme-user"},
            "session-disconnect": {"tenant": "acme", "user": "acme-user"},
            "claim-create": {"tenant": "acme"},
            "device-revoke": {"device": acme_device},
            "device-rekey": {"device": acme_device},
            "tenant-suspend": {"tenant": "acme"},
            "token-create": {"tenant": "acme"},
            "token-revoke": {"id": "k-0000"},
        }
        for route, args in writes.items():
            code, body = curl(self.admin + "/api/v1/" + route, *auth, data=json.dumps(args))
            self.assertIn(code, (403, 404), f"{route}: {code} {body}")
        # Nothing of acme's changed.
        plans = self.mgmt.ctl_json("plan", "list", "--tenant", "acme")
        self.assertIn("acme-plan", [p["name"] for p in plans])
        self.assertEqual(self.mgmt.ctl_json("device", "show", acme_device)["status"], "active")
        self.assertEqual(self.mgmt.ctl_json("tenant", "show", "acme")["status"], "active")
        self.assertIn("acme-user", json.dumps(self.mgmt.ctl_json("subscriber", "list", "--tenant", "acme")))



if __name__ == "__main__":
    unittest.main(verbosity=2)
