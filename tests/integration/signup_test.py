"""ISP self-registration end to end (issue 23, ADR 0029): a real mgmtd whose outbox delivers over real
SMTP (libcurl) to a local sink (aiosmtpd). Sign up through the public API, read the verification mail
from the sink, follow its link, watch provisioning to done through the progress API, check the
scenario's counts, convert to paid with the tenant's own token and check the samples are gone and its
own data stays. Refusals: bad bodies name their field, a wrong link is 404, another tenant cannot
convert."""
import json
import os
import re
import signal
import subprocess
import sys
import unittest
import urllib.parse

sys.path.insert(0, os.path.dirname(__file__))
from edgelib import Mgmtd, TempDir, check, wait_for  # noqa: E402
from smtp_sink import SmtpSink, text_of, html_of  # noqa: E402


MGMT = None  # the class's mgmtd: a call that gets no HTTP answer at all says what curl and mgmtd saw


def curl(url, *args, data=None):
    cmd = ["curl", "-sS", "-k", "-o", "-", "-w", "\n%{http_code}", "--max-time", "20"] + list(args)
    if data is not None:
        cmd += ["-H", "Content-Type: application/json", "--data-binary", data]
    r = subprocess.run(cmd + [url], capture_output=True, text=True, timeout=30)
    body, _, code = r.stdout.rpartition("\n")
    if int(code or 0) == 0 and MGMT is not None:
        state = "running" if MGMT.proc and MGMT.proc.poll() is None else f"exited with {MGMT.proc and MGMT.proc.returncode}"
        raise AssertionError(f"no HTTP answer from {url}: curl said {r.stderr.strip()!r}; mgmtd {state}; "
                             f"its log:\n{MGMT.read_log()[-4000:]}")
    return int(code or 0), body


SIGNUP = {"business-name": "Harbour Net", "registration-id": "CPR/2019/1234", "tax-id": "P051234567X",
          "contact-name": "Amina Otieno", "email": "owner@harbour.example", "phone": "+254 700 000000",
          "country": "KE", "region": "Mombasa", "service-area": "Nyali, Bamburi", "expected-customers": 400,
          "tier": "basic", "scenario": "medium"}


