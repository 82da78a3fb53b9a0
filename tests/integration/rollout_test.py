"""Firmware rollouts over simulated boxes (issue 27, ADR 0052): a real mgmtd with a firmware key, a
bundle built and signed by fwtool and added to the catalog, four boxes made of openssl and curl
(curl_box.py) checking in over mutual TLS. Only the canaries are told the version; a canary fetches
the bundle in ranges (206 with the exact Content-Range, the bytes of the catalog's file) while a box
of a closed ring gets 404; one canary commits, the other reports a rollback, and mgmtd's own job pauses
the rollout by itself with the reason; the other boxes are never told. Abort clears the canaries'
desired version."""
import json
import os
import subprocess
import sys
import unittest

sys.path.insert(0, os.path.dirname(__file__))
from curl_box import CurlBox  # noqa: E402
from edgelib import Mgmtd, TempDir, binary, wait_for  # noqa: E402


class Rollout(unittest.TestCase):
    @classmethod
    def setUpClass(cls):
        cls.tmp = TempDir()
        keys = os.path.join(cls.tmp.path, "keys")
        os.makedirs(keys)
        cls.key = os.path.join(keys, "firmware.key")
        cls.pub = os.path.join(keys, "firmware.pub")
        subprocess.run(["openssl", "ecparam", "-name", "prime256v1", "-genkey", "-noout", "-out", cls.key], check=True)
        subprocess.run(["openssl", "ec", "-in", cls.key, "-pubout", "-out", cls.pub], check=True, capture_output=True)
        cls.mgmt = Mgmtd(os.path.join(cls.tmp.path, "mgmt"), {"device-poll-interval": 1, "firmware-key": cls.pub}).start()
        cls.mgmt.ctl("tenant", "add", "--name", "acme", "--tier", "basic")
        cls.boxes = [CurlBox(cls.tmp.path, f"box{i}").enroll(
            cls.mgmt.ctl("claim", "create", "--tenant", "acme").stdout.strip()) for i in range(4)]

    @classmethod
    def tearDownClass(cls):
        cls.mgmt.stop()
        cls.tmp.cleanup()

    def bundle(self, version):
        payload = os.path.join(self.tmp.path, f"rootfs-{version}.img")
        with open(payload, "wb") as f:
            f.write(os.urandom(300 * 1024))
        out = os.path.join(self.tmp.path, f"edge-{version}.fw")
        subprocess.run([binary("fwtool"), "build", "--payload", payload, "--version", version, "--compatible",
                        "edge-x86_64", "--min-version", "1.0", "--security-floor", "1.5", "--block-size", "65536",
                        "--out", out], check=True, capture_output=True)
        subprocess.run([binary("fwtool"), "sign", "--key", self.key, out], check=True, capture_output=True)
        return out

    def checkin(self, box, version="1.9"):
        code, body = box.request("POST", "/v1/checkin", {"version": version, "uptime": 1, "clock": 0,
                                                         "subscribers": 0, "sessions": 0, "backlog": 0,
                                                         "license-id": "", "license-state": "valid", "cursor": 0,
                                                         "health": {}})
        self.assertEqual(code, 200, body)
        return json.loads(body).get("desired-version", "")

    def outcome(self, box, seq, what, reason=""):
        code, body = box.request("POST", "/v1/events", {"events": [{
            "seq": seq, "at": 1, "kind": "firmware-outcome",
            "data": {"outcome": what, "version": "2.1.0", "slot": "b", "reason": reason}}]})
        self.assertEqual(code, 200, body)

    def ranged(self, box, path, first, last):
        cmd = ["curl", "-sS", "-D", "-", "-o", os.path.join(box.dir, "part"), "--max-time", "20",
               "--cacert", box.ca, "--resolve", f"edge-mgmt:{box.port}:127.0.0.1", "--cert", box.cert, "--key", box.key,
               "-H", f"Range: bytes={first}-{last}", f"https://edge-mgmt:{box.port}{path}"]
        r = subprocess.run(cmd, capture_output=True, text=True, timeout=30)
        head = r.stdout.lower()
        status = int(head.split(None, 2)[1]) if head.startswith("http/") else 0
        with open(os.path.join(box.dir, "part"), "rb") as f:
            return status, head, f.read()

    def test_canaries_that_fail_pause_the_rollout_by_itself(self):
        bundle = self.bundle("2.1.0")
        added = self.mgmt.ctl_json("firmware", "add", "--file", bundle, "--channel", "stable")
        self.assertEqual(added["version"], "2.1.0")
        self.assertEqual(added["security-floor"], "1.5")
        # A bundle signed by another key is refused before it is kept.
        other_key = os.path.join(self.tmp.path, "other.key")
        subprocess.run(["openssl", "ecparam", "-name", "prime256v1", "-genkey", "-noout", "-out", other_key], check=True)
        foreign = self.bundle("2.2.0")
        subprocess.run([binary("fwtool"), "sign", "--key", other_key, foreign], check=True, capture_output=True)
        refused = self.mgmt.ctl("firmware", "add", "--file", foreign, "--channel", "beta", check=False)
        self.assertNotEqual(refused.returncode, 0)
        self.assertEqual([r["version"] for r in self.mgmt.ctl_json("firmware", "list")], ["2.1.0"])

        b = self.boxes
        rings = [{"name": "canary", "devices": [b[0].device_id, b[1].device_id]},
                 {"name": "half", "percent": 50}, {"name": "all", "percent": 100}]
        made = self.mgmt.ctl_json("rollout", "create", "--tenant", "acme", "--version", "2.1.0",
                                  "--rings", json.dumps(rings), "--failure-percent", "20")
        rollout = made["id"]
        self.assertEqual(made["boxes"], 4)
        self.assertEqual(self.checkin(b[0]), "2.1.0")
        self.assertEqual(self.checkin(b[1]), "2.1.0")
        self.assertEqual(self.checkin(b[2]), "")
        self.assertEqual(self.checkin(b[3]), "")

        # The canary downloads in ranges; a box of a closed ring may not.
        size = os.path.getsize(bundle)
        with open(bundle, "rb") as f:
            whole = f.read()
        status, head, part = self.ranged(b[0], "/v1/firmware/2.1.0", 100, 199)
        self.assertEqual(status, 206, head)
        self.assertIn(f"content-range: bytes 100-199/{size}", head)
        self.assertEqual(part, whole[100:200])
        status, head, part = self.ranged(b[0], "/v1/firmware/2.1.0", size - 10, size + 1000)
        self.assertEqual(status, 206, head)
        self.assertIn(f"content-range: bytes {size - 10}-{size - 1}/{size}", head)
        self.assertEqual(part, whole[-10:])
        self.assertEqual(self.ranged(b[0], "/v1/firmware/2.1.0", size, size + 5)[0], 416)
        self.assertEqual(self.ranged(b[2], "/v1/firmware/2.1.0", 0, 99)[0], 404)
        self.assertEqual(self.ranged(b[0], "/v1/firmware/9.9.9", 0, 99)[0], 404)

        # One canary commits and comes back on the version; the other falls back.
        self.outcome(b[0], 1, "installed")
        self.outcome(b[0], 2, "committed")
        self.assertEqual(self.checkin(b[0], "2.1.0"), "2.1.0")
        self.outcome(b[1], 1, "rolled-back", "health gate failed after 20 s: RADIUS self-test: timeout")

        # mgmtd's job pauses it by itself (it runs every second).
        shown = wait_for(lambda: (s := self.mgmt.ctl_json("rollout", "show", rollout))["state"] == "paused" and s,
                         timeout=15, what="the rollout paused by itself")
        self.assertIn("1 of 2 boxes in rings 1-1 failed", shown["reason"])
        self.assertEqual(shown["open-ring"], "canary")
        states = {x["device"]: (x["state"], x["reason"]) for x in shown["boxes"]}
        self.assertEqual(states[b[0].device_id][0], "healthy")
        self.assertEqual(states[b[1].device_id],
                         ("rolled-back", "health gate failed after 20 s: RADIUS self-test: timeout"))
        self.assertEqual(states[b[2].device_id][0], "pending")
        self.assertEqual(self.checkin(b[2]), "")
        self.assertEqual(self.checkin(b[3]), "")
        self.assertEqual(self.checkin(b[1]), "")
        listed = self.mgmt.ctl_json("rollout", "list", "--tenant", "acme")
        self.assertEqual([(r["id"], r["state"]) for r in listed], [(rollout, "paused")])

        # Abort: nobody is told the version any more.
        self.mgmt.ctl("rollout", "abort", rollout)
        self.assertEqual(self.checkin(b[0], "2.1.0"), "")
        self.assertEqual(self.ranged(b[0], "/v1/firmware/2.1.0", 0, 99)[0], 404)


if __name__ == "__main__":
    unittest.main()
