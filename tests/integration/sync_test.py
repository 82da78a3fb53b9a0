"""The box's side of sync with a real mgmtd (issue 29): the retry schedule while mgmt is gone, the
outbox limit, the full resync when the box's cursor is ahead of mgmt, the automatic certificate
renewal at two thirds of its life, and a management plane running on an operator's own CA.
Each test makes its own mgmtd and box."""
import hashlib
import json
import os
import sqlite3
import subprocess
import sys
import time
import unittest
from datetime import datetime, timedelta, timezone

sys.path.insert(0, os.path.dirname(__file__))
from edgelib import Edged, Mgmtd, TempDir, sign_with_ca, wait_for  # noqa: E402


def openssl(*args):
    r = subprocess.run(["openssl"] + list(args), capture_output=True, text=True, timeout=30)
    if r.returncode != 0:
        raise AssertionError(f"openssl {' '.join(args)}: {r.stderr}")
    return r.stdout


def metric(box, name):
    """A counter from the box's /metrics (Prometheus text), 0 when absent."""
    url = box.ctl_json("status")["metrics-url"]
    text = subprocess.run(["curl", "-sSk", "--max-time", "5", url], capture_output=True, text=True, timeout=10).stdout
    for line in text.splitlines():
        if line.startswith(name + " ") or line.startswith(name + "{"):
            return float(line.rsplit(" ", 1)[1])
    return 0


def utc(dt):
    return dt.strftime("%Y%m%d%H%M%SZ")


def parse_iso(text):
    return datetime.fromisoformat(text.replace("Z", "+00:00"))


