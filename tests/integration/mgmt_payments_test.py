#!/usr/bin/python3
"""Payments that arrive by themselves (issue 24, ADR 0039), on a real mgmtd and the local payment
provider simulator (tests/support/payment_provider_sim.py, a separate program speaking the same
protocol):

- online: checkout-create -> the hosted page -> pay -> the simulator's signed webhook -> the invoice
  is paid, the balance is right; the same checkout asked again gives the same session (idempotency
  key); a duplicated event (a fresh signature) is applied once; a replayed delivery, a forged body, a
  wrong secret, a stale timestamp, no header are refused (400/401 with a JSON error); an unknown
  tenant 404;
- bank: a camt.053 statement matches by RF reference, amount and name; sure lines become payments,
  the others go to the review queue (accept, reject through mgmtctl and the admin API); importing it
  again adds nothing; a CSV export likewise; bad files are refused naming what is wrong; another
  tenant's token sees none of it. `billing verify` passes at the end.

Signatures are computed here with hmac/hashlib, independently of mgmtd's code.
Environment: EDGE_BIN = the build's bin folder (set by edge_integration_test()).
"""
import hashlib
import hmac
import json
import os
import socket
import subprocess
import sys
import time
import unittest

sys.path.insert(0, os.path.dirname(__file__))
from edgelib import Mgmtd, TempDir  # noqa: E402

SIM = os.path.join(os.path.dirname(__file__), "..", "support", "payment_provider_sim.py")
SECRET_KEY = "sk_test_" + "4eC39HqLyjWDarjtT1zdp7dc"
WEBHOOK_SECRET = "whsec_" + "test_secret_for_the_simulator"


def free_port():
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def curl(url, *args, data=None, headers=()):
    cmd = ["curl", "-sS", "-k", "-o", "-", "-w", "\n%{http_code}", "--max-time", "20"]
    for h in headers:
        cmd += ["-H", h]
    if data is not None:
        cmd += ["--data-binary", "@-"]
    r = subprocess.run(cmd + list(args) + [url], input=data.encode() if isinstance(data, str) else data,
                       capture_output=True, timeout=30)
    out = r.stdout.decode(errors="replace")
    body, _, code = out.rpartition("\n")
    return int(code or 0), body


def sign(secret, body, t):
    return f"t={t},v1=" + hmac.new(secret.encode(), f"{t}.".encode() + body.encode(), hashlib.sha256).hexdigest()


def start_simulator(root, port, webhook_url):
    with open(os.path.join(root, "sim.log"), "ab") as log:
        proc = subprocess.Popen(["/usr/bin/python3", SIM, "--port", str(port), "--secret-key", SECRET_KEY,
                                 "--webhook-secret", WEBHOOK_SECRET, "--webhook-url", webhook_url,
                                 "--state-dir", os.path.join(root, "sim")],
                                stdout=subprocess.PIPE, stderr=log, text=True)
    ready = json.loads(proc.stdout.readline())
    return proc, ready


def camt(entries, stmt_id="STMT-2026-02-03"):
    """A camt.053.001.08 document with the given entries (dicts)."""
    ntry = []
    for e in entries:
        rmt = ""
        if e.get("rf"):
            rmt += f"<Strd><CdtrRefInf><Tp><CdOrPrtry><Cd>SCOR</Cd></CdOrPrtry></Tp><Ref>{e['rf']}</Ref></CdtrRefInf></Strd>"
        if e.get("text"):
            rmt = f"<Ustrd>{e['text']}</Ustrd>" + rmt
        ntry.append(f"""
      <Ntry>
        <NtryRef>{e['ref']}</NtryRef>
        <Amt Ccy="{e.get('ccy', 'EUR')}">{e['amount']}</Amt>
        <CdtDbtInd>{e.get('dir', 'CRDT')}</CdtDbtInd>
        <Sts><Cd>BOOK</Cd></Sts>
        <BookgDt><Dt>2026-02-03</Dt></BookgDt>
        <ValDt><Dt>2026-02-03</Dt></ValDt>
        <AcctSvcrRef>{e['ref']}</AcctSvcrRef>
        <BkTxCd><Domn><Cd>PMNT</Cd><Fmly><Cd>RCDT</Cd><SubFmlyCd>ESCT</SubFmlyCd></Fmly></Domn></BkTxCd>
        <NtryDtls><TxDtls>
          <Refs><EndToEndId>NOTPROVIDED</EndToEndId></Refs>
          <RltdPties><Dbtr><Pty><Nm>{e.get('name', '')}</Nm></Pty></Dbtr></RltdPties>
          <RmtInf>{rmt}</RmtInf>
        </TxDtls></NtryDtls>
      </Ntry>""")
    return f"""<?xml version="1.0" encoding="UTF-8"?>
<Document xmlns="urn:iso:std:iso:20022:tech:xsd:camt.053.001.08">
  <BkToCstmrStmt>
    <GrpHdr><MsgId>MSG-1</MsgId><CreDtTm>2026-02-03T18:00:00</CreDtTm></GrpHdr>
    <Stmt>
      <Id>{stmt_id}</Id>
      <CreDtTm>2026-02-03T18:00:00</CreDtTm>
      <Acct><Id><IBAN>DE89370400440532013000</IBAN></Id></Acct>{''.join(ntry)}
    </Stmt>
  </BkToCstmrStmt>
</Document>
"""


