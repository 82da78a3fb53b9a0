"""The technician's diagnostics (issue 22) on a real edged, through edgectl and the web UI:
- RADIUS test login: a real Access-Request to edged's auth port from the loopback NAS 'diagnostics';
  Accept with the reply attributes, Reject with the reason in words (PAP and CHAP);
- NAS probe: Status-Server answered (edged's own auth port stands in for a NAS that supports RFC 5997),
  the Disconnect probe answered by a fake NAS (tests/integration/fake_nas.py) with a NAK, a NAS
  signing with another secret, a silent one;
- ping and DNS as supervised children, their output streamed to the page over server-sent events;
  targets validated; one run per person; closing the page stops the run (its tcpdump is gone);
- a RADIUS capture while radclient sends a request, downloaded from the page as .pcap and read back
  with tcpdump -r; the same from edgectl;
- the TLS check against an openssl s_server: subject, issuer, expiry and the SHA-256 fingerprint
  openssl itself prints;
- a viewer is refused every diagnostics action by the server (403), not only by the page."""
import http.cookiejar
import json
import os
import re
import socket
import ssl
import struct
import subprocess
import sys
import time
import unittest
import urllib.error
import urllib.parse
import urllib.request

sys.path.insert(0, os.path.dirname(__file__))
from edgelib import Edged, TempDir, check, wait_for  # noqa: E402

SECRET = "diag-test-secret-4411"
ACCOUNTS = {"vic": ("vic viewer pw 1", "viewer"), "tess": ("tess tech pw 1", "technician"),
            "tom": ("tom tech pw 12", "technician"), "adam": ("adam admin pw 1", "admin")}


class NoRedirect(urllib.request.HTTPRedirectHandler):
    def redirect_request(self, *args):
        return None


class Browser:
    """Cookies, the page's CSRF token, no redirects followed."""

    def __init__(self, base):
        self.base = base
        ctx = ssl.create_default_context()
        ctx.check_hostname = False
        ctx.verify_mode = ssl.CERT_NONE  # the box's own certificate (its fingerprint is webui_test's)
        self.jar = http.cookiejar.CookieJar()
        self.opener = urllib.request.build_opener(urllib.request.HTTPSHandler(context=ctx),
                                                  urllib.request.HTTPCookieProcessor(self.jar), NoRedirect)
        self.csrf = ""

    def request(self, path, form=None, stream=False, timeout=30):
        data = None
        if form is not None:
            form = dict(form, csrf=self.csrf)
            data = urllib.parse.urlencode(form).encode()
        try:
            r = self.opener.open(self.base + path.lstrip("/"), data=data, timeout=timeout)
        except urllib.error.HTTPError as e:
            r = e
        if stream:
            return r
        body = r.read()
        if r.headers.get("Content-Type", "").startswith("text/html"):
            body = body.decode()
            m = re.search(r'name="csrf" value="([0-9a-f]+)"', body)
            if m:
                self.csrf = m.group(1)
        return r.status, r.headers, body

    def sign_in(self, user):
        self.request("/login")
        status, headers, _ = self.request("/login", {"username": user, "password": ACCOUNTS[user][0]})
        check(status == 303, f"{user} could not sign in: {status}")
        self.request("/diagnostics")
        return self


def sse_events(response, until="end", timeout=60):
    """(event, data) pairs of a text/event-stream response, up to the first `until` event."""
    events, event, data = [], "message", []
    deadline = time.time() + timeout
    while time.time() < deadline:
        line = response.readline()
        if not line:
            break
        line = line.decode().rstrip("\r\n")
        if line == "":
            if data:
                events.append((event, "\n".join(data)))
                if event == until:
                    return events
            event, data = "message", []
        elif line.startswith("event:"):
            event = line[6:].strip()
        elif line.startswith("data:"):
            data.append(line[5:].lstrip(" ") if line[5:6] == " " else line[5:])
    return events


def radclient(port, lines, kind="auth"):
    r = subprocess.run(["radclient", "-r", "1", "-t", "2", f"127.0.0.1:{port}", kind, SECRET],
                       input="\n".join(lines) + "\n", capture_output=True, text=True, timeout=20)
    return r.stdout + r.stderr


