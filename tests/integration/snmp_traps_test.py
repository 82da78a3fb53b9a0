"""SNMP notifications of the alerts that need something to go wrong (issue 29), end to end from edged
to snmptrapd (notifications go straight to the receiver; no snmpd needed):

- edgedSyncFailing: the box enrolled with a real mgmtd, which is then stopped;
- edgedDiskLow: the data directory on a small tmpfs, filled with a ballast file;
- edgedAcctWriteFailing: that tmpfs full, so acct.db cannot commit.

For each: the trap arrives, the condition clears (edged_alerts_active{alert} on /metrics goes back to
0 once the cause is gone), and the next episode sends the trap again: exactly one per episode. Root:
it mounts tmpfs. Each test has its own edged; run one with `snmp_traps_test.py Traps.test_disk_low`."""
import errno
import os
import re
import socket
import subprocess
import sys
import unittest
import urllib.request

sys.path.insert(0, os.path.dirname(__file__))
from edgelib import Edged, Mgmtd, TempDir, wait_for  # noqa: E402
import radius_peer as rp  # noqa: E402

COMMUNITY = "trap-community-29"
NAS_SECRET = b"traps-nas-secret-0123"
# EDGED-MIB edgedNotifications.N (docs/mib/EDGED-MIB.txt), as snmpTrapOID.0's value in snmptrapd -On.
TRAP = re.compile(r"\.1\.3\.6\.1\.6\.3\.1\.1\.4\.1\.0 = OID: \.1\.3\.6\.1\.4\.1\.32473\.0\.(\d+)\b")
SYNC_FAILING, DISK_LOW, ACCT_WRITE_FAILING = 3, 4, 7
MIB = 1024 * 1024


def free_udp_port():
    with socket.socket(socket.AF_INET, socket.SOCK_DGRAM) as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


