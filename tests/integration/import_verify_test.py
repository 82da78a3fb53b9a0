"""The shadow check (issue 30, ADR 0050): a real FreeRADIUS (Debian's, on a private loopback port,
files + pap + chap + expiration) serving tests/import/users.shadow, the same file imported into a
real edged with `edgectl import`, then `edgectl import verify` against both: PAP and CHAP for every
subscriber with a cleartext password or a known one (carol, a crypt hash, with --passwords), and the
only differences are the ones the dry run predicted (erin, put on the default plan: its rate and
interim). Without her known password carol is counted as skipped. A wrong secret for their server
shows as an error, not as agreement.

The same over FreeRADIUS's SQL schema (ShadowCheckSql): a FreeRADIUS using rlm_sql on a SQLite file
with the shipped schema.sql and tests/import/radius_shadow.sql (group rates, groups by priority,
Simultaneous-Use, an expiration, mixed hash types), the same file imported with
`edgectl import --source freeradius-sql --from sqlite:...`, and the exact list of differences, from
`edgectl import verify` and from `mgmtctl import verify` alike (one client, ADR 0060, in both)."""
import json
import os
import re
import shutil
import socket
import sqlite3
import subprocess
import sys
import time
import unittest

sys.path.insert(0, os.path.dirname(__file__))
from edgelib import Edged, TempDir, binary  # noqa: E402

SECRET = "shadow-check-secret-0123"
USERS = os.path.join(os.path.dirname(__file__), "..", "import", "users.shadow")
SQL_ROWS = os.path.join(os.path.dirname(__file__), "..", "import", "radius_shadow.sql")
RADDB = "/etc/freeradius/3.0"
SQLITE_SCHEMA = os.path.join(RADDB, "mods-config", "sql", "main", "sqlite", "schema.sql")

SITE = """server default {
	listen {
		type = auth
		ipaddr = 127.0.0.1
		port = %d
	}
	authorize {
		chap
		%s
		expiration
		pap
	}
	authenticate {
		Auth-Type PAP {
			pap
		}
		Auth-Type CHAP {
			chap
		}
	}
	post-auth {
	}
}
"""

CLIENTS = """client shadow {
	ipaddr = 127.0.0.1
	secret = %s
	require_message_authenticator = yes
}
"""


def free_udp_port():
    s = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
    s.bind(("127.0.0.1", 0))
    port = s.getsockname()[1]
    s.close()
    return port


