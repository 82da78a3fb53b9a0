"""Backup and restore of the management plane, on the backend of this run: SQLite (`mgmtctl backup`,
an online copy of mgmt.db while mgmtd runs and a box uploads) or PostgreSQL (pg_dump -Fc of mgmtd's
database while it runs, pg_restore into a new database; MGMT_TEST_PG_DSN from the pg_cluster fixture).
The restore goes to a fresh place (a new data folder with the old keys; a new database), mgmtd starts
on it, and tenants, licenses, devices (they check in with their certificates) and tokens are as
before, and usage is exactly the boxes' records up to each box's restored watermark: the copy is one
point in time even though a box was uploading while it was taken."""
import json
import os
import shutil
import subprocess
import sys
import threading
import time
import unittest

sys.path.insert(0, os.path.dirname(__file__))
from edgelib import PG_DSN, Mgmtd, TempDir, binary, fresh_pg_database  # noqa: E402
from curl_box import CurlBox, expected_usage, usage_of  # noqa: E402

USERS = {"acme": ["alice", "bob", "carol"], "globex": ["dave"]}


class BackupRestore(unittest.TestCase):
    @classmethod
    def setUpClass(cls):
        cls.tmp = TempDir()
        cls.mgmt = Mgmtd(os.path.join(cls.tmp.path, "mgmt")).start()

    @classmethod
    def tearDownClass(cls):
        if cls.mgmt.proc is not None:
            cls.mgmt.stop()
        cls.tmp.cleanup()

    def state(self, m):
        s = {"tenants": m.ctl_json("tenant", "list"), "tokens": m.ctl_json("token", "list"),
             "devices": sorted(d["id"] for d in m.ctl_json("device", "list"))}
        for t in USERS:
            s["license " + t] = m.ctl_json("license", "show", "--tenant", t)
            s["plans " + t] = m.ctl_json("plan", "list", "--tenant", t)
        return s

    def take_backup(self, out):
        """The backup of the running mgmtd, by the backend's own tool."""
        if PG_DSN is None:
            r = subprocess.run([binary("mgmtctl"), "backup", "--from",
                                "sqlite:" + os.path.join(self.mgmt.data_dir, "mgmt.db"), "--to", out],
                               capture_output=True, text=True, timeout=300)
            self.assertEqual(r.returncode, 0, r.stdout + r.stderr)
            self.assertIn("integrity checked", r.stdout)
        else:
            r = subprocess.run(["pg_dump", "-Fc", "-d", self.mgmt.pg_dsn, "-f", out],
                               capture_output=True, text=True, timeout=300)
            self.assertEqual(r.returncode, 0, r.stderr)

    def restore(self, backup, root):
        """A new mgmtd folder with the old data folder's keys (the CA the boxes' certificates chain to,
        the license key) and the backup as its database."""
        data = os.path.join(root, "data")
        os.makedirs(data)
        for name in os.listdir(self.mgmt.data_dir):
            if name.endswith(".pem"):
                shutil.copy2(os.path.join(self.mgmt.data_dir, name), os.path.join(data, name))
        extra = {}
        if PG_DSN is None:
            shutil.copy2(backup, os.path.join(data, "mgmt.db"))
            extra["storage"] = {"backend": "sqlite"}
        else:
            dsn = fresh_pg_database()
            r = subprocess.run(["pg_restore", "--no-owner", "--exit-on-error", "-d", dsn, backup],
                               capture_output=True, text=True, timeout=300)
            self.assertEqual(r.returncode, 0, r.stderr)
            extra["storage"] = {"backend": "postgres", "dsn": dsn}
        # The same ports: the boxes know the device API by its address.
        extra["device-api"] = {"listen": "127.0.0.1", "port": self.mgmt.device_port}
        extra["admin-api"] = {"listen": "127.0.0.1", "port": self.mgmt.admin_port}
        return Mgmtd(root, extra)

    def test_backup_while_running_then_restore_in_a_fresh_place(self):
        m = self.mgmt
        m.ctl("tenant", "add", "--name", "acme", "--tier", "basic")
        m.ctl("tenant", "add", "--name", "globex", "--tier", "free")
        m.ctl("plan", "add", "--tenant", "acme", "--name", "home", "--down", "10M", "--up", "2M")
        m.ctl("token", "create", "--name", "ops")
        boxes = {}
        for tenant, count in (("acme", 2), ("globex", 1)):
            token = m.ctl("claim", "create", "--tenant", tenant, "--uses", str(count)).stdout.strip()
            for i in range(count):
                box = CurlBox(self.tmp.path, f"{tenant}-{i}").enroll(token)
                for _ in range(3):
                    box.upload(120 + 31 * i, USERS[tenant])
                boxes.setdefault(tenant, []).append(box)
        before = self.state(m)

        # The backup is taken while one box keeps uploading.
        busy = boxes["acme"][0]
        stop = threading.Event()
        uploads = []

        def keep_uploading():
            while not stop.is_set():
                uploads.append(busy.upload(25, USERS["acme"]))
        uploader = threading.Thread(target=keep_uploading)
        backup = os.path.join(self.tmp.path, "mgmt-backup.db" if PG_DSN is None else "mgmt.dump")
        uploader.start()
        try:
            time.sleep(0.5)
            self.take_backup(backup)
            time.sleep(0.3)
        finally:
            stop.set()
            uploader.join()
        self.assertGreater(len(uploads), 2, "the box uploaded while the backup was taken")
        m.stop()

        restored = self.restore(backup, os.path.join(self.tmp.path, "restored")).start()
        try:
            self.assertEqual(self.state(restored), before)
            # Usage: the boxes' own records, each up to the watermark the backup holds for it (usage rows
            # and the totals were copied at one point in time, or these sums would not match).
            marks = {d["id"]: d["usage-watermark"] for d in restored.ctl_json("device", "list")}
            self.assertGreater(len(busy.acked), marks[busy.device_id], "uploads after the backup are not in it")
            self.assertLessEqual(3 * 120, marks[busy.device_id])
            for tenant in USERS:
                self.assertEqual(usage_of(restored, tenant), expected_usage(boxes[tenant], marks), tenant)
                for box in boxes[tenant]:
                    if box is not busy:
                        self.assertEqual(marks[box.device_id], box.seq)
            # The boxes check in with the certificates they have, and upload on.
            for tenant, group in boxes.items():
                for box in group:
                    self.assertEqual(box.checkin()[0], 200, box.name)
            ack = boxes["globex"][0].upload(10, USERS["globex"])
            self.assertEqual(ack["accepted"], 10)
            self.assertEqual(usage_of(restored, "globex"), expected_usage(boxes["globex"]))
        finally:
            restored.stop()


if __name__ == "__main__":
    unittest.main(verbosity=2)
