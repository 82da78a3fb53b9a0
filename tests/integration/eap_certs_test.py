"""EAP's certificates through edgectl (issue 28): `edgectl certs`, `edgectl eap install` and
`edgectl eap crl` against a real edged, with certificates made by the openssl CLI.

- `certs` shows EAP's server certificate (subject, alt names, key type, days left, the SHA-256
  fingerprint openssl prints), its client CA and CRL (revoked entries), the UI's certificate; one
  that expires within alerts.certificate-warning-days is a warning in words, and the health monitor
  raises the alert certificate-expiring for it (edgectl events, edged_alerts_active).
- `eap install` refuses, naming the argument and changing no file: a key of another certificate,
  an expired certificate, garbage, a chain that does not verify to the given CA, a CRL of another CA.
- A good set is written (the key 0600) and used at once: eapol_test (PEAP) trusts only the new
  server CA and logs in without a restart; the install is an event.
- `eap crl` replaces the CRL alone (checked against the installed CA), in use at once: eapol_test
  (EAP-TLS) with a client certificate it revokes is refused, one it does not is let in. A CRL past
  its next update is an error in `certs` and refuses every client certificate until a new one.
- The management plane's CA issues it (ADR 0069): the box enrolled to a real mgmtd gets an EAP
  certificate for DEVICE.TENANT.eap-domain, installed through `eap install`'s path; eapol_test (PEAP)
  trusting only the mgmt CA and checking that name (domain_match, domain_suffix_match on the tenant)
  logs in, another tenant's name does not. `certs` names the source and the renewal date; a rekey
  from mgmt renews it through the sync channel (a new certificate, still logging in); a certificate
  installed by hand afterwards is the operator's again."""
import hashlib
import os
import re
import ssl
import stat
import subprocess
import sys
import unittest

sys.path.insert(0, os.path.dirname(__file__))
from edgelib import Edged, Mgmtd, TempDir, sign_with_ca, wait_for  # noqa: E402

SECRET = "eap-certs-secret-0123456789"


def openssl(*args, cwd):
    r = subprocess.run(["openssl", *args], cwd=cwd, capture_output=True, timeout=60)
    if r.returncode != 0:
        raise AssertionError("openssl " + " ".join(args) + ": " + r.stderr.decode(errors="replace"))


def make_ca(d, name):
    openssl("req", "-x509", "-newkey", "ec", "-pkeyopt", "ec_paramgen_curve:P-256", "-nodes", "-days", "365",
            "-subj", f"/CN={name}", "-keyout", f"{name}.key", "-out", f"{name}.pem", cwd=d)


def make_cert(d, ca, name, cn, days, san=None, eku="serverAuth"):
    openssl("req", "-newkey", "ec", "-pkeyopt", "ec_paramgen_curve:P-256", "-nodes", "-subj", f"/CN={cn}",
            "-keyout", f"{name}.key", "-out", f"{name}.csr", cwd=d)
    with open(os.path.join(d, f"{name}.ext"), "w") as f:
        f.write(f"extendedKeyUsage={eku}\n" + (f"subjectAltName={san}\n" if san else ""))
    openssl("x509", "-req", "-in", f"{name}.csr", "-CA", f"{ca}.pem", "-CAkey", f"{ca}.key", "-CAcreateserial",
            "-days", str(days), "-extfile", f"{name}.ext", "-out", f"{name}.pem", cwd=d)
    return os.path.join(d, f"{name}.pem"), os.path.join(d, f"{name}.key")


def make_crl(d, ca, revoked):
    """`ca`'s CRL revoking the certificates in `revoked` (and those revoked before), next update in 30 days."""
    work = os.path.join(d, ca + "-db")
    if not os.path.isdir(work):  # the CA's database stays: each CRL has every revocation so far
        os.makedirs(work)
        open(os.path.join(work, "index.txt"), "w").close()
        with open(os.path.join(work, "crlnumber"), "w") as f:
            f.write("01\n")
    with open(os.path.join(work, "ca.cnf"), "w") as f:
        f.write(f"[ ca ]\ndefault_ca = c\n[ c ]\ndatabase = {work}/index.txt\ncrlnumber = {work}/crlnumber\n"
                "default_md = sha256\ndefault_crl_days = 30\n")
    for pem in revoked:
        openssl("ca", "-config", "ca.cnf", "-keyfile", f"{d}/{ca}.key", "-cert", f"{d}/{ca}.pem", "-revoke", pem,
                cwd=work)
    with open(os.path.join(work, "index.txt")) as f:
        out = os.path.join(d, f"{ca}-crl-{len(f.readlines())}.pem")
    openssl("ca", "-config", "ca.cnf", "-keyfile", f"{d}/{ca}.key", "-cert", f"{d}/{ca}.pem", "-gencrl", "-out", out,
            cwd=work)
    return out


