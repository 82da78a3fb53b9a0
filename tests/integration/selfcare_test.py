#!/usr/bin/python3
"""The subscriber self-care portal (issue 24; docs/selfcare.md; ADR 0043) on one real mgmtd, driven
with curl over HTTPS like a browser (a cookie jar per person): sign-in by a code mailed through the
outbox to a local SMTP sink (aiosmtpd), by password, the pages, the invoice PDF (pdftotext), contact
details; isolation per route between two customers of one tenant and a customer of another tenant
(guessed invoice ids, another tenant in the URL, posts refused before their body); CSRF refusals; the
code limits; the top-up page up to its checkout (the whole purchase: topup_end_to_end_test.py); paying by card through the payment provider simulator (tests/support/
payment_provider_sim.py: Pay -> the hosted checkout -> its signed webhook -> paid in the portal) where
the tenant has a provider account, bank transfer only where it has none; and a Playwright walk at a phone viewport with axe-core on every page
(tests/browser/selfcare_walk.js).

Environment: EDGE_BIN = the build's bin folder (set by edge_integration_test()).
"""
import datetime
import json
from fractions import Fraction
import os
import re
import subprocess
import sys
import time
import unittest

sys.path.insert(0, os.path.dirname(__file__))
from curl_box import CurlBox  # noqa: E402
from edgelib import Mgmtd, TempDir  # noqa: E402
from mgmt_payments_test import SECRET_KEY, WEBHOOK_SECRET, curl, free_port, start_simulator  # noqa: E402
from smtp_sink import SmtpSink, text_of  # noqa: E402


class Browser:
    """curl with a cookie jar: one person's browser."""
    n = 0

    def __init__(self, base, folder):
        Browser.n += 1
        self.base = base
        self.jar = os.path.join(folder, f"jar-{Browser.n}.txt")
        self.folder = folder

    def request(self, path, form=None, raw=None, out=None, headers=()):
        cmd = ["curl", "-sS", "-k", "-b", self.jar, "-c", self.jar, "-o", out or "-", "-D",
               os.path.join(self.folder, "headers.txt"), "-w", "\n%{http_code}", "--max-time", "20"]
        for h in headers:
            cmd += ["-H", h]
        if form is not None:
            for k, v in form.items():
                cmd += ["--data-urlencode", f"{k}={v}"]
        if raw is not None:
            cmd += ["--data-binary", "@-"]
        r = subprocess.run(cmd + [self.base + path], input=raw, capture_output=True, text=True, timeout=40)
        body, _, code = r.stdout.rpartition("\n")
        with open(os.path.join(self.folder, "headers.txt")) as f:
            self.headers = f.read()
        return int(code or 0), body

    def csrf(self, path):
        code, body = self.request(path)
        m = re.search(r'name="csrf" value="([0-9a-f]+)"', body)
        assert m, f"no CSRF field on {path} ({code}): {body[:400]}"
        return m.group(1)

    def sign_in(self, tenant, login, password):
        token = self.csrf(f"selfcare/{tenant}/")
        code, body = self.request(f"selfcare/{tenant}/sign-in", {"csrf": token, "login": login, "password": password})
        assert code == 303, f"sign-in of {login}: {code} {body[:400]}"
        return self