class FreeRadius:
    """A private copy of Debian's /etc/freeradius/3.0 with one site and the modules the test needs."""

    def __init__(self, root, users=None, sqlite_db=None):
        self.root = root
        self.port = free_udp_port()
        raddb = os.path.join(root, "raddb")
        for d in ("log", "run"):
            os.makedirs(os.path.join(root, d), exist_ok=True)
        shutil.copytree(RADDB, raddb, symlinks=True, ignore=shutil.ignore_patterns("certs"))
        for sub in ("sites-enabled", "mods-enabled"):
            for entry in os.listdir(os.path.join(raddb, sub)):
                os.unlink(os.path.join(raddb, sub, entry))
        for module in ("files", "pap", "chap", "expiration", "always") + (("expr",) if sqlite_db else ()):
            os.symlink(f"../mods-available/{module}", os.path.join(raddb, "mods-enabled", module))
        if sqlite_db:
            # rlm_sql on the SQLite file (rlm_sql_sqlite), groups read as shipped (read_groups).
            with open(os.path.join(raddb, "mods-available", "sql")) as f:
                sql = f.read()
            for pattern, repl in ((r'(?m)^\tdriver = "rlm_sql_null"$', '\tdriver = "rlm_sql_sqlite"'),
                                  (r'(?m)^(\s*)filename = "/tmp/freeradius.db"$', f'\\1filename = "{sqlite_db}"'),
                                  (r"(?m)^(\s*)bootstrap = .*$", r"\1# bootstrap: the test loads the schema itself")):
                sql, n = re.subn(pattern, repl, sql)
                assert n == 1, pattern
            with open(os.path.join(raddb, "mods-enabled", "sql"), "w") as f:
                f.write(sql)
        with open(os.path.join(raddb, "sites-enabled", "default"), "w") as f:
            f.write(SITE % (self.port, "sql" if sqlite_db else "files"))
        with open(os.path.join(raddb, "clients.conf"), "w") as f:
            f.write(CLIENTS % SECRET)
        if users:
            shutil.copy(users, os.path.join(raddb, "mods-config", "files", "authorize"))
        conf_path = os.path.join(raddb, "radiusd.conf")
        with open(conf_path) as f:
            conf = f.read()
        for pattern, repl in ((r"(?m)^logdir = .*$", f"logdir = {root}/log"),
                              (r"(?m)^run_dir = .*$", f"run_dir = {root}/run"),
                              (r"(?m)^(\s*)user = freerad$", r"\1# user = freerad"),
                              (r"(?m)^(\s*)group = freerad$", r"\1# group = freerad"),
                              (r"(?m)^proxy_requests\s*=\s*yes$", "proxy_requests = no")):
            conf, n = re.subn(pattern, repl, conf)
            assert n == 1, pattern
        with open(conf_path, "w") as f:
            f.write(conf)
        self.raddb = raddb
        self.proc = None

    def start(self):
        self.log = open(os.path.join(self.root, "log", "stdout"), "w")
        self.proc = subprocess.Popen(["freeradius", "-f", "-l", "stdout", "-d", self.raddb],
                                     stdout=self.log, stderr=subprocess.STDOUT)
        deadline = time.time() + 30
        while time.time() < deadline:
            if self.proc.poll() is not None:
                raise RuntimeError("freeradius exited: " + open(self.log.name).read()[-3000:])
            with open(self.log.name) as f:
                if "Ready to process requests" in f.read():
                    return self
            time.sleep(0.1)
        raise RuntimeError("freeradius did not start: " + open(self.log.name).read()[-3000:])

    def stop(self):
        if self.proc and self.proc.poll() is None:
            self.proc.terminate()
            self.proc.wait(timeout=10)
        self.log.close()


