"""The partner portal in the management console (issues 25 and 23, ADR 0057) on a real mgmtd: a
reseller's person (a real partner principal, signed in by email and password) sees its earnings with a
server-drawn chart, statements line by line traced to invoice and payment, payouts, customers and
leads; another partner's pages are not found, a tenant's pages refused, changes refused with or without
CSRF; a tenant's owner reaches only its own resellers and invites a reseller's person, whose mailed link
(to a real SMTP sink) leads to the portal; the programme is managed in the console (applications,
territories with the rules' words, the agreement, tiers) within each admin's scope, and a referral link's
visits are counted; and Debian's chromium walks the pages at phone size with axe-core clean
(tests/browser/console_walk.js)."""
import datetime
import hashlib
import html
import json
import os
import re
import subprocess
import struct
import sys
import unittest
import zlib

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
        # The referral link's limit per address is small here, so the test reaches it (every request
        # of this test comes from 127.0.0.1): a burst of 12, then one an hour.
        cls.m = m = Mgmtd(os.path.join(cls.tmp.path, "mgmt"),
                          {"mail": {"smtp-url": cls.sink.url, "from": "mgmt@platform.example"},
                           "referral": {"per-address-burst": 12, "per-address-per-hour": 1}}).start()
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
        # The programme's management pages (ADR 0065): applications to acme and to other, acme's and
        # the platform's territories, tier rules, and an agreement (published after the payout above).
        for tenant, company in (("acme", "Kiosk Two"), ("acme", "Spam Shop"), ("other", "Other Applicant")):
            m.ctl("partner", "apply", "--tenant", tenant, "--name", "Applicant", "--company", company, "--email",
                  company.lower().replace(" ", ".") + "@apply.test", "--type", "authorized-dealer", "--country", "DE")
        m.ctl("partner", "territory", "add", "--tenant", "acme", "--partner", cls.shop["id"], "--country", "DE",
              "--region", "Bavaria")
        m.ctl("partner", "territory", "add", "--partner", cls.distributor, "--country", "DE", "--exclusive", "true")
        m.ctl("partner", "tier-rules", "--tenant", "acme", "--rules",
              json.dumps({"currency": "EUR", "silver": "1.00", "gold": "5000.00", "platinum": "9000.00"}))
        m.ctl("agreement", "publish", "--title", "Partner terms 2026", "--body", "We pay what you earn, to the cent.")
        # Health of a partner's own accounts (ADR 0073): a demo tenant's customers with generated
        # histories scored by the churn model; its reseller Sample Reseller has demo00001 and demo00002,
        # Sample Rival demo00003, nobody demo00004. Big Distributor (the platform's) has acme.
        m.ctl("tenant", "add", "--demo", "true", "--name", "demo-shop")
        cls.sample = m.ctl_json("partner", "add", "--tenant", "demo-shop", "--name", "Sample Reseller", "--type",
                                "authorized-dealer", "--currency", "EUR")["id"]
        cls.sample_rival = m.ctl_json("partner", "add", "--tenant", "demo-shop", "--name", "Sample Rival", "--type",
                                      "authorized-dealer", "--currency", "EUR")["id"]
        for user, partner in (("demo00001", cls.sample), ("demo00002", cls.sample), ("demo00003", cls.sample_rival)):
            m.ctl("attribution", "set", "--tenant", "demo-shop", "--username", user, "--partner", partner,
                  "--date", day(-5))
        m.ctl("attribution", "set", "--tenant", "acme", "--username", "acme", "--partner", cls.distributor,
              "--date", day(-5))
        m.ctl("insight", "demo", "--tenant", "demo-shop")
        m.ctl("insight", "train")
        m.ctl("insight", "score", "--tenant", "demo-shop")
        m.ctl("person", "add", "--email", "sample@reseller.test", "--role", "partner", "--partner", cls.sample,
              "--password", PASSWORD)
        m.ctl("person", "add", "--email", "big@distributor.test", "--role", "partner", "--partner", cls.distributor,
              "--password", PASSWORD)

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

    def test_health_of_a_partners_own_accounts_per_route(self):
        """A reseller's person sees the churn risk of the customers attributed to it, with the model's
        factors in words, and no one else's; a platform partner's person the health of its tenants; every
        caller naming a partner it does not reach gets 404 with nothing of it."""
        sample = self.sign_in("health-sample", "sample@reseller.test")
        code, page = curl(self.base + "partner/health", "-b", sample)
        self.assertEqual(code, 200)
        rows = re.findall(r"<tr><td>(demo\d+)</td><td>(\d+)</td><td>(?:<strong>)?([a-z ]+)(?:</strong>)?</td><td>([^<]*)</td>",
                          page)
        self.assertEqual(sorted(r[0] for r in rows), ["demo00001", "demo00002"], page)
        for other in ("demo00003", "demo00004", "ben", "ana"):
            self.assertNotIn(other, page)
        # The same scores and words as the ISP's own list for those of them at risk.
        listed = self.m.ctl_json("customer", "list", "--tenant", "demo-shop", "--limit", "1000")["customers"]
        customers = {c["id"]: c.get("username") for c in listed}
        # (The at-risk list also names customers the listing leaves out, e.g. ones who left: they have no
        # username among the partner's rows either.)
        at_risk = {customers[c["customer"]]: c
                   for c in self.m.ctl_json("insight", "at-risk", "--tenant", "demo-shop", "--limit", "10000")["customers"]
                   if c["customer"] in customers}
        self.assertTrue(at_risk, "the demo tenant has customers at risk")
        for user, score, band, factors in rows:
            self.assertIn(band, ("at risk", "watch", "low risk"))
            self.assertTrue(factors)
            if user in at_risk:
                self.assertEqual(int(score), at_risk[user]["score"])
                self.assertEqual(band, "at risk")
                self.assertEqual(html.unescape(factors), at_risk[user]["factors"])
        # Another partner's, of the same tenant, another tenant or the platform: not found, nothing of it.
        for other in (self.sample_rival, self.shop["id"], self.distributor):
            code, page = curl(self.base + "partner/health?partner=" + other, "-b", sample)
            self.assertEqual(code, 404, other)
            for word in ("demo00003", "ben", "Corner Shop", "Big Distributor", "Sample Rival"):
                self.assertNotIn(word, page)
        self.assertEqual(curl(self.base + "health", "-b", sample)[0], 403)    # the platform's tenant health
        self.assertEqual(curl(self.base + "insight", "-b", sample)[0], 403)   # the tenant's customer insight
        # Corner Shop's person: its own two customers (no customer records: no score yet), nothing of demo-shop.
        shop = self.sign_in("health-shop", "shop@corner.test")
        code, page = curl(self.base + "partner/health", "-b", shop)
        self.assertEqual(code, 200)
        self.assertRegex(page, r"<tr><td>ana</td><td>-</td><td>no score yet</td>")
        self.assertRegex(page, r"<tr><td>ben</td><td>-</td><td>no score yet</td>")
        self.assertNotIn("demo0000", page)
        # The platform's partner: acme's health, never other's; acme's owner cannot open it, the platform can.
        big = self.sign_in("health-big", "big@distributor.test")
        code, page = curl(self.base + "partner/health", "-b", big)
        self.assertEqual(code, 200)
        self.assertRegex(page, r"<tr><td>acme</td><td>\d+</td><td>(?:<strong>)?(healthy|watch|at risk)")
        self.assertNotIn("<td>other</td>", page)
        self.assertNotIn("demo-shop", page)
        self.assertEqual(curl(self.base + "partner/health?partner=" + self.sample, "-b", big)[0], 404)
        owner = self.sign_in("health-owner", "owner@acme.test")
        self.assertEqual(curl(self.base + "partner/health?partner=" + self.distributor, "-b", owner)[0], 404)
        code, page = curl(self.base + "partner/health?partner=" + self.shop["id"], "-b", owner)
        self.assertEqual(code, 200)
        self.assertIn("<td>ben</td>", page)
        plat = self.jar("health-platform")
        self.assertEqual(self.form(plat, "login", "login", {"token": self.platform_token})[0], 303)
        code, page = curl(self.base + "partner/health?partner=" + self.distributor, "-b", plat)
        self.assertEqual(code, 200)
        self.assertIn("<td>acme</td>", page)

    def test_programme_managed_in_the_console_per_scope(self):
        """Applications approved and rejected with a reason (mailed), territories with the rules' words,
        the agreement and who accepted it, the tier review; acme's owner reaches only acme's; a referral
        link's visit is counted once per visitor and day and shown as the leads' first stage."""
        owner = self.sign_in("programme-owner", "owner@acme.test")
        code, page = curl(self.base + "partners/applications", "-b", owner)
        self.assertEqual(code, 200)
        self.assertIn("Kiosk Two", page)
        self.assertNotIn("Other Applicant", page)  # other's application is not acme's to see
        apps = {a["company"]: a["id"] for a in self.m.ctl_json("partner", "application", "list", "--tenant", "acme")["applications"]}
        other_app = self.m.ctl_json("partner", "application", "list", "--tenant", "other")["applications"][0]["id"]
        # Rejecting needs a reason: told next to that application's reason field; no CSRF: nothing done.
        code, body = self.form(owner, "partners/applications", "partners/applications",
                               {"id": apps["Spam Shop"], "decision": "reject", "reason": ""})
        self.assertEqual(code, 400)
        self.assertRegex(body, r'id="reason-%s-error"[^>]*>[^<]*say why' % apps["Spam Shop"])
        code, _ = self.form(owner, "partners/applications", "partners/applications",
                            {"id": apps["Spam Shop"], "decision": "reject", "reason": "No shop front."}, csrf=False)
        self.assertEqual(code, 403)
        code, _ = self.form(owner, "partners/applications", "partners/applications",
                            {"id": apps["Spam Shop"], "decision": "reject", "reason": "We need a shop front."})
        self.assertEqual(code, 303)
        mail = self.sink.wait_for(lambda m: m["To"] == "spam.shop@apply.test")[0]
        self.assertIn("We need a shop front.", text_of(mail))
        # Another tenant's application: not found, and it stays pending.
        code, _ = self.form(owner, "partners/applications", "partners/applications",
                            {"id": other_app, "decision": "reject", "reason": "mine now"})
        self.assertEqual(code, 404)
        self.assertEqual(self.m.ctl_json("partner", "application", "list", "--tenant", "other")["applications"][0]["status"],
                         "pending")
        code, body = self.form(owner, "partners/applications", "partners/applications",
                               {"id": apps["Kiosk Two"], "decision": "approve", "currency": "EURO"})
        self.assertEqual(code, 400)
        self.assertRegex(body, r'id="currency-%s-error"' % apps["Kiosk Two"])
        code, _ = self.form(owner, "partners/applications", "partners/applications",
                            {"id": apps["Kiosk Two"], "decision": "approve", "currency": "EUR", "tier": "silver"})
        self.assertEqual(code, 303)
        kiosk = next(p for p in self.m.ctl_json("partner", "list", "--tenant", "acme")["partners"] if p["name"] == "Kiosk Two")
        self.assertEqual(kiosk["tier"], "silver")
        code, page = curl(self.base + "partners/applications", "-b", owner)
        self.assertRegex(page, r"Spam Shop.*?rejected</td><td>We need a shop front.</td>")
        # Territories: the rules in words; an exclusive region overlapping Corner Shop's shared one says who wins.
        code, page = curl(self.base + "partners/territories", "-b", owner)
        self.assertEqual(code, 200)
        self.assertIn("Exclusive beats shared", page)
        self.assertIn("DE/Bavaria", page)
        self.assertNotIn("Big Distributor", page)  # the platform's partners compete apart
        code, body = self.form(owner, "partners/territories", "partners/territories",
                               {"partner": kiosk["id"], "country": "DEU", "city": "Munich"})
        self.assertEqual(code, 400)
        self.assertRegex(body, r'id="t-country-error"')
        self.assertIn('value="Munich"', body)
        code, body = self.form(owner, "partners/territories", "partners/territories",
                               {"partner": kiosk["id"], "country": "DE", "region": "Bavaria", "city": "Munich",
                                "exclusive": "true"})
        self.assertEqual(code, 200, body)
        self.assertIn("exclusive beats shared", body)
        code, page = curl(self.base + "partners/territories?check=1&country=DE&region=Bavaria&city=Munich", "-b", owner)
        self.assertEqual(code, 200)
        self.assertRegex(page, r"<strong>wins:</strong> DE/Bavaria/Munich of Kiosk Two")
        code, page = curl(self.base + "partners/territories?check=1&country=DE&region=Bavaria&city=Passau", "-b", owner)
        self.assertRegex(page, r"<strong>wins:</strong> DE/Bavaria of Corner Shop")
        # Another tenant's partner cannot be given a territory; the platform's territory cannot be removed by acme.
        code, _ = self.form(owner, "partners/territories", "partners/territories",
                            {"partner": self.other_shop, "country": "DE"})
        self.assertEqual(code, 404)
        platform_territory = self.m.ctl_json("partner", "territory", "list")["territories"][0]["id"]
        code, _ = self.form(owner, "partners/territories", "partners/territories/remove", {"id": str(platform_territory)})
        self.assertEqual(code, 404)
        self.assertEqual(len(self.m.ctl_json("partner", "territory", "list")["territories"]), 1)
        # The agreement: the current version, and who accepted it (Corner Shop's person, in the portal's command).
        shop = self.sign_in("programme-shop", "shop@corner.test")
        self.assertEqual(self.form(owner, "partners/agreements", "partners/agreements",
                                   {"title": "acme's own", "body": "no"})[0], 403)  # the platform's to publish
        code, page = curl(self.base + "partners/agreements", "-b", owner)
        self.assertEqual(code, 200)
        self.assertIn("Partner terms 2026", page)
        self.assertRegex(page, r"Corner Shop</a></td><td>not yet</td>")
        self.assertEqual(curl(self.base + "partners/agreements", "-b", shop)[0], 403)  # not the partner's page
        # The tier review: mgmtd's daily job (its minute round) may have run already for acme. Before it,
        # Corner Shop (30.00 EUR paid, silver from 1.00) is proposed silver; after it, it is silver and the
        # last run says so (the job's rule, once a day per level, is checked in mgmt_partners_tests).
        code, page = curl(self.base + "partners/tiers", "-b", owner)
        self.assertEqual(code, 200)
        if "Not run yet" in page:
            self.assertRegex(page, r"<td>Corner Shop</td><td>bronze</td><td><strong>silver</strong></td>")
        else:
            self.assertRegex(page, r"<strong>\d{4}-\d\d-\d\dT[0-9:]+Z</strong>: 1 tier change\(s\) applied from")
            self.assertRegex(page, r"<td>Corner Shop</td><td>silver</td><td>silver</td>")
            tiers = self.m.ctl_json("partner", "show", "--tenant", "acme", "--partner", self.shop["id"])["tiers"]
            self.assertEqual(tiers[-1]["tier"], "silver")
        # The platform publishes a new version with an empty text: told next to the field.
        plat = self.jar("programme-platform")
        self.assertEqual(self.form(plat, "login", "login", {"token": self.platform_token})[0], 303)
        code, body = self.form(plat, "partners/agreements", "partners/agreements", {"title": "Terms v2", "body": ""})
        self.assertEqual(code, 400)
        self.assertRegex(body, r'id="a-body-error"')
        self.assertIn('value="Terms v2"', body)
        code, page = curl(self.base + "partners/territories", "-b", plat)
        self.assertIn("Big Distributor", page)  # the platform's own partners without ?tenant
        self.assertNotIn("Corner Shop", page)
        # A referral link: an unknown code is 404; a visit is counted once per visitor and day.
        self.assertEqual(curl(self.base + "ref?code=RNOPE")[0], 404)
        before = self.m.ctl_json("partner", "show", "--tenant", "acme", "--partner", self.shop["id"])["referral-visits"]
        for _ in range(2):
            code, page = curl(self.base + "ref?code=" + self.shop["referral-code"])
            self.assertEqual(code, 200)
            self.assertIn(self.shop["referral-code"], page)
            self.assertIn("Corner Shop", page)
        shown = self.m.ctl_json("partner", "show", "--tenant", "acme", "--partner", self.shop["id"])
        self.assertEqual(shown["referral-visits"], before + 1)
        code, page = curl(self.base + "partner/customers", "-b", shop)
        self.assertIn('<h3 id="k-0">Visited</h3><p>%d</p>' % (before + 1), page)
        code, page = curl(self.base + "partner", "-b", shop)
        self.assertIn("/ref?code=" + self.shop["referral-code"], page)

    def test_referral_link_limited_per_address(self):
        """A script opening a referral link again and again from one address gets 429 with Retry-After
        once the address's burst is spent, and nothing more is counted: not for the partner it inflates,
        nor for another partner's code from the same address."""
        other_code = self.m.ctl_json("partner", "show", "--tenant", "other", "--partner", self.other_shop)["referral-code"]
        before = self.m.ctl_json("partner", "show", "--tenant", "other", "--partner", self.other_shop)["referral-visits"]
        self.assertEqual(before, 0)
        headers = os.path.join(self.tmp.path, "ref-headers")
        statuses = []
        for _ in range(13):  # the burst is 12; the class's other tests used a few of them already
            code, page = curl(self.base + "ref?code=" + self.shop["referral-code"], "-D", headers)
            statuses.append(code)
            if code == 429:
                break
        self.assertEqual(statuses[-1], 429, statuses)
        self.assertTrue(all(c == 200 for c in statuses[:-1]), statuses)
        self.assertIn("Too many visits from your address", page)
        self.assertNotIn("Corner Shop", page)
        with open(headers) as f:
            retry = re.search(r"(?im)^Retry-After: (\d+)\r?$", f.read())
        self.assertIsNotNone(retry)
        self.assertGreaterEqual(int(retry.group(1)), 1)
        self.assertLessEqual(int(retry.group(1)), 3600)  # one an hour after the burst
        # Another code from the same address: refused too, before the code is looked up, and not counted.
        code, page = curl(self.base + "ref?code=" + other_code)
        self.assertEqual(code, 429)
        self.assertNotIn("Other Shop", page)
        self.assertEqual(self.m.ctl_json("partner", "show", "--tenant", "other", "--partner", self.other_shop)
                         ["referral-visits"], 0)

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
        distributor_code = self.m.ctl_json("partner", "show", "--partner", self.distributor)["referral-code"]
        accounts = [
            {"name": "partner", "email": "shop@corner.test", "password": PASSWORD, "partner": True, "phone": True,
             "pages": [["earnings", ""], ["statement", "partner/statement?period=" + self.paid_day[:7]],
                       ["payouts", "partner/payouts"], ["customers", "partner/customers"], ["health", "partner/health"],
                       ["brand", "partner/brand"]]},
            # A reseller whose customers have churn scores: the health table with figures and words.
            {"name": "reseller", "email": "sample@reseller.test", "password": PASSWORD, "phone": True,
             "pages": [["health", "partner/health"]]},
            # acme's admin (an API token: the sign-in pages are walked above) opens its reseller.
            {"name": "admin", "token": self.admin_token, "phone": True,
             "pages": [["partners", "partners"], ["earnings", "partner?partner=" + shop],
                       ["applications", "partners/applications"], ["territories", "partners/territories"],
                       ["who-wins", "partners/territories?check=1&country=DE&region=Bavaria"],
                       ["agreements", "partners/agreements"], ["tiers", "partners/tiers"]]},
            # The platform's own partners, and the public referral link's page.
            {"name": "platform", "token": self.platform_token, "phone": True,
             "pages": [["referral", "ref?code=" + distributor_code], ["territories", "partners/territories"],
                       ["agreements", "partners/agreements"]]},
        ]
        walker = os.path.join(src, "tests", "browser", "console_walk.js")
        r = subprocess.run(["node", walker, "--url", self.base, "--out", out, "--accounts", json.dumps(accounts),
                            "--tenant", self.acme, "--foreign-customer", "c-none", "--foreign-partner", self.other_shop],
                           capture_output=True, text=True, timeout=200)
        lines = r.stdout.strip().splitlines()
        result = json.loads(lines[-1]) if lines else {"ok": False}
        self.assertTrue(result.get("ok"), f"{result.get('error')} {r.stderr[-2000:]}")
        seen = {s["name"]: s for s in result["seen"]}
        for who in ("partner", "reseller", "admin", "platform"):
            for name, _ in next(a for a in accounts if a["name"] == who)["pages"]:
                names = [n for n in seen if n.startswith(who + "-") and n.endswith("-" + name)]
                self.assertEqual(len(names), 1, f"{who} {name}: {sorted(seen)}")
                self.assertEqual(seen[names[0]]["status"], 200, seen[names[0]])
        for s in result["seen"]:
            self.assertEqual(s["violations"], [], f"{s['name']}: {s['violations']}")
            self.assertFalse(s["overflow"], f"{s['name']} scrolls sideways")
        checks = result["checks"]
        self.assertEqual(checks["partner-nav"], ["Earnings", "Statements", "Payouts", "Customers and leads",
                                                 "Health", "Brand", "Your account"])
        self.assertEqual(checks["partner-chart"], 24)  # 12 months, two bars each, drawn by the server
        self.assertEqual(checks["partner-referral"], self.shop["referral-code"])
        for p in ("partner", "partner/statement", "partner/payouts", "partner/customers", "partner/health"):
            self.assertEqual(checks[f"partner-foreign-{p}"], 404, p)
        self.assertEqual(checks["partner-customers-page"], 403)
        self.assertEqual(checks["partner-partners-page"], 403)
        self.assertEqual(checks["partner-no-csrf"], 403)
        self.assertEqual(checks["partner-invite-refused"], 403)
        self.assertEqual(checks["partner-signed-out"], "/login")
        self.assertEqual(checks["partner-after-sign-out"], "/login")
        self.assertIn("Corner Shop", seen["partner-01-earnings"]["text"])
        self.assertIn("no score yet", seen["partner-05-health"]["text"])
        self.assertIn("demo00001", seen["reseller-01-health"]["text"])
        self.assertNotIn("demo00003", seen["reseller-01-health"]["text"])
        self.assertIn("Corner Shop", seen["admin-01-partners"]["text"])
        self.assertNotIn("Big Distributor", seen["admin-01-partners"]["text"])
        self.assertIn("Invite a person of this partner", seen["admin-02-earnings"]["text"])
        self.assertIn("Kiosk Two", seen["admin-03-applications"]["text"])
        self.assertIn("Exclusive beats shared", seen["admin-04-territories"]["text"])
        self.assertIn("wins: DE/Bavaria of Corner Shop", seen["admin-05-who-wins"]["text"])
        self.assertIn("Partner terms 2026", seen["admin-06-agreements"]["text"])
        self.assertIn("Welcome from Big Distributor", seen["platform-01-referral"]["text"])
        self.assertIn("Big Distributor", seen["platform-02-territories"]["text"])
        self.assertIn("Publish a new version", seen["platform-03-agreements"]["text"])
        print("partner portal screenshots in", out)

    # --- White label (ADR 0064): the reseller's own brand on its portal, its customers' self-care and mail.
    @staticmethod
    def png(width, height):
        def chunk(kind, data):
            return struct.pack(">I", len(data)) + kind + data + struct.pack(">I", zlib.crc32(kind + data) & 0xFFFFFFFF)
        raw = b"".join(b"\x00" + b"\x80\x20\x60" * width for _ in range(height))
        return (b"\x89PNG\r\n\x1a\n" + chunk(b"IHDR", struct.pack(">IIBBBBB", width, height, 8, 2, 0, 0, 0))
                + chunk(b"IDAT", zlib.compress(raw)) + chunk(b"IEND", b""))

    def upload(self, jar, page, action, data, fields):
        path = os.path.join(self.tmp.path, "white-label.png")
        with open(path, "wb") as f:
            f.write(data)
        body = curl(self.base + page, "-b", jar, "-c", jar)[1]
        args = ["-b", jar, "-c", jar, "-F", f"logo=@{path};filename=logo.png",
                "-F", "csrf=" + re.search(r'name="csrf" value="([^"]*)"', body).group(1)]
        for k, v in fields.items():
            args += ["-F", f"{k}={v}"]
        return curl(self.base + action, *args)

    def selfcare(self, name, login):
        jar = self.jar(name)
        page = curl(self.base + "selfcare/acme/", "-b", jar, "-c", jar)[1]
        csrf = re.search(r'name="csrf" value="([^"]*)"', page).group(1)
        code, _ = curl(self.base + "selfcare/acme/sign-in", "-b", jar, "-c", jar, "--data-urlencode", "csrf=" + csrf,
                       "--data-urlencode", "login=" + login, "--data-urlencode", "password=pw-123456")
        self.assertEqual(code, 303, login)
        return jar

    def test_white_label_on_the_portal_selfcare_and_mail(self):
        shop = self.sign_in("wl-shop", "shop@corner.test")
        # acme is on basic: white label is premium's, and the refusal says so.
        code, page = self.form(shop, "partner/brand", "partner/brand", {"display-name": "Corner Net"})
        self.assertEqual(code, 403)
        self.assertIn("white-label", page)
        self.assertIn("premium", page)
        self.m.ctl("tenant", "set", "--tenant", "acme", "--tier", "premium")
        try:
            self.white_label(shop, self.shop["id"])
        finally:
            self.m.ctl("tenant", "set", "--tenant", "acme", "--tier", "basic")
        # Back on basic the reseller's customers see acme's brand again.
        ben = self.selfcare("wl-ben-after", "ben")
        self.assertNotIn("partner-logo", curl(self.base + "selfcare/acme/", "-b", ben)[1])

    def white_label(self, shop, shop_id):
        # The reseller's person sets its name and colour (a bad colour is told next to the field) and its logo.
        code, page = self.form(shop, "partner/brand", "partner/brand", {"display-name": "Corner Net", "primary-colour": "red"})
        self.assertEqual(code, 400)
        self.assertRegex(page, r'id="w-primary-colour-error"[^>]*>[^<]+')
        self.assertIn('value="Corner Net"', page)
        fields = {"display-name": "Corner Net", "primary-colour": "#7a1f5c"}
        self.assertEqual(self.form(shop, "partner/brand", "partner/brand", fields, csrf=False)[0], 403)
        self.assertEqual(self.form(shop, "partner/brand", "partner/brand", fields)[0], 303)
        logo = self.png(48, 24)
        self.assertEqual(self.upload(shop, "partner/brand", "partner/brand/logo", logo, {})[0], 303)
        code, page = self.upload(shop, "partner/brand", "partner/brand/logo", b"<svg/>", {})
        self.assertEqual(code, 400)
        self.assertRegex(page, r'id="w-logo-error"[^>]*>[^<]*not a PNG or JPEG')
        img = f'<img src="/branding/partner-logo/{shop_id}?v={hashlib.sha256(logo).hexdigest()[:16]}"'
        # Its portal's header: its logo, name and colour on every page.
        for route in ("", "partner/statement", "partner/payouts", "partner/customers", "partner/brand"):
            code, page = curl(self.base + route, "-b", shop)
            self.assertEqual(code, 200, route)
            self.assertIn("<header>" + img, page, route)
            self.assertIn("<h1>Corner Net</h1>", page, route)
            self.assertIn("--brand:#7a1f5c", page, route)
        served = subprocess.run(["curl", "-sSk", self.base + "branding/partner-logo/" + shop_id], capture_output=True).stdout
        self.assertEqual(served, logo)
        # Nobody else reaches it: acme's owner manages acme's reseller only (another tenant's reseller
        # and the platform's partner are not found); the partner's person always gets its own page.
        owner = self.sign_in("wl-owner", "owner@acme.test")
        self.assertEqual(curl(self.base + "partner/brand?partner=" + shop_id, "-b", owner)[0], 200)
        for other in (self.other_shop, self.distributor):
            code, _ = self.form(owner, "partner/brand?partner=" + shop_id, "partner/brand",
                                {"partner": other, "display-name": "Hijack"})
            self.assertEqual(code, 404, other)
            self.assertEqual(curl(self.base + "partner/brand?partner=" + other, "-b", owner)[0], 404)
            self.assertEqual(self.upload(owner, "partner/brand?partner=" + shop_id, "partner/brand/logo", logo,
                                         {"partner": other})[0], 404)
            code, page = curl(self.base + "partner/brand?partner=" + other, "-b", shop)
            self.assertEqual(code, 404)
            self.assertNotIn("Other Shop", page)
        # acme's own people still see acme's brand, never the reseller's.
        page = curl(self.base + "customers", "-b", owner)[1]
        self.assertNotIn("partner-logo", page)
        self.assertNotIn("Corner Net", page)
        # Self-care: ben (attributed to Corner Shop) sees its brand once signed in; cai (nobody's) acme's.
        self.m.ctl("subscriber", "add", "--tenant", "acme", "--username", "cai", "--password", "pw-123456", "--plan", "fiber")
        page = curl(self.base + "selfcare/acme/", "-b", self.selfcare("wl-ben", "ben"))[1]
        self.assertIn(img, page)
        self.assertIn("<h1>Corner Net</h1>", page)
        self.assertIn("--brand:#7a1f5c", page)
        page = curl(self.base + "selfcare/acme/", "-b", self.selfcare("wl-cai", "cai"))[1]
        self.assertNotIn("partner-logo", page)
        self.assertNotIn("Corner Net", page)
        # Mail to ben: its sign-in code in the reseller's name, the logo inline; the text part plain.
        self.m.ctl("customer", "add", "--tenant", "acme", "--name", "Ben", "--email", "ben@corner-customer.test",
                   "--username", "ben")
        jar = self.jar("wl-ben-code")
        page = curl(self.base + "selfcare/acme/", "-b", jar, "-c", jar)[1]
        csrf = re.search(r'name="csrf" value="([^"]*)"', page).group(1)
        curl(self.base + "selfcare/acme/code-request", "-b", jar, "-c", jar, "--data-urlencode", "csrf=" + csrf,
             "--data-urlencode", "login=ben")
        mail = self.sink.wait_for(lambda m: m["To"] == "ben@corner-customer.test")[0]
        self.assertEqual(mail["Subject"], "Your sign-in code for Corner Net")
        html = mail.get_body(preferencelist=("html",)).get_content()
        self.assertIn('src="cid:brand-logo"', html)
        self.assertIn("#7a1f5c", html)
        self.assertNotIn("acme", html)
        inline = [p for p in mail.walk() if p.get("Content-ID") == "<brand-logo>"]
        self.assertEqual([p.get_payload(decode=True) for p in inline], [logo])
        self.assertIn("Corner Net", text_of(mail))
        self.assertNotIn("cid:", text_of(mail))


if __name__ == "__main__":
    unittest.main(verbosity=2)
