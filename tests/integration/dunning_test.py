"""Dunning on a box without mgmt (issue 24, ADR 0048): `edgectl subscriber set --dunning ...` and what
a NAS sees, over real UDP: radclient's Access-Request gets the throttled reply, the walled reply or a
Reject in words; a live session (started by an Accounting-Request) gets a CoA with the new rate or a
Disconnect from fake_nas.py at once; restore sends the plan's rate back; subscriber show, explain and
the event list say what happened. One edged for the whole class."""
import os
import subprocess
import sys
import time
import unittest

sys.path.insert(0, os.path.dirname(__file__))
from edgelib import Edged, TempDir  # noqa: E402
import radius_peer as rp  # noqa: E402
from radius_acct_test import acct_packet, SECRET  # noqa: E402
from session_control_test import FakeNas  # noqa: E402

PAY = "https://pay.example.net/acme/alice?from=box"


def radclient(port, user, password):
    r = subprocess.run(["radclient", "-x", "-r", "1", "-t", "3", f"127.0.0.1:{port}", "auth", SECRET.decode()],
                       input=f'User-Name = "{user}"\nUser-Password = "{password}"\nMessage-Authenticator = 0x00\n',
                       capture_output=True, text=True, timeout=30)
    return r.stdout + r.stderr


class Dunning(unittest.TestCase):
    @classmethod
    def setUpClass(cls):
        cls.tmp = TempDir("edge-dunning-")
        cls.edged = Edged(cls.tmp.path, extra={"radius": {"walled-filter-id": "pay-only"}}).start()
        cls.edged.ctl("plan", "add", "--name", "home", "--down", "10M", "--up", "5M")
        cls.nas = FakeNas(cls.tmp.path, "ack")
        cls.edged.ctl("nas", "add", "--name", "bras", "--address", "127.0.0.1", "--secret", SECRET.decode(),
                      "--vendor", "mikrotik", "--coa-port", str(cls.nas.port))
        status = cls.edged.ctl_json("status")["radius"]
        cls.auth_port, cls.acct_port = status["auth-port"], status["acct-port"]

    @classmethod
    def tearDownClass(cls):
        cls.nas.stop()
        cls.edged.stop()
        cls.tmp.cleanup()

    def add(self, user):
        self.edged.ctl("subscriber", "add", "--username", user, "--password", "pw-" + user, "--plan", "home")

    def start_session(self, user, sid):
        r = rp.exchange(self.acct_port, acct_packet(1, user, sid, pkt_id=len(sid) + ord(sid[-1])), SECRET)
        self.assertEqual(r.code, 5)

    def sent_to_nas(self, user, count):
        """The NAS's requests for `user`, once there are `count` of them."""
        deadline = time.time() + 20
        while True:
            seen = [e for e in self.nas.requests()
                    if {a["name"]: a["value"] for a in e["attributes"]}.get("User-Name") == user]
            if len(seen) >= count or time.time() > deadline:
                return seen
            time.sleep(0.1)

    def events(self, user, kind, count):
        deadline = time.time() + 20
        while True:
            found = [e for e in self.edged.ctl_json("events", "--kind", kind, "--search", user, "--limit", "50")]
            if len(found) >= count or time.time() > deadline:
                return found
            time.sleep(0.2)

    def test_throttle_then_restore_by_coa(self):
        self.add("alice")
        self.assertIn('Mikrotik-Rate-Limit = "5M/10M"', radclient(self.auth_port, "alice", "pw-alice"))
        self.start_session("alice", "A-1")
        r = self.edged.ctl("subscriber", "set", "--username", "alice", "--dunning", "throttle", "--dunning-rate",
                           "512k/256k")
        self.assertIn("changed", r.stdout)
        shown = self.edged.ctl_json("subscriber", "show", "alice")
        self.assertEqual((shown["dunning"], shown["dunning-rate"]), ("throttle", "512k/256k"))
        # The live session: a CoA with the dunning rate (MikroTik: up/down), at once.
        coa = self.sent_to_nas("alice", 1)
        self.assertEqual(len(coa), 1, coa)
        self.assertEqual(coa[0]["code_name"], "CoA-Request")
        attrs = {a["name"]: a["value"] for a in coa[0]["attributes"]}
        self.assertEqual(attrs["Mikrotik-Rate-Limit"], "256k/512k")
        self.assertEqual(attrs["Acct-Session-Id"], "A-1")
        # A new login gets the plan's reply at the dunning rate.
        out = radclient(self.auth_port, "alice", "pw-alice")
        self.assertIn("Received Access-Accept", out)
        self.assertIn('Mikrotik-Rate-Limit = "256k/512k"', out)
        # The event list: the change and the NAS's answer.
        changed = self.events("alice", "dunning", 1)
        self.assertIn("alice: throttled to 512k/256k for non-payment; CoA for the live sessions", changed[0]["detail"])
        acked = self.events("alice", "dunning-coa", 1)
        self.assertRegex(acked[0]["detail"], r"alice: CoA nas=bras session=\S+ rate=512k/256k outcome=ack")
        why = self.edged.ctl_json("subscriber", "explain", "alice")
        self.assertEqual(why["dunning"], "throttle")
        self.assertIn("dunning: throttled to 512k/256k for non-payment", why["explanation"])
        self.assertEqual(why["now"]["rate"], "512k/256k")

        # Restore: the plan's rate back by CoA (with the plan's own rate attribute).
        self.edged.ctl("subscriber", "set", "--username", "alice", "--dunning", "", "--dunning-rate", "")
        back = self.sent_to_nas("alice", 2)
        self.assertEqual(len(back), 2, back)
        self.assertEqual(back[1]["code_name"], "CoA-Request")
        self.assertEqual({a["name"]: a["value"] for a in back[1]["attributes"]}["Mikrotik-Rate-Limit"], "5M/10M")
        self.assertIn('Mikrotik-Rate-Limit = "5M/10M"', radclient(self.auth_port, "alice", "pw-alice"))
        self.assertIn("alice: dunning ended; CoA for the live sessions", self.events("alice", "dunning", 2)[0]["detail"])
        self.assertEqual(self.edged.ctl_json("subscriber", "show", "alice")["dunning"], "")

    def test_walled_disconnects_and_the_reply_walls(self):
        self.add("bob")
        self.start_session("bob", "B-1")
        self.edged.ctl("subscriber", "set", "--username", "bob", "--dunning", "walled", "--dunning-rate", "1M/1M",
                       "--dunning-url", PAY)
        seen = self.sent_to_nas("bob", 1)
        self.assertEqual([e["code_name"] for e in seen], ["Disconnect-Request"])
        # Logging in again: accepted into the walled state (MikroTik: the address list and the filter).
        out = radclient(self.auth_port, "bob", "pw-bob")
        self.assertIn("Received Access-Accept", out)
        self.assertIn('Mikrotik-Address-List = "walled"', out)
        self.assertIn('Filter-Id = "pay-only"', out)
        self.assertIn('Mikrotik-Rate-Limit = "1M/1M"', out)
        shown = self.edged.ctl_json("subscriber", "show", "bob")
        self.assertEqual((shown["dunning"], shown["dunning-url"]), ("walled", PAY))
        self.assertRegex(self.events("bob", "dunning-coa", 1)[0]["detail"], r"bob: Disconnect nas=bras .*outcome=ack")
        # Paid: out of the garden by Disconnect (the NAS authenticates it again into full service).
        self.edged.ctl("subscriber", "set", "--username", "bob", "--dunning", "")
        self.assertEqual([e["code_name"] for e in self.sent_to_nas("bob", 2)], ["Disconnect-Request"] * 2)
        out = radclient(self.auth_port, "bob", "pw-bob")
        self.assertNotIn("Mikrotik-Address-List", out)
        self.assertIn('Mikrotik-Rate-Limit = "5M/10M"', out)

    def test_suspend_is_a_reject_in_words(self):
        self.add("carol")
        self.start_session("carol", "C-1")
        self.edged.ctl("subscriber", "set", "--username", "carol", "--dunning", "suspend")
        self.assertEqual([e["code_name"] for e in self.sent_to_nas("carol", 1)], ["Disconnect-Request"])
        out = radclient(self.auth_port, "carol", "pw-carol")
        self.assertIn("Received Access-Reject", out)
        self.assertIn('Reply-Message = "Suspended for non-payment"', out)
        why = self.edged.ctl_json("subscriber", "explain", "carol")
        self.assertEqual(why["recent-rejects"][0]["reason"], "suspended-non-payment")
        self.assertEqual(why["recent-rejects"][0]["reply-message"], "Suspended for non-payment")
        self.assertEqual(why["now"]["state"], "Suspended for non-payment")
        # A wrong password learns nothing about the account.
        self.assertIn('Reply-Message = "Wrong username or password"', radclient(self.auth_port, "carol", "nope"))

    def test_bad_values_are_refused_naming_the_key(self):
        self.add("dave")
        for args, text in ((["--dunning", "blocked"], "dunning: 'blocked' is not one of"),
                           (["--dunning", "throttle"], "dunning-rate: required while dunning is 'throttle'"),
                           (["--dunning-rate", "fast"], "dunning-rate: "),
                           (["--dunning-url", "http://pay.example.net/"], "dunning-url: ")):
            r = self.edged.ctl("subscriber", "set", "--username", "dave", *args, check=False)
            self.assertNotEqual(r.returncode, 0, args)
            self.assertIn(text, r.stdout + r.stderr)
        self.assertEqual(self.edged.ctl_json("subscriber", "show", "dave")["dunning"], "")
        self.assertEqual(self.sent_to_nas("dave", 0), [])


if __name__ == "__main__":
    unittest.main()