def read(path):
    with open(path, "rb") as f:
        return f.read()


class EapCerts(unittest.TestCase):
    @classmethod
    def setUpClass(cls):
        cls.tmp = TempDir()
        d = cls.d = os.path.join(cls.tmp.path, "certs")
        os.makedirs(d)
        for ca in ("server-ca", "server-ca-2", "client-ca", "rogue-ca"):
            make_ca(d, ca)
        # Running now: a server certificate 10 days from its end (a warning at the default 30 days).
        cls.old = make_cert(d, "server-ca", "old", "radius.old.example.net", 10, "DNS:radius.old.example.net")
        cls.new = make_cert(d, "server-ca-2", "new", "radius.example.net", 400, "DNS:radius.example.net")
        # EAP-TLS clients of the operator's CA: carol revoked from the start, dave by `eap crl`, erin never.
        cls.carol = make_cert(d, "client-ca", "carol", "carol", 30, eku="clientAuth")
        cls.dave = make_cert(d, "client-ca", "dave", "dave", 30, eku="clientAuth")
        cls.erin = make_cert(d, "client-ca", "erin", "erin", 30, eku="clientAuth")
        with open(os.path.join(d, "server-cas.pem"), "wb") as f:  # what the clients trust, before and after d
            f.write(read(os.path.join(d, "server-ca.pem")) + read(os.path.join(d, "server-ca-2.pem")))
        cls.crl1 = make_crl(d, "client-ca", [cls.carol[0]])
        # An expired one, of the new CA and for the new key.
        openssl("req", "-new", "-key", "new.key", "-subj", "/CN=radius.example.net", "-out", "expired.csr", cwd=d)
        cls.expired = sign_with_ca(os.path.join(d, "expired-db"), os.path.join(d, "server-ca-2.pem"),
                                   os.path.join(d, "server-ca-2.key"), os.path.join(d, "expired.csr"),
                                   os.path.join(d, "expired.pem"), "20250101000000Z", "20250201000000Z")
        # Where edged reads them (the files eap install replaces).
        etc = cls.etc = os.path.join(cls.tmp.path, "etc")
        os.makedirs(etc)
        cls.paths = {k: os.path.join(etc, n) for k, n in
                     (("cert", "eap.pem"), ("key", "eap.key"), ("ca", "clients.pem"), ("crl", "clients-crl.pem"))}
        for k, src in (("cert", cls.old[0]), ("key", cls.old[1]), ("ca", os.path.join(d, "client-ca.pem")),
                       ("crl", cls.crl1)):
            with open(cls.paths[k], "wb") as f:
                f.write(read(src))
        cls.edged = Edged(cls.tmp.path, extra={"radius": {
            "listen": "127.0.0.1", "auth-port": 0, "acct-port": 0, "threads": 1,
            "eap-certificate": cls.paths["cert"], "eap-key": cls.paths["key"],
            "eap-ca": cls.paths["ca"], "eap-crl": cls.paths["crl"]}}).start()
        ctl = cls.edged.ctl
        ctl("nas", "add", "--name", "ap-1", "--address", "127.0.0.1", "--secret", SECRET)
        ctl("plan", "add", "--name", "home", "--down", "20M", "--up", "10M")
        ctl("subscriber", "add", "--username", "alice", "--password", "alice-pw", "--plan", "home")
        for user in ("carol", "dave", "erin"):
            ctl("subscriber", "add", "--username", user, "--password", user + "-unused-pw", "--plan", "home")
        cls.port = cls.edged.ctl_json("status")["radius"]["auth-port"]

    @classmethod
    def tearDownClass(cls):
        cls.edged.stop()
        cls.tmp.cleanup()

    def entry(self, view, name):
        return next(e for e in view["certificates"] if e["name"] == name)

    def installed(self):
        return {k: read(p) for k, p in self.paths.items()}

    def peap(self, ca, check=""):
        return self.eapol('eap=PEAP\n  identity="alice"\n  password="alice-pw"\n  phase2="auth=MSCHAPV2"\n'
                          f'  ca_cert="{ca}"\n{check}')

    def eap_tls(self, client):
        """An EAP-TLS login with `client` (certificate, key), its CN the user name."""
        cn = os.path.splitext(os.path.basename(client[0]))[0]
        return self.eapol(f'eap=TLS\n  identity="{cn}"\n  ca_cert="{os.path.join(self.d, "server-cas.pem")}"\n'
                          f'  client_cert="{client[0]}"\n  private_key="{client[1]}"\n')

    def eapol(self, network):
        conf = os.path.join(self.tmp.path, "eapol.conf")
        with open(conf, "w") as f:
            f.write(f"network={{\n  key_mgmt=WPA-EAP\n  eapol_flags=0\n  {network}}}\n")
        r = subprocess.run(["eapol_test", "-c", conf, "-a", "127.0.0.1", "-p", str(self.port), "-s", SECRET, "-t", "10"],
                           capture_output=True, text=True, timeout=60)
        return r.returncode, r.stdout + r.stderr

    def test_a_view_shows_every_certificate(self):
        view = self.edged.ctl_json("certs")
        self.assertEqual(view["warning-days"], 30)
        eap = self.entry(view, "eap-certificate")
        self.assertEqual(eap["state"], "warning", eap)
        self.assertEqual(eap["path"], self.paths["cert"])
        self.assertRegex(eap["message"], r"^expires in (9|10) days \(\d{4}-\d\d-\d\d\): renew it$")
        c = eap["certificates"][0]
        self.assertEqual(c["subject"], "CN=radius.old.example.net")
        self.assertEqual(c["issuer"], "CN=server-ca")
        self.assertEqual(c["alt-names"], ["DNS:radius.old.example.net"])
        self.assertEqual(c["key-type"], "EC secp256r1")
        der = ssl.PEM_cert_to_DER_cert(read(self.old[0]).decode())
        self.assertEqual(c["sha256-fingerprint"], ":".join(f"{b:02x}" for b in hashlib.sha256(der).digest()))
        crl = self.entry(view, "eap-crl")
        self.assertEqual(crl["state"], "ok", crl)
        self.assertEqual(crl["crls"][0]["revoked"], 1)
        self.assertEqual(crl["crls"][0]["issuer"], "CN=client-ca")
        self.assertEqual(self.entry(view, "eap-ca")["state"], "ok")
        self.assertEqual(self.entry(view, "radsec-certificate")["state"], "not-configured")
        ui = self.entry(view, "ui-certificate")
        self.assertEqual(ui["state"], "ok", ui)
        # The same fingerprint as `edgectl status` prints for the UI.
        status = self.edged.ctl_json("status")
        self.assertEqual(ui["certificates"][0]["sha256-fingerprint"], status["ui-certificate"]["sha256-fingerprint"])
        human = self.edged.ctl("certs").stdout
        self.assertRegex(human, r"EAP server certificate \[warning\] expires in (9|10) days")
        self.assertIn("revoked entries", human)

    def test_b_expiring_certificate_raises_an_alert(self):
        def alerted():
            events = self.edged.ctl_json("events", "--kind", "alert certificate-*")
            return [e for e in events if self.paths["cert"] in e["detail"]]
        events = wait_for(alerted, timeout=20, what="the certificate-expiring alert")
        self.assertEqual(events[0]["kind"], "alert certificate-expiring")
        self.assertRegex(events[0]["detail"], r"^EAP server certificate \(.*eap.pem\): expires in (9|10) days")
        counters = self.edged.ctl_json("status")["counters"]
        self.assertEqual(counters['edged_alerts_active{alert="certificate-expiring"}'], 1)

    def test_c_bad_sets_are_refused_and_change_nothing(self):
        before = self.installed()
        ca = os.path.join(self.d, "client-ca.pem")
        cases = [
            (["--cert", self.new[0], "--key", self.old[1]], "key: does not match the certificate (CN=radius.example.net)"),
            (["--cert", self.expired, "--key", self.new[1]], "certificate: expired on 2025-02-01"),
            (["--cert", self.new[1], "--key", self.new[1]], "certificate: not a PEM certificate"),
            (["--cert", self.new[0], "--key", self.new[1], "--ca", ca], "certificate: does not verify to the given CA"),
            (["--cert", self.new[0], "--key", self.new[1],
              "--crl", make_crl(self.d, "rogue-ca", [])], "crl: issued by CN=rogue-ca, which is not a certificate"),
        ]
        for args, why in cases:
            r = self.edged.ctl("eap", "install", *args, check=False)
            self.assertEqual(r.returncode, 1, r.stdout + r.stderr)
            self.assertIn(why, r.stderr)
            self.assertEqual(self.installed(), before, why)
        r = self.edged.ctl("eap", "install", "--cert", "/nonexistent.pem", "--key", self.new[1], check=False)
        self.assertEqual(r.returncode, 2)
        self.assertIn("--cert /nonexistent.pem: No such file or directory", r.stderr)
        rc, out = self.peap(os.path.join(self.d, "server-ca.pem"))  # the old certificate still serves
        self.assertEqual(rc, 0, out[-1500:])

    def test_d_a_good_set_is_installed_and_used_at_once(self):
        rc, out = self.peap(os.path.join(self.d, "server-ca-2.pem"))
        self.assertNotEqual(rc, 0, "the new CA trusted before the install")
        r = self.edged.ctl("eap", "install", "--cert", self.new[0], "--key", self.new[1])
        self.assertIn("EAP certificate installed and in use: CN=radius.example.net", r.stdout)
        self.assertEqual(read(self.paths["cert"]), read(self.new[0]))
        self.assertEqual(read(self.paths["key"]), read(self.new[1]))
        self.assertEqual(stat.S_IMODE(os.stat(self.paths["key"]).st_mode), 0o600)
        self.assertFalse(os.path.exists(self.paths["key"] + ".new"))
        rc, out = self.peap(os.path.join(self.d, "server-ca-2.pem"))  # no restart, no reload by hand
        self.assertEqual(rc, 0, out[-1500:])
        self.assertIn("SUCCESS", out)
        eap = self.entry(self.edged.ctl_json("certs"), "eap-certificate")
        self.assertEqual(eap["state"], "ok")
        self.assertRegex(eap["message"], r"^valid until \d{4}-\d\d-\d\d \((399|400) days\)$")
        events = self.edged.ctl_json("events", "--kind", "eap-*")
        self.assertTrue(any(e["kind"] == "eap-certificates-installed" and "CN=radius.example.net" in e["detail"]
                            for e in events), events)
        self.assertNotIn("PRIVATE KEY", self.edged.read_log())

    def test_e_crl_alone(self):
        # EAP-TLS before: carol (on the first CRL) refused, dave let in.
        rc, out = self.eap_tls(self.carol)
        self.assertNotEqual(rc, 0, out[-1500:])
        self.assertIn("Access-Reject", out)
        self.assertRegex(self.edged.read_log(), r"user=carol .*eap-tls: TLS handshake: client certificate: .*revoked")
        rc, out = self.eap_tls(self.dave)
        self.assertEqual(rc, 0, out[-1500:])
        before = self.installed()
        r = self.edged.ctl("eap", "crl", make_crl(self.d, "rogue-ca", []), check=False)
        self.assertEqual(r.returncode, 1)
        self.assertIn("crl: issued by CN=rogue-ca", r.stderr)
        self.assertEqual(self.installed(), before)
        crl2 = make_crl(self.d, "client-ca", [self.dave[0]])  # the second revocation in client-ca's database
        r = self.edged.ctl("eap", "crl", crl2)
        self.assertRegex(r.stdout, r"EAP CRL installed and in use: 2 revoked certificate\(s\)")
        self.assertEqual(read(self.paths["crl"]), read(crl2))
        self.assertEqual(self.entry(self.edged.ctl_json("certs"), "eap-crl")["crls"][0]["revoked"], 2)
        # In use at once, no reload by hand: dave is refused now, as revoked; erin still logs in.
        rc, out = self.eap_tls(self.dave)
        self.assertNotEqual(rc, 0, out[-1500:])
        self.assertIn("Access-Reject", out)
        self.assertRegex(self.edged.read_log(), r"user=dave .*eap-tls: TLS handshake: client certificate: .*revoked")
        rc, out = self.eap_tls(self.erin)
        self.assertEqual(rc, 0, out[-1500:])
        self.assertIn("SUCCESS", out)
        self.assertIn("MPPE keys OK: 1  mismatch: 0", out)

    def test_e_stale_crl_refuses_every_client_until_a_new_one(self):
        # A CRL past its next update (put in place by hand, read by a reload; `eap crl` refuses one):
        # the view says so as an error, and mbedTLS refuses every client certificate, erin's too.
        work = os.path.join(self.d, "client-ca-db")
        stale = os.path.join(self.d, "client-ca-stale-crl.pem")
        openssl("ca", "-config", "ca.cnf", "-keyfile", f"{self.d}/client-ca.key", "-cert", f"{self.d}/client-ca.pem",
                "-gencrl", "-crl_lastupdate", "20250101000000Z", "-crl_nextupdate", "20250108000000Z", "-out", stale,
                cwd=work)
        r = self.edged.ctl("eap", "crl", stale, check=False)
        self.assertEqual(r.returncode, 1)
        self.assertIn("crl: out of date: its next update was due 2025-01-08", r.stderr)
        with open(self.paths["crl"], "wb") as f:
            f.write(read(stale))
        self.edged.ctl("config-reload")
        crl = self.entry(self.edged.ctl_json("certs"), "eap-crl")
        self.assertEqual(crl["state"], "error", crl)
        self.assertEqual(crl["message"], "out of date since 2025-01-08: every client certificate is refused until a "
                                         "new CRL is installed")
        self.assertRegex(crl["crls"][0]["next-update"], r"^2025-01-08T00:00:00")
        rc, out = self.eap_tls(self.erin)
        self.assertNotEqual(rc, 0, out[-1500:])
        self.assertRegex(self.edged.read_log(), r"user=erin .*eap-tls: TLS handshake: client certificate: .*CRL is expired")
        r = self.edged.ctl("eap", "crl", make_crl(self.d, "client-ca", []))
        self.assertIn("EAP CRL installed and in use", r.stdout)
        self.assertEqual(self.entry(self.edged.ctl_json("certs"), "eap-crl")["state"], "ok")
        rc, out = self.eap_tls(self.erin)
        self.assertEqual(rc, 0, out[-1500:])

    def test_f_the_management_plane_issues_and_renews_it(self):
        mgmt = Mgmtd(os.path.join(self.tmp.path, "mgmt"), {"device-poll-interval": 1}).start()
        self.addCleanup(mgmt.stop)
        mgmt.ctl("tenant", "add", "--name", "acme", "--tier", "basic")
        hand = self.installed()
        r = self.edged.ctl_json("enroll", mgmt.ctl("claim", "create", "--tenant", "acme").stdout.strip())
        device, tenant = r["device-id"], r["tenant-id"]
        name = f"{device}.{tenant}.eap.internal"
        self.assertEqual(r["eap-certificate"]["state"], "installed", r)
        self.assertEqual(r["eap-certificate"]["name"], name)
        self.assertEqual(mgmt.ctl_json("device", "show", device)["eap-name"], name)
        self.assertNotEqual(read(self.paths["cert"]), hand["cert"])
        self.assertEqual(stat.S_IMODE(os.stat(self.paths["key"]).st_mode), 0o600)
        # The box's own key: mgmt never saw it, and it is not the device key.
        self.assertNotEqual(read(self.paths["key"]), read(os.path.join(self.edged.data_dir, "sync", "device-key.pem")))
        mgmt_ca = os.path.join(mgmt.data_dir, "ca.pem")
        rc, out = self.peap(mgmt_ca, f'  domain_match="{name}"\n')
        self.assertEqual(rc, 0, out[-1500:])
        rc, out = self.peap(mgmt_ca, f'  domain_suffix_match="{tenant}.eap.internal"\n')
        self.assertEqual(rc, 0, out[-1500:])
        rc, out = self.peap(mgmt_ca, '  domain_suffix_match="t-00000000.eap.internal"\n')  # another tenant's boxes
        self.assertNotEqual(rc, 0, "a name of another tenant was accepted")
        eap = self.entry(self.edged.ctl_json("certs"), "eap-certificate")
        self.assertEqual(eap["source"], "management plane", eap)
        self.assertEqual(eap["eap-name"], name)
        c = eap["certificates"][0]
        self.assertEqual(c["alt-names"], [f"DNS:{name}"])
        self.assertEqual(c["subject"], f"CN={name}")
        self.assertRegex(eap["renews-at"], r"^\d{4}-\d\d-\d\dT")
        # Renewal through the sync channel: mgmt asks for a new key at the next check-in.
        first = read(self.paths["cert"])
        mgmt.ctl("device", "rekey", device)
        self.edged.ctl("sync", "now")
        wait_for(lambda: read(self.paths["cert"]) != first, timeout=15, what="the EAP certificate renewed")
        rc, out = self.peap(mgmt_ca, f'  domain_match="{name}"\n')
        self.assertEqual(rc, 0, out[-1500:])
        self.assertEqual(self.edged.ctl_json("sync", "status")["eap-certificate"]["state"], "installed")
        # Installed by hand again: the operator's, which the box leaves alone.
        self.edged.ctl("eap", "install", "--cert", self.new[0], "--key", self.new[1])
        self.assertEqual(self.entry(self.edged.ctl_json("certs"), "eap-certificate")["source"], "installed by hand")


if __name__ == "__main__":
    unittest.main(verbosity=2)
