"""The technician web UI (issue 22) on a real edged: HTTPS with the box's own certificate (its
fingerprint in `edgectl status`), plain HTTP redirecting there, /metrics on both, the `user` commands,
and a real browser (tests/browser/webui_walk.js: playwright-core + Debian chromium + axe-core) walking
every page as a viewer, a technician and an admin. Screenshots land in EDGE_ARTIFACTS/webui."""
import hashlib
import json
import os
import re
import ssl
import subprocess
import sys
import unittest

sys.path.insert(0, os.path.dirname(__file__))
from edgelib import Edged, TempDir  # noqa: E402

SECRET = "webui-test-secret"
ACCOUNTS = [
    {"user": "vera", "password": "vera viewer pw", "role": "viewer"},
    {"user": "tomas", "password": "tomas tech pw", "role": "technician"},
    {"user": "ada", "password": "ada admin pw 1", "role": "admin"},
]
LOCKED = ("lena", "lena right pw")


def curl(url, *args):
    r = subprocess.run(["curl", "-sS", "--max-time", "10", "-o", "-", "-w", "\n%{http_code} %{redirect_url}"] + list(args) + [url],
                       capture_output=True, text=True, timeout=20)
    body, _, tail = r.stdout.rpartition("\n")
    code, _, location = tail.partition(" ")
    return int(code or 0), location, body


def radclient(port, kind, lines):
    r = subprocess.run(["radclient", "-x", "-r", "1", "-t", "2", f"127.0.0.1:{port}", kind, SECRET],
                       input="\n".join(lines) + "\n", capture_output=True, text=True, timeout=20)
    return r.stdout + r.stderr


def png_width(path):
    """A PNG's width in pixels, from its IHDR chunk."""
    with open(path, "rb") as f:
        head = f.read(24)
    assert head[:8] == b"\x89PNG\r\n\x1a\n", path
    return int.from_bytes(head[16:20], "big")


def shots(src, url, out, account, pages, prefix=()):
    """tests/browser/webui_shots.js: phone-sized screenshots of `pages` signed in as `account` (a command
    prefix such as `ip netns exec NS` runs the browser elsewhere). Returns its JSON, ok checked."""
    r = subprocess.run(list(prefix) + ["node", os.path.join(src, "tests", "browser", "webui_shots.js"), "--url", url,
                                       "--out", out, "--user", account["user"], "--password", account["password"],
                                       "--pages", json.dumps(pages)], capture_output=True, text=True, timeout=180)
    lines = r.stdout.strip().splitlines()
    result = json.loads(lines[-1]) if lines else {"ok": False}
    assert result.get("ok"), f"{result.get('error')} {r.stderr[-2000:]}"
    return result


def eap_files(d):
    """EAP's files, made with the openssl CLI: a server certificate 10 days from its end (the
    Certificates page warns), its CA as the client CA, and that CA's CRL, due for its next update in
    2 days (the page warns too)."""
    os.makedirs(d)
    run = lambda *a: subprocess.run(["openssl", *a], cwd=d, check=True, capture_output=True, timeout=60)  # noqa: E731
    ec = ["-newkey", "ec", "-pkeyopt", "ec_paramgen_curve:P-256", "-nodes"]
    run("req", "-x509", *ec, "-days", "365", "-subj", "/CN=Example ISP EAP CA", "-keyout", "ca.key", "-out", "ca.pem")
    run("req", *ec, "-subj", "/CN=radius.example.net", "-keyout", "eap.key", "-out", "eap.csr")
    with open(os.path.join(d, "eap.ext"), "w") as f:
        f.write("subjectAltName=DNS:radius.example.net\nextendedKeyUsage=serverAuth\n")
    run("x509", "-req", "-in", "eap.csr", "-CA", "ca.pem", "-CAkey", "ca.key", "-CAcreateserial", "-days", "10",
        "-extfile", "eap.ext", "-out", "eap.pem")
    open(os.path.join(d, "index.txt"), "w").close()
    with open(os.path.join(d, "ca.cnf"), "w") as f:
        f.write("[ ca ]\ndefault_ca = c\n[ c ]\ndatabase = index.txt\ncrlnumber = crlnumber\ndefault_md = sha256\n"
                "default_crl_days = 2\n")
    with open(os.path.join(d, "crlnumber"), "w") as f:
        f.write("01\n")
    run("ca", "-config", "ca.cnf", "-keyfile", "ca.key", "-cert", "ca.pem", "-gencrl", "-out", "crl.pem")
    # The one the admin pastes into the Certificates page in the walk: also 10 days from its end.
    run("req", *ec, "-subj", "/CN=radius2.example.net", "-keyout", "eap2.key", "-out", "eap2.csr")
    run("x509", "-req", "-in", "eap2.csr", "-CA", "ca.pem", "-CAkey", "ca.key", "-CAcreateserial", "-days", "10",
        "-extfile", "eap.ext", "-out", "eap2.pem")
    return {"eap-certificate": os.path.join(d, "eap.pem"), "eap-key": os.path.join(d, "eap.key"),
            "eap-ca": os.path.join(d, "ca.pem"), "eap-crl": os.path.join(d, "crl.pem")}


