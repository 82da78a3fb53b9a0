"""The appliance image for real (issue 27, image/README.md, ADR 0053): image/build makes the disk from
Debian packages and our .deb (cpack), qemu boots it (-accel tcg, OVMF, virtio disk and network, the
RADIUS and UI ports forwarded to the host), and the test speaks to the box like a technician: on its
serial console (a test image: --debug-console gives a root shell there) and with radclient over the
forwarded port. Slow (a whole Debian boot under TCG): CTest label "image", run by scripts/test only
with IMAGE_TESTS=1."""
import os
import re
import shutil
import socket
import subprocess
import sys
import time
import unittest

sys.path.insert(0, os.path.join(os.environ.get("EDGE_SOURCE", os.path.join(os.path.dirname(__file__), "..", "..")),
                                "tests", "integration"))
from edgelib import TempDir, binary, wait_for  # noqa: E402

SOURCE = os.environ.get("EDGE_SOURCE", os.path.join(os.path.dirname(__file__), "..", ".."))
BUILD = os.path.dirname(os.environ.get("EDGE_BIN", "build/bin"))
ARTIFACTS = os.environ.get("EDGE_ARTIFACTS", os.path.join(BUILD, "artifacts"))
OVMF_CODE = "/usr/share/OVMF/OVMF_CODE_4M.fd"
OVMF_VARS = "/usr/share/OVMF/OVMF_VARS_4M.fd"
BOOT_TIMEOUT = 600  # a whole Debian boot under TCG on a loaded 2-core machine


def free_port(kind=socket.SOCK_STREAM):
    s = socket.socket(socket.AF_INET, kind)
    s.bind(("127.0.0.1", 0))
    port = s.getsockname()[1]
    s.close()
    return port


class Console:
    """The box's serial console (a qemu chardev socket): a root shell on a test image."""

    def __init__(self, path, log):
        self.log = log
        wait_for(lambda: os.path.exists(path), 30, "qemu's console socket")
        self.sock = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
        self.sock.connect(path)
        self.sock.settimeout(1.0)
        self.buf = b""
        self.n = 0

    def read_some(self):
        try:
            data = self.sock.recv(65536)
        except socket.timeout:
            return
        if data:
            self.buf += data
            with open(self.log, "ab") as f:
                f.write(data)

    def expect(self, pattern, timeout):
        rx = re.compile(pattern.encode() if isinstance(pattern, str) else pattern)
        deadline = time.time() + timeout
        while time.time() < deadline:
            m = rx.search(self.buf)
            if m:
                self.buf = self.buf[m.end():]
                return m
            self.read_some()
        raise AssertionError(f"console: no {pattern!r} within {timeout} s; last output: "
                             f"{self.buf[-1500:].decode(errors='replace')}")

    def run_out(self, command, timeout=120):
        """Runs a shell command on the box; returns (exit code, output)."""
        self.n += 1
        tag = f"EDGE{self.n}X{os.getpid()}"
        start = f"@@S{tag}@@"
        self.buf = b""
        self.sock.sendall(f"echo \"@@S\"\"{tag}@@\"; {command}; echo \"@@{tag[:3]}\"\"{tag[3:]}=$?@@\"\n".encode())
        self.expect(re.escape(start), timeout)
        m = re.compile((r"@@" + tag + r"=(\d+)@@").encode())
        deadline = time.time() + timeout
        while time.time() < deadline:
            found = m.search(self.buf)
            if found:
                out = self.buf[:found.start()].decode(errors="replace").replace("\r", "")
                self.buf = self.buf[found.end():]
                return int(found.group(1)), out
            self.read_some()
        raise AssertionError(f"console: {command!r} did not finish within {timeout} s")


