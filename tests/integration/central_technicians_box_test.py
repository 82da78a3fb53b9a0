"""Central technicians on a real box (issue 22, ADR 0046): a real mgmtd and a real edged enrolled in
acme. A technician made on mgmt signs in to the box's UI over HTTPS (CSRF flow, as a browser) after
the box's check-in; with mgmtd stopped they still sign in; after they are disabled on mgmt and the
box checked in again they are refused and their open session has ended. globex's technician never
reaches acme's box. The central account is listed by `edgectl user list` and cannot be changed there;
the box's Accounts page shows it as managed by mgmt, with its last sign-in, and without forms.

Needs the sync agent's hook (ADR 0046, "Not yet"); register it in CMakeLists.txt once it is in."""
import os
import re
import sys
import unittest

sys.path.insert(0, os.path.dirname(__file__))
from edgelib import Edged, Mgmtd, TempDir, wait_for  # noqa: E402
from webui_account_test import Browser  # noqa: E402

PASSWORD = "a long central passphrase"


class CentralTechniciansOnTheBox(unittest.TestCase):
    @classmethod
    def setUpClass(cls):
        cls.tmp = TempDir()
        cls.mgmt = Mgmtd(os.path.join(cls.tmp.path, "mgmt"), {"device-poll-interval": 1}).start()
        for tenant in ("acme", "globex"):
            cls.mgmt.ctl("tenant", "add", "--name", tenant, "--tier", "basic")
        cls.mgmt.ctl("person", "add", "--tenant", "acme", "--email", "tech@acme.test", "--role", "tenant-technician",
                     "--password", PASSWORD)
        cls.mgmt.ctl("person", "add", "--tenant", "globex", "--email", "tech@globex.test", "--role",
                     "tenant-technician", "--password", PASSWORD)
        cls.box = Edged(os.path.join(cls.tmp.path, "box"), {"sync": {"max-backoff": 5}}).start()
        cls.box.ctl("enroll", cls.mgmt.ctl("claim", "create", "--tenant", "acme").stdout.strip())
        cls.box.ctl("user", "add", "--username", "boxadmin", "--password", PASSWORD, "--role", "admin")
        cls.ui = cls.box.ctl_json("status")["ui-url"]

    @classmethod
    def tearDownClass(cls):
        cls.box.stop()
        if cls.mgmt.proc is not None:
            cls.mgmt.stop()
        cls.tmp.cleanup()

    def users(self):
        return {u["username"]: u for u in self.box.ctl_json("user", "list")}

    def sign_in(self, email):
        b = Browser(self.ui)
        status, headers, _ = b.sign_in(email, PASSWORD)
        return b, (status, headers.get("Location"))

    def test_a_central_technician_signs_in_offline_and_is_refused_once_disabled(self):
        wait_for(lambda: "tech@acme.test" in self.users(), timeout=20, what="the technician on the box")
        self.assertTrue(self.users()["tech@acme.test"]["central"])
        self.assertEqual(self.users()["tech@acme.test"]["role"], "technician")
        self.assertNotIn("tech@globex.test", self.users())
        b, answer = self.sign_in("tech@acme.test")
        self.assertEqual(answer, (303, "/"))
        self.assertEqual(b.get("/account")[0], 200)
        self.assertEqual(self.sign_in("tech@globex.test")[1][0], 401)  # refused
        refused = self.box.ctl("user", "set", "tech@acme.test", "--role", "admin", check=False)
        self.assertNotEqual(refused.returncode, 0)
        self.assertIn("change it on mgmt", refused.stdout + refused.stderr)
        # The Accounts page: managed by mgmt, its last sign-in, no form; a forged form is refused.
        admin, answer = self.sign_in("boxadmin")
        self.assertEqual(answer, (303, "/"))
        status, _, page = admin.get("/accounts")
        self.assertEqual(status, 200)
        row = re.search(r'<tr id="account-tech@acme\.test">.*?</tr>', page, re.S).group(0)
        self.assertIn("managed by mgmt", row)
        self.assertIn("technician", row)
        self.assertRegex(row, r"UTC from 127\.0\.0\.1")
        status, _, page = admin.get("/accounts/edit?u=tech%40acme.test")
        self.assertEqual(status, 200)
        self.assertIn("changed in the management console", page)
        self.assertNotIn('action="/accounts/', page)  # read-only: no form at all
        status, _, page = admin.post("/accounts/role", {"username": "tech@acme.test", "role": "admin"})
        self.assertEqual(status, 409)
        self.assertIn("change it on mgmt", page)

        # The WAN (here: mgmtd) down: still signs in.
        self.mgmt.stop()
        offline, answer = self.sign_in("tech@acme.test")
        self.assertEqual(answer, (303, "/"))

        # Disabled on mgmt: gone at the next check-in, and the open session ends.
        self.mgmt.start()
        self.mgmt.ctl("person", "set", "--email", "tech@acme.test", "--status", "disabled")
        self.box.ctl("sync", "now")
        wait_for(lambda: "tech@acme.test" not in self.users(), timeout=30, what="the technician gone from the box")
        self.assertEqual(self.sign_in("tech@acme.test")[1][0], 401)
        self.assertEqual(offline.get("/account")[0], 303)  # to the sign-in page


if __name__ == "__main__":
    unittest.main()
