"""`edgectl subscriber import --csv`: the header checks, rows refused with their line and reason while
the others are imported (quotes, extra fields, missing password, static IP), files that cannot be
read, a batch the database did not save (nothing of it half-imported), and the license cap counting
only the rows that would add a subscriber. Each test has its own edged."""
import json
import os
import sqlite3
import subprocess
import sys
import unittest

sys.path.insert(0, os.path.dirname(__file__))
from edgelib import Edged, TempDir, binary  # noqa: E402
from license_maker import LicenseKey  # noqa: E402
import radius_peer as rp  # noqa: E402

SECRET = b"import-test-secret-0123"


class SubscriberImport(unittest.TestCase):
    def setUp(self):
        self.tmp = TempDir("edge-import-")
        self.addCleanup(self.tmp.cleanup)
        self.key = LicenseKey(os.path.join(self.tmp.path, "keys"))
        self.edged = Edged(os.path.join(self.tmp.path, "box"),
                           extra={"license": {"trusted-key": self.key.trusted_key}}).start()
        self.addCleanup(self.edged.stop)
        self.edged.ctl("nas", "add", "--name", "bras", "--address", "127.0.0.1", "--secret", SECRET.decode())
        self.edged.ctl("plan", "add", "--name", "home", "--down", "10M", "--up", "2M")
        self.auth_port = self.edged.ctl_json("status")["radius"]["auth-port"]
        self.csv_count = 0

    def csv(self, text):
        self.csv_count += 1
        path = os.path.join(self.tmp.path, f"import-{self.csv_count}.csv")
        with open(path, "w", newline="") as f:
            f.write(text)
        return path

    def usernames(self):
        listed = self.edged.ctl_json("subscriber", "list", "--limit", "100000")
        return sorted(s["username"] for s in listed["subscribers"])

    def login(self, user, password):
        raw, _ = rp.access_request(SECRET, user, password)
        reply = rp.exchange(self.auth_port, raw, SECRET)
        self.assertIsNotNone(reply, f"no answer for {user}")
        return reply

    def test_header_is_checked_before_any_row(self):
        cases = [
            ("", "missing header row"),
            ("username,password,plan,colour\nalice,pw,home,red\n",
             "unknown column 'colour' (known: username, password, plan, mac, expires, status, static-ip)"),
            ("username,password\nalice,pw\n", "the header needs a 'plan' column"),
            ("password,plan\npw,home\n", "the header needs a 'username' column"),
            ("username,password,plan,password\nalice,pw,home,other\n", "column 'password' appears twice in the header"),
        ]
        for text, message in cases:
            with self.subTest(message=message):
                path = self.csv(text)
                r = self.edged.ctl("subscriber", "import", "--csv", path, check=False)
                self.assertEqual(r.returncode, 2, r.stderr)
                self.assertIn(f"{path}: {message}", r.stderr)
        self.assertEqual(self.usernames(), [], "a refused header imports nothing")
        # What spreadsheets write is accepted: a byte order mark, spaces after the commas, CRLF.
        path = self.csv("\ufeffusername, password , plan\r\nalice,pw-alice,home\r\n")
        r = self.edged.ctl("subscriber", "import", "--csv", path, check=False)
        self.assertEqual(r.returncode, 0, r.stdout + r.stderr)
        self.assertIn("1 subscribers imported, 0 rows failed", r.stdout)
        self.assertEqual(self.login("alice", "pw-alice").code, rp.ACCESS_ACCEPT)

    def test_bad_rows_are_named_by_line_and_the_others_imported(self):
        self.edged.ctl("subscriber", "add", "--username", "taken", "--password", "pw", "--plan", "home")
        path = self.csv(
            "username,password,plan,mac,static-ip\n"                # line 1
            "alice,pw-alice,home\n"                                 # 2: fewer fields than columns is fine
            '"bob","p,w ""q""",home,,\n'                            # 3: quoted, comma and quotes inside
            '"carol,pw,home\n'                                      # 4: unterminated quote
            "dave,pw,home,,,surplus\n"                              # 5: more fields than columns
            "erin,,home\n"                                          # 6: no password
            "aa-bb-cc-00-00-01,,home\n"                             # 7: a MAC needs none
            "\n"                                                    # 8: blank, skipped
            "fred,pw,nope\n"                                        # 9: no such plan
            "gina,pw-gina,home,,100.64.0.9\n"                       # 10: static IP
            "hank,pw,home,,100.64.0.300\n"                          # 11: not an address
            "ivan,pw,home,not-a-mac\n"                              # 12: not a MAC
            "taken,pw,home\n"                                       # 13: exists
            "alice,other,home\n")                                   # 14: earlier in this file
        r = self.edged.ctl("subscriber", "import", "--csv", path, check=False)
        self.assertEqual(r.returncode, 1, "failed rows make the exit code 1")
        lines = r.stdout.splitlines()
        self.assertEqual(lines, [
            "line 4: unterminated quote",
            "line 5: more fields than the header has columns",
            "line 6: password is required",
            "line 9: plan: no plan named 'nope' (see plan list)",
            "line 11: static-ip: '100.64.0.300' is not an IPv4 address",
            "line 12: mac: 'not-a-mac' is not a MAC address (e.g. aa:bb:cc:dd:ee:ff)",
            "line 13: subscriber 'taken' already exists",
            "line 14: subscriber 'alice' already exists",
            "4 subscribers imported, 8 rows failed",
        ])
        self.assertEqual(self.usernames(), ["aa:bb:cc:00:00:01", "alice", "bob", "gina", "taken"])
        self.assertEqual(self.login("bob", 'p,w "q"').code, rp.ACCESS_ACCEPT)
        self.assertEqual(self.login("alice", "pw-alice").code, rp.ACCESS_ACCEPT, "the first alice stays")
        gina = self.edged.ctl_json("subscriber", "show", "gina")
        self.assertEqual(gina["static-ip"], "100.64.0.9")
        reply = self.login("gina", "pw-gina")
        self.assertEqual(reply.code, rp.ACCESS_ACCEPT)
        self.assertEqual(reply.get("Framed-IP-Address"), ["100.64.0.9"])
        self.assertEqual(self.edged.ctl_json("subscriber", "show", "aa:bb:cc:00:00:01")["credentials"], [])

        # --json: the same, for scripts.
        again = self.csv("username,password,plan\nkim,pw,home\nlee,,home\n")
        r = self.edged.ctl("subscriber", "import", "--csv", again, json_out=True, check=False)
        self.assertEqual(r.returncode, 1)
        self.assertEqual(json.loads(r.stdout), {"imported": 1, "failed": 1,
                                                "errors": [{"line": 3, "error": "password is required"}]})

    def test_a_file_that_cannot_be_read_is_named_with_the_reason(self):
        absent = os.path.join(self.tmp.path, "absent.csv")
        r = self.edged.ctl("subscriber", "import", "--csv", absent, check=False)
        self.assertEqual(r.returncode, 2)
        self.assertIn(f"cannot read {absent}: No such file or directory", r.stderr)
        r = self.edged.ctl("subscriber", "import", "--csv", self.tmp.path, check=False)
        self.assertEqual(r.returncode, 2)
        self.assertIn(f"cannot read {self.tmp.path}: Is a directory", r.stderr)
        # As root every file is readable: the operator's unprivileged account meets a root-only file.
        private = self.csv("username,password,plan\nalice,pw,home\n")
        os.chmod(private, 0o600)
        r = subprocess.run(["setpriv", "--reuid=nobody", "--regid=nogroup", "--clear-groups", binary("edgectl"),
                            "--socket", self.edged.socket, "subscriber", "import", "--csv", private],
                           capture_output=True, text=True, timeout=30)
        self.assertEqual(r.returncode, 2, r.stderr)
        self.assertIn(f"cannot read {private}: Permission denied", r.stderr)
        self.assertEqual(self.usernames(), [])

    def test_a_batch_the_database_did_not_save_is_not_half_imported(self):
        # The database refuses one row the way a full disk would refuse the batch: an error that is not
        # "already exists". The rows before it in the same batch must not stay.
        db = sqlite3.connect(os.path.join(self.edged.data_dir, "edge.db"))
        db.execute("CREATE TRIGGER refuse_boom BEFORE INSERT ON subscribers WHEN NEW.username = 'boom' "
                   "BEGIN SELECT RAISE(ABORT, 'simulated write failure'); END")
        db.commit()
        # edgectl sends 5,000 rows per batch: the first batch (lines 2-5001) is saved, the second
        # (lines 5002-5005) is refused as a whole.
        rows = [f"user{i:05d},pw-{i},home" for i in range(5000)] + ["late1,pw,home", "late2,pw,home", "boom,pw,home",
                                                                    "late3,pw,home"]
        path = self.csv("username,password,plan\n" + "\n".join(rows) + "\n")
        r = self.edged.ctl("subscriber", "import", "--csv", path, check=False)
        self.assertEqual(r.returncode, 1, r.stdout + r.stderr)
        self.assertIn("import stopped: lines 5002-5005 were not imported: import batch not saved: ", r.stderr)
        self.assertIn("simulated write failure", r.stderr)
        self.assertIn("5000 subscribers imported before line 5002", r.stderr)
        names = self.usernames()
        self.assertEqual(len(names), 5000)
        for name in ("late1", "late2", "late3", "boom"):
            self.assertNotIn(name, names)
        self.assertEqual(self.login("late1", "pw").code, rp.ACCESS_REJECT, "not in the running snapshot either")
        # --json says the same to a script.
        small = self.csv("username,password,plan\nsmall1,pw,home\nboom,pw,home\n")
        r = self.edged.ctl("subscriber", "import", "--csv", small, json_out=True, check=False)
        self.assertEqual(r.returncode, 1)
        out = json.loads(r.stdout)
        self.assertEqual((out["imported"], out["failed"], out["errors"]), (0, 0, []))
        self.assertEqual((out["stopped"]["first-line"], out["stopped"]["last-line"], out["stopped"]["answered"]),
                         (2, 3, True))
        self.assertIn("simulated write failure", out["stopped"]["error"])
        # The cause gone, the same rows import.
        db.execute("DROP TRIGGER refuse_boom")
        db.commit()
        db.close()
        path = self.csv("username,password,plan\n" + "\n".join(rows[5000:]) + "\n")
        r = self.edged.ctl("subscriber", "import", "--csv", path, check=False)
        self.assertEqual(r.returncode, 0, r.stdout + r.stderr)
        self.assertIn("4 subscribers imported, 0 rows failed", r.stdout)
        self.assertEqual(self.login("late1", "pw").code, rp.ACCESS_ACCEPT)

    def test_the_cap_counts_only_rows_that_add_a_subscriber(self):
        self.edged.ctl("license", "install", self.key.sign("basic", subscriber_cap=5))
        for user in ("alice", "bob"):
            self.edged.ctl("subscriber", "add", "--username", user, "--password", "pw", "--plan", "home")
        # 3 new subscribers (5 with the two above: exactly the cap); 5 rows refused for their content,
        # 1 existing username and 1 repeated one: 10 rows, 3 of them count.
        path = self.csv("username,password,plan\n"
                        "carl,pw,home\n"
                        "dina,pw,home\n"
                        "carl,pw,home\n"          # repeated: refused as existing
                        "alice,pw,home\n"         # existing
                        "erik,,home\n"            # no password
                        "fay,pw,nope\n"           # no such plan
                        '"gus,pw,home\n'          # unterminated quote (refused by edgectl)
                        "hal,pw,home,extra\n"     # extra field (refused by edgectl)
                        "ida,pw,home\n"
                        "jon,pw,home,,,,,\n")     # extra fields
        r = self.edged.ctl("subscriber", "import", "--csv", path, check=False)
        self.assertEqual(r.returncode, 1)
        self.assertIn("3 subscribers imported, 7 rows failed", r.stdout)
        self.assertNotIn("license allows", r.stdout + r.stderr)
        self.assertEqual(self.usernames(), ["alice", "bob", "carl", "dina", "ida"])
        refusals = self.edged.ctl_json("status")["counters"]["edged_license_refusals_total"]
        self.assertEqual(refusals, 0)
        # Full: one more valid row is refused with the cap's words, even among invalid rows, and nothing
        # of the batch is imported.
        path = self.csv("username,password,plan\nkai,,home\nlou,pw,home\nmia,pw,nope\n")
        r = self.edged.ctl("subscriber", "import", "--csv", path, check=False)
        self.assertEqual(r.returncode, 1)
        self.assertIn("lines 2-4 were not imported: the license allows 5 subscribers (basic tier) and this box "
                      "has 5: no new subscriber was added", r.stderr)
        self.assertEqual(self.usernames(), ["alice", "bob", "carl", "dina", "ida"])
        self.assertEqual(self.edged.ctl_json("status")["counters"]["edged_license_refusals_total"], 1)
        # Rows that add nothing still go through at the cap (their errors are reported).
        path = self.csv("username,password,plan\nalice,pw,home\nnew,,home\n")
        r = self.edged.ctl("subscriber", "import", "--csv", path, check=False)
        self.assertIn("0 subscribers imported, 2 rows failed", r.stdout)
        self.assertIn("line 2: subscriber 'alice' already exists", r.stdout)


if __name__ == "__main__":
    unittest.main(verbosity=2)
