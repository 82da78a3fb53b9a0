"""Disconnect and CoA from edgectl through edged to a fake NAS (tests/integration/fake_nas.py), and
the ledger following what the NAS says."""
import json
import os
import subprocess
import sys
import time
import unittest

sys.path.insert(0, os.path.dirname(__file__))
from edgelib import Edged, TempDir, binary, check  # noqa: E402
import radius_peer as rp  # noqa: E402
from radius_acct_test import acct_packet, SECRET  # noqa: E402


class FakeNas:
    def __init__(self, root, mode, *extra):
        self.log = os.path.join(root, f"nas-{mode}-{time.time_ns()}.log")
        ready = self.log + ".ready"
        self.proc = subprocess.Popen(["/usr/bin/python3", os.path.join(os.path.dirname(__file__), "fake_nas.py"),
                                      "--port", "0", "--secret", SECRET.decode(), "--log", self.log,
                                      "--ready-file", ready, "--mode", mode, *extra])
        deadline = time.time() + 10
        while not os.path.exists(ready):
            check(time.time() < deadline, "fake NAS did not start")
            time.sleep(0.05)
        with open(ready) as f:
            self.port = json.load(f)["port"]

    def requests(self, at_least=0, timeout=5.0):
        """What the NAS logged; waits for `at_least` entries (it logs after answering)."""
        deadline = time.time() + timeout
        while True:
            entries = []
            if os.path.exists(self.log):
                with open(self.log) as f:
                    entries = [json.loads(line) for line in f if line.strip()]
            if len(entries) >= at_least or time.time() >= deadline:
                return entries
            time.sleep(0.05)

    def stop(self):
        self.proc.terminate()
        self.proc.wait(timeout=10)


