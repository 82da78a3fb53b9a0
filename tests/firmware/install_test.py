"""edgectl firmware install|gate|status for real (docs/firmware.md, ADR 0032): two slot image files,
an ESP folder with systemd-boot entries, bundles made by fwtool from ext4 images built by mkfs.ext4,
keys by openssl, a real edged for the health gate and a real mgmtd that receives the outcomes.
The boot loader is simulated here by what
systemd-boot does at power-on (pick the best-ranked entry, count one try down by renaming it); the
qemu test of the whole image is still to come (docs/firmware.md)."""
import hashlib
import json
import os
import re
import signal
import sqlite3
import ssl
import subprocess
import sys
import threading
import time
import unittest
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

sys.path.insert(0, os.path.join(os.environ.get("EDGE_SOURCE", os.path.join(os.path.dirname(__file__), "..", "..")),
                                "tests", "integration"))
from edgelib import Edged, Mgmtd, TempDir, binary, wait_for  # noqa: E402

SLOT_BYTES = 40 << 20
ENTRY = re.compile(r"^edge-([ab])(?:\+(\d+)(?:-(\d+))?)?\.conf$")


def sha(path):
    h = hashlib.sha256()
    with open(path, "rb") as f:
        for chunk in iter(lambda: f.read(1 << 20), b""):
            h.update(chunk)
    return h.hexdigest()


