"""Top-ups bought in self-care, refunds and disputes (issue 24, ADR 0058): a real mgmtd, a real edged
enrolled in its tenant, the payment provider simulator (tests/support/payment_provider_sim.py) and
radclient.

rita's plan has a 10 KB data quota; she uses it up on the box (accounting from a NAS) and is refused.
She signs in to the self-care portal (curl with a cookie jar, like a browser), picks the "1gb" top-up
(5.00 EUR + 20 % VAT), presses Buy and pays on the simulator's hosted checkout. The provider's signed
webhook makes mgmt book a paid one-off invoice (number 1, 6.00 EUR, balanced) and queue the top-up
to the box; at its next check-in the box adds 1 GB to her period and she is accepted again. The
webhook delivered again, and the box's top-up command given again with the same id, change nothing.

sam bought the same top-up before the tenant had any box (setUpClass pays it before enrolling): it
is booked and paid but sent to no box (devices 0); the box enrolled afterwards gets it at its first
check-in and applies it once (ADR 0066).

Then the money comes back through the provider: a partial refund reopens 1.00 of the invoice, a
dispute takes 2.00 (a chargeback) and is won (the 2.00 comes back as a payment), a second dispute
takes 3.00 and is lost; each event delivered twice applies once, and `billing verify` passes after
each. A refund started from mgmt (`refund create`) is asked of the provider with an idempotency key
and booked once with a credit note (ADR 0066). The provider secrets are sealed in mgmt.db (no plain secret in the database file), the key
file is 0600, and neither `payment-provider` answers nor the audit log show them.

Environment: EDGE_BIN = the build's bin folder (set by edge_integration_test()).
"""
import json
import os
import re
import sqlite3
import stat
import subprocess
import sys
import time
import unittest

sys.path.insert(0, os.path.dirname(__file__))
from edgelib import Edged, Mgmtd, TempDir, wait_for  # noqa: E402
import radius_peer as rp  # noqa: E402
from radius_acct_test import acct_packet, SECRET  # noqa: E402
from mgmt_payments_test import SECRET_KEY, WEBHOOK_SECRET, curl, free_port, start_simulator  # noqa: E402
from selfcare_test import Browser  # noqa: E402


GB = 1_000_000_000  # "1GB"


def radclient(port, user, password):
    r = subprocess.run(["radclient", "-x", "-r", "1", "-t", "3", f"127.0.0.1:{port}", "auth", SECRET.decode()],
                       input=f'User-Name = "{user}"\nUser-Password = "{password}"\nMessage-Authenticator = 0x00\n',
                       capture_output=True, text=True, timeout=30)
    return r.stdout + r.stderr