class Signup(unittest.TestCase):
    @classmethod
    def setUpClass(cls):
        cls.tmp = TempDir()
        cls.sink = SmtpSink(maildir=os.path.join(cls.tmp.path, "maildir")).start()
        # The per-address rate is raised here so this class's tests never starve each other (they all
        # come from 127.0.0.1); SignupLimits checks the rate on a mgmtd of its own.
        cls.mgmt = Mgmtd(os.path.join(cls.tmp.path, "mgmt"),
                         {"mail": {"smtp-url": cls.sink.url, "from": "mgmt@platform.example"},
                          "signup": {"per-address-burst": 1000, "per-address-per-hour": 1000}}).start()
        global MGMT
        MGMT = cls.mgmt
        cls.url = f"https://127.0.0.1:{cls.mgmt.admin_port}"
        with open(os.path.join(cls.mgmt.data_dir, "admin-token")) as f:
            cls.platform = ["-H", "Authorization: Bearer " + f.read().strip()]

    @classmethod
    def tearDownClass(cls):
        cls.mgmt.stop()
        cls.sink.stop()
        cls.tmp.cleanup()

    def api(self, path, auth=(), data=None):
        code, body = curl(self.url + path, *auth, data=None if data is None else json.dumps(data))
        return code, (json.loads(body) if body.strip().startswith("{") or body.strip().startswith("[") else body)

    def test_signup_mail_link_provisioning_and_conversion(self):
        code, made = self.api("/api/v1/signup", data=SIGNUP)
        self.assertEqual(202, code, made)
        # The verification mail, delivered over SMTP, with its link.
        mail = self.sink.wait_for(lambda m: m["To"] == "owner@harbour.example" and "Confirm" in m["Subject"])[0]
        self.assertEqual("mgmt@platform.example", mail["From"])
        self.assertIn("Harbour Net", mail["Subject"])
        self.assertTrue(mail["Message-ID"].startswith("<outbox-"))
        self.assertIn("Harbour Net", html_of(mail))
        # The link opens the console's page for it (which verifies and shows the progress); its secret
        # works on the API's verify route too.
        link = re.search(r"(https://\S+/signup/verify\?token=([0-9a-f]+))", text_of(mail))
        self.assertTrue(link.group(1).startswith(self.url + "/signup/verify?token="), link.group(1))
        link = self.url + "/api/v1/signup/verify?token=" + link.group(2)
        # A mistyped link: 404, nothing made.
        code, _ = self.api("/api/v1/signup/verify?token=" + "0" * 40)
        self.assertEqual(404, code)
        code, verified = curl(link)
        self.assertEqual(200, code, verified)
        verified = json.loads(verified)
        job = verified["job"]
        # Progress through the API until done, the percent never going back.
        seen = []

        def done():
            c, j = self.api("/api/v1/signup/job?id=" + job)
            self.assertEqual(200, c, j)
            seen.append(j["percent"])
            return j if j["state"] in ("done", "failed") else None
        final = wait_for(done, timeout=120, what="provisioning")
        self.assertEqual("done", final["state"], final)
        self.assertEqual(100, final["percent"])
        self.assertEqual(sorted(seen), seen)
        self.assertEqual(["plans", "devices", "customers 1-250", "customers 251-500", "ready"],
                         [s["step"] for s in final["log"]])
        # The same link again: the same job.
        code, again = curl(link)
        self.assertEqual(job, json.loads(again)["job"])
        # The medium scenario's counts.
        tenant = verified["tenant-id"]
        code, shown = self.api("/api/v1/tenant-show?tenant=" + tenant, self.platform)
        self.assertEqual(200, code, shown)
        t = shown["data"]
        self.assertTrue(t["demo"])
        self.assertEqual((500, 5, 12), (t["subscribers"], t["plans"], t["devices"]))
        self.sink.wait_for(lambda m: m["To"] == "owner@harbour.example" and "is ready" in m["Subject"])

        # The prospect's own data, with a token of its tenant.
        code, tok = self.api("/api/v1/token-create", self.platform, {"tenant": tenant, "name": "owner"})
        self.assertEqual(200, code, tok)
        owner = ["-H", "Authorization: Bearer " + tok["data"]["token"]]
        code, r = self.api("/api/v1/plan-add", owner, {"name": "own-20", "down": "20M", "up": "5M"})
        self.assertEqual(200, code, r)
        code, r = self.api("/api/v1/subscriber-add", owner, {"username": "alice", "password": "pw-alice-1", "plan": "own-20"})
        self.assertEqual(200, code, r)
        # Another tenant's token cannot convert it.
        code, other = self.api("/api/v1/tenant-add", self.platform, {"name": "other", "tier": "basic"})
        code, otok = self.api("/api/v1/token-create", self.platform, {"tenant": "other", "name": "x"})
        stranger = ["-H", "Authorization: Bearer " + otok["data"]["token"]]
        convert = {"tenant": tenant, "tier": "basic", "billing-name": "Harbour Net Ltd",
                   "billing-email": "billing@harbour.example", "billing-address": "1 Beach Rd, Mombasa"}
        code, r = self.api("/api/v1/demo-convert", stranger, convert)
        self.assertIn(code, (403, 404), r)
        code, r = self.api("/api/v1/demo-convert", owner, dict(convert, **{"billing-email": "x"}))
        self.assertEqual(400, code, r)
        self.assertIn("billing-email", r["error"])
        code, r = self.api("/api/v1/demo-convert", owner, convert)
        self.assertEqual(200, code, r)
        code, shown = self.api("/api/v1/tenant-show?tenant=" + tenant, self.platform)
        t = shown["data"]
        self.assertFalse(t["demo"])
        self.assertEqual("basic", t["tier"])
        self.assertEqual((1, 1, 0), (t["subscribers"], t["plans"], t["devices"]))
        code, subs = self.api("/api/v1/subscriber-list?tenant=" + tenant, owner)
        self.assertEqual(["alice"], [s["username"] for s in subs["data"]], subs)
        code, usage = self.api("/api/v1/usage?tenant=" + tenant, owner)
        self.assertEqual(200, code, usage)
        self.assertEqual([], usage["data"])
        self.sink.wait_for(lambda m: m["To"] == "billing@harbour.example" and "basic" in m["Subject"])
        # The maildir the demo points people at has every message.
        self.assertGreaterEqual(len(os.listdir(os.path.join(self.tmp.path, "maildir", "new"))), 3)

    def test_tier_plugins_and_rate_per_token(self):
        # A free tenant's token: branding is the basic tier's plugin (403 naming it); its bucket holds
        # 10 requests, then 429 with Retry-After; a platform token is not limited.
        self.api("/api/v1/tenant-add", self.platform, {"name": "corner-cafe", "tier": "free"})
        code, tok = self.api("/api/v1/token-create", self.platform, {"tenant": "corner-cafe", "name": "pos"})
        self.assertEqual(200, code, tok)
        cafe = ["-H", "Authorization: Bearer " + tok["data"]["token"]]
        code, r = self.api("/api/v1/branding-set", cafe, {"display-name": "Corner Cafe"})
        self.assertEqual(403, code, r)
        self.assertIn("custom-branding plugin, which the basic tier and above have", r["error"])
        codes = [self.api("/api/v1/plan-list", cafe)[0] for _ in range(12)]
        self.assertIn(429, codes, codes)
        self.assertEqual(200, codes[0])
        first = codes.index(429)
        self.assertLessEqual(first, 10, codes)  # the branding call took one of the 10
        r = subprocess.run(["curl", "-sk", "-D", "-", "-o", "/dev/null", *cafe, self.url + "/api/v1/plan-list"],
                           capture_output=True, text=True, timeout=30)
        self.assertRegex(r.stdout, r"(?im)^retry-after: [0-9]+")
        self.assertTrue(all(self.api("/api/v1/tenant-list", self.platform)[0] == 200 for _ in range(15)))

    def test_provisioning_resumes_after_kill_9(self):
        # The enterprise scenario, mgmtd killed with SIGKILL in the middle of it: after a restart the
        # job carries on from its last committed step and the counts are exact (nothing doubled).
        code, _ = self.api("/api/v1/signup", data=dict(SIGNUP, email="big@isp.example", scenario="enterprise",
                                                         tier="enterprise", **{"business-name": "Big ISP"}))
        self.assertEqual(202, code)
        mail = self.sink.wait_for(lambda m: m["To"] == "big@isp.example")[0]
        token = re.search(r"https://\S+token=([0-9a-f]+)", text_of(mail)).group(1)
        job = json.loads(curl(self.url + "/api/v1/signup/verify?token=" + token)[1])["job"]
        midway = wait_for(lambda: (lambda j: j if j["steps-done"] >= 3 else None)(
            self.api("/api/v1/signup/job?id=" + job)[1]), timeout=60, what="some steps", interval=0.05)
        self.mgmt.stop(signal.SIGKILL)
        self.assertLess(midway["steps-done"], midway["steps-total"], "killed before the job was done")
        self.mgmt.start()
        final = wait_for(lambda: (lambda j: j if j["state"] in ("done", "failed") else None)(
            self.api("/api/v1/signup/job?id=" + job)[1]), timeout=120, what="provisioning after the restart")
        self.assertEqual("done", final["state"], final)
        steps = [s["step"] for s in final["log"]]
        self.assertEqual(len(steps), len(set(steps)), steps)  # every step once
        code, shown = self.api("/api/v1/tenant-show?tenant=" + urllib.parse.quote(final["tenant"]), self.platform)
        t = shown["data"]
        self.assertEqual((2000, 8, 40), (t["subscribers"], t["plans"], t["devices"]))

    def test_bad_bodies_name_their_field(self):
        for key, value in (("email", "nope"), ("country", "Kenya"), ("tier", "gold"), ("expected-customers", 0)):
            code, r = self.api("/api/v1/signup", data=dict(SIGNUP, **{key: value}))
            self.assertEqual(400, code, r)
            self.assertTrue(r["error"].startswith(key + ":"), r)
        code, r = self.api("/api/v1/signup", data=dict(SIGNUP, admin=True))
        self.assertEqual(400, code, r)
        code, body = curl(self.url + "/api/v1/signup", data="[" * 100 + "]" * 100)
        self.assertEqual(400, code, body)  # nested deeper than a signup is: refused by the parser
        self.assertIn("nested", json.loads(body)["error"])
        code, body = curl(self.url + "/api/v1/signup", data=json.dumps(dict(SIGNUP, region="x" * 20000)))
        self.assertEqual(413, code, body)


