"""SNMP end to end: a real snmpd as AgentX master on a private socket and port (its snmpd.conf written
by `edgectl snmp config`), edged as subagent, radclient as NAS, fake_nas.py answering our CoA,
snmpwalk/snmpget -v3 authPriv reading the RFC 4669/4671/4672 OIDs and EDGED-MIB, snmptrapd receiving
the license notifications, and snmpd killed and restarted under RADIUS load."""
import base64
import json
import os
import re
import signal
import socket
import subprocess
import sys
import threading
import time
import unittest

sys.path.insert(0, os.path.dirname(__file__))
from edgelib import Edged, TempDir, check  # noqa: E402
import radius_peer as rp  # noqa: E402
from dynauth_test import FakeNasProcess, SECRET as NAS_SECRET  # noqa: E402

HERE = os.path.dirname(os.path.abspath(__file__))
ROOT = os.path.abspath(os.path.join(HERE, "..", ".."))
MIB_DIRS = os.path.join(ROOT, "tests", "support", "mibs") + ":" + os.path.join(ROOT, "docs", "mib")
SECRET = NAS_SECRET.encode() if isinstance(NAS_SECRET, str) else NAS_SECRET
USER, AUTH_PASS, PRIV_PASS = "monitor", "auth-pass-0123", "priv-pass-4567"
COMMUNITY = "trap-community-77"

AUTH = ".1.3.6.1.2.1.67.1.1.1.1"   # radiusAuthServ
ACC = ".1.3.6.1.2.1.67.2.1.1.1"    # radiusAccServ
DYN = ".1.3.6.1.2.1.145.1"         # radiusDynAuthClientMIBObjects


def free_udp_port():
    with socket.socket(socket.AF_INET, socket.SOCK_DGRAM) as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def tool_env(tmp):
    env = dict(os.environ, MIBS="", MIBDIRS=MIB_DIRS, SNMP_PERSISTENT_DIR=os.path.join(tmp, "snmp-tools"))
    env.pop("SNMPCONFPATH", None)
    return env


def parse_values(text):
    """{'.1.3...': value} of `snmpwalk -On -Oqv`-less output lines 'OID = TYPE: value'."""
    out = {}
    for line in text.splitlines():
        m = re.match(r"^(\.[0-9.]+) = (?:(\w[\w-]*): )?(.*)$", line)
        if not m:
            continue
        oid, kind, value = m.groups()
        if kind in ("Counter32", "Gauge32", "INTEGER", "Counter64", "Unsigned32"):
            named = re.match(r"^\w+\((-?\d+)\)", value)  # an enumeration shown by name: grace(4)
            out[oid] = int(named.group(1)) if named else int(value.split()[0])
        elif kind == "Timeticks":
            out[oid] = int(re.match(r"\((\d+)\)", value).group(1))
        elif kind == "STRING":
            out[oid] = value.strip('"')
        elif kind == "Hex-STRING":
            out[oid] = bytes.fromhex(value.replace(" ", ""))
        else:
            out[oid] = value
    return out


def radclient(port, kind, lines):
    r = subprocess.run(["radclient", "-x", "-r", "1", "-t", "3", f"127.0.0.1:{port}", kind, SECRET.decode()],
                       input="\n".join(lines) + "\n", capture_output=True, text=True, timeout=30)
    return r.returncode, r.stdout + r.stderr


def acct(status, user, session):
    return [f"Acct-Status-Type = {status}", f'User-Name = "{user}"', f'Acct-Session-Id = "{session}"',
            "NAS-Port = 7", 'Calling-Station-Id = "02-00-00-00-00-07"', "Framed-IP-Address = 100.64.1.7",
            "Acct-Input-Octets = 1000", "Acct-Output-Octets = 2000", "Acct-Session-Time = 10"]


