"""The box follows its rollout (issue 27, ADR 0061, docs/firmware.md "Rollouts from the box's side"):
a real mgmtd with a firmware key and a catalog, a real edged enrolled with it (its check-ins carry
desired-version), and `edgectl firmware follow` downloading over the device API (mutual TLS, ranges)
into slot image files with an ESP folder and the simulated systemd-boot of install_test.py.

One story on one mgmtd and one box: 2.1 is offered, its download is cut by kill -9 and resumes (across
an edged restart), the whole bundle is verified, installed into slot b and the box "reboots" (a hook
the test sees); mgmt still says downloading until the gate commits and the box checks in on 2.1, then
the rollout is done. A bundle altered on mgmt's disk is refused before a byte reaches the inactive
slot, and the box's reason shows in `mgmtctl rollout show`; a signed downgrade below the floor is
refused as soon as its header is in."""
import hashlib
import json
import os
import signal
import subprocess
import sys
import unittest

sys.path.insert(0, os.path.dirname(__file__))
sys.path.insert(0, os.path.join(os.environ.get("EDGE_SOURCE", os.path.join(os.path.dirname(__file__), "..", "..")),
                                "tests", "integration"))
from edgelib import Edged, Mgmtd, TempDir, binary, wait_for  # noqa: E402
from install_test import Box, sha  # noqa: E402

RANGE = 65536
# Small ranges and checkpoints for the download that is cut (so the cut lands inside it), 1 MiB after.
CUT_ENV = {**os.environ, "EDGE_FIRMWARE_RANGE_BYTES": str(RANGE), "EDGE_FIRMWARE_CHECKPOINT_BYTES": str(RANGE)}
ENV = {**os.environ, "EDGE_FIRMWARE_RANGE_BYTES": str(1 << 20), "EDGE_FIRMWARE_CHECKPOINT_BYTES": str(RANGE)}