class Payments(unittest.TestCase):
    @classmethod
    def setUpClass(cls):
        cls.tmp = TempDir("payments-")
        admin_port, sim_port = free_port(), free_port()
        cls.mgmt = Mgmtd(cls.tmp.path, extra={
            "admin-api": {"listen": "127.0.0.1", "port": admin_port},
            "payments": {"provider-url": f"https://127.0.0.1:{sim_port}",
                         "provider-ca-file": os.path.join(cls.tmp.path, "sim", "provider.pem")}}).start()
        m = cls.mgmt
        cls.tenant = m.ctl("tenant", "add", "--name", "acme", "--tier", "enterprise").stdout.strip()
        m.ctl("billing", "setup", "--tenant", "acme", "--currency", "EUR")
        m.ctl("tax-rate", "set", "--tenant", "acme", "--rate", "20")
        m.ctl("plan", "add", "--tenant", "acme", "--name", "home", "--down", "20M", "--up", "5M",
              "--price", "19.99", "--currency", "EUR")
        names = {"alice": "Alice Liddell", "bob": "Bob Builder", "carol": "Carol Danvers", "dave": "Dave Smith",
                 "erin": "Erin Brockovich"}
        for user, name in names.items():
            m.ctl("subscriber", "add", "--tenant", "acme", "--username", user, "--password", "pw-" + user, "--plan", "home")
            m.ctl("customer", "add", "--tenant", "acme", "--name", name, "--username", user)
            m.ctl("subscription", "add", "--tenant", "acme", "--username", user, "--plan", "home",
                  "--start", "2026-01-01", "--anchor-day", "1")
        m.ctl("billing", "run", "--tenant", "acme", "--date", "2026-01-01", "--finalize", "true")
        cls.invoices = {}
        for inv in m.ctl_json("invoice", "list", "--tenant", "acme", "--limit", "100"):
            cls.invoices.setdefault(inv["customer"], []).append(inv)
        for v in cls.invoices.values():
            v.sort(key=lambda i: i["number"])
        m.ctl("payment-provider", "set", "--tenant", "acme", "--secret-key", SECRET_KEY,
              "--webhook-secret", WEBHOOK_SECRET)
        cls.webhook = f"https://127.0.0.1:{admin_port}/api/v1/payments/webhook?tenant={cls.tenant}"
        cls.sim, ready = start_simulator(cls.tmp.path, sim_port, cls.webhook)
        cls.sim_url = ready["url"]

    @classmethod
    def tearDownClass(cls):
        cls.sim.kill()
        cls.sim.wait()
        cls.sim.stdout.close()
        cls.mgmt.stop()
        cls.tmp.cleanup()

    def invoice(self, inv_id):
        return self.mgmt.ctl_json("invoice", "show", "--tenant", "acme", "--invoice", inv_id)

    def balance(self, user):
        return self.mgmt.ctl_json("billing", "balance", "--tenant", "acme", "--username", user)[0]

    def events(self):
        code, body = curl(self.sim_url + "/_sim/events")
        self.assertEqual(code, 200, body)
        return json.loads(body)

    def post_webhook(self, body, header=None, url=None):
        headers = ["Content-Type: application/json"] + ([f"Stripe-Signature: {header}"] if header else [])
        code, answer = curl(url or self.webhook, data=body, headers=headers)
        return code, json.loads(answer) if answer.startswith("{") else answer

    def test_1_checkout_pay_webhook_and_refusals(self):
        m = self.mgmt
        inv = self.invoices["alice"][0]
        self.assertEqual(inv["total-minor"], 2399)
        first = m.ctl_json("checkout", "create", "--tenant", "acme", "--invoice", inv["id"])
        again = m.ctl_json("checkout", "create", "--tenant", "acme", "--invoice", inv["id"])
        self.assertEqual(first["id"], again["id"], "the idempotency key must give the provider's first session back")
        self.assertTrue(first["url"].startswith(self.sim_url + "/pay/cs_test_"), first)
        code, page = curl(first["url"])
        self.assertEqual(code, 200)
        self.assertIn("Pay 23.99 EUR", page)
        code, page = curl(first["url"], data="")
        self.assertEqual(code, 200)
        self.assertIn("Paid", page)
        deadline = time.time() + 15
        while self.invoice(inv["id"])["paid-minor"] != 2399:
            self.assertLess(time.time(), deadline, f"the webhook did not pay the invoice: {self.events()}")
            time.sleep(0.1)
        b = self.balance("alice")
        self.assertEqual((b["owed-minor"], b["credit-minor"]), (0, 0))
        events = [e for e in self.events() if e["event"]["data"]["object"]["id"] == first["id"]]
        self.assertEqual(len(events), 1)
        ev = events[0]
        self.assertTrue(ev["acknowledged"])
        delivered = ev["deliveries"][-1]
        self.assertEqual(delivered["status"], 200)
        self.assertIn('"payment"', delivered["answer"])

        # The provider delivers the same event again (a fresh signature, or the same one when it is
        # still the same second): applied once.
        code, body = curl(self.sim_url + f"/_sim/events/{ev['event']['id']}/resend", data="")
        self.assertEqual(code, 200, body)
        resent = json.loads(body)
        self.assertTrue(resent["acknowledged"], resent)
        self.assertIn('"duplicate":true', resent["delivery"]["answer"])
        b = self.balance("alice")
        self.assertEqual((b["owed-minor"], b["credit-minor"]), (0, 0), "a duplicated event must not pay twice")

        # A replay of a delivery that was accepted (the same bytes, the same signature): answered as
        # the duplicate it is, so a provider stops retrying, and nothing is paid again.
        code, answer = self.post_webhook(delivered["body"], delivered["signature"])
        self.assertEqual(code, 200, answer)
        self.assertEqual((answer.get("duplicate"), answer.get("replay")), (True, True), answer)
        b = self.balance("alice")
        self.assertEqual((b["owed-minor"], b["credit-minor"]), (0, 0), "a replayed delivery must not pay twice")
        # A forged body under a real signature, and a body signed with another secret: 401.
        now = int(time.time())
        forged = delivered["body"].replace('"amount_total":2399', '"amount_total":999999')
        self.assertNotEqual(forged, delivered["body"])
        code, answer = self.post_webhook(forged, sign(WEBHOOK_SECRET, delivered["body"], now))
        self.assertEqual(code, 401, answer)
        self.assertIn("signature", answer["error"])
        code, answer = self.post_webhook(delivered["body"], sign("whsec_someone_else_entirely", delivered["body"], now))
        self.assertEqual(code, 401, answer)
        # Stale (more than 300 s old, rightly signed), and no header at all: 400.
        code, answer = self.post_webhook(delivered["body"], sign(WEBHOOK_SECRET, delivered["body"], now - 400))
        self.assertEqual(code, 400, answer)
        self.assertIn("stale", answer["error"])
        code, answer = self.post_webhook(delivered["body"])
        self.assertEqual(code, 400, answer)
        self.assertIn("Stripe-Signature", answer["error"])
        code, answer = self.post_webhook(delivered["body"], "t=abc,v1=zz")
        self.assertEqual(code, 400, answer)
        # An unknown tenant: 404, JSON.
        code, answer = self.post_webhook(delivered["body"], sign(WEBHOOK_SECRET, delivered["body"], now),
                                         url=self.webhook.replace(self.tenant, "t-nobody"))
        self.assertEqual(code, 404, answer)
        self.assertIn("error", answer)
        # A new event id, rightly signed, for a session that is not ours: refused, nothing paid.
        stranger = json.loads(delivered["body"])
        stranger["id"] = "evt_stranger"
        stranger["data"]["object"]["id"] = "cs_test_not_ours"
        text = json.dumps(stranger)
        code, answer = self.post_webhook(text, sign(WEBHOOK_SECRET, text, now))
        self.assertEqual(code, 400, answer)
        self.assertIn("not one of ours", answer["error"])
        # Still exactly one payment, and the books balance.
        b = self.balance("alice")
        self.assertEqual((b["owed-minor"], b["credit-minor"]), (0, 0))
        m.ctl("billing", "verify", "--tenant", "acme")

    def test_2_bank_statements_match_review_and_import_once(self):
        m = self.mgmt
        bob, carol, dave, erin = (self.invoices[u][0] for u in ("bob", "carol", "dave", "erin"))
        doc = camt([
            # Bob: his invoice's reference and amount, his name: matched and paid.
            {"ref": "BANK-0001", "amount": "23.99", "rf": bob["reference"].replace(" ", ""), "name": "BOB BUILDER"},
            # Carol: the reference in the free text, less than is open: review (suggests her invoice).
            {"ref": "BANK-0002", "amount": "10.00", "text": "Invoice " + carol["reference"] + " part 1",
             "name": "Carol Danvers"},
            # No reference; the amount fits several invoices, the name one: review.
            {"ref": "BANK-0003", "amount": "23.99", "name": "Smith, Dave"},
            # Money out and a stranger's line: left out / review without a suggestion.
            {"ref": "BANK-0004", "amount": "5.00", "dir": "DBIT", "name": "Bank fees"},
            {"ref": "BANK-0005", "amount": "7.00", "name": "Nobody Known"},
        ])
        path = os.path.join(self.tmp.path, "statement.xml")
        with open(path, "w") as f:
            f.write(doc)
        r = m.ctl_json("bank", "import", "--tenant", "acme", "--format", "camt053", "--file", path)
        self.assertEqual((r["lines"], r["matched"], r["review"], r["skipped"]), (4, 1, 3, 1), r)
        self.assertEqual(self.invoice(bob["id"])["paid-minor"], 2399)
        lines = {l["ref"]: l for l in m.ctl_json("bank-line", "list", "--tenant", "acme")}
        self.assertEqual(lines["BANK-0001"]["state"], "matched")
        self.assertGreaterEqual(lines["BANK-0001"]["confidence"], 90)
        self.assertEqual(lines["BANK-0002"]["state"], "review")
        self.assertEqual(lines["BANK-0002"]["invoice"], carol["id"])
        self.assertEqual(lines["BANK-0002"]["confidence"], 80)
        self.assertEqual(lines["BANK-0003"]["invoice"], dave["id"])
        self.assertEqual(lines["BANK-0003"]["confidence"], 70)
        self.assertEqual((lines["BANK-0005"]["invoice"], lines["BANK-0005"]["confidence"]), ("", 0))
        # The same file again adds nothing.
        r = m.ctl_json("bank", "import", "--tenant", "acme", "--format", "camt053", "--file", path)
        self.assertEqual((r["matched"], r["review"], r["imported-before"]), (0, 0, 4), r)
        self.assertEqual(self.balance("bob")["credit-minor"], 0)
        # Review: accept Carol's (the suggestion), Dave's through the admin API, reject the stranger's.
        m.ctl("bank-line", "accept", "--tenant", "acme", "--ref", "BANK-0002")
        self.assertEqual(self.invoice(carol["id"])["paid-minor"], 1000)
        token = m.ctl("token", "create", "--tenant", "acme", "--role", "tenant-billing").stdout.strip()
        api = f"https://127.0.0.1:{m.admin_port}/api/v1/"
        auth = [f"Authorization: Bearer {token}", "Content-Type: application/json"]
        code, body = curl(api + "bank-line-accept", data=json.dumps({"ref": "BANK-0003"}), headers=auth)
        self.assertEqual(code, 200, body)
        self.assertEqual(self.invoice(dave["id"])["paid-minor"], 2399)
        code, body = curl(api + "bank-line-reject", data=json.dumps({"ref": "BANK-0005"}), headers=auth)
        self.assertEqual(code, 200, body)
        code, body = curl(api + "bank-line-accept", data=json.dumps({"ref": "BANK-0005"}), headers=auth)
        self.assertEqual(code, 409, body)
        self.assertIn("rejected, not in review", json.loads(body)["error"])
        code, body = curl(api + "bank-line-list?state=review", headers=auth)
        self.assertEqual((code, json.loads(body)["data"]), (200, []), body)
        # CSV: Erin pays by her reference; the same export again adds nothing.
        csv = ("id;date;amount;currency;name;reference;text\n"
               f"CSV-77;2026-02-04;23,99;EUR;\"Brockovich; Erin\";{erin['reference']};\n"
               "CSV-78;2026-02-04;-3,00;EUR;Bank;;fees\n")
        code, body = curl(api + "bank-import", data=json.dumps({"format": "csv", "statement": csv}), headers=auth)
        self.assertEqual(code, 200, body)
        self.assertEqual((json.loads(body)["data"]["matched"], json.loads(body)["data"]["skipped"]), (1, 1), body)
        code, body = curl(api + "bank-import", data=json.dumps({"format": "csv", "statement": csv}), headers=auth)
        self.assertEqual(json.loads(body)["data"]["imported-before"], 1, body)
        self.assertEqual(self.invoice(erin["id"])["paid-minor"], 2399)
        # Bad files: refused with what is wrong, nothing recorded.
        bad = camt([{"ref": "X1", "amount": "1.00"}]).replace("<?xml version=\"1.0\" encoding=\"UTF-8\"?>",
                                                                 "<?xml version=\"1.0\"?><!DOCTYPE d [<!ENTITY a \"aaaa\">]>")
        code, body = curl(api + "bank-import", data=json.dumps({"format": "camt053", "statement": bad}), headers=auth)
        self.assertEqual(code, 400, body)
        self.assertIn("DOCTYPE", json.loads(body)["error"])
        code, body = curl(api + "bank-import", data=json.dumps({"format": "csv", "statement": "id,date,currency\n1,2026-01-01,EUR\n"}), headers=auth)
        self.assertEqual(code, 400, body)
        self.assertIn("'amount' column", json.loads(body)["error"])
        code, body = curl(api + "bank-import", data=json.dumps({"format": "camt053", "statement": camt([{"ref": "X2", "amount": "1.005"}])}), headers=auth)
        self.assertEqual(code, 400, body)
        self.assertIn("X2", json.loads(body)["error"])
        # Another tenant sees none of it and cannot decide acme's lines.
        m.ctl("tenant", "add", "--name", "other", "--tier", "enterprise")
        m.ctl("billing", "setup", "--tenant", "other", "--currency", "EUR")
        other = m.ctl("token", "create", "--tenant", "other", "--role", "tenant-owner").stdout.strip()
        oauth = [f"Authorization: Bearer {other}", "Content-Type: application/json"]
        code, body = curl(api + "bank-line-list", headers=oauth)
        self.assertEqual((code, json.loads(body)["data"]), (200, []), body)
        code, body = curl(api + "bank-line-accept", data=json.dumps({"ref": "BANK-0001"}), headers=oauth)
        self.assertEqual(code, 404, body)
        code, body = curl(api + "checkout-create", data=json.dumps({"invoice": carol["id"]}), headers=oauth)
        self.assertEqual(code, 409, body)  # other has no provider account; acme's invoice is not reached
        m.ctl("payment-provider", "set", "--tenant", "other", "--secret-key", SECRET_KEY, "--webhook-secret", WEBHOOK_SECRET)
        code, body = curl(api + "checkout-create", data=json.dumps({"invoice": carol["id"]}), headers=oauth)
        self.assertEqual(code, 404, body)
        # A read-only role may list but not decide.
        viewer = m.ctl("token", "create", "--tenant", "acme", "--role", "tenant-read-only").stdout.strip()
        vauth = [f"Authorization: Bearer {viewer}", "Content-Type: application/json"]
        code, body = curl(api + "bank-line-reject", data=json.dumps({"ref": "BANK-0001"}), headers=vauth)
        self.assertEqual(code, 403, body)
        m.ctl("billing", "verify", "--tenant", "acme")


if __name__ == "__main__":
    unittest.main(verbosity=2)
