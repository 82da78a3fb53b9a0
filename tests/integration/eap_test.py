"""EAP end to end (issue 28): wpa_supplicant's eapol_test (Debian eapoltest) against a real edged.

- EAP-TLS: a client certificate from the operator's CA is accepted (its CN names the subscriber);
  one from a rogue CA and a revoked one (on eap-crl) are refused.
- PEAPv0/EAP-MSCHAPv2 and EAP-TTLS with PAP and with MS-CHAPv2 inside: right password accepted,
  wrong password refused.
- PEAP crypto binding: optional (the default) lets a peer that ignores it in; required (an edged of
  its own) refuses that peer and lets one that answers it in.
- Every accept: eapol_test compares the MPPE keys it derived from the TLS session with the
  MS-MPPE-Recv-Key/Send-Key edged sent ("MPPE keys OK: 1  mismatch: 0"), and the plan's attributes
  are in the Access-Accept.
- A small eap-fragment-size makes every handshake message go in several fragments both ways.
- Counters on /metrics; an Access-Request with EAP-Message but without Message-Authenticator is
  dropped (RFC 3579 3.2); a State of no conversation is refused.
- EAP-TTLS with EAP-MSCHAPv2 inside (phase2 autheap=MSCHAPV2): right password accepted, wrong refused.
- TLS session resumption (`eapol_test -r 1`: a second login resuming the first's session) for every
  method: edged counts it resumed and still sends the plan's rate and fresh MPPE keys; a subscriber
  suspended between the two logins is refused, and an EAP-TLS certificate revoked in between (new
  CRL, config-reload) does not resume. "In between" is a small RADIUS relay in this test that runs
  the change when it passes the first Access-Accept on, before eapol_test starts the second login.
Certificates are made here with the openssl CLI (CA, CRL with `openssl ca`)."""
import hashlib
import hmac
import os
import re
import socket
import struct
import select
import subprocess
import sys
import threading
import unittest
import urllib.request

sys.path.insert(0, os.path.dirname(__file__))
from edgelib import Edged, TempDir  # noqa: E402

SECRET = "eap-test-secret-0123456789"


def openssl(*args, cwd):
    r = subprocess.run(["openssl", *args], cwd=cwd, capture_output=True, timeout=60)
    if r.returncode != 0:
        raise AssertionError("openssl " + " ".join(args) + ": " + r.stderr.decode(errors="replace"))


def make_ca(d, name):
    openssl("req", "-x509", "-newkey", "ec", "-pkeyopt", "ec_paramgen_curve:P-256", "-nodes", "-days", "30",
            "-subj", f"/CN={name}", "-keyout", f"{name}.key", "-out", f"{name}.pem", cwd=d)


def make_cert(d, ca, name, cn, eku):
    openssl("req", "-newkey", "ec", "-pkeyopt", "ec_paramgen_curve:P-256", "-nodes", "-subj", f"/CN={cn}",
            "-keyout", f"{name}.key", "-out", f"{name}.csr", cwd=d)
    with open(os.path.join(d, f"{name}.ext"), "w") as f:
        f.write(f"extendedKeyUsage={eku}\n")
    openssl("x509", "-req", "-in", f"{name}.csr", "-CA", f"{ca}.pem", "-CAkey", f"{ca}.key", "-CAcreateserial",
            "-days", "30", "-extfile", f"{name}.ext", "-out", f"{name}.pem", cwd=d)
    return os.path.join(d, f"{name}.pem"), os.path.join(d, f"{name}.key")


def make_crl(d, ca, revoked_pem):
    with open(os.path.join(d, "index.txt"), "w"):
        pass
    with open(os.path.join(d, "crlnumber"), "w") as f:
        f.write("01\n")
    with open(os.path.join(d, "ca.cnf"), "w") as f:
        f.write(f"""[ ca ]
default_ca = edge_ca
[ edge_ca ]
database = {d}/index.txt
crlnumber = {d}/crlnumber
default_md = sha256
default_crl_days = 30
""")
    openssl("ca", "-config", "ca.cnf", "-keyfile", f"{ca}.key", "-cert", f"{ca}.pem", "-revoke", revoked_pem, cwd=d)
    openssl("ca", "-config", "ca.cnf", "-keyfile", f"{ca}.key", "-cert", f"{ca}.pem", "-gencrl", "-out", "crl.pem",
            cwd=d)
    return os.path.join(d, "crl.pem")