class SignupLimits(unittest.TestCase):
    """The public signup's abuse limits (ADR 0037) on a mgmtd of its own with small limits: unverified
    signups capped per client address, then the address's bucket empty, each refusal 429 with
    Retry-After and a JSON error, before anything is stored or mailed."""

    @classmethod
    def setUpClass(cls):
        cls.tmp = TempDir()
        cls.mgmt = Mgmtd(os.path.join(cls.tmp.path, "mgmt"),
                         {"signup": {"per-address-burst": 4, "per-address-per-hour": 1, "pending-per-address": 2}}).start()
        cls.url = f"https://127.0.0.1:{cls.mgmt.admin_port}"
        with open(os.path.join(cls.mgmt.data_dir, "admin-token")) as f:
            cls.platform = ["-H", "Authorization: Bearer " + f.read().strip()]

    @classmethod
    def tearDownClass(cls):
        cls.mgmt.stop()
        cls.tmp.cleanup()

    def post(self, body):
        """(status, headers text, JSON body) of one signup."""
        r = subprocess.run(["curl", "-sS", "-k", "-D", "-", "--max-time", "20", "-H", "Content-Type: application/json",
                            "--data-binary", body, self.url + "/api/v1/signup"],
                           capture_output=True, text=True, timeout=30)
        head, _, payload = r.stdout.replace("\r\n", "\n").partition("\n\n")
        status = int(head.split()[1]) if head.startswith("HTTP/") else 0
        self.assertNotEqual(0, status, f"no HTTP answer: {r.stderr!r}; log:\n{self.mgmt.read_log()[-3000:]}")
        return status, head, json.loads(payload) if payload.strip().startswith("{") else payload

    def signups(self):
        code, body = curl(self.url + "/api/v1/signup-list", *self.platform)
        self.assertEqual(200, code, body)
        return [s["email"] for s in json.loads(body)["data"]]

    def test_pending_cap_then_the_address_bucket(self):
        for email in ("one@limits.example", "two@limits.example"):
            status, _, r = self.post(json.dumps(dict(SIGNUP, email=email)))
            self.assertEqual(202, status, r)
        # Two signups from this address wait for their link: a third is refused, stored nowhere.
        status, head, r = self.post(json.dumps(dict(SIGNUP, email="three@limits.example")))
        self.assertEqual(429, status, r)
        self.assertIn("waiting for their email link", r["error"])
        self.assertEqual("rate-limited", r["code"])
        self.assertRegex(head, r"(?im)^retry-after: 3600$")
        self.assertEqual(sorted(["one@limits.example", "two@limits.example"]), sorted(self.signups()))
        # The fourth request takes the bucket's last token (and meets the cap again); the fifth finds
        # the bucket empty and is refused from its headers: even a body that is not JSON gets 429.
        status, _, r = self.post(json.dumps(dict(SIGNUP, email="four@limits.example")))
        self.assertEqual(429, status, r)
        self.assertIn("waiting for their email link", r["error"])
        status, head, r = self.post("not json at all")
        self.assertEqual(429, status, r)
        self.assertIn("too many signups from your address", r["error"])
        self.assertGreater(r["retry-after"], 3000)  # one an hour: about an hour to wait
        m = re.search(r"(?im)^retry-after: ([0-9]+)$", head)
        self.assertIsNotNone(m, head)
        self.assertEqual(r["retry-after"], int(m.group(1)))
        self.assertEqual(2, len(self.signups()))
        # The other public routes are not drawn from this bucket.
        code, _ = curl(self.url + "/api/v1/signup/job?id=j-nope")
        self.assertEqual(404, code)


if __name__ == "__main__":
    unittest.main()
