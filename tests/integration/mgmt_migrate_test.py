"""mgmtctl migrate end to end: a platform on SQLite (several tenants, boxes enrolled with their own
keys and uploading usage over mutual TLS, admin tokens) copied to PostgreSQL while mgmtd runs and a
box keeps uploading (a rehearsal), then again with mgmtd stopped (the cutover, replacing the
rehearsal), and mgmtd started on PostgreSQL: the same tenants, devices, licenses and tokens, usage
totals to the byte as the boxes recorded them, the boxes checking in and uploading with the
certificates they have. Needs the pg_cluster fixture (MGMT_TEST_PG_DSN)."""
import json
import os
import subprocess
import sys
import threading
import time
import unittest

sys.path.insert(0, os.path.dirname(__file__))
from edgelib import PG_DSN, Mgmtd, TempDir, _psql, binary, fresh_pg_database  # noqa: E402
from curl_box import CurlBox, expected_usage, usage_of  # noqa: E402

USERS = {"acme": ["alice", "bob", "carol"], "globex": ["dave", "erin"], "initech": ["frank"]}


def mgmtctl(*args):
    return subprocess.run([binary("mgmtctl")] + list(args), capture_output=True, text=True, timeout=600)


class Migrate(unittest.TestCase):
    @classmethod
    def setUpClass(cls):
        if PG_DSN is None:
            raise AssertionError("MGMT_TEST_PG_DSN is not set: run through ctest (mgmt_migrate_pg)")
        cls.tmp = TempDir()
        cls.mgmt = Mgmtd(os.path.join(cls.tmp.path, "mgmt"), {"storage": {"backend": "sqlite"}}).start()

    @classmethod
    def tearDownClass(cls):
        cls.mgmt.stop()
        cls.tmp.cleanup()

    def populate(self):
        m = self.mgmt
        tiers = {"acme": "basic", "globex": "free", "initech": "premium"}
        for name, tier in tiers.items():
            m.ctl("tenant", "add", "--name", name, "--tier", tier)
        m.ctl("plan", "add", "--tenant", "acme", "--name", "home", "--down", "10M", "--up", "2M")
        for u in USERS["acme"]:
            m.ctl("subscriber", "add", "--tenant", "acme", "--username", u, "--password", "pw", "--plan", "home")
        self.platform_token = m.ctl("token", "create", "--name", "ops").stdout.strip()
        self.acme_token = m.ctl("token", "create", "--tenant", "acme", "--name", "acme-ops").stdout.strip()
        self.boxes = {}
        for tenant, count in (("acme", 2), ("globex", 1), ("initech", 1)):
            token = m.ctl("claim", "create", "--tenant", tenant, "--uses", str(count)).stdout.strip()
            for i in range(count):
                box = CurlBox(self.tmp.path, f"{tenant}-{i}").enroll(token)
                self.assertEqual(box.checkin()[0], 200)
                for _ in range(3):
                    box.upload(150 + 37 * i, USERS[tenant])
                self.boxes.setdefault(tenant, []).append(box)
        m.ctl("session", "disconnect", "--tenant", "acme", "--user", "alice")  # a command for each acme box

    def state(self):
        """What an operator sees, through mgmtctl on the running mgmtd."""
        m = self.mgmt
        devices = m.ctl_json("device", "list")
        for d in devices:
            del d["seconds-since-checkin"]  # relative to the time of asking; last-checkin is compared
        s = {"tenants": m.ctl_json("tenant", "list"), "devices": devices, "tokens": m.ctl_json("token", "list")}
        for t in USERS:
            s["license " + t] = m.ctl_json("license", "show", "--tenant", t)
            s["usage " + t] = usage_of(m, t)
            s["commands " + t] = m.ctl_json("command", "list", "--tenant", t)
            s["sessions " + t] = m.ctl_json("session", "list", "--tenant", t)
        return s

    def admin_status(self, token):
        r = subprocess.run(["curl", "-sS", "-k", "-o", "/dev/null", "-w", "%{http_code}", "--max-time", "20", "-H",
                            f"Authorization: Bearer {token}",
                            f"https://127.0.0.1:{self.mgmt.admin_port}/api/v1/tenant-list"],
                           capture_output=True, text=True, timeout=30)
        # No HTTP answer at all once failed a fresh-clone run (0 != 200, cause not seen): say what curl saw.
        if not r.stdout or r.stdout == "000":
            self.fail(f"no HTTP answer from the admin API: curl exit {r.returncode}: {r.stderr.strip()}")
        return int(r.stdout)

    def test_migrate_a_running_platform_then_cut_over(self):
        self.populate()
        db = os.path.join(self.mgmt.data_dir, "mgmt.db")
        target = fresh_pg_database()

        # 1. Rehearsal while mgmtd runs and one box keeps uploading: a snapshot is copied and verified.
        busy = self.boxes["acme"][0]
        stop = threading.Event()
        uploads = []

        def keep_uploading():
            while not stop.is_set():
                uploads.append(busy.upload(40, USERS["acme"]))
        uploader = threading.Thread(target=keep_uploading)
        uploader.start()
        try:
            time.sleep(0.5)
            started = len(uploads)
            r = mgmtctl("migrate", "--from", f"sqlite:{db}", "--to", f"postgres:{target}", "--batch-rows", "100")
            during = len(uploads) - started
        finally:
            stop.set()
            uploader.join()
        self.assertEqual(r.returncode, 0, r.stdout + r.stderr)
        self.assertGreater(during, 0, "the box uploaded while the copy ran")
        self.assertIn("snapshot taken", r.stderr)
        usage_lines = [line.split() for line in r.stderr.splitlines() if line.strip().startswith("usage ")]
        self.assertGreater(len(usage_lines), 1, r.stderr)  # the start and at least the end
        done, total = usage_lines[-1][1].split("/")
        self.assertEqual(done, total)
        self.assertIn("verified:", r.stdout)
        self.assertIn("4 device(s) and 3 tenant(s)", r.stdout)
        self.assertFalse([f for f in os.listdir(self.mgmt.data_dir) if f.startswith("mgmt-migrate-")],
                         "the snapshot is removed")

        # 2. The rehearsal left rows: a second copy is refused without --replace.
        r = mgmtctl("migrate", "--from", f"sqlite:{db}", "--to", f"postgres:{target}")
        self.assertEqual(r.returncode, 1, r.stdout + r.stderr)
        self.assertIn("not empty", r.stderr)

        # 3. The cutover: mgmtd stopped (the boxes keep their backlog meanwhile), copy, start on PostgreSQL.
        self.assertEqual(self.admin_status(self.platform_token), 200)  # a token's last use travels too
        before = self.state()
        self.mgmt.stop()
        r = mgmtctl("migrate", "--from", f"sqlite:{db}", "--to", f"postgres:{target}", "--replace")
        self.assertEqual(r.returncode, 0, r.stdout + r.stderr)
        self.assertIn("replaced", r.stderr)
        self.assertIn("verified:", r.stdout)
        r = mgmtctl("verify", "--from", f"sqlite:{db}", "--to", f"postgres:{target}")
        self.assertEqual(r.returncode, 0, r.stdout + r.stderr)
        self.assertIn("verified:", r.stdout)
        with open(self.mgmt.config) as f:
            config = json.load(f)
        config["storage"] = {"backend": "postgres", "dsn": target}
        with open(self.mgmt.config, "w") as f:
            json.dump(config, f, indent=2)
        self.mgmt.start()

        # Everything answers as before, and usage is what the boxes recorded, to the byte.
        after = self.state()
        for key in before:
            self.assertEqual(before[key], after[key], key)
        for tenant in USERS:
            self.assertEqual(usage_of(self.mgmt, tenant), expected_usage(self.boxes[tenant]), tenant)
        self.assertEqual(self.admin_status(self.platform_token), 200)
        self.assertEqual(self.admin_status(self.acme_token), 200)
        self.assertEqual(self.admin_status("nope"), 401)

        # The boxes go on with the certificates they have: check-in, a replay changes nothing, new usage counts.
        for tenant, boxes in self.boxes.items():
            for box in boxes:
                self.assertEqual(box.checkin()[0], 200, box.name)
                replay = box.upload(25, USERS[tenant], replay_from=1)
                self.assertEqual((replay["accepted"], replay["duplicates"], replay["watermark"]), (0, 25, box.seq))
                ack = box.upload(30, USERS[tenant])
                self.assertEqual(ack["accepted"], 30)
            self.assertEqual(usage_of(self.mgmt, tenant), expected_usage(boxes), tenant)
        # mgmtd wrote them to PostgreSQL, not to the old file.
        rows = sum(len(b.acked) for boxes in self.boxes.values() for b in boxes)
        self.assertEqual(int(_psql(target, "SELECT count(*) FROM usage;").strip()), rows)
        # Commands made on PostgreSQL take ids after the copied ones.
        old_ids = {c["id"] for c in before["commands acme"]}
        self.mgmt.ctl("session", "disconnect", "--tenant", "acme", "--user", "bob")
        new_ids = {c["id"] for c in self.mgmt.ctl_json("command", "list", "--tenant", "acme")} - old_ids
        self.assertEqual(len(new_ids), 2)
        self.assertGreater(min(new_ids), max(old_ids))

        # verify compares the two: the SQLite file no longer has what was uploaded since.
        r = mgmtctl("verify", "--from", f"sqlite:{db}", "--to", f"postgres:{target}")
        self.assertEqual(r.returncode, 1, r.stdout + r.stderr)
        self.assertIn("verification FAILED", r.stderr)
        self.assertIn("usage of device " + self.boxes["globex"][0].device_id, r.stderr)

    def test_usage_errors(self):
        for args, words in ((["migrate", "--from", "mysql:x", "--to", "postgres:x"], "sqlite:PATH or postgres:DSN"),
                            (["migrate", "--from", "sqlite:/nonexistent/mgmt.db", "--to", "postgres:x"], "no readable"),
                            (["migrate", "--to", "postgres:x"], "needs --from and --to"),
                            (["backup", "--from", "postgres:dbname=x", "--to", "/tmp/x"], "pg_dump")):
            r = mgmtctl(*args)
            self.assertNotEqual(r.returncode, 0, args)
            self.assertIn(words, r.stderr, args)


if __name__ == "__main__":
    unittest.main(verbosity=2)