class Traps(unittest.TestCase):
    def setUp(self):
        if os.geteuid() != 0:  # a failure with its reason, not a skip
            raise AssertionError("the trap tests mount a tmpfs as the data directory: run them as root (CI does)")
        self.tmp = TempDir("edge-traps-")
        self.mounts, self.daemons = [], []
        self.trap_port = free_udp_port()
        self.trap_log = os.path.join(self.tmp.path, "traps.log")
        conf = os.path.join(self.tmp.path, "snmptrapd.conf")
        with open(conf, "w") as f:
            f.write(f"authCommunity log {COMMUNITY}\n")
        os.makedirs(os.path.join(self.tmp.path, "trapd"))
        env = dict(os.environ, MIBS="", SNMP_PERSISTENT_DIR=os.path.join(self.tmp.path, "trapd"))
        env.pop("SNMPCONFPATH", None)
        self.trapd = subprocess.Popen(["snmptrapd", "-f", "-C", "-c", conf, "-On", "-Lf", self.trap_log,
                                       f"udp:127.0.0.1:{self.trap_port}"], env=env,
                                      stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
        wait_for(lambda: os.path.exists(self.trap_log), timeout=10, what="snmptrapd to open its log")

    def tearDown(self):
        for d in reversed(self.daemons):
            if d.proc is not None:
                try:
                    d.stop()
                except Exception as e:  # the rest is still cleaned up
                    print("stopping", d.__class__.__name__, e, file=sys.stderr)
        self.trapd.terminate()
        self.trapd.wait(timeout=10)
        for m in self.mounts:
            subprocess.run(["umount", m], capture_output=True)
        if os.environ.get("KEEP_TMP"):
            print("kept", self.tmp.path)
        else:
            self.tmp.cleanup()

    def start_edged(self, alerts, tmpfs_mib=None, extra=None):
        config = {
            "snmp": {"enabled": True, "agentx-socket": os.path.join(self.tmp.path, "no-snmpd.sock"),
                     "trap-receivers": [f"127.0.0.1:{self.trap_port}"], "trap-community": COMMUNITY},
            "alerts": alerts,
        }
        config.update(extra or {})
        edged = Edged(os.path.join(self.tmp.path, "edged"), extra=config)
        if tmpfs_mib:
            os.makedirs(edged.data_dir)
            subprocess.run(["mount", "-t", "tmpfs", "-o", f"size={tmpfs_mib}m,mode=0700", "tmpfs", edged.data_dir],
                           check=True, capture_output=True)
            self.mounts.append(edged.data_dir)
        self.daemons.append(edged)
        return edged.start()

    def traps(self, kind):
        """The notifications of one kind snmptrapd logged, as their text (edgedAlertText and all)."""
        with open(self.trap_log, errors="replace") as f:
            log = f.read()
        # snmptrapd writes one notification per line group; split at each snmpTrapOID.
        out, starts = [], [m for m in TRAP.finditer(log)]
        for i, m in enumerate(starts):
            if int(m.group(1)) == kind:
                out.append(log[m.start():starts[i + 1].start() if i + 1 < len(starts) else len(log)])
        return out

    def metric(self, edged, series):
        """One series from edged's /metrics, e.g. 'edged_alerts_active{alert="disk-low"}'."""
        url = edged.ctl_json("status")["metrics-url"]
        with urllib.request.urlopen(url, timeout=5) as r:
            text = r.read().decode()
        m = re.search(r"^%s (\d+)$" % re.escape(series), text, re.M)
        if not m:
            raise AssertionError(f"{series} is not on /metrics")
        return int(m.group(1))

    def active(self, edged, alert):
        """Whether the alert's condition holds now."""
        return self.metric(edged, f'edged_alerts_active{{alert="{alert}"}}')

    def episodes(self, edged, kind, alert, start, stop, timeout):
        """Two episodes: start() the cause, the trap arrives (one more than before) and the alert is
        active; stop() it, the alert clears. Then the second trap must be a new one."""
        for n in (1, 2):
            start(n)
            wait_for(lambda: len(self.traps(kind)) >= n, timeout=timeout, what=f"{alert} notification {n}")
            self.assertEqual(1, self.active(edged, alert), f"{alert} is active after its notification")
            stop(n)
            wait_for(lambda: self.active(edged, alert) == 0, timeout=timeout, what=f"{alert} to clear ({n})")
            self.assertEqual(n, len(self.traps(kind)), f"one {alert} notification per episode")

    # ---- the tests ----

    def test_sync_failing(self):
        mgmt = Mgmtd(os.path.join(self.tmp.path, "mgmtd"), {"device-poll-interval": 1})
        self.daemons.append(mgmt)
        mgmt.start()
        mgmt.ctl("tenant", "add", "--name", "acme", "--tier", "basic")  # basic has SNMP
        edged = self.start_edged({"sync-failing-seconds": 10}, extra={"sync": {"max-backoff": 5}})
        edged.ctl("enroll", mgmt.ctl("claim", "create", "--tenant", "acme").stdout.strip())

        def sync_state():
            return edged.ctl_json("sync", "status")["state"]
        wait_for(lambda: sync_state() == "ok", timeout=20, what="the first check-in")
        self.assertTrue(edged.ctl_json("status")["snmp"]["running"], "the basic tier has SNMP")

        def back(n):
            mgmt.start()
            wait_for(lambda: sync_state() == "ok", timeout=30, what="the sync to recover")
        self.episodes(edged, SYNC_FAILING, "sync-failing", lambda n: mgmt.stop(), back, timeout=40)
        for text in self.traps(SYNC_FAILING):
            self.assertIn("the sync with the management plane has failed for more than 10 s", text)

    def test_disk_low(self):
        edged = self.start_edged({"disk-low-percent": 50}, tmpfs_mib=64)
        ballast = os.path.join(edged.data_dir, "ballast")

        def fill(n):
            with open(ballast, "wb") as f:
                f.write(b"\0" * (44 * MIB))  # tmpfs allocates what is written: about 30% free is left
        self.episodes(edged, DISK_LOW, "disk-low", fill, lambda n: os.remove(ballast), timeout=20)
        for text in self.traps(DISK_LOW):
            self.assertRegex(text, r"the data directory \S+ has \d+% free \(threshold 50%\)")

    def test_acct_write_failing(self):
        edged = self.start_edged({"disk-low-percent": 0}, tmpfs_mib=64)  # (disk-low is tested above)
        edged.ctl("nas", "add", "--name", "bras", "--address", "127.0.0.1", "--secret", NAS_SECRET.decode(),
                  "--vendor", "mikrotik")
        port = edged.ctl_json("status")["radius"]["acct-port"]
        ballast = os.path.join(edged.data_dir, "ballast")
        sent = iter(range(1, 1_000_000))

        def failures():
            return self.metric(edged, "radius_acct_write_failures_total")

        def record(timeout):
            """A new session's Start; its Accounting-Response, or None (a record not committed is not answered)."""
            i = next(sent)
            raw = rp.accounting_request(NAS_SECRET, 1, user=f"user{i}", session=f"traps-{i}", pkt_id=i % 256)
            return rp.exchange(port, raw, NAS_SECRET, timeout=timeout)

        def fill(n):
            with open(ballast, "wb") as f:
                try:
                    while True:
                        f.write(b"\0" * MIB)
                        f.flush()
                except OSError as e:
                    self.assertEqual(errno.ENOSPC, e.errno)
            # SQLite reuses the space its files already hold: send records until one cannot commit.
            before = failures()
            wait_for(lambda: record(0.3) is None and failures() > before, timeout=60, interval=0,
                     what="an accounting record that cannot be committed on a full disk")

        def free(n):
            os.remove(ballast)
            answer = wait_for(lambda: record(2.0), timeout=20, what="an accounting record committed again")
            self.assertEqual(5, answer.code, "Accounting-Response")
        self.episodes(edged, ACCT_WRITE_FAILING, "acct-write-failing", fill, free, timeout=30)
        for text in self.traps(ACCT_WRITE_FAILING):
            self.assertIn("accounting records failed to commit", text)


if __name__ == "__main__":
    unittest.main(verbosity=2)
