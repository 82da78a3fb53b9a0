"""Fleet monitoring end to end (issue 26, ADR 0054): a real mgmtd, a real edged enrolled in its
tenant with usage uploaded from RADIUS accounting, the SMS provider simulator
(tests/support/sms_provider_sim.py, Twilio's Messages API shape, which also receives the tenant's
webhook here) and the SMTP sink.

The box is stopped (goes silent): within a few check-in intervals mgmt opens an offline alert whose
impact lists alice and bob (their usage came from that box); alice is mailed (the outbox over SMTP,
template outage-notice with the tenant's branding), bob, who prefers SMS, gets one through the
simulator, and the tenant's webhook receives alert.opened with a signature the test verifies
(HMAC-SHA256 over "t.body"). Another tenant's token gets 404 on the alert routes and a read-only
token 403 on the settings. The box is started again: the alert closes and the webhook hears
alert.closed. Intervals are short through config: device-poll-interval 2 s, monitoring.missed-polls 2,
monitoring.check-interval 1 s.
Environment: EDGE_BIN = the build's bin folder (set by edge_integration_test()).
"""
import hashlib
import hmac
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
from mgmt_payments_test import curl, free_port  # noqa: E402
from smtp_sink import SmtpSink  # noqa: E402

SIM = os.path.join(os.path.dirname(__file__), "..", "support", "sms_provider_sim.py")
SID, TOKEN = "AC0123456789abcdef", "sim-auth-token"
HOOK_SECRET = "whsec-monitoring-0123456789"