class WebUi(unittest.TestCase):
    @classmethod
    def setUpClass(cls):
        cls.tmp = TempDir()
        # EAP on, so the Certificates page has its certificates and an admin its forms.
        cls.edged = Edged(cls.tmp.path, extra={"radius": {
            "listen": "127.0.0.1", "auth-port": 0, "acct-port": 0, "threads": 1,
            **eap_files(os.path.join(cls.tmp.path, "eap"))}}).start()
        ctl = cls.edged.ctl
        ctl("nas", "add", "--name", "bras-1", "--address", "127.0.0.1", "--secret", SECRET, "--vendor", "accel-ppp")
        ctl("plan", "add", "--name", "home-20", "--down", "20M", "--up", "5M", "--data-quota", "50GB")
        for user in ("alice", "alicia", "bob"):
            ctl("subscriber", "add", "--username", user, "--password", user + "-secret", "--plan", "home-20")
        for a in ACCOUNTS:
            ctl("user", "add", "--username", a["user"], "--password", a["password"], "--role", a["role"])
        ctl("user", "add", "--username", LOCKED[0], "--password", LOCKED[1])
        status = cls.edged.ctl_json("status")
        cls.status = status
        cls.ui = status["ui-url"]
        auth, acct = status["radius"]["auth-port"], status["radius"]["acct-port"]
        # Demo traffic: a reject with its reason, an accept, and a live session for the pages to show.
        radclient(auth, "auth", ['User-Name = "alice"', 'User-Password = "wrong"', "Message-Authenticator = 0x00"])
        radclient(auth, "auth", ['User-Name = "alice"', 'User-Password = "alice-secret"', "Message-Authenticator = 0x00"])
        radclient(acct, "acct", ["Acct-Status-Type = Start", 'User-Name = "alice"', 'Acct-Session-Id = "S-1"',
                                 "Framed-IP-Address = 100.64.0.9", 'Calling-Station-Id = "02-00-00-00-00-09"',
                                 "NAS-Port = 3"])

    @classmethod
    def tearDownClass(cls):
        cls.edged.stop()
        cls.tmp.cleanup()

    def test_https_with_the_fingerprint_that_status_prints(self):
        self.assertRegex(self.ui, r"^https://127\.0\.0\.1:\d+/$")
        port = int(self.ui.rstrip("/").rsplit(":", 1)[1])
        pem = ssl.get_server_certificate(("127.0.0.1", port))
        served = hashlib.sha256(ssl.PEM_cert_to_DER_cert(pem)).hexdigest()
        cert = self.status["ui-certificate"]
        self.assertEqual(cert["sha256-fingerprint"].replace(":", ""), served)
        self.assertEqual(cert["source"], "made by the box at first start")
        out = self.edged.ctl("status").stdout
        self.assertIn("technician UI   " + self.ui, out)
        self.assertIn("SHA-256 " + cert["sha256-fingerprint"], out)

    def test_plain_http_redirects_to_https_and_metrics_stay(self):
        base = self.status["metrics-url"].rsplit("/", 1)[0]
        code, location, _ = curl(base + "/")
        self.assertEqual(code, 301)
        self.assertEqual(location, self.ui)
        code, _, body = curl(self.status["metrics-url"])
        self.assertEqual(code, 200)
        self.assertIn("edged_control_commands_total", body)
        code, _, body = curl(self.ui + "metrics", "-k")
        self.assertEqual(code, 200)
        self.assertIn("edged_control_commands_total", body)

    def test_pages_need_a_session_and_headers_forbid_framing(self):
        code, location, _ = curl(self.ui + "sessions", "-k")
        self.assertEqual((code, location), (303, self.ui + "login"))
        r = subprocess.run(["curl", "-sS", "-k", "-D", "-", "-o", "/dev/null", self.ui + "login"],
                           capture_output=True, text=True, timeout=20)
        headers = r.stdout.lower()
        self.assertIn("x-frame-options: deny", headers)
        self.assertIn("content-security-policy: default-src 'none'; script-src 'self'", headers)
        self.assertRegex(headers, r"set-cookie: edged_ui=[0-9a-f]{32}; path=/; httponly; samesite=strict; secure")

    def entry_subject(self):
        view = self.edged.ctl_json("certs")
        return next(e for e in view["certificates"] if e["name"] == "eap-certificate")["certificates"][0]["subject"]

    def test_user_commands(self):
        rows = self.edged.ctl_json("user", "list")
        self.assertEqual({r["username"]: r["role"] for r in rows},
                         {"vera": "viewer", "tomas": "technician", "ada": "admin", "lena": "viewer"})
        self.assertNotIn("argon2", json.dumps(rows))
        r = self.edged.ctl("user", "add", "--username", "x1", "--password", "short", check=False)
        self.assertEqual(r.returncode, 1, r.stdout + r.stderr)
        self.assertIn("at least 10", r.stdout + r.stderr)

    def test_phone_screenshots_for_the_operator_guide(self):
        """The newer pages at a phone's size (390 px wide) as an admin (who has every page, Accounts
        included), for docs/images: into
        EDGE_DOC_IMAGES when set (how the operator guide's pictures are refreshed), else the artifacts."""
        src = os.environ.get("EDGE_SOURCE", os.path.join(os.path.dirname(__file__), "..", ".."))
        out = os.environ.get("EDGE_DOC_IMAGES") or os.path.join(
            os.environ.get("EDGE_ARTIFACTS", os.path.join(self.tmp.path, "artifacts")), "webui-phone")
        pages = [["webui-phone-overview", ""], ["webui-phone-subscriber", "subscriber?u=alice"],
                 ["webui-phone-sessions", "sessions"], ["webui-phone-events", "events"],
                 ["webui-phone-diagnostics", "diagnostics"], ["webui-phone-account-totp", "account/totp"],
                 ["webui-phone-settings", "settings"], ["webui-phone-certificates", "certificates"],
                 ["webui-phone-accounts", "accounts"]]
        result = shots(src, self.ui, out, ACCOUNTS[2], pages)
        self.assertEqual([s["name"] for s in result["shots"]], [p[0] for p in pages])
        for s in result["shots"]:
            self.assertEqual(s["status"], 200, s)
            self.assertEqual(s["violations"], [], f"{s['name']}: {s['violations']}")
            self.assertEqual(png_width(os.path.join(out, s["name"] + ".png")), 390, s["name"])
        text = {s["name"]: s["text"] for s in result["shots"]}
        self.assertIn("alice", text["webui-phone-sessions"])
        self.assertIn("1 session online.", text["webui-phone-sessions"])  # one, not "1 sessions"
        self.assertIn("sign-in code", text["webui-phone-account-totp"].lower())
        self.assertRegex(text["webui-phone-certificates"], r"EAP server certificate\s+Warning\s+(9|10)\s+expires in")
        # The CRL 2 days before its next update: a warning saying when (its details: the walk).
        due = re.search(r"EAP client CRL\s+Warning\s+[01]\s+next update due (\d{4}-\d\d-\d\d): install a new CRL before then",
                        text["webui-phone-certificates"])
        self.assertIsNotNone(due, text["webui-phone-certificates"])
        for name in ("vera", "tomas", "ada"):
            self.assertIn(name, text["webui-phone-accounts"])
        print("phone screenshots in", out)

    def test_browser_walk_as_each_role(self):
        src = os.environ.get("EDGE_SOURCE", os.path.join(os.path.dirname(__file__), "..", ".."))
        out = os.path.join(os.environ.get("EDGE_ARTIFACTS", os.path.join(self.tmp.path, "artifacts")), "webui")
        walker = os.path.join(src, "tests", "browser", "webui_walk.js")
        r = subprocess.run(["node", walker, "--url", self.ui, "--out", out, "--accounts", json.dumps(ACCOUNTS),
                            "--subscriber", "alice", "--locked", ":".join(LOCKED),
                            "--eap-files", ":".join(os.path.join(self.tmp.path, "eap", f) for f in ("eap2.pem", "eap2.key"))],
                           capture_output=True, text=True, timeout=240)
        lines = r.stdout.strip().splitlines()
        result = json.loads(lines[-1]) if lines else {"ok": False}
        self.assertTrue(result.get("ok"), f"{result.get('error')} {r.stderr[-2000:]}")
        seen = {s["name"]: s for s in result["seen"]}
        for role in ("viewer", "technician", "admin"):
            for page in ("overview", "subscribers", "subscriber", "sessions", "plans", "nas", "vouchers", "events", "help",
                         "account", "settings"):
                names = [n for n in seen if n.startswith(role + "-") and n.endswith("-" + page)]
                self.assertEqual(len(names), 1, f"{role} {page}: {sorted(seen)}")
                self.assertEqual(seen[names[0]]["status"], 200, seen[names[0]])
        for s in result["seen"]:
            self.assertEqual(s["violations"], [], f"{s['name']}: {s['violations']}")
            self.assertGreater(os.path.getsize(os.path.join(out, s["name"] + ".png")), 1000)
        checks = result["checks"]
        # Diagnostics: every role sees the page; the server refuses a viewer's test login; an admin's
        # test login shows the reject's reason in words, and a ping streams to the page until its end.
        for role in ("viewer", "technician", "admin"):
            names = [n for n in seen if n.startswith(role + "-") and n.endswith("-diagnostics")]
            self.assertEqual(len(names), 1, f"{role} diagnostics: {sorted(seen)}")
            self.assertEqual(seen[names[0]]["status"], 200, seen[names[0]])
        self.assertEqual(checks["viewer-diagnostics-refused"], 403)
        # Certificates: every role reads the page; only an admin gets the forms, and the server refuses
        # a viewer's posts; a refused install says why next to the field it is about.
        for role in ("viewer", "technician", "admin"):
            names = [n for n in seen if n.startswith(role + "-") and n.endswith("-certificates")]
            self.assertEqual(len(names), 1, f"{role} certificates: {sorted(seen)}")
            self.assertEqual(seen[names[0]]["status"], 200, seen[names[0]])
        self.assertTrue(checks["viewer-sees-no-certificate-forms"])
        # The certificate 10 days from its end is an alert on the Overview, with the way to the page.
        for role in ("viewer", "technician", "admin"):
            self.assertEqual(checks[f"{role}-overview-certificates-link"], 1, role)
        self.assertEqual(checks["viewer-eap-install-refused"], 403)
        self.assertEqual(checks["viewer-eap-crl-refused"], 403)
        self.assertEqual(checks["certificates-forms"], 2)
        self.assertEqual(checks["certificates-field-error"], ["not a PEM certificate (no '-----BEGIN CERTIFICATE-----' line)"])
        self.assertIn("expires in", checks["certificates-text"])
        self.assertIn("radius.example.net", checks["certificates-text"])
        # The CRL's details: its updates (the next one 2 days on) and its entries.
        self.assertRegex(checks["certificates-text"], r"EAP client CRL\s+File .*crl\.pem \(radius\.eap-crl\)\s+Issuer\s+"
                                                      r"CN=Example ISP EAP CA\s+Updated\s+\d{4}-\d\d-\d\dT[\d:.]+Z\s+"
                                                      r"Next update\s+\d{4}-\d\d-\d\dT[\d:.]+Z\s+Revoked entries\s+0\s+State\s+"
                                                      r"next update due \d{4}-\d\d-\d\d: install a new CRL before then")
        self.assertIn("EAP certificate installed and in use: CN=radius2.example.net", checks["certificates-installed"])
        self.assertIn("expires in", checks["certificates-after-install"])
        eap = os.path.join(self.tmp.path, "eap")
        for f in ("eap2.pem", "eap2.key"):  # stored as pasted, with LF line ends
            with open(os.path.join(eap, f)) as a, open(os.path.join(eap, f.replace("2", ""))) as b:
                self.assertEqual(a.read(), b.read(), f)
        self.assertEqual(os.stat(os.path.join(eap, "eap.key")).st_mode & 0o777, 0o600)
        self.assertEqual(self.entry_subject(), "CN=radius2.example.net")
        # The recent runs: the admin's ping listed (who, what, target, outcome), its output read back.
        for words in ("ada", "ping", "127.0.0.1", "exited with status 0"):
            self.assertIn(words, checks["diagnostics-runs"])
        self.assertIn("64 bytes from 127.0.0.1", checks["diagnostics-run-output"])
        # Accounts: the admins' page; the server answers the others 403, for the page and its forms.
        for role, want in (("viewer", 403), ("technician", 403), ("admin", 200)):
            names = [n for n in seen if n.startswith(role + "-") and n.endswith("-accounts")]
            self.assertEqual(len(names), 1, f"{role} accounts: {sorted(seen)}")
            self.assertEqual(seen[names[0]]["status"], want, seen[names[0]])
        self.assertEqual(checks["viewer-accounts-add-refused"], 403)
        self.assertEqual(checks["viewer-accounts-delete-refused"], 403)
        self.assertEqual(checks["technician-accounts-role-refused"], 403)
        self.assertEqual(checks["accounts-no-csrf"], 403)
        self.assertIn("at least 10", checks["accounts-password-error"])
        self.assertIn("account walk-tech added (technician)", checks["accounts-added"])
        self.assertGreaterEqual(checks["accounts-edit-forms"], 3)  # role, password, delete
        self.assertIn("account walk-tech deleted", checks["accounts-deleted"])
        rows = {r["username"]: r for r in self.edged.ctl_json("user", "list")}
        self.assertNotIn("walk-tech", rows)
        self.assertNotIn("walk-viewer", rows)
        self.assertNotIn("walk-nocsrf", rows)
        self.assertEqual(rows["vera"]["role"], "viewer")
        self.assertIn("Access-Reject", checks["diagnostics-login-reason"])
        self.assertIn("Wrong password", checks["diagnostics-login-reason"])
        self.assertIn("Done: exited with status 0", checks["diagnostics-ping-done"])
        self.assertIn("64 bytes from 127.0.0.1", checks["diagnostics-ping-output"])
        # What a viewer may not do is refused by the server, not only hidden.
        self.assertTrue(checks["viewer-sees-no-change-buttons"])
        self.assertEqual(checks["viewer-topup-refused"], 403)
        self.assertEqual(checks["viewer-suspend-refused"], 403)
        self.assertEqual(checks["viewer-nas-save-refused"], 403)
        self.assertEqual(checks["viewer-voucher-generate-refused"], 403)
        self.assertEqual(checks["technician-nas-save-refused"], 403)
        self.assertEqual(checks["no-csrf-token"], 403)
        for role in ("viewer", "technician", "admin"):
            self.assertTrue(checks[f"{role}-search-as-you-type"])
            self.assertTrue(checks[f"{role}-signed-out"])
            self.assertTrue(checks[f"{role}-out-after-logout"])
        self.assertIn("500MB", checks["topup-field-error"])
        self.assertIn("alice", checks["topup-done"])
        self.assertIn("suspended", checks["suspended"])
        self.assertIn("active again", checks["resumed"])
        self.assertEqual(sorted(checks["nas-field-errors"]),
                         sorted(["the address the NAS sends from, e.g. 10.0.0.1 or 10.0.0.0/24",
                                 "the shared secret configured on the NAS"]))
        self.assertIn("3 vouchers in batch 'walk'", checks["vouchers-made"])
        self.assertEqual(checks["voucher-rows"], 3)
        self.assertIn("1 voucher(s) revoked", checks["voucher-revoked"])
        self.assertEqual(checks["voucher-sheet"], 200)
        self.assertTrue(checks["nas-added"])
        self.assertTrue(checks["nas-deleted"])
        # The NAS (radclient, gone) never answers: the page says so in words, per session.
        self.assertTrue(any(line.startswith("alice on bras-1: ") and
                            ("did not answer (timeout)" in line or "not sent" in line or "no answer yet" in line)
                            for line in checks["disconnect-answer"]), checks)
        # Lockout: five free failures, then locked; the right password is refused while locked.
        self.assertEqual(checks["lockout-statuses"][:5], [401] * 5)
        self.assertEqual(checks["lockout-statuses"][5], 429)
        self.assertEqual(checks["locked-right-password"], 429)
        self.assertTrue(checks["locked-stays-out"])
        self.assertIn("locked", checks["locked-message"])
        # Every change and every refusal is in the event log: who, what, from where.
        events = self.edged.ctl_json("events", "--limit", "500")
        text = "\n".join(f"{e['kind']} {e['detail']}" for e in events)
        self.assertIn("ui-change tomas (technician) from 127.0.0.1: subscriber-topup", text)
        self.assertIn("ui-change tomas (technician) from 127.0.0.1: subscriber-set", text)
        self.assertIn("ui-change ada (admin) from 127.0.0.1: nas-add", text)
        self.assertIn("ui-change tomas (technician) from 127.0.0.1: voucher-generate", text)
        self.assertIn("secret=(secret)", text)
        self.assertNotIn("roof-secret-1", text)
        self.assertIn("ui-refused vera (viewer) from 127.0.0.1: subscriber-topup", text)
        self.assertIn("ui-refused vera (viewer) from 127.0.0.1: eap-install", text)
        self.assertIn("ui-refused ada (admin) from 127.0.0.1: eap-install", text)
        self.assertIn("key=(secret)", text)
        self.assertIn("without a valid CSRF token", text)
        self.assertIn("ui-login vera (viewer) from 127.0.0.1: signed in", text)
        self.assertIn("ui-login-locked someone from 127.0.0.1: lena", text)
        print("technician UI screenshots in", out)


if __name__ == "__main__":
    unittest.main(verbosity=2)
