"""Vouchers beyond the basics of billing_test: revoking a whole batch while some of its codes are in
use (each live session disconnected through the NAS, other batches untouched), the validity falling
back to the plan's `--validity`, and `--prefix`. Plus Accounting-Off from one NAS closing only that
NAS's sessions. Each test has its own edged and fake NAS (tests/integration/fake_nas.py)."""
import csv
import io
import os
import sys
import unittest
from datetime import datetime

sys.path.insert(0, os.path.dirname(__file__))
from edgelib import Edged, TempDir, wait_for  # noqa: E402
import radius_peer as rp  # noqa: E402
from radius_acct_test import SECRET, acct_packet  # noqa: E402
from session_control_test import FakeNas  # noqa: E402

ALPHABET = set("23456789ABCDEFGHJKMNPQRSTUVWXYZ")


def unix(iso):
    return int(datetime.fromisoformat(iso.replace("Z", "+00:00")).timestamp())


class Vouchers(unittest.TestCase):
    def setUp(self):
        self.tmp = TempDir("edge-voucher-")
        self.addCleanup(self.tmp.cleanup)
        self.edged = Edged(os.path.join(self.tmp.path, "box")).start()
        self.addCleanup(self.edged.stop)
        self.nas = FakeNas(self.tmp.path, "ack")
        self.addCleanup(self.nas.stop)
        self.edged.ctl("nas", "add", "--name", "bras", "--address", "127.0.0.1", "--secret", SECRET.decode(),
                       "--vendor", "mikrotik", "--coa-port", str(self.nas.port))
        self.edged.ctl("plan", "add", "--name", "day", "--down", "4M", "--up", "1M", "--validity", "2h")
        radius = self.edged.ctl_json("status")["radius"]
        self.auth_port, self.acct_port = radius["auth-port"], radius["acct-port"]
        self.pkt = 0

    def next_id(self):
        self.pkt = (self.pkt + 1) % 256
        return self.pkt

    def auth(self, code, station):
        raw, _ = rp.access_request(SECRET, code, code, pkt_id=self.next_id(), Calling_Station_Id=station)
        reply = rp.exchange(self.auth_port, raw, SECRET)
        self.assertIsNotNone(reply, f"no answer for {code}")
        return reply

    def start_session(self, code, station, sid):
        self.assertEqual(self.auth(code, station).code, rp.ACCESS_ACCEPT)
        reply = rp.exchange(self.acct_port, acct_packet(1, code, sid, pkt_id=self.next_id()), SECRET)
        self.assertIsNotNone(reply)
        self.assertEqual(reply.code, 5)

    def disconnects(self):
        out = []
        for q in self.nas.requests():
            if q["code_name"] == "Disconnect-Request":
                attrs = {a["name"]: a["value"] for a in q["attributes"]}
                out.append((attrs.get("User-Name"), attrs.get("Acct-Session-Id")))
        return sorted(out)

    def vouchers(self, batch):
        return {v["code"]: v for v in self.edged.ctl_json("voucher", "list", "--batch", batch)}

    def test_revoking_a_batch_disconnects_its_live_sessions_only(self):
        lobby = self.edged.ctl_json("voucher", "generate", "--plan", "day", "--count", "3", "--batch", "lobby")["codes"]
        bar = self.edged.ctl_json("voucher", "generate", "--plan", "day", "--count", "1", "--batch", "bar")["codes"]
        self.start_session(lobby[0], "02-00-00-00-01-01", "L-0")
        self.start_session(lobby[1], "02-00-00-00-01-02", "L-1")
        self.start_session(bar[0], "02-00-00-00-01-03", "B-0")
        self.assertEqual(len(self.edged.ctl_json("session", "list")), 3)

        r = self.edged.ctl("voucher", "revoke", "--batch", "lobby")
        self.assertIn("3 voucher(s) revoked", r.stdout)
        # Each live session of the batch gets its Disconnect-Request; the other batch's does not.
        wait_for(lambda: len(self.disconnects()) >= 2, timeout=15, what="two Disconnect-Requests")
        self.assertEqual(self.disconnects(), sorted([(lobby[0], "L-0"), (lobby[1], "L-1")]))
        # The NAS ACKed: the ledger marks them, and the third (unused) code is revoked too.
        wait_for(lambda: {s["username"]: s["state"] for s in self.edged.ctl_json("session", "list")}.get(lobby[0])
                 == "disconnecting", timeout=10, what="the session marked disconnecting")
        states = {c: v["state"] for c, v in self.vouchers("lobby").items()}
        self.assertEqual(states, {c: "revoked" for c in lobby})
        self.assertEqual(self.vouchers("bar")[bar[0]]["state"], "active")
        # Revoked codes are refused, from the device they were bound to and from any other.
        self.assertEqual(self.auth(lobby[0], "02-00-00-00-01-01").code, rp.ACCESS_REJECT)
        self.assertEqual(self.auth(lobby[2], "02-00-00-00-01-09").code, rp.ACCESS_REJECT)
        self.assertEqual(self.auth(bar[0], "02-00-00-00-01-03").code, rp.ACCESS_ACCEPT)
        # Again: nothing left to revoke, nothing sent.
        r = self.edged.ctl("voucher", "revoke", "--batch", "lobby")
        self.assertIn("0 voucher(s) revoked (the others were revoked already)", r.stdout)
        r = self.edged.ctl("voucher", "revoke", "--batch", "nope", check=False)
        self.assertEqual(r.returncode, 1)
        self.assertIn("no voucher batch 'nope'", r.stderr)
        self.assertEqual(len(self.disconnects()), 2)

    def test_validity_falls_back_to_the_plan(self):
        made = self.edged.ctl_json("voucher", "generate", "--plan", "day", "--count", "2", "--batch", "plan-validity")
        self.assertEqual(made["valid-for"], "2h")
        code = made["codes"][0]
        self.assertEqual({v["valid-for"] for v in self.vouchers("plan-validity").values()}, {"2h"})
        reply = self.auth(code, "02-00-00-00-02-01")
        self.assertEqual(reply.code, rp.ACCESS_ACCEPT)
        self.assertEqual(reply.get("Session-Timeout"), [7200])
        v = wait_for(lambda: (v := self.vouchers("plan-validity")[code])["first-use"] and v, timeout=10,
                     what="the first use recorded")
        self.assertEqual(v["state"], "active")
        self.assertEqual(unix(v["valid-until"]) - unix(v["first-use"]), 7200)
        exported = self.edged.ctl("voucher", "export", "--batch", "plan-validity", "--format", "csv").stdout
        self.assertEqual({row["valid_for"] for row in csv.DictReader(io.StringIO(exported))}, {"2h"})

        # A voucher's own --valid-for wins over the plan's.
        own = self.edged.ctl_json("voucher", "generate", "--plan", "day", "--count", "1", "--valid-for", "30m",
                                  "--batch", "own-validity")
        self.assertEqual(own["valid-for"], "30m")
        self.assertEqual(self.auth(own["codes"][0], "02-00-00-00-02-02").get("Session-Timeout"), [1800])

        # A plan without validity or quota: vouchers would never run out, so --valid-for is required.
        self.edged.ctl("plan", "add", "--name", "open", "--down", "4M", "--up", "1M")
        r = self.edged.ctl("voucher", "generate", "--plan", "open", "--count", "1", check=False)
        self.assertEqual(r.returncode, 1)
        self.assertIn("valid-for: plan 'open' has no validity or quota, so these vouchers would never run out", r.stderr)
        made = self.edged.ctl_json("voucher", "generate", "--plan", "open", "--count", "1", "--valid-for", "1d")
        self.assertEqual(made["valid-for"], "1d")

    def test_prefix(self):
        made = self.edged.ctl_json("voucher", "generate", "--plan", "day", "--count", "5", "--prefix", "LOBBY-",
                                   "--batch", "prefixed")
        for code in made["codes"]:
            self.assertTrue(code.startswith("LOBBY-"), code)
            self.assertEqual(len(code), len("LOBBY-") + 12)
            self.assertTrue(set(code[len("LOBBY-"):]) <= ALPHABET, code)
        self.assertEqual(sorted(self.vouchers("prefixed")), sorted(made["codes"]))
        self.assertEqual(self.auth(made["codes"][0], "02-00-00-00-03-01").code, rp.ACCESS_ACCEPT)
        for bad, message in (("lobby_1", "prefix: 'lobby_1' may hold only letters, digits and '-'"),
                             ("A B", "prefix: 'A B' may hold only letters, digits and '-'"),
                             ("X" * 17, "prefix: at most 16 characters")):
            with self.subTest(prefix=bad):
                r = self.edged.ctl("voucher", "generate", "--plan", "day", "--count", "1", "--prefix", bad, check=False)
                self.assertEqual(r.returncode, 1)
                self.assertIn(message, r.stderr)
        self.assertEqual(len(self.edged.ctl_json("voucher", "list")), 5, "a refused prefix makes no voucher")


