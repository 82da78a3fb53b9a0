"""The technician web UI's own-account, settings, support bundle and events features (issue 22) on a
real edged over HTTPS, driven as a browser would (cookies, CSRF tokens from the pages):
- TOTP: enrollment on My account (on only after a code of the new secret), sign-in asks for the
  code, a code is not taken twice, wrong codes lock the account; `edgectl user set --totp`;
- own password change with the old password;
- Settings: the running config with secrets redacted for every role, reload refused to viewers and
  technicians by the server, a bad file's error shown next to the key it names;
- the support bundle (.tar.gz from the page and from `edgectl support-bundle --out`): unpacked, it
  holds the expected parts and no secret of this test anywhere;
- Events: filters, and "follow live" over server-sent events with the follower's filter applied.
TOTP codes are computed here independently (RFC 6238 with Python's hmac), not with the box's code."""
import base64
import hashlib
import hmac
import http.cookiejar
import io
import json
import os
import re
import ssl
import struct
import sys
import tarfile
import threading
import time
import unittest
import urllib.error
import urllib.parse
import urllib.request

sys.path.insert(0, os.path.dirname(__file__))
from edgelib import Edged, TempDir, write_config  # noqa: E402

NAS_SECRET = "nas-secret-Zq81"
COMMUNITY = "trap-community-Kx42"
ACCOUNTS = {"vic": ("vic viewer pw 1", "viewer"), "tess": ("tess tech pw 1", "technician"),
            "adam": ("adam admin pw 1", "admin"), "otto": ("otto totp pw 1", "technician"),
            "lock": ("lock totp pw 1", "viewer"), "pat": ("pat old password", "viewer"),
            "rooted": ("rooted pw 12345", "viewer")}
SUB_PASSWORD = "alice-sub-pw-77"


