"""RadSec (RFC 6614) end to end: radclient -> radsecproxy (UDP in, TLS with a client certificate out)
-> edged's RadSec port. Access-Accept for a good PAP user, Access-Reject for a bad password,
accounting Start/Stop in the ledger; Status-Server answered. A Python TLS client (OpenSSL) speaks
RadSec directly for what radsecproxy cannot be made to do: a certificate from another CA (refused at
the handshake), a certificate that names no NAS client (refused after it), a bad Length (connection
closed), the connection limit per NAS. Certificates are made here with the openssl CLI."""
import os
import signal
import socket
import ssl
import struct
import subprocess
import sys
import time
import unittest
import urllib.request

sys.path.insert(0, os.path.dirname(__file__))
from edgelib import Edged, TempDir, wait_for  # noqa: E402
import radius_peer as rp  # noqa: E402

UDP_SECRET = "udp-side-secret-0123456789"
RADSEC = b"radsec"  # RFC 6614 2.3


def openssl(*args, cwd):
    subprocess.run(["openssl", *args], cwd=cwd, check=True, capture_output=True, timeout=60)


def make_ca(d, name):
    openssl("req", "-x509", "-newkey", "ec", "-pkeyopt", "ec_paramgen_curve:P-256", "-nodes", "-days", "30",
            "-subj", f"/CN={name}", "-keyout", f"{name}.key", "-out", f"{name}.pem", cwd=d)


def make_cert(d, ca, name, cn, eku, san=None):
    openssl("req", "-newkey", "ec", "-pkeyopt", "ec_paramgen_curve:P-256", "-nodes", "-subj", f"/CN={cn}",
            "-keyout", f"{name}.key", "-out", f"{name}.csr", cwd=d)
    ext = f"extendedKeyUsage={eku}\n" + (f"subjectAltName=DNS:{san}\n" if san else "")
    with open(os.path.join(d, f"{name}.ext"), "w") as f:
        f.write(ext)
    openssl("x509", "-req", "-in", f"{name}.csr", "-CA", f"{ca}.pem", "-CAkey", f"{ca}.key", "-CAcreateserial",
            "-days", "30", "-extfile", f"{name}.ext", "-out", f"{name}.pem", cwd=d)
    return os.path.join(d, f"{name}.pem"), os.path.join(d, f"{name}.key")


def fingerprint(pem):
    out = subprocess.run(["openssl", "x509", "-in", pem, "-noout", "-fingerprint", "-sha256"], check=True,
                         capture_output=True, text=True).stdout
    return out.strip().split("=", 1)[1]  # AB:CD:... (edgectl accepts it as is)


def free_port(kind=socket.SOCK_DGRAM):
    s = socket.socket(socket.AF_INET, kind)
    s.bind(("127.0.0.1", 0))
    port = s.getsockname()[1]
    s.close()
    return port


def read_packet(sock):
    head = b""
    while len(head) < 4:
        chunk = sock.recv(4 - len(head))
        if not chunk:
            return None
        head += chunk
    length = struct.unpack("!H", head[2:4])[0]
    body = b""
    while len(body) < length - 4:
        chunk = sock.recv(length - 4 - len(body))
        if not chunk:
            return None
        body += chunk
    return head + body