class FakeNas:
    def __init__(self, root, address, mode, secret=SECRET):
        self.log = os.path.join(root, f"nas-{mode}-{time.time_ns()}.log")
        ready = self.log + ".ready"
        self.proc = subprocess.Popen(["/usr/bin/python3", os.path.join(os.path.dirname(__file__), "fake_nas.py"),
                                      "--address", address, "--port", "0", "--secret", secret, "--log", self.log,
                                      "--ready-file", ready, "--mode", mode])
        deadline = time.time() + 10
        while not os.path.exists(ready):
            check(time.time() < deadline, "fake NAS did not start")
            time.sleep(0.05)
        with open(ready) as f:
            self.port = json.load(f)["port"]

    def entries(self):
        if not os.path.exists(self.log):
            return []
        with open(self.log) as f:
            return [json.loads(line) for line in f if line.strip()]

    def stop(self):
        self.proc.terminate()
        self.proc.wait(timeout=10)


class Diagnostics(unittest.TestCase):
    @classmethod
    def setUpClass(cls):
        cls.tmp = TempDir()
        cls.edged = Edged(cls.tmp.path).start()
        ctl = cls.edged.ctl
        # The control socket answers before the UI's listener is up: wait for its URL and port.
        wait_for(lambda: cls.edged.ctl_json("status")["ui-url"], what="the technician UI's URL")
        status = cls.edged.ctl_json("status")
        cls.auth, cls.acct = status["radius"]["auth-port"], status["radius"]["acct-port"]
        cls.ui = status["ui-url"]
        port = int(cls.ui.rstrip("/").rsplit(":", 1)[1])
        wait_for(lambda: socket.socket().connect_ex(("127.0.0.1", port)) == 0, what="the UI's port")
        # bras-1's CoA port is edged's own auth port: a NAS that answers Status-Server (RFC 5997).
        ctl("nas", "add", "--name", "bras-1", "--address", "127.0.0.1", "--secret", SECRET, "--vendor", "mikrotik",
            "--coa-port", str(cls.auth))
        ctl("plan", "add", "--name", "home-20", "--down", "20M", "--up", "5M", "--session-timeout", "3600")
        ctl("subscriber", "add", "--username", "alice", "--password", "alice-secret", "--plan", "home-20")
        ctl("subscriber", "add", "--username", "sam", "--password", "sam-secret", "--plan", "home-20",
            "--status", "suspended")
        for user, (password, role) in ACCOUNTS.items():
            ctl("user", "add", "--username", user, "--password", password, "--role", role)

    @classmethod
    def tearDownClass(cls):
        cls.edged.stop()
        cls.tmp.cleanup()

    def ctl(self, *args):
        return self.edged.ctl(*args, check=False)

    # ---- RADIUS test login ----

    def test_login_accept_shows_the_reply_attributes(self):
        for method in ("pap", "chap"):
            r = self.ctl("radius", "test-login", "--username", "alice", "--password", "alice-secret", "--method", method)
            self.assertEqual(r.returncode, 0, r.stdout + r.stderr)
            self.assertIn("Access-Accept for alice", r.stdout)
            self.assertIn('Session-Timeout = 3600', r.stdout)
            self.assertIn("Message-Authenticator (verified)", r.stdout)
        j = self.edged.ctl_json("radius", "test-login", "--username", "alice", "--password", "alice-secret")
        self.assertEqual(j["result"], "accept")
        self.assertIn("Session-Timeout = 3600", j["attributes"])
        # It went through the real server path, as the NAS 'diagnostics' (the server's own counters).
        stats = self.edged.ctl_json("stats")
        self.assertIn("diagnostics", json.dumps(stats))

    def test_login_reject_gives_the_reason_in_words(self):
        cases = [("alice", "wrong", "Wrong password"), ("nobody", "x", "Unknown user"),
                 ("sam", "sam-secret", "Account suspended")]
        for user, password, reason in cases:
            for method in ("pap", "chap"):
                j = self.edged.ctl_json("radius", "test-login", "--username", user, "--password", password,
                                        "--method", method)
                self.assertEqual(j["result"], "reject", (user, method))
                self.assertEqual(j["reason-text"], reason, (user, method))
                r = self.ctl("radius", "test-login", "--username", user, "--password", password, "--method", method)
                self.assertIn("reason: " + reason, r.stdout)

    # ---- NAS probe ----

    def test_probe_status_server_answered(self):
        j = self.edged.ctl_json("nas", "probe", "bras-1")
        self.assertTrue(j["answered"], j)
        self.assertEqual(j["probe"], "status-server")
        self.assertEqual(j["reply"], "Access-Accept")
        self.assertGreater(j["rtt-ms"], 0)

    def test_probe_falls_back_to_a_disconnect_for_a_made_up_session(self):
        nas = FakeNas(self.tmp.path, "127.0.0.3", "nak")
        try:
            self.edged.ctl("nas", "add", "--name", "nas-nak", "--address", "127.0.0.3", "--secret", SECRET,
                           "--coa-port", str(nas.port))
            r = self.ctl("nas", "probe", "nas-nak")
            self.assertEqual(r.returncode, 0, r.stdout + r.stderr)
            self.assertIn("Disconnect-NAK (Session Context Not Found)", r.stdout)
            self.assertIn("verifies with the shared secret", r.stdout)
            seen = nas.entries()
            codes = [e.get("code") for e in seen]
            self.assertEqual(codes.count(12), 2, seen)  # Status-Server twice, ignored by this NAS
            disconnects = [e for e in seen if e.get("code") == 40]
            self.assertEqual(len(disconnects), 1)
            self.assertEqual(disconnects[0]["message_authenticator"], "valid")
            names = {a["name"]: a["value"] for a in disconnects[0]["attributes"] if "name" in a}
            self.assertTrue(names["User-Name"].startswith("edged-probe-"), names)
        finally:
            nas.stop()

    def test_probe_tells_a_wrong_secret_and_a_silent_nas(self):
        wrong = FakeNas(self.tmp.path, "127.0.0.4", "bad-authenticator")
        silent = FakeNas(self.tmp.path, "127.0.0.5", "silent")
        try:
            self.edged.ctl("nas", "add", "--name", "nas-wrong", "--address", "127.0.0.4", "--secret", SECRET,
                           "--coa-port", str(wrong.port))
            self.edged.ctl("nas", "add", "--name", "nas-silent", "--address", "127.0.0.5", "--secret", SECRET,
                           "--coa-port", str(silent.port))
            r = self.ctl("nas", "probe", "nas-wrong")
            self.assertEqual(r.returncode, 3, r.stdout + r.stderr)
            self.assertIn("shared secrets on the NAS and on this box differ", r.stdout + r.stderr)
            r = self.ctl("nas", "probe", "nas-silent")
            self.assertEqual(r.returncode, 3, r.stdout + r.stderr)
            self.assertIn("did not answer", r.stdout + r.stderr)
            self.assertIn("proves nothing", r.stdout + r.stderr)
            r = self.ctl("nas", "probe", "no-such-nas")
            self.assertEqual(r.returncode, 1)
        finally:
            wrong.stop()
            silent.stop()

    def test_probe_from_the_nas_page(self):
        b = Browser(self.ui).sign_in("tess")
        status, _, page = b.request("/nas")
        self.assertEqual(status, 200)
        self.assertIn('action="/diagnostics/nas-probe"', page)
        self.assertIn("Test CoA port", page)
        self.assertNotIn('action="/nas/delete"', page)  # a technician may test, not delete
        status, _, page = b.request("/diagnostics/nas-probe", {"name": "bras-1"})
        self.assertEqual(status, 200, page)
        self.assertIn("<strong>Answered.</strong>", page)
        self.assertIn("answered the Status-Server", page)
        viewer = Browser(self.ui).sign_in("vic")
        self.assertNotIn('action="/diagnostics/nas-probe"', viewer.request("/nas")[2])

    # ---- runs ----

    def test_ping_from_edgectl_waits_for_its_output(self):
        r = self.ctl("diag", "ping", "127.0.0.1")
        self.assertEqual(r.returncode, 0, r.stdout + r.stderr)
        self.assertIn("5 packets transmitted, 5 received", r.stdout)
        self.assertIn("ping exited with status 0", r.stdout)
        for bad in ("-c1", "--help", "a;id", "$(id)", "a b"):
            r = self.edged.ctl("call", "diag-ping", json.dumps({"target": bad}), check=False)
            self.assertEqual(r.returncode, 1, bad)
            self.assertIn("host name or an IP address", r.stdout + r.stderr, bad)

    def test_dns_lookup_runs_dig(self):
        r = self.ctl("diag", "dns", "localhost", "--type", "A")
        self.assertIn("<<>> DiG", r.stdout)
        self.assertIn("dns exited with status", r.stdout)
        r = self.edged.ctl("call", "diag-dns", json.dumps({"target": "example.com", "type": "ANY; rm"}), check=False)
        self.assertEqual(r.returncode, 1)

    def test_ping_streamed_to_the_page(self):
        b = Browser(self.ui).sign_in("tess")
        status, _, page = b.request("/diagnostics/run", {"tool": "ping", "target": "127.0.0.1"})
        self.assertEqual(status, 200, page)
        stream = re.search(r'data-stream="([^"]+)"', page).group(1).replace("&amp;", "&")
        r = b.request(stream, stream=True)
        self.assertEqual(r.status, 200)
        self.assertTrue(r.headers["Content-Type"].startswith("text/event-stream"))
        events = sse_events(r)
        lines = [d for e, d in events if e == "line"]
        self.assertTrue(any(l.startswith("64 bytes from 127.0.0.1") for l in lines), lines)
        self.assertEqual(events[-1], ("end", "exited with status 0"))
        # Someone else cannot follow tess's run.
        other = Browser(self.ui).sign_in("adam")
        status, _, _ = other.request(stream)
        self.assertEqual(status, 404)
        # A bad target is the field's error, and nothing runs.
        status, _, page = b.request("/diagnostics/run", {"tool": "ping", "target": "-f"})
        self.assertEqual(status, 400)
        self.assertIn('aria-invalid="true"', page)
        self.assertIn("cannot start with", page)

    def test_one_run_at_a_time_and_leaving_the_page_stops_it(self):
        b = Browser(self.ui).sign_in("tom")
        # A 30 s capture runs for 30 s whatever the network does (a traceroute's length depends on it).
        started = time.time()
        status, _, page = b.request("/diagnostics/run", {"tool": "capture", "seconds": "30"})
        self.assertEqual(status, 200, page)
        stream = re.search(r'data-stream="([^"]+)"', page).group(1)
        r = b.request(stream, stream=True)
        first = sse_events(r, until="line", timeout=30)
        self.assertTrue(any(e == "line" and d.startswith("capturing for 30 s: udp and ( port") for e, d in first), first)
        status, _, page = b.request("/diagnostics/run", {"tool": "ping", "target": "127.0.0.1"})
        self.assertEqual(status, 409, page)
        self.assertIn("still running", page)
        # The line is written as the capture starts; tcpdump may still be on its way (exec) on a busy machine.
        wait_for(lambda: self.children("tcpdump"), 10, "tcpdump running as edged's child")
        r.close()  # the page goes away
        deadline = started + 25  # well before the capture's own end at 30 s
        while self.children("tcpdump") and time.time() < deadline:
            time.sleep(0.2)
        self.assertFalse(self.children("tcpdump"), "the capture outlived its page")
        status, _, page = b.request("/diagnostics/run", {"tool": "ping", "target": "127.0.0.1"})
        self.assertEqual(status, 200, page)
        stream = re.search(r'data-stream="([^"]+)"', page).group(1)
        self.assertEqual(sse_events(b.request(stream, stream=True))[-1], ("end", "exited with status 0"))

    def children(self, name):
        out = subprocess.run(["ps", "-o", "pid=,comm=", "--ppid", str(self.edged.proc.pid)], capture_output=True,
                             text=True).stdout
        return [l for l in out.splitlines() if name in l]

    def test_capture_while_radclient_sends_downloaded_as_pcap(self):
        b = Browser(self.ui).sign_in("adam")
        status, _, page = b.request("/diagnostics/run", {"tool": "capture", "seconds": "4"})
        self.assertEqual(status, 200, page)
        stream = re.search(r'data-stream="([^"]+)"', page).group(1)
        download = re.search(r'data-download="([^"]+)"', page).group(1)
        r = b.request(stream, stream=True)
        # tcpdump's own "listening on" (its standard error, streamed to the page) says it captures:
        # the request is sent after it, however long tcpdump takes to start on a busy machine.
        got = []
        while not any(e == "line" and "listening on" in d for e, d in got):
            more = sse_events(r, until="line", timeout=30)
            self.assertTrue(more and more[-1][0] == "line", f"no 'listening on' from tcpdump: {got + more}")
            got += more
        out = radclient(self.auth, ['User-Name = "alice"', 'User-Password = "alice-secret"', "Message-Authenticator = 0x00"])
        self.assertIn("Access-Accept", out)
        got += sse_events(r, timeout=60)
        self.assertEqual(got[-1][0], "end", got)
        self.assertRegex(got[-1][1], r"^captured \d+ packets")
        status, headers, pcap = b.request(download)
        self.assertEqual(status, 200)
        self.assertEqual(headers["Content-Type"], "application/vnd.tcpdump.pcap")
        self.assertIn("attachment", headers["Content-Disposition"])
        magic = struct.unpack("<I", pcap[:4])[0]
        self.assertIn(magic, (0xa1b2c3d4, 0xa1b23c4d))
        path = os.path.join(self.tmp.path, "got.pcap")
        with open(path, "wb") as f:
            f.write(pcap)
        # The test's ports are not RADIUS's well-known ones: -T radius makes tcpdump decode them as RADIUS.
        text = subprocess.run(["tcpdump", "-n", "-T", "radius", "-r", path], capture_output=True, text=True).stdout
        self.assertIn(f"> 127.0.0.1.{self.auth}: RADIUS, Access-Request", text)
        self.assertIn("RADIUS, Access-Accept", text)
        self.assertNotIn("ICMP", text)  # the fixed filter: RADIUS ports only
        # Not for another person.
        other = Browser(self.ui).sign_in("tess")
        self.assertEqual(other.request(download)[0], 404)

    def test_capture_from_edgectl(self):
        r = self.ctl("radius", "capture", "--seconds", "1")
        self.assertEqual(r.returncode, 0, r.stdout + r.stderr)
        m = re.search(r"file: (\S+\.pcap)", r.stdout)
        self.assertTrue(m, r.stdout)
        self.assertTrue(os.path.exists(m.group(1)))
        self.assertEqual(os.stat(m.group(1)).st_mode & 0o777, 0o600)
        r = self.edged.ctl("call", "radius-capture", json.dumps({"seconds": 61}), check=False)
        self.assertEqual(r.returncode, 1)

    # ---- past runs ----

    def test_past_runs_are_listed_and_their_output_is_the_owners_and_the_admins(self):
        t = Browser(self.ui).sign_in("tess")
        status, _, page = t.request("/diagnostics/run", {"tool": "dns", "target": "localhost"})
        self.assertEqual(status, 200, page)
        stream = re.search(r'data-stream="([^"]+)"', page).group(1)
        self.assertEqual(sse_events(t.request(stream, stream=True))[-1][0], "end")
        run_id = stream.rsplit("=", 1)[1]
        output = "/diagnostics/output?run=" + run_id
        status, _, page = t.request("/diagnostics/run", {"tool": "capture", "seconds": "1"})
        self.assertEqual(status, 200, page)
        capture_id = re.search(r'data-stream="[^"]+run=([0-9a-f-]+)"', page).group(1)
        self.assertEqual(sse_events(t.request("/diagnostics/stream?run=" + capture_id, stream=True))[-1][0], "end")

        # The list: who, what, target, when, how long, outcome; tess may read her own output.
        status, _, page = t.request("/diagnostics")
        runs = page[page.index('id="runs-title"'):]
        row = re.search(r"<tr><td>tess</td><td>dns</td><td>localhost</td><td>(\d{4}-\d\d-\d\d \d\d:\d\d:\d\d UTC)</td>"
                        r"<td>([0-9.]+ s)</td><td>exited with status \d+</td>", runs)
        self.assertIsNotNone(row, runs[:3000])
        self.assertIn('href="%s"' % output, runs)
        status, _, page = t.request(output)
        self.assertEqual(status, 200)
        self.assertIn("&lt;&lt;&gt;&gt; DiG", page)  # dig's own banner, escaped into the page
        # Another technician sees the row, not the output (nor the capture); a viewer neither;
        # an admin reads and downloads everyone's.
        tom = Browser(self.ui).sign_in("tom")
        status, _, page = tom.request("/diagnostics")
        self.assertIn("<td>tess</td><td>dns</td>", page)
        self.assertNotIn(output, page)
        self.assertEqual(tom.request(output)[0], 404)
        self.assertEqual(tom.request("/diagnostics/capture.pcap?run=" + capture_id)[0], 404)
        vic = Browser(self.ui).sign_in("vic")
        status, _, page = vic.request("/diagnostics")
        self.assertIn("<td>tess</td><td>dns</td>", page)
        self.assertNotIn("/diagnostics/output?", page)
        self.assertNotIn(">output</a>", page)
        self.assertNotIn(".pcap</a>", page)
        self.assertEqual(vic.request(output)[0], 403)
        self.assertEqual(vic.request("/diagnostics/capture.pcap?run=" + capture_id)[0], 403)
        adam = Browser(self.ui).sign_in("adam")
        self.assertIn(output, adam.request("/diagnostics")[2])
        status, _, page = adam.request(output)
        self.assertEqual(status, 200)
        self.assertIn("DiG", page)
        status, headers, pcap = adam.request("/diagnostics/capture.pcap?run=" + capture_id)
        self.assertEqual(status, 200)
        self.assertIn(struct.unpack("<I", pcap[:4])[0], (0xa1b2c3d4, 0xa1b23c4d))

        # The same from edgectl: diag runs, diag output (root reads every run).
        runs = {r["id"]: r for r in self.edged.ctl_json("diag", "runs")}
        self.assertEqual((runs[run_id]["owner"], runs[run_id]["tool"], runs[run_id]["target"]), ("tess", "dns", "localhost"))
        self.assertTrue(runs[run_id]["done"])
        self.assertGreaterEqual(runs[run_id]["duration-ms"], 0)
        self.assertTrue(runs[capture_id]["has-file"])
        r = self.ctl("diag", "output", run_id)
        self.assertEqual(r.returncode, 0, r.stdout + r.stderr)
        self.assertIn("DiG", r.stdout)
        self.assertIn("dns exited with status", r.stdout)
        self.assertIn("tess", self.ctl("diag", "runs").stdout)
        self.assertEqual(self.ctl("diag", "output", "1-000000000000").returncode, 1)

    # ---- TLS check ----

    def test_tls_check_shows_the_certificate(self):
        work = os.path.join(self.tmp.path, "tls")
        os.makedirs(work, exist_ok=True)
        key, cert = os.path.join(work, "k.pem"), os.path.join(work, "c.pem")
        subprocess.run(["openssl", "req", "-x509", "-newkey", "ec", "-pkeyopt", "ec_paramgen_curve:P-256", "-nodes",
                        "-keyout", key, "-out", cert, "-days", "30", "-subj", "/CN=mgmt.example/OU=ops"],
                       check=True, capture_output=True)
        s = socket.socket()
        s.bind(("127.0.0.1", 0))
        port = s.getsockname()[1]
        s.close()
        server = subprocess.Popen(["openssl", "s_server", "-accept", f"127.0.0.1:{port}", "-cert", cert, "-key", key,
                                   "-quiet", "-www"], stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
        try:
            wait_for(lambda: socket.socket().connect_ex(("127.0.0.1", port)) == 0, what="openssl s_server's port")
            r = self.ctl("diag", "tls", "--url", f"https://127.0.0.1:{port}")
            self.assertEqual(r.returncode, 0, r.stdout + r.stderr)
            fp = subprocess.run(["openssl", "x509", "-in", cert, "-noout", "-fingerprint", "-sha256"],
                                capture_output=True, text=True, check=True).stdout
            fp = fp.split("=", 1)[1].strip().replace(":", "").lower()
            self.assertIn("subject CN=mgmt.example, OU=ops", r.stdout)
            self.assertIn("issuer CN=mgmt.example", r.stdout)
            self.assertIn("SHA-256 fingerprint " + fp, r.stdout)
            self.assertRegex(r.stdout, r"\(29 days left\)|\(30 days left\)")
            self.assertIn("not checked", r.stdout)  # this box is not enrolled: no CA to verify against
        finally:
            server.terminate()
            server.wait()
        r = self.ctl("diag", "tls")
        self.assertEqual(r.returncode, 1)
        self.assertIn("not enrolled", r.stdout + r.stderr)

    # ---- roles ----

    def test_a_viewer_is_refused_by_the_server(self):
        b = Browser(self.ui).sign_in("vic")
        status, _, page = b.request("/diagnostics")
        self.assertEqual(status, 200)
        self.assertNotIn('action="/diagnostics/test-login"', page)
        for path, form in (("/diagnostics/test-login", {"username": "alice", "password": "alice-secret"}),
                           ("/diagnostics/nas-probe", {"name": "bras-1"}),
                           ("/diagnostics/run", {"tool": "ping", "target": "127.0.0.1"}),
                           ("/diagnostics/run", {"tool": "capture", "seconds": "1"})):
            status, _, page = b.request(path, form)
            self.assertEqual(status, 403, (path, page[:300]))
        # Without the CSRF token a technician's form is refused too.
        t = Browser(self.ui).sign_in("tess")
        t.csrf = "0" * 64
        status, _, _ = t.request("/diagnostics/test-login", {"username": "alice", "password": "alice-secret"})
        self.assertEqual(status, 403)
        events = json.dumps(self.edged.ctl_json("events", "--limit", "200"))
        self.assertIn("vic (viewer)", events)
        self.assertIn("radius-test-login", events)


if __name__ == "__main__":
    unittest.main(verbosity=2)