class TopupEndToEnd(unittest.TestCase):
    @classmethod
    def setUpClass(cls):
        cls.tmp = TempDir("topup-e2e-")
        admin_port, sim_port = free_port(), free_port()
        cls.mgmt = Mgmtd(os.path.join(cls.tmp.path, "mgmt"), {
            "admin-api": {"listen": "127.0.0.1", "port": admin_port},
            "device-poll-interval": 2,  # so the box's next check-in is soon (60 s by default)
            "payments": {"provider-url": f"https://127.0.0.1:{sim_port}",
                         "provider-ca-file": os.path.join(cls.tmp.path, "sim", "provider.pem")}}).start()
        m = cls.mgmt
        cls.tenant = m.ctl("tenant", "add", "--name", "acme", "--tier", "enterprise").stdout.strip()
        m.ctl("billing", "setup", "--tenant", "acme", "--currency", "EUR")
        m.ctl("tax-rate", "set", "--tenant", "acme", "--rate", "20", "--name", "VAT")
        m.ctl("plan", "add", "--tenant", "acme", "--name", "capped", "--down", "8M", "--up", "4M",
              "--data-quota", "10KB", "--price", "9.00", "--currency", "EUR")
        m.ctl("subscriber", "add", "--tenant", "acme", "--username", "rita", "--password", "pw-rita-12",
              "--plan", "capped")
        m.ctl("subscriber", "add", "--tenant", "acme", "--username", "sam", "--password", "pw-sam-123",
              "--plan", "capped")
        m.ctl("topup-product", "set", "--tenant", "acme", "--name", "1gb", "--bytes", "1GB", "--price", "5.00",
              "--description", "one gigabyte more")
        m.ctl("payment-provider", "set", "--tenant", "acme", "--secret-key", SECRET_KEY,
              "--webhook-secret", WEBHOOK_SECRET)
        cls.sim, ready = start_simulator(cls.tmp.path, sim_port,
                                         f"https://127.0.0.1:{admin_port}/api/v1/payments/webhook?tenant={cls.tenant}")
        cls.sim_url = ready["url"]
        cls.base = f"https://127.0.0.1:{admin_port}/"

        # sam buys a top-up while the tenant has no box yet: paid, booked, sent to no box.
        b = Browser(cls.base, cls.tmp.path).sign_in("acme", "sam", "pw-sam-123")
        code, page = b.request("selfcare/acme/topup-buy", {"csrf": b.csrf("selfcare/acme/topup"), "product": "1gb"})
        assert code == 200, page[:400]
        code, _ = curl(re.search(r'href="(https://127\.0\.0\.1:\d+/pay/cs_[^"]+)"', page).group(1), data="")
        assert code == 200
        sam_orders = lambda: m.ctl_json("topup-order", "list", "--tenant", "acme", "--username", "sam")  # noqa: E731
        wait_for(lambda: sam_orders()[0]["state"] == "paid", timeout=20, what="the webhook booking sam's top-up")
        cls.sam_order_before_enrollment = sam_orders()[0]

        cls.box = Edged(os.path.join(cls.tmp.path, "box"), {"sync": {"max-backoff": 5}}).start()
        cls.box.ctl("nas", "add", "--name", "bras", "--address", "127.0.0.1", "--secret", SECRET.decode(),
                    "--vendor", "mikrotik")
        cls.box.ctl("enroll", m.ctl("claim", "create", "--tenant", "acme").stdout.strip())
        status = cls.box.ctl_json("status")["radius"]
        cls.auth_port, cls.acct_port = status["auth-port"], status["acct-port"]

    @classmethod
    def tearDownClass(cls):
        cls.sim.kill()
        cls.sim.wait()
        cls.sim.stdout.close()
        cls.box.stop()
        cls.mgmt.stop()
        cls.tmp.cleanup()

    # --- helpers ---------------------------------------------------------------------------------

    def events(self):
        code, body = curl(self.sim_url + "/_sim/events")
        self.assertEqual(code, 200, body)
        return json.loads(body)

    def event_of(self, kind, object_id):
        for e in self.events():
            o = e["event"]["data"]["object"]
            if e["event"]["type"] == kind and o.get("id") == object_id:
                return e
        return None

    def acknowledged(self, kind, object_id, timeout=20):
        wait_for(lambda: (self.event_of(kind, object_id) or {}).get("acknowledged"), timeout=timeout,
                 what=f"mgmt acknowledging {kind} {object_id}")
        return self.event_of(kind, object_id)

    def resend(self, event):
        code, body = curl(self.sim_url + f"/_sim/events/{event['event']['id']}/resend", data="")
        self.assertEqual(code, 200, body)
        answer = json.loads(json.loads(body)["delivery"]["answer"])
        self.assertTrue(answer.get("duplicate"), answer)

    def invoice(self):
        invoices = self.mgmt.ctl_json("invoice", "list", "--tenant", "acme", "--username", "rita")
        self.assertEqual(len(invoices), 1, invoices)
        return self.mgmt.ctl_json("invoice", "show", "--tenant", "acme", "--invoice", invoices[0]["id"])

    def verify(self):
        self.assertEqual(self.mgmt.ctl_json("billing", "verify", "--tenant", "acme")["problems"], [])

    def sim_post(self, path, payload):
        code, body = curl(self.sim_url + path, data=json.dumps(payload), headers=["Content-Type: application/json"])
        self.assertEqual(code, 200, body)
        return json.loads(body)

    # --- the story -------------------------------------------------------------------------------

    def test_0_a_top_up_paid_before_the_box_enrolled_reaches_it_once(self):
        m = self.mgmt
        before = self.sam_order_before_enrollment
        self.assertEqual((before["state"], before["devices"]), ("paid", 0), before)
        # The enrollment queued it to the new box; the box applies it at its first check-in.
        after = m.ctl_json("topup-order", "list", "--tenant", "acme", "--username", "sam")
        self.assertEqual([(o["id"], o["devices"]) for o in after], [(before["id"], 1)])
        wait_for(lambda: self.box.ctl("subscriber", "show", "sam", check=False).returncode == 0, timeout=20,
                 what="sam on the box")
        wait_for(lambda: self.box.ctl_json("subscriber", "explain", "sam")["now"]["data-topped-up"] == GB,
                 timeout=20, what="sam's earlier top-up on the box")
        command = lambda: next(c for c in m.ctl_json("command", "list", "--tenant", "acme")  # noqa: E731
                               if c["kind"] == "topup" and before["id"] in json.dumps(c))
        wait_for(lambda: command()["state"] == "done", timeout=20, what="the box reporting sam's top-up done")
        # Once: the same id again on the box changes nothing; the box's next check-ins bring nothing new.
        again = self.box.ctl_json("subscriber", "topup", "--username", "sam", "--bytes", "1GB", "--id", before["id"])
        self.assertTrue(again["replay"], again)
        self.assertEqual(self.box.ctl_json("subscriber", "explain", "sam")["now"]["data-topped-up"], GB)
        self.assertEqual(sum(1 for c in m.ctl_json("command", "list", "--tenant", "acme") if c["kind"] == "topup"), 1)
        self.verify()

    def test_1_buys_a_top_up_in_self_care_and_the_box_lets_her_back_in(self):
        m = self.mgmt
        wait_for(lambda: self.box.ctl("subscriber", "show", "rita", check=False).returncode == 0, timeout=20,
                 what="rita on the box")
        # She uses up her 10 KB on the box and is refused.
        self.assertEqual(rp.exchange(self.acct_port, acct_packet(1, "rita", "R-1", pkt_id=11), SECRET).code, 5)
        self.assertEqual(rp.exchange(self.acct_port, acct_packet(2, "rita", "R-1", (20000, 20000, 30), terminate=1,
                                                                 pkt_id=12), SECRET).code, 5)
        wait_for(lambda: self.box.ctl_json("subscriber", "explain", "rita")["now"]["data-remaining"] == 0,
                 timeout=15, what="rita's quota used up on the box")
        self.assertIn("Received Access-Reject", radclient(self.auth_port, "rita", "pw-rita-12"))

        # Self-care: the top-up page lists the product with its price including tax; Buy -> checkout.
        b = Browser(self.base, self.tmp.path).sign_in("acme", "rita", "pw-rita-12")
        code, page = b.request("selfcare/acme/topup")
        self.assertEqual(code, 200, page[:400])
        self.assertIn("<strong>1gb</strong>: 1GB for 6.00 EUR", page)
        token = re.search(r'name="csrf" value="([0-9a-f]+)"', page).group(1)
        code, page = b.request("selfcare/acme/topup-buy", {"csrf": token, "product": "nothing"})
        self.assertEqual(code, 400, page[:400])
        self.assertIn("Choose one of the top-ups listed.", page)
        code, page = b.request("selfcare/acme/topup-buy", {"csrf": "0" * 64, "product": "1gb"})
        self.assertEqual(code, 403, page[:400])
        code, page = b.request("selfcare/acme/topup-buy", {"csrf": token, "product": "1gb"})
        self.assertEqual(code, 200, page[:400])
        self.assertIn("6.00 EUR", page)
        pay_url = re.search(r'href="(https://127\.0\.0\.1:\d+/pay/cs_[^"]+)"', page).group(1)
        orders = m.ctl_json("topup-order", "list", "--tenant", "acme", "--username", "rita")
        self.assertEqual([(o["state"], o["customer"], o["product"]) for o in orders], [("pending", "rita", "1gb")])
        self.assertEqual(m.ctl_json("invoice", "list", "--tenant", "acme", "--username", "rita"), [])

        # She pays; the webhook books a paid invoice and queues the top-up to the box.
        paid_at = time.time()
        code, _ = curl(pay_url, data="")
        self.assertEqual(code, 200)
        rita_orders = lambda: m.ctl_json("topup-order", "list", "--tenant", "acme", "--username", "rita")  # noqa: E731
        wait_for(lambda: rita_orders()[0]["state"] == "paid", timeout=20, what="the webhook booking the top-up")
        order = rita_orders()[0]
        self.assertEqual(order["devices"], 1, order)
        inv = self.invoice()
        # Number 2: sam's top-up before the box was invoice 1.
        self.assertEqual((inv["number"], inv["total-minor"], inv["paid-minor"], inv["tax-minor"]), (2, 600, 600, 100), inv)
        self.assertIn("Top-up 1gb", json.dumps(inv["lines"]))
        self.verify()

        # The box applies it at its next check-in; she is accepted again.
        wait_for(lambda: self.box.ctl_json("subscriber", "explain", "rita")["now"]["data-topped-up"] == GB,
                 timeout=20, what="the top-up on the box")
        self.assertLess(time.time() - paid_at, 20)
        self.assertIn("Received Access-Accept", radclient(self.auth_port, "rita", "pw-rita-12"))
        wait_for(lambda: m.ctl_json("command", "list", "--tenant", "acme")[0]["state"] == "done", timeout=20,
                 what="the box reporting the top-up command done")

        # Delivered again: the webhook is a duplicate; the same top-up id again on the box changes nothing.
        self.resend(self.acknowledged("checkout.session.completed", pay_url.rsplit("/", 1)[1]))
        again = self.box.ctl_json("subscriber", "topup", "--username", "rita", "--bytes", "1GB", "--id", order["id"])
        self.assertTrue(again["replay"], again)
        self.assertEqual(self.box.ctl_json("subscriber", "explain", "rita")["now"]["data-topped-up"], GB)
        self.assertEqual(len(m.ctl_json("invoice", "list", "--tenant", "acme")), 2)
        self.assertEqual(self.invoice()["paid-minor"], 600)
        # The portal shows what she bought.
        code, page = b.request("selfcare/acme/topup")
        self.assertIn("<h3 id=\"bought-h\">Bought</h3>", page)

    def test_2_refunds_and_disputes_from_the_provider_reopen_the_invoice_once(self):
        m = self.mgmt
        invoice = self.invoice()
        self.assertEqual(invoice["paid-minor"], 600, "test_1 paid it")
        rita_order = self.mgmt.ctl_json("topup-order", "list", "--tenant", "acme", "--username", "rita")[0]["id"]
        intent = next(e["event"]["data"]["object"]["payment_intent"] for e in self.events()
                      if e["event"]["type"] == "checkout.session.completed"
                      and e["event"]["data"]["object"]["client_reference_id"] == rita_order)
        # A partial refund (the merchant at the provider's dashboard): 1.00 of the invoice is open again.
        code, body = curl(self.sim_url + "/v1/refunds", data=f"payment_intent={intent}&amount=100",
                          headers=[f"Authorization: Bearer {SECRET_KEY}"])
        self.assertEqual(code, 200, body)
        refund = json.loads(body)
        self.resend(self.acknowledged("refund.created", refund["id"]))
        self.assertEqual(self.invoice()["paid-minor"], 500)
        self.verify()
        # A dispute takes 2.00 at once (a chargeback), and is won: the 2.00 is paid again.
        dispute = self.sim_post("/_sim/disputes", {"payment_intent": intent, "amount": 200})
        self.resend(self.acknowledged("charge.dispute.created", dispute["id"]))
        self.assertEqual(self.invoice()["paid-minor"], 300)
        self.verify()
        self.sim_post(f"/_sim/disputes/{dispute['id']}/close", {"status": "won"})
        self.resend(self.acknowledged("charge.dispute.closed", dispute["id"]))
        self.assertEqual(self.invoice()["paid-minor"], 500)
        # A second dispute of 3.00 is lost: the chargeback stands.
        lost = self.sim_post("/_sim/disputes", {"payment_intent": intent, "amount": 300})
        self.acknowledged("charge.dispute.created", lost["id"])
        self.sim_post(f"/_sim/disputes/{lost['id']}/close", {"status": "lost"})
        self.acknowledged("charge.dispute.closed", lost["id"])
        self.assertEqual(self.invoice()["paid-minor"], 200)
        balance = m.ctl_json("billing", "balance", "--tenant", "acme", "--username", "rita")[0]
        self.assertEqual((balance["owed-minor"], balance["credit-minor"]), (400, 0), balance)
        self.verify()

    def test_4_a_refund_started_from_mgmt_books_once_with_a_credit_note(self):
        m = self.mgmt
        sam = m.ctl_json("topup-order", "list", "--tenant", "acme", "--username", "sam")[0]
        invoice = lambda: m.ctl_json("invoice", "show", "--tenant", "acme", "--invoice", sam["invoice"])  # noqa: E731
        self.assertEqual((invoice()["total-minor"], invoice()["paid-minor"]), (600, 600))
        refund = ("refund", "create", "--tenant", "acme", "--payment", sam["payment"])
        # Too much, and not an online payment: refused with the field named; nothing asked of the provider.
        r = m.ctl(*refund, "--amount", "7.00", "--key", "too-much", check=False)
        self.assertNotEqual(r.returncode, 0)
        self.assertIn("amount: at most 6.00 EUR", r.stdout + r.stderr)
        # A partial refund of 2.40 (tax 0.40 of it): the provider refunds it, mgmt books the reversal
        # and credit note 1, whose credit settles what the reversal reopened: the invoice stays paid.
        first = m.ctl_json(*refund, "--amount", "2.40", "--key", "goodwill-1")
        self.assertTrue(first["refund"].startswith("re_"), first)
        note = first["credit-note"]
        self.assertEqual((note["number"], note["total-minor"], note["tax-minor"], note["credits"]),
                         (1, -240, -40, sam["invoice"]), note)
        self.assertEqual(invoice()["paid-minor"], 600)
        balance = m.ctl_json("billing", "balance", "--tenant", "acme", "--username", "sam")[0]
        self.assertEqual((balance["owed-minor"], balance["credit-minor"]), (0, 0), balance)
        self.verify()
        # The same key again: the provider's first refund back, nothing booked twice; its webhook too.
        again = m.ctl_json(*refund, "--amount", "2.40", "--key", "goodwill-1")
        self.assertEqual((again["refund"], again["credit-note"]["id"]), (first["refund"], note["id"]))
        self.resend(self.acknowledged("refund.created", first["refund"]))
        notes = [i for i in m.ctl_json("invoice", "list", "--tenant", "acme") if i["kind"] == "credit-note"]
        self.assertEqual(len(notes), 1, notes)
        # The rest (3.60) without --amount: credit note 2; then nothing is left, and the invoice cannot
        # be credited in full on top of its refunds.
        rest = m.ctl_json(*refund, "--key", "goodwill-2")
        self.assertEqual((rest["amount-minor"], rest["credit-note"]["number"], rest["credit-note"]["total-minor"]),
                         (360, 2, -360), rest)
        r = m.ctl(*refund, "--key", "goodwill-3", check=False)
        self.assertIn("nothing left to refund", r.stdout + r.stderr)
        # goodwill-2 again (a form submitted twice): nothing is left to plan, and the key answers the
        # refund it booked (ADR 0072), nothing asked of the provider, nothing booked.
        replay = m.ctl_json(*refund, "--key", "goodwill-2")
        self.assertEqual((replay["refund"], replay["amount-minor"], replay["replay"], replay["credit-note"]["id"]),
                         (rest["refund"], 360, True, rest["credit-note"]["id"]), replay)
        r = m.ctl("refund", "create", "--tenant", "acme", "--payment", "elsewhere", "--key", "goodwill-2", check=False)
        self.assertIn("used before for payment", r.stdout + r.stderr)
        r = m.ctl("credit-note", "add", "--tenant", "acme", "--invoice", sam["invoice"], check=False)
        self.assertIn("refund credit notes already", r.stdout + r.stderr)
        self.assertEqual(invoice()["paid-minor"], 600)
        self.verify()

    def test_3_provider_secrets_are_sealed_at_rest_and_never_shown(self):
        data = self.mgmt.data_dir
        key_file = os.path.join(data, "secrets.key")
        self.assertEqual(stat.S_IMODE(os.stat(key_file).st_mode), 0o600)
        raw = b""
        for name in ("mgmt.db", "mgmt.db-wal"):  # the write-ahead log too: not checkpointed yet
            if os.path.exists(os.path.join(data, name)):
                with open(os.path.join(data, name), "rb") as f:
                    raw += f.read()
        self.assertIn(b"payment_providers", raw)
        for secret in (SECRET_KEY, WEBHOOK_SECRET):
            self.assertNotIn(secret.encode(), raw)
        db = sqlite3.connect(f"file:{os.path.join(data, 'mgmt.db')}?mode=ro", uri=True)
        try:
            row = db.execute("SELECT secret_key, webhook_secret FROM payment_providers").fetchone()
            audit = " ".join(r[0] for r in db.execute("SELECT arguments FROM audit_log WHERE command = 'payment-provider-set'"))
        finally:
            db.close()
        self.assertTrue(row[0].startswith("enc:v1:") and row[1].startswith("enc:v1:"), row)
        self.assertNotIn(SECRET_KEY, audit)
        self.assertNotIn(WEBHOOK_SECRET, audit)
        answer = self.mgmt.ctl("payment-provider", "set", "--tenant", "acme", "--secret-key", SECRET_KEY,
                               "--webhook-secret", WEBHOOK_SECRET).stdout
        self.assertNotIn(SECRET_KEY, answer)
        self.assertNotIn(WEBHOOK_SECRET, answer)


if __name__ == "__main__":
    unittest.main()