class FollowRollout(unittest.TestCase):
    def setUp(self):
        self.tmp = TempDir("edge-follow-")
        self.addCleanup(self.tmp.cleanup)
        root = os.path.join(self.tmp.path, "box")
        # edged reports the running slot's version (the file the simulated boot loader writes).
        self.edged = Edged(os.path.join(self.tmp.path, "edged"), {"sync": {"version-file": os.path.join(root, "version")}})
        self.box = Box(root, self.edged)
        self.mgmt = Mgmtd(os.path.join(self.tmp.path, "mgmt"),
                          {"device-poll-interval": 1, "firmware-key": os.path.join(self.box.keys, "firmware.pub")}).start()
        self.addCleanup(self.mgmt.stop)
        self.edged.start()
        self.addCleanup(lambda: self.edged.proc and self.edged.stop())
        self.box.factory_install("2.0")
        self.rebooted = os.path.join(self.tmp.path, "rebooted")
        with open(self.box.config) as f:
            config = json.load(f)
        config.update({"identity-dir": os.path.join(self.edged.data_dir, "sync"), "soak-seconds": 0,
                       "reboot-command": f"touch {self.rebooted}"})
        with open(self.box.config, "w") as f:
            json.dump(config, f)
        self.mgmt.ctl("tenant", "add", "--name", "acme", "--tier", "basic")
        self.edged.ctl("enroll", self.mgmt.ctl("claim", "create", "--tenant", "acme").stdout.strip())
        wait_for(lambda: self.edged.ctl_json("sync", "status")["state"] == "ok", timeout=15, what="the first check-in")

    def desired(self):
        return self.edged.ctl_json("sync", "status").get("firmware", {}).get("desired-version")

    def follow(self, check=True):
        return self.box.ctl("firmware", "follow", check=check, env=ENV)

    def rollout(self, version, bundle):
        self.mgmt.ctl("firmware", "add", "--file", bundle, "--channel", "stable")
        made = self.mgmt.ctl_json("rollout", "create", "--tenant", "acme", "--version", version,
                                  "--rings", '[{"name": "all", "percent": 100}]')
        wait_for(lambda: self.desired() == version, timeout=10, what=f"desired-version {version} at a check-in")
        return made["id"]

    def box_row(self, rollout):
        shown = self.mgmt.ctl_json("rollout", "show", rollout)
        self.assertEqual(len(shown["boxes"]), 1, shown)
        return shown, shown["boxes"][0]

    def test_the_box_follows_its_rollout_and_refuses_bad_bundles_before_writing(self):
        box = self.box
        # --- 2.1: downloaded (cut once by kill -9, resumed), verified, installed, rebooted into, gated.
        fw, image = box.bundle("2.1", "2.1", extra_bytes=3 << 20)
        rollout = self.rollout("2.1", fw)
        self.assertEqual(self.box_row(rollout)[1]["state"], "offered")
        b_before = sha(box.slots["b"])
        part = os.path.join(box.state_dir, "download", "2.1.bundle")
        cmd = [binary("edgectl"), "--socket", self.edged.socket, "firmware", "follow", "--config", box.config]
        proc = subprocess.Popen(cmd, stdout=subprocess.PIPE, stderr=subprocess.PIPE, env=CUT_ENV)

        def recorded():
            try:
                with open(part + ".length") as f:
                    return int(f.read())
            except (OSError, ValueError):
                return 0

        wait_for(lambda: recorded() >= 16 * RANGE or proc.poll() is not None, timeout=30,
                 what="the download's first checkpoints", interval=0.005)
        proc.send_signal(signal.SIGKILL)
        proc.communicate()
        cut = recorded()
        size = os.path.getsize(fw)
        self.assertLess(cut, size, "the download finished before it was cut")
        self.assertEqual(sha(box.slots["b"]), b_before, "nothing is written before the whole bundle is in")
        self.assertFalse(any(n.startswith("edge-b") for n in box.entry_names()))
        self.assertEqual(self.box_row(rollout)[1]["state"], "downloading")

        # The partial download is on the data partition: an edged restart changes nothing about it.
        self.edged.stop()
        self.edged.start()
        wait_for(lambda: self.desired() == "2.1", timeout=10, what="desired-version after the restart")
        r = self.follow()
        resumed = int(r.stdout.split("download resumed at byte ")[1].split()[0])
        self.assertGreaterEqual(resumed, cut)
        self.assertLess(resumed, size)
        self.assertIn("writing: 100%", r.stdout)
        self.assertIn("2.1 is installed in slot b", r.stdout)
        self.assertIn("rebooting into slot b", r.stdout)
        self.assertTrue(os.path.exists(self.rebooted))
        with open(box.slots["b"], "rb") as f:
            self.assertEqual(sha(image), hashlib.sha256(f.read(os.path.getsize(image))).hexdigest())
        self.assertEqual(os.listdir(os.path.join(box.state_dir, "download")), [])
        # A download and an install are not progress mgmt counts: nothing is reported before the gate.
        shown, row = self.box_row(rollout)
        self.assertEqual((shown["state"], row["state"]), ("running", "downloading"))

        self.assertEqual(box.boot(), "b")
        r = box.ctl("firmware", "gate")
        self.assertIn("2.1 in slot b is committed", r.stdout)
        self.edged.ctl("sync", "now")
        shown = wait_for(lambda: (s := self.mgmt.ctl_json("rollout", "show", rollout))["state"] == "done" and s,
                         timeout=15, what="the rollout done after the box committed and checked in on 2.1")
        self.assertEqual(shown["boxes"][0]["state"], "healthy")
        # Following again does nothing. Which words say so depends on whether a check-in came after
        # the rollout was done (mgmt then asks for no version any more) or not (the box runs it).
        b_committed = sha(box.slots["b"])
        again = self.follow().stdout
        self.assertTrue("runs 2.1 already" in again or "asks for no firmware change" in again, again)
        self.assertEqual(os.listdir(os.path.join(box.state_dir, "download")), [])
        self.assertEqual(sha(box.slots["b"]), b_committed)
        self.assertEqual(box.boot(), "b")

        # --- 2.2 altered on mgmt's disk after it was added: refused before writing, reason at mgmt.
        fw22, _ = box.bundle("2.2", "2.2")
        self.mgmt.ctl("firmware", "add", "--file", fw22, "--channel", "stable")
        kept = os.path.join(self.mgmt.data_dir, "firmware", "2.2.bundle")
        with open(kept, "r+b") as f:
            f.seek(os.path.getsize(kept) - 100)
            byte = f.read(1)
            f.seek(-1, os.SEEK_CUR)
            f.write(bytes([byte[0] ^ 1]))
        made = self.mgmt.ctl_json("rollout", "create", "--tenant", "acme", "--version", "2.2",
                                  "--rings", '[{"name": "all", "percent": 100}]')
        wait_for(lambda: self.desired() == "2.2", timeout=10, what="desired-version 2.2")
        a_before = sha(box.slots["a"])
        r = self.follow(check=False)
        self.assertEqual(r.returncode, 1, r.stdout + r.stderr)
        self.assertIn("refused 2.2 before writing it: payload block", r.stdout)
        self.assertIn("downloading: 100%", r.stdout)  # the whole bundle came, and was checked before a write
        self.assertNotIn("writing:", r.stdout)
        self.assertEqual(sha(box.slots["a"]), a_before)
        self.assertIn("edge-a.conf", box.entry_names())  # the previous slot stays bootable
        self.assertEqual(len(box.events("firmware-refused")), 1)
        shown = wait_for(lambda: (s := self.mgmt.ctl_json("rollout", "show", made["id"]))["boxes"][0]["state"] == "failed"
                         and s, timeout=15, what="the refusal at mgmt")
        self.assertIn("the box refused the bundle: payload block", shown["boxes"][0]["reason"])
        text = self.mgmt.ctl("rollout", "show", made["id"]).stdout
        self.assertIn("the box refused the bundle", text)
        self.assertIn("not followed again", self.follow().stdout)
        self.mgmt.ctl("rollout", "abort", made["id"])

        # --- A correctly signed 2.0.5 is below the floor 2.1 the box reached: refused at its header.
        fw205, _ = box.bundle("2.0.5", "2.0")
        self.rollout("2.0.5", fw205)
        r = self.follow(check=False)
        self.assertEqual(r.returncode, 1, r.stdout + r.stderr)
        self.assertIn("refused 2.0.5 before writing it: refusing a downgrade to 2.0.5: below the security floor 2.1",
                      r.stdout)
        self.assertNotIn("downloading: 100%", r.stdout)  # stopped as soon as the header was in
        self.assertEqual(sha(box.slots["a"]), a_before)


if __name__ == "__main__":
    unittest.main(verbosity=2)
