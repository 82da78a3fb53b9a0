"""`edgectl import --source freeradius-users` (issue 30) against a real edged: the dry run changes
nothing; the apply creates the plans from the users' own rates (Simultaneous-Use on a plan of its own;
the Group DEFAULTs are not applied, as FreeRADIUS does not apply them)
and the subscribers with their expiry and static IP; an imported subscriber logs in with radclient
(PAP, the Framed-IP-Address from the users file in the Accept) and a wrong password is rejected;
hashed passwords are imported (ADR 0045): the NT-hash user logs in by PAP, the crypt and MD5 users
by PAP only, and their CHAP is rejected with the reason pap-only-credential; a second run changes
nothing and says so; a file with an error names its line and imports nothing. An import is a batch
that `edgectl import rollback` removes, except what changed since (a subscriber set, a plan set) or
what others use (a plan a hand-made subscriber is on); a batch is rolled back once."""
import json
import os
import subprocess
import sys
import unittest

sys.path.insert(0, os.path.dirname(__file__))
from edgelib import Edged, TempDir  # noqa: E402

SECRET = "import-freeradius-secret-0123"
SAMPLE = os.path.join(os.path.dirname(__file__), "..", "import", "users.sample")


def radclient(port, lines):
    r = subprocess.run(["radclient", "-x", "-r", "1", "-t", "2", f"127.0.0.1:{port}", "auth", SECRET],
                       input="\n".join(lines + ["Message-Authenticator = 0x00"]) + "\n", capture_output=True, text=True, timeout=20)
    return r.stdout + r.stderr