class Qemu:
    """One boot of the disk image: OVMF, virtio disk and network, console on a socket."""

    def __init__(self, work, disk, vars_file, stick):
        self.work = work
        self.stick = stick
        self.disk = disk
        self.vars = vars_file
        self.radius_port = free_port(socket.SOCK_DGRAM)
        self.ui_port = free_port()
        self.proc = None
        self.console = None
        self.boots = 0

    def start(self):
        self.boots += 1
        sock = os.path.join(self.work, "console.sock")
        if os.path.exists(sock):
            os.unlink(sock)
        self.console_log = os.path.join(self.work, f"console-{self.boots}.log")
        cmd = ["qemu-system-x86_64", "-accel", "tcg", "-machine", "q35", "-m", "1024", "-smp", "1",
               "-display", "none", "-no-user-config", "-nodefaults",
               "-drive", f"if=pflash,format=raw,unit=0,readonly=on,file={OVMF_CODE}",
               "-drive", f"if=pflash,format=raw,unit=1,file={self.vars}",
               "-drive", f"if=virtio,format=raw,file={self.disk},cache=unsafe",
               # A USB stick of bundles, as a technician would bring (/dev/vdb on the box).
               "-drive", f"if=virtio,format=raw,file={self.stick},readonly=on",
               "-netdev", f"user,id=n0,hostfwd=udp:127.0.0.1:{self.radius_port}-:1812,"
                          f"hostfwd=tcp:127.0.0.1:{self.ui_port}-:9443",
               "-device", "virtio-net-pci,netdev=n0",
               "-chardev", f"socket,id=s0,path={sock},server=on,wait=off",
               "-serial", "chardev:s0"]
        self.log = open(os.path.join(self.work, "qemu.log"), "ab")
        self.proc = subprocess.Popen(cmd, stdout=self.log, stderr=subprocess.STDOUT)
        self.console = Console(sock, self.console_log)

    def kill(self):
        if self.proc and self.proc.poll() is None:
            self.proc.kill()
            self.proc.wait()
            self.log.close()
        if self.console:
            self.console.sock.close()
            self.console = None