class Snmp(unittest.TestCase):
    @classmethod
    def setUpClass(cls):
        cls.tmp = TempDir("edge-snmp-")
        t = cls.tmp.path
        cls.env = tool_env(t)
        os.makedirs(os.path.join(t, "snmp-tools"))
        cls.agentx = os.path.join(t, "agentx.sock")
        cls.snmp_port = free_udp_port()
        cls.trap_port = free_udp_port()
        cls.trusted_key = os.path.join(t, "license-pub.pem")
        # The management plane's license key (mgmt signs; the box trusts only this public key).
        cls.license_key = os.path.join(t, "license-key.pem")
        subprocess.run(["openssl", "ecparam", "-name", "prime256v1", "-genkey", "-noout", "-out", cls.license_key],
                       check=True, capture_output=True)
        subprocess.run(["openssl", "ec", "-in", cls.license_key, "-pubout", "-out", cls.trusted_key], check=True,
                       capture_output=True)
        # EAP on (a self-signed server certificate) so the edgedEap objects have something to count.
        cls.eap_cert, cls.eap_key = os.path.join(t, "eap.pem"), os.path.join(t, "eap.key")
        subprocess.run(["openssl", "req", "-x509", "-newkey", "ec", "-pkeyopt", "ec_paramgen_curve:P-256", "-nodes",
                        "-days", "30", "-subj", "/CN=radius.example.net", "-keyout", cls.eap_key, "-out",
                        cls.eap_cert], check=True, capture_output=True)
        # edged first: it keeps trying until snmpd is there.
        cls.edged = Edged(t, extra={
            "radius": {"listen": "127.0.0.1", "auth-port": 0, "acct-port": 0, "threads": 1,
                       "eap-certificate": cls.eap_cert, "eap-key": cls.eap_key},
            "snmp": {"enabled": True, "agentx-socket": cls.agentx, "ping-interval": 1,
                     "trap-receivers": [f"127.0.0.1:{cls.trap_port}"], "trap-community": COMMUNITY},
            "license": {"trusted-key": cls.trusted_key},
            # Low thresholds so the test sees them: 2 rejects in a minute is a burst; a NAS that
            # sent and then stays quiet for 6 s is silent.
            "alerts": {"nas-silent-seconds": 6, "auth-failure-burst": 1},
        }).start()
        cls.conf = os.path.join(t, "snmpd.conf")
        out = cls.edged.ctl("snmp", "config", "--user", USER, "--auth-passphrase", AUTH_PASS, "--priv-passphrase",
                            PRIV_PASS, "--listen", f"udp:127.0.0.1:{cls.snmp_port}", "--output", cls.conf).stdout
        check("written to" in out, out)
        cls.snmpd = None
        cls.start_snmpd()
        with open(os.path.join(t, "snmptrapd.conf"), "w") as f:
            f.write(f"authCommunity log {COMMUNITY}\n")
        cls.trap_log = os.path.join(t, "traps.log")
        cls.trapd = subprocess.Popen(
            ["snmptrapd", "-f", "-C", "-c", os.path.join(t, "snmptrapd.conf"), "-On", "-Lf", cls.trap_log,
             f"udp:127.0.0.1:{cls.trap_port}"], env=dict(cls.env, SNMP_PERSISTENT_DIR=os.path.join(t, "trapd")),
            stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
        cls.wait_joined(20)

        status = cls.edged.ctl_json("status")
        cls.auth_port = status["radius"]["auth-port"]
        cls.acct_port = status["radius"]["acct-port"]
        cls.metrics_url = status["metrics-url"]
        cls.nas = FakeNasProcess(t, "--mode", "ack")
        cls.edged.ctl("nas", "add", "--name", "bras", "--address", "127.0.0.1", "--secret", SECRET.decode(),
                      "--vendor", "mikrotik", "--coa-port", str(cls.nas.port))
        cls.edged.ctl("nas", "add", "--name", "far", "--address", "2001:db8::7", "--secret", "far-secret-123")
        cls.edged.ctl("plan", "add", "--name", "home", "--down", "10M", "--up", "2M")
        cls.edged.ctl("subscriber", "add", "--username", "alice", "--password", "pw-alice", "--plan", "home")
        cls.edged.ctl("subscriber", "add", "--username", "bob", "--password", "pw-bob", "--plan", "home",
                      "--status", "suspended")
        nas = {n["name"]: n for n in cls.edged.ctl_json("nas", "list")}
        cls.bras_id, cls.far_id = nas["bras"]["id"], nas["far"]["id"]

    @classmethod
    def tearDownClass(cls):
        for p in (cls.snmpd, cls.trapd):
            if p and p.poll() is None:
                p.terminate()
                p.wait(timeout=10)
        cls.nas.stop()
        cls.edged.stop()
        cls.tmp.cleanup()

    @classmethod
    def start_snmpd(cls):
        state = os.path.join(cls.tmp.path, "snmpd-state")
        os.makedirs(state, exist_ok=True)
        cls.snmpd = subprocess.Popen(
            ["snmpd", "-f", "-C", "-c", cls.conf, "-Lf", os.path.join(cls.tmp.path, "snmpd.log")],
            env=dict(cls.env, SNMP_PERSISTENT_DIR=state), stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)

    @classmethod
    def wait_joined(cls, timeout):
        """Seconds until snmpd answers an edged OID (the subagent is joined)."""
        start = time.monotonic()
        while time.monotonic() - start < timeout:
            r = subprocess.run(["snmpget", "-On", *cls.v3(), f"{AUTH}.1.0"], capture_output=True, text=True,
                               env=cls.env, timeout=20)
            if "edged" in r.stdout:
                return time.monotonic() - start
            time.sleep(0.2)
        raise AssertionError(f"edged's subagent not answering after {timeout}s: {cls.edged.read_log()}")

    @classmethod
    def v3(cls):
        return ["-v3", "-l", "authPriv", "-u", USER, "-a", "SHA-256", "-A", AUTH_PASS, "-x", "AES", "-X", PRIV_PASS,
                "-r", "1", "-t", "2", f"udp:127.0.0.1:{cls.snmp_port}"]

    def walk(self, oid):
        r = subprocess.run(["snmpwalk", "-On", *self.v3(), oid], capture_output=True, text=True, env=self.env,
                           timeout=30)
        self.assertEqual(r.returncode, 0, r.stderr)
        return parse_values(r.stdout)

    def get(self, *oids, mib=False):
        args = ["snmpget", "-On", *self.v3()] + (["-m", "EDGED-MIB"] if mib else []) + list(oids)
        r = subprocess.run(args, capture_output=True, text=True, env=self.env, timeout=30)
        self.assertEqual(r.returncode, 0, r.stdout + r.stderr)
        return parse_values(r.stdout)

    def traps(self):
        if not os.path.exists(self.trap_log):
            return ""
        with open(self.trap_log, errors="replace") as f:
            return f.read()

    # ---- the sequence: N accepts, M rejects, K accounting requests, a CoA ----

    def test_1_rfc_counters_per_client_tables_and_equality(self):
        # Counted from what they were before: the other tests send requests too, in any order.
        scalars = (f"{AUTH}.5.0", f"{AUTH}.8.0", f"{AUTH}.9.0", f"{ACC}.5.0", f"{ACC}.8.0")
        # The agent's view is refreshed from the live counters every second: start once it shows
        # everything counted so far (no request is in flight now).
        live = self.edged.ctl_json("stats")["totals"]
        deadline = time.time() + 10
        while True:
            start = self.get(*scalars)  # (a table row appears with its NAS's first request: absent = 0)
            if (start[f"{AUTH}.5.0"] == live["radius_auth_access_requests_total"] and
                    start[f"{ACC}.5.0"] == live["radius_acct_requests_total"]) or time.time() > deadline:
                break
            time.sleep(0.2)
        start_auth, start_acc, start_dyn = self.walk(f"{AUTH}.16"), self.walk(f"{ACC}.15"), self.walk(DYN)
        coas_seen = len(self.nas.entries())
        n, m = 3, 2
        for _ in range(n):
            rc, out = radclient(self.auth_port, "auth", ['User-Name = "alice"', 'User-Password = "pw-alice"',
                                                         "Message-Authenticator = 0x00"])
            self.assertIn("Received Access-Accept", out)
        for _ in range(m):
            rc, out = radclient(self.auth_port, "auth", ['User-Name = "alice"', 'User-Password = "wrong"',
                                                         "Message-Authenticator = 0x00"])
            self.assertIn("Received Access-Reject", out)
        k = 0
        for status, session in (("Start", "S1"), ("Interim-Update", "S1"), ("Start", "S2"), ("Stop", "S2")):
            rc, out = radclient(self.acct_port, "acct", acct(status, "alice", session))
            self.assertIn("Received Accounting-Response", out)
            k += 1
        coa = self.edged.ctl_json("session", "coa", "--user", "alice")
        self.assertEqual(len(self.nas.entries()), coas_seen + 1, coa)

        # Server-wide scalars (RFC 4669, RFC 4671), read with snmpget -On. The agent's view is refreshed
        # from the counters every second: read until it holds this test's last request.
        deadline = time.time() + 10
        while True:
            got = self.get(*scalars)
            moved = {oid: got[oid] - start[oid] for oid in scalars}
            if (moved[f"{AUTH}.5.0"] >= n + m and moved[f"{ACC}.8.0"] >= k) or time.time() > deadline:
                break
            time.sleep(0.2)
        self.assertEqual(moved[f"{AUTH}.5.0"], n + m)  # radiusAuthServTotalAccessRequests
        self.assertEqual(moved[f"{AUTH}.8.0"], n)      # radiusAuthServTotalAccessAccepts
        self.assertEqual(moved[f"{AUTH}.9.0"], m)      # radiusAuthServTotalAccessRejects
        self.assertEqual(moved[f"{ACC}.5.0"], k)       # radiusAccServTotalRequests
        self.assertEqual(moved[f"{ACC}.8.0"], k)       # radiusAccServTotalResponses

        # Per-client tables, indexed by the NAS's id; the silent IPv6 NAS has its row of zeros.
        auth = self.walk(f"{AUTH}.16")
        b, f = self.bras_id, self.far_id
        self.assertEqual(auth[f"{AUTH}.16.1.2.{b}"], 1)                       # ipv4
        self.assertEqual(auth[f"{AUTH}.16.1.3.{b}"], bytes([127, 0, 0, 1]))
        self.assertEqual(auth[f"{AUTH}.16.1.4.{b}"], "bras")
        self.assertEqual(auth[f"{AUTH}.16.1.5.{b}"] - start_auth.get(f"{AUTH}.16.1.5.{b}", 0), n + m)
        self.assertEqual(auth[f"{AUTH}.16.1.7.{b}"] - start_auth.get(f"{AUTH}.16.1.7.{b}", 0), n)
        self.assertEqual(auth[f"{AUTH}.16.1.8.{b}"] - start_auth.get(f"{AUTH}.16.1.8.{b}", 0), m)
        self.assertEqual(auth[f"{AUTH}.16.1.2.{f}"], 2)                       # ipv6
        self.assertEqual(auth[f"{AUTH}.16.1.3.{f}"], bytes.fromhex("20010db8000000000000000000000007"))
        self.assertEqual(auth[f"{AUTH}.16.1.5.{f}"], 0)
        acc = self.walk(f"{ACC}.15")
        self.assertEqual(acc[f"{ACC}.15.1.4.{b}"], "bras")
        self.assertEqual(acc[f"{ACC}.15.1.6.{b}"] - start_acc.get(f"{ACC}.15.1.6.{b}", 0), k)  # radiusAccServExtRequests
        self.assertEqual(acc[f"{ACC}.15.1.8.{b}"] - start_acc.get(f"{ACC}.15.1.8.{b}", 0), k)  # radiusAccServExtResponses
        self.assertEqual(acc[f"{ACC}.15.1.6.{f}"], 0)

        # RFC 4672: the CoA we sent, in the row of the NAS it went to.
        dyn = self.walk(DYN)
        self.assertEqual(dyn[f"{DYN}.2.1.4.{b}"], self.nas.port)  # radiusDynAuthServerClientPortNumber
        self.assertEqual(dyn[f"{DYN}.2.1.5.{b}"], "bras")         # radiusDynAuthServerID
        for oid, want in ((f"{DYN}.2.1.19.{b}", 1),   # radiusDynAuthClientCoARequests
                          (f"{DYN}.2.1.22.{b}", 1),   # radiusDynAuthClientCoAAcks
                          (f"{DYN}.2.1.7.{b}", 0)):   # radiusDynAuthClientDisconRequests
            self.assertEqual(dyn[oid] - start_dyn.get(oid, 0), want, oid)
        self.assertEqual(dyn[f"{DYN}.2.1.19.{f}"], 0)

        # The same counters through edgectl stats --json, SNMP and /metrics.
        stats = self.edged.ctl_json("stats")
        metrics = {}
        body = subprocess.run(["curl", "-sS", self.metrics_url], capture_output=True, text=True, check=True).stdout
        for line in body.splitlines():
            if line and not line.startswith("#"):
                key, _, value = line.rpartition(" ")
                metrics[key] = float(value)
        walked = self.walk(".1.3.6.1.2.1.67")
        pairs = [("radius_auth_access_requests_total", f"{AUTH}.5.0"), ("radius_auth_access_accepts_total", f"{AUTH}.8.0"),
                 ("radius_auth_access_rejects_total", f"{AUTH}.9.0"),
                 ("radius_auth_malformed_access_requests_total", f"{AUTH}.11.0"),
                 ("radius_acct_requests_total", f"{ACC}.5.0"), ("radius_acct_responses_total", f"{ACC}.8.0"),
                 ("radius_acct_packets_dropped_total", f"{ACC}.11.0")]
        for name, oid in pairs:
            self.assertEqual(stats["totals"][name], walked[oid], name)
            self.assertEqual(metrics[name], walked[oid], name)
        per = stats["clients"]["bras"]
        self.assertEqual(per["radius_auth_client_access_accepts_total"], walked[f"{AUTH}.16.1.7.{b}"])
        self.assertEqual(metrics['radius_auth_client_access_accepts_total{nas="bras"}'], walked[f"{AUTH}.16.1.7.{b}"])
        self.assertEqual(metrics['radius_dynauth_server_coa_acks_total{nas="bras"}'], dyn[f"{DYN}.2.1.22.{b}"])

    def test_2_edged_mib_objects_by_name(self):
        # snmptranslate loads our MIB file; snmpget reads objects by name through it.
        r = subprocess.run(["snmptranslate", "-m", "EDGED-MIB", "-On", "EDGED-MIB::edgedSessionsOnline.0"],
                           capture_output=True, text=True, env=self.env)
        self.assertEqual(r.returncode, 0, r.stderr)
        self.assertRegex(r.stdout.strip(), r"^\.1\.3\.6\.1\.4\.1\.\d+\.1\.2\.1\.0$")
        deadline = time.time() + 10  # the subscriber gauges follow the snapshot within a second
        while True:
            got = self.get("EDGED-MIB::edgedSubscribersTotal.0", "EDGED-MIB::edgedSubscribersSuspended.0",
                           "EDGED-MIB::edgedLicenseState.0", "EDGED-MIB::edgedSyncState.0", mib=True)
            values = list(got.values())
            if values[0] == 2 or time.time() > deadline:
                break
            time.sleep(0.5)
        self.assertEqual(values[:2], [2, 1])  # alice and bob; bob is suspended
        self.assertEqual(values[3], 1)        # notEnrolled
        walked = self.walk(r.stdout.strip().rsplit(".", 4)[0])  # the whole enterprise subtree
        plan_rows = {k: v for k, v in walked.items() if ".1.2.2.1.2." in k}
        self.assertIn("home", plan_rows.values())

    def test_2b_eap_and_radsec_objects(self):
        # An EAP-Response/Identity opens a conversation: edgedEapConversationsStarted moves by one and
        # edgedEapConversationsOpen counts it; every edgedEap and edgedRadsec object equals /metrics.
        pen = f".1.3.6.1.4.1.{self.pen()}"
        eap, radsec = f"{pen}.1.8", f"{pen}.1.9"
        before = self.walk(eap)
        self.assertEqual(len(before), 13, before)
        identity = bytes([2, 1, 0, 10, 1]) + b"alice"
        rc, out = radclient(self.auth_port, "auth", ['User-Name = "alice"', f"EAP-Message = 0x{identity.hex()}",
                                                     "Message-Authenticator = 0x00"])
        self.assertIn("Received Access-Challenge", out)
        deadline = time.time() + 10  # the agent's view follows the counters within a second
        while True:
            after = self.walk(eap)
            if after[f"{eap}.1.0"] > before[f"{eap}.1.0"] or time.time() > deadline:
                break
            time.sleep(0.2)
        self.assertEqual(after[f"{eap}.1.0"] - before[f"{eap}.1.0"], 1)  # edgedEapConversationsStarted
        self.assertGreaterEqual(after[f"{eap}.2.0"], 1)                  # edgedEapConversationsOpen
        walked_radsec = self.walk(radsec)
        self.assertEqual(len(walked_radsec), 7, walked_radsec)
        metrics = self.metrics()
        names = ["started_total", "open", "refused_total", "timed_out_total"]
        for k, name in enumerate(names, start=1):
            self.assertEqual(metrics["radius_eap_conversations_" + name], after[f"{eap}.{k}.0"], name)
        for k, name in enumerate(["unknown_state_total", "malformed_total", "tls_failures_total", "accepts_total",
                                  "rejects_total", "queue_full_total", "resumed_total",
                                  "resumption_refused_total", "resumption_sessions"], start=5):
            self.assertEqual(metrics.get("radius_eap_" + name, 0), after[f"{eap}.{k}.0"], name)
        for k, name in enumerate(["connections_accepted_total", "connections_refused_total",
                                  "handshake_failures_total", "unknown_certificates_total", "malformed_frames_total",
                                  "idle_timeouts_total", "connections_open"], start=1):
            self.assertEqual(metrics["radius_radsec_" + name], walked_radsec[f"{radsec}.{k}.0"], name)
        # By name through the MIB file.
        got = self.get("EDGED-MIB::edgedEapConversationsStarted.0", "EDGED-MIB::edgedRadsecConnectionsOpen.0",
                       mib=True)
        self.assertEqual(list(got.values()), [after[f"{eap}.1.0"], 0])

    def pen(self):
        r = subprocess.run(["snmptranslate", "-m", "EDGED-MIB", "-On", "EDGED-MIB::edgedMIB"],
                           capture_output=True, text=True, env=self.env, check=True)
        return r.stdout.strip().rsplit(".", 1)[1]

    def metrics(self):
        out = {}
        body = subprocess.run(["curl", "-sS", self.metrics_url], capture_output=True, text=True, check=True).stdout
        for line in body.splitlines():
            if line and not line.startswith("#"):
                key, _, value = line.rpartition(" ")
                out[key] = float(value)
        return out

    def test_3_license_expiry_sends_notifications(self):
        now = int(time.time())

        def signed(key=None, **overrides):
            lic = {"id": "L-1", "tenant": "acme", "tier": "premium", "subscriber-cap": 10000,
                   "features": ["snmp", "vouchers"], "issued-at": now, "not-before": now - 60,
                   "expires-at": now + 6, "grace-days": 14}
            lic.update(overrides)
            payload = json.dumps(lic).encode()
            path = os.path.join(self.tmp.path, f"lic-{time.monotonic_ns()}")
            with open(path + ".json", "wb") as fh:
                fh.write(payload)
            sig = subprocess.run(["openssl", "dgst", "-sha256", "-sign", key or self.license_key, path + ".json"], check=True,
                                 capture_output=True).stdout
            doc = {"format": "edge-license-1", "license": base64.b64encode(payload).decode(),
                   "signature": base64.b64encode(sig).decode()}
            with open(path, "w") as fh:
                json.dump(doc, fh)
            return path, doc

        # A license signed by another key is refused, and so is a tampered one.
        foreign_key = os.path.join(self.tmp.path, "foreign.pem")
        subprocess.run(["openssl", "ecparam", "-name", "prime256v1", "-genkey", "-noout", "-out", foreign_key],
                       check=True, capture_output=True)
        good, doc = signed()
        r = self.edged.ctl("license", "install", signed(key=foreign_key)[0], check=False)
        self.assertNotEqual(r.returncode, 0)
        self.assertIn("signature does not verify", r.stderr)
        tampered = dict(doc, license=base64.b64encode(
            base64.b64decode(doc["license"]).replace(b'"premium"', b'"enterprise"')).decode())
        with open(good + ".tampered", "w") as fh:
            json.dump(tampered, fh)
        r = self.edged.ctl("license", "install", good + ".tampered", check=False)
        self.assertIn("signature does not verify", r.stderr)

        # The real one: it expires in 6 seconds, so it is 'expiring' now and in its grace days soon.
        r = self.edged.ctl("license", "install", good)
        self.assertIn("license L-1 installed", r.stdout)
        self.assertEqual(self.edged.ctl_json("license", "show")["state"], "expiring")
        older, _ = signed(id="L-0", **{"issued-at": now - 100})
        r = self.edged.ctl("license", "install", older, check=False)
        self.assertIn("not newer than the installed one", r.stderr)

        deadline = time.time() + 30
        while time.time() < deadline and ".1.3.6.1.4.1.32473.0.2" not in self.traps():
            time.sleep(0.5)
        log = self.traps()
        pen_prefix = ".1.3.6.1.4.1.32473"
        self.assertIn(f"{pen_prefix}.0.1", log, "edgedLicenseExpiring not received")  # expiring, at install
        self.assertIn(f"{pen_prefix}.0.2", log, "edgedLicenseExpired not received")   # expired: grace began
        self.assertIn("has expired; 14 grace days", log)
        self.assertEqual(self.edged.ctl_json("license", "show")["state"], "grace")
        got = self.get(f"{pen_prefix}.1.3.1.0", f"{pen_prefix}.1.3.2.0", f"{pen_prefix}.1.3.3.0")
        self.assertEqual(list(got.values()), [4, "premium", 10000])  # grace(4)
        events = self.edged.ctl_json("events", "--limit", "20")
        self.assertIn("alert license-expired", [e["kind"] for e in events])

        # The other alerts: two rejects within a minute (threshold 1) from 'bras', which then stays
        # quiet; the IPv6 NAS never sent anything, so it is not 'silent'.
        for _ in range(2):
            rc, out = radclient(self.auth_port, "auth", ['User-Name = "alice"', 'User-Password = "wrong"',
                                                         "Message-Authenticator = 0x00"])
            self.assertIn("Received Access-Reject", out)
        deadline = time.time() + 15
        while time.time() < deadline and f"{pen_prefix}.0.5" not in self.traps():
            time.sleep(0.5)
        log = self.traps()
        self.assertIn(f"{pen_prefix}.0.6", log, "edgedAuthFailureBurst not received")
        self.assertIn("2 Access-Rejects within a minute", log)
        self.assertIn(f"{pen_prefix}.0.5", log, "edgedNasSilent not received")
        self.assertIn('"bras"', log)
        self.assertNotIn('"far"', log)

    def test_4_snmpd_killed_and_restarted_under_radius_load(self):
        latencies, failures, stop = [], [], threading.Event()

        def load():
            i = 0
            while not stop.is_set():
                i += 1
                raw, _ = rp.access_request(SECRET, "alice", "pw-alice", pkt_id=i % 256)
                t0 = time.monotonic()
                reply = rp.exchange(self.auth_port, raw, SECRET, timeout=2.0)
                latencies.append(time.monotonic() - t0)
                if reply is None:
                    failures.append(i)

        worker = threading.Thread(target=load)
        worker.start()
        try:
            time.sleep(1.0)
            baseline = len(latencies)
            self.snmpd.send_signal(signal.SIGKILL)
            self.snmpd.wait(timeout=10)
            time.sleep(3.0)  # edged notices (ping every second) and keeps trying
            self.start_snmpd()
            back = self.wait_joined(20)
            time.sleep(0.5)
        finally:
            stop.set()
            worker.join()
        self.assertEqual(failures, [], "RADIUS requests went unanswered while snmpd was away")
        # Answers kept coming while snmpd was gone (each request waits at most its own 2 s timeout).
        self.assertGreater(len(latencies) - baseline, 50)
        self.assertLess(back, 20)
        status = self.edged.ctl_json("status")
        self.assertTrue(status["snmp"]["connected"])
        self.assertGreaterEqual(status["counters"]["snmp_agentx_connects_total"], 2)
        self.assertIn("lost the master agent", self.edged.read_log())


if __name__ == "__main__":
    unittest.main(verbosity=2)
