"""The technician UI's Sessions, Subscribers, subscriber, Overview and Gateway pages (issue 22) on a
real edged, over HTTPS as a browser would talk to it (cookie session, CSRF token from the page),
with real peers: accounting from two NAS addresses, Access-Requests (pyrad), and a fake NAS
(fake_nas.py) answering Disconnect/CoA with ACK or NAK. What each page shows is read from its HTML;
what a role may not do is refused by the server."""
import hashlib
import html
import http.cookiejar
import json
import os
import re
import socket
import ssl
import struct
import sys
import time
import unittest
import urllib.error
import urllib.parse
import urllib.request

sys.path.insert(0, os.path.dirname(__file__))
from edgelib import Edged, TempDir  # noqa: E402
import radius_peer as rp  # noqa: E402
from session_control_test import FakeNas  # noqa: E402
from radius_acct_test import SECRET  # noqa: E402 (the fake NAS's secret too)

VIEWER = ("vic", "vic viewer pw")
TECH = ("tess", "tess tech pw 1")


def acct(status, user, sid, ip, mac, counters=(0, 0, 0), pkt_id=1):
    """Accounting-Request (RFC 2866) with Framed-IP-Address and Calling-Station-Id, built by hand."""
    def attr(t, v):
        return bytes([t, 2 + len(v)]) + v
    inp, out, secs = counters
    a = attr(40, struct.pack("!I", status)) + attr(1, user.encode()) + attr(44, sid.encode())
    a += attr(5, struct.pack("!I", 3)) + attr(8, socket.inet_aton(ip)) + attr(31, mac.encode())
    a += attr(42, struct.pack("!I", inp)) + attr(43, struct.pack("!I", out)) + attr(46, struct.pack("!I", secs))
    header = struct.pack("!BBH", 4, pkt_id, 20 + len(a))
    return header + hashlib.md5(header + bytes(16) + a + SECRET).digest() + a


class Browser:
    """A signed-in person: cookie jar, CSRF token read from the pages, no redirects followed."""

    class _NoRedirect(urllib.request.HTTPRedirectHandler):
        def redirect_request(self, *args, **kwargs):
            return None

    def __init__(self, base):
        self.base = base
        ctx = ssl.create_default_context()
        ctx.check_hostname = False
        ctx.verify_mode = ssl.CERT_NONE
        self.jar = http.cookiejar.CookieJar()
        self.opener = urllib.request.build_opener(urllib.request.HTTPSHandler(context=ctx),
                                                  urllib.request.HTTPCookieProcessor(self.jar), self._NoRedirect())
        self.csrf = None

    def request(self, path, data=None):
        body = urllib.parse.urlencode(data).encode() if data is not None else None
        req = urllib.request.Request(self.base + path.lstrip("/"), data=body)
        t0 = time.monotonic()
        try:
            with self.opener.open(req, timeout=30) as r:
                status, text = r.status, r.read().decode()
        except urllib.error.HTTPError as e:
            status, text = e.code, e.read().decode()
        self.elapsed = time.monotonic() - t0
        m = re.search(r'name="csrf" value="([^"]+)"', text)
        if m:
            self.csrf = m.group(1)
        return status, text

    def get(self, path):
        return self.request(path)

    def post(self, path, **fields):
        fields.setdefault("csrf", self.csrf)
        return self.request(path, fields)

    def sign_in(self, user, password):
        self.get("/login")
        status, _ = self.post("/login", username=user, password=password)
        assert status == 303, status
        self.get("/")
        return self


def text_of(page):
    """The page as words: tags dropped, entities decoded, spaces squeezed."""
    return re.sub(r"\s+", " ", html.unescape(re.sub(r"<[^>]+>", " ", page)))


def table_users(page):
    """The usernames linked from a table's rows, in order."""
    return [urllib.parse.unquote(u) for u in re.findall(r'<tr><td><a href="/subscriber\?u=([^"]+)"', page)]