class SelfcareTest(unittest.TestCase):
    @classmethod
    def setUpClass(cls):
        cls.tmp = TempDir("selfcare-it-")
        cls.sink = SmtpSink().start()
        sim_port = free_port()
        cls.m = m = Mgmtd(os.path.join(cls.tmp.path, "mgmt"),
                          {"mail": {"smtp-url": cls.sink.url, "from": "care@platform.example"},
                           "payments": {"provider-url": f"https://127.0.0.1:{sim_port}",
                                        "provider-ca-file": os.path.join(cls.tmp.path, "sim", "provider.pem")}}).start()
        cls.base = f"https://127.0.0.1:{m.admin_port}/"
        ids = {}
        for tenant, name, colour in (("harbour", "Harbour Net", "#0b6e4f"), ("bay", "Bay Fibre", "#5b2a86")):
            ids[tenant] = m.ctl("tenant", "add", "--name", tenant, "--tier", "basic").stdout.strip()
            m.ctl("branding", "set", "--tenant", tenant, "--display-name", name, "--primary-colour", colour)
            m.ctl("billing", "setup", "--tenant", tenant, "--currency", "EUR", "--payment-days", "14")
            m.ctl("tax-rate", "set", "--tenant", tenant, "--rate", "20")
        m.ctl("plan", "add", "--tenant", "harbour", "--name", "home", "--down", "20M", "--up", "5M",
              "--price", "19.99", "--currency", "EUR", "--data-quota", "50GB")
        m.ctl("plan", "add", "--tenant", "harbour", "--name", "max", "--down", "90M", "--up", "30M",
              "--price", "49.99", "--currency", "EUR")
        m.ctl("plan", "add", "--tenant", "bay", "--name", "fibre-bay", "--down", "100M", "--up", "100M",
              "--price", "29.99", "--currency", "EUR")
        people = (("harbour", "ana", "home", "Ana Silva", "ana@example.com"),
                  ("harbour", "bob", "max", "Bob Costa", "bob@example.com"),
                  ("harbour", "dan", "home", "Dan Reis", "dan@example.com"),
                  ("bay", "cid", "fibre-bay", "Cid Moura", "cid@example.com"))
        for tenant, user, plan, name, email in people:
            m.ctl("subscriber", "add", "--tenant", tenant, "--username", user, "--password", "pw-" + user + "-secret",
                  "--plan", plan)
            m.ctl("subscription", "add", "--tenant", tenant, "--username", user, "--plan", plan,
                  "--start", "2026-01-01", "--anchor-day", "1")
            m.ctl("customer", "add", "--tenant", tenant, "--name", name, "--email", email, "--username", user)
        for tenant in ("harbour", "bay"):
            m.ctl("billing", "run", "--tenant", tenant, "--date", "2026-01-01", "--finalize", "true")
        # Usage as boxes upload it (a box per tenant over mutual TLS): yesterday's closed sessions.
        yesterday = int(time.time()) - 86400
        for tenant, used in (("harbour", {"ana": 3_000_000_000, "bob": 7_000_000_000}), ("bay", {"cid": 9_000_000_000})):
            box = CurlBox(cls.tmp.path, "box-" + tenant).enroll(m.ctl("claim", "create", "--tenant", tenant).stdout.strip())
            users = sorted(used)
            rows = [{"seq": i + 1, "at": yesterday, "session": f"s-{u}", "username": u, "input-octets": used[u] // 2,
                     "output-octets": used[u] - used[u] // 2, "session-time": 3600} for i, u in enumerate(users)]
            sessions = [{"id": i + 1, "session": f"s-{u}", "username": u, "nas": "bras", "started": yesterday,
                         "stopped": yesterday + 3600, "input-octets": used[u] // 2,
                         "output-octets": used[u] - used[u] // 2, "session-time": 3600, "close-reason": "user-request"}
                        for i, u in enumerate(users)]
            code, body = box.request("POST", "/v1/usage", {"idempotency-key": f"usage:1-{len(rows)}", "rows": rows,
                                                           "sessions": sessions})
            assert code == 200, f"usage upload for {tenant}: {code} {body}"
        # ana's first invoice is credited, and she gets a second one that stays open.
        ana = cls.invoices("harbour", "ana")[0]
        m.ctl("credit-note", "add", "--tenant", "harbour", "--invoice", ana["id"])
        m.ctl("charge", "add", "--tenant", "harbour", "--username", "ana", "--description", "router",
              "--amount", "35.00", "--date", "2026-01-05")
        m.ctl("billing", "run", "--tenant", "harbour", "--date", "2026-01-05", "--finalize", "true")
        # Harbour takes card payments at the provider (the simulator); bay has no account there.
        m.ctl("payment-provider", "set", "--tenant", "harbour", "--secret-key", SECRET_KEY,
              "--webhook-secret", WEBHOOK_SECRET)
        # Harbour sells a top-up (bought in the browser walk up to the provider's page; ADR 0058).
        m.ctl("topup-product", "set", "--tenant", "harbour", "--name", "5gb", "--bytes", "5GB", "--price", "4.00")
        # Cove bills the current month (its customers started on the 1st): a plan change has
        # something to prorate. eve changes plan in the portal; fay must not be touched.
        today = datetime.datetime.now(datetime.timezone.utc).date()
        cls.month_start = today.replace(day=1)
        m.ctl("tenant", "add", "--name", "cove", "--tier", "basic")
        m.ctl("billing", "setup", "--tenant", "cove", "--currency", "EUR")
        m.ctl("tax-rate", "set", "--tenant", "cove", "--rate", "20")
        for plan, price in (("lite", "10.00"), ("plus", "31.00")):
            m.ctl("plan", "add", "--tenant", "cove", "--name", plan, "--down", "10M", "--up", "2M", "--price", price,
                  "--currency", "EUR")
        for user in ("eve", "fay"):
            m.ctl("subscriber", "add", "--tenant", "cove", "--username", user, "--password", "pw-" + user + "-secret",
                  "--plan", "lite")
            m.ctl("subscription", "add", "--tenant", "cove", "--username", user, "--plan", "lite",
                  "--start", cls.month_start.isoformat(), "--anchor-day", "1")
        m.ctl("billing", "run", "--tenant", "cove", "--date", today.isoformat(), "--finalize", "true")
        cls.cove_box = CurlBox(cls.tmp.path, "box-cove").enroll(m.ctl("claim", "create", "--tenant", "cove").stdout.strip())
        cls.sim, ready = start_simulator(cls.tmp.path, sim_port,
                                         f"{cls.base}api/v1/payments/webhook?tenant={ids['harbour']}")
        cls.sim_url = ready["url"]

    @classmethod
    def tearDownClass(cls):
        cls.sim.kill()
        cls.sim.wait()
        cls.sim.stdout.close()
        cls.m.stop()
        cls.sink.stop()
        cls.tmp.cleanup()

    @classmethod
    def invoices(cls, tenant, user):
        listed = cls.m.ctl_json("invoice", "list", "--tenant", tenant, "--username", user)
        return listed["invoices"] if isinstance(listed, dict) else listed

    def browser(self):
        return Browser(self.base, self.tmp.path)

    def test_sign_in_by_emailed_code(self):
        b = self.browser()
        code, page = b.request("selfcare/harbour/")
        self.assertEqual(200, code)
        self.assertIn("Harbour Net", page)
        self.assertIn("#0b6e4f", page)  # the tenant's colour
        cookie = [h for h in b.headers.splitlines() if h.lower().startswith("set-cookie:")]
        self.assertTrue(cookie and "HttpOnly" in cookie[0] and "Secure" in cookie[0] and "SameSite=Strict" in cookie[0],
                        cookie)
        token = re.search(r'name="csrf" value="([0-9a-f]+)"', page).group(1)
        code, page = b.request("selfcare/harbour/code-request", {"csrf": token, "login": "ana@example.com"})
        self.assertEqual(200, code, page[:400])
        mail = self.sink.wait_for(lambda x: x["To"] == "ana@example.com" and "sign-in code" in x["Subject"])[0]
        self.assertIn("Harbour Net", mail["Subject"])
        sent = re.search(r"\b(\d{6})\b", text_of(mail)).group(1)
        wrong = "%06d" % ((int(sent) + 1) % 1000000)
        code, page = b.request("selfcare/harbour/code", {"csrf": token, "login": "ana@example.com", "code": wrong})
        self.assertEqual(400, code)
        self.assertIn("That code is wrong", page)
        self.assertIn('aria-invalid="true"', page)
        code, _ = b.request("selfcare/harbour/code", {"csrf": token, "login": "ana@example.com", "code": sent})
        self.assertEqual(303, code)
        code, page = b.request("selfcare/harbour/")
        self.assertEqual(200, code)
        self.assertIn("Ana Silva", page)
        self.assertIn("home", page)
        self.assertIn("50GB", page)          # the plan's quota, and what is left of it
        self.assertIn("<svg", page)          # the usage chart
        # Single use: the same code again, from a fresh browser, does not sign in.
        other = self.browser()
        t2 = other.csrf("selfcare/harbour/")
        code, _ = other.request("selfcare/harbour/code", {"csrf": t2, "login": "ana@example.com", "code": sent})
        self.assertEqual(400, code)
        # Sign-out ends the session.
        token = b.csrf("selfcare/harbour/contact")
        code, _ = b.request("selfcare/harbour/sign-out", {"csrf": token})
        self.assertEqual(303, code)
        code, _ = b.request("selfcare/harbour/invoices")
        self.assertEqual(303, code)

    def test_code_requests_are_limited_and_do_not_tell_who_exists(self):
        b = self.browser()
        token = b.csrf("selfcare/harbour/")
        for _ in range(3):
            code, page = b.request("selfcare/harbour/code-request", {"csrf": token, "login": "dan"})
            self.assertEqual(200, code, page[:300])
        code, page = b.request("selfcare/harbour/code-request", {"csrf": token, "login": "dan"})
        self.assertEqual(429, code)
        self.assertIn("too many codes", page)
        # Unknown accounts get the very same page as known ones.
        code, page = b.request("selfcare/harbour/code-request", {"csrf": token, "login": "nobody@example.com"})
        self.assertEqual(200, code)
        self.assertIn("Enter your code", page)
        codes = self.sink.wait_for(lambda x: x["To"] == "dan@example.com" and "sign-in code" in x["Subject"], count=3)
        self.assertEqual(3, len(codes))

    def test_password_sign_in_pages_pdf_and_contact(self):
        b = self.browser()
        token = b.csrf("selfcare/harbour/")
        code, page = b.request("selfcare/harbour/sign-in", {"csrf": token, "login": "ana", "password": "wrong"})
        self.assertEqual(400, code)
        self.assertIn("do not match an account", page)
        b.sign_in("harbour", "ana", "pw-ana-secret")
        code, page = b.request("selfcare/harbour/invoices")
        self.assertEqual(200, code)
        mine = self.invoices("harbour", "ana")
        open_one = [i for i in mine if i.get("kind", "invoice") == "invoice" and not i.get("credited")][0]
        self.assertIn(open_one["reference"], page)      # the RF reference to pay with
        self.assertIn("Credit note", page)
        self.assertIn("to pay", page)
        code, pdf_text_ = self.pdf(b, open_one["id"])
        self.assertEqual(200, code)
        self.assertIn(f"Invoice {open_one['number']}", pdf_text_)
        self.assertIn("Harbour Net", pdf_text_)
        self.assertIn("42.00 EUR", pdf_text_)  # 35.00 + 20 %
        # Contact details: a bad email is refused next to its field; a good one is saved in mgmt.
        token = b.csrf("selfcare/harbour/contact")
        code, page = b.request("selfcare/harbour/contact", {"csrf": token, "email": "not-an-email", "phone": "",
                                                            "address": "1 Quay"})
        self.assertEqual(400, code)
        self.assertRegex(page, r'id="email-error"[^>]*>[^<]*not an email address')
        code, page = b.request("selfcare/harbour/contact", {"csrf": token, "email": "ana.silva@example.com",
                                                            "phone": "+351 912 345 678", "address": "1 Quay"})
        self.assertEqual(200, code, page[:400])
        self.assertIn("Saved.", page)
        found = self.m.ctl_json("customer", "list", "--tenant", "harbour", "--search", "ana")
        rows = found["customers"] if isinstance(found, dict) else found
        self.assertEqual("ana.silva@example.com", rows[0]["email"])
        self.m.ctl("customer", "set", "--tenant", "harbour", "--id", rows[0]["id"], "--email", "ana@example.com")

    def pdf(self, b, invoice_id):
        path = os.path.join(self.tmp.path, "dl.pdf")
        code, _ = b.request(f"selfcare/harbour/invoice/{invoice_id}.pdf", out=path)
        if code != 200:
            return code, ""
        return code, subprocess.run(["pdftotext", "-layout", path, "-"], capture_output=True, text=True,
                                    check=True).stdout

    def test_isolation_per_route(self):
        ana = self.browser().sign_in("harbour", "ana", "pw-ana-secret")
        bob_invoice = self.invoices("harbour", "bob")[0]
        cid_invoice = self.invoices("bay", "cid")[0]
        # Another customer's invoice, of the same tenant or another, by its real id: not found.
        for inv in (bob_invoice, cid_invoice):
            code, body = ana.request(f"selfcare/harbour/invoice/{inv['id']}.pdf")
            self.assertEqual(404, code, inv)
            self.assertNotIn("%PDF", body)
        code, _ = ana.request("selfcare/harbour/invoice/inv-0000000000.pdf")
        self.assertEqual(404, code)
        # Her usage is hers: 3 GB of the 50 GB quota, not bob's 7 GB nor cid's 9 GB (another tenant).
        code, page = ana.request("selfcare/harbour/")
        self.assertIn("3GB used in the last 30 days", page)
        self.assertIn("47GB", page)
        self.assertNotRegex(page, r"(?<![0-9])[79]GB")
        # Her pages show nothing of bob's.
        for path in ("selfcare/harbour/", "selfcare/harbour/invoices", "selfcare/harbour/contact"):
            code, page = ana.request(path)
            self.assertEqual(200, code, path)
            self.assertNotIn("Bob", page)
            self.assertNotIn(bob_invoice["reference"], page)
        # Another tenant in the URL: that tenant's sign-in, never data; its pages send to sign-in.
        code, page = ana.request("selfcare/bay/")
        self.assertEqual(200, code)
        self.assertIn("Sign in", page)
        self.assertNotIn("Ana", page)
        for path in ("selfcare/bay/invoices", "selfcare/bay/contact", f"selfcare/bay/invoice/{cid_invoice['id']}.pdf"):
            code, page = ana.request(path)
            self.assertEqual(303, code, path)
            self.assertNotIn("Cid", page)
        # A post to another tenant's portal with her cookie and her token: refused before the body.
        token = ana.csrf("selfcare/harbour/contact")
        code, _ = ana.request("selfcare/bay/contact", {"csrf": token, "email": "x@example.com"})
        self.assertEqual(403, code)
        self.assertEqual("cid@example.com", self.customer("bay", "cid")["email"])
        code, _ = ana.request("selfcare/bay/sign-out", {"csrf": token})
        self.assertEqual(403, code)
        code, _ = ana.request("selfcare/harbour/invoices")
        self.assertEqual(200, code)  # still signed in at her own portal
        # Her credentials are worth nothing at another tenant's portal, by password or by code.
        stranger = self.browser()
        bay = stranger.csrf("selfcare/bay/")
        code, page = stranger.request("selfcare/bay/sign-in", {"csrf": bay, "login": "ana", "password": "pw-ana-secret"})
        self.assertEqual(400, code)
        code, page = stranger.request("selfcare/bay/code-request", {"csrf": bay, "login": "ana@example.com"})
        self.assertEqual(200, code)  # the same answer as for anyone
        code, page = stranger.request("selfcare/bay/code-request", {"csrf": bay, "login": "cid"})
        self.assertEqual(200, code)
        self.sink.wait_for(lambda x: x["To"] == "cid@example.com" and "sign-in code" in x["Subject"])
        self.assertEqual([], [x["Subject"] for x in self.sink.received()
                              if x["To"] == "ana@example.com" and "Bay Fibre" in x["Subject"]])
        # No session at all: refused from the headers.
        code, _ = self.browser().request("selfcare/harbour/contact", {"email": "x@example.com"})
        self.assertEqual(403, code)
        # Bodies are limited (8 KiB), even for a signed-in customer.
        code, _ = ana.request("selfcare/harbour/contact", raw="email=" + "a" * 20000,
                              headers=("Content-Type: application/x-www-form-urlencoded",))
        self.assertEqual(413, code)
        # An unknown tenant has no portal.
        code, _ = ana.request("selfcare/nosuch/")
        self.assertEqual(404, code)

    def customer(self, tenant, user):
        found = self.m.ctl_json("customer", "list", "--tenant", tenant, "--search", user)
        rows = found["customers"] if isinstance(found, dict) else found
        return [r for r in rows if r.get("username") == user][0]

    def test_csrf_refused(self):
        ana = self.browser().sign_in("harbour", "ana", "pw-ana-secret")
        code, _ = ana.request("selfcare/harbour/contact", {"email": "evil@example.com"})
        self.assertEqual(403, code)
        code, _ = ana.request("selfcare/harbour/contact", {"csrf": "0" * 64, "email": "evil@example.com"})
        self.assertEqual(403, code)
        self.assertEqual("ana@example.com", self.customer("harbour", "ana")["email"])
        # The sign-in forms carry one too: a cross-site sign-in is refused.
        code, _ = self.browser().request("selfcare/harbour/sign-in", {"login": "ana", "password": "pw-ana-secret"})
        self.assertEqual(403, code)

    def test_pay_by_card_through_the_provider(self):
        dan = self.browser().sign_in("harbour", "dan", "pw-dan-secret")
        inv = [i for i in self.invoices("harbour", "dan") if i.get("kind", "invoice") == "invoice"][0]
        code, page = dan.request("selfcare/harbour/invoices")
        self.assertEqual(200, code)
        self.assertIn('action="/selfcare/harbour/pay"', page)
        self.assertIn(f'name="invoice" value="{inv["id"]}"', page)
        self.assertIn(inv["reference"], page)  # bank transfer stays possible
        token = re.search(r'name="csrf" value="([0-9a-f]+)"', page).group(1)
        # Without the CSRF token, or without a session: nothing starts.
        code, _ = dan.request("selfcare/harbour/pay", {"invoice": inv["id"]})
        self.assertEqual(403, code)
        code, _ = self.browser().request("selfcare/harbour/pay", {"csrf": token, "invoice": inv["id"]})
        self.assertEqual(403, code)
        code, page = dan.request("selfcare/harbour/pay", {"csrf": token, "invoice": inv["id"]})
        self.assertEqual(200, code, page[:600])
        link = re.search(r'href="(https://[^"]+)"[^>]*>Continue to the payment page', page)
        self.assertTrue(link, page[:1500])
        url = link.group(1)
        self.assertTrue(url.startswith(self.sim_url + "/pay/cs_test_"), url)
        amount = re.search(r"payment of <strong>([^<]+)</strong>", page).group(1)
        # Pay again: the same session (the idempotency key of invoice and amount).
        code, again = dan.request("selfcare/harbour/pay", {"csrf": token, "invoice": inv["id"]})
        self.assertEqual(200, code)
        self.assertIn(f'href="{url}"', again)
        # Follow the link: the provider's hosted page; pay there.
        code, hosted = curl(url)
        self.assertEqual(200, code)
        self.assertIn(f"Pay {amount}", hosted)
        code, paid = curl(url, data="")
        self.assertEqual(200, code)
        self.assertIn("Paid. Thank you.", paid)
        # The provider's signed webhook reaches mgmtd; the portal shows the invoice paid, nothing owed.
        deadline = time.time() + 20
        while True:
            code, page = dan.request("selfcare/harbour/invoices")
            if "to pay" not in page:
                break
            self.assertLess(time.time(), deadline, "the webhook did not pay the invoice: " +
                            curl(self.sim_url + "/_sim/events")[1][:2000])
            time.sleep(0.2)
        self.assertEqual(200, code)
        self.assertNotIn('action="/selfcare/harbour/pay"', page)
        self.assertRegex(page, r"<td>paid</td>")
        code, page = dan.request("selfcare/harbour/")
        self.assertRegex(page, r"<dt>To pay</dt><dd>0\.00 EUR</dd>")
        # A paid invoice is not paid twice.
        code, page = dan.request("selfcare/harbour/pay", {"csrf": token, "invoice": inv["id"]})
        self.assertEqual(409, code)
        self.assertIn("cannot be paid online", page)

    def test_pay_refuses_others_invoices_and_tenants_without_a_provider(self):
        ana = self.browser().sign_in("harbour", "ana", "pw-ana-secret")
        token = ana.csrf("selfcare/harbour/invoices")
        bob_invoice = self.invoices("harbour", "bob")[0]
        cid_invoice = self.invoices("bay", "cid")[0]
        for invoice_id in (bob_invoice["id"], cid_invoice["id"], "inv-0000000000", ""):
            code, page = ana.request("selfcare/harbour/pay", {"csrf": token, "invoice": invoice_id})
            self.assertEqual(404, code, invoice_id)
            self.assertNotIn("/pay/cs_test_", page)
        # Another tenant's portal with her cookie: refused from the headers.
        code, _ = ana.request("selfcare/bay/pay", {"csrf": token, "invoice": cid_invoice["id"]})
        self.assertEqual(403, code)
        # Bay has no provider account: bank transfer with the RF reference only, and Pay says so.
        cid = self.browser().sign_in("bay", "cid", "pw-cid-secret")
        code, page = cid.request("selfcare/bay/invoices")
        self.assertEqual(200, code)
        self.assertNotIn('action="/selfcare/bay/pay"', page)
        self.assertIn(cid_invoice["reference"], page)
        self.assertIn("pay by bank transfer", page)
        token = re.search(r'name="csrf" value="([0-9a-f]+)"', page).group(1)
        code, page = cid.request("selfcare/bay/pay", {"csrf": token, "invoice": cid_invoice["id"]})
        self.assertEqual(409, code)
        self.assertIn("cannot be paid online", page)

    @classmethod
    def rows(cls, *args):
        listed = cls.m.ctl_json(*args)
        if isinstance(listed, dict):
            listed = next(v for v in listed.values() if isinstance(v, list))
        return listed

    def test_plan_change_with_a_proration_preview(self):
        eve = self.browser().sign_in("cove", "eve", "pw-eve-secret")
        code, page = eve.request("selfcare/cove/plan")
        self.assertEqual(200, code, page[:400])
        self.assertIn("You are on <strong>lite</strong>", page)
        self.assertIn('name="plan" value="plus"', page)
        self.assertNotIn('name="plan" value="lite"', page)   # not to the plan she is on
        token = re.search(r'name="csrf" value="([0-9a-f]+)"', page).group(1)
        # What the engine charges, by a reference of its rule: the unused days of this month
        # credited on lite and charged on plus, each rounded half up carrying the remainder, then
        # 20 % tax rounded half away from zero.
        today = datetime.datetime.now(datetime.timezone.utc).date()
        nxt = (self.month_start + datetime.timedelta(days=32)).replace(day=1)
        days, period = (nxt - today).days, (nxt - self.month_start).days
        credit_exact = Fraction(-1000 * days, period)
        credit = int((credit_exact + Fraction(1, 2)) // 1)
        charge = int((Fraction(3100 * days, period) + (credit_exact - credit) + Fraction(1, 2)) // 1)
        net = credit + charge
        tax = int((Fraction(abs(net) * 20, 100) + Fraction(1, 2)) // 1) * (1 if net >= 0 else -1)

        def money(minor):
            return ("-" if minor < 0 else "") + "%d.%02d" % (abs(minor) // 100, abs(minor) % 100)

        code, page = eve.request("selfcare/cove/plan-preview", {"csrf": token, "plan": "plus"})
        self.assertEqual(200, code, page[:600])
        self.assertIn(f"<td>{money(credit)}</td>", page)
        self.assertIn(f"<td>{money(charge)}</td>", page)
        self.assertIn(f"<th scope=\"row\">Before tax</th><td>{money(net)}</td>", page)
        self.assertIn(f"<td>{money(tax)}</td>", page)
        self.assertIn(f"<td><strong>{money(net + tax)}</strong></td>", page)
        self.assertIn('action="/selfcare/cove/plan-change"', page)
        # A preview changes nothing.
        subs = self.rows("subscription", "list", "--tenant", "cove")
        self.assertEqual([1, 1], [len(s["plans"]) for s in subs])
        # Only the plans offered: another tenant's plan, or none, is refused next to the choice.
        for plan in ("fibre-bay", ""):
            code, page = eve.request("selfcare/cove/plan-preview", {"csrf": token, "plan": plan})
            self.assertEqual(400, code, plan)
            self.assertIn('id="plan-error"', page)
        # Without the CSRF token, without a session, or from another tenant's customer: refused.
        code, _ = eve.request("selfcare/cove/plan-change", {"plan": "plus"})
        self.assertEqual(403, code)
        code, _ = self.browser().request("selfcare/cove/plan-change", {"csrf": token, "plan": "plus"})
        self.assertEqual(403, code)
        ana = self.browser().sign_in("harbour", "ana", "pw-ana-secret")
        code, _ = ana.request("selfcare/cove/plan-change", {"csrf": ana.csrf("selfcare/harbour/plan"), "plan": "plus"})
        self.assertEqual(403, code)
        # Confirm, twice (a double submit): one change.
        for _ in range(2):
            code, page = eve.request("selfcare/cove/plan-change", {"csrf": token, "plan": "plus"})
            self.assertEqual(200, code, page[:600])
            self.assertIn("You are on plus", page)
        subs = {s["customer"]: s for s in self.rows("subscription", "list", "--tenant", "cove")}
        self.assertEqual(["lite", "plus"], [p["plan"] for p in subs["eve"]["plans"]])
        self.assertEqual(["lite"], [p["plan"] for p in subs["fay"]["plans"]])
        # The subscriber's plan (what the boxes get through the change feed) follows; fay's does not.
        plans = {s["username"]: s["plan"] for s in self.rows("subscriber", "list", "--tenant", "cove")}
        self.assertEqual({"eve": "plus", "fay": "lite"}, plans)
        code, body = self.cove_box.request("GET", "/v1/changes?cursor=0")
        self.assertEqual(200, code, body[:400])
        latest = {}
        for c in sorted(json.loads(body)["changes"], key=lambda c: c["version"]):
            if c["kind"] == "subscriber":
                latest[c["name"]] = c["spec"]["plan"]
        self.assertEqual({"eve": "plus", "fay": "lite"}, latest)   # what the box applies at its next check-in
        # The next run invoices the change with the previewed numbers, once.
        self.m.ctl("billing", "run", "--tenant", "cove", "--date", today.isoformat(), "--finalize", "true")
        eves = self.invoices("cove", "eve")
        self.assertEqual(2, len(eves))
        self.assertEqual(net + tax, eves[0]["total-minor"])
        self.assertEqual(tax, eves[0]["tax-minor"])
        self.assertEqual(1, len(self.invoices("cove", "fay")))
        self.m.ctl("billing", "verify", "--tenant", "cove")

    def test_browser_walk_on_a_phone(self):
        src = os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__))))
        out = os.path.join(self.tmp.path, "walk")
        os.makedirs(out, exist_ok=True)
        walker = os.path.join(src, "tests", "browser", "selfcare_walk.js")
        r = subprocess.run(["node", walker, "--url", self.base + "selfcare/harbour/", "--out", out,
                            "--login", "bob", "--password", "pw-bob-secret"],
                           capture_output=True, text=True, timeout=120, cwd=os.path.dirname(walker))
        self.assertEqual(0, r.returncode, r.stderr[-2000:] + r.stdout[-2000:])
        result = json.loads(r.stdout.strip().splitlines()[-1])
        self.assertTrue(result["ok"], json.dumps(result, indent=1)[:4000])
        names = [s["name"] for s in result["seen"]]
        self.assertEqual(["sign-in", "dashboard", "invoices", "pay", "contact", "contact-refused", "plan", "plan-preview",
                          "topup", "topup-pay", "help"], names)
        self.assertTrue(result["checks"]["payLink"].startswith(self.sim_url + "/pay/cs_test_"), result["checks"])
        self.assertTrue(result["checks"]["topupPayLink"].startswith(self.sim_url + "/pay/cs_test_"), result["checks"])
        for s in result["seen"]:
            self.assertEqual([], s["violations"], s["name"])
            self.assertFalse(s["overflow"], s["name"])


if __name__ == "__main__":
    unittest.main()
