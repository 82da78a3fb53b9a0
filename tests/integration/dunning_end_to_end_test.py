"""Dunning end to end (issue 24, ADR 0047 and 0048): a real mgmtd, a real edged enrolled in its tenant,
the payment provider simulator (tests/support/payment_provider_sim.py), radclient and a fake NAS
(tests/integration/fake_nas.py) the box sends its CoA and Disconnect requests to.

alice and bob fall behind (their invoices are 26 days past due): the dunning job throttles them,
the change feed takes that to the box, which sends the NAS a CoA with the lower rate for each live
session. The box goes offline; five days later they are walled on mgmt; the box comes back and
walls them (Disconnect; a new login gets the walled reply). alice pays through the simulator's
hosted checkout: within 60 s of the payment, with no nudge to the box, the NAS is told (Disconnect
out of the garden) and her next login has the plan's full rate. bob pays at the cash desk while the
box is offline; the box is started later and, within 60 s of its start, does the same for him.
The throttle step mails each of them once (a real SMTP sink). Also: another tenant's token gets 404 (and a read-only one 403) on the dunning routes.

The box polls every `device-poll-interval` (60 s here, the default) until its tenant has customers in
dunning, then every `device-dunning-poll-interval` (3 s here so the test is quick; 20 s by default:
ADR 0047 has the worst case).
Environment: EDGE_BIN = the build's bin folder (set by edge_integration_test()).
"""
import datetime
import json
import os
import subprocess
import sys
import time
import unittest

sys.path.insert(0, os.path.dirname(__file__))
from edgelib import Edged, Mgmtd, TempDir, wait_for  # noqa: E402
import radius_peer as rp  # noqa: E402
from radius_acct_test import acct_packet, SECRET  # noqa: E402
from session_control_test import FakeNas  # noqa: E402
from mgmt_payments_test import SECRET_KEY, WEBHOOK_SECRET, curl, free_port, start_simulator  # noqa: E402
from smtp_sink import SmtpSink  # noqa: E402

FULL = "5M/20M"        # MikroTik's rx/tx: the plan's 20M down, 5M up
THROTTLED = "512k/1M"  # the throttle step's 1M/512k
WALLED = "256k/256k"
POLICY = [{"after-days": 3, "action": "remind", "mail": "dunning-reminder"},
          {"after-days": 20, "action": "throttle", "rate": "1M/512k", "mail": "dunning-reminder"},
          {"after-days": 30, "action": "walled", "rate": "256k/256k"}]


def radclient(port, user, password):
    r = subprocess.run(["radclient", "-x", "-r", "1", "-t", "3", f"127.0.0.1:{port}", "auth", SECRET.decode()],
                       input=f'User-Name = "{user}"\nUser-Password = "{password}"\nMessage-Authenticator = 0x00\n',
                       capture_output=True, text=True, timeout=30)
    return r.stdout + r.stderr


def day(offset):
    return (datetime.datetime.now(datetime.timezone.utc).date() + datetime.timedelta(days=offset)).isoformat()


