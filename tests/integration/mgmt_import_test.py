"""Imports into mgmt (issue 30, ADR 0049): a private mariadbd holding FreeRADIUS's own MySQL schema
(Debian's freeradius package) and daloRADIUS's tables, filled with tests/import/radius_fixture.sql
and daloradius_fixture.sql (group rate attributes, Simultaneous-Use, an expiration, mixed hash
types, a group depending on the request), imported with `mgmtctl import` into a tenant of a real
mgmtd: dry run (nothing changes), apply (plans with prices, subscribers, customers, radacct's closed
sessions as usage history with --history), a re-run that adds nothing, the tier's cap refusing what is past it, a rollback that leaves what the operator
changed since, and another tenant reaching none of it. With MGMT_TEST_PG_DSN (mgmt_import_pg) mgmtd
runs on PostgreSQL and the same data is read from a PostgreSQL source too."""
import json
import os
import subprocess
import sys
import unittest

sys.path.insert(0, os.path.dirname(__file__))
sys.path.insert(0, os.path.join(os.path.dirname(__file__), "..", "support"))
from edgelib import PG_DSN, Mgmtd, TempDir, _psql, fresh_pg_database  # noqa: E402
from mariadb_server import MariaDb  # noqa: E402

SOURCE = os.environ.get("EDGE_SOURCE", os.path.join(os.path.dirname(__file__), "..", ".."))
FIXTURES = os.path.join(SOURCE, "tests", "import")
FR_SQL = "/etc/freeradius/3.0/mods-config/sql/main"


def read(*parts):
    with open(os.path.join(*parts)) as f:
        return f.read()


