"""People, roles and sign-in on a real mgmtd (issue 23, ADR 0028), with one keep-alive HTTPS
connection as the client and a local SMTP sink (aiosmtpd) receiving the reset mail over real SMTP.

- sign-in: login, me, refresh (rotation; a rotated-away refresh token ends the session), logout;
- a platform role must enrol TOTP (its first session reaches no command), then signs in with a code;
  a recovery code works once;
- lockout: five free failures, then the account waits (429 with Retry-After), even for the right
  password;
- password reset: the link comes by mail, works once;
- isolation matrix: every admin route of the command table, called by each tenant role of ANOTHER
  tenant naming acme, answers 403 or 404 (or that tenant's own data), never acme's data, and acme's
  catalog is unchanged afterwards; a role without the right gets 403 on its own tenant.
"""
import base64
import hashlib
import hmac
import json
import os
import re
import struct
import sys
import time
import unittest

sys.path.insert(0, os.path.dirname(__file__))
from edgelib import HttpsSession, Mgmtd, TempDir  # noqa: E402
from smtp_sink import SmtpSink, text_of  # noqa: E402

PASSWORD = "a long enough passphrase"
TENANT_ROLES = ["tenant-owner", "tenant-admin", "tenant-staff", "tenant-billing", "tenant-technician", "tenant-read-only"]