class DunningEndToEnd(unittest.TestCase):
    @classmethod
    def setUpClass(cls):
        cls.tmp = TempDir("dunning-e2e-")
        admin_port, sim_port = free_port(), free_port()
        cls.sink = SmtpSink().start()
        cls.mgmt = Mgmtd(os.path.join(cls.tmp.path, "mgmt"), {
            "admin-api": {"listen": "127.0.0.1", "port": admin_port},
            "mail": {"smtp-url": cls.sink.url, "from": "billing@platform.example"},
            "device-dunning-poll-interval": 3,
            "payments": {"provider-url": f"https://127.0.0.1:{sim_port}",
                         "provider-ca-file": os.path.join(cls.tmp.path, "sim", "provider.pem")}}).start()
        m = cls.mgmt
        cls.tenant = m.ctl("tenant", "add", "--name", "acme", "--tier", "enterprise").stdout.strip()
        m.ctl("billing", "setup", "--tenant", "acme", "--currency", "EUR", "--payment-days", "14")
        m.ctl("plan", "add", "--tenant", "acme", "--name", "home", "--down", "20M", "--up", "5M",
              "--price", "19.99", "--currency", "EUR")
        for user in ("alice", "bob"):
            m.ctl("subscriber", "add", "--tenant", "acme", "--username", user, "--password", "pw-" + user,
                  "--plan", "home")
            m.ctl("customer", "add", "--tenant", "acme", "--name", user.title(), "--email", f"{user}@example.net",
                  "--username", user)
            # 40 days ago, on a plan billed that day and due 14 days later: 26 days past due today.
            m.ctl("subscription", "add", "--tenant", "acme", "--username", user, "--plan", "home",
                  "--start", day(-40), "--anchor-day", str(int(day(-40)[8:])))
        m.ctl("billing", "run", "--tenant", "acme", "--date", day(-40), "--finalize", "true")
        m.ctl("dunning-policy", "set", "--tenant", "acme", "--steps", json.dumps(POLICY))
        m.ctl("payment-provider", "set", "--tenant", "acme", "--secret-key", SECRET_KEY,
              "--webhook-secret", WEBHOOK_SECRET)
        cls.sim, ready = start_simulator(cls.tmp.path, sim_port,
                                         f"https://127.0.0.1:{admin_port}/api/v1/payments/webhook?tenant={cls.tenant}")
        cls.api = f"https://127.0.0.1:{admin_port}/api/v1/"

        cls.nas = FakeNas(cls.tmp.path, "ack")
        cls.box = Edged(os.path.join(cls.tmp.path, "box"), {"sync": {"max-backoff": 5}}).start()
        cls.box.ctl("nas", "add", "--name", "bras", "--address", "127.0.0.1", "--secret", SECRET.decode(),
                    "--vendor", "mikrotik", "--coa-port", str(cls.nas.port))
        cls.box.ctl("enroll", m.ctl("claim", "create", "--tenant", "acme").stdout.strip())
        cls.ports()

    @classmethod
    def ports(cls):
        status = cls.box.ctl_json("status")["radius"]
        cls.auth_port, cls.acct_port = status["auth-port"], status["acct-port"]

    @classmethod
    def tearDownClass(cls):
        cls.sim.kill()
        cls.sim.wait()
        cls.sim.stdout.close()
        if cls.box.proc is not None:
            cls.box.stop()
        cls.nas.stop()
        cls.mgmt.stop()
        cls.sink.stop()
        cls.tmp.cleanup()

    # --- helpers ---------------------------------------------------------------------------------

    def start_box(self):
        self.box.start()
        self.ports()  # loopback ports are chosen afresh at each start

    def on_box(self, user):
        return self.box.ctl_json("subscriber", "show", user)

    def login(self, user, rate, walled=False):
        out = radclient(self.auth_port, user, "pw-" + user)
        self.assertIn("Received Access-Accept", out)
        self.assertIn(f'Mikrotik-Rate-Limit = "{rate}"', out)
        self.assertEqual('Mikrotik-Address-List = "walled"' in out, walled, out)

    def start_session(self, user, sid):
        r = rp.exchange(self.acct_port, acct_packet(1, user, sid, pkt_id=(hash(sid) & 0x7f) + 1), SECRET)
        self.assertEqual(r.code, 5)

    def stop_session(self, user, sid):
        r = rp.exchange(self.acct_port, acct_packet(2, user, sid, (1, 2, 3), terminate=6,
                                                    pkt_id=(hash(sid) & 0x7f) + 2), SECRET)
        self.assertEqual(r.code, 5)

    def to_nas(self, user, count, timeout):
        """The NAS's requests for `user`, once there are `count` (waits up to `timeout` seconds)."""
        deadline = time.time() + timeout
        while True:
            seen = [e for e in self.nas.requests()
                    if {a["name"]: a["value"] for a in e["attributes"]}.get("User-Name") == user]
            if len(seen) >= count or time.time() > deadline:
                return seen
            time.sleep(0.1)

    def rate_of(self, request):
        return {a["name"]: a["value"] for a in request["attributes"]}.get("Mikrotik-Rate-Limit")

    def restored(self, request):
        """Service back: out of the garden by Disconnect (the NAS logs in again), or a CoA at full rate."""
        return request["code_name"] == "Disconnect-Request" or (
            request["code_name"] == "CoA-Request" and self.rate_of(request) == FULL)

    def standing(self, user):
        return self.mgmt.ctl_json("dunning", "status", "--tenant", "acme", "--username", user)

    # --- the story -------------------------------------------------------------------------------

    def test_1_falls_behind_is_throttled_then_walled_pays_and_is_back_within_60s(self):
        m = self.mgmt
        # In good standing on the box: the plan's rate; live sessions on the NAS.
        on_box = lambda user: self.box.ctl("subscriber", "show", user, check=False).returncode == 0  # noqa: E731
        wait_for(lambda: on_box("alice") and on_box("bob"), timeout=20, what="the subscribers on the box")
        for user, sid in (("alice", "A-1"), ("bob", "B-1")):
            self.login(user, FULL)
            self.start_session(user, sid)
        self.assertEqual(self.box.ctl_json("sync", "status")["poll-interval"], 60)

        # 26 days past due: throttled (the remind step was jumped over: no mail for it).
        m.ctl("dunning", "run", "--tenant", "acme")  # (mgmtd's own job may have been first: the same moves)
        for user in ("alice", "bob"):
            st = self.standing(user)
            self.assertEqual([s["action"] for s in st["in-dunning"]], ["throttle"], st)
            self.assertEqual([(l["from"], l["to"]) for l in st["log"]], [("", "throttle")], st)
        self.box.ctl("sync", "now")  # the box polled every 60 s until now; not timed here
        for user, sid in (("alice", "A-1"), ("bob", "B-1")):
            coa = self.to_nas(user, 1, 20)
            self.assertEqual([e["code_name"] for e in coa], ["CoA-Request"], coa)
            self.assertEqual(self.rate_of(coa[0]), THROTTLED)
            self.assertEqual({a["name"]: a["value"] for a in coa[0]["attributes"]}["Acct-Session-Id"], sid)
        self.assertEqual(self.on_box("alice")["dunning"], "throttle")
        self.login("alice", THROTTLED)
        # The throttle step's mail, through the outbox over SMTP, with the pay page (the remind step
        # was jumped over: it mails nothing).
        reminder = self.sink.wait_for(lambda x: x["To"] == "alice@example.net" and
                                      x["Subject"].startswith("Payment overdue"))[0]
        text = reminder.get_body(preferencelist=("plain",)).get_content()
        self.assertIn("26 day(s) overdue", text)
        self.assertIn("slowed down", text)
        self.assertIn("/selfcare/acme/invoices", text)
        # A tenant with customers in dunning: its boxes check in sooner.
        wait_for(lambda: self.box.ctl_json("sync", "status")["poll-interval"] == 3, timeout=20,
                 what="the shorter poll interval")

        # The box goes offline; five days later (31 days past due) both are walled on mgmt.
        self.box.stop()
        run = m.ctl_json("dunning", "run", "--tenant", "acme", "--date", day(5))
        self.assertEqual(run["moved"], 2, run)
        alice = self.standing("alice")
        self.assertEqual(alice["in-dunning"][0]["action"], "walled")
        self.assertEqual([(l["from"], l["to"]) for l in alice["log"]], [("throttle", "walled"), ("", "throttle")])
        # Back online: the state reaches it at its first check-in; both are walled in (Disconnect).
        self.start_box()
        for user, sid in (("alice", "A-1"), ("bob", "B-1")):
            seen = self.to_nas(user, 2, 30)
            self.assertEqual([e["code_name"] for e in seen], ["CoA-Request", "Disconnect-Request"], seen)
            self.stop_session(user, sid)  # the NAS confirms with its Stop
        shown = self.on_box("alice")
        self.assertEqual((shown["dunning"], shown["dunning-rate"]), ("walled", "256k/256k"))
        self.assertTrue(shown["dunning-url"].startswith("https://") and shown["dunning-url"].endswith(
            "/selfcare/acme/invoices"), shown)
        for user, sid in (("alice", "A-2"), ("bob", "B-2")):
            self.login(user, WALLED, walled=True)
            self.start_session(user, sid)

        # alice pays through the provider's hosted checkout. No nudge to the box from here on.
        invoice = m.ctl_json("invoice", "list", "--tenant", "acme", "--username", "alice")[0]
        checkout = m.ctl_json("checkout", "create", "--tenant", "acme", "--invoice", invoice["id"])
        paid_at = time.time()
        code, page = curl(checkout["url"], data="")
        self.assertEqual(code, 200, page)
        wait_for(lambda: m.ctl_json("invoice", "show", "--tenant", "acme", "--invoice", invoice["id"])["paid-minor"]
                 == invoice["total-minor"], timeout=20, what="the webhook paying the invoice")
        alice = self.standing("alice")
        self.assertEqual(alice["in-dunning"], [])
        self.assertEqual(alice["log"][0]["reason"], "a payment: nothing left open")
        seen = self.to_nas("alice", 3, 60 - (time.time() - paid_at))
        elapsed = time.time() - paid_at
        self.assertTrue(len(seen) >= 3 and self.restored(seen[-1]), seen)
        self.assertLess(elapsed, 60, f"alice's restore reached the NAS {elapsed:.1f} s after the payment")
        self.assertEqual(self.on_box("alice")["dunning"], "")
        self.stop_session("alice", "A-2")
        self.login("alice", FULL)  # back at the plan's full rate

        # bob pays at the cash desk while the box is offline; the box is started later.
        self.box.stop()
        owed = m.ctl_json("billing", "balance", "--tenant", "acme", "--username", "bob")[0]["owed-minor"]
        m.ctl("payment", "add", "--tenant", "acme", "--username", "bob", "--amount", f"{owed // 100}.{owed % 100:02d}")
        self.assertEqual(self.standing("bob")["in-dunning"], [])
        started_at = time.time()
        self.start_box()
        seen = self.to_nas("bob", 3, 60)
        elapsed = time.time() - started_at
        self.assertTrue(len(seen) >= 3 and self.restored(seen[-1]), seen)
        self.assertLess(elapsed, 60, f"bob's restore reached the NAS {elapsed:.1f} s after the box started")
        self.assertEqual({a["name"]: a["value"] for a in seen[-1]["attributes"]}["Acct-Session-Id"], "B-2")
        self.assertEqual(self.on_box("bob")["dunning"], "")
        self.login("bob", FULL)
        # The tenant has no one in dunning: the box goes back to the normal interval.
        wait_for(lambda: self.box.ctl_json("sync", "status")["poll-interval"] == 60, timeout=20,
                 what="the normal poll interval")
        m.ctl("billing", "verify", "--tenant", "acme")
        # One reminder each: moving on to walled and back mailed nothing more.
        for user in ("alice", "bob"):
            self.assertEqual(len([x for x in self.sink.received() if x["To"] == f"{user}@example.net" and
                                  x["Subject"].startswith("Payment overdue")]), 1)

    def test_2_another_tenants_token_reaches_no_dunning_route(self):
        m = self.mgmt
        m.ctl("tenant", "add", "--name", "globex", "--tier", "enterprise")
        other = m.ctl("token", "create", "--tenant", "globex", "--role", "tenant-owner").stdout.strip()
        them = [f"Authorization: Bearer {other}", "Content-Type: application/json"]
        for path in ("dunning-policy-get?tenant=acme", "dunning-status?tenant=acme",
                     "dunning-status?tenant=acme&username=alice"):
            code, body = curl(self.api + path, headers=them)
            self.assertEqual(code, 404, f"{path}: {body}")
        for route, args in (("dunning-policy-set", {"tenant": "acme", "steps": "off"}),
                            ("dunning-run", {"tenant": "acme"})):
            code, body = curl(self.api + route, data=json.dumps(args), headers=them)
            self.assertEqual(code, 404, f"{route}: {body}")
        # Their own tenant, naming acme's customer: not found like a missing one.
        code, body = curl(self.api + "dunning-status?username=alice", headers=them)
        self.assertEqual(code, 404, body)
        # acme's read-only token reads but does not change.
        viewer = m.ctl("token", "create", "--tenant", "acme", "--role", "tenant-read-only").stdout.strip()
        view = [f"Authorization: Bearer {viewer}", "Content-Type: application/json"]
        code, body = curl(self.api + "dunning-policy-get", headers=view)
        self.assertEqual(code, 200, body)
        self.assertEqual(len(json.loads(body)["data"]["steps"]), 3)
        code, body = curl(self.api + "dunning-policy-set", data=json.dumps({"steps": "off"}), headers=view)
        self.assertEqual(code, 403, body)
        code, body = curl(self.api + "dunning-policy-set", data=json.dumps({"steps": "[{\"after-days\": 0}]"}),
                          headers=[f"Authorization: Bearer {m.ctl('token', 'create', '--tenant', 'acme', '--role', 'tenant-billing').stdout.strip()}",
                                   "Content-Type: application/json"])
        self.assertEqual(code, 400, body)
        self.assertIn("steps[0].after-days", json.loads(body)["error"])


if __name__ == "__main__":
    unittest.main(verbosity=2)
