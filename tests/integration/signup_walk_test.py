"""The ISP signup journey on the console in a real browser (issue 23): tests/browser/signup_walk.js drives
Debian chromium (playwright-core) at a phone's viewport against a real mgmtd whose outbox delivers over
real SMTP to a local sink (aiosmtpd): the public signup form (refused fields told next to each field),
"check your mail", the verification mail read from the sink's maildir, the provisioning progress page,
the owner's invitation and password, sign-in, going paid, then the platform's signup funnel; axe-core
on every page. Its own test (not part of signup_test.py) so the PostgreSQL run of signup does not walk
the same pages twice."""
import json
import os
import subprocess
import sys
import unittest

sys.path.insert(0, os.path.dirname(__file__))
from edgelib import Mgmtd, TempDir  # noqa: E402
from smtp_sink import SmtpSink, text_of  # noqa: E402


def curl(url, *args):
    r = subprocess.run(["curl", "-sS", "-k", "-o", "-", "-w", "\n%{http_code}", "--max-time", "20", *args, url],
                       capture_output=True, text=True, timeout=30)
    body, _, code = r.stdout.rpartition("\n")
    return int(code or 0), body


class SignupWalk(unittest.TestCase):
    @classmethod
    def setUpClass(cls):
        cls.tmp = TempDir()
        cls.sink = SmtpSink(maildir=os.path.join(cls.tmp.path, "maildir")).start()
        cls.mgmt = Mgmtd(os.path.join(cls.tmp.path, "mgmt"),
                         {"mail": {"smtp-url": cls.sink.url, "from": "mgmt@platform.example"}}).start()
        cls.url = f"https://127.0.0.1:{cls.mgmt.admin_port}"
        with open(os.path.join(cls.mgmt.data_dir, "admin-token")) as f:
            cls.platform_token = f.read().strip()
        cls.platform = ["-H", "Authorization: Bearer " + cls.platform_token]

    @classmethod
    def tearDownClass(cls):
        cls.mgmt.stop()
        cls.sink.stop()
        cls.tmp.cleanup()

    def api(self, path, auth=()):
        code, body = curl(self.url + path, *auth)
        return code, json.loads(body) if body.strip().startswith("{") else body

    def test_browser_walk_of_the_signup_journey(self):
        # tests/browser/signup_walk.js: Debian chromium at a phone's viewport, the public form (refused
        # fields next to each field), the mail from this sink, the progress page, the owner's
        # invitation, sign-in, going paid, then the platform's funnel; axe-core on every page.
        src = os.environ.get("EDGE_SOURCE", os.path.join(os.path.dirname(__file__), "..", ".."))
        out = os.path.join(os.environ.get("EDGE_ARTIFACTS", os.path.join(self.tmp.path, "artifacts")), "signup")
        r = subprocess.run(["node", os.path.join(src, "tests", "browser", "signup_walk.js"), "--url", self.url + "/",
                            "--maildir", os.path.join(self.tmp.path, "maildir"), "--out", out,
                            "--email", "walker@walk.example", "--platform-token", self.platform_token],
                           capture_output=True, text=True, timeout=240)
        lines = r.stdout.strip().splitlines()
        result = json.loads(lines[-1]) if lines else {"ok": False}
        self.assertTrue(result.get("ok"), f"{result.get('error')} {r.stderr[-2000:]}")
        statuses = {s["name"]: s["status"] for s in result["seen"]}
        self.assertEqual({"signup": 200, "signup-refused": 400, "sent": 200, "progress": 200, "progress-ready": 200,
                          "choose-password": 200, "password-set": 200, "signed-in": 200, "convert": 200,
                          "convert-refused": 400, "converted": 200, "funnel": 200, "funnel-phone": 200,
                          "partner-apply": 200, "partner-apply-refused": 400, "partner-apply-sent": 200}, statuses)
        for s in result["seen"]:
            self.assertEqual(s["violations"], [], f"{s['name']}: {s['violations']}")
            self.assertFalse(s["overflow"], f"{s['name']} scrolls sideways")
            self.assertGreater(os.path.getsize(os.path.join(out, s["file"] + ".png")), 1000)
        c = result["checks"]
        self.assertEqual("is required", c["businessNameError"])
        self.assertIn("not an email address", c["emailError"])
        self.assertIn("two-letter", c["countryError"])
        self.assertEqual(("Nairobi", "basic"), (c["keptRegion"], c["keptTier"]))
        self.assertEqual(403, c["noCsrf"])
        self.assertEqual("/signup/sent", c["sentPath"])
        self.assertTrue(c["linkOnConsole"])
        self.assertEqual("/signup/progress", c["progressPath"])
        self.assertEqual(100, c["percents"][-1])
        self.assertEqual(sorted(c["percents"]), c["percents"])
        self.assertTrue(c["passwordSet"])
        self.assertEqual("/", c["signedInPath"])
        self.assertIn("not an email address", c["billingEmailError"])
        self.assertEqual("Walk Net Ltd", c["keptBillingName"])
        self.assertIn("on the basic tier now", c["converted"])
        self.assertGreater(c["funnelChart"], 0)
        # The walk's signup is this week's row: one started, verified, provisioned and converted (the
        # CSRF-less post stored nothing, the refused form neither).
        self.assertEqual(1, len(c["funnelRows"]), c["funnelRows"])
        self.assertEqual([1, 1, 1, 1, 100], [int(x.strip(" %")) for x in c["funnelRows"][0].split("\t")[1:6]])
        # The tenant is paid now, and its owner is the person who signed up.
        code, tenants = self.api("/api/v1/tenant-list", self.platform)
        walk = [t for t in tenants["data"] if t["name"] == "Walk Net"]
        self.assertEqual(1, len(walk), tenants)
        self.assertFalse(walk[0]["demo"])
        # The partner application form (issue 25): each refused field told next to itself, the
        # CSRF-less post refused and stored nothing; the sent one waits for review, and approving it
        # makes the partner and mails the applicant.
        self.assertIn("not an email address", c["applyEmailError"])
        self.assertIn("two-letter", c["applyCountryError"])
        self.assertIn("one of authorized-dealer", c["applyTypeError"])
        self.assertEqual("Walk Resellers", c["applyKeptCompany"])
        self.assertEqual(403, c["applyNoCsrf"])
        self.assertEqual("/partners/apply/sent", c["applySentPath"])
        code, apps = self.api("/api/v1/partner-application-list?status=pending", self.platform)
        self.assertEqual(200, code, apps)
        self.assertEqual([("Walk Resellers", "pat@resellers.example", "value-added-reseller", "KE", "We resell in Mombasa.")],
                         [(a["company"], a["email"], a["type"], a["country"], a["message"]) for a in apps["data"]["applications"]])
        code, decided = curl(self.url + "/api/v1/partner-application-decide", *self.platform, "-X", "POST",
                             "-H", "Content-Type: application/json", "--data",
                             json.dumps({"id": apps["data"]["applications"][0]["id"], "decision": "approve", "currency": "KES"}))
        self.assertEqual(200, code, decided)
        partner = json.loads(decided)["data"]["partner"]
        mail = self.sink.wait_for(lambda m: m["To"] == "pat@resellers.example" and "partner programme" in m["Subject"])
        self.assertIn(partner, text_of(mail[0]))


if __name__ == "__main__":
    unittest.main()
