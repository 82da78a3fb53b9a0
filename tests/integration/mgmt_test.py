"""The management plane end to end: a real mgmtd and a real edged on loopback.

Enrollment with a claim token, central plans and subscribers reaching the box (radclient then
authenticates there), a subscriber made on the box appearing centrally, usage totals surviving an
mgmtd outage under accounting load exactly (nothing lost, nothing doubled), the mutual-TLS refusals
tried with curl and openssl, and the license rules on the box (tampered, foreign, cap, expiry)."""
import base64
import json
import os
import socket
import subprocess
import sys
import threading
import time
import unittest

sys.path.insert(0, os.path.dirname(__file__))
from edgelib import Edged, Mgmtd, TempDir, sign_with_ca, wait_for  # noqa: E402
import radius_peer as rp  # noqa: E402
from radius_acct_test import SECRET as ACCT_SECRET, acct_packet  # noqa: E402
from session_control_test import FakeNas  # noqa: E402

SECRET = b"mgmt-test-secret"


def radclient_auth(port, user, password):
    lines = [f'User-Name = "{user}"', f'User-Password = "{password}"', "Message-Authenticator = 0x00"]
    r = subprocess.run(["radclient", "-x", "-r", "1", "-t", "2", f"127.0.0.1:{port}", "auth", SECRET.decode()],
                       input="\n".join(lines) + "\n", capture_output=True, text=True, timeout=20)
    return r.stdout + r.stderr


def curl(url, *args, data=None, method=None):
    cmd = ["curl", "-sS", "-o", "-", "-w", "\n%{http_code}", "--max-time", "10"] + list(args)
    if data is not None:
        cmd += ["-H", "Content-Type: application/json", "--data-binary", data]
    if method:
        cmd += ["-X", method]
    r = subprocess.run(cmd + [url], capture_output=True, text=True, timeout=20)
    body, _, code = r.stdout.rpartition("\n")
    return int(code or 0), body, r.stderr


def openssl(*args, input=None):
    r = subprocess.run(["openssl"] + list(args), capture_output=True, text=True, input=input, timeout=30)
    if r.returncode != 0:
        raise AssertionError(f"openssl {' '.join(args)}: {r.stderr}")
    return r.stdout