class Relay:
    """Passes RADIUS datagrams between eapol_test and edged; runs `on_first_accept` when the first
    Access-Accept comes back, before handing it on (so before eapol_test's next login begins)."""

    def __init__(self, upstream_port, on_first_accept):
        self.front = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
        self.front.bind(("127.0.0.1", 0))
        self.port = self.front.getsockname()[1]
        self.back = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
        self.back.bind(("127.0.0.1", 0))  # edged sees the NAS ap-1 (127.0.0.1)
        self.back.connect(("127.0.0.1", upstream_port))
        self.on_first_accept = on_first_accept
        self.accepts = 0
        self.client = None
        self.error = None
        self.stopping = False
        self.thread = threading.Thread(target=self.run, daemon=True)
        self.thread.start()

    def run(self):
        try:
            while not self.stopping:
                ready, _, _ = select.select([self.front, self.back], [], [], 0.2)
                if self.front in ready:
                    data, self.client = self.front.recvfrom(4096)
                    self.back.send(data)
                if self.back in ready:
                    data = self.back.recv(4096)
                    if data[0] == 2:  # Access-Accept
                        self.accepts += 1
                        if self.accepts == 1:
                            self.on_first_accept()
                    self.front.sendto(data, self.client)
        except Exception as e:  # noqa: BLE001 - reported by stop()
            self.error = e

    def stop(self):
        self.stopping = True
        self.thread.join(10)
        self.front.close()
        self.back.close()
        if self.error:
            raise self.error


