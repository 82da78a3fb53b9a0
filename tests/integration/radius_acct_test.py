"""RADIUS accounting end to end: the real edged, radclient and pyrad as NAS, the ledger read back
through edgectl."""
import os
import socket
import struct
import subprocess
import sys
import time
import unittest

sys.path.insert(0, os.path.dirname(__file__))
from edgelib import Edged, TempDir  # noqa: E402
import radius_peer as rp  # noqa: E402

SECRET = b"acct-secret-0123456789"
GIB = 1 << 30


def radclient(port, kind, lines):
    r = subprocess.run(["radclient", "-x", "-r", "1", "-t", "3", f"127.0.0.1:{port}", kind, SECRET.decode()],
                       input="\n".join(lines) + "\n", capture_output=True, text=True, timeout=30)
    return r.returncode, r.stdout + r.stderr


def acct_lines(status, user, session, in_octets=0, out_octets=0, session_time=0, extra=()):
    lines = [f"Acct-Status-Type = {status}", f'User-Name = "{user}"', f'Acct-Session-Id = "{session}"',
             "NAS-Port = 7", 'Calling-Station-Id = "02-00-00-00-00-07"', "Framed-IP-Address = 100.64.1.7",
             f"Acct-Input-Octets = {in_octets & 0xffffffff}", f"Acct-Output-Octets = {out_octets & 0xffffffff}",
             f"Acct-Input-Gigawords = {in_octets >> 32}", f"Acct-Output-Gigawords = {out_octets >> 32}",
             f"Acct-Session-Time = {session_time}", "Acct-Input-Packets = 10", "Acct-Output-Packets = 20"]
    return lines + list(extra)


def acct_packet(status, user=None, session=None, counters=(0, 0, 0), terminate=None, pkt_id=1, delay=0):
    return rp.accounting_request(SECRET, status, user, session, counters, terminate, pkt_id, delay)