class ShadowCheck(unittest.TestCase):
    @classmethod
    def setUpClass(cls):
        cls.tmp = TempDir("edge-shadow-")
        cls.fr = FreeRadius(os.path.join(cls.tmp.path, "freeradius"), USERS).start()
        cls.edged = Edged(os.path.join(cls.tmp.path, "box")).start()
        cls.edged.ctl("nas", "add", "--name", "bras", "--address", "127.0.0.1", "--secret", SECRET, "--vendor", "mikrotik")
        cls.edged.ctl("plan", "add", "--name", "basic", "--down", "1M", "--up", "1M")
        cls.auth_port = cls.edged.ctl_json("status")["radius"]["auth-port"]
        cls.secret_file = os.path.join(cls.tmp.path, "secret")
        with open(cls.secret_file, "w") as f:
            f.write(SECRET + "\n")
        cls.passwords_file = os.path.join(cls.tmp.path, "passwords")
        with open(cls.passwords_file, "w") as f:
            f.write("# known passwords of subscribers kept as hashes\ncarol,password\n")
        r = cls.edged.ctl("import", "--source", "freeradius-users", "--from", USERS, "--default-plan", "basic", check=False)
        assert r.returncode == 0, r.stdout + r.stderr

    @classmethod
    def tearDownClass(cls):
        cls.edged.stop()
        cls.fr.stop()
        cls.tmp.cleanup()

    def verify(self, theirs_secret_file=None, *extra):
        return self.edged.ctl("import", "verify", "--source", "freeradius-users", "--from", USERS,
                              "--default-plan", "basic",
                              "--theirs", f"127.0.0.1:{self.fr.port}", "--theirs-secret-file", theirs_secret_file or self.secret_file,
                              "--ours", f"127.0.0.1:{self.auth_port}", "--ours-secret-file", self.secret_file,
                              "--rate", "50", *extra, check=False, json_out=True)

    def test_only_predicted_differences(self):
        r = self.verify(None, "--passwords", self.passwords_file)
        out = json.loads(r.stdout)
        self.assertEqual(out["errors"], [], r.stdout + r.stderr)
        self.assertEqual(out["subscribers"], 6)  # alice, bob, carol (her known password), dave, erin, frank
        self.assertEqual(out["skipped-without-cleartext"], 0)
        self.assertEqual(out["requests"], 12)
        diffs = sorted((d["username"], d["method"], d["what"], d["theirs"], d["ours"], d["predicted"]) for d in out["differences"])
        self.assertEqual(diffs, [
            ("erin", "CHAP", "Acct-Interim-Interval", "600", "300", True),
            ("erin", "CHAP", "rate", "(none)", "1M down / 1M up", True),
            ("erin", "PAP", "Acct-Interim-Interval", "600", "300", True),
            ("erin", "PAP", "rate", "(none)", "1M down / 1M up", True),
        ], r.stdout)
        # carol: PAP accepted by both against her crypt hash; CHAP refused by both (no cleartext).
        self.assertEqual(out["agreed"], 10)
        self.assertEqual(out["unpredicted"], 0)
        self.assertEqual(r.returncode, 0, r.stderr)

    def test_hashed_subscribers_without_a_known_password_are_skipped(self):
        r = self.verify(None, "--no-chap")
        out = json.loads(r.stdout)
        self.assertEqual((out["subscribers"], out["skipped-without-cleartext"], out["requests"]), (5, 1, 5))
        self.assertEqual(out["unpredicted"], 0, r.stdout)

    def test_a_wrong_secret_is_an_error_not_agreement(self):
        wrong = os.path.join(self.tmp.path, "wrong")
        with open(wrong, "w") as f:
            f.write("not-the-secret")
        r = self.verify(wrong, "--sample", "1", "--timeout", "1500")
        out = json.loads(r.stdout)
        self.assertEqual(r.returncode, 1)
        self.assertTrue(out["errors"], r.stdout)
        self.assertTrue(all("their server" in e for e in out["errors"]), out["errors"])
        self.assertEqual(out["requests"], 2)
        self.assertEqual(out["agreed"], 0)
        # "no answer" against the box's decision: a difference nobody predicted, never agreement.
        self.assertEqual([(d["what"], d["theirs"], d["predicted"]) for d in out["differences"]],
                         [("decision", "no answer", False)] * 2)


