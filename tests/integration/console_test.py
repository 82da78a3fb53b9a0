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
import socket
import struct
import subprocess
import sys
import time
import unittest

sys.path.insert(0, os.path.dirname(__file__))
from curl_box import CurlBox  # noqa: E402
from edgelib import Mgmtd, TempDir, binary  # noqa: E402
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
        # A firmware key, so that the Firmware page has a catalog and a rollout to show.
        cls.fw_key = os.path.join(cls.tmp.path, "firmware.key")
        fw_pub = os.path.join(cls.tmp.path, "firmware.pub")
        subprocess.run(["openssl", "ecparam", "-name", "prime256v1", "-genkey", "-noout", "-out", cls.fw_key], check=True)
        subprocess.run(["openssl", "ec", "-in", cls.fw_key, "-pubout", "-out", fw_pub], check=True, capture_output=True)
        # The payment provider's simulator (tests/support), for an online payment the walk refunds.
        with socket.socket() as probe:
            probe.bind(("127.0.0.1", 0))
            sim_port = probe.getsockname()[1]
        cls.m = m = Mgmtd(os.path.join(cls.tmp.path, "mgmt"),
                          {"mail": {"smtp-url": cls.sink.url, "from": "mgmt@platform.example"},
                           "firmware-key": fw_pub,
                           "payments": {"provider-url": f"https://127.0.0.1:{sim_port}",
                                        "provider-ca-file": os.path.join(cls.tmp.path, "sim", "provider.pem")}}).start()
        cls.base = f"https://127.0.0.1:{m.admin_port}/"
        m.ctl("tenant", "add", "--name", "acme", "--tier", "basic")
        m.ctl("tenant", "add", "--name", "other", "--tier", "basic")
        cls.acme = m.ctl_json("tenant", "show", "acme")["id"]
        m.ctl("plan", "add", "--tenant", "acme", "--name", "home-20", "--down", "20M", "--up", "5M")
        m.ctl("subscriber", "add", "--tenant", "acme", "--username", "ana", "--password", "pw-123456", "--plan", "home-20")
        m.ctl("customer", "add", "--tenant", "acme", "--name", "Ana Silva", "--email", "ana@example.com",
              "--username", "ana", "--tags", "vip")
        other = m.ctl_json("customer", "add", "--tenant", "other", "--name", "Zed Secret", "--email", "zed@other.test")
        # An import batch (issue 30), so the Imports page has a row and a rollback button to walk.
        users = os.path.join(cls.tmp.path, "users")
        with open(users, "w") as f:
            f.write('imp-one Cleartext-Password := "pw-one-1"\n  Mikrotik-Rate-Limit = "4M/8M"\n'
                    'imp-two Cleartext-Password := "pw-two-2"\n  Mikrotik-Rate-Limit = "4M/8M"\n')
        m.ctl("import", "--tenant", "acme", "--source", "freeradius-users", "--from", users, "--batch", "imp-walk")
        cls.foreign = other["id"]
        cls.billing_setup(m, sim_port)
        # The platform bills its tenants (ADR 0071): this month's invoices of acme and other, issued now
        # (mgmtd's job would within a minute); the walk opens acme's and must be refused other's.
        m.ctl("platform-billing", "run")
        other_id = m.ctl_json("tenant", "show", "other")["id"]
        cls.other_invoice = m.ctl_json("invoice", "list", "--tenant", "platform", "--username", other_id)[0]["id"]
        # A demo tenant with sample insight (issue 26): customers with generated histories, scored; a
        # past outage with its impact and notifications; planned maintenance. Its own admin walks it.
        m.ctl("tenant", "add", "--demo", "true", "--name", "demo-walk")
        cls.demo = m.ctl_json("tenant", "show", "demo-walk")["id"]
        cls.demo_sample = m.ctl_json("insight", "demo", "--tenant", "demo-walk")
        m.ctl("insight", "train")
        m.ctl("insight", "score", "--tenant", "demo-walk")
        with open(os.path.join(m.data_dir, "admin-token")) as f:
            cls.platform_token = f.read().strip()
        cls.admin_token = m.ctl("token", "create", "--tenant", "acme", "--role", "tenant-admin",
                                "--name", "walk-admin").stdout.strip().splitlines()[-1]
        cls.reader_token = m.ctl("token", "create", "--tenant", "acme", "--role", "tenant-read-only",
                                 "--name", "walk-reader").stdout.strip().splitlines()[-1]
        cls.demo_token = m.ctl("token", "create", "--tenant", "demo-walk", "--role", "tenant-admin",
                               "--name", "walk-demo").stdout.strip().splitlines()[-1]
        # People who sign in by email: the tenant's owner, and a platform owner with TOTP (enrolled
        # through the API as a person would; the walk computes the code from the secret).
        m.ctl("person", "add", "--tenant", "acme", "--email", "owner@acme.test", "--role", "tenant-owner",
              "--password", PASSWORD)
        m.ctl("person", "add", "--email", "root@platform.test", "--role", "platform-owner", "--password", PASSWORD)
        m.ctl("person", "add", "--tenant", "other", "--email", "boss@other.test", "--role", "tenant-owner",
              "--password", PASSWORD)
        m.ctl("person", "add", "--tenant", "acme", "--email", "twofa@acme.test", "--role", "tenant-staff",
              "--password", PASSWORD)
        code, r = api(cls.base, "api/v1/auth/login", {"email": "root@platform.test", "password": PASSWORD})
        assert code == 200 and r["principal"]["mfa-pending"], r
        code, e = api(cls.base, "api/v1/auth/totp/begin", {}, r["access-token"])
        assert code == 200, e
        cls.root_totp = e["secret"]
        cls.root_step = int(time.time()) // 30
        code, c = api(cls.base, "api/v1/auth/totp/confirm", {"code": totp(cls.root_totp, cls.root_step * 30)},
                      r["access-token"])
        assert code == 200, c
        # A step is used once: the walk's sign-in waits for the next one if it comes that soon (it
        # signs in as root last, so it seldom has to).

    @classmethod
    def billing_setup(cls, m, sim_port):
        """acme bills in USD: a year of subscriptions (the Reports page's charts have bars: MRR, ARPU,
        churned revenue, aging), and ana's invoice paid online through the provider's simulator (the
        payment the walk refunds). other bills too, with a payment of its own acme must never see."""
        m.ctl("billing", "setup", "--tenant", "acme", "--currency", "USD")
        m.ctl("plan", "add", "--tenant", "acme", "--name", "paid-30", "--down", "30M", "--up", "10M",
              "--price", "30.00", "--currency", "USD")
        today = time.gmtime()

        def months_ago(n, day=5):
            y, mo = today.tm_year, today.tm_mon - n
            while mo < 1:
                mo, y = mo + 12, y - 1
            return f"{y:04d}-{mo:02d}-{day:02d}"
        for i, (user, start, end) in enumerate([("rev-a", 11, None), ("rev-b", 9, 4), ("rev-c", 7, None),
                                                ("rev-d", 5, 2), ("rev-e", 3, None)]):
            m.ctl("subscriber", "add", "--tenant", "acme", "--username", user, "--password", "pw-" + user + "-1",
                  "--plan", "home-20")
            sub = m.ctl_json("subscription", "add", "--tenant", "acme", "--username", user, "--plan", "paid-30",
                             "--start", months_ago(start))
            if end is not None:
                m.ctl("subscription", "cancel", "--tenant", "acme", "--subscription", sub["id"],
                      "--date", months_ago(end, 20))
        m.ctl("subscription", "add", "--tenant", "acme", "--username", "ana", "--plan", "paid-30",
              "--start", months_ago(1))
        m.ctl("billing", "run", "--tenant", "acme", "--finalize", "true")
        cls.sim_secret, webhook_secret = "sk_test_console_walk_0123456789", "whsec_console_walk_secret"
        m.ctl("payment-provider", "set", "--tenant", "acme", "--secret-key", cls.sim_secret,
              "--webhook-secret", webhook_secret)
        sim = os.path.join(os.path.dirname(__file__), "..", "support", "payment_provider_sim.py")
        cls.sim_log = open(os.path.join(cls.tmp.path, "sim.log"), "ab")
        cls.sim = subprocess.Popen(["/usr/bin/python3", sim, "--port", str(sim_port), "--secret-key", cls.sim_secret,
                                    "--webhook-secret", webhook_secret, "--webhook-url",
                                    f"https://127.0.0.1:{m.admin_port}/api/v1/payments/webhook?tenant={cls.acme}",
                                    "--state-dir", os.path.join(cls.tmp.path, "sim")],
                                   stdout=subprocess.PIPE, stderr=cls.sim_log, text=True)
        json.loads(cls.sim.stdout.readline())  # ready
        invoice = next(i for i in m.ctl_json("invoice", "list", "--tenant", "acme", "--username", "ana")
                       if i["kind"] == "invoice" and i["status"] == "issued")
        checkout = m.ctl_json("checkout", "create", "--tenant", "acme", "--invoice", invoice["id"])
        code, _ = curl(checkout["url"], "--data", "")
        assert code == 200, code
        deadline = time.time() + 15
        while True:
            online = [p for p in m.ctl_json("payment", "list", "--tenant", "acme", "--username", "ana") if p["online"]]
            if online:
                break
            assert time.time() < deadline, "the simulator's webhook did not pay ana's invoice"
            time.sleep(0.1)
        cls.online_payment = online[0]
        # other's own payment: acme's people must get 404 for it.
        m.ctl("billing", "setup", "--tenant", "other", "--currency", "EUR")
        m.ctl("plan", "add", "--tenant", "other", "--name", "other-plan", "--down", "10M", "--up", "2M",
              "--price", "12.00", "--currency", "EUR")
        m.ctl("subscriber", "add", "--tenant", "other", "--username", "zed", "--password", "pw-zed-123",
              "--plan", "other-plan")
        cls.foreign_payment = m.ctl_json("payment", "add", "--tenant", "other", "--username", "zed",
                                         "--amount", "9.00")["id"]

    @classmethod
    def tearDownClass(cls):
        cls.sim.kill()
        cls.sim.wait()
        cls.sim.stdout.close()
        cls.sim_log.close()
        cls.m.stop()
        cls.sink.stop()
        cls.tmp.cleanup()

    def test_platform_bills_over_the_api(self):
        # What a tenant pays the platform (ADR 0071) through the admin API's routes: its billing people
        # read their own subscription, nothing of another tenant's and not the platform's books; a
        # tenant admin is refused; the platform reads every tenant's.
        bills = self.m.ctl("token", "create", "--tenant", "acme", "--role", "tenant-billing",
                           "--name", "api-bills").stdout.strip().splitlines()[-1]
        get = lambda path, token: curl(self.base + "api/v1/" + path, "-H", "Authorization: Bearer " + token)
        code, body = get("platform-subscription-show", bills)
        self.assertEqual(code, 200, body)
        self.assertEqual(json.loads(body)["data"]["tenant"], "acme")
        self.assertEqual(get("platform-subscription-show?tenant=other", bills)[0], 404)
        self.assertEqual(get("platform-invoice-show?invoice=" + self.other_invoice, bills)[0], 404)
        self.assertEqual(get("invoice-list?tenant=platform", bills)[0], 404)
        self.assertEqual(get("platform-billing-list", bills)[0], 403)
        self.assertEqual(get("platform-subscription-show", self.admin_token)[0], 403)
        code, body = get("platform-billing-list", self.platform_token)
        self.assertEqual(code, 200, body)
        self.assertEqual({t["tenant"] for t in json.loads(body)["data"] if t["billed"]}, {"acme", "other"})
        code, body = get("platform-invoice-show?tenant=other&invoice=" + self.other_invoice, self.platform_token)
        self.assertEqual(code, 200, body)

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

    # --- A signed-in form session over curl: people, tokens, audit, second factor, forgot password.
    def jar(self, name):
        return os.path.join(self.tmp.path, name + "-jar")

    def form(self, jar, page, action, fields, csrf=True):
        body = curl(self.base + page, "-b", jar, "-c", jar)[1]
        args = ["-b", jar, "-c", jar]
        if csrf:
            args += ["--data-urlencode", "csrf=" + re.search(r'name="csrf" value="([^"]*)"', body).group(1)]
        for k, v in fields.items():
            args += ["--data-urlencode", f"{k}={v}"]
        return curl(self.base + action, *args)

    def sign_in(self, name, email, password=PASSWORD):
        jar = self.jar(name)
        code, _ = self.form(jar, "login", "login", {"email": email, "password": password})
        self.assertEqual(code, 303)
        return jar

    def token_jar(self, name, token):
        jar = self.jar(name)
        code, _ = self.form(jar, "login", "login", {"token": token})
        self.assertEqual(code, 303)
        return jar

    def test_people_invite_role_disable_and_isolation(self):
        jar = self.sign_in("people-owner", "owner@acme.test")
        code, page = curl(self.base + "people", "-b", jar)
        self.assertEqual(code, 200)
        self.assertIn("owner@acme.test", page)
        self.assertNotIn("boss@other.test", page)  # another tenant's people are not listed
        self.assertNotIn("root@platform.test", page)
        code, page = curl(self.base + "people?tenant=other", "-b", jar)  # a tenant's ?tenant= is ignored
        self.assertNotIn("boss@other.test", page)
        # Without the CSRF token nothing is done.
        code, _ = self.form(jar, "people", "people/invite", {"email": "nocsrf@acme.test", "role": "tenant-staff"}, csrf=False)
        self.assertEqual(code, 403)
        # A bad address, then a role the owner may not give: the message next to the field, typed kept.
        code, page = self.form(jar, "people", "people/invite", {"email": "not-an-email", "role": "tenant-staff"})
        self.assertEqual(code, 400)
        self.assertRegex(page, r'id="invite-email-error"[^>]*>[^<]+')
        self.assertIn('value="not-an-email"', page)
        code, page = self.form(jar, "people", "people/invite", {"email": "x@acme.test", "role": "platform-owner"})
        self.assertIn(code, (400, 403))
        self.assertRegex(page, r'id="invite-role-error"[^>]*>[^<]+')
        # The invitation: mailed through the outbox to the sink, with a link to the reset page.
        code, _ = self.form(jar, "people", "people/invite",
                            {"email": "newbie@acme.test", "name": "New Bie", "role": "tenant-staff"})
        self.assertEqual(code, 303)
        mail = self.sink.wait_for(lambda m: m["To"] == "newbie@acme.test")[0]
        self.assertTrue(mail["Subject"].startswith("You are invited to "), mail["Subject"])  # not a reset mail
        self.assertRegex(text_of(mail), r"/reset\?token=[0-9a-f]{48}")
        code, page = curl(self.base + "people?invited=newbie%40acme.test", "-b", jar)
        self.assertIn("New Bie", page)
        self.assertIn("invitation", page)
        # Change the role, then disable: mgmt says so.
        code, _ = self.form(jar, "people", "people/set", {"email": "newbie@acme.test", "role": "tenant-billing"})
        self.assertEqual(code, 303)
        code, _ = self.form(jar, "people", "people/set", {"email": "newbie@acme.test", "status": "disabled"})
        self.assertEqual(code, 303)
        person = [p for p in self.m.ctl_json("person", "list", "--tenant", "acme") if p["email"] == "newbie@acme.test"][0]
        self.assertEqual((person["role"], person["status"]), ("tenant-billing", "disabled"))
        # Another tenant's person: not found, unchanged.
        code, page = self.form(jar, "people", "people/set", {"email": "boss@other.test", "status": "disabled"})
        self.assertEqual(code, 404)
        boss = self.m.ctl_json("person", "list", "--tenant", "other")[0]
        self.assertEqual(boss["status"], "active")
        # Roles without the right: the server refuses (staff: no people; admin token: no tokens).
        staff = self.sign_in("people-staff", "twofa@acme.test")
        self.assertEqual(curl(self.base + "people", "-b", staff)[0], 403)
        self.assertEqual(self.form(staff, "account", "people/invite", {"email": "s@acme.test", "role": "tenant-staff"})[0], 403)
        self.assertEqual(curl(self.base + "audit", "-b", staff)[0], 403)
        # The platform sees a tenant's people when it names the tenant.
        plat = self.token_jar("people-platform", self.platform_token)
        code, page = curl(self.base + "people?tenant=acme", "-b", plat)
        self.assertEqual(code, 200)
        self.assertIn("owner@acme.test", page)
        self.assertNotIn("boss@other.test", page)

    def test_tokens_made_once_and_revoked(self):
        jar = self.sign_in("tokens-owner", "owner@acme.test")
        code, page = self.form(jar, "tokens", "tokens/create", {"name": "", "role": "tenant-read-only", "ttl": "30d"})
        self.assertEqual(code, 400)
        self.assertRegex(page, r'id="token-name-error"[^>]*>[^<]+')
        code, page = self.form(jar, "tokens", "tokens/create", {"name": "export", "role": "tenant-read-only", "ttl": "soon"})
        self.assertEqual(code, 400)
        self.assertRegex(page, r'id="token-ttl-error"[^>]*>[^<]+')
        code, page = self.form(jar, "tokens", "tokens/create", {"name": "export", "role": "tenant-read-only", "ttl": "30d"})
        self.assertEqual(code, 200)
        secret = re.search(r'id="made-secret"[^>]*value="(k-[0-9a-f]+\.[0-9a-f]+)"', page).group(1)
        tid = secret.split(".")[0]
        # Shown once: the list never has it.
        code, page = curl(self.base + "tokens", "-b", jar)
        self.assertIn(tid, page)
        self.assertNotIn(secret, page)
        code, _ = curl(self.base + "api/v1/plan-list", "-H", "Authorization: Bearer " + secret)
        self.assertEqual(code, 200)
        # Another tenant's token cannot be revoked from here; this one can, and stops at once.
        other = self.m.ctl("token", "create", "--tenant", "other", "--name", "other-int").stdout.strip().splitlines()[-1]
        code, _ = self.form(jar, "tokens", "tokens/revoke", {"id": other.split(".")[0]})
        self.assertEqual(code, 404)
        self.assertEqual(curl(self.base + "api/v1/plan-list", "-H", "Authorization: Bearer " + other)[0], 200)
        code, _ = self.form(jar, "tokens", "tokens/revoke", {"id": tid})
        self.assertEqual(code, 303)
        self.assertEqual(curl(self.base + "api/v1/plan-list", "-H", "Authorization: Bearer " + secret)[0], 401)
        # A tenant admin may not make tokens, whatever the page shows.
        admin = self.token_jar("tokens-admin", self.admin_token)
        code, _ = self.form(admin, "customers", "tokens/create", {"name": "x", "role": "tenant-read-only"})
        self.assertEqual(code, 403)

    def test_audit_filters_pages_and_csv(self):
        # Another tenant's change (a plan: the browser walk counts both tenants' customers).
        self.m.ctl("plan", "add", "--tenant", "other", "--name", "audit-other-plan", "--down", "10M", "--up", "2M")
        jar = self.sign_in("audit-owner", "owner@acme.test")
        for i in range(3):
            self.form(jar, "customers", "customer", {"name": f"Audited {i}"})
        # Deleted again (the browser walk counts acme's customers): the log keeps both changes.
        for c in self.m.ctl_json("customer", "list", "--tenant", "acme")["customers"]:
            if c["name"].startswith("Audited "):
                self.assertEqual(self.form(jar, "customers", "customer/delete", {"id": c["id"]})[0], 303)
        code, page = curl(self.base + "audit?actor=owner%40acme.test&command=customer-add", "-b", jar)
        self.assertEqual(code, 200)
        self.assertIn("Audited 2", page)
        code, page = curl(self.base + "audit", "-b", jar)
        self.assertIn("Audited 2", page)
        self.assertNotIn("audit-other-plan", page)  # another tenant's rows never show
        code, page = curl(self.base + "audit?command=customer-del", "-b", jar)
        self.assertEqual(page.count("<td>customer-del</td>"), 3)
        code, page = curl(self.base + "audit?tenant=other", "-b", jar)
        self.assertNotIn("audit-other-plan", page)
        code, page = curl(self.base + "audit?since=yesterday", "-b", jar)
        self.assertEqual(code, 400)
        self.assertRegex(page, r'id="audit-since-error"[^>]*>[^<]+')
        today = time.strftime("%Y-%m-%d", time.gmtime())
        code, page = curl(self.base + f"audit?since={today}&until={today}&command=customer-add", "-b", jar)
        self.assertIn("Audited 0", page)
        code, csv = curl(self.base + "audit.csv?command=customer-add&actor=owner%40acme.test", "-b", jar)
        self.assertEqual(code, 200)
        lines = csv.strip().splitlines()  # (curl's CRLF lines, read as text)
        self.assertEqual(lines[0], "id,at,actor,role,tenant,origin,command,outcome,arguments,before,after")
        self.assertGreaterEqual(len(lines), 4)
        self.assertNotIn("audit-other-plan", csv)
        # Platform-wide, the platform sees both tenants.
        plat = self.token_jar("audit-platform", self.platform_token)
        code, page = curl(self.base + "audit", "-b", plat)
        self.assertIn("audit-other-plan", page)
        self.assertIn("Audited 1", page)

    def test_settings_branding(self):
        jar = self.sign_in("settings-owner", "owner@acme.test")
        code, page = curl(self.base + "settings", "-b", jar)
        self.assertEqual(code, 200)
        self.assertIn('id="b-display-name"', page)
        code, page = self.form(jar, "settings", "settings", {"display-name": "Acme Fibre", "primary-colour": "blue"})
        self.assertEqual(code, 400)
        self.assertRegex(page, r'id="b-primary-colour-error"[^>]*>[^<]+')
        self.assertIn('value="Acme Fibre"', page)  # what was typed is kept
        code, _ = self.form(jar, "settings", "settings", {"display-name": "Acme Fibre", "primary-colour": "#0a5d7c"})
        self.assertEqual(code, 303)
        shown = self.m.ctl_json("branding", "show", "--tenant", "acme")
        self.assertEqual((shown["display-name"], shown["primary-colour"]), ("Acme Fibre", "#0a5d7c"))
        self.assertEqual(self.m.ctl_json("branding", "show", "--tenant", "other")["display-name"], "")
        code, page = curl(self.base + "settings?tenant=other", "-b", jar)  # its own tenant's, whatever is asked
        self.assertIn('value="Acme Fibre"', page)
        # A read-only role sees them and may not change them; without CSRF nothing is done.
        reader = self.token_jar("settings-reader", self.reader_token)
        code, page = curl(self.base + "settings", "-b", reader)
        self.assertEqual(code, 200)
        self.assertNotIn(">Save</button>", page)
        self.assertEqual(self.form(reader, "settings", "settings", {"display-name": "Read Only"})[0], 403)
        self.assertEqual(self.form(jar, "settings", "settings", {"display-name": "No Token"}, csrf=False)[0], 403)
        self.assertEqual(self.m.ctl_json("branding", "show", "--tenant", "acme")["display-name"], "Acme Fibre")

    # --- The tenant's logo (issue 23): uploaded as multipart/form-data, served by mgmtd.
    @staticmethod
    def png(width, height, pad=0):
        import zlib

        def chunk(kind, data):
            return struct.pack(">I", len(data)) + kind + data + struct.pack(">I", zlib.crc32(kind + data) & 0xFFFFFFFF)
        raw = b"".join(b"\x00" + b"\x00\x80\xff" * width for _ in range(height))
        out = (b"\x89PNG\r\n\x1a\n" + chunk(b"IHDR", struct.pack(">IIBBBBB", width, height, 8, 2, 0, 0, 0))
               + chunk(b"IDAT", zlib.compress(raw)))
        if pad:
            out += chunk(b"tEXt", b"pad\x00" + b"x" * max(0, pad - len(out) - 16))
        return out + chunk(b"IEND", b"")

    def upload(self, jar, data, name="logo.png", csrf=True, tenant=None):
        path = os.path.join(self.tmp.path, "upload-" + name)
        with open(path, "wb") as f:
            f.write(data)
        page = curl(self.base + "settings", "-b", jar, "-c", jar)[1]
        args = ["-b", jar, "-c", jar, "-F", f"logo=@{path};filename={name}"]
        if csrf:
            args += ["-F", "csrf=" + re.search(r'name="csrf" value="([^"]*)"', page).group(1)]
        if tenant:
            args += ["-F", "tenant=" + tenant]
        return curl(self.base + "settings/logo", *args)

    def served(self, tenant_id, *extra):
        r = subprocess.run(["curl", "-sS", "-k", "-D", "-", "-o", os.path.join(self.tmp.path, "served"),
                            "--max-time", "20", *extra, self.base + "branding/logo/" + tenant_id],
                           capture_output=True, text=True, timeout=40)
        lines = r.stdout.replace("\r", "").split("\n")
        code = int(lines[0].split()[1])
        headers = {k.lower(): v.strip() for k, _, v in (line.partition(":") for line in lines[1:] if ":" in line)}
        with open(os.path.join(self.tmp.path, "served"), "rb") as f:
            return code, headers, f.read()

    def test_logo_upload_served_and_isolated(self):
        jar = self.sign_in("logo-owner", "owner@acme.test")
        logo = self.png(120, 40)
        code, _ = self.upload(jar, logo)
        self.assertEqual(code, 303)
        code, page = curl(self.base + "settings", "-b", jar)
        self.assertIn(f'src="/branding/logo/{self.acme}"', page)
        # Served to anyone (mail clients, the portal) with its type, nosniff, a cache header, an ETag.
        code, headers, body = self.served(self.acme)
        self.assertEqual((code, body), (200, logo))
        self.assertEqual(headers["content-type"], "image/png")
        self.assertEqual(headers["x-content-type-options"], "nosniff")
        self.assertIn("max-age=", headers["cache-control"])
        self.assertEqual(headers["etag"], '"' + hashlib.sha256(logo).hexdigest() + '"')
        self.assertEqual(self.served(self.acme, "-H", "If-None-Match: " + headers["etag"])[0], 304)
        # The tenant's self-care portal shows it (same origin, a version in the query).
        self.assertIn(f'<img src="/branding/logo/{self.acme}?v={hashlib.sha256(logo).hexdigest()[:16]}"',
                      curl(self.base + "selfcare/acme/")[1])
        # The console's header shows it to acme's people (ADR 0064), on every page, never to another
        # tenant's people or the platform's.
        header = f'<header><img src="/branding/logo/{self.acme}?v={hashlib.sha256(logo).hexdigest()[:16]}"'
        for route in ("", "customers", "settings"):
            self.assertIn(header, curl(self.base + route, "-b", jar)[1], route)
        other_owner = self.sign_in("logo-other-owner", "boss@other.test")
        for route in ("", "customers", "settings", "settings?tenant=" + self.acme):
            self.assertNotIn(self.acme, curl(self.base + route, "-b", other_owner)[1], route)
        platform = self.token_jar("logo-platform", self.platform_token)
        self.assertNotIn("<header><img", curl(self.base + "tenants", "-b", platform)[1])
        # acme's mail carries it inline (cid:, multipart/related) beside a plain text part; other's does not.
        self.assertEqual(self.form(jar, "people", "people/invite", {"email": "logo-mail@acme.test", "role": "tenant-staff"})[0], 303)
        mail = self.sink.wait_for(lambda m: m["To"] == "logo-mail@acme.test")[0]
        html = mail.get_body(preferencelist=("html",)).get_content()
        self.assertIn('src="cid:brand-logo"', html)
        inline = [p for p in mail.walk() if p.get("Content-ID") == "<brand-logo>"]
        self.assertEqual(len(inline), 1)
        self.assertEqual(inline[0].get_content_disposition(), "inline")
        self.assertEqual(inline[0].get_payload(decode=True), logo)
        self.assertNotIn("cid:", text_of(mail))
        self.assertNotIn("<", text_of(mail))
        self.assertEqual(self.form(other_owner, "people", "people/invite", {"email": "logo-mail@other.test", "role": "tenant-staff"})[0], 303)
        theirs = self.sink.wait_for(lambda m: m["To"] == "logo-mail@other.test")[0]
        self.assertFalse([p for p in theirs.walk() if p.get("Content-ID")])
        self.assertNotIn("cid:", theirs.get_body(preferencelist=("html",)).get_content())
        self.assertNotIn("/branding/logo/", curl(self.base + "selfcare/other/")[1])
        # Bad files: refused with the reason next to the field; the stored logo stays.
        for data, name, status, reason in [
                (b'<svg xmlns="http://www.w3.org/2000/svg"><script>alert(1)</script></svg>', "logo.svg", 400,
                 "not a PNG or JPEG"),
                (b"GIF89a\x01\x00\x01\x00", "logo.png", 400, "not a PNG or JPEG"),
                (self.png(1500, 10), "wide.png", 400, "wider than 1024 px"),
                (self.png(16, 16, pad=256 * 1024 + 10), "big.png", 413, "larger than 256 KiB")]:
            code, page = self.upload(jar, data, name)
            self.assertEqual(code, status, name)
            self.assertRegex(page, r'id="b-logo-error"[^>]*>[^<]*' + re.escape(reason))
        self.assertEqual(self.served(self.acme)[2], logo)
        # Without the CSRF token nothing is done; a read-only role may not; another tenant's owner
        # naming acme changes only its own tenant's.
        self.assertEqual(self.upload(jar, self.png(8, 8), csrf=False)[0], 403)
        reader = self.token_jar("logo-reader", self.reader_token)
        self.assertNotIn('action="/settings/logo"', curl(self.base + "settings", "-b", reader)[1])
        self.assertEqual(self.upload(reader, self.png(8, 8))[0], 403)
        boss = self.sign_in("logo-boss", "boss@other.test")
        self.assertEqual(self.upload(boss, self.png(9, 9), tenant="acme")[0], 303)
        other_id = self.m.ctl_json("tenant", "show", "other")["id"]
        self.assertEqual(self.served(other_id)[2], self.png(9, 9))
        self.assertEqual(self.served(self.acme)[2], logo)
        self.assertEqual(self.form(boss, "settings", "settings/logo/clear", {"tenant": "acme"})[0], 303)
        self.assertEqual(self.served(other_id)[0], 404)
        self.assertEqual(self.served(self.acme)[2], logo)
        # Removed: back to the platform's.
        self.assertEqual(self.form(jar, "settings", "settings/logo/clear", {})[0], 303)
        self.assertEqual(self.served(self.acme)[0], 404)
        self.assertIn("No logo uploaded", curl(self.base + "settings", "-b", jar)[1])
        self.assertNotIn("/branding/logo/", curl(self.base + "selfcare/acme/")[1])

    def test_dunning_steps_with_errors_next_to_the_field(self):
        jar = self.sign_in("dunning-owner", "owner@acme.test")
        code, page = curl(self.base + "dunning", "-b", jar)
        self.assertEqual(code, 200)
        self.assertIn('id="s0-after-days"', page)
        self.assertIn("Dunning is off", page)
        # A throttle step without its rate: refused, the message next to step 2's rate, what was typed kept.
        steps = {"s0-after-days": "3", "s0-action": "remind", "s0-mail": "dunning-reminder",
                 "s1-after-days": "14", "s1-action": "throttle"}
        code, page = self.form(jar, "dunning", "dunning", steps)
        self.assertEqual(code, 400)
        self.assertRegex(page, r'id="s1-rate-error"[^>]*>[^<]*throttle step needs')
        self.assertIn('value="14"', page)
        steps["s1-rate"] = "1M/512k"
        code, _ = self.form(jar, "dunning", "dunning", steps)
        self.assertEqual(code, 303)
        got = self.m.ctl_json("dunning-policy", "get", "--tenant", "acme")["steps"]
        self.assertEqual([(s["after-days"], s["action"]) for s in got], [(3, "remind"), (14, "throttle")])
        self.assertEqual(self.m.ctl_json("dunning-policy", "get", "--tenant", "other")["steps"], [])
        code, page = curl(self.base + "dunning?tenant=other", "-b", jar)  # its own tenant's, whatever is asked
        self.assertIn('value="1M/512k"', page)
        # A read-only role sees the steps and may not change them; without CSRF nothing is done.
        reader = self.token_jar("dunning-reader", self.reader_token)
        code, page = curl(self.base + "dunning", "-b", reader)
        self.assertEqual(code, 200)
        self.assertNotIn("Save the steps", page)
        self.assertEqual(self.form(reader, "dunning", "dunning", {"preset": "off"})[0], 403)
        self.assertEqual(self.form(jar, "dunning", "dunning", {"preset": "off"}, csrf=False)[0], 403)
        self.assertEqual(len(self.m.ctl_json("dunning-policy", "get", "--tenant", "acme")["steps"]), 2)

    def test_imports_batches_and_rollback(self):
        jar = self.sign_in("imports-owner", "owner@acme.test")
        code, page = curl(self.base + "imports", "-b", jar)
        self.assertEqual(code, 200)
        self.assertIn("imp-walk", page)
        self.assertIn("freeradius-users", page)
        self.assertIn('aria-label="Roll back batch imp-walk"', page)
        # Another tenant's owner sees none of acme's batches, whatever is asked, and cannot roll one back.
        boss = self.sign_in("imports-boss", "boss@other.test")
        code, page = curl(self.base + "imports?tenant=" + self.acme, "-b", boss)
        self.assertEqual(code, 200)
        self.assertNotIn("imp-walk", page)
        code, page = self.form(boss, "imports", "imports", {"batch": "imp-walk"})
        self.assertEqual(code, 404, page)
        # A read-only role sees the batch without the button, and the server refuses the post anyway;
        # without the CSRF token nothing is done.
        reader = self.token_jar("imports-reader", self.reader_token)
        code, page = curl(self.base + "imports", "-b", reader)
        self.assertEqual(code, 200)
        self.assertIn("imp-walk", page)
        self.assertNotIn("Roll back batch", page)
        self.assertEqual(self.form(reader, "imports", "imports", {"batch": "imp-walk"})[0], 403)
        self.assertEqual(self.form(jar, "imports", "imports", {"batch": "imp-walk"}, csrf=False)[0], 403)
        batches = self.m.ctl_json("import", "list", "--tenant", "acme")
        # imp-walk is the one batch applied; the browser walk's own import (test_browser_walk runs
        # first) was rolled back by the walk.
        self.assertEqual([(b["batch"], b["state"]) for b in batches if b["state"] != "rolled-back"],
                         [("imp-walk", "applied")])
        self.assertTrue(all(b["source"] == "freeradius-users" for b in batches), batches)
        # The owner rolls it back: the page says what was removed; the subscribers are gone.
        code, page = self.form(jar, "imports", "imports", {"batch": "imp-walk"})
        self.assertEqual(code, 200, page)
        self.assertIn("Batch imp-walk rolled back: 2 subscribers, 0 customers and 1 plans removed.", page)
        self.assertIn("rolled back 20", page)
        self.assertNotIn('aria-label="Roll back batch imp-walk"', page)
        subs = [s["username"] for s in self.m.ctl_json("subscriber", "list", "--tenant", "acme")]
        self.assertNotIn("imp-one", subs)
        self.assertIn("ana", subs)
        # Once only: a second rollback is refused with the reason, on the page.
        code, page = self.form(jar, "imports", "imports", {"batch": "imp-walk"})
        self.assertEqual(code, 409, page)
        self.assertIn("rolled back already", page)
        # A platform person names the tenant.
        root = self.token_jar("imports-platform", self.platform_token)
        code, page = curl(self.base + "imports?tenant=" + self.acme, "-b", root)
        self.assertEqual(code, 200)
        self.assertIn("imp-walk", page)

    def dry_run(self, jar, data, fields, csrf=True, name="users.txt", action="imports/dry-run"):
        path = os.path.join(self.tmp.path, "dry-run-" + name)
        with open(path, "wb") as f:
            f.write(data)
        page = curl(self.base + "imports", "-b", jar, "-c", jar)[1]
        args = ["-b", jar, "-c", jar, "-F", f"file=@{path};filename={name}"]
        for k, v in fields.items():
            args += ["-F", f"{k}={v}"]
        if csrf:
            args += ["-F", "csrf=" + re.search(r'name="csrf" value="([^"]*)"', page).group(1)]
        return curl(self.base + action, *args)

    def test_imports_apply_from_a_file_then_rollback(self):
        # other's owner imports a users file from the console: a background job, its page shows the
        # progress and then what it added; the rollback leaves the tenant as it was (ADR 0075).
        users = (b'app-one Cleartext-Password := "pw-app-1"\n  Mikrotik-Rate-Limit = "3M/6M"\n'
                 b'app-two Cleartext-Password := "pw-app-2"\n  Mikrotik-Rate-Limit = "3M/6M"\n'
                 b'app-none Cleartext-Password := "pw-app-3"\n')
        boss = self.sign_in("apply-boss", "boss@other.test")

        def names(tenant):
            return sorted(s["username"] for s in self.m.ctl_json("subscriber", "list", "--tenant", tenant))

        def plans(tenant):
            return sorted(p["name"] for p in self.m.ctl_json("plan", "list", "--tenant", tenant))

        before = (names("other"), plans("other"))
        acme_before = names("acme")
        # Without the CSRF token, or as a read-only role: nothing starts.
        self.assertEqual(self.dry_run(boss, users, {"source": "freeradius-users"}, csrf=False,
                                      action="imports/apply")[0], 403)
        reader = self.token_jar("apply-reader", self.reader_token)
        self.assertEqual(self.dry_run(reader, users, {"source": "freeradius-users"}, action="imports/apply")[0], 403)
        # A field error: the page again, the message next to the field, nothing started.
        code, page = self.dry_run(boss, users, {"source": ""}, action="imports/apply")
        self.assertEqual(code, 400)
        self.assertIn("Not imported: check the fields marked.", page)
        self.assertRegex(page, r'id="imp-source-error"[^>]*>choose the system the file comes from')
        self.assertEqual(self.m.ctl_json("import", "list", "--tenant", "other"), [])
        # Naming acme as a tenant's owner imports into their own tenant (other), never acme.
        code, page = self.dry_run(boss, users, {"source": "freeradius-users", "tenant": self.acme},
                                  action="imports/apply")
        self.assertEqual(code, 303, page)
        to = re.search(r'href="(/imports\?batch=imp-[^"]+)"', page).group(1)
        deadline = time.time() + 20
        while True:
            code, page = curl(self.base + to.lstrip("/"), "-b", boss)
            self.assertEqual(code, 200)
            if "this page looks again by itself" not in page or time.time() > deadline:
                break
            time.sleep(0.1)
        self.assertNotIn("this page looks again by itself", page)
        batch = to.split("=", 1)[1]
        self.assertIn(f"Import {batch}", page)
        self.assertIn("2 of 2 subscribers", page)
        self.assertIn("Subscribers: 2 added, 0 already there (kept as they are), 0 refused by the tier's cap, "
                      "1 not importable", page)
        self.assertNotIn("pw-app", page)
        listed = self.m.ctl_json("import", "list", "--tenant", "other")
        self.assertEqual([(b["batch"], b["state"], b["rows-done"], b["rows-total"]) for b in listed],
                         [(batch, "applied", 2, 2)])
        self.assertEqual(names("other"), sorted(before[0] + ["app-one", "app-two"]))
        self.assertEqual(names("acme"), acme_before)
        # acme's owner does not see other's batch, even by its id.
        owner = self.sign_in("apply-owner", "owner@acme.test")
        code, page = curl(self.base + to.lstrip("/"), "-b", owner)
        self.assertEqual(code, 200)
        self.assertNotIn(batch, page)
        # Rolled back from its row's button: the tenant as before; a second time refused.
        code, page = self.form(boss, "imports", "imports", {"batch": batch})
        self.assertEqual(code, 200, page)
        self.assertIn(f"Batch {batch} rolled back: 2 subscribers, 0 customers and 1 plans removed.", page)
        self.assertEqual((names("other"), plans("other")), before)
        code, page = self.form(boss, "imports", "imports", {"batch": batch})
        self.assertEqual(code, 409, page)
        self.assertIn("rolled back already", page)

    def test_imports_dry_run_from_a_file(self):
        # A users file: ana is acme's already, newbie is new, hashy keeps PAP only, norate has no rate.
        users = (b'ana Cleartext-Password := "pw-secret-77"\n  Mikrotik-Rate-Limit = "4M/8M"\n'
                 b'newbie Cleartext-Password := "pw-secret-78"\n  Mikrotik-Rate-Limit = "4M/8M", Reply-Message = "hi"\n'
                 b'hashy Crypt-Password := "$1$saltsalt$qjXMvbEw8oaL.CzflDugX/"\n  Mikrotik-Rate-Limit = "4M/8M"\n'
                 b'norate Cleartext-Password := "pw-secret-79"\n')
        jar = self.sign_in("dry-run-owner", "owner@acme.test")
        code, page = curl(self.base + "imports", "-b", jar)
        self.assertIn('action="/imports/dry-run"', page)
        before = sorted(s["username"] for s in self.m.ctl_json("subscriber", "list", "--tenant", "acme"))
        batches = self.m.ctl_json("import", "list", "--tenant", "acme")
        code, page = self.dry_run(jar, users, {"source": "freeradius-users"})
        self.assertEqual(code, 200, page)
        self.assertIn("Dry run of users.txt (freeradius-users): nothing was changed", page)
        self.assertRegex(page, r"Subscribers: 2 to add, 1 already there, 0 refused by the tier's cap( of \d+)?, "
                               r"1 not importable")
        self.assertIn("4 subscribers read, 3 importable, 1 not", page)
        self.assertIn("Reply-Message (1)", page)
        self.assertIn("<td>hashy</td><td>5</td><td>crypt</td><td>PAP</td><td>PAP only: ", page)
        self.assertNotIn("imp-source-error", page)
        self.assertNotIn("more (mgmtctl", page)
        self.assertRegex(page, r"<td>norate</td><td>7</td><td>[^<]*</td><td>[^<]*</td><td>not imported: ")
        for secret in ("pw-secret-7", "saltsalt", "/tmp/"):
            self.assertNotIn(secret, page)
        # Nothing was written.
        self.assertEqual(before, sorted(s["username"] for s in self.m.ctl_json("subscriber", "list", "--tenant", "acme")))
        self.assertEqual(batches, self.m.ctl_json("import", "list", "--tenant", "acme"))
        # Errors next to their fields, what was typed kept; the temporary file is never named.
        code, page = self.dry_run(jar, users, {"source": "", "default-plan": "home-20"})
        self.assertEqual(code, 400)
        self.assertRegex(page, r'id="imp-source-error"[^>]*>choose the system the file comes from')
        self.assertIn('value="home-20"', page)
        code, page = self.dry_run(jar, b'ana Cleartext-Password := "x"\n  Bogus-Line\n', {"source": "freeradius-users"})
        self.assertEqual(code, 400)
        self.assertRegex(page, r'id="imp-file-error"[^>]*>line 2: ')
        self.assertNotIn("mgmt-import-", page)
        code, page = self.dry_run(jar, users, {"source": "freeradius-users", "currency": "euro"})
        self.assertRegex(page, r'id="imp-currency-error"[^>]*>three capital letters')
        code, page = self.dry_run(jar, b"#" * (4 * 1024 * 1024 + 1), {"source": "freeradius-users"})
        self.assertEqual(code, 413)
        self.assertRegex(page, r'id="imp-file-error"[^>]*>larger than 4 MiB')
        # Without the CSRF token nothing is read; a read-only role is refused by the command layer.
        self.assertEqual(self.dry_run(jar, users, {"source": "freeradius-users"}, csrf=False)[0], 403)
        reader = self.token_jar("dry-run-reader", self.reader_token)
        self.assertNotIn('action="/imports/dry-run"', curl(self.base + "imports", "-b", reader)[1])
        self.assertEqual(self.dry_run(reader, users, {"source": "freeradius-users"})[0], 403)
        # Another tenant's owner naming acme checks against their own tenant (ana is not there).
        boss = self.sign_in("dry-run-boss", "boss@other.test")
        code, page = self.dry_run(boss, users, {"source": "freeradius-users", "tenant": self.acme})
        self.assertEqual(code, 200, page)
        self.assertRegex(page, r"Subscribers: 3 to add, 0 already there")

    def test_firmware_page_window_and_rollout_forms(self):
        jar = self.sign_in("firmware-owner", "owner@acme.test")
        code, page = curl(self.base + "firmware", "-b", jar)
        self.assertEqual(code, 200)
        self.assertIn('id="window"', page)
        # A window the command refuses: 400, the message next to the field, what was typed kept.
        code, page = self.form(jar, "firmware", "firmware", {"action": "window", "window": "Mon-Fri 1:00-05:00 UTC"})
        self.assertEqual(code, 400)
        self.assertRegex(page, r'id="window-error"[^>]*>[^<]*is not a time HH:MM')
        self.assertIn('value="Mon-Fri 1:00-05:00 UTC"', page)
        self.assertEqual(self.form(jar, "firmware", "firmware", {"action": "window", "window": "Sat,Sun 02:00-04:00 UTC"})[0], 303)
        self.assertEqual(self.m.ctl_json("maintenance-window", "get", "--tenant", "acme")["window"], "Sat-Sun 02:00-04:00 UTC")  # as stored
        self.assertIsNone(self.m.ctl_json("maintenance-window", "get", "--tenant", "other")["window"])
        # A catalog version and a rollout to two boxes of acme: its rings and boxes on the page.
        payload = os.path.join(self.tmp.path, "rootfs.img")
        with open(payload, "wb") as f:
            f.write(os.urandom(100 * 1024))
        bundle = os.path.join(self.tmp.path, "edge-3.0.fw")
        subprocess.run([binary("fwtool"), "build", "--payload", payload, "--version", "3.0", "--compatible", "edge-x86_64",
                        "--min-version", "1.0", "--security-floor", "2.0", "--block-size", "65536", "--out", bundle],
                       check=True, capture_output=True)
        subprocess.run([binary("fwtool"), "sign", "--key", self.fw_key, bundle], check=True, capture_output=True)
        self.m.ctl("firmware", "add", "--file", bundle, "--channel", "beta")
        boxes = [CurlBox(self.tmp.path, f"fw-box{i}").enroll(self.m.ctl("claim", "create", "--tenant", "acme").stdout.strip())
                 for i in range(2)]
        rings = [{"name": "canary", "devices": [boxes[0].device_id]}, {"name": "everyone", "percent": 100}]
        rollout = self.m.ctl_json("rollout", "create", "--tenant", "acme", "--version", "3.0", "--rings", json.dumps(rings))["id"]
        self.addCleanup(lambda: self.m.ctl("rollout", "abort", rollout, check=False))
        code, page = curl(self.base + "firmware?rollout=" + rollout, "-b", jar)
        self.assertEqual(code, 200)
        self.assertIn("beta", page)
        self.assertIn(boxes[0].device_id, page)
        self.assertIn("canary</strong> (open)", page)
        self.assertIn("everyone</strong> (waiting)", page)
        # Pause with a reason, resume, abort: through the forms, with their CSRF token.
        page_path = "firmware?rollout=" + rollout
        self.assertEqual(self.form(jar, page_path, "firmware", {"action": "pause", "rollout": rollout,
                                                                "reason": "a field report"})[0], 303)
        shown = self.m.ctl_json("rollout", "show", rollout)
        self.assertEqual((shown["state"], shown["reason"]), ("paused", "paused by hand: a field report"))
        # A read-only role sees the rollout but may not move it; without CSRF nothing is done.
        reader = self.token_jar("firmware-reader", self.reader_token)
        code, page = curl(self.base + page_path, "-b", reader)
        self.assertEqual(code, 200)
        self.assertNotIn('value="resume"', page)
        self.assertNotIn("Save the window", page)
        self.assertEqual(self.form(reader, page_path, "firmware", {"action": "resume", "rollout": rollout})[0], 403)
        self.assertEqual(self.form(jar, page_path, "firmware", {"action": "resume", "rollout": rollout}, csrf=False)[0], 403)
        self.assertEqual(self.m.ctl_json("rollout", "show", rollout)["state"], "paused")
        self.assertEqual(self.form(jar, page_path, "firmware", {"action": "resume", "rollout": rollout})[0], 303)
        self.assertEqual(self.m.ctl_json("rollout", "show", rollout)["state"], "running")
        self.assertEqual(self.form(jar, page_path, "firmware", {"action": "abort", "rollout": rollout})[0], 303)
        self.assertEqual(self.m.ctl_json("rollout", "show", rollout)["state"], "aborted")

    def test_insight_alerts_and_notifications_pages_keep_tenants_apart(self):
        sample = self.demo_sample
        self.assertGreater(sample["affected"], 0, sample)
        self.assertGreater(sample["notifications"], 0, sample)
        demo = self.token_jar("insight-demo", self.demo_token)
        acme = self.token_jar("insight-acme", self.admin_token)
        reader = self.token_jar("insight-reader", self.reader_token)
        alert = str(sample["alert"])
        # The demo tenant's pages: its retention list with actions, its outage ranked with its impact,
        # its notification log, its planned maintenance.
        code, page = curl(self.base + "insight", "-b", demo)
        self.assertEqual(code, 200)
        kept = self.m.ctl_json("insight", "retention", "--tenant", "demo-walk")["customers"]
        self.assertTrue(kept)
        self.assertIn(kept[0]["customer"], page)
        self.assertIn(kept[0]["action"], page)
        code, page = curl(self.base + "alerts", "-b", demo)
        self.assertEqual(code, 200)
        self.assertIn(f'{sample["affected"]} customer(s) affected, closed', page)
        self.assertIn("(sample)", page)
        self.assertIn("We are upgrading the equipment", page)
        code, page = curl(self.base + "alerts?alert=" + alert, "-b", demo)
        self.assertEqual(code, 200)
        impact = self.m.ctl_json("alert", "show", "--tenant", "demo-walk", alert)["customers"]
        self.assertEqual(len(impact), sample["affected"])
        for c in impact:
            self.assertIn(c["username"], page)
        code, page = curl(self.base + "notifications", "-b", demo)
        self.assertEqual(code, 200)
        self.assertIn("handed to mail", page)
        self.assertIn("@example.invalid", page)
        # Another tenant: nothing of the demo's, whatever it asks; the alert by id is not found.
        for path in ("insight", "alerts", "notifications", "insight?tenant=" + self.demo, "alerts?tenant=" + self.demo,
                     "notifications?tenant=" + self.demo):
            code, page = curl(self.base + path, "-b", acme)
            self.assertEqual(code, 200, path)
            self.assertNotIn("example.invalid", page, path)
            self.assertNotIn("(sample)", page, path)
            self.assertNotIn(kept[0]["customer"], page, path)
        self.assertEqual(curl(self.base + "alerts?alert=" + alert, "-b", acme)[0], 404)
        self.assertEqual(self.form(acme, "alerts", "alerts", {"action": "ack", "id": alert})[0], 404)
        self.assertEqual(curl(self.base + "health", "-b", acme)[0], 403)  # the platform's
        # Acknowledge through the form (CSRF required; a reader may not).
        self.assertEqual(self.form(demo, "alerts", "alerts", {"action": "ack", "id": alert}, csrf=False)[0], 403)
        self.assertEqual(self.m.ctl_json("alert", "show", "--tenant", "demo-walk", alert)["acked-at"], 0)
        self.assertEqual(self.form(demo, "alerts", "alerts", {"action": "ack", "id": alert})[0], 303)
        shown = self.m.ctl_json("alert", "show", "--tenant", "demo-walk", alert)
        self.assertGreater(shown["acked-at"], 0)
        self.assertTrue(shown["acked-by"])
        # Maintenance: a refused window keeps what was typed and says why next to the field.
        boxes = [d["id"] for d in self.m.ctl_json("device", "list", "--tenant", "demo-walk")]
        code, page = self.form(demo, "alerts", "alerts", {"action": "maintenance", "start": "2020-01-01T01:00",
                                                          "end": "2020-01-01T03:00", "device-" + boxes[0]: "1",
                                                          "reason": "tower work"})
        self.assertEqual(code, 400)
        self.assertRegex(page, r'id="start-error"[^>]*>[^<]*must be in the future')
        self.assertIn('value="tower work"', page)
        code, page = self.form(demo, "alerts", "alerts", {"action": "maintenance", "start": "2030-01-01T01:00",
                                                          "end": "2030-01-01T03:00", "reason": "tower work"})
        self.assertEqual(code, 400)
        self.assertRegex(page, r'id="devices-error"[^>]*>[^<]*choose at least one box')
        before = len(self.m.ctl_json("maintenance", "list", "--tenant", "demo-walk")["maintenance"])
        self.assertEqual(self.form(demo, "alerts", "alerts", {"action": "maintenance", "start": "2030-01-01T01:00",
                                                              "end": "2030-01-01T03:00", "device-" + boxes[0]: "1",
                                                              "reason": "tower work"})[0], 303)
        after = self.m.ctl_json("maintenance", "list", "--tenant", "demo-walk")["maintenance"]
        self.assertEqual(len(after), before + 1)
        self.assertIn("tower work", [w["reason"] for w in after])
        # acme cannot schedule on the demo's box (not found), and its reader may not schedule at all.
        self.assertEqual(self.form(acme, "alerts", "alerts", {"action": "maintenance", "start": "2030-01-01T01:00",
                                                              "end": "2030-01-01T03:00", "device-" + boxes[0]: "1"})[0], 400)
        self.assertEqual(len(self.m.ctl_json("maintenance", "list", "--tenant", "acme")["maintenance"]), 0)
        self.assertEqual(self.form(reader, "alerts", "alerts", {"action": "ack", "id": alert})[0], 403)
        # Network devices (ADR 0062, 0068): the demo's sample devices, described through the form (a refusal
        # next to its field, CSRF required); another tenant sees none of them and cannot describe them.
        listed = self.m.ctl_json("network-device", "list", "--tenant", "demo-walk")["devices"]
        self.assertEqual(sorted(d["name"] for d in listed), ["access-switch-1", "uplink-router"])
        box = listed[0]["box"]
        code, page = curl(self.base + "network", "-b", demo)
        self.assertEqual(code, 200)
        self.assertIn("access-switch-1", page)
        self.assertIn("ge-0/0/7", page)
        described = {"action": "describe", "box": box, "name": "access-switch-1", "site": "Quarry Lane POP",
                     "upstream": "access-switch-1"}
        code, page = self.form(demo, "network", "network", described)
        self.assertEqual(code, 400)
        self.assertRegex(page, r'id="upstream-error"[^>]*>[^<]*cannot hang off itself')
        self.assertIn('value="Quarry Lane POP"', page)
        described["upstream"] = "uplink-router"
        self.assertEqual(self.form(demo, "network", "network", described, csrf=False)[0], 403)
        self.assertEqual(self.form(demo, "network", "network", described)[0], 303)
        self.assertEqual(self.form(demo, "network", "network", {"action": "site", "box": box, "site": "x" * 65})[0], 400)
        shown = {d["name"]: d for d in self.m.ctl_json("network-device", "list", "--tenant", "demo-walk")["devices"]}
        self.assertEqual((shown["access-switch-1"]["site"], shown["access-switch-1"]["upstream"]),
                         ("Quarry Lane POP", "uplink-router"))
        self.assertEqual(shown["uplink-router"]["downstream"], ["access-switch-1"])
        code, page = curl(self.base + "network", "-b", demo)
        self.assertIn("devices access-switch-1", page)  # what depends on the router
        for path in ("network", "network?tenant=" + self.demo, "notification-settings?tenant=" + self.demo):
            code, page = curl(self.base + path, "-b", acme)
            self.assertEqual(code, 200, path)
            self.assertNotIn("access-switch-1", page, path)
            self.assertNotIn("Quarry Lane POP", page, path)
        code, page = self.form(acme, "network", "network", dict(described, site="taken"))
        self.assertEqual(code, 400)
        self.assertRegex(page, r'id="box-error"[^>]*>[^<]*no box')
        self.assertEqual(self.form(acme, "network", "network", {"action": "remove", "box": box,
                                                                "name": "access-switch-1"})[0], 404)
        self.assertEqual(self.form(reader, "network", "network", dict(described, site="read-only"))[0], 403)
        self.assertEqual(self.m.ctl_json("network-device", "list", "--tenant", "demo-walk")["devices"][0]["site"],
                         "Quarry Lane POP")
        # Notification settings: who is told by what channel; a refused key is shown next to its field.
        code, page = curl(self.base + "notification-settings", "-b", demo)
        self.assertEqual(code, 200)
        self.assertIn("Your own systems", page)
        settings = {"action": "settings", "email": "1", "sms-api-url": "https://api.twilio.com", "sms-from": "",
                    "webhook-url": "", "quiet-hours": "25:00-07:00", "utc-offset-minutes": "60"}
        code, page = self.form(demo, "notification-settings", "notification-settings", settings)
        self.assertEqual(code, 400)
        self.assertRegex(page, r'id="quiet-hours-error"[^>]*>')
        self.assertIn('value="25:00-07:00"', page)
        settings["quiet-hours"] = "22:00-07:00"
        self.assertEqual(self.form(demo, "notification-settings", "notification-settings", settings, csrf=False)[0], 403)
        self.assertEqual(self.form(demo, "notification-settings", "notification-settings", settings)[0], 303)
        saved = self.m.ctl_json("notification-settings", "get", "--tenant", "demo-walk")
        self.assertEqual((saved["quiet-hours"], saved["utc-offset-minutes"]), ("22:00-07:00", 60))
        self.assertEqual(self.m.ctl_json("notification-settings", "get", "--tenant", "acme")["quiet-hours"], "")
        self.assertEqual(self.form(reader, "notification-settings", "notification-settings", settings)[0], 403)
        # One customer's channel: another tenant's customer is not found (next to the field).
        customer = impact[0]["customer"] if impact[0]["customer"] else next(c["customer"] for c in impact if c["customer"])
        code, page = self.form(acme, "notification-settings", "notification-settings",
                               {"action": "preference", "customer": customer, "channel": "none"})
        self.assertEqual(code, 400)
        self.assertRegex(page, r'id="customer-error"[^>]*>[^<]*no customer')
        self.assertEqual(self.form(demo, "notification-settings", "notification-settings",
                                   {"action": "preference", "customer": customer, "channel": "sms"})[0], 303)
        # The platform's health page: every tenant with its factors, the histogram.
        platform = self.token_jar("insight-platform", self.platform_token)
        code, page = curl(self.base + "health", "-b", platform)
        self.assertEqual(code, 200)
        self.assertIn("<svg", page)
        self.assertIn("demo-walk", page)
        self.assertIn("mean churn risk", page)
        self.assertIn("devices", page)
        # Insight's daily run (ADR 0074): off in tests (edgelib), said so, no run yet.
        self.assertIn("Daily insight run", page)
        self.assertIn("The daily run is off", page)
        self.assertIn("No run yet.", page)

    def test_second_factor_enrolment_and_forgot_password(self):
        jar = self.sign_in("totp-staff", "twofa@acme.test")
        code, page = curl(self.base + "account", "-b", jar)
        self.assertEqual(code, 200)
        self.assertIn("Second factor: off", page)
        code, page = self.form(jar, "account", "account/totp", {})
        self.assertEqual(code, 200)
        self.assertIn("<svg", page)
        secret = re.search(r'<code class="secret">([A-Z2-7]+)</code>', page).group(1)
        code, page = self.form(jar, "account", "account/totp/confirm", {"code": "000000" if totp(secret) != "000000" else "111111"})
        self.assertEqual(code, 400)
        self.assertRegex(page, r'id="totp-code-error"[^>]*>[^<]+')
        self.assertIn("<svg", page)  # the same QR code again
        code, page = self.form(jar, "account", "account/totp/confirm", {"code": totp(secret)})
        self.assertEqual(code, 200, page)
        recovery = re.findall(r"<li><code>([^<]+)</code></li>", page)
        self.assertEqual(len(recovery), 10)
        # Once on, it is not begun again over it (the page says why).
        code, page = self.form(jar, "account", "account/totp", {})
        self.assertEqual(code, 409, page)
        self.assertIn("on already", page)
        # From now on the password alone is not enough; a recovery code works once.
        code, r = api(self.base, "api/v1/auth/login", {"email": "twofa@acme.test", "password": PASSWORD})
        self.assertEqual(code, 401)
        code, r = api(self.base, "api/v1/auth/login", {"email": "twofa@acme.test", "password": PASSWORD, "code": recovery[0]})
        self.assertEqual(code, 200, r)
        # Forgot password: CSRF first, a message next to the field, the same answer for anyone.
        anon = self.jar("forgot")
        code, _ = self.form(anon, "forgot", "forgot", {"email": "twofa@acme.test"}, csrf=False)
        self.assertEqual(code, 403)
        code, page = self.form(anon, "forgot", "forgot", {"email": ""})
        self.assertEqual(code, 400)
        self.assertRegex(page, r'id="email-error"[^>]*>[^<]+')
        code, page = self.form(anon, "forgot", "forgot", {"email": "nobody@acme.test"})
        self.assertEqual(code, 200)
        self.assertIn("on its way", page)
        code, page = self.form(anon, "forgot", "forgot", {"email": "twofa@acme.test"})
        self.assertEqual(code, 200)
        self.assertIn("on its way", page)
        mail = self.sink.wait_for(lambda m: m["To"] == "twofa@acme.test")[0]
        self.assertRegex(text_of(mail), r"/reset\?token=[0-9a-f]{48}")

    def test_reports_and_payments_keep_tenants_apart(self):
        # Issue 24: every report and payment route answers for the visitor's own tenant only: acme's
        # owner naming other gets acme's figures; other's owner never sees acme's payment or money.
        acme = self.sign_in("reports-acme", "owner@acme.test")
        code, page = curl(self.base + "reports?tenant=other", "-b", acme)
        self.assertEqual(code, 200)
        self.assertIn("30.00 USD", page)
        self.assertNotIn("EUR", page)
        code, csv = curl(self.base + "reports/revenue.csv?tenant=other", "-b", acme)
        self.assertEqual(code, 200)
        self.assertTrue(csv.startswith("month,close,mrr,paying-customers,arpu,churned,churned-subscriptions"), csv[:200])
        self.assertIn(",30.00,", csv)
        code, csv = curl(self.base + "reports/aging.csv", "-b", acme)
        self.assertEqual(code, 200)
        self.assertIn("rev-a", csv)
        code, csv = curl(self.base + "reports/tax.csv?from=2020-01-01&to=2030-01-01", "-b", acme)
        self.assertEqual(code, 200)
        self.assertTrue(csv.startswith("region,rate-percent,treatment,documents,net,tax"), csv[:200])
        code, page = curl(self.base + "reports?from=2026-13-01", "-b", acme)  # a bad date: next to its field
        self.assertEqual(code, 400)
        self.assertRegex(page, r'id="tax-from-error"[^>]*>[^<]+')
        self.assertEqual(curl(self.base + "payment?id=" + self.foreign_payment, "-b", acme)[0], 404)
        code, page = curl(self.base + "payments", "-b", acme)
        self.assertIn(self.online_payment["id"], page)
        self.assertNotIn(self.foreign_payment, page)
        boss = self.sign_in("reports-other", "boss@other.test")
        code, page = curl(self.base + "reports?tenant=" + self.acme, "-b", boss)
        self.assertEqual(code, 200)
        self.assertNotIn("USD", page)
        code, csv = curl(self.base + "reports/aging.csv?tenant=" + self.acme, "-b", boss)
        self.assertEqual(code, 200)
        self.assertNotIn("rev-a", csv)
        self.assertEqual(curl(self.base + "payment?id=" + self.online_payment["id"], "-b", boss)[0], 404)
        code, page = curl(self.base + "payments?tenant=" + self.acme, "-b", boss)
        self.assertNotIn(self.online_payment["id"], page)
        self.assertIn(self.foreign_payment, page)
        # A refund of acme's payment posted by other's owner: not found, nothing refunded.
        def refunded():
            return self.m.ctl_json("payment", "show", "--tenant", "acme", "--payment",
                                   self.online_payment["id"])["refunded-minor"]
        before = refunded()
        code, _ = self.form(boss, "payments", "payment/refund", {"id": self.online_payment["id"], "amount": "1.00",
                                                                 "reason": "not yours", "key": "cross-tenant"})
        self.assertEqual(code, 404)
        self.assertEqual(refunded(), before)

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
             "totp_used_step": self.root_step,
             "platform": True, "phone": True, "writes": True},
        ]
        walker = os.path.join(src, "tests", "browser", "console_walk.js")
        r = subprocess.run(["node", walker, "--url", self.base, "--out", out, "--accounts", json.dumps(accounts),
                            "--tenant", self.acme, "--foreign-customer", self.foreign, "--demo-tenant", self.demo,
                            "--foreign-invoice", self.other_invoice,
                            "--foreign-payment", self.foreign_payment, "--refund-payment", self.online_payment["id"]],
                           capture_output=True, text=True, timeout=280)
        lines = r.stdout.strip().splitlines()
        result = json.loads(lines[-1]) if lines else {"ok": False}
        self.assertTrue(result.get("ok"), f"{result.get('error')} {r.stderr[-2000:]}")
        seen = {s["name"]: s for s in result["seen"]}
        insight = ["health", "insight", "alerts", "notifications", "notify", "network"]
        bills = ["billing", "subscription"]  # the platform's list, a tenant's subscription (ADR 0071)
        money = ["payments", "reports"]  # the tenant's payments and reports (issue 24)
        want = {"platform": ["tenants", "tenant", "devices", "plans", "customers", "customer-new", "sessions", "firmware",
                             "imports", "tokens", "help"] + insight + bills + money,
                "admin": ["dashboard", "devices", "plans", "customers", "customers-search", "customer-new", "sessions",
                          "firmware", "imports", "alerts", "notify", "network", "help"] + money,
                "reader": ["dashboard", "devices", "plans", "customers", "customers-search", "customer-new", "sessions",
                           "firmware", "imports", "alerts", "notify", "network", "help"] + money,
                "owner": ["dashboard", "devices", "plans", "customers", "customers-search", "customer-new", "sessions",
                          "firmware", "imports", "alerts", "notify", "network", "help", "forgot", "people", "tokens", "audit", "settings",
                          "account", "account-totp", "subscription", "platform-invoice"] + money,
                "root": ["tenants", "tenant", "devices", "plans", "customers", "customer-new", "sessions", "firmware",
                         "imports", "tokens", "help", "people", "audit", "account"] + insight + bills + money}
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
        self.assertEqual(checks["root-nav"], ["Tenants", "Signup funnel", "People", "API tokens", "Audit log",
                                              "Tenant billing", "Firmware", "Tenant health", "Partners", "Your account"])
        self.assertEqual(checks["owner-nav"], ["Dashboard", "Devices", "Plans", "Customers", "Sessions and usage", "People",
                                               "API tokens", "Audit log", "Payments", "Reports", "Dunning", "Your subscription", "Firmware", "Imports", "Customer insight",
                                               "Alerts", "Notifications", "Notification settings", "Network devices", "Settings",
                                               "Partners", "Your account"])
        self.assertEqual(checks["owner-totp-qr"], 1)
        people = next(t for n, t in text.items() if n.startswith("owner-") and n.endswith("-people"))
        self.assertIn("owner@acme.test", people)
        self.assertNotIn("boss@other.test", people)
        for who in ("platform", "admin", "reader", "owner", "root"):
            self.assertEqual(checks[f"{who}-no-csrf"], 403)
            self.assertEqual(checks[f"{who}-signed-out"], "/login")
            self.assertEqual(checks[f"{who}-after-sign-out"], "/login")
        def shown(who, page):
            return next(t for n, t in text.items() if n.startswith(who + "-") and n.endswith("-" + page))
        self.assertEqual(checks["platform-nav"], ["Tenants", "Signup funnel", "People", "API tokens", "Audit log",
                                                  "Tenant billing", "Firmware", "Tenant health", "Partners"])
        # The platform's bills (ADR 0071): every tenant's price on the list; acme's owner reads its own
        # subscription and invoice, pays by the year from today, and is refused other's invoice; roles
        # without the right are refused by the server.
        self.assertIn("acme", shown("platform", "billing"))
        self.assertIn("49.00", shown("platform", "billing"))
        self.assertIn("other", shown("root", "billing"))
        self.assertIn("basic", shown("owner", "subscription"))
        self.assertTrue(any("basic" in t for t in checks["owner-invoice-lines"]), checks["owner-invoice-lines"])
        self.assertEqual(checks["owner-foreign-invoice"], 404)
        self.assertTrue(any("by the year" in t for t in checks["owner-period-saved"]), checks["owner-period-saved"])
        self.assertEqual(self.m.ctl_json("platform-subscription", "show", "--tenant", "acme")["subscription"]["period"],
                         "year")
        for who in ("admin", "reader"):
            self.assertEqual(checks[f"{who}-subscription-page"], 403)
        self.assertEqual(checks["admin-nav"], ["Dashboard", "Devices", "Plans", "Customers", "Sessions and usage", "People",
                                               "Audit log", "Payments", "Reports", "Dunning", "Firmware", "Imports", "Customer insight", "Alerts",
                                               "Notifications", "Notification settings", "Network devices", "Settings",
                                               "Partners"])
        # Billing (issue 24): the Reports page's charts have bars and its tables the figures; another
        # tenant's payment is not found; the refund form refuses more than is left next to the amount,
        # refunds a part, and the same form posted again refunds nothing more.
        for who in ("admin", "reader"):
            self.assertEqual(checks[f"{who}-foreign-payment"], 404)
            self.assertGreater(checks[f"{who}-reports-svg"], 10)
        reports = next(t for n, t in text.items() if n.startswith("owner-") and n.endswith("-reports"))
        self.assertIn("Revenue, the last 12 months", reports)
        self.assertIn("30.00 USD", reports)
        self.assertIn("at most", checks["admin-refund-too-much"])
        self.assertEqual(checks["admin-refund-reason-kept"], "Walk: too much")
        self.assertTrue(any(m.startswith("Refunded") for m in checks["admin-refund-done"]), checks["admin-refund-done"])
        self.assertIn(checks["admin-refund-again"], (0, 303))  # a redirect to the payment (fetch hides it as 0)
        refunded = self.m.ctl_json("payment", "show", "--tenant", "acme", "--payment", self.online_payment["id"])
        self.assertEqual(refunded["refunded-minor"], 500, refunded)
        self.assertEqual(self.m.ctl_json("billing", "verify", "--tenant", "acme")["problems"], [])
        # The platform's walk of the demo tenant's filled pages: a retention list, an outage, its messages.
        self.assertIn("Suggested action", shown("root", "insight"))
        self.assertIn("customer(s) affected, closed", shown("root", "alerts"))
        self.assertIn("handed to mail", shown("root", "notifications"))
        self.assertIn("Tenants to watch", shown("platform", "health"))
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
        # The import dry run from a file (issue 30): the report, on a phone (admin) and for a named tenant.
        for who in ("platform", "admin"):
            names = [n for n in seen if n.startswith(who + "-") and n.endswith("-imports-dry-run")]
            self.assertEqual(len(names), 1, sorted(seen))
            self.assertEqual(seen[names[0]]["status"], 200)
            report = checks[f"{who}-import-report"]
            self.assertIn("nothing was changed", report)
            self.assertIn("Subscribers: 2 to add, 0 already there", report)
            self.assertIn("walk-three", report)
            self.assertNotIn("pw-walk", report)
        # The admin imported the file from the page (ADR 0075): the batch's page said what it added, and
        # the rollback from its row took it away again (walk-one is not acme's, below).
        applied = [n for n in seen if n.startswith("admin-") and n.endswith("-imports-applied")]
        self.assertEqual(len(applied), 1, sorted(seen))
        self.assertEqual(checks["admin-import-url"], "/imports?batch=")
        self.assertIn("2 of 2 subscribers", checks["admin-import-applied"])
        self.assertIn("Subscribers: 2 added, 0 already there", checks["admin-import-applied"])
        self.assertNotIn("pw-walk", checks["admin-import-applied"])
        self.assertTrue(any("rolled back: 2 subscribers" in t for t in checks["admin-import-rolled-back"]),
                        checks["admin-import-rolled-back"])
        self.assertNotIn("walk-one", [s["username"] for s in self.m.ctl_json("subscriber", "list", "--tenant", "acme")])
        # What the walk saved is in mgmt, for the right tenant only; the reader's refused add is not.
        acme = [c["name"] for c in self.m.ctl_json("customer", "list", "--tenant", "acme")["customers"]]
        self.assertEqual(sorted(acme), ["Ana Silva", "Walk admin", "Walk owner", "Walk platform", "Walk root"])
        other = [c["name"] for c in self.m.ctl_json("customer", "list", "--tenant", "other")["customers"]]
        self.assertEqual(other, ["Zed Secret"])
        print("console screenshots in", out)


if __name__ == "__main__":
    unittest.main(verbosity=2)