class RadiusAccounting(unittest.TestCase):
    @classmethod
    def setUpClass(cls):
        cls.tmp = TempDir()
        cls.edged = Edged(cls.tmp.path, extra={"accounting": {"stale-default-seconds": 10}}).start()
        ctl = cls.edged.ctl
        ctl("nas", "add", "--name", "bras", "--address", "127.0.0.1", "--secret", SECRET.decode(), "--vendor",
            "accel-ppp")
        ctl("plan", "add", "--name", "single", "--down", "10M", "--up", "5M", "--max-sessions", "1", "--interim", "0")
        for user in ("alice", "bob", "carol", "dave", "erin"):
            ctl("subscriber", "add", "--username", user, "--password", user + "-pw", "--plan", "single")
        status = cls.edged.ctl_json("status")["radius"]
        cls.auth_port, cls.acct_port = status["auth-port"], status["acct-port"]

    @classmethod
    def tearDownClass(cls):
        cls.edged.stop()
        cls.tmp.cleanup()

    def sessions(self, user):
        return self.edged.ctl_json("session", "list", "--user", user)

    def history(self, user):
        return self.edged.ctl_json("session", "history", "--user", user)

    def send(self, raw):
        return rp.exchange(self.acct_port, raw, SECRET)

    def login(self, user):
        raw, _ = rp.access_request(SECRET, user, user + "-pw")
        return rp.exchange(self.auth_port, raw, SECRET)

    def test_start_interim_stop_with_64_bit_counters(self):
        rc, out = radclient(self.acct_port, "acct", acct_lines("Start", "alice", "S-alice-1"))
        self.assertEqual(rc, 0, out)
        self.assertIn("Received Accounting-Response", out)
        live = self.sessions("alice")
        self.assertEqual(len(live), 1)
        s = live[0]
        for key in ("id", "acct-session-id", "username", "nas", "nas-port", "framed-ip", "calling-station-id",
                    "started", "updated", "input-octets", "output-octets", "input-packets", "output-packets", "state"):
            self.assertIn(key, s)
        self.assertEqual((s["acct-session-id"], s["nas"], s["nas-port"], s["framed-ip"], s["state"]),
                         ("S-alice-1", "bras", 7, "100.64.1.7", "active"))
        rc, out = radclient(self.acct_port, "acct",
                            acct_lines("Interim-Update", "alice", "S-alice-1", 3 * GIB, 5 * GIB + 123, 600))
        self.assertEqual(rc, 0, out)
        self.assertEqual(self.sessions("alice")[0]["output-octets"], 5 * GIB + 123)
        rc, out = radclient(self.acct_port, "acct",
                            acct_lines("Stop", "alice", "S-alice-1", 6 * GIB + 5, 9 * GIB + 7, 1200,
                                       ["Acct-Terminate-Cause = User-Request"]))
        self.assertEqual(rc, 0, out)
        self.assertEqual(self.sessions("alice"), [])
        hist = self.history("alice")
        self.assertEqual(len(hist), 1)
        h = hist[0]
        self.assertEqual((h["input-octets"], h["output-octets"], h["session-time"]), (6 * GIB + 5, 9 * GIB + 7, 1200))
        self.assertEqual(h["close-reason"], "user-request")
        self.assertTrue(h["stopped"])
        usage = self.edged.ctl_json("usage", "--user", "alice", "--period", "day")
        self.assertEqual((usage["input-octets"], usage["output-octets"]), (6 * GIB + 5, 9 * GIB + 7))
        # The same Stop again (a NAS retransmitting with a new Acct-Delay-Time): nothing doubles.
        rc, out = radclient(self.acct_port, "acct",
                            acct_lines("Stop", "alice", "S-alice-1", 6 * GIB + 5, 9 * GIB + 7, 1200,
                                       ["Acct-Terminate-Cause = User-Request", "Acct-Delay-Time = 5"]))
        self.assertEqual(rc, 0, out)
        self.assertEqual(len(self.history("alice")), 1)
        usage = self.edged.ctl_json("usage", "--user", "alice", "--period", "month")
        self.assertEqual(usage["input-octets"] + usage["output-octets"], 15 * GIB + 12)

    def test_out_of_order_interim_and_stop_before_start(self):
        r = self.send(acct_packet(3, "bob", "S-bob-1", (1000, 2000, 60), pkt_id=11))
        self.assertIsNotNone(r)
        self.assertEqual(r.code, 5)
        self.assertTrue(r.response_authenticator_ok())
        live = self.sessions("bob")
        self.assertEqual(len(live), 1)
        self.assertEqual(live[0]["input-octets"], 1000)
        # The late Start must not reset what the Interim recorded.
        self.send(acct_packet(1, "bob", "S-bob-1", pkt_id=12))
        self.assertEqual(self.sessions("bob")[0]["input-octets"], 1000)
        self.send(acct_packet(2, "bob", "S-bob-1", (1500, 2500, 90), terminate=1, pkt_id=13))
        hist = self.history("bob")
        self.assertEqual(len(hist), 1)
        self.assertEqual(hist[0]["input-octets"], 1500)
        # Stop with no Start and no Interim: the whole session in one row.
        self.send(acct_packet(2, "bob", "S-bob-2", (10, 20, 30), terminate=4, pkt_id=14))
        hist = self.history("bob")
        self.assertEqual(len(hist), 2)
        self.assertEqual(hist[0]["close-reason"], "idle-timeout")
        usage = self.edged.ctl_json("usage", "--user", "bob")
        self.assertEqual(usage["input-octets"], 1510)

    def test_accounting_on_closes_the_nas_sessions_and_frees_the_login(self):
        self.assertEqual(self.login("carol").code, rp.ACCESS_ACCEPT)
        self.send(acct_packet(1, "carol", "S-carol-1", pkt_id=21))
        r = self.login("carol")
        self.assertEqual(r.code, rp.ACCESS_REJECT)  # max-sessions 1, one open
        self.assertEqual(r.get("Reply-Message"), ["Too many sessions"])
        r = self.send(acct_packet(7, pkt_id=22))  # Accounting-On: the NAS rebooted
        self.assertEqual(r.code, 5)
        self.assertEqual(self.sessions("carol"), [])
        self.assertEqual(self.history("carol")[0]["close-reason"], "nas-reboot")
        self.assertEqual(self.login("carol").code, rp.ACCESS_ACCEPT)

    def test_stale_session_is_closed_and_frees_the_login(self):
        self.send(acct_packet(1, "dave", "S-dave-1", pkt_id=31))
        # A NAS gone silent with many sessions: they go stale together, and are closed a few per
        # writer job (edge/radius/radius_service.cpp), all of them in the end.
        bulk = 200
        for i in range(bulk):
            self.assertEqual(self.send(acct_packet(1, "silent", f"S-silent-{i}", pkt_id=i % 256)).code, 5)
        self.assertEqual(len(self.sessions("silent")), bulk)
        self.assertEqual(self.login("dave").code, rp.ACCESS_REJECT)
        deadline = time.time() + 30
        while self.sessions("dave") or self.sessions("silent"):
            self.assertLess(time.time(), deadline, "stale sessions not closed")
            time.sleep(0.5)
        self.assertEqual(self.history("dave")[0]["close-reason"], "stale")
        closed = self.edged.ctl_json("session", "history", "--user", "silent", "--limit", "1000")
        self.assertEqual(sorted(h["acct-session-id"] for h in closed), sorted(f"S-silent-{i}" for i in range(bulk)))
        self.assertEqual({h["close-reason"] for h in closed}, {"stale"})
        self.assertEqual(self.login("dave").code, rp.ACCESS_ACCEPT)
        # A late update proves the session alive: it is reopened, not counted twice.
        self.send(acct_packet(3, "dave", "S-dave-1", (100, 100, 30), pkt_id=32))
        self.assertEqual(len(self.sessions("dave")), 1)
        self.assertEqual(self.history("dave"), [])

    def test_retransmission_bad_authenticator_and_status_server(self):
        before = self.edged.ctl_json("stats")["totals"]
        raw = acct_packet(1, "erin", "S-erin-1", pkt_id=41)
        # RFC 5080 2.2.2: a duplicate is the same source address and port, id and authenticator.
        s = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
        s.bind(("127.0.0.1", 0))
        s.settimeout(3)
        s.sendto(raw, ("127.0.0.1", self.acct_port))
        first, _ = s.recvfrom(4096)
        s.sendto(raw, ("127.0.0.1", self.acct_port))
        second, _ = s.recvfrom(4096)
        s.close()
        self.assertEqual(first, second)
        after = self.edged.ctl_json("stats")["totals"]
        self.assertEqual(after["radius_acct_dup_requests_total"], before["radius_acct_dup_requests_total"] + 1)
        self.assertEqual(after["radius_acct_responses_total"], before["radius_acct_responses_total"] + 1)
        bad = bytearray(acct_packet(3, "erin", "S-erin-1", (5, 5, 5), pkt_id=42))
        bad[-1] ^= 1
        self.assertIsNone(rp.exchange(self.acct_port, bytes(bad), SECRET, timeout=0.5))
        self.assertEqual(self.edged.ctl_json("stats")["totals"]["radius_acct_bad_authenticators_total"],
                         before["radius_acct_bad_authenticators_total"] + 1)
        self.assertEqual(self.sessions("erin")[0]["input-octets"], 0)
        rc, out = radclient(self.acct_port, "status", ["Message-Authenticator = 0x00"])
        self.assertEqual(rc, 0, out)
        self.assertIn("Received Accounting-Response", out)

    def test_accounting_from_an_unknown_nas_is_dropped_counted_and_records_nothing(self):
        before = self.edged.ctl_json("stats")["totals"]
        # Correctly signed with a secret edged knows, but from an address that is no NAS client.
        for i, status in enumerate((1, 3, 2)):
            raw = acct_packet(status, "dave", "S-rogue-1", (1000, 1000, 10), pkt_id=60 + i)
            self.assertIsNone(rp.exchange(self.acct_port, raw, SECRET, source="127.0.0.99", timeout=0.5))
        after = self.edged.ctl_json("stats")["totals"]
        self.assertEqual(after["radius_acct_invalid_requests_total"],
                         before["radius_acct_invalid_requests_total"] + 3)
        self.assertEqual(after["radius_acct_requests_total"], before["radius_acct_requests_total"])
        self.assertEqual([s for s in self.sessions("dave") if s["acct-session-id"] == "S-rogue-1"], [])
        self.assertEqual([h for h in self.history("dave") if h["acct-session-id"] == "S-rogue-1"], [])

    def test_session_show_by_prefix_and_json_array(self):
        self.send(acct_packet(1, "frank", "S-frank-show", pkt_id=51))
        out = self.edged.ctl("--json", "session", "list").stdout
        self.assertTrue(out.lstrip().startswith("["))
        sid = self.sessions("frank")[0]["id"]
        shown = self.edged.ctl_json("session", "show", sid[:10])
        self.assertEqual(shown["acct-session-id"], "S-frank-show")
        self.send(acct_packet(2, "frank", "S-frank-show", (1, 1, 1), pkt_id=52))
        closed = self.edged.ctl_json("session", "show", sid)
        self.assertEqual((closed["state"], closed["close-reason"]), ("closed", "stop"))


if __name__ == "__main__":
    unittest.main(verbosity=2)