class Box:
    """The files a box's firmware layer touches, and a boot loader that behaves like systemd-boot."""

    def __init__(self, root, edged):
        self.root = root
        self.edged = edged
        self.esp = os.path.join(root, "esp")
        self.entries = os.path.join(self.esp, "loader", "entries")
        os.makedirs(self.entries)
        self.slots = {s: os.path.join(root, f"slot-{s}.img") for s in "ab"}
        for path in self.slots.values():
            with open(path, "wb") as f:
                f.truncate(SLOT_BYTES)
        self.cmdline = os.path.join(root, "cmdline")
        self.version_file = os.path.join(root, "version")
        self.state_dir = os.path.join(root, "state")
        self.keys = os.path.join(root, "keys")
        os.makedirs(self.keys)
        subprocess.run(["openssl", "ecparam", "-name", "prime256v1", "-genkey", "-noout", "-out",
                        os.path.join(self.keys, "firmware.key")], check=True)
        subprocess.run(["openssl", "ec", "-in", os.path.join(self.keys, "firmware.key"), "-pubout", "-out",
                        os.path.join(self.keys, "firmware.pub")], check=True, capture_output=True)
        self.config = os.path.join(root, "firmware.json")
        with open(self.config, "w") as f:
            json.dump({"hardware": "edge-x86_64", "public-key": os.path.join(self.keys, "firmware.pub"),
                       "state-dir": self.state_dir, "esp": self.esp, "slot-a": self.slots["a"],
                       "slot-b": self.slots["b"], "cmdline": self.cmdline, "version-file": self.version_file,
                       "soak-seconds": 2, "check-interval-seconds": 1, "reboot-command": "true"}, f)

    def rootfs(self, version, extra_bytes=1 << 20):
        """An ext4 root filesystem image holding its version, a kernel and an initrd."""
        tree = os.path.join(self.root, f"tree-{version}")
        os.makedirs(os.path.join(tree, "usr/lib/edge-boot"), exist_ok=True)
        with open(os.path.join(tree, "usr/lib/edge-boot/vmlinuz"), "wb") as f:
            f.write(b"kernel " + version.encode() + os.urandom(200000))
        with open(os.path.join(tree, "usr/lib/edge-boot/initrd.img"), "wb") as f:
            f.write(b"initrd " + version.encode() + os.urandom(100000))
        with open(os.path.join(tree, "usr/lib/edge/version") if os.path.isdir(os.path.join(tree, "usr/lib/edge"))
                  else self._mk(tree, "usr/lib/edge/version"), "w") as f:
            f.write(version + "\n")
        with open(os.path.join(tree, "filler"), "wb") as f:
            f.write(os.urandom(extra_bytes))
        image = os.path.join(self.root, f"rootfs-{version}.img")
        size_kib = 4096 + extra_bytes // 1024 + 2048
        subprocess.run(["mkfs.ext4", "-q", "-F", "-d", tree, image, f"{size_kib}k"], check=True,
                       env={**os.environ, "E2FSPROGS_FAKE_TIME": "1700000000"})
        return image

    @staticmethod
    def _mk(tree, rel):
        os.makedirs(os.path.dirname(os.path.join(tree, rel)), exist_ok=True)
        return os.path.join(tree, rel)

    def bundle(self, version, floor, extra_bytes=1 << 20, sign=True):
        image = self.rootfs(version, extra_bytes)
        out = os.path.join(self.root, f"edge-{version}.fw")
        subprocess.run([binary("fwtool"), "build", "--payload", image, "--version", version, "--compatible",
                        "edge-x86_64", "--min-version", "1.0", "--security-floor", floor, "--block-size", "65536",
                        "--out", out], check=True, capture_output=True)
        if sign:
            subprocess.run([binary("fwtool"), "sign", "--key", os.path.join(self.keys, "firmware.key"), out],
                           check=True, capture_output=True)
        return out, image

    def factory_install(self, version):
        """Slot A as the image builder leaves it: the image, a good entry, booted."""
        image = self.rootfs(version)
        with open(image, "rb") as src, open(self.slots["a"], "r+b") as dst:
            dst.write(src.read())
        with open(os.path.join(self.entries, "edge-a.conf"), "w") as f:
            f.write("title Edge %s (slot a)\nversion 0\nsort-key edge\nlinux /edge/a/vmlinuz\n" % version)
        self.boot()

    def entry_names(self):
        return sorted(n for n in os.listdir(self.entries) if ENTRY.match(n))

    def boot(self):
        """systemd-boot at power-on: entries with tries left rank above those without, then the newest
        version; a counting entry is renamed one try down before it boots. Then the slot's kernel
        command line and its version, read from the slot's filesystem (debugfs)."""
        ranked = []
        for name in self.entry_names():
            slot, left, done = ENTRY.match(name).groups()
            bad = left is not None and int(left) == 0
            with open(os.path.join(self.entries, name)) as f:
                gen = int(re.search(r"^version (\d+)$", f.read(), re.M).group(1))
            ranked.append((bad, -gen, slot, name, left, done))
        ranked.sort()
        bad, _, slot, name, left, done = ranked[0]
        if left is not None and not bad:
            new = f"edge-{slot}+{int(left) - 1}-{int(done or 0) + 1}.conf"
            os.rename(os.path.join(self.entries, name), os.path.join(self.entries, new))
        with open(self.cmdline, "w") as f:
            f.write(f"root=PARTLABEL=edge-root-{slot} ro edge.slot={slot}\n")
        out = subprocess.run(["debugfs", "-R", "cat /usr/lib/edge/version", self.slots[slot]], capture_output=True,
                             text=True)
        with open(self.version_file, "w") as f:
            f.write(out.stdout)
        return slot

    def ctl(self, *args, check=True, env=None):
        cmd = [binary("edgectl"), "--socket", self.edged.socket] + list(args)
        if args and args[0] == "firmware":
            cmd += ["--config", self.config]
        r = subprocess.run(cmd, capture_output=True, text=True, timeout=120, env=env)
        if check and r.returncode != 0:
            raise AssertionError(f"{' '.join(cmd)} -> {r.returncode}: {r.stdout}{r.stderr}")
        return r

    def status(self):
        cmd = [binary("edgectl"), "--json", "firmware", "status", "--config", self.config]
        return json.loads(subprocess.run(cmd, capture_output=True, text=True, check=True).stdout)

    def events(self, kind):
        return [e for e in self.edged.ctl_json("events", "--limit", "100") if e["kind"] == kind]