class SessionControl(unittest.TestCase):
    @classmethod
    def setUpClass(cls):
        cls.tmp = TempDir()
        cls.edged = Edged(cls.tmp.path, extra={"accounting": {"disconnect-grace-seconds": 1}}).start()
        cls.edged.ctl("plan", "add", "--name", "home", "--down", "10M", "--up", "5M")
        for user in ("alice", "bob", "carol", "dave", "erin", "fred", "gina"):
            cls.edged.ctl("subscriber", "add", "--username", user, "--password", "pw-" + user, "--plan", "home")
        cls.acct_port = cls.edged.ctl_json("status")["radius"]["acct-port"]

    @classmethod
    def tearDownClass(cls):
        cls.edged.stop()
        cls.tmp.cleanup()

    def use_nas(self, mode, *extra):
        nas = FakeNas(self.tmp.path, mode, *extra)
        self.addCleanup(nas.stop)
        self.edged.ctl("nas", "add", "--name", "bras", "--address", "127.0.0.1", "--secret", SECRET.decode(),
                       "--vendor", "mikrotik", "--coa-port", str(nas.port))
        return nas

    def start_session(self, user, sid):
        r = rp.exchange(self.acct_port, acct_packet(1, user, sid, pkt_id=len(sid) + ord(sid[-1])), SECRET)
        self.assertEqual(r.code, 5)
        return [s for s in self.edged.ctl_json("session", "list", "--user", user) if s["acct-session-id"] == sid][0]

    def test_disconnect_ack_then_stop_from_the_nas(self):
        nas = self.use_nas("ack")
        s = self.start_session("erin", "E-1")
        r = self.edged.ctl("session", "disconnect", "--user", "erin")
        self.assertIn("erin@bras: ACK", r.stdout)
        self.assertIn("1 of 1 session(s) disconnected", r.stdout)
        self.assertEqual(self.edged.ctl_json("session", "show", s["id"])["state"], "disconnecting")
        seen = nas.requests(at_least=1)[-1]
        self.assertEqual(seen["code_name"], "Disconnect-Request")
        names = {a["name"]: a["value"] for a in seen["attributes"]}
        self.assertEqual(names["User-Name"], "erin")
        self.assertEqual(names["Acct-Session-Id"], "E-1")
        self.assertEqual(seen["message_authenticator"], "valid")
        # The NAS confirms with its Stop: the reason is the NAS's.
        rp.exchange(self.acct_port, acct_packet(2, "erin", "E-1", (1, 2, 3), terminate=6, pkt_id=99), SECRET)
        closed = self.edged.ctl_json("session", "show", s["id"])
        self.assertEqual((closed["state"], closed["close-reason"]), ("closed", "admin-reset"))

    def test_disconnect_ack_without_stop_closes_after_grace(self):
        self.use_nas("ack")
        s = self.start_session("bob", "B-1")
        self.edged.ctl("session", "disconnect", "--id", s["id"][:12])
        deadline = time.time() + 15
        while self.edged.ctl_json("session", "show", s["id"])["state"] != "closed":
            self.assertLess(time.time(), deadline, "session not closed after the grace period")
            time.sleep(0.3)
        self.assertEqual(self.edged.ctl_json("session", "show", s["id"])["close-reason"], "admin-disconnect")

    def test_nak_is_reported_with_its_cause_and_the_session_stays(self):
        self.use_nas("nak", "--error-cause", "503")
        s = self.start_session("carol", "C-1")
        r = self.edged.ctl("session", "disconnect", "--id", s["id"], check=False)
        self.assertEqual(r.returncode, 1)
        self.assertIn("NAK, Session Context Not Found (Error-Cause 503)", r.stdout)
        self.assertEqual(self.edged.ctl_json("session", "show", s["id"])["state"], "active")
        stats = self.edged.ctl_json("stats")["totals"]
        self.assertGreaterEqual(stats["radius_dynauth_client_disconnect_naks_total"], 1)

    def test_silence_is_a_timeout(self):
        nas = self.use_nas("silent")
        s = self.start_session("dave", "D-1")
        r = self.edged.ctl("session", "disconnect", "--id", s["id"], check=False)
        self.assertEqual(r.returncode, 1)
        self.assertIn("no answer from the NAS", r.stdout)
        self.assertGreaterEqual(len(nas.requests(at_least=3)), 3)  # retransmitted
        self.assertEqual(self.edged.ctl_json("session", "show", s["id"])["state"], "active")

    def test_a_silent_nas_holds_up_nothing_else(self):
        """Issue 19 item 6: while a Disconnect waits for a NAS that never answers, other commands are
        answered (ordering, not timing: they complete while the Disconnect is still pending, before
        the NAS has seen all of its retransmissions)."""
        nas = self.use_nas("silent")
        s = self.start_session("fred", "F-1")
        pending = subprocess.Popen([binary("edgectl"), "--socket", self.edged.socket, "session", "disconnect",
                                    "--id", s["id"]], stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
        try:
            self.assertGreaterEqual(len(nas.requests(at_least=1, timeout=10)), 1, "the Disconnect-Request was sent")
            status = self.edged.ctl_json("status")
            listed = self.edged.ctl_json("session", "list", "--user", "fred")
            seen = len(nas.requests())
            still_pending = pending.poll() is None
        finally:
            out, err = pending.communicate(timeout=60)
        self.assertIn("version", status)
        self.assertEqual([s["id"]], [r["id"] for r in listed])
        self.assertTrue(still_pending, "the other commands waited for the silent NAS: " + out + err)
        self.assertLess(seen, 4, "the other commands were answered only after every retransmission to the NAS")
        # The Disconnect itself still reports what its NAS did.
        self.assertEqual(pending.returncode, 1, out + err)
        self.assertIn("no answer from the NAS", out)
        self.assertEqual(self.edged.ctl_json("session", "show", s["id"])["state"], "active")

    def test_two_commands_at_once_while_a_disconnect_waits(self):
        """Issue 20: two control commands issued at the same moment, while a Disconnect waits on a
        silent NAS, both answer (ordering: both finish while the Disconnect is still pending)."""
        nas = self.use_nas("silent")
        s = self.start_session("gina", "G-1")
        edgectl = [binary("edgectl"), "--socket", self.edged.socket, "--json"]
        pending = subprocess.Popen(edgectl + ["session", "disconnect", "--id", s["id"]],
                                   stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
        try:
            self.assertGreaterEqual(len(nas.requests(at_least=1, timeout=10)), 1, "the Disconnect-Request was sent")
            both = [subprocess.Popen(edgectl + args, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
                    for args in (["session", "list", "--user", "gina"], ["subscriber", "show", "gina"])]
            answers = [p.communicate(timeout=30) for p in both]
            still_pending = pending.poll() is None
        finally:
            out, err = pending.communicate(timeout=60)
        self.assertEqual([0, 0], [p.returncode for p in both], answers)
        self.assertEqual([s["id"]], [r["id"] for r in json.loads(answers[0][0])])
        self.assertEqual("gina", json.loads(answers[1][0])["username"])
        self.assertTrue(still_pending, "the two commands waited for the silent NAS: " + out + err)

    def test_disconnect_without_waiting_is_queued_and_logged(self):
        nas = self.use_nas("ack")
        s = self.start_session("alice", "A-9")
        r = self.edged.ctl_json("session", "disconnect", "--id", s["id"], "--wait", "no")
        self.assertEqual(["queued"], [x["outcome"] for x in r], r)
        job = r[0]["job"]
        self.assertGreater(job, 0)
        self.assertEqual(nas.requests(at_least=1)[-1]["code_name"], "Disconnect-Request")
        deadline = time.time() + 10
        while f"job={job} outcome=ack" not in self.edged.read_log():
            self.assertLess(time.time(), deadline, "the queued Disconnect's result is logged")
            time.sleep(0.1)
        self.assertEqual(self.edged.ctl_json("session", "show", s["id"])["state"], "disconnecting")

    def test_coa_pushes_the_plan_rate_and_plan_change_triggers_it(self):
        nas = self.use_nas("ack")
        s = self.start_session("alice", "A-2")
        r = self.edged.ctl("session", "coa", "--id", s["id"])
        self.assertIn("ACK", r.stdout)
        seen = nas.requests(at_least=1)[-1]
        self.assertEqual(seen["code_name"], "CoA-Request")
        rate = [a["value"] for a in seen["attributes"] if a["name"] == "Mikrotik-Rate-Limit"]
        self.assertEqual(rate, ["5M/10M"])
        self.edged.ctl("plan", "set", "--name", "home", "--down", "20M", "--up", "8M")
        deadline = time.time() + 10
        while True:
            rates = [a["value"] for q in nas.requests() for a in q["attributes"] if a["name"] == "Mikrotik-Rate-Limit"]
            if "8M/20M" in rates:
                break
            self.assertLess(time.time(), deadline, f"no CoA after the plan change: {rates}")
            time.sleep(0.2)

    def test_moving_a_subscriber_to_another_plan_sends_a_coa_with_the_new_rate(self):
        nas = self.use_nas("ack")
        self.edged.ctl("plan", "add", "--name", "fast", "--down", "50M", "--up", "20M")
        s = self.start_session("fred", "F-1")

        def coas():
            return [q for q in nas.requests() if q["code_name"] == "CoA-Request"
                    and any(a["name"] == "Acct-Session-Id" and a["value"] == s["acct-session-id"]
                            for a in q["attributes"])]

        self.edged.ctl("subscriber", "set", "--username", "fred", "--plan", "fast")
        deadline = time.time() + 10
        while True:
            rates = [a["value"] for q in coas() for a in q["attributes"] if a["name"] == "Mikrotik-Rate-Limit"]
            if rates:
                break
            self.assertLess(time.time(), deadline, "no CoA after the subscriber's plan change")
            time.sleep(0.2)
        self.assertEqual(rates, ["20M/50M"])
        while "subscriber plan change: CoA session=" + s["id"] not in self.edged.read_log():
            self.assertLess(time.time(), deadline, "the CoA's result is logged with its reason")
            time.sleep(0.1)
        # A change that keeps the plan sends nothing: the next CoA is the one asked for here.
        self.edged.ctl("subscriber", "set", "--username", "fred", "--password", "pw-fred-2")
        r = self.edged.ctl("session", "coa", "--id", s["id"])
        self.assertIn("ACK", r.stdout)
        deadline = time.time() + 5
        while len(coas()) < 2 and time.time() < deadline:  # the NAS logs right after it answered
            time.sleep(0.05)
        self.assertEqual(len(coas()), 2, coas())


if __name__ == "__main__":
    unittest.main(verbosity=2)