def totp(secret_b32, t=None, step=30):
    key = base64.b32decode(secret_b32 + "=" * (-len(secret_b32) % 8))
    counter = int((time.time() if t is None else t) // step)
    mac = hmac.new(key, struct.pack(">Q", counter), hashlib.sha1).digest()
    off = mac[-1] & 15
    return "%06d" % ((struct.unpack(">I", mac[off:off + 4])[0] & 0x7FFFFFFF) % 1000000)


class NoRedirect(urllib.request.HTTPRedirectHandler):
    def redirect_request(self, *args):
        return None


class Browser:
    """Cookies, the page's CSRF token, no redirects followed (the test reads them)."""

    def __init__(self, base):
        self.base = base
        ctx = ssl.create_default_context()
        ctx.check_hostname = False
        ctx.verify_mode = ssl.CERT_NONE  # the box's own certificate (its fingerprint is tested elsewhere)
        self.jar = http.cookiejar.CookieJar()
        self.opener = urllib.request.build_opener(urllib.request.HTTPSHandler(context=ctx),
                                                  urllib.request.HTTPCookieProcessor(self.jar), NoRedirect)
        self.csrf = ""

    def request(self, path, form=None, csrf=True, stream=False):
        data = None
        if form is not None:
            form = dict(form)
            if csrf:
                form["csrf"] = self.csrf
            data = urllib.parse.urlencode(form).encode()
        try:
            r = self.opener.open(self.base + path.lstrip("/"), data=data, timeout=20)
        except urllib.error.HTTPError as e:
            r = e
        if stream:
            return r
        body = r.read()
        ctype = r.headers.get("Content-Type", "")
        if ctype.startswith("text/html"):
            body = body.decode()
            m = re.search(r'name="csrf" value="([0-9a-f]+)"', body)
            if m:
                self.csrf = m.group(1)
        return r.status, r.headers, body

    def get(self, path):
        return self.request(path)

    def post(self, path, form, csrf=True):
        return self.request(path, form, csrf)

    def sign_in(self, user, password):
        self.get("/login")
        return self.post("/login", {"username": user, "password": password})


class WebUiAccount(unittest.TestCase):
    @classmethod
    def setUpClass(cls):
        cls.tmp = TempDir()
        cls.edged = Edged(cls.tmp.path, extra={"snmp": {"enabled": False, "trap-community": COMMUNITY}}).start()
        ctl = cls.edged.ctl
        ctl("nas", "add", "--name", "bras-1", "--address", "127.0.0.1", "--secret", NAS_SECRET)
        ctl("plan", "add", "--name", "home-20", "--down", "20M", "--up", "5M")
        ctl("subscriber", "add", "--username", "alice", "--password", SUB_PASSWORD, "--plan", "home-20")
        for user, (password, role) in ACCOUNTS.items():
            ctl("user", "add", "--username", user, "--password", password, "--role", role)
        cls.ui = cls.edged.ctl_json("status")["ui-url"]

    @classmethod
    def tearDownClass(cls):
        cls.edged.stop()
        cls.tmp.cleanup()

    def browser(self, user):
        b = Browser(self.ui)
        status, headers, _ = b.sign_in(user, ACCOUNTS[user][0])
        self.assertEqual((status, headers.get("Location")), (303, "/"), user)
        b.get("/account")
        return b

    # ---- TOTP ----

    def enroll(self, b):
        status, _, page = b.get("/account/totp")
        self.assertEqual(status, 200)
        self.assertIn("<svg", page)  # the QR code, inline
        secret = re.search(r'name="secret" value="([A-Z2-7]+)"', page).group(1)
        self.assertGreaterEqual(len(secret), 32)  # 160 bits
        status, _, page = b.post("/account/totp/enable", {"secret": secret, "code": "000000" if totp(secret) != "000000" else "111111"})
        self.assertEqual(status, 400, page)
        self.assertIn("does not match", page)
        status, _, page = b.post("/account/totp/enable", {"secret": secret, "code": totp(secret)})
        self.assertEqual(status, 200, page)
        self.assertIn("sign-in codes are on", page)
        self.assertNotIn(secret, page)  # never shown again
        return secret

    def test_totp_enrollment_sign_in_and_replay(self):
        b = self.browser("otto")
        secret = self.enroll(b)
        b.post("/logout", {})
        # The password alone opens nothing: the code page, and the pages still send to sign-in.
        b2 = Browser(self.ui)
        status, _, page = b2.sign_in("otto", ACCOUNTS["otto"][0])
        self.assertEqual(status, 200)
        self.assertIn('action="/login/code"', page)
        self.assertEqual(b2.get("/sessions")[0], 303)
        status, _, page = b2.post("/login/code", {"code": totp(secret, time.time() - 3600)})
        self.assertEqual(status, 401)
        # The next step's code (the enrollment used this one's).
        code = totp(secret, time.time() + 30)
        status, headers, _ = b2.post("/login/code", {"code": code})
        self.assertEqual((status, headers.get("Location")), (303, "/"))
        self.assertEqual(b2.get("/sessions")[0], 200)
        # Replay: the same code in another sign-in is refused.
        b3 = Browser(self.ui)
        b3.sign_in("otto", ACCOUNTS["otto"][0])
        self.assertEqual(b3.post("/login/code", {"code": code})[0], 401)
        # A code form without its CSRF token does nothing.
        self.assertEqual(b3.post("/login/code", {"code": totp(secret)}, csrf=False)[0], 403)
        # Turning it off needs the password.
        self.assertEqual(b2.get("/account")[0], 200)
        self.assertEqual(b2.post("/account/totp/disable", {"password": "wrong one"})[0], 403)
        status, _, page = b2.post("/account/totp/disable", {"password": ACCOUNTS["otto"][0]})
        self.assertEqual(status, 200)
        self.assertIn("sign-in codes are off", page)
        self.assertEqual(Browser(self.ui).sign_in("otto", ACCOUNTS["otto"][0])[0], 303)
        events = json.dumps(self.edged.ctl_json("events", "--limit", "200"))
        self.assertIn("otto (technician) from 127.0.0.1: account-totp action=enable", events)
        self.assertNotIn(secret, events)

    def test_wrong_codes_count_toward_the_lockout(self):
        secret = self.enroll(self.browser("lock"))
        b = Browser(self.ui)
        b.sign_in("lock", ACCOUNTS["lock"][0])
        statuses = [b.post("/login/code", {"code": totp(secret, time.time() + 7200 + 30 * i)})[0] for i in range(6)]
        self.assertEqual(statuses[:5], [401] * 5)  # five free failures, as for passwords
        self.assertEqual(statuses[5], 429)         # the sixth locks the account
        # Locked: even the password and the right code do not get in now.
        b2 = Browser(self.ui)
        status, _, page = b2.sign_in("lock", ACCOUNTS["lock"][0])
        self.assertEqual(status, 429)
        self.assertIn("locked", page)

    def test_totp_from_edgectl(self):
        out = self.edged.ctl("user", "set", "--username", "rooted", "--totp", "enable").stdout
        secret = re.search(r"secret\s+([A-Z2-7]+)", out).group(1)
        self.assertIn("otpauth://totp/edged:rooted?secret=" + secret, out)
        rows = {r["username"]: r for r in self.edged.ctl_json("user", "list")}
        self.assertEqual(rows["rooted"]["totp"], "on")
        self.assertNotIn(secret, json.dumps(rows))
        b = Browser(self.ui)
        self.assertEqual(b.sign_in("rooted", ACCOUNTS["rooted"][0])[0], 200)
        self.assertEqual(b.post("/login/code", {"code": totp(secret)})[0], 303)
        self.edged.ctl("user", "set", "--username", "rooted", "--totp", "disable")
        self.assertEqual(Browser(self.ui).sign_in("rooted", ACCOUNTS["rooted"][0])[0], 303)
        r = self.edged.ctl("user", "set", "--username", "rooted", "--totp", "sometimes", check=False)
        self.assertEqual(r.returncode, 1)

    # ---- own password ----

    def test_own_password_change_needs_the_old_one(self):
        b = self.browser("pat")
        status, _, page = b.post("/account/password", {"old-password": "not it at all", "new-password": "pat new password",
                                                       "repeat-password": "pat new password"})
        self.assertEqual(status, 403)
        self.assertRegex(page, r'id="acct-old-password-error"[^>]*>[^<]*not right')
        status, _, page = b.post("/account/password", {"old-password": ACCOUNTS["pat"][0], "new-password": "pat new password",
                                                       "repeat-password": "pat other"})
        self.assertEqual(status, 400)
        self.assertIn('id="acct-repeat-password-error"', page)
        status, _, page = b.post("/account/password", {"old-password": ACCOUNTS["pat"][0], "new-password": "pat new password",
                                                       "repeat-password": "pat new password"})
        self.assertEqual(status, 200, page)
        self.assertIn("your password is changed", page)
        self.assertEqual(b.get("/sessions")[0], 200)  # this browser got a new session
        self.assertEqual(Browser(self.ui).sign_in("pat", ACCOUNTS["pat"][0])[0], 401)
        self.assertEqual(Browser(self.ui).sign_in("pat", "pat new password")[0], 303)

    # ---- the Accounts page ----

    def account_row(self, page, user):
        m = re.search(r'<tr id="account-%s">(.*?)</tr>' % re.escape(user), page, re.S)
        self.assertIsNotNone(m, f"no row of {user}")
        return re.sub(r"<[^>]+>", "|", m.group(1))

    def test_accounts_page_is_the_admins_and_the_server_refuses_the_others(self):
        for user in ("vic", "tess"):
            b = self.browser(user)
            self.assertNotIn('href="/accounts"', b.get("/account")[2])  # not in their menu
            self.assertEqual(b.get("/accounts")[0], 403, user)
            self.assertEqual(b.get("/accounts/edit?u=vic")[0], 403, user)
            # Every form, with a valid CSRF token: refused by the server, and nothing changed.
            for path, form in (("/accounts/add", {"username": "sneaky", "role": "admin", "password": "sneaky pw 123",
                                                  "repeat-password": "sneaky pw 123"}),
                               ("/accounts/role", {"username": user, "role": "admin"}),
                               ("/accounts/password", {"username": "adam", "password": "taken over 1",
                                                      "repeat-password": "taken over 1"}),
                               ("/accounts/unlock", {"username": "lock"}),
                               ("/accounts/totp-off", {"username": "otto"}),
                               ("/accounts/delete", {"username": "adam", "confirm": "yes"})):
                self.assertEqual(b.post(path, form)[0], 403, (user, path))
        rows = {r["username"]: r for r in self.edged.ctl_json("user", "list")}
        self.assertNotIn("sneaky", rows)
        self.assertEqual(rows["adam"]["role"], "admin")
        self.assertEqual(Browser(self.ui).sign_in("adam", ACCOUNTS["adam"][0])[0], 303)
        events = json.dumps(self.edged.ctl_json("events", "--limit", "300"))
        self.assertIn("vic (viewer) from 127.0.0.1: user-add", events)
        self.assertNotIn("sneaky pw 123", events)
        # An admin's form without its CSRF token: 403 too.
        a = self.browser("adam")
        self.assertEqual(a.post("/accounts/add", {"username": "nocsrf", "role": "viewer", "password": "no csrf pw 1",
                                                  "repeat-password": "no csrf pw 1"}, csrf=False)[0], 403)
        self.assertNotIn("nocsrf", {r["username"] for r in self.edged.ctl_json("user", "list")})

    def test_an_admin_adds_changes_unlocks_and_deletes_an_account(self):
        a = self.browser("adam")
        status, _, page = a.get("/accounts")
        self.assertEqual(status, 200)
        self.assertIn('href="/accounts" aria-current="page"', page)
        self.assertIn("10 to 256 characters", page)  # the rules, before anything goes wrong
        self.assertIn("|adam|", self.account_row(page, "adam"))
        # Bad input: the message next to its field, nothing added.
        form = {"username": "bad name", "role": "technician", "password": "newbie pw 12", "repeat-password": "newbie pw 12"}
        status, _, page = a.post("/accounts/add", form)
        self.assertEqual(status, 400)
        self.assertRegex(page, r'id="add-username-error"[^>]*>an account name is 1 to 64')
        status, _, page = a.post("/accounts/add", dict(form, username="newbie", password="short", **{"repeat-password": "short"}))
        self.assertEqual(status, 400)
        self.assertRegex(page, r'id="add-password-error"[^>]*>[^<]*at least 10')
        status, _, page = a.post("/accounts/add", dict(form, username="newbie", **{"repeat-password": "other pw 12"}))
        self.assertEqual(status, 400)
        self.assertIn('id="add-repeat-password-error"', page)
        self.assertNotIn("newbie", {r["username"] for r in self.edged.ctl_json("user", "list")})
        status, _, page = a.post("/accounts/add", dict(form, username="newbie"))
        self.assertEqual(status, 200, page)
        self.assertIn("account newbie added (technician)", page)
        self.assertIn("never", self.account_row(page, "newbie"))
        self.assertEqual(a.post("/accounts/add", dict(form, username="newbie"))[0], 409)

        # Signs in: the list says when and from where.
        n = Browser(self.ui)
        self.assertEqual(n.sign_in("newbie", "newbie pw 12")[0], 303)
        row = self.account_row(a.get("/accounts")[2], "newbie")
        self.assertRegex(row, r"\d{4}-\d\d-\d\d \d\d:\d\d:\d\d UTC from 127\.0\.0\.1")
        self.assertIn("on this box", row)

        # A role change ends newbie's session.
        self.assertEqual(n.get("/sessions")[0], 200)
        status, _, page = a.post("/accounts/role", {"username": "newbie", "role": "viewer"})
        self.assertEqual(status, 200, page)
        self.assertIn("account newbie changed", page)
        self.assertIn("<dt>Role</dt><dd>viewer</dd>", page)  # newbie's role, not the admin's own
        self.assertIn("|viewer|", self.account_row(a.get("/accounts")[2], "newbie"))
        self.assertEqual(n.get("/sessions")[0], 303)
        # A reset password: rules next to the field; then the new one works, the old one not.
        status, _, page = a.post("/accounts/password", {"username": "newbie", "password": "tiny", "repeat-password": "tiny"})
        self.assertEqual(status, 400)
        self.assertRegex(page, r'id="edit-password-error"[^>]*>[^<]*at least 10')
        status, _, page = a.post("/accounts/password", {"username": "newbie", "password": "newbie pw 34",
                                                        "repeat-password": "newbie pw 34"})
        self.assertEqual(status, 200, page)
        self.assertEqual(Browser(self.ui).sign_in("newbie", "newbie pw 12")[0], 401)
        self.assertEqual(Browser(self.ui).sign_in("newbie", "newbie pw 34")[0], 303)

        # Locked out by wrong passwords: shown with its end; lifted by the admin; the right one works at once.
        statuses = [Browser(self.ui).sign_in("newbie", "wrong %d" % i)[0] for i in range(6)]
        self.assertEqual(statuses[-1], 429)
        status, _, page = a.get("/accounts/edit?u=newbie")
        self.assertEqual(status, 200)
        self.assertRegex(page, r"until \d{4}-\d\d-\d\d \d\d:\d\d:\d\d UTC \(after failed sign-ins\)")
        self.assertIn('action="/accounts/unlock"', page)
        self.assertEqual(Browser(self.ui).sign_in("newbie", "newbie pw 34")[0], 429)
        status, _, page = a.post("/accounts/unlock", {"username": "newbie"})
        self.assertEqual(status, 200, page)
        self.assertIn("may sign in again", page)
        self.assertNotIn('action="/accounts/unlock"', page)
        self.assertEqual(Browser(self.ui).sign_in("newbie", "newbie pw 34")[0], 303)

        # Sign-in code turned off by the admin (a lost phone).
        self.edged.ctl("user", "set", "--username", "newbie", "--totp", "enable")
        status, _, page = a.get("/accounts/edit?u=newbie")
        self.assertIn('action="/accounts/totp-off"', page)
        status, _, page = a.post("/accounts/totp-off", {"username": "newbie"})
        self.assertEqual(status, 200, page)
        self.assertIn("sign-in codes are off", page)
        self.assertEqual(Browser(self.ui).sign_in("newbie", "newbie pw 34")[0], 303)  # no code asked

        # Delete: only with the box ticked.
        status, _, page = a.post("/accounts/delete", {"username": "newbie"})
        self.assertEqual(status, 400)
        self.assertIn('id="delete-confirm-error"', page)
        status, _, page = a.post("/accounts/delete", {"username": "newbie", "confirm": "yes"})
        self.assertEqual(status, 200, page)
        self.assertIn("account newbie deleted", page)
        self.assertNotIn('id="account-newbie"', page)
        self.assertEqual(Browser(self.ui).sign_in("newbie", "newbie pw 34")[0], 401)
        events = "\n".join(e["detail"] for e in self.edged.ctl_json("events", "--limit", "300"))
        for what in ("user-add", "user-set", "user-unlock", "user-del"):
            self.assertIn("adam (admin) from 127.0.0.1: " + what + " ", events)
        self.assertNotIn("newbie pw 34", events)

    def test_the_last_admin_is_neither_demoted_nor_deleted(self):
        a = self.browser("adam")
        status, _, page = a.post("/accounts/role", {"username": "adam", "role": "technician"})
        self.assertEqual(status, 409)
        self.assertRegex(page, r'id="edit-role-error"[^>]*>account &#39;adam&#39; is the last admin')
        status, _, page = a.post("/accounts/delete", {"username": "adam", "confirm": "yes"})
        self.assertEqual(status, 409)
        self.assertIn("is the last admin", page)
        r = self.edged.ctl("user", "del", "adam", check=False)  # root's edgectl keeps one too
        self.assertEqual(r.returncode, 1)
        self.assertIn("last admin", r.stdout + r.stderr)
        self.assertEqual({u["username"]: u["role"] for u in self.edged.ctl_json("user", "list")}["adam"], "admin")
        self.assertEqual(a.get("/accounts")[0], 200)  # still signed in, still admin

    # ---- settings ----

    def test_settings_read_only_for_viewers_and_technicians_reload_errors_name_the_key(self):
        for user in ("vic", "tess"):
            b = self.browser(user)
            status, _, page = b.get("/settings")
            self.assertEqual(status, 200)
            self.assertIn("radius.threads", page)
            self.assertIn("(redacted)", page)
            self.assertNotIn(COMMUNITY, page)
            self.assertNotIn('action="/settings/reload"', page)
            # The server refuses, not only the missing button.
            self.assertEqual(b.post("/settings/reload", {})[0], 403, user)
        b = self.browser("adam")
        status, _, page = b.get("/settings")
        self.assertIn('action="/settings/reload"', page)
        with open(self.edged.config) as f:
            original = f.read()
        try:
            config = json.loads(original.split("\n", 1)[1])
            # Out of range, then a key that only a restart may change: each message sits in its key's row.
            for threads, words in ((999, "999 is out of range 0..256"), (2, "cannot change while edged runs")):
                config["radius"]["threads"] = threads
                with open(self.edged.config, "w") as f:
                    json.dump(config, f)
                status, _, page = b.post("/settings/reload", {})
                self.assertEqual(status, 400)
                row = re.search(r'<tr id="key-radius\.threads" class="invalid">.*?</tr>', page, re.S)
                self.assertIsNotNone(row, page)
                self.assertIn("radius.threads", row.group(0))
                self.assertIn(words, row.group(0))
                self.assertEqual(page.count('class="invalid"'), 1)
                self.assertIn("the running configuration was kept", page)
        finally:
            with open(self.edged.config, "w") as f:
                f.write(original)
        status, _, page = b.post("/settings/reload", {})
        self.assertEqual(status, 200)
        self.assertIn("configuration reloaded", page)

    # ---- support bundle ----

    def check_bundle(self, data):
        secrets = [NAS_SECRET, COMMUNITY, SUB_PASSWORD] + [p for p, _ in ACCOUNTS.values()]
        names = {}
        with tarfile.open(fileobj=io.BytesIO(data), mode="r:gz") as tar:
            for m in tar.getmembers():
                self.assertTrue(m.isfile(), m.name)
                content = tar.extractfile(m).read().decode(errors="replace")
                names[m.name.split("/", 1)[1]] = content
                for s in secrets:
                    self.assertNotIn(s, content, f"{s} in {m.name}")
                self.assertNotIn("argon2", content, m.name)
        for part in ("status.json", "stats.json", "config.json", "events.json", "license.json", "sync.json", "nas.json",
                     "accounts.json", "metrics.txt", "versions.txt"):
            self.assertIn(part, names)
        config = json.loads(names["config.json"])
        self.assertEqual(config["answer"]["snmp"]["trap-community"], "(redacted)")
        self.assertIn("edged ", names["versions.txt"])
        self.assertIn("edged_control_commands_total", names["metrics.txt"])
        self.assertIn("bras-1", names["nas.json"])
        return names

    def test_support_bundle_from_the_page_and_edgectl_holds_no_secret(self):
        self.assertEqual(self.browser("vic").get("/support/bundle")[0], 403)
        b = self.browser("tess")
        status, headers, body = b.get("/support/bundle")
        self.assertEqual(status, 200)
        self.assertEqual(headers.get("Content-Type"), "application/gzip")
        self.assertRegex(headers.get("Content-Disposition"), r'attachment; filename="edged-support-\d{8}T\d{6}\.tar\.gz"')
        self.check_bundle(body)
        out = os.path.join(self.tmp.path, "bundle.tar.gz")
        r = self.edged.ctl("support-bundle", "--out", out)
        self.assertIn("written to " + out, r.stdout)
        self.assertEqual(os.stat(out).st_mode & 0o777, 0o600)
        with open(out, "rb") as f:
            names = self.check_bundle(f.read())
        self.assertIn("ui-support-bundle", names["events.json"])  # the page's download was recorded

    # ---- events ----

    def test_event_filters(self):
        b = self.browser("vic")
        status, _, page = b.get("/events?kind=ui-login")
        self.assertEqual(status, 200)
        kinds = re.findall(r"<tr data-id=\"\d+\"><td>[^<]*</td><td>([^<]*)</td>", page)
        self.assertTrue(kinds)
        self.assertEqual(set(kinds), {"ui-login"})
        status, _, page = b.get("/events?kind=ui-*&q=VIC")
        kinds = re.findall(r"<tr data-id=\"\d+\"><td>[^<]*</td><td>([^<]*)</td><td>([^<]*)</td>", page)
        self.assertTrue(kinds)
        for kind, detail in kinds:
            self.assertTrue(kind.startswith("ui-"))
            self.assertIn("vic", detail.lower())
        status, _, page = b.get("/events?since=2999-01-01T00:00")
        self.assertIn("No event matches.", page)
        self.assertNotIn("<tr data-id=", page)
        status, _, page = b.get("/events?since=last+tuesday")
        self.assertEqual(status, 400)
        self.assertRegex(page, r'id="f-since-error"[^>]*>since must be a time')

    def test_follow_live_sends_new_events_that_match(self):
        b = self.browser("vic")
        status, _, page = b.get("/events?kind=config-reloaded")
        url = re.search(r'data-url="([^"]+)"', page).group(1).replace("&amp;", "&")
        self.assertIn("kind=config-reloaded", url)
        r = b.request(url, stream=True)
        self.assertEqual(r.status, 200)
        self.assertTrue(r.headers.get("Content-Type").startswith("text/event-stream"))
        got = []

        def read():
            try:
                while True:
                    line = r.readline().decode()
                    if not line:
                        return
                    got.append(line)
                    if line.startswith("data:") and "config-reloaded" in line:
                        return
            except Exception as e:  # noqa: BLE001: the socket closes at the end of the test
                got.append("error " + str(e))
        t = threading.Thread(target=read, daemon=True)
        t.start()
        time.sleep(1.5)
        # An event the filter leaves out, then one it takes.
        Browser(self.ui).sign_in("vic", ACCOUNTS["vic"][0])
        time.sleep(1.5)
        self.edged.ctl("config-reload")
        t.join(timeout=15)
        r.close()
        text = "".join(got)
        self.assertIn("event: event", text)
        self.assertRegex(text, r"data: <tr data-id=\"\d+\"><td>[^<]+</td><td>config-reloaded</td>")
        self.assertNotIn("ui-login", text)


if __name__ == "__main__":
    unittest.main()