class RangeServer:
    """An HTTPS server that serves one bundle by ranges only, to clients with a certificate from its
    CA (mutual TLS, like mgmt's device API); it records each range asked."""

    def __init__(self, root, bundle_path):
        self.dir = os.path.join(root, "tls")
        os.makedirs(self.dir)
        self.ranges = []
        d = self.dir

        def run(*args):
            subprocess.run(list(args), check=True, capture_output=True, cwd=d)

        run("openssl", "ecparam", "-name", "prime256v1", "-genkey", "-noout", "-out", "ca.key")
        run("openssl", "req", "-x509", "-new", "-key", "ca.key", "-subj", "/CN=test mgmt CA", "-days", "2", "-out", "ca.pem")
        for name, cn in (("server", "edge-mgmt"), ("device", "device-1")):
            run("openssl", "ecparam", "-name", "prime256v1", "-genkey", "-noout", "-out", f"{name}.key")
            run("openssl", "req", "-new", "-key", f"{name}.key", "-subj", f"/CN={cn}", "-out", f"{name}.csr")
            run("openssl", "x509", "-req", "-in", f"{name}.csr", "-CA", "ca.pem", "-CAkey", "ca.key", "-CAcreateserial",
                "-days", "2", "-out", f"{name}.pem")
        self.identity = os.path.join(root, "identity")
        os.makedirs(self.identity)
        for src, dst in (("ca.pem", "mgmt-ca.pem"), ("device.pem", "device.pem"), ("device.key", "device-key.pem")):
            with open(os.path.join(d, src)) as f, open(os.path.join(self.identity, dst), "w") as g:
                g.write(f.read())
        data = open(bundle_path, "rb").read()
        ranges = self.ranges

        class Handler(BaseHTTPRequestHandler):
            def log_message(self, *args):
                pass

            def do_GET(self):
                m = re.fullmatch(r"bytes=(\d+)-(\d+)", self.headers.get("Range", ""))
                if self.path != "/v1/firmware/2.1" or not m:
                    self.send_error(400 if self.path == "/v1/firmware/2.1" else 404)
                    return
                first, last = int(m.group(1)), int(m.group(2))
                if first >= len(data):
                    self.send_response(416)
                    self.send_header("Content-Range", f"bytes */{len(data)}")
                    self.send_header("Content-Length", "0")
                    self.end_headers()
                    return
                last = min(last, len(data) - 1)
                ranges.append((first, last))
                body = data[first:last + 1]
                self.send_response(206)
                self.send_header("Content-Range", f"bytes {first}-{last}/{len(data)}")
                self.send_header("Content-Length", str(len(body)))
                self.end_headers()
                self.wfile.write(body)

        ctx = ssl.SSLContext(ssl.PROTOCOL_TLS_SERVER)
        ctx.load_cert_chain(os.path.join(d, "server.pem"), os.path.join(d, "server.key"))
        ctx.load_verify_locations(os.path.join(d, "ca.pem"))
        ctx.verify_mode = ssl.CERT_REQUIRED
        self.httpd = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self.httpd.socket = ctx.wrap_socket(self.httpd.socket, server_side=True)
        self.url = f"https://127.0.0.1:{self.httpd.server_address[1]}/v1/firmware/2.1"
        threading.Thread(target=self.httpd.serve_forever, daemon=True).start()

    def stop(self):
        self.httpd.shutdown()