class RadSec(unittest.TestCase):
    @classmethod
    def setUpClass(cls):
        cls.tmp = TempDir()
        d = cls.certs = os.path.join(cls.tmp.path, "certs")
        os.makedirs(d)
        make_ca(d, "nas-ca")
        make_ca(d, "other-ca")
        cls.server_cert, cls.server_key = make_cert(d, "nas-ca", "edged", "edged.pop1.example.net", "serverAuth")
        cls.nas_cert, cls.nas_key = make_cert(d, "nas-ca", "ap17", "ap-17", "clientAuth", san="ap-17.example.net")
        cls.fp_cert, cls.fp_key = make_cert(d, "nas-ca", "bras", "bras-1", "clientAuth")
        cls.stranger_cert, cls.stranger_key = make_cert(d, "nas-ca", "stranger", "stranger", "clientAuth")
        cls.foreign_cert, cls.foreign_key = make_cert(d, "other-ca", "foreign", "ap-17", "clientAuth",
                                                      san="ap-17.example.net")
        cls.edged = Edged(cls.tmp.path, extra={"radius": {
            "listen": "127.0.0.1", "auth-port": 0, "acct-port": 0, "threads": 1, "radsec-port": 0,
            "radsec-certificate": cls.server_cert, "radsec-key": cls.server_key,
            "radsec-ca": os.path.join(d, "nas-ca.pem"), "radsec-max-connections-per-nas": 2,
            "radsec-handshake-timeout-seconds": 2}}).start()
        ctl = cls.edged.ctl
        # UDP NAS clients on other addresses: RadSec never goes by the address.
        ctl("nas", "add", "--name", "ap-17", "--address", "192.0.2.17", "--secret", "not-used-over-radsec",
            "--vendor", "mikrotik", "--radsec-identity", "ap-17.example.net")
        ctl("nas", "add", "--name", "bras-1", "--address", "192.0.2.18", "--secret", "not-used-over-radsec",
            "--radsec-identity", "sha256:" + fingerprint(cls.fp_cert))
        ctl("plan", "add", "--name", "home", "--down", "20M", "--up", "10M", "--interim", "0")
        ctl("subscriber", "add", "--username", "alice", "--password", "alice-pw", "--plan", "home")
        cls.radsec_port = cls.edged.ctl_json("status")["radius"]["radsec-port"]

        # radsecproxy: radclient's UDP on one port, to edged over TLS with the ap-17 certificate.
        cls.proxy_port = free_port()
        conf = os.path.join(cls.tmp.path, "radsecproxy.conf")
        with open(conf, "w") as f:
            f.write(f"""ListenUDP 127.0.0.1:{cls.proxy_port}
LogLevel 3
tls default {{
    CACertificateFile {d}/nas-ca.pem
    CertificateFile {cls.nas_cert}
    CertificateKeyFile {cls.nas_key}
}}
client 127.0.0.1 {{
    type udp
    secret {UDP_SECRET}
}}
server edged {{
    host 127.0.0.1
    port {cls.radsec_port}
    type tls
    secret radsec
    CertificateNameCheck off
}}
realm * {{
    server edged
    accountingServer edged
}}
""")
        cls.proxy_log = open(os.path.join(cls.tmp.path, "radsecproxy.log"), "wb")
        cls.proxy = subprocess.Popen(["radsecproxy", "-f", "-c", conf, "-i", os.path.join(cls.tmp.path, "rp.pid")],
                                     stdout=cls.proxy_log, stderr=cls.proxy_log)
        time.sleep(0.5)
        if cls.proxy.poll() is not None:
            with open(cls.proxy_log.name, errors="replace") as f:
                raise AssertionError("radsecproxy exited: " + f.read())

    @classmethod
    def tearDownClass(cls):
        cls.proxy.send_signal(signal.SIGTERM)
        try:
            cls.proxy.wait(timeout=10)
        except subprocess.TimeoutExpired:
            cls.proxy.kill()
        cls.proxy_log.close()
        cls.edged.stop()
        cls.tmp.cleanup()

    def proxy_output(self):
        with open(self.proxy_log.name, errors="replace") as f:
            return f.read()

    def radclient(self, kind, lines):
        r = subprocess.run(["radclient", "-x", "-r", "3", "-t", "3", f"127.0.0.1:{self.proxy_port}", kind, UDP_SECRET],
                           input="\n".join(lines) + "\n", capture_output=True, text=True, timeout=60)
        return r.returncode, r.stdout + r.stderr

    def counter(self, name, labels=""):
        """A sample of edged's /metrics (the counters registry), 0 when not declared yet."""
        with urllib.request.urlopen(self.edged.ctl_json("status")["metrics-url"], timeout=10) as r:
            text = r.read().decode()
        for line in text.splitlines():
            if line.startswith(name + labels + " "):
                return int(float(line.split()[-1]))
        return 0

    def tls_client(self, cert, key, timeout=5.0):
        ctx = ssl.SSLContext(ssl.PROTOCOL_TLS_CLIENT)
        ctx.check_hostname = False
        ctx.load_verify_locations(os.path.join(self.certs, "nas-ca.pem"))
        ctx.load_cert_chain(cert, key)
        ctx.maximum_version = ssl.TLSVersion.TLSv1_2
        raw = socket.create_connection(("127.0.0.1", self.radsec_port), timeout=timeout)
        return ctx.wrap_socket(raw)

    def test_pap_accept_and_reject_through_radsecproxy(self):
        rc, out = self.radclient("auth", ['User-Name = "alice"', 'User-Password = "alice-pw"',
                                          "Message-Authenticator = 0x00"])
        self.assertEqual(rc, 0, out + self.proxy_output())
        self.assertIn("Received Access-Accept", out)
        self.assertIn("Mikrotik-Rate-Limit", out)  # the NAS client's vendor profile: it is ap-17's request
        rc, out = self.radclient("auth", ['User-Name = "alice"', 'User-Password = "wrong"',
                                          "Message-Authenticator = 0x00"])
        self.assertIn("Received Access-Reject", out)
        self.assertGreaterEqual(self.counter("radius_auth_client_access_accepts_total", '{nas="ap-17"}'), 1)
        self.assertGreaterEqual(self.counter("radius_auth_client_access_rejects_total", '{nas="ap-17"}'), 1)

    def test_accounting_start_stop_lands_in_the_ledger(self):
        base = ['User-Name = "alice"', 'Acct-Session-Id = "RS-1"', "NAS-Port = 3",
                'Calling-Station-Id = "02-00-00-00-00-03"']
        rc, out = self.radclient("acct", ["Acct-Status-Type = Start"] + base)
        self.assertEqual(rc, 0, out)
        self.assertIn("Received Accounting-Response", out)
        live = self.edged.ctl_json("session", "list", "--user", "alice")
        self.assertEqual([(s["acct-session-id"], s["nas"]) for s in live], [("RS-1", "ap-17")])
        rc, out = self.radclient("acct", ["Acct-Status-Type = Stop", "Acct-Input-Octets = 1000",
                                          "Acct-Output-Octets = 5000", "Acct-Session-Time = 60",
                                          "Acct-Terminate-Cause = User-Request"] + base)
        self.assertEqual(rc, 0, out)
        self.assertIn("Received Accounting-Response", out)
        self.assertEqual(self.edged.ctl_json("session", "list", "--user", "alice"), [])
        hist = [h for h in self.edged.ctl_json("session", "history", "--user", "alice")
                if h["acct-session-id"] == "RS-1"]
        self.assertEqual(len(hist), 1)
        self.assertEqual((hist[0]["input-octets"], hist[0]["output-octets"]), (1000, 5000))

    def test_status_server_answered_over_tls(self):
        with self.tls_client(self.fp_cert, self.fp_key) as s:  # bras-1, named by its fingerprint
            raw = rp.status_server(RADSEC, pkt_id=77)
            s.sendall(raw)
            data = read_packet(s)
            self.assertIsNotNone(data)
            reply = rp.Reply(data, RADSEC, raw)
            self.assertEqual((reply.code, reply.id), (rp.ACCESS_ACCEPT, 77))
            self.assertTrue(reply.response_authenticator_ok())
            self.assertTrue(reply.message_authenticator_first_and_ok())
            # Two packets in one write, the second split in two: both answered, in order.
            r1, _ = rp.access_request(RADSEC, "alice", "alice-pw", pkt_id=5)
            r2, _ = rp.access_request(RADSEC, "alice", "nope", pkt_id=6)
            s.sendall(r1 + r2[:7])
            time.sleep(0.2)
            s.sendall(r2[7:])
            a, b = rp.Reply(read_packet(s), RADSEC, r1), rp.Reply(read_packet(s), RADSEC, r2)
            self.assertEqual((a.code, a.id, b.code, b.id), (rp.ACCESS_ACCEPT, 5, rp.ACCESS_REJECT, 6))
        self.assertGreaterEqual(self.counter("radius_auth_client_status_server_total", '{nas="bras-1"}'), 1)

    def test_certificate_from_another_ca_is_refused_at_the_handshake(self):
        before = self.counter("radius_radsec_handshake_failures_total")
        with self.assertRaises((ssl.SSLError, ConnectionError, OSError)):
            with self.tls_client(self.foreign_cert, self.foreign_key) as s:
                # TLS 1.2: the server's verdict on the client certificate comes in the handshake.
                s.sendall(rp.status_server(RADSEC))
                if read_packet(s) is None:
                    raise ConnectionError("closed")
        wait_for(lambda: self.counter("radius_radsec_handshake_failures_total") > before, what="handshake failure counted")
        self.assertIn("TLS handshake failed", self.edged.read_log())

    def test_certificate_naming_no_nas_client_is_refused(self):
        before = self.counter("radius_radsec_unknown_certificates_total")
        with self.tls_client(self.stranger_cert, self.stranger_key) as s:
            s.sendall(rp.status_server(RADSEC))
            try:
                data = read_packet(s)
            except (ssl.SSLError, ConnectionError):
                data = None
            self.assertIsNone(data)
        wait_for(lambda: self.counter("radius_radsec_unknown_certificates_total") > before, what="refusal counted")
        self.assertIn("no NAS client has this certificate (CN 'stranger'", self.edged.read_log())

    def test_bad_length_closes_the_connection(self):
        before = self.counter("radius_radsec_malformed_frames_total")
        with self.tls_client(self.fp_cert, self.fp_key) as s:
            s.sendall(struct.pack("!BBH", 1, 1, 4097) + bytes(16))
            try:
                data = read_packet(s)
            except (ssl.SSLError, ConnectionError):
                data = None
            self.assertIsNone(data)
        self.assertEqual(self.counter("radius_radsec_malformed_frames_total"), before + 1)

    def test_connections_per_nas_are_limited_and_silent_clients_time_out(self):
        refused = self.counter("radius_radsec_connections_refused_total")
        a = self.tls_client(self.fp_cert, self.fp_key)
        b = self.tls_client(self.fp_cert, self.fp_key)
        c = self.tls_client(self.fp_cert, self.fp_key)  # the third of bras-1 (limit 2)
        try:
            c.sendall(rp.status_server(RADSEC))
            try:
                self.assertIsNone(read_packet(c))
            except (ssl.SSLError, ConnectionError):
                pass
            self.assertEqual(self.counter("radius_radsec_connections_refused_total"), refused + 1)
            # The two within the limit still work.
            for s in (a, b):
                raw = rp.status_server(RADSEC, pkt_id=9)
                s.sendall(raw)
                self.assertEqual(rp.Reply(read_packet(s), RADSEC, raw).code, rp.ACCESS_ACCEPT)
        finally:
            for s in (a, b, c):
                s.close()
        # A client that connects and never starts TLS is dropped after the handshake timeout (2 s),
        # and meanwhile others are served.
        failures = self.counter("radius_radsec_handshake_failures_total")
        silent = socket.create_connection(("127.0.0.1", self.radsec_port))
        try:
            with self.tls_client(self.fp_cert, self.fp_key) as s:
                raw = rp.status_server(RADSEC, pkt_id=10)
                s.sendall(raw)
                self.assertEqual(rp.Reply(read_packet(s), RADSEC, raw).code, rp.ACCESS_ACCEPT)
            silent.settimeout(10)
            self.assertEqual(silent.recv(1), b"")  # closed by edged
        finally:
            silent.close()
        self.assertEqual(self.counter("radius_radsec_handshake_failures_total"), failures + 1)

    def test_total_connection_limit_and_a_quiet_connection_closed_after_the_idle_timeout(self):
        # An edged of its own with a 5 s idle timeout: radsecproxy, whose connection that would close
        # between the other tests, recovers only after a pause (seen with radsecproxy 1.9.2).
        tmp = TempDir()
        quick = Edged(tmp.path, extra={"radius": {
            "listen": "127.0.0.1", "auth-port": 0, "acct-port": 0, "threads": 1, "radsec-port": 0,
            "radsec-certificate": self.server_cert, "radsec-key": self.server_key,
            "radsec-ca": os.path.join(self.certs, "nas-ca.pem"), "radsec-idle-timeout-seconds": 5,
            "radsec-max-connections": 2}}).start()
        try:
            quick.ctl("nas", "add", "--name", "bras-1", "--address", "192.0.2.18", "--secret", "not-used-over-radsec",
                      "--radsec-identity", "sha256:" + fingerprint(self.fp_cert))
            port = quick.ctl_json("status")["radius"]["radsec-port"]
            metrics = quick.ctl_json("status")["metrics-url"]

            def sample(name):
                with urllib.request.urlopen(metrics, timeout=10) as r:
                    for line in r.read().decode().splitlines():
                        if line.startswith(name + " "):
                            return int(float(line.split()[-1]))
                return 0

            # The total limit (2 here): two clients that never start TLS hold both; a third is
            # closed at once and counted. When they go, their places are free again.
            holders = [socket.create_connection(("127.0.0.1", port)) for _ in range(2)]
            time.sleep(0.3)
            third = socket.create_connection(("127.0.0.1", port), timeout=5)
            self.assertEqual(third.recv(1), b"")
            third.close()
            self.assertEqual(sample("radius_radsec_connections_refused_total"), 1)
            for h in holders:
                h.close()
            time.sleep(1.5)  # their threads see the close and are reaped by the accept loop
            ctx = ssl.SSLContext(ssl.PROTOCOL_TLS_CLIENT)
            ctx.check_hostname = False
            ctx.load_verify_locations(os.path.join(self.certs, "nas-ca.pem"))
            ctx.load_cert_chain(self.fp_cert, self.fp_key)
            with ctx.wrap_socket(socket.create_connection(("127.0.0.1", port), timeout=20)) as s:
                raw = rp.status_server(RADSEC, pkt_id=3)
                s.sendall(raw)
                self.assertEqual(rp.Reply(read_packet(s), RADSEC, raw).code, rp.ACCESS_ACCEPT)
                started = time.monotonic()
                try:
                    self.assertIsNone(read_packet(s))  # closed by edged
                except (ssl.SSLError, ConnectionError):
                    pass
                self.assertGreaterEqual(time.monotonic() - started, 4)
            self.assertEqual(sample("radius_radsec_idle_timeouts_total"), 1)
        finally:
            quick.stop()
            tmp.cleanup()

    def test_a_revoked_nas_certificate_is_refused_and_a_new_crl_needs_no_restart(self):
        # An edged of its own with radsec-crl: bras-1's certificate is served while the CRL lists
        # nothing; revoked and `edgectl config-reload`, its next connection fails at the handshake.
        d = self.certs
        with open(os.path.join(d, "index.txt"), "w"):
            pass
        with open(os.path.join(d, "crlnumber"), "w") as f:
            f.write("01\n")
        with open(os.path.join(d, "ca.cnf"), "w") as f:
            f.write(f"[ ca ]\ndefault_ca = nas_ca\n[ nas_ca ]\ndatabase = {d}/index.txt\n"
                    f"crlnumber = {d}/crlnumber\ndefault_md = sha256\ndefault_crl_days = 30\n")
        ca = ["-config", "ca.cnf", "-keyfile", "nas-ca.key", "-cert", "nas-ca.pem"]
        openssl("ca", *ca, "-gencrl", "-out", "nas-crl.pem", cwd=d)
        tmp = TempDir()
        crl_edged = Edged(tmp.path, extra={"radius": {
            "listen": "127.0.0.1", "auth-port": 0, "acct-port": 0, "threads": 1, "radsec-port": 0,
            "radsec-certificate": self.server_cert, "radsec-key": self.server_key,
            "radsec-ca": os.path.join(d, "nas-ca.pem"), "radsec-crl": os.path.join(d, "nas-crl.pem")}}).start()
        try:
            crl_edged.ctl("nas", "add", "--name", "bras-1", "--address", "192.0.2.18", "--secret",
                          "not-used-over-radsec", "--radsec-identity", "sha256:" + fingerprint(self.fp_cert))
            port = crl_edged.ctl_json("status")["radius"]["radsec-port"]

            def status_server():
                ctx = ssl.SSLContext(ssl.PROTOCOL_TLS_CLIENT)
                ctx.check_hostname = False
                ctx.load_verify_locations(os.path.join(d, "nas-ca.pem"))
                ctx.load_cert_chain(self.fp_cert, self.fp_key)
                ctx.maximum_version = ssl.TLSVersion.TLSv1_2
                with ctx.wrap_socket(socket.create_connection(("127.0.0.1", port), timeout=5)) as s:
                    raw = rp.status_server(RADSEC, pkt_id=9)
                    s.sendall(raw)
                    data = read_packet(s)
                    if data is None:
                        raise ConnectionError("closed")
                    return rp.Reply(data, RADSEC, raw).code

            self.assertEqual(status_server(), rp.ACCESS_ACCEPT)
            openssl("ca", *ca, "-revoke", self.fp_cert, cwd=d)
            openssl("ca", *ca, "-gencrl", "-out", "nas-crl.pem", cwd=d)
            crl_edged.ctl("config-reload")
            with self.assertRaises((ssl.SSLError, ConnectionError, OSError)):
                status_server()
            wait_for(lambda: "revoked" in crl_edged.read_log(), what="the revocation logged")
            self.assertRegex(crl_edged.read_log(), r"TLS handshake failed.*revoked")
        finally:
            crl_edged.stop()
            tmp.cleanup()

    def test_a_key_that_is_not_the_certificates_stops_the_start_naming_the_key(self):
        tmp = TempDir()
        try:
            bad = Edged(tmp.path, extra={"radius": {
                "listen": "127.0.0.1", "auth-port": 0, "acct-port": 0, "threads": 1, "radsec-port": 0,
                "radsec-certificate": self.server_cert, "radsec-key": self.nas_key,
                "radsec-ca": os.path.join(self.certs, "nas-ca.pem")}})
            with self.assertRaises(AssertionError) as e:
                bad.start()
            self.assertIn(f"radsec-key: {self.nas_key} is not the key of {self.server_cert}", str(e.exception))
            bad.proc.wait(timeout=10)
        finally:
            tmp.cleanup()


if __name__ == "__main__":
    unittest.main(verbosity=2)