class Sync(unittest.TestCase):
    def setUp(self):
        self.tmp = TempDir()
        self.addCleanup(self.tmp.cleanup)

    def mgmtd(self, extra=None, name="mgmt"):
        config = {"device-poll-interval": 1}
        config.update(extra or {})
        mgmt = Mgmtd(os.path.join(self.tmp.path, name), config).start()
        self.addCleanup(mgmt.stop)
        mgmt.ctl("tenant", "add", "--name", "acme", "--tier", "basic")
        return mgmt

    def box(self, mgmt, name="box", sync=None):
        conf = {"max-backoff": 5}
        conf.update(sync or {})
        box = Edged(os.path.join(self.tmp.path, name), {"sync": conf}).start()
        self.addCleanup(box.stop)
        box.ctl("enroll", mgmt.ctl("claim", "create", "--tenant", "acme").stdout.strip())
        wait_for(lambda: box.ctl_json("sync", "status")["state"] == "ok", timeout=15, what="the first check-in")
        return box

    def central_names(self, mgmt):
        return {s["username"] for s in mgmt.ctl_json("subscriber", "list", "--tenant", "acme", "--limit", "1000")}

    def test_retries_back_off_while_mgmt_is_gone_and_catch_up_after(self):
        mgmt = self.mgmtd()
        box = self.box(mgmt, sync={"max-backoff": 20})
        mgmt.stop()
        box.ctl("sync", "now")
        seen = []

        def failures_grow():
            s = box.ctl_json("sync", "status")
            if s["state"] == "failing" and s["next-attempt"] and (not seen or s["failures"] != seen[-1][0]):
                seen.append((s["failures"], parse_iso(s["last-attempt"]), parse_iso(s["next-attempt"])))
            return len(seen) >= 2 and seen
        wait_for(failures_grow, timeout=30, what="two failed attempts", interval=0.1)
        for failures, last, nxt in seen:
            ceiling = min(20, 5 << (failures - 1))
            wait = (nxt - last).total_seconds()
            self.assertGreaterEqual(wait, ceiling // 2 - 1, (failures, wait))
            self.assertLessEqual(wait, ceiling + 1, (failures, wait))
        status = box.ctl_json("sync", "status")
        self.assertIn("cannot reach the management plane", status["summary"])
        mgmt.start()
        box.ctl("sync", "now")
        back = wait_for(lambda: (s := box.ctl_json("sync", "status"))["state"] == "ok" and s, timeout=15,
                        what="sync back")
        self.assertEqual(back["failures"], 0)

    def test_the_outbox_keeps_the_newest_changes_up_to_its_limit(self):
        mgmt = self.mgmtd()
        mgmt.ctl("plan", "add", "--tenant", "acme", "--name", "home", "--down", "1M", "--up", "1M")
        box = self.box(mgmt, sync={"outbox-limit": 100})
        wait_for(lambda: "home" in box.ctl("plan", "list").stdout, timeout=10, what="home on the box")
        mgmt.stop()
        csv = os.path.join(self.tmp.path, "local.csv")
        with open(csv, "w") as f:
            f.write("username,password,plan\n")
            for i in range(130):
                f.write(f"local{i:03d},pw{i},home\n")
        box.ctl("subscriber", "import", "--csv", csv)
        dropped = wait_for(lambda: metric(box, "edged_sync_outbox_dropped_total") >= 30 and
                           metric(box, "edged_sync_outbox_dropped_total"), timeout=10, what="the outbox trimmed")
        self.assertEqual(dropped, 30)
        self.assertEqual(box.ctl_json("sync", "status")["outbox-backlog"], 100)
        mgmt.start()
        box.ctl("sync", "now")
        wait_for(lambda: box.ctl_json("sync", "status")["outbox-backlog"] == 0, timeout=20, what="the outbox sent")
        names = {n for n in self.central_names(mgmt) if n.startswith("local")}
        self.assertEqual(names, {f"local{i:03d}" for i in range(30, 130)}, "the newest 100 changes arrive")

    def test_a_cursor_ahead_of_mgmt_gets_a_full_resync_that_removes_what_mgmt_no_longer_has(self):
        mgmt = self.mgmtd()
        mgmt.ctl("plan", "add", "--tenant", "acme", "--name", "home", "--down", "1M", "--up", "1M")
        for user in ("keep", "ghost"):
            mgmt.ctl("subscriber", "add", "--tenant", "acme", "--username", user, "--password", "pw", "--plan", "home")
        box = self.box(mgmt)
        wait_for(lambda: box.ctl("subscriber", "show", "ghost", check=False).returncode == 0, timeout=10,
                 what="ghost on the box")
        box.stop()
        mgmt.ctl("subscriber", "del", "--tenant", "acme", "--username", "ghost")
        # As after mgmt was restored from an older backup: the box remembers a newer version.
        db = sqlite3.connect(os.path.join(box.data_dir, "edge.db"))
        db.execute("UPDATE sync_state SET cursor = 1000000")
        db.commit()
        db.close()
        box.start()
        box.ctl("sync", "now")
        wait_for(lambda: box.ctl("subscriber", "show", "ghost", check=False).returncode != 0, timeout=15,
                 what="ghost removed by the full resync")
        self.assertEqual(box.ctl("subscriber", "show", "keep", check=False).returncode, 0, "keep stays")
        status = wait_for(lambda: (s := box.ctl_json("sync", "status"))["state"] == "ok" and s, timeout=10,
                          what="sync ok")
        self.assertLess(status["cursor"], 1000000, "the cursor follows mgmt again")

    def test_the_certificate_is_renewed_by_itself_at_two_thirds_of_its_life(self):
        mgmt = self.mgmtd()
        box = self.box(mgmt)
        device = box.ctl_json("sync", "status")["device-id"]
        sync_dir = os.path.join(box.data_dir, "sync")
        box.stop()
        mgmt.stop()
        # Give the box a certificate near the end of its life, issued by mgmt's CA for its own key,
        # and make it the device's current one in mgmt's database.
        work = os.path.join(self.tmp.path, "short")
        os.makedirs(work)
        p = lambda n: os.path.join(work, n)  # noqa: E731
        subject = openssl("x509", "-in", os.path.join(sync_dir, "device.pem"), "-noout", "-subject", "-nameopt",
                          "compat").strip().replace("subject=", "")
        openssl("req", "-new", "-key", os.path.join(sync_dir, "device-key.pem"), "-out", p("r.csr"), "-subj", subject)
        now = datetime.now(timezone.utc)
        sign_with_ca(work, os.path.join(mgmt.data_dir, "ca.pem"), os.path.join(mgmt.data_dir, "ca-key.pem"),
                     p("r.csr"), p("short.pem"), utc(now - timedelta(days=2)), utc(now + timedelta(hours=2)))
        pem = openssl("x509", "-in", p("short.pem"))
        der = subprocess.run(["openssl", "x509", "-in", p("short.pem"), "-outform", "DER"], capture_output=True,
                             check=True).stdout
        with open(os.path.join(sync_dir, "device.pem"), "w") as f:
            f.write(pem)
        mgmt.execute("UPDATE devices SET cert_fingerprint = ?, cert_previous_fingerprint = '' WHERE id = ?",
                     hashlib.sha256(der).hexdigest(), device)
        mgmt.start()
        box.start()
        box.ctl("sync", "now")

        def renewed():
            s = box.ctl_json("sync", "status")
            return s["state"] == "ok" and parse_iso(s["certificate-expires-at"]) > now + timedelta(days=30) and s
        wait_for(renewed, timeout=20, what="the automatic renewal")
        with open(os.path.join(sync_dir, "device.pem")) as f:
            self.assertNotEqual(f.read(), pem)
        shown = mgmt.ctl_json("device", "show", device)
        self.assertNotEqual(shown["certificate-fingerprint"], hashlib.sha256(der).hexdigest())

        # A stop in the middle of a renewal, after the new certificate and before the new key took the
        # old one's place: the next start finishes it (the technician UI serves a matching pair).
        key_path, cert_path = os.path.join(sync_dir, "device-key.pem"), os.path.join(sync_dir, "device.pem")
        pair = lambda: (openssl("pkey", "-in", key_path, "-pubout"),  # noqa: E731
                        openssl("x509", "-in", cert_path, "-noout", "-pubkey"))
        box.stop()
        os.rename(key_path, key_path + ".new")
        openssl("ecparam", "-name", "prime256v1", "-genkey", "-noout", "-out", key_path)
        self.assertNotEqual(*pair())
        box.start()
        self.assertFalse(os.path.exists(key_path + ".new"))
        self.assertEqual(*pair())
        self.assertIn("finished a certificate renewal", box.read_log())
        # A stop before the new certificate came: the orphan key goes, the pair in place stays.
        box.stop()
        openssl("ecparam", "-name", "prime256v1", "-genkey", "-noout", "-out", key_path + ".new")
        kept = pair()
        box.start()
        self.assertFalse(os.path.exists(key_path + ".new"))
        self.assertEqual(kept, pair())
        box.ctl("sync", "now")
        wait_for(lambda: box.ctl_json("sync", "status")["state"] == "ok", timeout=20, what="sync with the kept pair")

    def test_mgmt_on_an_operators_own_ca(self):
        work = os.path.join(self.tmp.path, "own-ca")
        os.makedirs(work)
        key, cert = os.path.join(work, "ca-key.pem"), os.path.join(work, "ca.pem")
        openssl("req", "-x509", "-newkey", "ec", "-pkeyopt", "ec_paramgen_curve:P-256", "-nodes", "-keyout", key,
                "-out", cert, "-subj", "/CN=Acme ISP Root", "-days", "365",
                "-addext", "basicConstraints=critical,CA:TRUE", "-addext", "keyUsage=critical,keyCertSign,cRLSign")
        mgmt = self.mgmtd({"ca-cert": cert, "ca-key": key}, name="mgmt-own-ca")
        box = self.box(mgmt, name="own-ca-box")
        device_pem = os.path.join(box.data_dir, "sync", "device.pem")
        issuer = openssl("x509", "-in", device_pem, "-noout", "-issuer")
        self.assertIn("Acme ISP Root", issuer)
        verified = subprocess.run(["openssl", "verify", "-CAfile", cert, device_pem], capture_output=True, text=True)
        self.assertEqual(verified.returncode, 0, verified.stderr)
        # A half-configured own CA is refused, naming the keys.
        bad = Mgmtd(os.path.join(self.tmp.path, "mgmt-half"), {"ca-cert": cert})
        with self.assertRaises(AssertionError) as refused:
            bad.start()
        self.assertIn("ca-cert and ca-key go together", str(refused.exception))


if __name__ == "__main__":
    unittest.main(verbosity=2)