class MonitoringEndToEnd(unittest.TestCase):
    @classmethod
    def setUpClass(cls):
        cls.sim = cls.sink = cls.mgmt = cls.box = None
        try:
            cls.start()
        except BaseException:
            cls.tearDownClass()
            raise

    @classmethod
    def start(cls):
        cls.tmp = TempDir("monitoring-e2e-")
        with open(os.path.join(cls.tmp.path, "sim.log"), "ab") as log:
            cls.sim = subprocess.Popen(["/usr/bin/python3", SIM, "--account-sid", SID, "--auth-token", TOKEN,
                                        "--receiver",
                                        "--state-dir", os.path.join(cls.tmp.path, "sim")],
                                       stdout=subprocess.PIPE, stderr=log, text=True)
        ready = json.loads(cls.sim.stdout.readline())
        cls.sim_url = ready["url"]
        cls.sink = SmtpSink().start()
        admin_port = free_port()
        cls.mgmt = Mgmtd(os.path.join(cls.tmp.path, "mgmt"), {
            "admin-api": {"listen": "127.0.0.1", "port": admin_port},
            "mail": {"smtp-url": cls.sink.url, "from": "noc@platform.example"},
            "device-poll-interval": 2,
            "monitoring": {"check-interval": 1, "missed-polls": 2, "notify-ca-file": ready["ca-file"]}}).start()
        cls.api = f"https://127.0.0.1:{admin_port}/api/v1/"
        m = cls.mgmt
        m.ctl("tenant", "add", "--name", "acme", "--tier", "enterprise")
        m.ctl("tenant", "add", "--name", "globex", "--tier", "enterprise")
        m.ctl("plan", "add", "--tenant", "acme", "--name", "home", "--down", "20M", "--up", "5M")
        for user in ("alice", "bob"):
            m.ctl("subscriber", "add", "--tenant", "acme", "--username", user, "--password", "pw-" + user,
                  "--plan", "home")
        m.ctl("customer", "add", "--tenant", "acme", "--name", "Alice", "--email", "alice@example.net",
              "--username", "alice")
        bob = m.ctl_json("customer", "add", "--tenant", "acme", "--name", "Bob", "--phone", "+15550002222",
                         "--email", "bob@example.net", "--username", "bob")["id"]
        m.ctl("notification-preference", "set", "--tenant", "acme", "--customer", bob, "--channel", "sms")
        m.ctl("notification-settings", "set", "--tenant", "acme", "--settings", json.dumps({
            "sms": True, "sms-api-url": cls.sim_url, "sms-account": SID, "sms-token": TOKEN,
            "sms-from": "+15550001111", "webhook-url": cls.sim_url + "/hooks/acme", "webhook-secret": HOOK_SECRET}))

        cls.box = Edged(os.path.join(cls.tmp.path, "box"), {"sync": {"max-backoff": 5}}).start()
        cls.box.ctl("nas", "add", "--name", "bras", "--address", "127.0.0.1", "--secret", SECRET.decode(),
                    "--vendor", "mikrotik")
        cls.box.ctl("enroll", m.ctl("claim", "create", "--tenant", "acme").stdout.strip())

    @classmethod
    def tearDownClass(cls):
        if cls.sim is not None:
            cls.sim.kill()
            cls.sim.wait()
            cls.sim.stdout.close()
        if cls.box is not None and cls.box.proc is not None:
            cls.box.stop()
        if cls.mgmt is not None:
            cls.mgmt.stop()
        if cls.sink is not None:
            cls.sink.stop()
        cls.tmp.cleanup()

    def sim_get(self, what):
        return json.loads(curl(self.sim_url + "/_sim/" + what)[1])

    def hooks(self, event):
        out = []
        for r in self.sim_get("requests"):
            body = json.loads(r["body"]) if r["path"] == "/hooks/acme" else {}
            # The box's own alarms (its health alerts) would come as kind "alarm": only the outage here.
            if body.get("event") == event and body.get("alert", {}).get("kind") == "offline":
                out.append(r)
        return out

    def alerts(self, state):
        return [a for a in self.mgmt.ctl_json("alert", "list", "--tenant", "acme", "--state", state)["alerts"]
                if a["kind"] == "offline"]

    def verify(self, request):
        """The receiver's check: Edge-Signature t=T,v1=HMAC-SHA256(secret, "T.body"), T fresh."""
        fields = dict(p.split("=", 1) for p in request["headers"]["edge-signature"].split(","))
        t = fields["t"]
        self.assertEqual(t, request["headers"]["edge-timestamp"])
        self.assertLess(abs(time.time() - int(t)), 300)
        want = hmac.new(HOOK_SECRET.encode(), f"{t}.{request['body']}".encode(), hashlib.sha256).hexdigest()
        self.assertTrue(hmac.compare_digest(fields["v1"], want), request)

    def test_box_goes_silent_customers_are_told_and_the_alert_closes_when_it_is_back(self):
        m = self.mgmt
        status = self.box.ctl_json("status")["radius"]
        on_box = lambda user: self.box.ctl("subscriber", "show", user, check=False).returncode == 0  # noqa: E731
        wait_for(lambda: on_box("alice") and on_box("bob"), timeout=20, what="the subscribers on the box")
        # Usage on the box, uploaded to mgmt: what the impact is computed from.
        for i, user in enumerate(("alice", "bob")):
            sid = f"S-{user}"
            for kind, counters in ((1, (0, 0, 0)), (2, (1000, 2000, 30))):
                r = rp.exchange(status["acct-port"], acct_packet(kind, user, sid, counters, terminate=1 if kind == 2 else None,
                                                                 pkt_id=10 * i + kind), SECRET)
                self.assertEqual(r.code, 5)
        self.box.ctl("sync", "now")
        wait_for(lambda: {r["username"] for r in m.ctl_json("usage", "--tenant", "acme")} >= {"alice", "bob"},
                 timeout=20, what="the usage uploaded to mgmt")
        self.assertEqual(self.alerts("open"), [])
        # The box reports its active alerts in each check-in's health (a fleet alarm while any holds).
        reported = m.ctl_json("device", "list", "--tenant", "acme")[0]["reported"]
        self.assertIsInstance(reported["health"]["alerts"], list, reported)

        # The box goes silent: an offline alert with its two customers.
        stopped = time.time()
        self.box.stop()
        wait_for(lambda: len(self.alerts("open")) == 1, timeout=30, what="the offline alert")
        opened_after = time.time() - stopped
        alert = self.alerts("open")[0]
        self.assertEqual((alert["kind"], alert["affected"]), ("offline", 2), alert)
        shown = m.ctl_json("alert", "show", "--tenant", "acme", "--id", str(alert["id"]))
        self.assertEqual([c["username"] for c in shown["customers"]], ["alice", "bob"], shown)

        # alice by email through the outbox and SMTP; bob by SMS; the tenant's webhook, signed. (Retries
        # with backoff are mgmt_monitoring_tests': they would take 30 s here.)
        mail = self.sink.wait_for(lambda x: x["To"] == "alice@example.net")[0]
        self.assertIn("service interruption", mail["Subject"])
        self.assertIn("Hello Alice", mail.get_body(preferencelist=("plain",)).get_content())
        wait_for(lambda: len(self.sim_get("messages")) == 1, timeout=20, what="bob's SMS")
        sms = self.sim_get("messages")[0]
        self.assertEqual((sms["to"], sms["from"]), ("+15550002222", "+15550001111"))
        self.assertIn("down since", sms["body"])
        wait_for(lambda: self.hooks("alert.opened"), timeout=20, what="the webhook")
        hook = self.hooks("alert.opened")[0]
        self.verify(hook)
        self.assertEqual(json.loads(hook["body"])["alert"]["affected"], 2)
        self.assertEqual([x for x in self.sink.received() if x["To"] == "bob@example.net"], [])
        log = m.ctl_json("notification", "log", "--tenant", "acme")["notifications"]
        self.assertEqual(sorted(n["channel"] for n in log if n["source-id"] == alert["id"]), ["email", "sms", "webhook"], log)
        print(f"offline alert opened {opened_after:.1f} s after the box stopped", file=sys.stderr)

        # Tenants see only their own: globex's token gets 404 naming acme's alert, a reader 403 on settings.
        globex = m.ctl("token", "create", "--tenant", "globex", "--role", "tenant-owner").stdout.strip().splitlines()[-1]
        reader = m.ctl("token", "create", "--tenant", "acme", "--role", "tenant-read-only").stdout.strip().splitlines()[-1]
        auth = lambda t: ("-H", f"Authorization: Bearer {t}")  # noqa: E731
        code, body = curl(self.api + f"alert-show?tenant=acme&id={alert['id']}", *auth(globex))
        self.assertEqual(code, 404, body)
        code, body = curl(self.api + "alert-list", *auth(globex))
        self.assertEqual((code, json.loads(body)["data"]["alerts"]), (200, []), body)
        code, body = curl(self.api + "notification-log?tenant=acme", *auth(globex))
        self.assertEqual(code, 404, body)
        code, body = curl(self.api + "notification-settings-set", *auth(reader), "-X", "POST",
                          data=json.dumps({"tenant": "acme", "settings": "{\"email\": false}"}),
                          headers=("Content-Type: application/json",))
        self.assertEqual(code, 403, body)
        code, body = curl(self.api + "notification-settings-get?tenant=acme", *auth(reader))
        self.assertEqual(code, 200, body)
        self.assertEqual(json.loads(body)["data"]["sms-token"], "(set)")

        # The box is back: the alert closes, the webhook hears of it.
        self.box.start()
        wait_for(lambda: self.alerts("open") == [] and len(self.alerts("closed")) == 1, timeout=30,
                 what="the alert closed")
        wait_for(lambda: self.hooks("alert.closed"), timeout=20, what="the closing webhook")
        self.verify(self.hooks("alert.closed")[0])
        self.assertEqual(len(self.sim_get("messages")), 1)  # customers are not told twice


if __name__ == "__main__":
    unittest.main()