class ImageTest(unittest.TestCase):
    @classmethod
    def setUpClass(cls):
        cls.tmp = TempDir("edge-image-")
        t0 = time.time()
        work = cls.tmp.path
        keys = os.path.join(work, "keys")
        os.makedirs(keys)
        subprocess.run(["openssl", "ecparam", "-name", "prime256v1", "-genkey", "-noout", "-out",
                        os.path.join(keys, "firmware.key")], check=True, capture_output=True)
        subprocess.run(["openssl", "ec", "-in", os.path.join(keys, "firmware.key"), "-pubout", "-out",
                        os.path.join(keys, "firmware.pub")], check=True, capture_output=True)
        cls.keys = keys
        debdir = os.path.join(work, "deb")
        p = subprocess.run(["cpack", "-G", "DEB", "--config", os.path.join(BUILD, "CPackConfig.cmake"), "-B", debdir],
                           capture_output=True, text=True)
        debs = [f for f in os.listdir(debdir) if f.endswith(".deb")] if os.path.isdir(debdir) else []
        if p.returncode != 0 or len(debs) != 1:
            raise AssertionError("cpack -G DEB: " + (p.stdout + p.stderr)[-800:])
        cls.out = os.path.join(work, "image")
        cache = os.path.join(ARTIFACTS, "image-apt-cache")
        p = subprocess.run([os.path.join(SOURCE, "image", "build"), "--deb", os.path.join(debdir, debs[0]),
                            "--firmware-pub", os.path.join(keys, "firmware.pub"), "--out", cls.out,
                            "--cache", cache, "--debug-console"], capture_output=True, text=True)
        with open(os.path.join(work, "build.log"), "w") as f:
            f.write(p.stdout + p.stderr)
        if p.returncode != 0:
            raise AssertionError("image/build failed: " + (p.stdout + p.stderr)[-2000:])
        cls.build_seconds = time.time() - t0
        print(f"image/build: {cls.build_seconds:.0f} s", file=sys.stderr)
        cls.make_bundles()
        vars_file = os.path.join(work, "OVMF_VARS.fd")
        shutil.copy(OVMF_VARS, vars_file)
        cls.vm = Qemu(work, os.path.join(cls.out, "disk.img"), vars_file, cls.stick)
        t1 = time.time()
        cls.vm.start()
        cls.vm.console.expect(r"Technician UI: https://[0-9.]+:9443/", BOOT_TIMEOUT)
        cls.banner_rest = cls.vm.console.expect(r"UI certificate SHA-256: ([0-9A-Fa-f:]{95})", 120).group(1).decode()
        # The shell (autologin) may have started before the banner: ask for a fresh prompt.
        wait_for(lambda: cls.prompt(), 120, "a root shell on the console")
        cls.boot_seconds = time.time() - t1
        print(f"first boot to the console banner: {cls.boot_seconds:.0f} s", file=sys.stderr)

    @classmethod
    def make_bundles(cls):
        """On an ext4 "stick" image the box mounts: 0.2.0 (the image's root with a new version and a
        short soak window), 0.3.0 whose edged cannot start, a tampered copy of a small bundle and a
        correctly signed 0.1.5 (below the floor once 0.2.0 is committed)."""
        work = cls.tmp.path
        stick = os.path.join(work, "stick")
        os.makedirs(stick)
        def derive(version, broken_edged=False):
            """The image's root filesystem as another version, with a short soak window for the gate
            (and, broken, an edged.json edged refuses: its health gate fails)."""
            image = os.path.join(work, f"root-{version}.img")
            shutil.copy(os.path.join(cls.out, "root.img"), image)
            with open(os.path.join(work, "version"), "w") as f:
                f.write(version + "\n")
            fwjson = subprocess.run(["debugfs", "-R", "cat /etc/edged/firmware.json", image], capture_output=True,
                                    text=True, check=True).stdout
            fwjson = re.sub(r'"soak-seconds": *\d+', '"soak-seconds": 10', fwjson)
            fwjson = re.sub(r'"check-interval-seconds": *\d+', '"check-interval-seconds": 2', fwjson)
            with open(os.path.join(work, "firmware.json"), "w") as f:
                f.write(fwjson)
            with open(os.path.join(work, "edged.json"), "w") as f:
                f.write('{"radius": {"auth-port": "not a port"}}\n')
            cmds = os.path.join(work, "debugfs.cmds")
            with open(cmds, "w") as f:
                f.write(f"rm /usr/lib/edge/version\nwrite {work}/version /usr/lib/edge/version\n"
                        f"rm /etc/edged/firmware.json\nwrite {work}/firmware.json /etc/edged/firmware.json\n")
                if broken_edged:
                    f.write(f"rm /etc/edged/edged.json\nwrite {work}/edged.json /etc/edged/edged.json\n")
            subprocess.run(["debugfs", "-w", "-f", cmds, image], check=True, capture_output=True)
            return image

        def bundle(payload, version, floor, out):
            subprocess.run([binary("fwtool"), "build", "--payload", payload, "--version", version, "--compatible",
                            "edge-x86_64", "--min-version", "0.1.0", "--security-floor", floor, "--out", out],
                           check=True, capture_output=True)
            subprocess.run([binary("fwtool"), "sign", "--key", os.path.join(cls.keys, "firmware.key"), out],
                           check=True, capture_output=True)
        v2 = derive("0.2.0")
        bundle(v2, "0.2.0", "0.2.0", os.path.join(stick, "edge-0.2.0.fw"))
        os.unlink(v2)
        v3 = derive("0.3.0", broken_edged=True)
        bundle(v3, "0.3.0", "0.2.0", os.path.join(stick, "edge-0.3.0-broken-edged.fw"))
        os.unlink(v3)
        small = os.path.join(work, "small.img")
        with open(small, "wb") as f:
            f.write(os.urandom(3 << 20))
        bundle(small, "0.1.5", "0.1.0", os.path.join(stick, "edge-0.1.5.fw"))
        bundle(small, "0.4.0", "0.4.0", os.path.join(work, "edge-0.4.0.fw"))
        with open(os.path.join(work, "edge-0.4.0.fw"), "rb") as f:
            data = bytearray(f.read())
        data[-100] ^= 1
        with open(os.path.join(stick, "edge-0.4.0-tampered.fw"), "wb") as f:
            f.write(bytes(data))
        size_mib = sum(os.path.getsize(os.path.join(stick, n)) for n in os.listdir(stick)) // (1 << 20) + 64
        cls.stick = os.path.join(work, "stick.img")
        subprocess.run(["mkfs.ext4", "-q", "-F", "-L", "edge-stick", "-d", stick, cls.stick, f"{size_mib}M"],
                       check=True)
        shutil.rmtree(stick)

    @classmethod
    def prompt(cls):
        cls.vm.console.sock.sendall(b"\n")
        try:
            cls.vm.console.expect(r"root@edge[^#]*# ", 5)
            return True
        except AssertionError:
            return False

    @classmethod
    def tearDownClass(cls):
        if getattr(cls, "vm", None):
            cls.vm.kill()
        keep = os.environ.get("EDGE_IMAGE_KEEP")
        if keep:
            print(f"kept {cls.tmp.path}", file=sys.stderr)
        else:
            cls.tmp.cleanup()

    def sh(self, command, timeout=120):
        rc, out = self.vm.console.run_out(command, timeout)
        self.assertEqual(rc, 0, f"{command} on the box: {out}")
        return out

    def test_1_first_boot_layout_readonly_root_and_radius_answers(self):
        # The root slot is read-only, the data partition holds the state, first boot left its marks.
        mounts = self.sh("findmnt -n -o TARGET,SOURCE,OPTIONS / ; findmnt -n -o TARGET,SOURCE /var/lib")
        self.assertRegex(mounts, r"/\s+/dev/vda2\s+ro[,\s]")
        self.assertRegex(mounts, r"/var/lib\s+/dev/vda4")
        self.sh("test -s /var/lib/edge/first-boot && test -s /var/lib/edge/device-key.pem && test -d /var/lib/edged")
        self.assertIn("edge.slot=a", self.sh("cat /proc/cmdline"))
        # The fingerprint on the console is the one edged serves.
        status = self.sh("edgectl status")
        self.assertIn(self.banner_rest, status)
        # A NAS (the host, as qemu's user network shows it), a plan, a subscriber; radclient on the host.
        self.sh("edgectl nas add --name host --address 10.0.2.2 --secret testing123")
        self.sh("edgectl plan add --name basic --down 10M --up 2M")
        self.sh("edgectl subscriber add --username alice --password s3cret --plan basic")

        def ask(password):
            p = subprocess.run(["radclient", "-x", "-r", "3", "-t", "5", f"127.0.0.1:{self.vm.radius_port}", "auth",
                                "testing123"], input=f'User-Name = "alice"\nUser-Password = "{password}"\nMessage-Authenticator = 0x00\n',
                               capture_output=True, text=True, timeout=60)
            return p.stdout + p.stderr
        out = wait_for(lambda: (lambda o: o if "Received Access-" in o else None)(ask("s3cret")), 90,
                       "an answer from the box's RADIUS")
        self.assertIn("Received Access-Accept", out)
        self.assertIn("Received Access-Reject", ask("wrong"))

    def test_2_bundle_into_b_committed_after_the_gate_tampered_and_downgrade_refused(self):
        self.sh("mkdir -p /run/stick && mount -o ro /dev/vdb /run/stick")
        # Tampered: refused, slot b gets no entry.
        rc, out = self.vm.console.run_out("edgectl firmware install /run/stick/edge-0.4.0-tampered.fw", 300)
        self.assertNotEqual(rc, 0, out)
        self.assertIn("does not match the signed manifest", out)
        self.assertNotIn("edge-b", self.sh("ls /boot/efi/loader/entries"))
        # 0.2.0 into b, on trial, then the reboot and the gate.
        out = self.sh("edgectl firmware install /run/stick/edge-0.2.0.fw", 900)
        self.assertIn("0.2.0 is installed in slot b", out)
        self.assertIn("edge-b+3.conf", self.sh("ls /boot/efi/loader/entries"))
        self.vm.console.sock.sendall(b"systemctl reboot\n")
        self.vm.console.expect(r"Edge appliance 0\.2\.0 \(slot b\)", BOOT_TIMEOUT)
        wait_for(lambda: type(self).prompt(), 120, "a root shell after the reboot")
        self.assertIn("edge.slot=b", self.sh("cat /proc/cmdline"))

        def committed():
            rc, out = self.vm.console.run_out("ls /boot/efi/loader/entries", 60)
            return "edge-b.conf" in out
        wait_for(committed, 300, "slot b committed by the gate", interval=5)
        self.assertIn("committed", self.sh("edgectl events --kind firmware-committed"))
        self.assertIn("0.2.0", self.sh("cat /usr/lib/edge/version"))
        # A correctly signed 0.1.5 is below the floor 0.2.0 now: refused before writing, a stays.
        self.sh("mkdir -p /run/stick && (mountpoint -q /run/stick || mount -o ro /dev/vdb /run/stick)")
        rc, out = self.vm.console.run_out("edgectl firmware install /run/stick/edge-0.1.5.fw", 300)
        self.assertNotEqual(rc, 0, out)
        self.assertIn("below the security floor", out)
        self.assertIn("edge-a.conf", self.sh("ls /boot/efi/loader/entries"))

    def test_3_a_bundle_whose_edged_fails_comes_back_by_itself(self):
        # From b (0.2.0, committed): 0.3.0 whose edged refuses its config, into a, then the reboot.
        self.sh("mkdir -p /run/stick && (mountpoint -q /run/stick || mount -o ro /dev/vdb /run/stick)")
        out = self.sh("edgectl firmware install /run/stick/edge-0.3.0-broken-edged.fw", 900)
        self.assertIn("0.3.0 is installed in slot a", out)
        self.vm.console.sock.sendall(b"systemctl reboot\n")
        # a boots on trial, its gate fails (edged is not up), marks it bad and reboots: b again.
        self.vm.console.expect(r"edge\.slot=a", BOOT_TIMEOUT)
        self.vm.console.expect(r"Edge appliance 0\.2\.0 \(slot b\)", 2 * BOOT_TIMEOUT)
        wait_for(lambda: type(self).prompt(), 120, "a root shell after the rollback")
        self.assertIn("edge.slot=b", self.sh("cat /proc/cmdline"))
        entries = self.sh("ls /boot/efi/loader/entries")
        self.assertRegex(entries, r"edge-a\+0-\d+\.conf")
        self.assertIn("edge-b.conf", entries)

        def rolled_back():
            rc, out = self.vm.console.run_out("edgectl events --kind firmware-rolled-back", 60)
            return out if "0.3.0" in out else None
        wait_for(rolled_back, 300, "the rollback reported by the gate", interval=5)

    def test_4_power_cut_during_an_install_still_boots_the_running_slot(self):
        self.sh("mkdir -p /run/stick && (mountpoint -q /run/stick || mount -o ro /dev/vdb /run/stick)")
        self.vm.console.sock.sendall(b"edgectl firmware install /run/stick/edge-0.3.0-broken-edged.fw\n")
        self.vm.console.expect(r"writing: +1\d% ", 600)
        self.vm.kill()  # power cut in the middle of writing slot a
        self.vm.start()
        self.vm.console.expect(r"Edge appliance 0\.2\.0 \(slot b\)", BOOT_TIMEOUT)
        wait_for(lambda: type(self).prompt(), 120, "a root shell after the power cut")
        self.assertIn("edge.slot=b", self.sh("cat /proc/cmdline"))
        entries = self.sh("ls /boot/efi/loader/entries")
        self.assertNotIn("edge-a", entries)  # the half-written slot is not bootable
        self.assertIn("edge-b.conf", entries)


if __name__ == "__main__":
    unittest.main(verbosity=2)
