"""The partner portal in the management console (issues 25 and 23, ADR 0057) on a real mgmtd: a
reseller's person (a real partner principal, signed in by email and password) sees its earnings with a
server-drawn chart, statements line by line traced to invoice and payment, payouts, customers and
leads; another partner's pages are not found, a tenant's pages refused, changes refused with or without
CSRF; a tenant's owner reaches only its own resellers and invites a reseller's person, whose mailed link
(to a real SMTP sink) leads to the portal; and Debian's chromium walks the pages at phone size with
axe-core clean (tests/browser/console_walk.js)."""
import datetime
import json
import os
import re
import subprocess
import sys
import unittest

sys.path.insert(0, os.path.dirname(__file__))
from edgelib import Mgmtd, TempDir  # noqa: E402
from smtp_sink import SmtpSink, text_of  # noqa: E402

PASSWORD = "a long enough passphrase"


def day(offset):
    return (datetime.date.today() + datetime.timedelta(days=offset)).isoformat()


def curl(url, *args):
    cmd = ["curl", "-sS", "-k", "-o", "-", "-w", "\n%{http_code}", "--max-time", "20"] + list(args) + [url]
    r = subprocess.run(cmd, capture_output=True, text=True, timeout=40)
    body, _, code = r.stdout.rpartition("\n")
    return int(code or 0), body


