#!/usr/bin/python3
"""The web console and the self-care portal on two mgmtd replicas sharing one PostgreSQL (issue 21
item 3, ADR 0051), each replica reached on its own admin port (as HAProxy in TCP mode may send any
request of a browser to either): a console sign-in on replica A is a signed-in person on replica B; a
form rendered by A posts to B with its CSRF token (and the sign-in form itself goes the other way);
signing out on B signs out on A; a self-care code mailed by A (through a local SMTP sink) is taken
once by B and refused the second time on A; a visitor signed in by B is signed in on A.

Environment: EDGE_BIN = the build's bin folder (set by edge_integration_test()).
"""
import json
import os
import re
import subprocess
import sys
import unittest

sys.path.insert(0, os.path.dirname(__file__))
sys.path.insert(0, os.path.join(os.path.dirname(__file__), "..", "support"))
from mgmt_cluster import MgmtCluster  # noqa: E402
from smtp_sink import SmtpSink, text_of  # noqa: E402


class Browser:
    """curl with a cookie jar: one person's browser, which may reach either replica."""
    n = 0

    def __init__(self, folder):
        Browser.n += 1
        self.jar = os.path.join(folder, f"jar-{Browser.n}.txt")

    def request(self, base, path, form=None):
        cmd = ["curl", "-sS", "-k", "-b", self.jar, "-c", self.jar, "-o", "-", "-w", "\n%{http_code}",
               "--max-time", "20"]
        for k, v in (form or {}).items():
            cmd += ["--data-urlencode", f"{k}={v}"]
        r = subprocess.run(cmd + [base + path], capture_output=True, text=True, timeout=40)
        body, _, code = r.stdout.rpartition("\n")
        return int(code or 0), body

    def csrf(self, base, path):
        code, body = self.request(base, path)
        m = re.search(r'name="csrf" value="([0-9a-f]+)"', body)
        assert m, f"no CSRF field on {base}{path} ({code}): {body[:400]}"
        return m.group(1)


class MgmtWebReplicas(unittest.TestCase):
    @classmethod
    def setUpClass(cls):
        cls.sink = SmtpSink().start()
        cls.cluster = MgmtCluster(replicas=2, standby=False,
                                  mgmt_config={"mail": {"smtp-url": cls.sink.url, "from": "care@platform.example"}})
        cls.cluster.start()
        a, b = cls.cluster.replicas
        cls.a = f"https://127.0.0.1:{a.admin_port}/"
        cls.b = f"https://127.0.0.1:{b.admin_port}/"
        ctl = a.ctl
        ctl("tenant", "add", "--name", "harbour", "--tier", "basic")
        ctl("branding", "set", "--tenant", "harbour", "--display-name", "Harbour Net")
        ctl("plan", "add", "--tenant", "harbour", "--name", "home", "--down", "20M", "--up", "5M")
        ctl("subscriber", "add", "--tenant", "harbour", "--username", "ana", "--password", "pw-ana-secret",
            "--plan", "home")
        ctl("customer", "add", "--tenant", "harbour", "--name", "Ana Silva", "--email", "ana@example.com",
            "--username", "ana")
        cls.admin_token = ctl("token", "create", "--tenant", "harbour", "--role", "tenant-admin",
                              "--name", "replicas").stdout.strip().splitlines()[-1]
        cls.folder = cls.cluster.dir

    @classmethod
    def tearDownClass(cls):
        cls.cluster.stop()
        cls.sink.stop()

    def test_console_session_csrf_and_sign_out_across_replicas(self):
        br = Browser(self.folder)
        # The sign-in form comes from B and is posted to A: the anonymous visitor's CSRF token is
        # derived from the key every replica shares.
        token = br.csrf(self.b, "login")
        code, page = br.request(self.a, "login", {"csrf": token, "token": self.admin_token})
        self.assertEqual(303, code, page[:400])
        # Signed in on A, a person on B.
        code, page = br.request(self.b, "customers")
        self.assertEqual(200, code, page[:400])
        self.assertIn("Ana Silva", page)
        # A form rendered by A posts to B with its token, and does what it says.
        token = br.csrf(self.a, "customers")
        code, page = br.request(self.b, "customer", {"csrf": token, "name": "Made On B"})
        self.assertIn(code, (200, 303), page[:400])
        listed = self.cluster.replicas[0].ctl("customer", "list", "--tenant", "harbour", json_out=True).stdout
        names = [c["name"] for c in json.loads(listed)["customers"]]
        self.assertIn("Made On B", names)
        # A form without the token is refused on either replica.
        code, _ = br.request(self.b, "customer", {"name": "No Token"})
        self.assertEqual(403, code)
        # Signing out on B (with a token A rendered) ends the session on A too.
        token = br.csrf(self.a, "customers")
        code, _ = br.request(self.b, "logout", {"csrf": token})
        self.assertEqual(303, code)
        code, _ = br.request(self.a, "customers")
        self.assertEqual(303, code)  # to the sign-in
        code, _ = br.request(self.b, "customers")
        self.assertEqual(303, code)

    def test_selfcare_code_mailed_by_one_replica_is_taken_once_by_the_other(self):
        br = Browser(self.folder)
        token = br.csrf(self.a, "selfcare/harbour/")
        code, page = br.request(self.a, "selfcare/harbour/code-request", {"csrf": token, "login": "ana@example.com"})
        self.assertEqual(200, code, page[:400])
        mail = self.sink.wait_for(lambda x: x["To"] == "ana@example.com" and "sign-in code" in x["Subject"])[0]
        sent = re.search(r"\b(\d{6})\b", text_of(mail)).group(1)
        # B takes the code A mailed (and the CSRF token A rendered).
        code, page = br.request(self.b, "selfcare/harbour/code", {"csrf": token, "login": "ana@example.com",
                                                                  "code": sent})
        self.assertEqual(303, code, page[:400])
        # Signed in by B, signed in on A.
        code, page = br.request(self.a, "selfcare/harbour/")
        self.assertEqual(200, code)
        self.assertIn("Ana Silva", page)
        # The same code again, from another browser on A: used.
        other = Browser(self.folder)
        t2 = other.csrf(self.a, "selfcare/harbour/")
        code, page = other.request(self.a, "selfcare/harbour/code", {"csrf": t2, "login": "ana@example.com",
                                                                     "code": sent})
        self.assertEqual(400, code)
        self.assertIn("That code is wrong, used or expired", page)
        # Signing out on A ends the session on B.
        token = br.csrf(self.b, "selfcare/harbour/contact")
        code, _ = br.request(self.a, "selfcare/harbour/sign-out", {"csrf": token})
        self.assertEqual(303, code)
        code, _ = br.request(self.b, "selfcare/harbour/invoices")
        self.assertEqual(303, code)


if __name__ == "__main__":
    unittest.main()