def table_sessions(page):
    """The Sessions table's rows as (username, address) pairs, in order: one per session (a user
    may have two, as user-007 does)."""
    return [(urllib.parse.unquote(u), ip) for u, ip in
            re.findall(r'<tr><td><a href="/subscriber\?u=([^"]+)">[^<]*</a></td><td>[^<]*</td><td>([^<]*)</td>', page)]


class WebUiPages(unittest.TestCase):
    @classmethod
    def setUpClass(cls):
        cls.tmp = TempDir()
        cls.edged = Edged(cls.tmp.path).start()
        ctl = cls.edged.ctl
        ctl("plan", "add", "--name", "home", "--down", "20M", "--up", "5M", "--data-quota", "50GB")
        ctl("nas", "add", "--name", "tower-b", "--address", "127.0.0.2", "--secret", SECRET.decode())
        # 60 users with a session each on 127.0.0.1 ("bras", added per test with its fake NAS's port)
        # and 12 on tower-b; user-007 has a MAC binding and two sessions.
        rows = "username,password,plan,mac\n" + "".join(
            f"user-{i:03d},pw-{i:03d},home,{'02:00:00:00:07:07' if i == 7 else ''}\n" for i in range(72))
        path = os.path.join(cls.tmp.path, "subs.csv")
        with open(path, "w") as f:
            f.write(rows)
        ctl("subscriber", "import", "--csv", path)
        for name, password, role in (VIEWER + ("viewer",), TECH + ("technician",)):
            ctl("user", "add", "--username", name, "--password", password, "--role", role)
        status = cls.edged.ctl_json("status")
        cls.ui = status["ui-url"]
        cls.auth_port, cls.acct_port = status["radius"]["auth-port"], status["radius"]["acct-port"]
        cls.nas = FakeNas(cls.tmp.path, "ack")
        cls.use_nas(cls.nas)
        for i in range(72):
            source = "127.0.0.1" if i < 60 else "127.0.0.2"
            r = rp.exchange(cls.acct_port, acct(1, f"user-{i:03d}", f"S-{i}", f"100.64.{i // 50}.{i % 50 + 1}",
                                                f"AA-BB-CC-00-{i // 256:02X}-{i % 256:02X}", pkt_id=i % 256), SECRET, source)
            assert r is not None and r.code == 5, i
        # user-005 moved the most data; user-007 has a second session.
        rp.exchange(cls.acct_port, acct(3, "user-005", "S-5", "100.64.0.6", "AA-BB-CC-00-00-05", (7000000, 90000000, 60),
                                        pkt_id=200), SECRET)
        rp.exchange(cls.acct_port, acct(1, "user-007", "S-7b", "100.64.9.9", "AA-BB-CC-00-00-77", pkt_id=201), SECRET)
        cls.viewer = Browser(cls.ui).sign_in(*VIEWER)
        cls.tech = Browser(cls.ui).sign_in(*TECH)

    @classmethod
    def use_nas(cls, nas):
        cls.edged.ctl("nas", "add", "--name", "bras", "--address", "127.0.0.1", "--secret", SECRET.decode(),
                      "--vendor", "mikrotik", "--coa-port", str(nas.port))

    @classmethod
    def tearDownClass(cls):
        cls.nas.stop()
        cls.edged.stop()
        cls.tmp.cleanup()

    # -- Sessions ---------------------------------------------------------------------------------

    def test_sessions_counts_pages_and_sorts(self):
        status, page = self.viewer.get("/sessions")
        self.assertEqual(status, 200)
        words = text_of(page)
        self.assertIn("73 sessions online", words)
        self.assertIn("Page 1 of 2", words)
        self.assertEqual(len(table_users(page)), 50)
        self.assertIn('aria-current="true">newest first</a>', page)
        # The NAS filter lists each NAS with its count.
        self.assertIn(">bras (61)</option>", page)
        self.assertIn(">tower-b (12)</option>", page)
        first = table_users(page)
        first_sessions = table_sessions(page)
        self.assertEqual(len(first_sessions), 50)
        status, page = self.viewer.get("/sessions?sort=started&page=2")
        self.assertIn("Page 2 of 2", text_of(page))
        self.assertEqual(len(table_users(page)), 23)
        # The next page's link carries the last row's key (keyset paging): the same 23 sessions.
        _, page1 = self.viewer.get("/sessions")
        nxt = html.unescape(re.search(r'<a href="([^"]+)" rel="next">', page1).group(1))
        self.assertIn("after=", nxt)
        status, keyed = self.viewer.get(nxt)
        self.assertEqual(status, 200)
        self.assertIn("Page 2 of 2", text_of(keyed))
        self.assertEqual(table_users(keyed), table_users(page))
        # No session on both pages (by session, not by user: user-007's two sessions may fall one on
        # each page, depending on the second each started in).
        self.assertEqual(len(table_sessions(keyed)), 23)
        self.assertEqual(set(table_sessions(keyed)) & set(first_sessions), set())
        self.assertNotIn('rel="next"', keyed)
        prev = html.unescape(re.search(r'<a href="([^"]+)" rel="prev">', keyed).group(1))
        _, back = self.viewer.get(prev)
        self.assertEqual(table_users(back), first)
        # A key that is not one is refused with the field's name, not a blank page.
        status, bad = self.viewer.get("/sessions?after=not-a-key&page=2")
        self.assertEqual(status, 400)
        self.assertIn("after: 'not-a-key' is not a page key", text_of(bad))
        _, page = self.viewer.get("/sessions?sort=bytes")
        self.assertEqual(table_users(page)[0], "user-005")
        _, page = self.viewer.get("/sessions?sort=user")
        self.assertEqual(table_users(page)[:3], ["user-000", "user-001", "user-002"])

    def test_sessions_filters_by_user_nas_address_and_mac(self):
        _, page = self.viewer.get("/sessions?user=USER-00")  # part of a name, any case
        self.assertIn("11 matching sessions", text_of(page))
        self.assertEqual(sorted(set(table_users(page))), [f"user-00{i}" for i in range(10)])
        _, page = self.viewer.get("/sessions?nas=tower-b")
        self.assertIn("12 matching sessions", text_of(page))
        self.assertEqual(sorted(table_users(page))[0], "user-060")
        _, page = self.viewer.get("/sessions?ip=100.64.1.")
        self.assertIn("22 matching sessions", text_of(page))  # user-050 .. user-071
        _, page = self.viewer.get("/sessions?mac=" + urllib.parse.quote("aa:bb:cc:00:00:0b"))
        self.assertEqual(table_users(page), ["user-011"])
        _, page = self.viewer.get("/sessions?user=nobody-here")
        self.assertIn("No live session matches", text_of(page))

    def test_disconnect_shows_the_nas_ack_and_nak_in_words(self):
        _, page = self.tech.get("/sessions?user=user-040")
        sid = re.search(r'name="id" value="([0-9a-f]+)"', page).group(1)
        status, page = self.tech.post("/sessions/disconnect", id=sid, user="user-040")
        self.assertEqual(status, 200, text_of(page)[:500])
        self.assertIn("user-040 on bras: the NAS acknowledged (ACK)", text_of(page))
        seen = self.nas.requests(at_least=1)[-1]
        self.assertEqual(seen["code_name"], "Disconnect-Request")
        self.assertEqual({a["name"]: a["value"] for a in seen["attributes"]}["User-Name"], "user-040")
        # The page comes back with the filter it had.
        self.assertIn('value="user-040"', page)
        nak = FakeNas(self.tmp.path, "nak", "--error-cause", "503")
        try:
            self.use_nas(nak)
            _, page = self.tech.get("/sessions?user=user-041")
            sid = re.search(r'name="id" value="([0-9a-f]+)"', page).group(1)
            status, page = self.tech.post("/sessions/coa", id=sid)
            self.assertIn("user-041 on bras: the NAS refused (NAK), Error-Cause: Session Context Not Found",
                          text_of(page))
            self.assertNotEqual(status, 200)
        finally:
            self.use_nas(self.nas)
            nak.stop()

    def test_a_viewer_cannot_disconnect(self):
        _, page = self.viewer.get("/sessions?user=user-042")
        self.assertNotIn("/sessions/disconnect", page)  # hidden ...
        _, tpage = self.tech.get("/sessions?user=user-042")
        sid = re.search(r'name="id" value="([0-9a-f]+)"', tpage).group(1)
        status, _ = self.viewer.post("/sessions/disconnect", id=sid)
        self.assertEqual(status, 403)  # ... and refused
        self.assertEqual(len([r for r in self.nas.requests() if "user-042" in json.dumps(r)]), 0)

    # -- Subscribers ------------------------------------------------------------------------------

    def test_search_as_you_type_finds_names_and_macs(self):
        status, part = self.viewer.get("/subscribers/results?q=USER-01")
        self.assertEqual(status, 200)
        self.assertNotIn("<html", part)  # a fragment for htmx
        self.assertEqual(table_users(part), [f"user-01{i}" for i in range(10)])
        self.assertIn("10 match", text_of(part))
        _, part = self.viewer.get("/subscribers/results?q=" + urllib.parse.quote("02-00-00-00-07"))
        self.assertEqual(table_users(part), ["user-007"])
        _, part = self.viewer.get("/subscribers/results?q=zzz")
        self.assertIn("No subscriber matches", text_of(part))
        _, page = self.viewer.get("/subscribers")
        self.assertIn("72 subscribers on this box", text_of(page))
        _, page = self.viewer.get("/subscribers?q=user")  # 72 matches: pages of 25
        self.assertEqual(len(table_users(page)), 25)
        self.assertIn("72 match", text_of(page))
        self.assertIn("offset=25", page)

    def test_subscriber_page_says_why_logins_were_refused(self):
        r = rp.exchange(self.auth_port, rp.access_request(SECRET, "user-020", "not-the-password",
                                                          Calling_Station_Id="AA-BB-CC-00-00-14")[0], SECRET)
        self.assertEqual(r.code, rp.ACCESS_REJECT)
        self.edged.ctl("subscriber", "set", "--username", "user-021", "--status", "suspended")
        r = rp.exchange(self.auth_port, rp.access_request(SECRET, "user-021", "pw-021")[0], SECRET)
        self.assertEqual(r.code, rp.ACCESS_REJECT)
        _, page = self.viewer.get("/subscriber?u=user-020")
        words = text_of(page)
        self.assertIn("Last refused logins", words)
        self.assertRegex(words, r"[Ww]rong password.*\(bad-password\) bras AA-BB-CC-00-00-14")
        _, page = self.viewer.get("/subscriber?u=user-021")
        self.assertIn("(suspended)", text_of(page))
        # Live sessions and the usage chart's data.
        _, page = self.viewer.get("/subscriber?u=user-005")
        self.assertIn('data-url="/subscriber/usage?u=user-005"', page)
        status, body = self.viewer.get("/subscriber/usage?u=user-005")
        self.assertEqual(status, 200)
        days = json.loads(body)
        self.assertEqual(len(days), 3)
        self.assertEqual(len(days[0]), 1)
        self.assertAlmostEqual(days[1][0], 90.0)  # down MB (output octets)
        self.assertAlmostEqual(days[2][0], 7.0)

    def test_unbind_mac_and_a_new_password_by_a_technician_only(self):
        status, _ = self.viewer.post("/subscriber/unbind", username="user-007")
        self.assertEqual(status, 403)
        status, _ = self.viewer.post("/subscriber/password", username="user-008", password="new-pw-008")
        self.assertEqual(status, 403)
        self.assertEqual(self.edged.ctl_json("subscriber", "show", "user-007")["mac"], "02:00:00:00:07:07")
        _, page = self.tech.get("/subscriber?u=user-007")
        self.assertIn("Unbind MAC 02:00:00:00:07:07", text_of(page))
        status, page = self.tech.post("/subscriber/unbind", username="user-007")
        self.assertEqual(status, 200)
        self.assertIn("user-007 is no longer bound to a MAC", text_of(page))
        self.assertEqual(self.edged.ctl_json("subscriber", "show", "user-007")["mac"], "")
        status, page = self.tech.post("/subscriber/password", username="user-008", password="")
        self.assertEqual(status, 400)
        self.assertIn("a new password, 1 to 128 characters", text_of(page))
        status, page = self.tech.post("/subscriber/password", username="user-008", password="new-pw-008")
        self.assertEqual(status, 200)
        self.assertIn("user-008 has a new password", text_of(page))
        r = rp.exchange(self.auth_port, rp.access_request(SECRET, "user-008", "new-pw-008")[0], SECRET)
        self.assertEqual(r.code, rp.ACCESS_ACCEPT)
        r = rp.exchange(self.auth_port, rp.access_request(SECRET, "user-008", "pw-008")[0], SECRET)
        self.assertEqual(r.code, rp.ACCESS_REJECT)
        events = "\n".join(e["detail"] for e in self.edged.ctl_json("events", "--limit", "200"))
        self.assertIn("tess (technician) from 127.0.0.1: subscriber-set username=user-008 password=(secret)", events)
        self.assertNotIn("new-pw-008", events)

    def test_the_voucher_form_takes_its_count_limits_from_the_command_spec(self):
        # voucher-generate declares count 1..10000: the form's input says so, and the server's
        # check next to the field uses the same numbers (before, the form had its own 1..1000).
        _, page = self.tech.get("/vouchers")
        self.assertRegex(page, r'<input[^>]*name="count"[^>]*max="10000"|<input[^>]*max="10000"[^>]*name="count"')
        status, page = self.tech.post("/vouchers/generate", plan="home", count="10001")
        self.assertEqual(status, 400)
        self.assertIn("a number from 1 to 10000", text_of(page))
        status, page = self.tech.post("/vouchers/generate", plan="home", count="1001")
        self.assertEqual(status, 200, text_of(page)[:400])
        listed = self.edged.ctl_json("voucher", "list", "--limit", "5000")
        self.assertEqual(len(listed), 1001, str(listed)[:300])

    # -- Overview and Gateway ---------------------------------------------------------------------

    def test_overview_health_versions_disk_and_the_management_plane(self):
        # The figures are the health monitor's (a tick every few seconds) read at most every 2 s: a
        # page right after the start may show the first reading.
        deadline = time.time() + 20
        while True:
            status, page = self.viewer.get("/")
            self.assertEqual(status, 200)
            words = text_of(page)
            if "Subscribers 72" in words and "not measured yet" not in words or time.time() > deadline:
                break
            time.sleep(0.5)
        for label in ("Health", "edged version", "Database schema", "Up for", "Disk (data)", "Subscribers 72",
                      "Reachable not enrolled (the box works alone)", "Last contact never", "License"):
            self.assertIn(label, words)
        self.assertRegex(words, r"Disk \(data\) \d+\.\d [KMGT]B free of \d+\.\d [KMGT]B \(\d+ %\)")
        status, part = self.viewer.get("/overview/live")
        self.assertEqual(status, 200)
        self.assertIn("Disk (data)", text_of(part))
        status, body = self.viewer.get("/overview/series")
        self.assertEqual(status, 200)
        self.assertEqual(len(json.loads(body)), 4)

    def test_no_gateway_page_without_the_gateway(self):
        _, page = self.viewer.get("/")
        self.assertNotIn('href="/gateway"', page)
        status, _ = self.viewer.get("/gateway")
        self.assertEqual(status, 404)
        r = self.edged.ctl("call", "gateway-clients", check=False)
        self.assertNotEqual(r.returncode, 0)
        self.assertIn("the gateway is not enabled", r.stdout + r.stderr)


if __name__ == "__main__":
    unittest.main(verbosity=2)
