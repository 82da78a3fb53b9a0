"""Central technicians in the device API's check-in answer (issue 22, ADR 0046), mgmt's half: a real
mgmtd, people made with mgmtctl, and a box made of openssl and curl (curl_box.py) checking in over
mutual TLS. The box of acme gets acme's technician (as "technician") and admin (as "admin") with an
argon2id hash, never the password, never globex's people, never acme's billing clerk or an invited
person without a password; disabling the technician on mgmt removes them from the next answer and
changes the version. The box's half (storing the list, signing in) is in edge_webui_tests."""
import os
import sys
import json
import unittest

sys.path.insert(0, os.path.dirname(__file__))
from edgelib import Mgmtd, TempDir  # noqa: E402
from curl_box import CurlBox  # noqa: E402

PASSWORD = "a long central passphrase"


class CentralTechnicians(unittest.TestCase):
    @classmethod
    def setUpClass(cls):
        cls.tmp = TempDir()
        cls.mgmt = Mgmtd(os.path.join(cls.tmp.path, "mgmt")).start()
        m = cls.mgmt
        for tenant in ("acme", "globex"):
            m.ctl("tenant", "add", "--name", tenant, "--tier", "basic")
        people = [("acme", "tech@acme.test", "tenant-technician", True),
                  ("acme", "boss@acme.test", "tenant-admin", True),
                  ("acme", "clerk@acme.test", "tenant-billing", True),
                  ("acme", "invited@acme.test", "tenant-technician", False),
                  ("globex", "tech@globex.test", "tenant-technician", True)]
        for tenant, email, role, with_password in people:
            args = ["person", "add", "--tenant", tenant, "--email", email, "--role", role]
            if with_password:
                args += ["--password", PASSWORD]
            m.ctl(*args)
        token = m.ctl("claim", "create", "--tenant", "acme").stdout.strip()
        cls.box = CurlBox(cls.tmp.path, "acme-box").enroll(token)

    @classmethod
    def tearDownClass(cls):
        cls.mgmt.stop()
        cls.tmp.cleanup()

    def checkin(self):
        code, body = self.box.checkin()
        self.assertEqual(code, 200, body)
        return json.loads(body)

    def test_the_tenants_technicians_reach_its_box_and_leave_it_when_disabled(self):
        first = self.checkin()
        accounts = {a["email"]: a for a in first["accounts"]}
        self.assertEqual(sorted(accounts), ["boss@acme.test", "tech@acme.test"], first["accounts"])
        self.assertEqual(accounts["tech@acme.test"]["role"], "technician")
        self.assertEqual(accounts["boss@acme.test"]["role"], "admin")
        for a in accounts.values():
            self.assertTrue(a["password-hash"].startswith("$argon2id$v=19$"), a)
        self.assertNotIn(PASSWORD, json.dumps(first))
        self.assertNotIn("globex", json.dumps(first))
        self.assertEqual(len(first["accounts-version"]), 64)
        self.assertEqual(self.checkin()["accounts-version"], first["accounts-version"])

        self.mgmt.ctl("person", "set", "--email", "tech@acme.test", "--status", "disabled")
        after = self.checkin()
        self.assertEqual([a["email"] for a in after["accounts"]], ["boss@acme.test"])
        self.assertNotEqual(after["accounts-version"], first["accounts-version"])


if __name__ == "__main__":
    unittest.main()
