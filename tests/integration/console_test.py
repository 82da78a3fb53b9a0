"""The management web console (issue 23, ADR 0030) on a real mgmtd: HTTPS on the admin listener,
who the caller is decided before a body, CSRF, and a real browser (tests/browser/console_walk.js:
playwright-core + Debian chromium + axe-core) walking every page as a platform person, a tenant admin
on a phone and a tenant's read-only person, with what the server must refuse (another tenant's
customer, platform pages, a read-only role's change)."""
import base64
import hashlib
import hmac
import json
import os
import re
import struct
import subprocess
import sys
import time
import unittest

sys.path.insert(0, os.path.dirname(__file__))
from edgelib import Mgmtd, TempDir  # noqa: E402
from smtp_sink import SmtpSink, text_of  # noqa: E402


def curl(url, *args):
    cmd = ["curl", "-sS", "-k", "-o", "-", "-w", "\n%{http_code}", "--max-time", "20"] + list(args) + [url]
    r = subprocess.run(cmd, capture_output=True, text=True, timeout=40)
    body, _, code = r.stdout.rpartition("\n")
    return int(code or 0), body


def totp(secret_b32, at=None):
    key = base64.b32decode(secret_b32.upper() + "=" * (-len(secret_b32) % 8))
    mac = hmac.new(key, struct.pack(">Q", int(at if at is not None else time.time()) // 30), hashlib.sha1).digest()
    o = mac[-1] & 15
    return "%06d" % ((struct.unpack(">I", mac[o:o + 4])[0] & 0x7FFFFFFF) % 1000000)


def api(base, path, body, token=None):
    args = ["-X", "POST", "-H", "Content-Type: application/json", "--data", json.dumps(body)]
    if token:
        args += ["-H", "Authorization: Bearer " + token]
    code, out = curl(base + path, *args)
    return code, json.loads(out) if out else {}


PASSWORD = "a long enough passphrase"


class ConsoleTest(unittest.TestCase):
    @classmethod
    def setUpClass(cls):
        cls.tmp = TempDir("console-it-")
        cls.sink = SmtpSink().start()
        cls.m = m = Mgmtd(os.path.join(cls.tmp.path, "mgmt"),
                          {"mail": {"smtp-url": cls.sink.url, "from": "mgmt@platform.example"}}).start()
        cls.base = f"https://127.0.0.1:{m.admin_port}/"
        m.ctl("tenant", "add", "--name", "acme", "--tier", "basic")
        m.ctl("tenant", "add", "--name", "other", "--tier", "basic")
        cls.acme = m.ctl_json("tenant", "show", "acme")["id"]
        m.ctl("plan", "add", "--tenant", "acme", "--name", "home-20", "--down", "20M", "--up", "5M")
        m.ctl("subscriber", "add", "--tenant", "acme", "--username", "ana", "--password", "pw-123456", "--plan", "home-20")
        m.ctl("customer", "add", "--tenant", "acme", "--name", "Ana Silva", "--email", "ana@example.com",
              "--username", "ana", "--tags", "vip")
        other = m.ctl_json("customer", "add", "--tenant", "other", "--name", "Zed Secret", "--email", "zed@other.test")
        cls.foreign = other["id"]
        with open(os.path.join(m.data_dir, "admin-token")) as f:
            cls.platform_token = f.read().strip()
        cls.admin_token = m.ctl("token", "create", "--tenant", "acme", "--role", "tenant-admin",
                                "--name", "walk-admin").stdout.strip().splitlines()[-1]
        cls.reader_token = m.ctl("token", "create", "--tenant", "acme", "--role", "tenant-read-only",
                                 "--name", "walk-reader").stdout.strip().splitlines()[-1]
        # People who sign in by email: the tenant's owner, and a platform owner with TOTP (enrolled
        # through the API as a person would; the walk computes the code from the secret).
        m.ctl("person", "add", "--tenant", "acme", "--email", "owner@acme.test", "--role", "tenant-owner",
              "--password", PASSWORD)
        m.ctl("person", "add", "--email", "root@platform.test", "--role", "platform-owner", "--password", PASSWORD)
        code, r = api(cls.base, "api/v1/auth/login", {"email": "root@platform.test", "password": PASSWORD})
        assert code == 200 and r["principal"]["mfa-pending"], r
        code, e = api(cls.base, "api/v1/auth/totp/begin", {}, r["access-token"])
        assert code == 200, e
        cls.root_totp = e["secret"]
        step = int(time.time()) // 30
        code, c = api(cls.base, "api/v1/auth/totp/confirm", {"code": totp(cls.root_totp)}, r["access-token"])
        assert code == 200, c
        # A step is used once: the walk's sign-in needs the next one.
        while int(time.time()) // 30 == step:
            time.sleep(0.5)

    @classmethod
    def tearDownClass(cls):
        cls.m.stop()
        cls.sink.stop()
        cls.tmp.cleanup()

    def test_callers_are_decided_before_bodies(self):
        # No session: a page sends to the sign-in, a POST is refused from its headers (a 1 MiB body
        # is not read: the answer comes before it would be).
        code, _ = curl(self.base + "customers")
        self.assertEqual(code, 303)
        big = os.path.join(self.tmp.path, "big-form")
        with open(big, "w") as f:
            f.write("name=" + "x" * (1 << 20))
        code, _ = curl(self.base + "customer", "-X", "POST", "--data-binary", "@" + big)
        self.assertIn(code, (403, 413))
        code, body = curl(self.base + "login")
        self.assertEqual(code, 200)
        self.assertIn('name="csrf"', body)
        # The sign-in form without its CSRF token is refused; the API keeps its own answers.
        code, _ = curl(self.base + "login", "-X", "POST", "--data", "token=" + self.platform_token)
        self.assertEqual(code, 403)
        code, body = curl(self.base + "api/v1/tenant-list")
        self.assertEqual(code, 401)

    def test_headers_of_a_page(self):
        r = subprocess.run(["curl", "-sS", "-k", "-D", "-", "-o", "/dev/null", self.base + "login"],
                           capture_output=True, text=True, timeout=20)
        head = r.stdout.lower()
        self.assertIn("content-security-policy: default-src 'none'; script-src 'self'", head)
        self.assertIn("x-frame-options: deny", head)
        self.assertIn("set-cookie: mgmt_console=", head)
        self.assertIn("httponly", head)
        self.assertIn("samesite=strict", head)
        self.assertIn("secure", head)

    def test_reset_link_page_then_sign_in(self):
        self.m.ctl("person", "add", "--tenant", "acme", "--email", "forgetful@acme.test", "--role", "tenant-staff",
                   "--password", PASSWORD)
        code, _ = api(self.base, "api/v1/auth/password/forgot", {"email": "forgetful@acme.test"})
        self.assertEqual(code, 202)
        mail = self.sink.wait_for(lambda m: m["To"] == "forgetful@acme.test")[0]
        link = re.search(r"/reset\?token=([0-9a-f]{48})", text_of(mail)).group(1)
        jar = os.path.join(self.tmp.path, "reset-jar")

        def form(path, fields):
            page = curl(self.base + path, "-b", jar, "-c", jar)[1]
            csrf = re.search(r'name="csrf" value="([^"]*)"', page).group(1)
            args = ["-b", jar, "-c", jar, "--data-urlencode", "csrf=" + csrf]
            for k, v in fields.items():
                args += ["--data-urlencode", f"{k}={v}"]
            return curl(self.base + path.split("?")[0], *args)

        code, page = curl(self.base + "reset?token=" + link, "-c", jar)
        self.assertEqual(code, 200)
        self.assertIn(f'value="{link}"', page)
        # Two different passwords, then a weak one: refused, the message next to its field.
        code, page = form("reset?token=" + link, {"link": link, "password": "a new passphrase 1",
                                                  "password-again": "a new passphrase 2"})
        self.assertEqual(code, 400)
        self.assertRegex(page, r'id="password-again-error"[^>]*>The two passwords differ')
        code, page = form("reset?token=" + link, {"link": link, "password": "short", "password-again": "short"})
        self.assertEqual(code, 400)
        self.assertRegex(page, r'id="password-error"[^>]*>[^<]*10')
        code, page = form("reset?token=" + link, {"link": link, "password": "a new passphrase 1",
                                                  "password-again": "a new passphrase 1"})
        self.assertEqual(code, 200, page)
        self.assertIn("Your password is set", page)
        code, page = form("reset?token=" + link, {"link": link, "password": "a new passphrase 3",
                                                  "password-again": "a new passphrase 3"})
        self.assertEqual(code, 404)  # the link works once
        # The old password no longer signs in; the new one does, and the session reaches the pages.
        code, page = form("login", {"email": "forgetful@acme.test", "password": PASSWORD})
        self.assertEqual(code, 401)
        self.assertRegex(page, r'id="password-error"[^>]*>Wrong email or password')
        code, _ = form("login", {"email": "forgetful@acme.test", "password": "a new passphrase 1"})
        self.assertEqual(code, 303)
        code, page = curl(self.base + "customers", "-b", jar, "-c", jar)
        self.assertEqual(code, 200)
        self.assertIn("Ana Silva", page)
        # The console's sign-in is a sign-in session of the person: signing out revokes it.
        code, api_in = api(self.base, "api/v1/auth/login", {"email": "forgetful@acme.test",
                                                            "password": "a new passphrase 1"})
        self.assertEqual(code, 200)

        def sessions():
            code, out = curl(self.base + "api/v1/auth/me", "-H", "Authorization: Bearer " + api_in["access-token"])
            self.assertEqual(code, 200, out)
            return len(json.loads(out)["sessions"])
        self.assertEqual(sessions(), 2)  # the console's and this one
        page = curl(self.base + "customers", "-b", jar, "-c", jar)[1]
        csrf = re.search(r'name="csrf" value="([^"]*)"', page).group(1)
        code, _ = curl(self.base + "logout", "-b", jar, "-c", jar, "--data-urlencode", "csrf=" + csrf)
        self.assertEqual(code, 303)
        self.assertEqual(sessions(), 1)
        self.assertEqual(curl(self.base + "customers", "-b", jar, "-c", jar)[0], 303)

    def test_browser_walk(self):
        src = os.environ.get("EDGE_SOURCE", os.path.join(os.path.dirname(__file__), "..", ".."))
        out = os.path.join(os.environ.get("EDGE_ARTIFACTS", os.path.join(self.tmp.path, "artifacts")), "console")
        accounts = [
            {"name": "platform", "token": self.platform_token, "platform": True, "phone": False, "writes": True},
            {"name": "admin", "token": self.admin_token, "platform": False, "phone": True, "writes": True},
            {"name": "reader", "token": self.reader_token, "platform": False, "phone": False, "writes": False},
            {"name": "owner", "email": "owner@acme.test", "password": PASSWORD, "platform": False, "phone": True,
             "writes": True},
            {"name": "root", "email": "root@platform.test", "password": PASSWORD, "totp": self.root_totp,
             "platform": True, "phone": True, "writes": True},
        ]
        walker = os.path.join(src, "tests", "browser", "console_walk.js")
        r = subprocess.run(["node", walker, "--url", self.base, "--out", out, "--accounts", json.dumps(accounts),
                            "--tenant", self.acme, "--foreign-customer", self.foreign],
                           capture_output=True, text=True, timeout=280)
        lines = r.stdout.strip().splitlines()
        result = json.loads(lines[-1]) if lines else {"ok": False}
        self.assertTrue(result.get("ok"), f"{result.get('error')} {r.stderr[-2000:]}")
        seen = {s["name"]: s for s in result["seen"]}
        want = {"platform": ["tenants", "tenant", "devices", "plans", "customers", "customer-new", "sessions", "tokens", "help"],
                "admin": ["dashboard", "devices", "plans", "customers", "customers-search", "customer-new", "sessions", "help"],
                "reader": ["dashboard", "devices", "plans", "customers", "customers-search", "customer-new", "sessions", "help"],
                "owner": ["dashboard", "devices", "plans", "customers", "customers-search", "customer-new", "sessions", "help"],
                "root": ["tenants", "tenant", "devices", "plans", "customers", "customer-new", "sessions", "tokens", "help"]}
        for who, pages in want.items():
            for p in pages:
                names = [n for n in seen if n.startswith(who + "-") and n.endswith("-" + p)]
                self.assertEqual(len(names), 1, f"{who} {p}: {sorted(seen)}")
                self.assertEqual(seen[names[0]]["status"], 200, seen[names[0]])
        for s in result["seen"]:
            self.assertEqual(s["violations"], [], f"{s['name']}: {s['violations']}")
            self.assertFalse(s["overflow"], f"{s['name']} scrolls sideways")
            self.assertGreater(os.path.getsize(os.path.join(out, s["name"] + ".png")), 1000)
        text = {n: s["text"] for n, s in seen.items()}
        self.assertIn("acme", text["platform-01-tenants"])
        self.assertIn("other", text["platform-01-tenants"])
        self.assertIn("Ana Silva", text["admin-04-customers"])
        self.assertIn("Ana Silva", text["admin-05-customers-search"])
        self.assertIn("home-20", text["reader-03-plans"])
        checks = result["checks"]
        for who in ("platform", "admin", "reader"):
            self.assertIn("not valid", checks[f"{who}-bad-token-message"])
        for who in ("owner", "root"):  # people: a wrong password is told next to the field
            self.assertEqual(checks[f"{who}-wrong-password-message"], "Wrong email or password.")
        self.assertTrue(checks["root-code-asked"])
        self.assertEqual(checks["root-nav"], ["Tenants", "API tokens"])
        for who in ("platform", "admin", "reader", "owner", "root"):
            self.assertEqual(checks[f"{who}-no-csrf"], 403)
            self.assertEqual(checks[f"{who}-signed-out"], "/login")
            self.assertEqual(checks[f"{who}-after-sign-out"], "/login")
        self.assertEqual(checks["platform-nav"], ["Tenants", "API tokens"])
        self.assertEqual(checks["admin-nav"], ["Dashboard", "Devices", "Plans", "Customers", "Sessions and usage"])
        for who in ("admin", "reader"):
            self.assertEqual(checks[f"{who}-tokens-page"], 403)
            self.assertEqual(checks[f"{who}-tenants-page"], 200)  # tenant-list: only their own tenant
            self.assertEqual(checks[f"{who}-foreign-customer"], 404)
            self.assertFalse(checks[f"{who}-foreign-customer-leaks"])
        self.assertEqual(checks["admin-foreign-delete"], 404)
        self.assertEqual(checks["reader-foreign-delete"], 403)
        # A read-only role: no Save button, and the server refuses the post anyway.
        self.assertTrue(checks["reader-save-hidden"])
        self.assertEqual(checks["reader-add-refused"], 403)
        for who in ("platform", "admin"):
            self.assertIn("not an email address", checks[f"{who}-email-error"])
            self.assertEqual(checks[f"{who}-name-kept"], f"Walk {who}")
            self.assertEqual(checks[f"{who}-saved-alert"], [])
            self.assertEqual(checks[f"{who}-saved-url"], "/customer")
            self.assertEqual(checks[f"{who}-saved-name"], f"Walk {who}")
            self.assertEqual(checks[f"{who}-search-finds"], ["Walk admin", "Walk platform"]
                             if who == "admin" else ["Walk platform"])
        # What the walk saved is in mgmt, for the right tenant only; the reader's refused add is not.
        acme = [c["name"] for c in self.m.ctl_json("customer", "list", "--tenant", "acme")["customers"]]
        self.assertEqual(sorted(acme), ["Ana Silva", "Walk admin", "Walk owner", "Walk platform", "Walk root"])
        other = [c["name"] for c in self.m.ctl_json("customer", "list", "--tenant", "other")["customers"]]
        self.assertEqual(other, ["Zed Secret"])
        print("console screenshots in", out)


if __name__ == "__main__":
    unittest.main(verbosity=2)