class PartnerPortalTest(unittest.TestCase):
    @classmethod
    def setUpClass(cls):
        """acme's reseller Corner Shop earns on ben's paid invoice (10% of it without tax and 15.00 per
        sale) and has a payout approved; ana is attributed to it but has paid nothing (a lead that has
        not converted). other's reseller and a platform partner are what Corner Shop's person and
        acme's people must not reach."""
        cls.tmp = TempDir("partner-portal-it-")
        cls.sink = SmtpSink().start()
        cls.m = m = Mgmtd(os.path.join(cls.tmp.path, "mgmt"),
                          {"mail": {"smtp-url": cls.sink.url, "from": "mgmt@platform.example"}}).start()
        cls.base = f"https://127.0.0.1:{m.admin_port}/"
        m.ctl("tenant", "add", "--name", "acme", "--tier", "basic")
        m.ctl("tenant", "add", "--name", "other", "--tier", "basic")
        cls.acme = m.ctl_json("tenant", "show", "acme")["id"]
        with open(os.path.join(m.data_dir, "admin-token")) as f:
            cls.platform_token = f.read().strip()
        m.ctl("person", "add", "--tenant", "acme", "--email", "owner@acme.test", "--role", "tenant-owner",
              "--password", PASSWORD)
        cls.admin_token = m.ctl("token", "create", "--tenant", "acme", "--role", "tenant-admin",
                                "--name", "walk-admin").stdout.strip().splitlines()[-1]
        m.ctl("billing", "setup", "--tenant", "acme", "--currency", "EUR", "--payment-days", "14")
        m.ctl("plan", "add", "--tenant", "acme", "--name", "fiber", "--down", "100M", "--up", "20M",
              "--price", "30.00", "--currency", "EUR")
        for user in ("ben", "ana"):
            m.ctl("subscriber", "add", "--tenant", "acme", "--username", user, "--password", "pw-123456", "--plan", "fiber")
        cls.shop = m.ctl_json("partner", "add", "--tenant", "acme", "--name", "Corner Shop", "--type",
                              "authorized-dealer", "--currency", "EUR", "--hold-days", "30")
        cls.other_shop = m.ctl_json("partner", "add", "--tenant", "other", "--name", "Other Shop", "--type",
                                    "authorized-dealer", "--currency", "EUR")["id"]
        cls.distributor = m.ctl_json("partner", "add", "--name", "Big Distributor", "--type", "distributor",
                                     "--currency", "EUR")["id"]
        m.ctl("commission-plan", "set", "--tenant", "acme", "--name", "std", "--currency", "EUR",
              "--spec", json.dumps({"rate-bp": 1000, "flat": "15.00"}))
        m.ctl("partner", "plan", "--tenant", "acme", "--partner", cls.shop["id"], "--plan", "std", "--date", day(-60))
        for user in ("ben", "ana"):
            m.ctl("attribution", "set", "--tenant", "acme", "--username", user, "--partner", cls.shop["id"],
                  "--date", day(-50))
        m.ctl("subscription", "add", "--tenant", "acme", "--username", "ben", "--plan", "fiber",
              "--start", day(-40), "--anchor-day", str(int(day(-40)[8:])))
        m.ctl("billing", "run", "--tenant", "acme", "--date", day(-40), "--finalize", "true")
        invoices = m.ctl_json("invoice", "list", "--tenant", "acme", "--username", "ben")
        invoice = (invoices["invoices"] if isinstance(invoices, dict) else invoices)[0]
        cls.invoice = invoice["id"]
        cls.paid_day = day(-35)
        m.ctl("payment", "add", "--tenant", "acme", "--username", "ben", "--amount", invoice["total"].split()[0],
              "--method", "bank", "--date", cls.paid_day)
        m.ctl("commission", "run", "--tenant", "acme")
        m.ctl("payout", "approve", "--tenant", "acme", "--partner", cls.shop["id"])
        # The reseller's person, added by the platform (mgmtctl on the machine) with a password.
        m.ctl("person", "add", "--email", "shop@corner.test", "--role", "partner", "--partner", cls.shop["id"],
              "--name", "Corner Shop's owner", "--password", PASSWORD)

    @classmethod
    def tearDownClass(cls):
        cls.m.stop()
        cls.sink.stop()
        cls.tmp.cleanup()

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
        code, body = self.form(jar, "login", "login", {"email": email, "password": password})
        self.assertEqual(code, 303, body)
        return jar

    def test_portal_pages_and_isolation_per_route(self):
        jar = self.sign_in("shop", "shop@corner.test")
        code, page = curl(self.base, "-b", jar)  # a partner's person lands on its portal
        self.assertEqual(code, 200)
        self.assertIn("Corner Shop", page)
        self.assertIn(self.shop["referral-code"], page)
        self.assertIn('<svg xmlns="http://www.w3.org/2000/svg"', page)
        ledger = self.m.ctl_json("partner", "ledger", "--tenant", "acme", "--partner", self.shop["id"])["entries"]
        accrued = sum(e["amount-minor"] for e in ledger if e["kind"] == "accrual")
        self.assertGreater(accrued, 1500)  # 15.00 per sale and 10% of what ben paid without tax
        self.assertIn("%d.%02d EUR</p>" % (accrued // 100, accrued % 100), page)  # accrued, last 12 months
        # The statement of the payment's month, line by line, each line naming invoice and payment.
        month = self.paid_day[:7]
        code, page = curl(self.base + "partner/statement?period=" + month, "-b", jar)
        self.assertEqual(code, 200)
        accruals = [e for e in ledger if e["kind"] == "accrual"]
        self.assertEqual(page.count("<td>accrual <small>"), len(accruals))
        self.assertEqual({e["part"] for e in accruals}, {"percent", "flat"})
        for e in accruals:
            self.assertIn(f"<td>{e['invoice']}</td><td>{e['payment']}</td>", page)
        self.assertEqual(e["invoice"], self.invoice)
        code, page = curl(self.base + "partner/statement?period=03-2026", "-b", jar)
        self.assertEqual(code, 400)
        code, page = curl(self.base + "partner/payouts", "-b", jar)
        self.assertEqual(code, 200)
        payout = self.m.ctl_json("payout", "list", "--tenant", "acme", "--partner", self.shop["id"])["payouts"][0]
        self.assertIn(payout["end-to-end-id"], page)
        code, page = curl(self.base + "partner/customers", "-b", jar)
        self.assertEqual(code, 200)
        self.assertRegex(page, r"<td>ben</td>.*?<td>paying</td>")
        self.assertRegex(page, r"<td>ana</td>.*?<td>signed up</td>")
        self.assertIn("<p>50%</p>", page)  # one of two leads pays
        # Another partner's pages, by its id: not found and nothing of it; a tenant's pages: refused.
        for route in ("partner", "partner/statement", "partner/payouts", "partner/customers"):
            for other in (self.other_shop, self.distributor):
                code, page = curl(self.base + f"{route}?partner={other}&period={month}", "-b", jar)
                self.assertEqual(code, 404, f"{route} {other}")
                self.assertNotIn("Other Shop", page)
                self.assertNotIn("Big Distributor", page)
        for route in ("customers", "people", "partners", "tenants", "dunning", "settings"):
            self.assertEqual(curl(self.base + route, "-b", jar)[0], 403, route)
        # Read-only: a partner may not invite, with or without the CSRF token.
        for csrf in (True, False):
            code, _ = self.form(jar, "partner", "partner/invite", {"email": "x@corner.test", "partner": self.shop["id"]},
                                csrf=csrf)
            self.assertEqual(code, 403)
        self.assertNotIn("x@corner.test", [p["email"] for p in self.m.ctl_json("person", "list", "--tenant", "acme")])
        # acme's owner sees acme's resellers, never the platform's partners or other's resellers.
        owner = self.sign_in("owner", "owner@acme.test")
        code, page = curl(self.base + "partners", "-b", owner)
        self.assertEqual(code, 200)
        self.assertIn("Corner Shop", page)
        self.assertNotIn("Big Distributor", page)
        self.assertNotIn("Other Shop", page)
        self.assertEqual(curl(self.base + "partner?partner=" + self.shop["id"], "-b", owner)[0], 200)
        for route in ("partner", "partner/statement", "partner/payouts", "partner/customers"):
            for other in (self.other_shop, self.distributor):
                code, page = curl(self.base + f"{route}?partner={other}", "-b", owner)
                self.assertEqual(code, 404, f"{route} {other}")
                self.assertNotIn("Big Distributor", page)
        # The platform sees every partner.
        code, page = curl(self.base + "partners", "-H", "Authorization: Bearer " + self.platform_token)
        self.assertEqual(code, 303)  # the console takes no bearer: a session only
        plat = self.jar("platform")
        self.assertEqual(self.form(plat, "login", "login", {"token": self.platform_token})[0], 303)
        code, page = curl(self.base + "partners", "-b", plat)
        self.assertIn("Big Distributor", page)
        self.assertIn("Other Shop", page)

    def test_reseller_person_invited_from_the_console_signs_in_to_the_portal(self):
        owner = self.sign_in("invite-owner", "owner@acme.test")
        page = "partner?partner=" + self.shop["id"]
        # Without CSRF nothing is done; a bad address is told next to the field.
        code, _ = self.form(owner, page, "partner/invite", {"email": "clerk@corner.test", "partner": self.shop["id"]},
                            csrf=False)
        self.assertEqual(code, 403)
        code, body = self.form(owner, page, "partner/invite", {"email": "no-at-sign", "partner": self.shop["id"]})
        self.assertEqual(code, 400)
        self.assertRegex(body, r'id="invite-email-error"[^>]*>[^<]+')
        self.assertIn('value="no-at-sign"', body)
        # acme's owner cannot invite for another tenant's reseller or for a platform partner.
        for other in (self.other_shop, self.distributor):
            code, _ = self.form(owner, page, "partner/invite", {"email": "sneaky@corner.test", "partner": other})
            self.assertEqual(code, 404)
        code, _ = self.form(owner, page, "partner/invite", {"email": "clerk@corner.test", "name": "Clerk",
                                                             "partner": self.shop["id"]})
        self.assertEqual(code, 303)
        mail = self.sink.wait_for(lambda m: m["To"] == "clerk@corner.test")[0]
        link = re.search(r"/reset\?token=([0-9a-f]{48})", text_of(mail)).group(1)
        jar = self.jar("clerk")
        code, _ = self.form(jar, "reset?token=" + link, "reset", {"link": link, "password": "the clerk's passphrase",
                                                                 "password-again": "the clerk's passphrase"})
        self.assertEqual(code, 200)
        jar = self.sign_in("clerk-in", "clerk@corner.test", "the clerk's passphrase")
        code, body = curl(self.base + "partner", "-b", jar)
        self.assertEqual(code, 200)
        self.assertIn("Corner Shop", body)
        # acme's people list the reseller's people (they can disable them); other's do not.
        self.assertIn("clerk@corner.test", [p["email"] for p in self.m.ctl_json("person", "list", "--tenant", "acme")])
        self.assertNotIn("clerk@corner.test", [p["email"] for p in self.m.ctl_json("person", "list", "--tenant", "other")])
        self.assertNotIn("sneaky@corner.test", [p["email"] for p in self.m.ctl_json("person", "list")])

    def test_browser_walk_at_phone_size(self):
        src = os.environ.get("EDGE_SOURCE", os.path.join(os.path.dirname(__file__), "..", ".."))
        out = os.path.join(os.environ.get("EDGE_ARTIFACTS", os.path.join(self.tmp.path, "artifacts")), "partner-portal")
        shop = self.shop["id"]
        accounts = [
            {"name": "partner", "email": "shop@corner.test", "password": PASSWORD, "partner": True, "phone": True,
             "pages": [["earnings", ""], ["statement", "partner/statement?period=" + self.paid_day[:7]],
                       ["payouts", "partner/payouts"], ["customers", "partner/customers"]]},
            # acme's admin (an API token: the sign-in pages are walked above) opens its reseller.
            {"name": "admin", "token": self.admin_token, "phone": True,
             "pages": [["partners", "partners"], ["earnings", "partner?partner=" + shop]]},
        ]
        walker = os.path.join(src, "tests", "browser", "console_walk.js")
        r = subprocess.run(["node", walker, "--url", self.base, "--out", out, "--accounts", json.dumps(accounts),
                            "--tenant", self.acme, "--foreign-customer", "c-none", "--foreign-partner", self.other_shop],
                           capture_output=True, text=True, timeout=200)
        lines = r.stdout.strip().splitlines()
        result = json.loads(lines[-1]) if lines else {"ok": False}
        self.assertTrue(result.get("ok"), f"{result.get('error')} {r.stderr[-2000:]}")
        seen = {s["name"]: s for s in result["seen"]}
        for who in ("partner", "admin"):
            for name, _ in next(a for a in accounts if a["name"] == who)["pages"]:
                names = [n for n in seen if n.startswith(who + "-") and n.endswith("-" + name)]
                self.assertEqual(len(names), 1, f"{who} {name}: {sorted(seen)}")
                self.assertEqual(seen[names[0]]["status"], 200, seen[names[0]])
        for s in result["seen"]:
            self.assertEqual(s["violations"], [], f"{s['name']}: {s['violations']}")
            self.assertFalse(s["overflow"], f"{s['name']} scrolls sideways")
        checks = result["checks"]
        self.assertEqual(checks["partner-nav"], ["Earnings", "Statements", "Payouts", "Customers and leads",
                                                 "Your account"])
        self.assertEqual(checks["partner-chart"], 24)  # 12 months, two bars each, drawn by the server
        self.assertEqual(checks["partner-referral"], self.shop["referral-code"])
        for p in ("partner", "partner/statement", "partner/payouts", "partner/customers"):
            self.assertEqual(checks[f"partner-foreign-{p}"], 404, p)
        self.assertEqual(checks["partner-customers-page"], 403)
        self.assertEqual(checks["partner-partners-page"], 403)
        self.assertEqual(checks["partner-no-csrf"], 403)
        self.assertEqual(checks["partner-invite-refused"], 403)
        self.assertEqual(checks["partner-signed-out"], "/login")
        self.assertEqual(checks["partner-after-sign-out"], "/login")
        self.assertIn("Corner Shop", seen["partner-01-earnings"]["text"])
        self.assertIn("Corner Shop", seen["admin-01-partners"]["text"])
        self.assertNotIn("Big Distributor", seen["admin-01-partners"]["text"])
        self.assertIn("Invite a person of this partner", seen["admin-02-earnings"]["text"])
        print("partner portal screenshots in", out)


if __name__ == "__main__":
    unittest.main(verbosity=2)