class AccountingOff(unittest.TestCase):
    def setUp(self):
        self.tmp = TempDir("edge-acct-off-")
        self.addCleanup(self.tmp.cleanup)
        self.edged = Edged(os.path.join(self.tmp.path, "box")).start()
        self.addCleanup(self.edged.stop)
        # Two NASes: loopback addresses of their own.
        for name, address in (("pop1", "127.0.0.1"), ("pop2", "127.0.0.2")):
            self.edged.ctl("nas", "add", "--name", name, "--address", address, "--secret", SECRET.decode())
        self.edged.ctl("plan", "add", "--name", "single", "--down", "10M", "--up", "5M", "--max-sessions", "1")
        for user in ("alice", "bob", "carol"):
            self.edged.ctl("subscriber", "add", "--username", user, "--password", "pw-" + user, "--plan", "single")
        radius = self.edged.ctl_json("status")["radius"]
        self.auth_port, self.acct_port = radius["auth-port"], radius["acct-port"]

    def acct(self, status, source, user=None, sid=None, pkt_id=1):
        reply = rp.exchange(self.acct_port, acct_packet(status, user, sid, pkt_id=pkt_id), SECRET, source=source)
        self.assertIsNotNone(reply, "no Accounting-Response")
        self.assertEqual(reply.code, 5)

    def login(self, user, source):
        raw, _ = rp.access_request(SECRET, user, "pw-" + user)
        return rp.exchange(self.auth_port, raw, SECRET, source=source)

    def test_accounting_off_closes_that_nas_sessions_and_frees_the_logins(self):
        self.acct(1, "127.0.0.1", "alice", "P1-A", pkt_id=1)
        self.acct(1, "127.0.0.1", "bob", "P1-B", pkt_id=2)
        self.acct(1, "127.0.0.2", "carol", "P2-C", pkt_id=3)
        self.assertEqual(self.login("alice", "127.0.0.1").code, rp.ACCESS_REJECT, "max-sessions 1, one open")
        self.acct(8, "127.0.0.1", pkt_id=4)  # Accounting-Off: pop1 is shutting down
        live = {s["username"]: s["nas"] for s in self.edged.ctl_json("session", "list")}
        self.assertEqual(live, {"carol": "pop2"}, "only pop1's sessions close")
        for user in ("alice", "bob"):
            history = self.edged.ctl_json("session", "history", "--user", user)
            self.assertEqual([(h["acct-session-id"], h["close-reason"]) for h in history],
                             [(f"P1-{user[0].upper()}", "nas-shutdown")])
        self.assertEqual(self.login("alice", "127.0.0.1").code, rp.ACCESS_ACCEPT)
        self.assertEqual(self.login("carol", "127.0.0.2").code, rp.ACCESS_REJECT, "pop2's session is still open")
        # A retransmitted Accounting-Off is answered and changes nothing more.
        self.acct(8, "127.0.0.1", pkt_id=4)
        self.assertEqual({s["username"] for s in self.edged.ctl_json("session", "list")}, {"carol"})


if __name__ == "__main__":
    unittest.main(verbosity=2)