class MgmtImport(unittest.TestCase):
    @classmethod
    def setUpClass(cls):
        cls.tmp = TempDir()
        cls.db = MariaDb(os.path.join(cls.tmp.path, "mariadb")).start()
        cls.db.create_database("radius")
        cls.db.sql("radius", read(FR_SQL, "mysql", "schema.sql") + read(FIXTURES, "daloradius_schema.sql") +
                   read(FIXTURES, "radius_fixture.sql") + read(FIXTURES, "daloradius_fixture.sql"))
        cls.mgmt = Mgmtd(os.path.join(cls.tmp.path, "mgmt")).start()
        cls.mgmt.ctl("tenant", "add", "--name", "acme", "--tier", "enterprise")
        cls.mgmt.ctl("tenant", "add", "--name", "globex", "--tier", "free")
        cls.mgmt.ctl("tenant", "add", "--name", "initech", "--tier", "enterprise")

    @classmethod
    def tearDownClass(cls):
        cls.mgmt.stop()
        cls.db.stop()
        cls.tmp.cleanup()

    def run_import(self, tenant, *extra, source="daloradius", from_=None, expect=0):
        r = self.mgmt.ctl("--json", "import", "--tenant", tenant, "--source", source, "--from",
                          from_ or self.db.url("radius"), *extra, check=False)
        self.assertEqual(expect, r.returncode, r.stdout + r.stderr)
        return json.loads(r.stdout), r.stderr

    def names(self, tenant, what):
        return sorted(x["username" if what == "subscriber" else "name"]
                      for x in self.mgmt.ctl_json(what, "list", "--tenant", tenant))

    def customers(self, tenant):
        return self.mgmt.ctl_json("customer", "list", "--tenant", tenant)["customers"]

    def usage(self, tenant, user):
        return self.mgmt.ctl_json("usage", "--tenant", tenant, "--user", user)[0]

    def test_dry_run_apply_rerun_and_rollback(self):
        report, progress = self.run_import("acme", "--dry-run", "--history")
        self.assertIn("read 8 users and 3 groups from mariadb", progress)
        self.assertEqual({"entries": 8, "defaults": 3, "importable": 7, "not-importable": 1, "with-warnings": 5,
                          "plans": 4}, report["counts"])
        self.assertEqual({"cleartext": 5, "crypt": 1, "md5": 1, "nt-hash": 1}, report["password-forms"])
        self.assertTrue(any("NAS-IP-Address == 10.0.0.1" in w for w in report["warnings"]), report["warnings"])
        self.assertTrue(any("radacct holds 2 sessions" in w for w in report["warnings"]), report["warnings"])
        target = report["target"]
        self.assertEqual((4, 0, 7, 0, 3, 0), (target["plans-added"], target["plans-kept"], target["added"],
                                               target["already-there"], target["customers-added"],
                                               target["refused-by-tier-cap"]))
        self.assertIsNone(target["batch"])
        # radacct: alice's closed session is read (bob's open one never), nothing is written.
        self.assertEqual((1, 0, 0), (target["history"]["sessions"], target["history"]["added"],
                                     target["history"]["unreadable"]))
        self.assertNotIn("alicepw", json.dumps(report))
        # A dry run changes nothing.
        self.assertEqual([], self.names("acme", "plan"))
        self.assertEqual([], self.names("acme", "subscriber"))
        self.assertEqual([], self.mgmt.ctl_json("import", "list", "--tenant", "acme"))

        self.assertEqual(0, self.usage("acme", "alice")["records"])
        applied, progress = self.run_import("acme", "--history")
        self.assertIn("applied 7/7 subscribers", progress)
        self.assertIn("history: 1 sessions sent: 1 added", progress)
        self.assertEqual({"sessions": 1, "added": 1, "already-there": 0, "unknown-subscriber": 0, "unreadable": 0,
                          "first-unreadable": ""}, applied["target"]["history"])
        # The session is alice's usage and one of her closed sessions, as radacct had it.
        used = self.usage("acme", "alice")
        self.assertEqual((1000, 5000, 3600, 1, "2026-11-01T11:00:00.000Z"),
                         (used["input-octets"], used["output-octets"], used["session-time"], used["records"],
                          used["last-record"]))
        sessions = self.mgmt.ctl_json("session", "list", "--tenant", "acme", "--user", "alice")
        self.assertEqual([("u1", "10.0.0.2", "2026-11-01T10:00:00.000Z", "2026-11-01T11:00:00.000Z", 1000, 5000)],
                         [(x["session"], x["nas"], x["started"], x["stopped"], x["input-octets"], x["output-octets"])
                          for x in sessions])
        batch = applied["target"]["batch"]
        self.assertEqual((4, 7, 3), (applied["target"]["plans-added"], applied["target"]["added"],
                                     applied["target"]["customers-added"]))
        self.assertEqual(["fr-4M-2M", "gold-x2", "silver", "silver-x3"], self.names("acme", "plan"))
        plans = {p["name"]: p for p in self.mgmt.ctl_json("plan", "list", "--tenant", "acme")}
        self.assertEqual(("20M", "10M", "2", "25.00", "USD"),
                         tuple(plans["gold-x2"][k] for k in ("down", "up", "max-sessions", "price", "currency")))
        self.assertEqual("10.00", plans["silver-x3"]["price"])
        self.assertNotIn("price", plans["fr-4M-2M"])
        subs = {s["username"]: s for s in self.mgmt.ctl_json("subscriber", "list", "--tenant", "acme")}
        self.assertEqual(["alice", "bob", "carol", "dave", "frank", "grace", "heidi"], sorted(subs))
        self.assertEqual("disabled", subs["frank"]["status"])
        customers = {c["username"]: c for c in self.customers("acme")}
        self.assertEqual(("Alice Example", "alice@example.com", "+1 555 0100", "1 Main St, Springfield, 12345, US"),
                         tuple(customers["alice"][k] for k in ("name", "email", "phone", "address")))
        self.assertEqual("dave", customers["dave"]["name"])
        self.assertEqual(["alice", "bob", "dave"], sorted(customers))

        # A re-run adds nothing and changes nothing.
        again, _ = self.run_import("acme", "--history")
        self.assertEqual((0, 4, 0, 7, 0, 3), tuple(again["target"][k] for k in (
            "plans-added", "plans-kept", "added", "already-there", "customers-added", "customers-kept")))
        self.assertEqual((0, 1), (again["target"]["history"]["added"], again["target"]["history"]["already-there"]))
        self.assertEqual((1000, 1), (self.usage("acme", "alice")["input-octets"], self.usage("acme", "alice")["records"]))
        # --history only where there is radacct.
        r = self.mgmt.ctl("import", "--tenant", "acme", "--source", "freeradius-users", "--from", "/dev/null",
                          "--history", check=False)
        self.assertEqual(2, r.returncode)
        self.assertIn("--history: only freeradius-sql and daloradius", r.stderr)

        # Another tenant cannot see or roll back acme's batch.
        r = self.mgmt.ctl("import", "rollback", "--tenant", "initech", batch, check=False)
        self.assertNotEqual(0, r.returncode)
        self.assertIn("no import batch", r.stderr)

        # The operator changes bob and alice's customer record after the import: both stay.
        self.mgmt.ctl("subscriber", "set", "--tenant", "acme", "--username", "bob", "--status", "disabled")
        self.mgmt.ctl("customer", "set", "--tenant", "acme", "--id", customers["alice"]["id"], "--notes", "called")
        rolled = self.mgmt.ctl_json("import", "rollback", "--tenant", "acme", batch)
        self.assertEqual((6, 1, 2, 1), (rolled["subscribers-removed"], rolled["subscribers-left"],
                                        rolled["customers-removed"], rolled["customers-left"]))
        self.assertEqual(3, rolled["plans-removed"])
        self.assertEqual([{"plan": "gold-x2", "subscribers": 1}], rolled["plans-kept"])
        self.assertEqual(["bob"], self.names("acme", "subscriber"))
        self.assertEqual(["gold-x2"], self.names("acme", "plan"))
        self.assertEqual(["alice"], sorted(c["username"] for c in self.customers("acme")))
        # alice went with the rollback, and her imported history with her.
        self.assertEqual((0, 0), (self.usage("acme", "alice")["input-octets"], self.usage("acme", "alice")["records"]))
        self.assertEqual([], self.mgmt.ctl_json("session", "list", "--tenant", "acme", "--user", "alice"))
        batches = self.mgmt.ctl_json("import", "list", "--tenant", "acme")
        self.assertEqual({batch: "rolled-back", again["target"]["batch"]: "applied"},
                         {b["batch"]: b["state"] for b in batches})
        first = [b for b in batches if b["batch"] == batch][0]
        self.assertEqual((4, 7, 3, "daloradius"), (first["plans"], first["subscribers"], first["customers"], first["source"]))
        r = self.mgmt.ctl("import", "rollback", "--tenant", "acme", batch, check=False)
        self.assertIn("rolled back already", r.stderr)

    def test_tier_cap_is_reported_and_honoured(self):
        # globex (free tier: 100 subscribers) holds 95 already, imported from a users file.
        users = os.path.join(self.tmp.path, "users")
        with open(users, "w") as f:
            for i in range(95):
                f.write(f'u{i:03d} Cleartext-Password := "pw{i}"\n\tMikrotik-Rate-Limit = "1M/2M"\n\n')
        filled, _ = self.run_import("globex", source="freeradius-users", from_=users)
        self.assertEqual(95, filled["target"]["added"])
        dry, _ = self.run_import("globex", "--dry-run")
        self.assertEqual((5, 2, 100), (dry["target"]["added"], dry["target"]["refused-by-tier-cap"],
                                       dry["target"]["subscriber-cap"]))
        # The text report says the same in words.
        text = self.mgmt.ctl("import", "--tenant", "globex", "--source", "daloradius", "--from", self.db.url("radius"),
                             "--dry-run").stdout
        self.assertIn("8 subscribers read (3 groups), 7 importable, 1 not", text)
        self.assertIn("group 'branch' (row 2) depends on the request", text)
        self.assertIn("Into tenant 'globex' (dry run: nothing changed):", text)
        self.assertIn("subscribers: 5 to add, 0 already there, 2 refused by the tier's cap of 100, 1 not importable",
                      text)
        applied, _ = self.run_import("globex", expect=1)
        self.assertEqual((5, 2), (applied["target"]["added"], applied["target"]["refused-by-tier-cap"]))
        self.assertTrue(all("subscriber cap of 100" in r["error"] for r in applied["target"]["refused"]),
                        applied["target"]["refused"])
        self.assertEqual(100, len(self.mgmt.ctl_json("subscriber", "list", "--tenant", "globex", "--limit", "1000")))

    def test_postgresql_source_reads_the_same(self):
        # Run by mgmt_import_pg only (CTest names the tests of mgmt_import): it needs the pg_cluster fixture.
        self.assertIsNotNone(PG_DSN, "MGMT_TEST_PG_DSN: run through CTest's mgmt_import_pg")
        dsn = fresh_pg_database()
        _psql(dsn, read(FR_SQL, "postgresql", "schema.sql") + read(FIXTURES, "daloradius_schema.sql") +
              read(FIXTURES, "radius_fixture.sql") + read(FIXTURES, "daloradius_fixture.sql"))
        from_pg, progress = self.run_import("initech", "--dry-run", "--history", from_=dsn)
        self.assertIn("from postgresql", progress)
        from_maria, _ = self.run_import("initech", "--dry-run", "--history")
        # radacct's times as PostgreSQL prints them (timestamptz: "+00") read as MariaDB's.
        self.assertEqual((1, 0), (from_pg["target"]["history"]["sessions"], from_pg["target"]["history"]["unreadable"]))
        self.assertEqual(from_maria["target"]["history"], from_pg["target"]["history"])
        for report in (from_pg, from_maria):
            report.pop("target")
        self.assertEqual(from_maria, from_pg)


if __name__ == "__main__":
    unittest.main(verbosity=2)
