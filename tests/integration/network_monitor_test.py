"""The ISP's network devices polled by the box over SNMP, and mgmt mapping a device outage to customers
(issue 26, ADR 0062), end to end: a real snmpd (Debian's, on a private port with a private config and
state folder) is both the polled switch "sw1" that serves NAS "bras" (SNMPv2c) and router "r1"
(SNMPv3 authPriv, SHA and AES, no NAS); a real edged polls them every second (network.failures 2)
and checks in with a real mgmtd every 2 s; the SMTP sink receives the mail.

alice's session ran through bras (127.0.0.1), bob's through another NAS (127.0.0.2); carol is online
through bras (a Start, no Stop: the box reports her in its check-ins' open sessions, ADR 0074). snmpd is
killed: the box raises device-unreachable (edgectl events, edged_network_device_reachable 0) and mgmt
opens a device-unreachable alert per device: sw1's impact is alice and carol (both mailed), r1's nobody. snmpd is started again: the box
sees the device back (and rebooted: its sysUpTime went back), mgmt closes the alert.
Before that, the operator describes sw1 as hanging off r1 at the box's site (ADR 0068): r1's alert then
counts alice and carol too, both alerts share the site's group, and each is told once.
Environment: EDGE_BIN = the build's bin folder (set by edge_integration_test()).
"""
import json
import os
import re
import signal
import socket
import subprocess
import sys
import time
import unittest
import urllib.request

sys.path.insert(0, os.path.dirname(__file__))
from edgelib import Edged, Mgmtd, TempDir, wait_for  # noqa: E402
import radius_peer as rp  # noqa: E402
from radius_acct_test import acct_packet, SECRET  # noqa: E402
from mgmt_payments_test import free_port  # noqa: E402
from smtp_sink import SmtpSink  # noqa: E402

COMMUNITY = "poll-community-42"
USER, AUTH_PASS, PRIV_PASS = "poller", "auth-pass-0123", "priv-pass-4567"


def free_udp_port():
    with socket.socket(socket.AF_INET, socket.SOCK_DGRAM) as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


