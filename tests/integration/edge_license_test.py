"""The license on the box (edge/app/edged.cpp's license gate, edge/license/license_store.cpp's clock guard): grace
days allow changes and their end freezes them (the second expiry notification), the tier's features
gate vouchers, fair use, SNMP and the captive portal (`gateway-off`), and a clock set back is an
event, a counter and part of the check-in report. Each test has its own edged and license key."""
import os
import re
import sys
import time
import unittest

sys.path.insert(0, os.path.dirname(__file__))
from edgelib import Edged, Mgmtd, TempDir, wait_for  # noqa: E402
from license_maker import LicenseKey  # noqa: E402
import radius_peer as rp  # noqa: E402

SECRET = b"license-test-secret-0123"
DAY = 86400


class BoxLicense(unittest.TestCase):
    def setUp(self):
        self.tmp = TempDir("edge-license-")
        self.addCleanup(self.tmp.cleanup)
        self.key = LicenseKey(os.path.join(self.tmp.path, "keys"))

    def box(self, extra=None, license_file=None, start=True, clock_high=None):
        config = {"license": {"trusted-key": self.key.trusted_key}}
        config.update(extra or {})
        edged = Edged(os.path.join(self.tmp.path, "box"), extra=config)
        os.makedirs(edged.data_dir, exist_ok=True)
        if license_file:  # installed before this start (as enrollment or an earlier install leaves it)
            with open(license_file) as src, open(os.path.join(edged.data_dir, "license.json"), "w") as dst:
                dst.write(src.read())
        if clock_high:
            with open(os.path.join(edged.data_dir, "clock-high"), "w") as f:
                f.write(f"{clock_high}\n")
        if start:
            edged.start()
            self.addCleanup(edged.stop)
        return edged

    def install(self, edged, tier, **overrides):
        r = edged.ctl("license", "install", self.key.sign(tier, **overrides))
        self.assertIn("installed", r.stdout)
        return edged.ctl_json("license", "show")

    @staticmethod
    def kinds(edged):
        return [e["kind"] for e in edged.ctl_json("events", "--limit", "200")]

    @staticmethod
    def alerts(edged, kind):
        return [e["detail"] for e in edged.ctl_json("events", "--limit", "200") if e["kind"] == "alert " + kind]

    @staticmethod
    def refusals(edged):
        return edged.ctl_json("status")["counters"]["edged_license_refusals_total"]

    def test_grace_days_allow_changes_and_their_end_freezes_them(self):
        edged = self.box()
        now = int(time.time())
        lic = self.install(edged, "basic", expires_at=now - 2 * DAY + 3600, not_before=now - 30 * DAY, grace_days=14)
        self.assertEqual(lic["state"], "grace")
        self.assertEqual(lic["days-to-expiry"], -2)  # expired 1 day and 23 hours ago: floor(-1.96)
        # In the grace days every management change still works.
        edged.ctl("nas", "add", "--name", "bras", "--address", "127.0.0.1", "--secret", SECRET.decode())
        edged.ctl("plan", "add", "--name", "home", "--down", "10M", "--up", "2M", "--validity", "1d")
        edged.ctl("subscriber", "add", "--username", "alice", "--password", "pw-alice", "--plan", "home")
        edged.ctl("subscriber", "set", "--username", "alice", "--status", "active")
        edged.ctl("voucher", "generate", "--plan", "home", "--count", "1", "--batch", "grace")
        self.assertEqual(self.refusals(edged), 0)
        first = wait_for(lambda: self.alerts(edged, "license-expired"), timeout=15, what="the license-expired alert")
        self.assertEqual(len(first), 1)
        self.assertIn("has expired; 14 grace days, then management changes are frozen", first[0])

        # A license whose grace days are over: the second notification, and changes are frozen.
        lic = self.install(edged, "basic", expires_at=now - 20 * DAY, not_before=now - 60 * DAY, grace_days=14)
        self.assertEqual(lic["state"], "expired")
        second = wait_for(lambda: len(a := self.alerts(edged, "license-expired")) == 2 and a, timeout=15,
                          what="the second license-expired alert")
        self.assertIn("expired and its grace days are over: management changes are frozen, subscribers are still "
                      "served", second[0])
        for args in (("subscriber", "add", "--username", "bob", "--password", "pw", "--plan", "home"),
                     ("subscriber", "set", "--username", "alice", "--status", "suspended"),
                     ("plan", "add", "--name", "more", "--down", "1M", "--up", "1M"),
                     ("nas", "add", "--name", "pop2", "--address", "127.0.0.2", "--secret", SECRET.decode()),
                     ("voucher", "generate", "--plan", "home", "--count", "1")):
            with self.subTest(command=args[:2]):
                r = edged.ctl(*args, check=False)
                self.assertEqual(r.returncode, 1)
                self.assertIn("-day grace period is over: management changes are frozen until a renewed license "
                              "arrives (existing subscribers are still served)", r.stderr)
        self.assertEqual(self.refusals(edged), 5)
        # Existing subscribers are still served, and reading still works.
        port = edged.ctl_json("status")["radius"]["auth-port"]
        raw, _ = rp.access_request(SECRET, "alice", "pw-alice")
        self.assertEqual(rp.exchange(port, raw, SECRET).code, rp.ACCESS_ACCEPT)
        self.assertEqual(edged.ctl_json("subscriber", "show", "alice")["status"], "active")
        self.assertEqual(edged.ctl_json("subscriber", "list")["total"], 2)  # alice and the voucher; bob was refused
        # A renewed license thaws it.
        self.assertEqual(self.install(edged, "basic")["state"], "valid")
        edged.ctl("subscriber", "add", "--username", "bob", "--password", "pw", "--plan", "home")

    def test_features_follow_the_tier(self):
        edged = self.box()
        self.install(edged, "free")
        edged.ctl("plan", "add", "--name", "home", "--down", "10M", "--up", "2M", "--validity", "1d")
        r = edged.ctl("voucher", "generate", "--plan", "home", "--count", "1", check=False)
        self.assertEqual(r.returncode, 1)
        self.assertIn("vouchers are not part of the free tier's license", r.stderr)
        for args in (("plan", "add", "--name", "fup", "--down", "10M", "--up", "2M", "--fup", "1GB:1M/1M"),
                     ("plan", "set", "--name", "home", "--fup", "1GB:block")):
            r = edged.ctl(*args, check=False)
            self.assertEqual(r.returncode, 1)
            self.assertIn("fair-use rules are not part of the free tier's license", r.stderr)
        edged.ctl("plan", "set", "--name", "home", "--fup", "none")  # clearing is no use of the feature
        self.assertEqual(self.refusals(edged), 3)
        self.assertEqual(edged.ctl_json("voucher", "list"), [])
        self.assertEqual([p["name"] for p in edged.ctl_json("plan", "list")], ["home"])

        self.install(edged, "basic")  # vouchers, still no fair use
        edged.ctl("voucher", "generate", "--plan", "home", "--count", "1")
        r = edged.ctl("plan", "set", "--name", "home", "--fup", "1GB:block", check=False)
        self.assertIn("fair-use rules are not part of the basic tier's license", r.stderr)
        self.install(edged, "premium")
        edged.ctl("plan", "set", "--name", "home", "--fup", "1GB:block")
        self.assertEqual(edged.ctl_json("plan", "list")[0]["fup"], ["1GB:block"])
        self.assertEqual(self.refusals(edged), 4)

    def test_vouchers_count_against_the_subscriber_cap(self):
        # Each voucher is a subscriber: a batch past the cap is refused whole, naming the cap.
        edged = self.box()
        self.install(edged, "basic", subscriber_cap=10)
        edged.ctl("plan", "add", "--name", "home", "--down", "10M", "--up", "2M", "--validity", "1d")
        edged.ctl("subscriber", "add", "--username", "ann", "--password", "pw-ann", "--plan", "home")
        edged.ctl("voucher", "generate", "--plan", "home", "--count", "9")
        r = edged.ctl("voucher", "generate", "--plan", "home", "--count", "1", check=False)
        self.assertEqual(r.returncode, 1)
        self.assertIn("the license allows 10 subscribers", r.stderr)
        self.assertEqual(len(edged.ctl_json("voucher", "list")), 9)

    def test_snmp_follows_the_license(self):
        # Nothing listens on the AgentX socket: the subagent runs (and keeps trying) or is off.
        edged = self.box({"snmp": {"enabled": True, "agentx-socket": os.path.join(self.tmp.path, "agentx.sock"),
                                   "ping-interval": 1}})
        self.assertTrue(edged.ctl_json("status")["snmp"]["running"], "a box without a license is standalone")
        self.install(edged, "free")
        wait_for(lambda: "snmp-off" in self.kinds(edged), timeout=10, what="the snmp-off event")
        self.assertFalse(edged.ctl_json("status")["snmp"]["running"])
        self.assertIn("SNMP is not part of the free tier's license: the subagent is off", edged.read_log())
        self.install(edged, "basic")
        wait_for(lambda: edged.ctl_json("status")["snmp"]["running"], timeout=10, what="the subagent back")
        self.assertEqual(self.kinds(edged).count("snmp-off"), 1)

    def test_snmp_is_off_from_the_start_without_the_feature(self):
        edged = self.box({"snmp": {"enabled": True, "agentx-socket": os.path.join(self.tmp.path, "agentx.sock")}},
                         license_file=self.key.sign("free"))
        self.assertFalse(edged.ctl_json("status")["snmp"]["running"])
        self.assertIn("snmp.enabled is set but SNMP is not part of the free tier's license", edged.read_log())

    def test_gateway_off_without_the_captive_portal(self):
        gateway = {"gateway": {"enabled": True, "lan-interface": "edgeit-nolan0", "wan-interface": "edgeit-nowan0"}}
        without = self.key.sign("basic", features=["vouchers", "snmp"])
        edged = self.box(gateway, license_file=without)
        status = edged.ctl_json("status")
        self.assertNotIn("gateway", status, "the gateway did not start")
        events = edged.ctl_json("events")
        off = [e for e in events if e["kind"] == "gateway-off"]
        self.assertEqual(len(off), 1)
        self.assertEqual(off[0]["detail"], "not part of the basic tier's license")
        self.assertIn("gateway: the captive portal is not part of the basic tier's license: the gateway is off",
                      edged.read_log())
        edged.stop()
        # The positive control: with the feature, the same config does start the gateway, which then
        # stops edged because these interfaces do not exist (nothing on the host is touched first).
        with_portal = self.key.sign("basic")
        again = self.box(gateway, license_file=with_portal, start=False)
        again.start(wait=False)
        rc = again.proc.wait(timeout=20)
        again.log.close()
        self.assertEqual(rc, 1)
        self.assertIn("gateway.lan-interface: no interface named 'edgeit-nolan0'", again.read_log())

    def test_a_clock_set_back_is_an_event_a_counter_and_in_the_check_in_report(self):
        # The box has seen a time two days ahead of now: to it, the clock was set back two days.
        now = int(time.time())
        mgmt = Mgmtd(os.path.join(self.tmp.path, "mgmt"), {"device-poll-interval": 1}).start()
        self.addCleanup(mgmt.stop)
        mgmt.ctl("tenant", "add", "--name", "acme", "--tier", "basic")
        edged = self.box({"sync": {"max-backoff": 5}}, clock_high=now + 2 * DAY)
        event = wait_for(lambda: [e for e in edged.ctl_json("events") if e["kind"] == "clock-rollback"], timeout=15,
                         what="the clock-rollback event")
        m = re.match(r"^the clock is (\d+) s behind the latest time this box has seen: licenses are judged at that "
                     r"time$", event[0]["detail"])
        self.assertIsNotNone(m, event[0]["detail"])
        self.assertGreaterEqual(int(m.group(1)), 2 * DAY - 600)  # less the seconds edged took to look
        self.assertLessEqual(int(m.group(1)), 2 * DAY + 1)
        self.assertIn("clock: the clock is ", edged.read_log())
        # A license expiring tomorrow is judged two days ahead: in its grace days, not 'expiring'.
        self.assertEqual(self.install(edged, "basic", expires_at=now + DAY)["state"], "grace")
        # Reported once, however often the clock is read meanwhile (status, license show, every tick).
        for _ in range(20):
            edged.ctl_json("license", "show")
            time.sleep(0.1)
        status = edged.ctl_json("status")
        self.assertEqual(status["counters"]["edged_clock_rollbacks_total"], 1)
        self.assertEqual(self.kinds(edged).count("clock-rollback"), 1)
        # The check-in report carries it to the management plane.
        token = mgmt.ctl("claim", "create", "--tenant", "acme").stdout.strip()
        edged.ctl("enroll", token)
        device = edged.ctl_json("sync", "status")["device-id"]

        def reported():
            for d in mgmt.ctl_json("device", "list", "--tenant", "acme"):
                if d["id"] == device and d["reported"].get("health", {}).get("clock-rollback-seconds"):
                    return d["reported"]["health"]["clock-rollback-seconds"]
            return None
        seconds = wait_for(reported, timeout=20, what="the rollback in the check-in report")
        self.assertGreaterEqual(seconds, 2 * DAY - 600)
        self.assertLessEqual(seconds, 2 * DAY + 1)


if __name__ == "__main__":
    unittest.main(verbosity=2)