class FreeradiusUsersImport(unittest.TestCase):
    def setUp(self):
        self.tmp = TempDir("edge-import-fr-")
        self.addCleanup(self.tmp.cleanup)
        self.edged = Edged(os.path.join(self.tmp.path, "box")).start()
        self.addCleanup(self.edged.stop)
        self.edged.ctl("nas", "add", "--name", "bras", "--address", "127.0.0.1", "--secret", SECRET)
        self.auth_port = self.edged.ctl_json("status")["radius"]["auth-port"]

    def subscribers(self):
        listed = self.edged.ctl_json("subscriber", "list", "--limit", "1000")
        return {s["username"]: s for s in listed["subscribers"]}

    def plans(self):
        return {p["name"]: p for p in self.edged.ctl_json("plan", "list")}

    def test_dry_run_apply_login_and_rerun(self):
        r = self.edged.ctl("import", "--source", "freeradius-users", "--from", SAMPLE, "--dry-run", check=False)
        self.assertEqual(r.returncode, 0, r.stderr)
        self.assertIn("8 subscribers read (5 DEFAULT entries), 6 importable, 2 not", r.stdout)
        self.assertIn("carol (line 13): imported with warnings\n      - PAP only: the password is stored as a crypt hash",
                      r.stdout)
        self.assertIn("dave (line 16): imported with warnings\n      - PAP only: the password is stored as a md5 hash",
                      r.stdout)
        self.assertNotIn("alice-secret", r.stdout)
        self.assertNotIn("qJH7.N4xYta3aEG", r.stdout)
        self.assertNotIn("8846", r.stdout.lower())
        self.assertEqual(self.subscribers(), {}, "a dry run changes nothing")
        self.assertEqual(self.plans(), {})

        r = self.edged.ctl("import", "--source", "freeradius-users", "--from", SAMPLE, check=False, json_out=True)
        self.assertEqual(r.returncode, 0, r.stdout + r.stderr)
        out = json.loads(r.stdout)
        self.assertEqual((out["plans-added"], out["imported"], out["already-there"], out["failed"],
                          out["not-importable"]), (5, 6, 0, 0, 2))
        plans = self.plans()
        self.assertEqual(sorted(plans), ["fr-20M-10M", "fr-20M-10M-x1", "fr-20M-10M-x2", "fr-4M-2M", "fr-5M-1M"])
        self.assertEqual(plans["fr-20M-10M-x2"]["max-sessions"], 2)
        subs = self.subscribers()
        self.assertEqual(sorted(subs), ["alice", "bob", "carol", "dave", "erin smith", "frank"])
        self.assertEqual(self.edged.ctl_json("subscriber", "show", "--username", "bob")["credentials"], ["nt-hash"])
        self.assertEqual(self.edged.ctl_json("subscriber", "show", "--username", "carol")["credentials"],
                         ["crypt hash (PAP only)"])
        alice = self.edged.ctl_json("subscriber", "show", "--username", "alice")
        self.assertEqual(alice["plan"], "fr-20M-10M-x2")
        self.assertEqual(alice["static-ip"], "198.51.100.10")
        self.assertTrue(alice["expires"].startswith("2027-01-15T12:00:00"), alice["expires"])

        ok = radclient(self.auth_port, ['User-Name = "alice"', 'User-Password = "alice-secret"'])
        self.assertIn("Access-Accept", ok)
        self.assertIn("198.51.100.10", ok)
        bad = radclient(self.auth_port, ['User-Name = "alice"', 'User-Password = "wrong"'])
        self.assertIn("Access-Reject", bad)
        quoted = radclient(self.auth_port, ['User-Name = "erin smith"', 'User-Password = "e\\"rin"'])
        self.assertIn("Access-Accept", quoted)

        # Hashed passwords (all of "password"): NT hash, $1$ crypt, MD5 (dave is bound to his MAC).
        for user, extra in (("bob", []), ("carol", []), ("dave", ['Calling-Station-Id = "aa:bb:cc:dd:ee:01"'])):
            ok = radclient(self.auth_port, [f'User-Name = "{user}"', 'User-Password = "password"'] + extra)
            self.assertIn("Access-Accept", ok, user)
            bad = radclient(self.auth_port, [f'User-Name = "{user}"', 'User-Password = "Password"'] + extra)
            self.assertIn("Access-Reject", bad, user)
        chap = radclient(self.auth_port, ['User-Name = "carol"', 'CHAP-Password = "password"'])
        self.assertIn("Access-Reject", chap)
        self.assertIn("Authentication method not allowed", chap)  # the client learns no more than that
        self.assertRegex(self.edged.read_log(), r"user=carol .*reason=pap-only-credential")
        why = self.edged.ctl_json("subscriber", "explain", "--username", "carol")
        self.assertEqual(why["recent-rejects"][0]["reason"], "pap-only-credential")  # newest first
        self.assertTrue(any("stored as a crypt hash: PAP only" in line for line in why["explanation"]), why["explanation"])

        r = self.edged.ctl("import", "--source", "freeradius-users", "--from", SAMPLE, check=False)
        self.assertEqual(r.returncode, 0, r.stdout + r.stderr)
        self.assertIn("0 plans added (5 already there), 0 subscribers imported, 6 already there, 0 failed", r.stdout)
        self.assertEqual(sorted(self.subscribers()), ["alice", "bob", "carol", "dave", "erin smith", "frank"])

    def test_a_batch_is_rolled_back_except_what_changed_since(self):
        r = self.edged.ctl("import", "--source", "freeradius-users", "--from", SAMPLE, "--batch", "imp-one",
                           check=False, json_out=True)
        self.assertEqual(r.returncode, 0, r.stdout + r.stderr)
        self.assertEqual(json.loads(r.stdout)["batch"], "imp-one")
        listed = self.edged.ctl_json("import", "list")
        self.assertEqual([(b["batch"], b["state"], b["plans"], b["subscribers"]) for b in listed],
                         [("imp-one", "applied", 5, 6)])
        # Changed since the import: alice (subscriber set) and the plan fr-5M-1M (plan set); and a
        # subscriber added by hand onto the imported plan fr-4M-2M.
        self.edged.ctl("subscriber", "set", "--username", "alice", "--status", "suspended")
        self.edged.ctl("plan", "set", "--name", "fr-5M-1M", "--idle-timeout", "600")
        self.edged.ctl("subscriber", "add", "--username", "manual", "--password", "manual-pw", "--plan", "fr-4M-2M")
        r = self.edged.ctl("import", "rollback", "imp-one", check=False, json_out=True)
        self.assertEqual(r.returncode, 0, r.stdout + r.stderr)
        out = json.loads(r.stdout)
        self.assertEqual((out["subscribers-removed"], out["subscribers-left"], out["plans-removed"]), (5, 1, 2))
        self.assertEqual(out["plans-kept"], [{"plan": "fr-20M-10M-x2", "subscribers": 1},
                                             {"plan": "fr-4M-2M", "subscribers": 1}])
        self.assertEqual(sorted(self.subscribers()), ["alice", "manual"])
        self.assertEqual(sorted(self.plans()), ["fr-20M-10M-x2", "fr-4M-2M", "fr-5M-1M"])
        self.assertIn("Access-Reject", radclient(self.auth_port, ['User-Name = "frank"', 'User-Password = "frank1"']))
        # Once only; the list says so; a rolled-back batch takes no more rows.
        r = self.edged.ctl("import", "rollback", "imp-one", check=False)
        self.assertNotEqual(r.returncode, 0)
        self.assertIn("rolled back already", r.stdout + r.stderr)
        self.assertEqual(self.edged.ctl_json("import", "list")[0]["state"], "rolled-back")
        r = self.edged.ctl("import", "--source", "freeradius-users", "--from", SAMPLE, "--batch", "imp-one", check=False)
        self.assertEqual(r.returncode, 1)
        self.assertIn("was rolled back; import again as a new batch", r.stdout + r.stderr)
        self.assertEqual(sorted(self.subscribers()), ["alice", "manual"])
        # A new batch adds what is missing, and its rollback leaves what the first one kept.
        r = self.edged.ctl("import", "--source", "freeradius-users", "--from", SAMPLE, check=False, json_out=True)
        self.assertEqual(r.returncode, 0, r.stdout + r.stderr)
        again = json.loads(r.stdout)
        self.assertTrue(again["batch"].startswith("imp-"), again)
        self.assertEqual((again["plans-added"], again["imported"], again["already-there"]), (2, 5, 1))
        r = self.edged.ctl("import", "rollback", again["batch"], check=False, json_out=True)
        self.assertEqual(json.loads(r.stdout)["subscribers-removed"], 5, r.stdout + r.stderr)
        self.assertEqual(sorted(self.subscribers()), ["alice", "manual"])
        self.assertNotEqual(self.edged.ctl("import", "rollback", "imp-nothing", check=False).returncode, 0)

    def test_a_file_with_an_error_names_its_line_and_imports_nothing(self):
        path = os.path.join(self.tmp.path, "users")
        with open(path, "w") as f:
            f.write('ann Cleartext-Password := "a"\n  Mikrotik-Rate-Limit = "1M/2M"\nbob Cleartext-Password "b"\n')
        r = self.edged.ctl("import", "--source", "freeradius-users", "--from", path, check=False)
        self.assertEqual(r.returncode, 1)
        self.assertIn(f"{path}: line 3: expected an operator", r.stderr)
        self.assertEqual(self.subscribers(), {})
        missing = os.path.join(self.tmp.path, "nope")
        r = self.edged.ctl("import", "--source", "freeradius-users", "--from", missing, check=False)
        self.assertEqual(r.returncode, 1)
        self.assertIn(f"{missing}: No such file or directory", r.stderr)
        r = self.edged.ctl("import", "--source", "radiator", "--from", path, check=False)
        self.assertEqual(r.returncode, 2)
        self.assertIn("--source 'radiator' is not supported", r.stderr)


if __name__ == "__main__":
    unittest.main()