class ManagementPlane(unittest.TestCase):
    @classmethod
    def setUpClass(cls):
        cls.tmp = TempDir()
        cls.mgmt = Mgmtd(os.path.join(cls.tmp.path, "mgmt"), {"device-poll-interval": 1}).start()
        cls.tenant = cls.mgmt.ctl("tenant", "add", "--name", "acme", "--tier", "free").stdout.strip()
        cls.other = cls.mgmt.ctl("tenant", "add", "--name", "globex", "--tier", "basic").stdout.strip()
        cls.box = Edged(os.path.join(cls.tmp.path, "box"), {"sync": {"max-backoff": 5}}).start()
        cls.box.ctl("nas", "add", "--name", "bras", "--address", "127.0.0.1", "--secret", SECRET.decode(),
                    "--vendor", "mikrotik")
        radius = cls.box.ctl_json("status")["radius"]
        cls.auth_port, cls.acct_port = radius["auth-port"], radius["acct-port"]
        cls.device_url = f"https://127.0.0.1:{cls.mgmt.device_port}"
        cls.admin_url = f"https://127.0.0.1:{cls.mgmt.admin_port}"
        cls.ca = os.path.join(cls.mgmt.data_dir, "ca.pem")
        # Every test starts from an enrolled box with the central plan "home"; each makes its own
        # subscribers and boxes, so the tests do not depend on their order.
        token = cls.mgmt.ctl("claim", "create", "--tenant", "acme").stdout.strip()
        cls.enroll_output = cls.box.ctl("enroll", token).stdout
        cls.status = wait_for(lambda: (s := cls.box.ctl_json("sync", "status"))["state"] == "ok" and s,
                              what="first check-in")
        cls.device_id = cls.status["device-id"]
        cls.mgmt.ctl("plan", "add", "--tenant", "acme", "--name", "home", "--down", "10M", "--up", "2M")
        wait_for(lambda: "home" in cls.box.ctl("plan", "list", check=False).stdout, timeout=10, what="home on the box")

    @classmethod
    def tearDownClass(cls):
        cls.box.stop()
        cls.mgmt.stop()
        cls.tmp.cleanup()

    def claim(self, tenant="acme", *extra):
        out = self.mgmt.ctl("claim", "create", "--tenant", tenant, *extra).stdout.strip().splitlines()
        self.assertEqual(len(out), 1, "the token alone on its line")
        return out[0]

    def sync_now(self):
        self.box.ctl("sync", "now")

    def device_files(self):
        d = os.path.join(self.box.data_dir, "sync")
        return os.path.join(d, "device.pem"), os.path.join(d, "device-key.pem")

    def central_subscriber(self, user, password, tenant="acme", box=None):
        """A subscriber made centrally, once it is on the box."""
        box = box or self.box
        self.mgmt.ctl("subscriber", "add", "--tenant", tenant, "--username", user, "--password", password,
                      "--plan", "home")
        wait_for(lambda: box.ctl("subscriber", "show", user, check=False).returncode == 0, timeout=10,
                 what=f"{user} on the box")

    def enrolled_box(self, name, tenant="acme"):
        """Another box, enrolled for `tenant` and checked in; stopped at the end of the test."""
        box = Edged(os.path.join(self.tmp.path, name), {"sync": {"max-backoff": 5}}).start()
        self.addCleanup(box.stop)
        box.ctl("enroll", self.claim(tenant))
        wait_for(lambda: box.ctl_json("sync", "status")["state"] == "ok", timeout=15, what=f"{name} checked in")
        return box

    def test_01_enroll_and_central_changes_reach_the_box(self):
        self.assertIn("enrolled as device", self.enroll_output)
        key = os.path.join(self.box.data_dir, "sync", "device-key.pem")
        self.assertEqual(os.stat(key).st_mode & 0o777, 0o600, "the box's key is readable by edged only")
        self.assertIn("PRIVATE KEY", open(key).read())
        self.assertEqual(self.status["tenant-id"], self.tenant)
        lic = self.box.ctl_json("license", "show")
        self.assertEqual(lic["license"]["tenant"], self.tenant)
        self.assertEqual(lic["license"]["subscriber-cap"], 100)
        devices = self.mgmt.ctl_json("device", "list", "--tenant", "acme")
        self.assertIn(self.device_id, [d["id"] for d in devices])

        # Within one check-in interval (1 s here), plus the time of a cycle.
        self.central_subscriber("alice", "alice-pw")
        out = radclient_auth(self.auth_port, "alice", "alice-pw")
        self.assertIn("Access-Accept", out)
        self.assertIn("Access-Reject", radclient_auth(self.auth_port, "alice", "wrong"))
        # A change and a deletion travel the same way.
        self.mgmt.ctl("subscriber", "set", "--tenant", "acme", "--username", "alice", "--password", "new-pw")
        wait_for(lambda: "Access-Accept" in radclient_auth(self.auth_port, "alice", "new-pw"), timeout=10,
                 what="the new password on the box")
        self.mgmt.ctl("subscriber", "add", "--tenant", "acme", "--username", "gone", "--password", "x", "--plan", "home")
        wait_for(lambda: self.box.ctl("subscriber", "show", "gone", check=False).returncode == 0, timeout=10,
                 what="gone on the box")
        self.mgmt.ctl("subscriber", "del", "--tenant", "acme", "--username", "gone")
        wait_for(lambda: self.box.ctl("subscriber", "show", "gone", check=False).returncode != 0, timeout=10,
                 what="gone deleted on the box")
        # Central validation is the box's: a bad plan is refused centrally with the box's words.
        bad = self.mgmt.ctl("plan", "add", "--tenant", "acme", "--name", "bad", "--down", "1M", "--up", "1M",
                            "--interim", "5", check=False)
        self.assertEqual(bad.returncode, 1)
        self.assertIn("interim: at least 60 seconds", bad.stderr)

    def test_02_subscriber_made_on_the_box_appears_centrally(self):
        self.box.ctl("subscriber", "add", "--username", "bob", "--password", "bob-pw", "--plan", "home")
        self.addCleanup(lambda: self.mgmt.ctl("subscriber", "del", "--tenant", "acme", "--username", "bob",
                                              check=False))
        self.sync_now()

        def central():
            return [s for s in self.mgmt.ctl_json("subscriber", "list", "--tenant", "acme") if s["username"] == "bob"]
        rows = wait_for(central, timeout=10, what="bob centrally")
        self.assertEqual(rows[0]["origin"], self.device_id)
        self.assertEqual(rows[0]["password"], "(set)", "passwords are never shown")
        self.assertIn("Access-Accept", radclient_auth(self.auth_port, "bob", "bob-pw"))

    def test_03_usage_survives_an_outage_exactly(self):
        users = ["ursula", "victor"]
        for user in users:
            self.central_subscriber(user, user + "-pw")
        expected = {u: [0, 0] for u in users}
        stop = threading.Event()
        answered = {"auth": 0, "auth-failed": 0}

        def auth_load():
            while not stop.is_set():
                out = radclient_auth(self.auth_port, "victor", "victor-pw")
                answered["auth" if "Access-Accept" in out else "auth-failed"] += 1
                time.sleep(0.1)

        sock = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
        sock.settimeout(3)
        pkt = [0]

        def acct(status, user, session, counters):
            pkt[0] = (pkt[0] + 1) % 256
            raw = rp.accounting_request(SECRET, status, user, session, counters, pkt_id=pkt[0])
            sock.sendto(raw, ("127.0.0.1", self.acct_port))
            reply, _ = sock.recvfrom(4096)
            self.assertEqual(reply[0], 5, "Accounting-Response")

        def sessions(prefix, count):
            for i in range(count):
                user = users[i % 2]
                sid = f"{prefix}-{i}"
                acct(1, user, sid, (0, 0, 0))
                inp, out = 1000 * (i + 1), 5000 * (i + 1) + (1 << 32 if i % 5 == 0 else 0)
                acct(3, user, sid, (inp // 2, out // 2, 30))
                acct(2, user, sid, (inp, out, 60))
                expected[user][0] += inp
                expected[user][1] += out

        loader = threading.Thread(target=auth_load)
        loader.start()
        try:
            sessions("before", 20)
            self.mgmt.stop()
            sessions("during", 40)  # mgmt is down: the box answers and keeps the usage
            wait_for(lambda: self.box.ctl_json("sync", "status")["state"] == "failing", timeout=15,
                     what="the box noticing mgmt is gone")
            status = self.box.ctl_json("sync", "status")
            self.assertIn("cannot reach the management plane", status["summary"])
            self.assertGreater(status["usage-backlog"], 0)
            self.mgmt.start()
            sessions("after", 10)
        finally:
            stop.set()
            loader.join()
        self.assertGreater(answered["auth"], 0)
        self.assertEqual(answered["auth-failed"], 0, "RADIUS kept answering while mgmt was down")
        self.sync_now()
        wait_for(lambda: (s := self.box.ctl_json("sync", "status"))["state"] == "ok" and s["usage-backlog"] == 0,
                 timeout=30, what="the usage backlog to drain")
        totals = {r["username"]: r for r in self.mgmt.ctl_json("usage", "--tenant", "acme")}
        for user in users:
            self.assertIn(user, totals)
            self.assertEqual(totals[user]["input-octets"], expected[user][0], user)
            self.assertEqual(totals[user]["output-octets"], expected[user][1], user)
            box = self.box.ctl_json("usage", "--user", user, "--period", "day")
            self.assertEqual(box["input-octets"], expected[user][0])
            self.assertEqual(box["output-octets"], expected[user][1])
        # The closed sessions came up too, each once.
        closed = [c for user in users
                  for c in self.mgmt.ctl_json("session", "list", "--tenant", "acme", "--user", user, "--limit", "1000")]
        self.assertEqual(len(closed), 70)
        self.assertEqual(len({c["session"] for c in closed}), 70)
        one = self.mgmt.ctl_json("usage", "--tenant", "acme", "--user", "ursula")
        self.assertEqual([r["username"] for r in one], ["ursula"])

        # A replayed batch (the same rows again, as after a crash before the acknowledgement) changes nothing.
        cert, key = self.device_files()
        rows = [{"seq": 1, "at": 1, "session": "x", "username": "ursula", "input-octets": 999, "output-octets": 999,
                 "session-time": 1}]
        code, body, _ = curl(f"https://edge-mgmt:{self.mgmt.device_port}/v1/usage", "--cacert", self.ca, "--cert",
                             cert, "--key", key, "--resolve", f"edge-mgmt:{self.mgmt.device_port}:127.0.0.1",
                             data=json.dumps({"idempotency-key": "usage:1-1", "rows": rows}))
        self.assertEqual(code, 200, body)
        ack = json.loads(body)
        self.assertEqual((ack["accepted"], ack["duplicates"]), (0, 1))
        again = {r["username"]: r for r in self.mgmt.ctl_json("usage", "--tenant", "acme")}
        self.assertEqual(again["ursula"]["input-octets"], expected["ursula"][0])

    def test_04_mutual_tls_refusals(self):
        cert, key = self.device_files()
        host = f"edge-mgmt:{self.mgmt.device_port}:127.0.0.1"
        url = f"https://edge-mgmt:{self.mgmt.device_port}"
        base = ["--cacert", self.ca, "--resolve", host]
        # The box's own certificate works.
        code, body, _ = curl(url + "/v1/changes?cursor=0", *base, "--cert", cert, "--key", key)
        self.assertEqual(code, 200, body)
        self.assertTrue(json.loads(body)["changes"])
        # No client certificate.
        code, body, _ = curl(url + "/v1/changes?cursor=0", *base)
        self.assertEqual(code, 401)
        self.assertIn("client certificate is required", body)
        # A certificate from another CA, with the same device name.
        work = os.path.join(self.tmp.path, "pki")
        os.makedirs(work, exist_ok=True)
        p = lambda n: os.path.join(work, n)  # noqa: E731
        openssl("req", "-x509", "-newkey", "ec", "-pkeyopt", "ec_paramgen_curve:P-256", "-nodes", "-keyout",
                p("rogue-ca.key"), "-out", p("rogue-ca.pem"), "-subj", "/CN=rogue CA", "-days", "30")
        openssl("req", "-newkey", "ec", "-pkeyopt", "ec_paramgen_curve:P-256", "-nodes", "-keyout", p("rogue.key"),
                "-out", p("rogue.csr"), "-subj", f"/CN={self.device_id}/OU={self.tenant}")
        openssl("x509", "-req", "-in", p("rogue.csr"), "-CA", p("rogue-ca.pem"), "-CAkey", p("rogue-ca.key"),
                "-CAcreateserial", "-out", p("rogue.pem"), "-days", "30")
        code, body, _ = curl(url + "/v1/changes?cursor=0", *base, "--cert", p("rogue.pem"), "--key", p("rogue.key"))
        self.assertEqual(code, 401)
        self.assertIn("not issued by a trusted CA", body)
        # Expired: issued by the mgmt CA (its key is in mgmt's data dir) for last year.
        openssl("req", "-newkey", "ec", "-pkeyopt", "ec_paramgen_curve:P-256", "-nodes", "-keyout", p("old.key"),
                "-out", p("old.csr"), "-subj", f"/CN={self.device_id}/OU={self.tenant}")
        sign_with_ca(work, self.ca, os.path.join(self.mgmt.data_dir, "ca-key.pem"), p("old.csr"), p("old.pem"),
                     "20250101000000Z", "20250401000000Z")
        code, body, _ = curl(url + "/v1/changes?cursor=0", *base, "--cert", p("old.pem"), "--key", p("old.key"))
        self.assertEqual(code, 401)
        self.assertIn("expired", body)
        # Renewal (the renewed certificate replaces this box's own) is in mgmt_security_test.py, on a
        # box of its own.
        # openssl s_client as the other side: the server asks for a client certificate from the mgmt CA.
        r = subprocess.run(["openssl", "s_client", "-connect", f"127.0.0.1:{self.mgmt.device_port}", "-CAfile",
                            self.ca, "-verify_return_error", "-brief"], input="", capture_output=True, text=True,
                           timeout=20)
        self.assertIn("edge-mgmt", r.stdout + r.stderr)

        # Another tenant's device sees only its own tenant, whatever it asks for.
        self.mgmt.ctl("plan", "add", "--tenant", "globex", "--name", "globex-only", "--down", "1M", "--up", "1M")
        other = Edged(os.path.join(self.tmp.path, "other")).start()
        try:
            other.ctl("enroll", self.claim("globex"))
            wait_for(lambda: other.ctl("plan", "list", check=False).stdout.find("globex-only") >= 0, timeout=10,
                     what="globex's plan on its box")
            ocert = os.path.join(other.data_dir, "sync", "device.pem")
            okey = os.path.join(other.data_dir, "sync", "device-key.pem")
            code, body, _ = curl(url + "/v1/changes?cursor=0&tenant=" + self.tenant, *base, "--cert", ocert, "--key", okey)
            self.assertEqual(code, 200)
            names = {c["name"] for c in json.loads(body)["changes"]}
            self.assertIn("globex-only", names)
            self.assertNotIn("home", names)
            self.assertNotIn("alice", names)
            self.assertNotIn("alice", other.ctl("subscriber", "list").stdout)
        finally:
            other.stop()
        # ... and a tenant's admin token cannot read or change another tenant.
        token = self.mgmt.ctl("token", "create", "--tenant", "globex").stdout.strip()
        auth = ["-k", "-H", f"Authorization: Bearer {token}"]
        code, body, _ = curl(self.admin_url + "/api/v1/plan-list?tenant=acme", *auth)
        self.assertEqual(code, 404, body)
        code, body, _ = curl(self.admin_url + "/api/v1/subscriber-add", *auth,
                             data=json.dumps({"tenant": "acme", "username": "evil", "password": "x", "plan": "home"}))
        self.assertEqual(code, 404, body)
        code, body, _ = curl(self.admin_url + "/api/v1/plan-list", *auth)
        self.assertEqual(code, 200, body)
        self.assertEqual([p["name"] for p in json.loads(body)["data"]], ["globex-only"])
        code, body, _ = curl(self.admin_url + "/api/v1/tenant-add", *auth, data=json.dumps({"name": "x", "tier": "free"}))
        self.assertEqual(code, 403, body)
        code, body, _ = curl(self.admin_url + "/api/v1/plan-list", "-k", "-H", "Authorization: Bearer nope")
        self.assertEqual(code, 401, body)

        # A reused claim token, an expired one, and a CSR whose signature does not match its key.
        used = self.claim()
        third = Edged(os.path.join(self.tmp.path, "third")).start()
        try:
            third.ctl("enroll", used)
            fourth = third.ctl("enroll", used, "--force", "true", check=False)
            self.assertEqual(fourth.returncode, 1)
            self.assertIn("used already", fourth.stderr)
            short = self.claim("acme", "--ttl", "1s")
            time.sleep(2.2)
            late = third.ctl("enroll", short, "--force", "true", check=False)
            self.assertIn("expired", late.stderr)
        finally:
            third.stop()
        secret = json.loads(base64.urlsafe_b64decode(self.claim().split(".", 1)[1] + "=="))["secret"]
        openssl("req", "-new", "-key", p("old.key"), "-out", p("good.csr"), "-subj", "/CN=x", "-outform", "DER")
        der = bytearray(open(p("good.csr"), "rb").read())
        der[-5] ^= 0x01  # inside the signature
        bad = "-----BEGIN CERTIFICATE REQUEST-----\n" + base64.encodebytes(bytes(der)).decode() + \
              "-----END CERTIFICATE REQUEST-----\n"
        code, body, _ = curl(url + "/v1/enroll", *base, data=json.dumps({"secret": secret, "csr": bad}))
        self.assertEqual(code, 400, body)
        self.assertIn("csr", body)
        # The claim was not used up by the refused CSR.
        good = open(p("good.csr"), "rb").read()
        pem = "-----BEGIN CERTIFICATE REQUEST-----\n" + base64.encodebytes(good).decode() + \
              "-----END CERTIFICATE REQUEST-----\n"
        code, body, _ = curl(url + "/v1/enroll", *base, data=json.dumps({"secret": secret, "csr": pem}))
        self.assertEqual(code, 200, body)

    def test_05_licenses_on_the_box(self):
        before = self.box.ctl_json("license", "show")["license"]
        doc = json.loads(self.mgmt.ctl_json("license", "show", "--tenant", "acme")["document"])
        work = os.path.join(self.tmp.path, "lic")
        os.makedirs(work, exist_ok=True)
        # A flipped bit in the license.
        raw = bytearray(base64.b64decode(doc["license"]))
        raw[10] ^= 0x01
        flipped = dict(doc, license=base64.b64encode(bytes(raw)).decode())
        with open(os.path.join(work, "flipped.json"), "w") as f:
            json.dump(flipped, f)
        r = self.box.ctl("license", "install", os.path.join(work, "flipped.json"), check=False)
        self.assertEqual(r.returncode, 1)
        self.assertIn("signature does not verify", r.stderr)
        # Another tenant's license (validly signed by the same mgmt).
        foreign = self.mgmt.ctl_json("license", "show", "--tenant", "globex")["document"]
        with open(os.path.join(work, "foreign.json"), "w") as f:
            f.write(foreign)
        r = self.box.ctl("license", "install", os.path.join(work, "foreign.json"), check=False)
        self.assertEqual(r.returncode, 1)
        self.assertIn("tenant", r.stderr)
        self.assertEqual(self.box.ctl_json("license", "show")["license"]["id"], before["id"], "the valid one stays")


    def test_05b_cap_and_expiry_on_a_box_of_its_own_tenant(self):
        # A tenant of its own: filling the cap and expiring the license must not touch the others.
        self.mgmt.ctl("tenant", "add", "--name", "initech", "--tier", "free")
        box = self.enrolled_box("initech-box", "initech")
        self.mgmt.ctl("plan", "add", "--tenant", "initech", "--name", "home", "--down", "10M", "--up", "2M")
        self.central_subscriber("ines", "ines-pw", tenant="initech", box=box)
        box.ctl("nas", "add", "--name", "bras", "--address", "127.0.0.1", "--secret", SECRET.decode())
        port = box.ctl_json("status")["radius"]["auth-port"]
        work = os.path.join(self.tmp.path, "initech")
        os.makedirs(work, exist_ok=True)
        # The cap (free tier: 100) with a message naming it; existing subscribers keep working.
        have = len(box.ctl_json("subscriber", "list", "--limit", "1000")["subscribers"])
        csv = os.path.join(work, "fill.csv")
        with open(csv, "w") as f:
            f.write("username,password,plan\n")
            for i in range(100 - have):
                f.write(f"fill{i},pw{i},home\n")
        box.ctl("subscriber", "import", "--csv", csv)
        r = box.ctl("subscriber", "add", "--username", "one-too-many", "--password", "x", "--plan", "home",
                    check=False)
        self.assertEqual(r.returncode, 1)
        self.assertIn("allows 100 subscribers", r.stderr)
        self.assertIn("Access-Accept", radclient_auth(port, "ines", "ines-pw"))

        # Expired beyond the grace period: delivered at the next check-in; changes freeze, AAA goes on.
        past = time.strftime("%Y-%m-%dT%H:%M:%SZ", time.gmtime(time.time() - 30 * 86400))
        self.mgmt.ctl("tenant", "set", "--tenant", "initech", "--expires", past)
        wait_for(lambda: box.ctl_json("license", "show")["state"] == "expired", timeout=10,
                 what="the expired license on the box")
        r = box.ctl("plan", "add", "--name", "late", "--down", "1M", "--up", "1M", check=False)
        self.assertEqual(r.returncode, 1)
        self.assertIn("frozen", r.stderr)
        self.assertIn("Access-Accept", radclient_auth(port, "ines", "ines-pw"))
        # A renewed license thaws it.
        future = time.strftime("%Y-%m-%dT%H:%M:%SZ", time.gmtime(time.time() + 365 * 86400))
        self.mgmt.ctl("tenant", "set", "--tenant", "initech", "--expires", future)
        wait_for(lambda: box.ctl_json("license", "show")["state"] == "valid", timeout=10, what="the renewal")
        box.ctl("plan", "add", "--name", "late", "--down", "1M", "--up", "1M")

    def test_07_a_central_disconnect_comes_back_with_the_box_answer(self):
        # A live session of dora's on a NAS that acknowledges Disconnect (fake_nas.py).
        self.central_subscriber("dora", "dora-pw")
        nas = FakeNas(self.tmp.path, "ack", "--address", "127.0.0.9")
        self.addCleanup(nas.stop)
        self.box.ctl("nas", "add", "--name", "coa-nas", "--address", "127.0.0.9", "--secret", ACCT_SECRET.decode(),
                     "--coa-port", str(nas.port))
        r = rp.exchange(self.acct_port, acct_packet(1, "dora", "D-1", pkt_id=77), ACCT_SECRET, source="127.0.0.9")
        self.assertEqual(r.code, 5)
        wait_for(lambda: self.box.ctl_json("session", "list", "--user", "dora"), timeout=5, what="dora's session")
        # One command per active device of the tenant.
        active = [d["id"] for d in self.mgmt.ctl_json("device", "list", "--tenant", "acme") if d["status"] == "active"]
        r = self.mgmt.ctl_json("session", "disconnect", "--tenant", "acme", "--user", "dora")
        self.assertEqual(len(r["commands"]), len(active))
        self.sync_now()

        def done():
            cmds = [c for c in self.mgmt.ctl_json("command", "list", "--tenant", "acme")
                    if c["id"] in r["commands"] and c["device"] == self.device_id]
            return cmds and cmds[0]["state"] in ("done", "failed") and cmds[0]
        cmd = wait_for(done, timeout=15, what="the box's answer to the disconnect")
        self.assertEqual(cmd["state"], "done", cmd)
        self.assertIn("1 of 1 session(s) disconnected", cmd["result"], "the box's own words come back")
        users = [a["value"] for e in nas.requests(at_least=1) if e.get("code") == 40
                 for a in e["attributes"] if a.get("name") == "User-Name"]
        self.assertEqual(users[:1], ["dora"], "the Disconnect-Request reached the NAS for dora")

    def test_06_revoked_device_is_refused_at_once(self):
        box = self.enrolled_box("revoked-box")
        box.ctl("nas", "add", "--name", "bras", "--address", "127.0.0.1", "--secret", SECRET.decode())
        box.ctl("subscriber", "add", "--username", "rita", "--password", "rita-pw", "--plan", "home")
        device = box.ctl_json("sync", "status")["device-id"]
        self.mgmt.ctl("device", "revoke", device)
        d = os.path.join(box.data_dir, "sync")
        cert, key = os.path.join(d, "device.pem"), os.path.join(d, "device-key.pem")
        code, body, _ = curl(f"https://edge-mgmt:{self.mgmt.device_port}/v1/changes?cursor=0", "--cacert", self.ca,
                             "--resolve", f"edge-mgmt:{self.mgmt.device_port}:127.0.0.1", "--cert", cert, "--key", key)
        self.assertEqual(code, 403)
        self.assertIn("revoked", body)
        box.ctl("sync", "now")
        status = wait_for(lambda: (s := box.ctl_json("sync", "status"))["state"] == "failing" and s, timeout=10,
                          what="the box seeing the refusal")
        self.assertIn("revoked", status["last-error"])
        port = box.ctl_json("status")["radius"]["auth-port"]
        self.assertIn("Access-Accept", radclient_auth(port, "rita", "rita-pw"), "a revoked box still serves")


if __name__ == "__main__":
    unittest.main(verbosity=2)