class NetworkMonitoring(unittest.TestCase):
    @classmethod
    def setUpClass(cls):
        cls.snmpd = cls.sink = cls.mgmt = cls.box = None
        try:
            cls.start()
        except BaseException:
            cls.tearDownClass()
            raise

    @classmethod
    def start(cls):
        cls.tmp = TempDir("netmon-e2e-")
        t = cls.tmp.path
        cls.snmp_port = free_udp_port()
        cls.conf = os.path.join(t, "snmpd.conf")
        with open(cls.conf, "w") as f:
            f.write(f"agentaddress udp:127.0.0.1:{cls.snmp_port}\nrocommunity {COMMUNITY} 127.0.0.1\n"
                    f'createUser {USER} SHA "{AUTH_PASS}" AES "{PRIV_PASS}"\nrouser {USER} priv\nmaster no\n')
        cls.start_snmpd()
        cls.sink = SmtpSink().start()
        cls.mgmt = Mgmtd(os.path.join(t, "mgmt"), {
            "admin-api": {"listen": "127.0.0.1", "port": free_port()},
            "mail": {"smtp-url": cls.sink.url, "from": "noc@platform.example"},
            "device-poll-interval": 2,
            # The box itself never goes silent here: a generous missed-polls keeps a loaded machine's late
            # check-in from opening an offline alert (whose impact would be bob too).
            "monitoring": {"check-interval": 1, "missed-polls": 5}}).start()
        m = cls.mgmt
        m.ctl("tenant", "add", "--name", "acme", "--tier", "enterprise")
        m.ctl("plan", "add", "--tenant", "acme", "--name", "home", "--down", "20M", "--up", "5M")
        for user in ("alice", "bob", "carol"):
            m.ctl("subscriber", "add", "--tenant", "acme", "--username", user, "--password", "pw-" + user,
                  "--plan", "home")
            m.ctl("customer", "add", "--tenant", "acme", "--name", user.title(), "--email", f"{user}@example.net",
                  "--username", user)
        cls.box = Edged(os.path.join(t, "box"), {
            "sync": {"max-backoff": 5},
            "network": {"poll-interval": 1, "timeout-ms": 300, "failures": 2, "devices": [
                {"name": "sw1", "address": "127.0.0.1", "port": cls.snmp_port, "community": COMMUNITY,
                 "kind": "switch", "nas": "bras"},
                {"name": "r1", "address": "127.0.0.1", "port": cls.snmp_port, "kind": "router",
                 "user": USER, "auth-password": AUTH_PASS, "priv-password": PRIV_PASS}]}}).start()
        for name, address in (("bras", "127.0.0.1"), ("other", "127.0.0.2")):
            cls.box.ctl("nas", "add", "--name", name, "--address", address, "--secret", SECRET.decode(),
                        "--vendor", "mikrotik")
        cls.box.ctl("enroll", m.ctl("claim", "create", "--tenant", "acme").stdout.strip())

    @classmethod
    def start_snmpd(cls):
        env = dict(os.environ, MIBS="", SNMP_PERSISTENT_DIR=os.path.join(cls.tmp.path, "snmpd-state"))
        cls.snmpd = subprocess.Popen(["snmpd", "-f", "-C", "-c", cls.conf, "-Lf", os.path.join(cls.tmp.path, "snmpd.log")],
                                     env=env, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)

    @classmethod
    def tearDownClass(cls):
        if cls.box is not None and cls.box.proc is not None:
            cls.box.stop()
        if cls.mgmt is not None:
            cls.mgmt.stop()
        if cls.sink is not None:
            cls.sink.stop()
        if cls.snmpd is not None and cls.snmpd.poll() is None:
            cls.snmpd.kill()
            cls.snmpd.wait()
        cls.tmp.cleanup()

    def metric(self, name, device="sw1"):
        text = urllib.request.urlopen(self.metrics_url, timeout=5).read().decode()
        m = re.search(r'^' + name + r'\{device="' + device + r'"\} (\d+)$', text, re.M)
        return int(m.group(1)) if m else None

    def box_alerts(self, kind):
        return self.box.ctl_json("events", "--kind", "alert " + kind, "--limit", "50")

    def device_alerts(self, state):
        return [a for a in self.mgmt.ctl_json("alert", "list", "--tenant", "acme", "--state", state)["alerts"]
                if a["kind"] == "device-unreachable"]

    def test_a_switch_down_is_an_alert_on_the_box_and_on_mgmt_with_the_customers_of_its_nas(self):
        m = self.mgmt
        status = self.box.ctl_json("status")
        self.metrics_url = status["metrics-url"]
        acct_port = status["radius"]["acct-port"]
        on_box = lambda user: self.box.ctl("subscriber", "show", user, check=False).returncode == 0  # noqa: E731
        wait_for(lambda: on_box("alice") and on_box("bob") and on_box("carol"), timeout=20,
                 what="the subscribers on the box")
        # The device answers: reachable, with its uptime and interfaces.
        wait_for(lambda: self.metric("edged_network_device_reachable") == 1 and
                 self.metric("edged_network_device_reachable", "r1") == 1, timeout=15, what="sw1 and r1 polled")
        self.assertEqual(self.metric("edged_network_device_poll_failures_total"), 0)
        self.assertEqual(self.metric("edged_network_device_poll_failures_total", "r1"), 0)  # SNMPv3 authPriv
        # alice's session through bras (127.0.0.1), bob's through other (127.0.0.2); both closed.
        for i, (user, source) in enumerate((("alice", "127.0.0.1"), ("bob", "127.0.0.2"))):
            for kind, counters in ((1, (0, 0, 0)), (2, (1000, 2000, 30))):
                r = rp.exchange(acct_port, acct_packet(kind, user, f"S-{user}", counters,
                                                       terminate=1 if kind == 2 else None, pkt_id=10 * i + kind),
                                SECRET, source=source)
                self.assertEqual(r.code, 5)
        # carol stays online through bras: a Start and no Stop.
        r = rp.exchange(acct_port, acct_packet(1, "carol", "S-carol", (0, 0, 0), pkt_id=31), SECRET, source="127.0.0.1")
        self.assertEqual(r.code, 5)
        self.box.ctl("sync", "now")
        wait_for(lambda: {(s["username"], s["nas"]) for s in m.ctl_json("session", "list", "--tenant", "acme")}
                 >= {("alice", "bras"), ("bob", "other")}, timeout=20, what="the sessions uploaded to mgmt")
        # mgmt keeps what the check-ins say of the device.
        wait_for(lambda: [d["name"] for d in (m.ctl_json("device", "list", "--tenant", "acme")[0]["reported"]
                                              .get("health", {}).get("network", []))] == ["sw1", "r1"],
                 timeout=20, what="sw1 in the check-in")
        self.assertEqual(self.device_alerts("open"), [])
        self.assertEqual(self.box_alerts("device-unreachable"), [])

        # The operator's description (ADR 0068): sw1 hangs off r1, both at the box's site "Hill Road".
        box = m.ctl_json("device", "list", "--tenant", "acme")[0]["id"]
        wait_for(lambda: len(m.ctl_json("network-device", "list", "--tenant", "acme")["devices"]) == 2, timeout=10,
                 what="the monitoring pass keeping sw1 and r1")
        m.ctl("network-device", "put", "--tenant", "acme", "--box", box, "--name", "sw1", "--upstream", "r1",
              "--note", "rack 2")
        m.ctl("box-site", "set", "--tenant", "acme", "--box", box, "--site", "Hill Road")
        refused = m.ctl("network-device", "put", "--tenant", "acme", "--box", box, "--name", "r1", "--upstream", "sw1",
                        check=False)
        self.assertNotEqual(refused.returncode, 0)
        self.assertIn("upstream: sw1 already hangs off r1", refused.stdout + refused.stderr)
        refused = m.ctl("network-device", "put", "--tenant", "acme", "--box", box, "--name", "sw1", "--upstream", "nope",
                        check=False)
        self.assertIn(f"upstream: box {box} has no device 'nope'", refused.stdout + refused.stderr)
        # Another tenant neither sees nor describes acme's devices.
        m.ctl("tenant", "add", "--name", "rival", "--tier", "enterprise")
        refused = m.ctl("network-device", "put", "--tenant", "rival", "--box", box, "--name", "sw1", check=False)
        self.assertIn(f"box: no box '{box}'", refused.stdout + refused.stderr)
        self.assertEqual(m.ctl_json("network-device", "list", "--tenant", "rival")["devices"], [])
        listed = {d["name"]: d for d in m.ctl_json("network-device", "list", "--tenant", "acme")["devices"]}
        self.assertEqual(sorted(listed), ["r1", "sw1"])
        self.assertEqual((listed["sw1"]["upstream"], listed["sw1"]["site"], listed["sw1"]["note"]),
                         ("r1", "Hill Road", "rack 2"))
        self.assertEqual((listed["r1"]["downstream"], listed["r1"]["nas-served"], listed["r1"]["subscribers"]),
                         (["sw1"], ["bras"], 1))  # alice's session ran through bras, behind sw1
        # carol is online through bras, as the box's check-ins report (ADR 0074).
        wait_for(lambda: {d["name"]: d["online"] for d in m.ctl_json("network-device", "list", "--tenant", "acme")
                          ["devices"]} == {"r1": 1, "sw1": 1}, timeout=10, what="carol online through bras on mgmt")
        self.assertNotIn("live", m.ctl_json("device", "list", "--tenant", "acme")[0]["reported"])
        self.assertTrue(listed["r1"]["reported"] and listed["r1"]["reachable"] and listed["r1"]["reported-at"] > 0)

        # A reboot is the uptime going back: the box has to have seen some (the restarted snmpd answers
        # its first poll within about 2 s of uptime).
        wait_for(lambda: self.metric("edged_network_device_uptime_seconds") >= 4 and
                 self.metric("edged_network_device_uptime_seconds", "r1") >= 4, timeout=10, what="4 s of uptime seen")

        # The switch goes away: the box's alert after 2 failed polls, then mgmt's, with alice only.
        killed = time.time()
        self.snmpd.send_signal(signal.SIGKILL)
        self.snmpd.wait()
        wait_for(lambda: len(self.box_alerts("device-unreachable")) == 2, timeout=15, what="device-unreachable on the box")
        details = sorted(e["detail"] for e in self.box_alerts("device-unreachable"))
        self.assertTrue(details[0].startswith("router r1 has not answered") and
                        details[1].startswith("switch sw1 (NAS bras) has not answered"), details)
        self.assertEqual(self.metric("edged_network_device_reachable"), 0)
        wait_for(lambda: len(self.device_alerts("open")) == 2, timeout=20, what="the device alerts on mgmt")
        opened_after = time.time() - killed
        alert = next(a for a in self.device_alerts("open") if "sw1" in a["detail"])
        self.assertIn("switch sw1 (NAS bras)", alert["detail"])
        router = next(a for a in self.device_alerts("open") if "r1" in a["detail"])
        # r1 serves no NAS itself, but sw1 hangs off it: alice's session through bras stops with it too,
        # and carol's, open when it went down.
        self.assertEqual(router["affected"], 2, router)
        self.assertEqual(alert["affected"], 2, alert)
        # One site, one group: alice and carol are told once each.
        self.assertEqual((alert["site"], router["site"]), ("Hill Road", "Hill Road"))
        self.assertEqual(alert["group"], router["group"])
        told = [n for n in m.ctl_json("notification", "log", "--tenant", "acme")["notifications"]
                if n["channel"] == "email" and n["recipient"] == "alice@example.net"]
        self.assertEqual(len(told), 1, told)
        told = [n for n in m.ctl_json("notification", "log", "--tenant", "acme")["notifications"]
                if n["channel"] == "email" and n["recipient"] == "carol@example.net"]
        self.assertEqual(len(told), 1, told)
        listed = {d["name"]: d for d in m.ctl_json("network-device", "list", "--tenant", "acme")["devices"]}
        self.assertFalse(listed["sw1"]["reachable"])
        self.assertEqual(listed["sw1"]["alert"], alert["id"])
        shown = m.ctl_json("alert", "show", "--tenant", "acme", "--id", str(alert["id"]))
        self.assertEqual([c["username"] for c in shown["customers"]], ["alice", "carol"], shown)
        mail = self.sink.wait_for(lambda x: x["To"] == "alice@example.net")[0]
        self.assertIn("service interruption", mail["Subject"])
        mail = self.sink.wait_for(lambda x: x["To"] == "carol@example.net")[0]
        self.assertIn("service interruption", mail["Subject"])
        self.assertEqual([x for x in self.sink.received() if x["To"] == "bob@example.net"], [])
        # Not the box's own health: no fleet alarm for the box, the box is not offline.
        kinds = {a["kind"] for a in m.ctl_json("alert", "list", "--tenant", "acme", "--state", "open")["alerts"]}
        self.assertEqual(kinds, {"device-unreachable"})
        print(f"device alert on mgmt {opened_after:.1f} s after snmpd was killed", file=sys.stderr)

        # The switch is back (snmpd restarted: a reboot to the box); mgmt closes the alert.
        self.start_snmpd()
        wait_for(lambda: self.metric("edged_network_device_reachable") == 1, timeout=15, what="sw1 back")
        wait_for(lambda: self.device_alerts("open") == [] and len(self.device_alerts("closed")) == 2, timeout=20,
                 what="the device alerts closed")
        wait_for(lambda: self.box_alerts("device-rebooted"), timeout=10, what="device-rebooted on the box")
        self.assertEqual(self.metric("edged_network_device_reboots_total"), 1)
        self.assertEqual(len(self.box_alerts("device-unreachable")), 2)  # one episode, one alert per device


if __name__ == "__main__":
    unittest.main()