def totp(secret_b32, at=None):
    key = base64.b32decode(secret_b32.upper() + "=" * (-len(secret_b32) % 8))
    mac = hmac.new(key, struct.pack(">Q", int(at if at is not None else time.time()) // 30), hashlib.sha1).digest()
    o = mac[-1] & 15
    return "%06d" % ((struct.unpack(">I", mac[o:o + 4])[0] & 0x7FFFFFFF) % 1000000)


class MgmtPeople(unittest.TestCase):
    @classmethod
    def setUpClass(cls):
        cls.tmp = TempDir()
        cls.sink = SmtpSink().start()
        cls.mgmt = Mgmtd(os.path.join(cls.tmp.path, "mgmt"),
                         {"mail": {"smtp-url": cls.sink.url, "from": "mgmt@platform.example"}}).start()
        # One keep-alive connection for every call (the matrix alone makes hundreds).
        cls.https = HttpsSession("127.0.0.1", cls.mgmt.admin_port)
        cls.acme = cls.mgmt.ctl("tenant", "add", "--name", "acme", "--tier", "premium").stdout.strip()
        cls.globex = cls.mgmt.ctl("tenant", "add", "--name", "globex", "--tier", "premium").stdout.strip()
        cls.mgmt.ctl("plan", "add", "--tenant", "acme", "--name", "acme-secret-plan", "--down", "10M", "--up", "2M")
        cls.mgmt.ctl("subscriber", "add", "--tenant", "acme", "--username", "acme-subscriber-7",
                     "--password", "x-pass-123", "--plan", "acme-secret-plan")
        cls.acme_token_id = cls.mgmt.ctl_json("token", "create", "--tenant", "acme")["id"]
        for tenant in ("acme", "globex"):
            for role in TENANT_ROLES:
                cls.mgmt.ctl("person", "add", "--tenant", tenant, "--email", f"{role}@{tenant}.test",
                             "--role", role, "--password", PASSWORD)
        cls.mgmt.ctl("person", "add", "--email", "root@platform.test", "--role", "platform-owner", "--password", PASSWORD)

    @classmethod
    def tearDownClass(cls):
        cls.https.close()
        cls.mgmt.stop()
        cls.sink.stop()
        cls.tmp.cleanup()

    def call(self, method, path, body=None, token=None):
        """(status, headers, body) of one call of the admin API."""
        headers = {"Authorization": f"Bearer {token}"} if token else {}
        for _ in range(10):
            status, headers_in, payload = self.https.request(method, path, body, headers)
            # The admin API's per-token rate (by tier; not the sign-in lockout, which tests expect): a
            # client waits as told and asks again, so the matrix asserts answers, not its own speed.
            if status != 429 or "too many requests for this token" not in payload:
                break
            time.sleep(float(headers_in.get("retry-after", "1")))
        return status, headers_in, payload

    def json_call(self, method, path, body=None, token=None):
        status, headers, payload = self.call(method, path, body, token)
        try:
            return status, headers, json.loads(payload) if payload else {}
        except json.JSONDecodeError:
            return status, headers, {"raw": payload}

    def login(self, email, password=PASSWORD, code=None):
        body = {"email": email, "password": password}
        if code:
            body["code"] = code
        return self.json_call("POST", "/api/v1/auth/login", body)

    def access(self, email):
        status, _, r = self.login(email)
        self.assertEqual(200, status, r)
        return r["access-token"]

    def test_sign_in_refresh_and_sign_out(self):
        status, _, r = self.login("Tenant-Owner@acme.test")
        self.assertEqual(200, status, r)
        self.assertEqual("tenant-owner", r["principal"]["role"])
        self.assertEqual(self.acme, r["principal"]["tenant"])
        status, _, me = self.json_call("GET", "/api/v1/auth/me", token=r["access-token"])
        self.assertEqual(200, status, me)
        self.assertEqual("tenant-owner@acme.test", me["email"])
        self.assertGreaterEqual(len(me["sessions"]), 1)
        # The refresh token is not a bearer; refreshing rotates both tokens.
        self.assertEqual(401, self.call("GET", "/api/v1/auth/me", token=r["refresh-token"])[0])
        status, _, r2 = self.json_call("POST", "/api/v1/auth/refresh", {"refresh-token": r["refresh-token"]})
        self.assertEqual(200, status, r2)
        self.assertEqual(401, self.call("GET", "/api/v1/auth/me", token=r["access-token"])[0])
        self.assertEqual(200, self.call("GET", "/api/v1/plan-list", token=r2["access-token"])[0])
        # The old refresh token again: theft; the session ends.
        status, _, stolen = self.json_call("POST", "/api/v1/auth/refresh", {"refresh-token": r["refresh-token"]})
        self.assertEqual(401, status, stolen)
        self.assertEqual(401, self.call("GET", "/api/v1/plan-list", token=r2["access-token"])[0])
        # Sign out ends a session at once.
        token = self.access("tenant-staff@acme.test")
        self.assertEqual(200, self.call("POST", "/api/v1/auth/logout", token=token)[0])
        self.assertEqual(401, self.call("GET", "/api/v1/plan-list", token=token)[0])
        # Bad bodies: named fields, 400, nothing deeper than two levels.
        status, _, bad = self.json_call("POST", "/api/v1/auth/login", {"email": "a@b.test"})
        self.assertEqual(400, status)
        self.assertIn("password", bad["error"])
        self.assertEqual(400, self.call("POST", "/api/v1/auth/login", {"email": {"x": [1]}, "password": "y"})[0])
        self.assertEqual(401, self.login("tenant-owner@acme.test", "not the password")[0])
        self.assertEqual(401, self.login("nobody@acme.test")[0])

    def test_platform_roles_enrol_totp_then_sign_in_with_a_code(self):
        status, _, r = self.login("root@platform.test")
        self.assertEqual(200, status, r)
        self.assertTrue(r["principal"]["mfa-pending"])
        token = r["access-token"]
        status, _, refused = self.json_call("GET", "/api/v1/tenant-list", token=token)
        self.assertEqual(403, status, refused)
        self.assertIn("one-time codes", refused["error"])
        status, _, e = self.json_call("POST", "/api/v1/auth/totp/begin", {}, token=token)
        self.assertEqual(200, status, e)
        self.assertTrue(e["otpauth-uri"].startswith("otpauth://totp/"))
        status, _, c = self.json_call("POST", "/api/v1/auth/totp/confirm", {"code": totp(e["secret"])}, token=token)
        self.assertEqual(200, status, c)
        recovery = c["recovery-codes"]
        self.assertEqual(10, len(recovery))
        status, _, need = self.login("root@platform.test")
        self.assertEqual(401, status)
        self.assertEqual("mfa-required", need["code"])
        # A code of the next step (the confirmation used this one).
        status, _, ok = self.login("root@platform.test", code=totp(e["secret"], time.time() + 30))
        self.assertEqual(200, status, ok)
        self.assertFalse(ok["principal"]["mfa-pending"])
        status, _, tenants = self.json_call("GET", "/api/v1/tenant-list", token=ok["access-token"])
        self.assertEqual(200, status, tenants)
        self.assertEqual(2, len(tenants["data"]))
        self.assertEqual(200, self.login("root@platform.test", code=recovery[0])[0])
        self.assertEqual(401, self.login("root@platform.test", code=recovery[0])[0])

    def test_lockout_with_backoff(self):
        self.mgmt.ctl("person", "add", "--tenant", "acme", "--email", "guessed@acme.test", "--role", "tenant-staff",
                      "--password", PASSWORD)
        for _ in range(6):
            self.assertEqual(401, self.login("guessed@acme.test", "wrong guess")[0])
        status, headers, r = self.login("guessed@acme.test")
        self.assertEqual(429, status, r)
        self.assertEqual("locked", r["code"])
        self.assertTrue(1 <= int(headers["retry-after"]) <= 30, headers)

    def test_password_reset_by_mailed_link(self):
        self.mgmt.ctl("person", "add", "--tenant", "acme", "--email", "forgetful@acme.test", "--role", "tenant-staff",
                      "--password", PASSWORD)
        self.assertEqual(202, self.call("POST", "/api/v1/auth/password/forgot", {"email": "nobody@acme.test"})[0])
        self.assertEqual(202, self.call("POST", "/api/v1/auth/password/forgot", {"email": "forgetful@acme.test"})[0])
        mail = self.sink.wait_for(lambda m: m["To"] == "forgetful@acme.test")[0]
        token = re.search(r"/reset\?token=([0-9a-f]{48})", text_of(mail)).group(1)
        status, _, weak = self.json_call("POST", "/api/v1/auth/password/reset", {"token": token, "password": "short"})
        self.assertEqual(400, status)
        self.assertIn("password", weak["error"])
        new = "my brand new passphrase"
        self.assertEqual(200, self.call("POST", "/api/v1/auth/password/reset", {"token": token, "password": new})[0])
        self.assertEqual(404, self.call("POST", "/api/v1/auth/password/reset", {"token": token, "password": new + "!"})[0])
        self.assertEqual(401, self.login("forgetful@acme.test")[0])
        self.assertEqual(200, self.login("forgetful@acme.test", new)[0])
        self.assertFalse([m for m in self.sink.received() if m["To"] == "nobody@acme.test"])

    def routes(self):
        status, _, doc = self.json_call("GET", "/api/v1/openapi.json")
        self.assertEqual(200, status)
        out = []
        for path, methods in doc["paths"].items():
            if path.startswith("/api/v1/auth/") or path.startswith("/api/v1/signup") or "openapi" in path:
                continue
            for method in methods:
                out.append((method.upper(), path))
        self.assertGreater(len(out), 30)
        return out

    def call_with(self, method, path, args, token):
        """The route with those of `args` it declares: an argument it refuses as unknown is dropped and
        the call made again, so every route runs its handler with acme's names where it takes them."""
        while True:
            if method == "GET":
                query = "&".join(f"{k}={v}" for k, v in args.items())
                status, _, payload = self.call("GET", f"{path}?{query}", token=token)
            else:
                status, _, payload = self.call("POST", path, args, token=token)
            unknown = re.search(r"unknown argument '([a-z-]+)'", payload) if status == 400 else None
            if not unknown or unknown.group(1) not in args:
                return status, payload
            del args[unknown.group(1)]

    def test_isolation_matrix(self):
        acme_markers = [self.acme, "acme-secret-plan", "acme-subscriber-7", "tenant-owner@acme.test", self.acme_token_id]
        # Arguments that name acme's things: a wrongly scoped handler would answer with them.
        args = {"tenant": "acme", "name": "acme-secret-plan", "username": "acme-subscriber-7", "user": "acme-subscriber-7",
                "email": "tenant-owner@acme.test", "id": self.acme_token_id, "device": "d-0000", "plan": "acme-secret-plan"}
        before = self.mgmt.ctl_json("plan", "list", "--tenant", "acme")
        routes = self.routes()
        tokens = {role: self.access(f"{role}@globex.test") for role in TENANT_ROLES}
        checked = 0
        # Route by route, each role in turn: the calls of one token are spread over the run, so its
        # request rate (by tier, a bucket per token) seldom holds the matrix up.
        for method, path in routes:
            for role, token in tokens.items():
                status, payload = self.call_with(method, path, dict(args), token)
                self.assertIn(status, (200, 400, 403, 404, 409), f"{role} {method} {path}: {status} {payload[:200]}")
                for marker in acme_markers:
                    self.assertNotIn(marker, payload if status == 200 else payload.replace("acme-secret-plan", "")
                                     .replace("acme-subscriber-7", "").replace("tenant-owner@acme.test", "")
                                     .replace(self.acme_token_id, ""),
                                     f"{role} {method} {path} leaked {marker}: {payload[:300]}")
                checked += 1
        self.assertGreater(checked, 6 * 30)
        self.assertEqual(before, self.mgmt.ctl_json("plan", "list", "--tenant", "acme"))
        self.assertTrue(any(s["username"] == "acme-subscriber-7"
                            for s in self.mgmt.ctl_json("subscriber", "list", "--tenant", "acme")))
        # A role without the right is refused by the server on its own tenant.
        plan = {"name": "p2", "down": "1M", "up": "1M"}
        for role in ("tenant-read-only", "tenant-billing", "tenant-technician"):
            status, _, r = self.json_call("POST", "/api/v1/plan-add", plan, token=tokens[role])
            self.assertEqual(403, status, f"{role}: {r}")
            self.assertEqual("permission-denied", r["code"])
        self.assertEqual(200, self.call("POST", "/api/v1/plan-add", plan, token=tokens["tenant-staff"])[0])
        self.assertEqual(403, self.call("GET", "/api/v1/person-list", token=tokens["tenant-staff"])[0])
        self.assertEqual(403, self.call("POST", "/api/v1/token-create", {}, token=tokens["tenant-admin"])[0])

    def test_audit_log_and_csv(self):
        token = self.access("tenant-owner@acme.test")
        self.assertEqual(200, self.call("POST", "/api/v1/plan-add", {"name": "audited", "down": "5M", "up": "1M"},
                                        token=token)[0])
        status, _, found = self.json_call("GET", "/api/v1/audit-search?command=plan-add&actor=tenant-owner@acme.test",
                                          token=token)
        self.assertEqual(200, status, found)
        row = found["data"][0]
        self.assertEqual("ok", row["outcome"])
        self.assertEqual("127.0.0.1", row["origin"])
        self.assertEqual("tenant-owner", row["role"])
        status, headers, csv = self.call("GET", "/api/v1/audit-export", token=token)
        self.assertEqual(200, status)
        self.assertTrue(headers["content-type"].startswith("text/csv"), headers)
        self.assertTrue(csv.startswith("id,at,actor,role,tenant,origin,command,outcome,arguments,before,after"))
        self.assertIn("audited", csv)
        self.assertNotIn("globex.test", csv)  # acme's owner sees acme's rows only
        self.assertNotIn(PASSWORD, csv)


if __name__ == "__main__":
    unittest.main(verbosity=2)