class FirmwareInstall(unittest.TestCase):
    def setUp(self):
        self.tmp = TempDir("edge-firmware-")
        self.addCleanup(self.tmp.cleanup)
        self.edged = Edged(os.path.join(self.tmp.path, "edged"))
        self.edged.start()
        self.addCleanup(lambda: self.edged.proc and self.edged.stop())
        self.box = Box(os.path.join(self.tmp.path, "box"), self.edged)
        self.box.factory_install("2.0")

    def test_install_gate_commit_then_refusals_and_a_failed_gate_rolls_back(self):
        box = self.box
        # A tampered bundle (one payload byte) is refused before the slot's first block is written.
        fw, _ = box.bundle("2.1", "2.1")
        tampered = fw + ".bad"
        data = bytearray(open(fw, "rb").read())
        data[-100] ^= 1
        open(tampered, "wb").write(bytes(data))
        b_before = sha(box.slots["b"])
        r = box.ctl("firmware", "install", tampered, check=False)
        self.assertEqual(r.returncode, 1, r.stdout + r.stderr)
        self.assertIn("does not match the signed manifest", r.stderr)
        self.assertFalse(any(n.startswith("edge-b") for n in box.entry_names()))
        # The whole file is read before the first write (ADR 0061): not one block reached slot b.
        self.assertEqual(sha(box.slots["b"]), b_before)
        self.assertIsNone(box.status()["install"])
        # Unsigned: refused before anything changes.
        unsigned, _ = box.bundle("2.1.1", "2.1", sign=False)
        r = box.ctl("firmware", "install", unsigned, check=False)
        self.assertEqual(r.returncode, 1)
        self.assertIn("not signed", r.stderr)

        # The real bundle: into B with progress, on trial for 3 boots, kernel and initrd on the ESP.
        r = box.ctl("firmware", "install", fw)
        self.assertIn("writing: 100%", r.stdout)
        self.assertIn("2.1 is installed in slot b", r.stdout)
        self.assertNotEqual(sha(box.slots["b"]), b_before)
        self.assertIn("edge-b+3.conf", box.entry_names())
        with open(os.path.join(box.esp, "edge/b/vmlinuz"), "rb") as f:
            self.assertTrue(f.read().startswith(b"kernel 2.1"))
        self.assertEqual(box.status()["install"]["stage"], "installed")
        self.assertEqual(box.events("firmware-installed"), [])  # nothing reported before the gate

        self.assertEqual(box.boot(), "b")
        r = box.ctl("firmware", "gate")
        self.assertIn("2.1 in slot b is committed", r.stdout)
        self.assertIn("edge-b.conf", box.entry_names())
        st = box.status()
        self.assertEqual(st["security-floor"], "2.1")
        self.assertIsNone(st["install"])
        self.assertEqual(st["unreported"], [])
        for kind in ("firmware-installed", "firmware-booted", "firmware-committed"):
            self.assertEqual(len(box.events(kind)), 1, kind)

        # A correctly signed 2.0.5 is below the floor now: refused, slot A untouched.
        a_before = sha(box.slots["a"])
        old, _ = box.bundle("2.0.5", "2.0")
        r = box.ctl("firmware", "install", old, check=False)
        self.assertEqual(r.returncode, 1)
        self.assertIn("below the security floor 2.1", r.stderr)
        self.assertEqual(sha(box.slots["a"]), a_before)
        self.assertIn("edge-a.conf", box.entry_names())

        # 2.2 into A, and its edged never comes up: the gate marks A bad, B boots, the rollback is told.
        fw22, _ = box.bundle("2.2", "2.2")
        box.ctl("firmware", "install", fw22)
        self.assertEqual(box.boot(), "a")
        self.edged.stop()
        r = box.ctl("firmware", "gate", "--no-reboot", check=False)
        self.assertEqual(r.returncode, 1, r.stdout + r.stderr)
        self.assertIn("failed: health gate failed", r.stdout)
        self.assertIn("edge-a+0-1.conf", box.entry_names())
        self.assertEqual(box.boot(), "b")
        self.edged.start()
        r = box.ctl("firmware", "gate")
        self.assertIn("back on slot b: 2.2 was rolled back", r.stdout)
        rolled = box.events("firmware-rolled-back")
        self.assertEqual(len(rolled), 1)
        self.assertIn("edged is not up", rolled[0]["detail"])
        self.assertEqual(box.status()["security-floor"], "2.1")

    def test_boot_tries_running_out_bring_the_old_slot_back(self):
        box = self.box
        fw, _ = box.bundle("2.1", "2.1")
        box.ctl("firmware", "install", fw)
        for _ in range(3):  # three boots of B that never reach the gate
            self.assertEqual(box.boot(), "b")
        self.assertEqual(box.boot(), "a")
        r = box.ctl("firmware", "gate")
        self.assertIn("did not reach its health gate in 3 boots", r.stdout)
        self.assertEqual(len(box.events("firmware-rolled-back")), 1)
        self.assertEqual(box.status()["security-floor"], "")

    def test_kill_9_during_an_install_leaves_the_booted_slot_and_the_install_resumes(self):
        box = self.box
        fw, image = box.bundle("2.1", "2.1", extra_bytes=24 << 20)
        env = {**os.environ, "EDGE_FIRMWARE_CHECKPOINT_BYTES": "65536"}
        cmd = [binary("edgectl"), "--socket", self.edged.socket, "firmware", "install", fw, "--config", box.config]
        proc = subprocess.Popen(cmd, stdout=subprocess.PIPE, stderr=subprocess.PIPE, env=env)
        state = os.path.join(box.state_dir, "state.json")

        def some_written():
            try:
                with open(state) as f:
                    return json.load(f)["install"]["verified-blocks"] >= 40
            except (OSError, ValueError, KeyError, TypeError):
                return False

        wait_for(some_written, timeout=60, what="the install's first checkpoints", interval=0.01)
        proc.send_signal(signal.SIGKILL)
        proc.wait()
        with open(state) as f:
            written = json.load(f)["install"]["verified-blocks"]
        self.assertEqual(json.load(open(state))["install"]["stage"], "writing")
        total = (os.path.getsize(image) + 65535) // 65536
        self.assertLess(written, total, "the install finished before it was killed")
        self.assertFalse(any(n.startswith("edge-b") for n in box.entry_names()))
        self.assertEqual(box.boot(), "a")  # power back: A still boots
        r = box.ctl("firmware", "install", fw, env=env)
        m = re.search(r"resumed after (\d+) blocks", r.stdout)
        self.assertIsNotNone(m, r.stdout)
        self.assertGreaterEqual(int(m.group(1)), written)
        with open(box.slots["b"], "rb") as f:
            self.assertEqual(hashlib.sha256(f.read(os.path.getsize(image))).hexdigest(), sha(image))
        self.assertEqual(box.boot(), "b")
        self.assertIn("committed", box.ctl("firmware", "gate").stdout)

    def test_a_download_over_mutual_tls_in_ranges_resumes_where_it_was_killed(self):
        """A URL is downloaded into the state folder first (ranges, synced checkpoints), verified whole,
        then installed: kill -9 in the download leaves slot b untouched, and the next run asks only for
        the bytes after the last recorded checkpoint."""
        box = self.box
        b_before = sha(box.slots["b"])
        fw, image = box.bundle("2.1", "2.1", extra_bytes=16 << 20)
        server = RangeServer(box.root, fw)
        self.addCleanup(server.stop)
        with open(box.config) as f:
            config = json.load(f)
        config["identity-dir"] = server.identity
        with open(box.config, "w") as f:
            json.dump(config, f)
        env = {**os.environ, "EDGE_FIRMWARE_CHECKPOINT_BYTES": "65536", "EDGE_FIRMWARE_RANGE_BYTES": "262144"}
        cmd = [binary("edgectl"), "--socket", self.edged.socket, "firmware", "install", server.url, "--config", box.config]
        proc = subprocess.Popen(cmd, stdout=subprocess.PIPE, stderr=subprocess.PIPE, env=env)
        part = os.path.join(box.state_dir, "download", "manual.bundle")

        def recorded():
            try:
                with open(part + ".length") as f:
                    return int(f.read())
            except (OSError, ValueError):
                return 0

        wait_for(lambda: recorded() >= 40 * 65536, timeout=60, what="the download's first checkpoints", interval=0.01)
        proc.send_signal(signal.SIGKILL)
        proc.communicate()
        cut = recorded()
        size = os.path.getsize(fw)
        self.assertLess(cut, size, "the download finished before it was killed")
        self.assertFalse(any(n.startswith("edge-b") for n in box.entry_names()))
        self.assertEqual(sha(box.slots["b"]), b_before)
        del server.ranges[:]
        r = box.ctl("firmware", "install", server.url, env=env)
        m = re.search(r"download resumed at byte (\d+) of (\d+)", r.stdout)
        self.assertIsNotNone(m, r.stdout)
        self.assertGreaterEqual(int(m.group(1)), cut)
        self.assertEqual(int(m.group(2)), size)
        self.assertNotIn("resumed after", r.stdout)  # the slot was never written: written from block 0
        # Only the bytes after the recorded length were asked for, starting exactly there.
        self.assertEqual(server.ranges[0][0], int(m.group(1)))
        fetched = sum(last - first + 1 for first, last in server.ranges)
        self.assertEqual(fetched, size - int(m.group(1)), server.ranges)
        self.assertFalse(os.path.exists(part))  # removed once installed
        with open(box.slots["b"], "rb") as f:
            self.assertEqual(hashlib.sha256(f.read(os.path.getsize(image))).hexdigest(), sha(image))
        self.assertIn("edge-b+3.conf", box.entry_names())

    def test_outcomes_reach_mgmt_at_the_next_sync(self):
        mgmt = Mgmtd(os.path.join(self.tmp.path, "mgmt"), {"device-poll-interval": 1}).start()
        self.addCleanup(mgmt.stop)
        mgmt.ctl("tenant", "add", "--name", "acme", "--tier", "basic")
        self.edged.ctl("enroll", mgmt.ctl("claim", "create", "--tenant", "acme").stdout.strip())
        wait_for(lambda: self.edged.ctl_json("sync", "status")["state"] == "ok", timeout=15, what="the first check-in")
        box = self.box
        fw, _ = box.bundle("2.1", "2.1")
        box.ctl("firmware", "install", fw)
        self.assertEqual(box.boot(), "b")
        box.ctl("firmware", "gate")
        self.edged.ctl("sync", "now")

        def outcomes():
            db = sqlite3.connect(os.path.join(mgmt.data_dir, "mgmt.db"))
            try:
                rows = db.execute("SELECT data FROM device_events WHERE kind = 'firmware-outcome' ORDER BY seq").fetchall()
            finally:
                db.close()
            return [json.loads(r[0]) for r in rows]

        wait_for(lambda: len(outcomes()) == 3, timeout=30, what="three firmware outcomes at mgmt")
        self.assertEqual([(o["outcome"], o["version"], o["slot"]) for o in outcomes()],
                         [("installed", "2.1", "b"), ("booted", "2.1", "b"), ("committed", "2.1", "b")])


if __name__ == "__main__":
    unittest.main(verbosity=2)