class Eap(unittest.TestCase):
    @classmethod
    def setUpClass(cls):
        cls.tmp = TempDir()
        d = cls.certs = os.path.join(cls.tmp.path, "certs")
        os.makedirs(d)
        make_ca(d, "server-ca")
        make_ca(d, "client-ca")
        make_ca(d, "rogue-ca")
        cls.server_cert, cls.server_key = make_cert(d, "server-ca", "edged", "radius.pop1.example.net", "serverAuth")
        cls.carol = make_cert(d, "client-ca", "carol", "carol", "clientAuth")
        cls.dave = make_cert(d, "client-ca", "dave", "dave", "clientAuth")  # revoked below
        cls.mallory = make_cert(d, "rogue-ca", "mallory", "carol", "clientAuth")  # carol's name, wrong CA
        cls.erin = make_cert(d, "client-ca", "erin", "erin", "clientAuth")  # revoked between two logins
        crl = make_crl(d, "client-ca", cls.dave[0])
        cls.edged = Edged(cls.tmp.path, extra={"radius": {
            "listen": "127.0.0.1", "auth-port": 0, "acct-port": 0, "threads": 1,
            "eap-certificate": cls.server_cert, "eap-key": cls.server_key,
            "eap-ca": os.path.join(d, "client-ca.pem"), "eap-crl": crl,
            "eap-fragment-size": 300, "eap-max-conversations-per-nas": 3}}).start()
        ctl = cls.edged.ctl
        ctl("nas", "add", "--name", "ap-1", "--address", "127.0.0.1", "--secret", SECRET, "--vendor", "mikrotik")
        ctl("nas", "add", "--name", "flood", "--address", "127.0.0.2", "--secret", SECRET)
        ctl("plan", "add", "--name", "home", "--down", "20M", "--up", "10M", "--interim", "0")
        ctl("subscriber", "add", "--username", "alice", "--password", "alice-pw", "--plan", "home")
        ctl("subscriber", "add", "--username", "carol", "--password", "carol-unused-pw", "--plan", "home")
        ctl("subscriber", "add", "--username", "dave", "--password", "dave-unused-pw", "--plan", "home")
        ctl("subscriber", "add", "--username", "erin", "--password", "erin-unused-pw", "--plan", "home")
        ctl("subscriber", "add", "--username", "frank", "--password", "frank-pw", "--plan", "home")
        # Imported from another server (ADR 0045): an NT hash alone (MD4 of UTF-16LE "nthash-pw", made
        # with iconv and openssl), and a PAP-only $5$ crypt of "crypt-pw" (openssl passwd -5).
        ctl("subscriber", "add", "--username", "nthash", "--nt-hash", "5b06abe115ae0febc7154997e1aa60ec", "--plan", "home")
        ctl("subscriber", "add", "--username", "crypted", "--password-hash",
            "{crypt}$5$saltsalt$UFhJz/zyM5QWMtu5FeGTxNeVcEibqrghzidJfPeWN4C", "--plan", "home")
        cls.port = cls.edged.ctl_json("status")["radius"]["auth-port"]
        cls.n = 0

    @classmethod
    def tearDownClass(cls):
        cls.edged.stop()
        cls.tmp.cleanup()

    def eapol(self, network, port=None, reauths=0):
        Eap.n += 1
        conf = os.path.join(self.tmp.path, f"eapol{Eap.n}.conf")
        with open(conf, "w") as f:
            f.write("network={\n  key_mgmt=WPA-EAP\n  eapol_flags=0\n")
            for k, v in network.items():
                f.write(f"  {k}={v}\n")
            f.write("}\n")
        r = subprocess.run(["eapol_test", "-c", conf, "-a", "127.0.0.1", "-p", str(port or self.port), "-s", SECRET,
                            "-t", "10", "-M", "02:00:00:00:00:01", "-r", str(reauths)],
                           capture_output=True, text=True, timeout=60)
        return r.returncode, r.stdout + r.stderr

    def q(self, s):
        return '"' + s + '"'

    def assert_accepted(self, rc, out):
        tail = out[-1500:]
        self.assertEqual(rc, 0, tail)
        self.assertIn("SUCCESS", out, tail)
        # eapol_test derives the MSK itself and compares it with MS-MPPE-Recv/Send-Key from edged.
        self.assertIn("MPPE keys OK: 1  mismatch: 0", out, tail)
        # The plan's rate in the Access-Accept: Mikrotik-Rate-Limit "10M/20M" (vendor 14988 = 0x3a8c).
        self.assertIn("00003a8c0809" + "10M/20M".encode().hex(), out, tail)

    def assert_refused(self, rc, out):
        self.assertNotEqual(rc, 0, out[-3000:])
        self.assertIn("Access-Reject", out, out[-3000:])
        self.assertNotIn("MPPE keys OK: 1", out)

    def counter(self, name, labels=""):
        with urllib.request.urlopen(self.edged.ctl_json("status")["metrics-url"], timeout=10) as r:
            text = r.read().decode()
        for line in text.splitlines():
            if line.startswith(name + labels + " "):
                return int(float(line.split()[-1]))
        return 0

    def server_ca(self):
        return self.q(os.path.join(self.certs, "server-ca.pem"))

    def test_eap_tls_good_certificate_accepted(self):
        before = self.counter("radius_eap_accepts_total")
        rc, out = self.eapol({"eap": "TLS", "identity": self.q("carol"), "ca_cert": self.server_ca(),
                              "client_cert": self.q(self.carol[0]), "private_key": self.q(self.carol[1]),
                              "fragment_size": "300"})
        self.assert_accepted(rc, out)
        # Several fragments each way (eap-fragment-size 300, the peer's fragment_size 300): the first of
        # ours carries L and M (flags 0xc0) and the peer acks it; the peer's come with L/M too and
        # edged acks each with an empty EAP-TLS request (flags 0x00, 6 octets).
        self.assertRegex(out, r"SSL: Received packet\(len=\d+\) - Flags 0xc0")
        self.assertIn("SSL: Building ACK", out)
        self.assertRegex(out, r"TX EAP -> RADIUS - hexdump\(len=\d+\): 02 [0-9a-f]{2} [0-9a-f]{2} [0-9a-f]{2} 0d c0")
        self.assertRegex(out, r"SSL: Received packet\(len=6\) - Flags 0x00")
        self.assertGreater(self.counter("radius_eap_accepts_total"), before)

    def test_eap_tls_rogue_ca_refused(self):
        before = self.counter("radius_eap_tls_failures_total")
        rc, out = self.eapol({"eap": "TLS", "identity": self.q("carol"), "ca_cert": self.server_ca(),
                              "client_cert": self.q(self.mallory[0]), "private_key": self.q(self.mallory[1])})
        self.assert_refused(rc, out)
        self.assertGreater(self.counter("radius_eap_tls_failures_total"), before)
        self.assertRegex(self.edged.read_log(), r"auth reject: .*user=carol .*eap-tls: TLS handshake: client certificate: .*not correctly signed")

    def test_eap_tls_revoked_certificate_refused(self):
        rc, out = self.eapol({"eap": "TLS", "identity": self.q("dave"), "ca_cert": self.server_ca(),
                              "client_cert": self.q(self.dave[0]), "private_key": self.q(self.dave[1])})
        self.assert_refused(rc, out)
        self.assertRegex(self.edged.read_log(), r"user=dave .*eap-tls: TLS handshake: client certificate: .*revoked")

    def test_z_crl_read_again_by_a_reload(self):
        # Last (carol ends revoked). A new CRL is used from the next handshake without a restart, on
        # `edgectl config-reload` (SIGHUP takes the same path); an unreadable one refuses the reload
        # and the running certificates stay.
        d = self.certs
        crl = os.path.join(d, "crl.pem")
        carol = {"eap": "TLS", "identity": self.q("carol"), "ca_cert": self.server_ca(),
                 "client_cert": self.q(self.carol[0]), "private_key": self.q(self.carol[1])}
        with open(crl, "rb") as f:
            good = f.read()
        with open(crl, "w") as f:
            f.write("-----BEGIN X509 CRL-----\nnot a CRL\n-----END X509 CRL-----\n")
        r = self.edged.ctl("config-reload", check=False)
        self.assertNotEqual(r.returncode, 0, r.stdout + r.stderr)
        self.assertIn("eap-crl: " + crl, r.stdout + r.stderr)
        self.assert_accepted(*self.eapol(carol))  # the CRL loaded at start is still in use
        with open(crl, "wb") as f:
            f.write(good)
        openssl("ca", "-config", "ca.cnf", "-keyfile", "client-ca.key", "-cert", "client-ca.pem", "-revoke",
                self.carol[0], cwd=d)
        openssl("ca", "-config", "ca.cnf", "-keyfile", "client-ca.key", "-cert", "client-ca.pem", "-gencrl", "-out",
                "crl.pem", cwd=d)
        self.edged.ctl("config-reload")
        rc, out = self.eapol(carol)
        self.assert_refused(rc, out)
        self.assertRegex(self.edged.read_log(), r"user=carol .*eap-tls: TLS handshake: client certificate: .*revoked")

    def test_peap_mschapv2(self):
        """crypto_binding=2: the peer requires PEAP's Crypto-Binding TLV (as Windows can) and checks its
        Compound MAC; its MSK is then the compound session key, which eapol_test compares with the MPPE
        keys. crypto_binding=0: a peer that ignores the binding still logs in, with the TLS MSK."""
        net = {"eap": "PEAP", "identity": self.q("alice"), "anonymous_identity": self.q("anonymous"),
               "ca_cert": self.server_ca(), "phase1": self.q("peapver=0 crypto_binding=2"),
               "phase2": self.q("auth=MSCHAPV2")}
        rc, out = self.eapol(dict(net, password=self.q("alice-pw")))
        self.assert_accepted(rc, out)
        self.assertIn("EAP-PEAP: Valid cryptobinding TLV received", out)
        self.assertIn("EAP-PEAP: CSK", out)
        self.assertIn("User-Name", out)
        rc, out = self.eapol(dict(net, password=self.q("alice-pw"), phase1=self.q("peapver=0 crypto_binding=0")))
        self.assert_accepted(rc, out)
        self.assertNotIn("EAP-PEAP: CSK", out)
        # (With crypto_binding=2 the peer itself gives up on a failure Result TLV, which carries no
        # binding, before edged's Access-Reject: the wrong password is tried with the default, optional.)
        rc, out = self.eapol(dict(net, password=self.q("wrong-pw"), phase1=self.q("peapver=0")))
        self.assert_refused(rc, out)
        self.assertIn("E=691", out)

    def test_peap_crypto_binding_required(self):
        """eap-peap-crypto-binding required, on an edged of its own (the setting takes a restart): a
        peer that ignores the Crypto-Binding TLV (crypto_binding=0) is rejected after its right
        password, the log naming why; one that answers it (crypto_binding=2, and wpa_supplicant's
        default 1, as the operator guide says) logs in with the compound keys."""
        tmp = TempDir()
        strict = Edged(tmp.path, extra={"radius": {
            "listen": "127.0.0.1", "auth-port": 0, "acct-port": 0, "threads": 1,
            "eap-certificate": self.server_cert, "eap-key": self.server_key,
            "eap-peap-crypto-binding": "required"}}).start()
        try:
            strict.ctl("nas", "add", "--name", "ap-1", "--address", "127.0.0.1", "--secret", SECRET,
                       "--vendor", "mikrotik")
            strict.ctl("plan", "add", "--name", "home", "--down", "20M", "--up", "10M", "--interim", "0")
            strict.ctl("subscriber", "add", "--username", "alice", "--password", "alice-pw", "--plan", "home")
            port = strict.ctl_json("status")["radius"]["auth-port"]
            net = {"eap": "PEAP", "identity": self.q("alice"), "anonymous_identity": self.q("anonymous"),
                   "password": self.q("alice-pw"), "ca_cert": self.server_ca(), "phase2": self.q("auth=MSCHAPV2")}
            rc, out = self.eapol(dict(net, phase1=self.q("peapver=0 crypto_binding=0")), port=port)
            self.assert_refused(rc, out)
            self.assertIn("EAP-MSCHAPV2: Authentication succeeded", out)  # the password was right
            self.assertNotIn("EAP-PEAP: CSK", out)
            self.assertRegex(strict.read_log(), r"auth reject: .*user=alice .*PEAP crypto binding: required "
                                                r"\(eap-peap-crypto-binding\), the peer sent none")
            for phase1 in ("peapver=0 crypto_binding=2", "peapver=0"):
                with self.subTest(phase1=phase1):
                    rc, out = self.eapol(dict(net, phase1=self.q(phase1)), port=port)
                    self.assert_accepted(rc, out)
                    self.assertIn("EAP-PEAP: Valid cryptobinding TLV received", out)
                    self.assertIn("EAP-PEAP: CSK", out)
        finally:
            strict.stop()
            tmp.cleanup()

    def test_peap_mschapv2_with_an_imported_nt_hash(self):
        net = {"eap": "PEAP", "identity": self.q("nthash"), "anonymous_identity": self.q("anonymous"),
               "ca_cert": self.server_ca(), "phase1": self.q("peapver=0"), "phase2": self.q("auth=MSCHAPV2")}
        rc, out = self.eapol(dict(net, password=self.q("nthash-pw")))
        self.assert_accepted(rc, out)
        rc, out = self.eapol(dict(net, password=self.q("nthash-pW")))
        self.assert_refused(rc, out)

    def test_imported_crypt_hash_serves_ttls_pap_not_mschapv2(self):
        pap = {"eap": "TTLS", "identity": self.q("crypted"), "anonymous_identity": self.q("anonymous"),
               "ca_cert": self.server_ca(), "phase2": self.q("auth=PAP")}
        rc, out = self.eapol(dict(pap, password=self.q("crypt-pw")))
        self.assert_accepted(rc, out)
        rc, out = self.eapol(dict(pap, password=self.q("crypt-pW")))
        self.assert_refused(rc, out)
        rc, out = self.eapol(dict(pap, phase2=self.q("auth=MSCHAPV2"), password=self.q("crypt-pw")))
        self.assert_refused(rc, out)
        self.assertRegex(self.edged.read_log(), r"user=crypted .*reason=pap-only-credential")

    def test_ttls_pap(self):
        net = {"eap": "TTLS", "identity": self.q("anonymous"), "ca_cert": self.server_ca(),
               "phase2": self.q("auth=PAP"), "anonymous_identity": self.q("anonymous")}
        rc, out = self.eapol(dict(net, identity=self.q("alice"), password=self.q("alice-pw")))
        self.assert_accepted(rc, out)
        rc, out = self.eapol(dict(net, identity=self.q("alice"), password=self.q("wrong-pw")))
        self.assert_refused(rc, out)

    def test_ttls_mschapv2(self):
        net = {"eap": "TTLS", "identity": self.q("alice"), "anonymous_identity": self.q("anonymous"),
               "ca_cert": self.server_ca(), "phase2": self.q("auth=MSCHAPV2")}
        rc, out = self.eapol(dict(net, password=self.q("alice-pw")))
        self.assert_accepted(rc, out)
        rc, out = self.eapol(dict(net, password=self.q("wrong-pw")))
        self.assert_refused(rc, out)

    def test_ttls_eap_mschapv2(self):
        net = {"eap": "TTLS", "identity": self.q("alice"), "anonymous_identity": self.q("anonymous"),
               "ca_cert": self.server_ca(), "phase2": self.q("autheap=MSCHAPV2")}
        rc, out = self.eapol(dict(net, password=self.q("alice-pw")))
        self.assert_accepted(rc, out)
        self.assertIn("EAP-MSCHAPV2: Authentication succeeded", out)
        rc, out = self.eapol(dict(net, password=self.q("wrong-pw")))
        self.assert_refused(rc, out)
        self.assertIn("E=691", out)
        self.assertRegex(self.edged.read_log(), r"user=alice .*reason=bad-password")

    def test_resumed_logins_every_method(self):
        """eapol_test -r 1: the second login offers the first's TLS session; edged resumes it (counted),
        and the Access-Accept still carries the plan's rate and MPPE keys eapol_test derived from the
        new handshake."""
        methods = {
            "peap": {"eap": "PEAP", "identity": self.q("alice"), "anonymous_identity": self.q("anonymous"),
                     "password": self.q("alice-pw"), "ca_cert": self.server_ca(),
                     "phase1": self.q("peapver=0 crypto_binding=2"), "phase2": self.q("auth=MSCHAPV2")},
            "ttls": {"eap": "TTLS", "identity": self.q("alice"), "anonymous_identity": self.q("anonymous"),
                     "password": self.q("alice-pw"), "ca_cert": self.server_ca(), "phase2": self.q("auth=PAP")},
            "tls": {"eap": "TLS", "identity": self.q("carol"), "ca_cert": self.server_ca(),
                    "client_cert": self.q(self.carol[0]), "private_key": self.q(self.carol[1])},
        }
        for name, net in methods.items():
            with self.subTest(method=name):
                before = self.counter("radius_eap_resumed_total")
                rc, out = self.eapol(net, reauths=1)
                tail = out[-2000:]
                self.assertEqual(rc, 0, tail)
                self.assertIn("MPPE keys OK: 2  mismatch: 0", out, tail)
                self.assertEqual(out.count("00003a8c0809" + "10M/20M".encode().hex()), 2, tail)
                self.assertEqual(self.counter("radius_eap_resumed_total"), before + 1, tail)
                if name == "peap":  # fast reconnect binds to the tunnel's keys alone (IPMK|CMK = TK)
                    self.assertEqual(out.count("EAP-PEAP: Valid cryptobinding TLV received"), 2, tail)
        self.assertGreaterEqual(self.counter("radius_eap_resumption_sessions"), 3)

    def test_suspended_between_logins_is_not_let_in_by_resumption(self):
        def suspend():
            self.edged.ctl("subscriber", "set", "--username", "frank", "--status", "suspended")
        relay = Relay(self.port, suspend)
        before = self.counter("radius_eap_resumed_total")
        try:
            rc, out = self.eapol({"eap": "TTLS", "identity": self.q("frank"), "anonymous_identity": self.q("anonymous"),
                                  "password": self.q("frank-pw"), "ca_cert": self.server_ca(),
                                  "phase2": self.q("auth=PAP")}, port=relay.port, reauths=1)
        finally:
            relay.stop()
        self.assertEqual(relay.accepts, 1, out[-2000:])  # the first login only
        self.assertIn("Access-Reject", out)
        self.assertIn("MPPE keys OK: 1", out)
        self.assertEqual(self.counter("radius_eap_resumed_total"), before + 1)  # resumed, then refused
        self.assertRegex(self.edged.read_log(),
                         r"auth reject: .*user=frank .*reason=suspended eap-ttls \(resumed session\): policy: suspended")

    def test_y_revoked_between_logins_does_not_resume(self):
        d = self.certs

        def revoke():
            openssl("ca", "-config", "ca.cnf", "-keyfile", "client-ca.key", "-cert", "client-ca.pem", "-revoke",
                    self.erin[0], cwd=d)
            openssl("ca", "-config", "ca.cnf", "-keyfile", "client-ca.key", "-cert", "client-ca.pem", "-gencrl",
                    "-out", "crl.pem", cwd=d)
            self.edged.ctl("config-reload")
        relay = Relay(self.port, revoke)
        resumed = self.counter("radius_eap_resumed_total")
        refused = self.counter("radius_eap_resumption_refused_total")
        try:
            rc, out = self.eapol({"eap": "TLS", "identity": self.q("erin"), "ca_cert": self.server_ca(),
                                  "client_cert": self.q(self.erin[0]), "private_key": self.q(self.erin[1])},
                                 port=relay.port, reauths=1)
        finally:
            relay.stop()
        self.assertEqual(relay.accepts, 1, out[-2000:])
        self.assertIn("Access-Reject", out)
        self.assertEqual(self.counter("radius_eap_resumed_total"), resumed)
        self.assertEqual(self.counter("radius_eap_resumption_refused_total"), refused + 1)
        self.assertRegex(self.edged.read_log(), r"user=erin .*eap-tls: TLS handshake: client certificate: .*revoked")

    def test_unknown_user_refused(self):
        rc, out = self.eapol({"eap": "PEAP", "identity": self.q("nobody"), "password": self.q("x"),
                              "ca_cert": self.server_ca(), "phase2": self.q("auth=MSCHAPV2")})
        self.assert_refused(rc, out)

    def test_radclient_eap_without_message_authenticator_dropped_and_unknown_state_refused(self):
        before = self.counter("radius_auth_missing_message_authenticator_total")
        # EAP-Response/Identity "alice" (code 2, id 1, length 10, type 1).
        eap = "0x0201000a01616c696365"
        r = subprocess.run(["radclient", "-x", "-r", "1", "-t", "1", f"127.0.0.1:{self.port}", "auth", SECRET],
                           input=f'User-Name = "alice"\nEAP-Message = {eap}\n', capture_output=True, text=True,
                           timeout=30)
        self.assertNotIn("Received Access", r.stdout + r.stderr)
        self.assertGreater(self.counter("radius_auth_missing_message_authenticator_total"), before)
        before = self.counter("radius_eap_unknown_state_total")
        r = subprocess.run(["radclient", "-x", "-r", "1", "-t", "3", f"127.0.0.1:{self.port}", "auth", SECRET],
                           input=f'User-Name = "alice"\nEAP-Message = 0x0202000619 20\nState = 0x00112233445566778899aabbccddeeff\n'
                                 'Message-Authenticator = 0x00\n'.replace("0x0202000619 20", "0x020200061920"),
                           capture_output=True, text=True, timeout=30)
        self.assertIn("Received Access-Reject", r.stdout + r.stderr)
        self.assertIn("EAP-Message = 0x04020004", r.stdout + r.stderr)  # EAP-Failure, id 2
        self.assertEqual(self.counter("radius_eap_unknown_state_total"), before + 1)
        r = subprocess.run(["radclient", "-x", "-r", "1", "-t", "3", f"127.0.0.1:{self.port}", "auth", SECRET],
                           input=f'User-Name = "alice"\nEAP-Message = {eap}\nMessage-Authenticator = 0x00\n',
                           capture_output=True, text=True, timeout=30)
        out = r.stdout + r.stderr
        self.assertIn("Received Access-Challenge", out)
        self.assertRegex(out, r"EAP-Message = 0x01020006192[0-9a-f]")  # PEAP Start, id 2
        self.assertRegex(out, r"State = 0x[0-9a-f]{32}")

    def test_half_open_conversations_are_bounded_per_nas(self):
        """A NAS that opens conversations and never finishes them gets at most
        eap-max-conversations-per-nas (3 here); the rest are refused and counted, and other NAS
        clients' logins go on."""
        before = self.counter("radius_eap_conversations_refused_total")
        sock = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
        sock.bind(("127.0.0.2", 0))
        sock.settimeout(5)
        codes = []
        for i in range(5):
            eap = bytes([2, 1, 0, 10, 1]) + b"flood"
            auth = os.urandom(16)
            attrs = bytes([79, 2 + len(eap)]) + eap + bytes([80, 18]) + bytes(16)
            pkt = bytearray(struct.pack("!BBH", 1, i, 20 + len(attrs)) + auth + attrs)
            mac = hmac.new(SECRET.encode(), bytes(pkt), hashlib.md5).digest()
            pkt[-16:] = mac  # RFC 3579 3.2: HMAC-MD5 over the packet with the attribute zeroed
            sock.sendto(bytes(pkt), ("127.0.0.1", self.port))
            codes.append(sock.recv(4096)[0])
        sock.close()
        self.assertEqual(codes, [11, 11, 11, 3, 3])  # three Access-Challenges, then Access-Rejects
        self.assertEqual(self.counter("radius_eap_conversations_refused_total"), before + 2)
        self.assertGreaterEqual(self.counter("radius_eap_conversations_open"), 3)
        rc, out = self.eapol({"eap": "TTLS", "identity": self.q("alice"), "password": self.q("alice-pw"),
                              "ca_cert": self.server_ca(), "phase2": self.q("auth=PAP")})
        self.assert_accepted(rc, out)


if __name__ == "__main__":
    unittest.main(verbosity=2)