class ShadowCheckSql(unittest.TestCase):
    @classmethod
    def setUpClass(cls):
        cls.tmp = TempDir("edge-shadow-sql-")
        cls.db = os.path.join(cls.tmp.path, "radius.db")
        con = sqlite3.connect(cls.db)
        with open(SQLITE_SCHEMA) as f:
            con.executescript(f.read())
        with open(SQL_ROWS) as f:
            con.executescript(f.read())
        con.close()
        cls.fr = FreeRadius(os.path.join(cls.tmp.path, "freeradius"), sqlite_db=cls.db).start()
        cls.edged = Edged(os.path.join(cls.tmp.path, "box")).start()
        cls.edged.ctl("nas", "add", "--name", "bras", "--address", "127.0.0.1", "--secret", SECRET, "--vendor", "mikrotik")
        cls.auth_port = cls.edged.ctl_json("status")["radius"]["auth-port"]
        cls.secret_file = os.path.join(cls.tmp.path, "secret")
        with open(cls.secret_file, "w") as f:
            f.write(SECRET + "\n")
        cls.passwords_file = os.path.join(cls.tmp.path, "passwords")
        with open(cls.passwords_file, "w") as f:
            f.write("bob,password\ncarol,password\ndave,password\n")
        cls.source = ("--source", "freeradius-sql", "--from", "sqlite:" + cls.db)
        cls.dry = cls.edged.ctl("import", *cls.source, "--dry-run", check=False, json_out=True)
        r = cls.edged.ctl("import", *cls.source, check=False)
        assert r.returncode == 0, r.stdout + r.stderr

    @classmethod
    def tearDownClass(cls):
        cls.edged.stop()
        cls.fr.stop()
        cls.tmp.cleanup()

    def verify_args(self):
        return ("import", "verify", *self.source,
                "--theirs", f"127.0.0.1:{self.fr.port}", "--theirs-secret-file", self.secret_file,
                "--ours", f"127.0.0.1:{self.auth_port}", "--ours-secret-file", self.secret_file,
                "--passwords", self.passwords_file, "--rate", "50")

    def test_only_predicted_differences(self):
        r = self.edged.ctl(*self.verify_args(), check=False, json_out=True)
        self.check_only_predicted(r)

    def test_mgmtctl_runs_the_same_check(self):
        # mgmtctl links no RADIUS codec (ADR 0015): the check's own client (ADR 0060) talks to both
        # servers, so the operator of a tenant runs it from the management plane's machine.
        r = subprocess.run([binary("mgmtctl"), "--json", *self.verify_args()], capture_output=True, text=True, timeout=60)
        self.check_only_predicted(r)
        # Its usage names the command, as edgectl's does.
        u = subprocess.run([binary("mgmtctl"), "import", "verify", "--help"], capture_output=True, text=True, timeout=10)
        self.assertEqual(u.returncode, 0, u.stderr)
        self.assertIn("usage: mgmtctl import verify --source S", u.stdout)

    def check_only_predicted(self, r):
        out = json.loads(r.stdout)
        self.assertEqual(out["errors"], [], r.stdout + r.stderr)
        # Every subscriber (bob, carol and dave by their known password), PAP and CHAP.
        self.assertEqual((out["subscribers"], out["skipped-without-cleartext"], out["requests"]), (7, 0, 14))
        diffs = sorted((d["username"], d["method"], d["what"], d["theirs"], d["ours"], d["predicted"]) for d in out["differences"])
        # Only the interim the box sends where FreeRADIUS sends none: rates (gold's MikroTik, silver's
        # WISPr, basic's reached through gold's Fall-Through and not through silver), timeouts, the
        # static IP, the expiry, frank's Reject and CHAP refused for the hashes agree.
        self.assertEqual(diffs, [
            ("carol", "PAP", "Acct-Interim-Interval", "(none)", "300", True),
            ("dave", "PAP", "Acct-Interim-Interval", "(none)", "300", True),
            ("erin", "CHAP", "Acct-Interim-Interval", "(none)", "300", True),
            ("erin", "PAP", "Acct-Interim-Interval", "(none)", "300", True),
            ("grace", "CHAP", "Acct-Interim-Interval", "(none)", "300", True),
            ("grace", "PAP", "Acct-Interim-Interval", "(none)", "300", True),
        ], r.stdout)
        self.assertEqual((out["agreed"], out["unpredicted"], r.returncode), (8, 0, 0), r.stdout + r.stderr)
        # What the dry run said the groups become (SQL groups are real memberships).
        dry = json.loads(self.dry.stdout)
        plans = {p["name"]: (p["args"], p["subscribers"]) for p in dry["plans"]}
        self.assertEqual(sorted(plans), ["basic", "fr-4M-2M", "gold-x2", "gold-x2-2", "silver", "silver-x3"])
        self.assertEqual(plans["gold-x2"], ({"name": "gold-x2", "down": "20M", "up": "10M", "idle-timeout": "600",
                                             "interim": "300", "max-sessions": "2"}, 1))  # alice: gold, then basic
        self.assertEqual(plans["silver-x3"][0]["max-sessions"], "3")  # carol's own Simultaneous-Use
        self.assertEqual(dry["password-forms"], {"cleartext": 4, "crypt": 1, "md5": 1, "nt-hash": 1})


if __name__ == "__main__":
    unittest.main()
