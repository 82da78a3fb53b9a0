"""The hotspot gateway end to end, in network namespaces this test builds and removes:

    cl1 (client) ----\\
                      br-lan [gw: edged + dnsmasq] gw-wan ---- up-eth [up: web, iperf3, DNS]
    cl2 (client) ----/

Checks: DHCP with option 114, the captive state (portal redirect, HTTPS to a real TLS server
upstream reset before login and let through after it, walled garden by IP and by DNS name, no IPv6
bypass next to IPv6 that works: the upstream from the box, RADIUS over ::1 to edged), login through
the portal form with its CSRF token, shaping (the kernel's HTB classes read back equal to the plan,
before and after a CoA, and iperf3 through them far below an unshaped run; the precise rates are
measured by tests/bench/shaping_bench.py), the ledger's counters equal to the kernel's, a quota
cutting the client off within one polling interval, kill -9 with the kernel rebuilt from the ledger,
a logged-out client staying out, and a spoofed IP with another MAC. The gateway's own CoA/Disconnect
port drops forged, replayed and misaddressed requests, counts them, and leaves the session alone.
A walled subscriber (dunning, ADR 0048) gets the pay page and no network, a "redirect" fair-use tier the top-up page.
The portal's limits (issue 19 item 5): a signup flood refused with 429 and counted, failed logins
held back per address when the MAC changes, oversized input counted as a failure and kept out of
the log; and the portal answering while a Disconnect waits for a silent NAS (item 6)."""
import hashlib
import hmac
import http.cookiejar
import json
import os
import re
import shutil
import signal
import sqlite3
import struct
import subprocess
import sys
import time
import unittest
import urllib.parse

sys.path.insert(0, os.path.dirname(__file__))
from edgelib import Edged, TempDir, binary, wait_for  # noqa: E402
import radius_peer as rp  # noqa: E402
from webui_test import png_width, shots as webui_shots  # noqa: E402

PREFIX = f"egw{os.getpid() % 10000}"
GW, CL1, CL2, UP = PREFIX + "g", PREFIX + "c1", PREFIX + "c2", PREFIX + "u"
LAN_IP = "10.77.0.1"
WEB = "172.31.77.2"      # the upstream web server (and iperf3, DNS)
GARDEN_IP = "172.31.77.3"   # walled garden by address
GARDEN_DNS = "172.31.77.4"  # walled garden by name: garden.test
PORTAL_PORT = 8080
DOWN, UP_RATE = 8_000_000, 4_000_000
ACCT_SECRET = "acct-secret-0123456789"  # radius_acct_test.SECRET, which acct_packet() signs with
V6_SECRET = "v6-nas-secret-0123456789"
GATEWAY_NAS = "127.0.0.86"  # where the gateway's CoA/Disconnect port listens (docs/gateway.md)

# The upstream's HTTPS: the same files as its HTTP server, over TLS on port 443.
TLS_SERVER = """
import functools, http.server, ssl, sys
www, cert, key = sys.argv[1:4]
ctx = ssl.SSLContext(ssl.PROTOCOL_TLS_SERVER)
ctx.load_cert_chain(cert, key)
handler = functools.partial(http.server.SimpleHTTPRequestHandler, directory=www)
server = http.server.ThreadingHTTPServer(("0.0.0.0", 443), handler)
server.socket = ctx.wrap_socket(server.socket, server_side=True)
server.serve_forever()
"""

# Sends one datagram (hex in argv) from inside a namespace and prints the answer as hex, or nothing.
UDP_EXCHANGE = """
import socket, sys
family = socket.AF_INET6 if ":" in sys.argv[1] else socket.AF_INET
s = socket.socket(family, socket.SOCK_DGRAM)
s.settimeout(float(sys.argv[4]))
s.sendto(bytes.fromhex(sys.argv[3]), (sys.argv[1], int(sys.argv[2])))
try:
    print(s.recv(4096).hex())
except socket.timeout:
    pass
"""


def rate_bits(text):
    """A rate as tc prints it ('8Mbit', '500Kbit', '64bit') in bit/s."""
    m = re.fullmatch(r"(\d+)([KMG]?)bit", text)
    if not m:
        raise AssertionError(f"not a tc rate: {text!r}")
    return int(m.group(1)) * {"": 1, "K": 10**3, "M": 10**6, "G": 10**9}[m.group(2)]


def dynauth_request(code, secret, attrs, pkt_id, ma="good"):
    """An RFC 5176 request built here, not by the code under test: Message-Authenticator first (ma:
    'good', 'bad' = one bit flipped, 'none'), HMAC-MD5 over the packet with a zero Authenticator
    (3.3), then the Request Authenticator MD5(Code+Identifier+Length+16 zeros+Attributes+Secret)
    (2.3). An Access-Request (code 1) is signed as RFC 3579 3.2 says instead: its Authenticator is
    random and the HMAC covers it."""
    secret = secret.encode()
    body = (bytes([80, 18]) + bytes(16) if ma != "none" else b"") + attrs
    header = struct.pack("!BBH", code, pkt_id, 20 + len(body))
    authenticator = os.urandom(16) if code == 1 else bytes(16)
    if ma != "none":
        mac = bytearray(hmac.new(secret, header + authenticator + body, hashlib.md5).digest())
        if ma == "bad":
            mac[0] ^= 1
        body = bytes([80, 18]) + bytes(mac) + attrs
    if code != 1:
        authenticator = hashlib.md5(header + bytes(16) + body + secret).digest()
    return header + authenticator + body


def attr(kind, value):
    return bytes([kind, 2 + len(value)]) + value


def mikrotik_rate_limit(text):
    """Mikrotik-Rate-Limit (vendor 14988, type 8): 'rx/tx', rx being the client's upload."""
    vsa = bytes([8, 2 + len(text)]) + text.encode()
    return attr(26, struct.pack("!I", 14988) + vsa)


def sh(*cmd, check=True, timeout=60):
    r = subprocess.run(list(cmd), capture_output=True, text=True, timeout=timeout)
    if check and r.returncode != 0:
        raise AssertionError(f"{' '.join(cmd)} -> {r.returncode}: {r.stdout}{r.stderr}")
    return r


def ns(name, *cmd, check=True, timeout=60):
    return sh("ip", "netns", "exec", name, *cmd, check=check, timeout=timeout)


class Client:
    """A LAN client namespace: DHCP with busybox udhcpc, HTTP with curl (cookies kept)."""

    def __init__(self, name, root):
        self.name = name
        self.root = root
        self.jar = os.path.join(root, name + ".cookies")
        self.env_file = os.path.join(root, name + ".dhcp")
        self.ip = None

    def dhcp(self):
        script = os.path.join(self.root, "udhcpc.sh")
        with open(script, "w") as f:
            f.write("#!/bin/sh\n"
                    "case \"$1\" in bound|renew)\n"
                    "  ip addr flush dev \"$interface\"\n"
                    "  ip addr add \"$ip/$mask\" dev \"$interface\"\n"
                    "  ip route replace default via \"$router\"\n"
                    f"  env > \"{self.env_file}.$interface\";;\nesac\n")
        os.chmod(script, 0o755)
        ns(self.name, "busybox", "udhcpc", "-i", "eth0", "-O", "114", "-s", script, "-q", "-n", "-t", "5", "-T", "1",
           timeout=30)
        env = {}
        with open(self.env_file + ".eth0") as f:
            for line in f:
                k, _, v = line.rstrip("\n").partition("=")
                env[k] = v
        self.ip = env["ip"]
        # `ip netns exec` gives the namespace /etc/netns/NAME/resolv.conf as its resolver config.
        os.makedirs(f"/etc/netns/{self.name}", exist_ok=True)
        with open(f"/etc/netns/{self.name}/resolv.conf", "w") as f:
            f.write(f"nameserver {env['dns']}\n")
        return env

    def curl(self, url, *extra, timeout=10):
        out = [] if "-o" in extra else ["-o", "-"]
        return ns(self.name, "curl", "-s", "-S", *out, "-w", "\n%{http_code} %{time_total}", "--max-time",
                  str(timeout), "-b", self.jar, "-c", self.jar, *extra, url, check=False, timeout=timeout + 5)

    def get(self, url, *extra, timeout=10):
        r = self.curl(url, *extra, timeout=timeout)
        body, _, tail = r.stdout.rpartition("\n")
        code = int(tail.split()[0]) if r.returncode == 0 else 0
        return code, body, r

    def form(self, path, fields):
        """GET the portal page, take its CSRF token, POST the form with it."""
        code, page, _ = self.get(f"http://{LAN_IP}:{PORTAL_PORT}/")
        m = re.search(r'name="csrf" value="([0-9a-f]+)"', page)
        if not m:
            raise AssertionError(f"no CSRF token on the portal page ({code}): {page[:300]}")
        data = dict(fields, csrf=m.group(1))
        return self.get(f"http://{LAN_IP}:{PORTAL_PORT}{path}", "-L", "--data", urllib.parse.urlencode(data))

    def iperf(self, reverse):
        return iperf_received(self.name, "-t", "4", *(["-R"] if reverse else []))


def iperf_received(namespace, *args):
    """bit/s received in one iperf3 run from `namespace` to the upstream's server. iperf3's server runs
    one test at a time and answers "the server is busy" while it tears the last one down: that answer
    is retried for a while; any other error fails with iperf3's own words."""
    deadline = time.monotonic() + 20
    while True:
        r = ns(namespace, "iperf3", "-c", WEB, "-O", "1", "-J", *args, timeout=30)
        result = json.loads(r.stdout)
        error = result.get("error", "")
        if not error:
            return result["end"]["sum_received"]["bits_per_second"]
        if "busy" not in error or time.monotonic() > deadline:
            raise AssertionError(f"iperf3 from {namespace}: {error}")
        time.sleep(0.5)


class GatewayTest(unittest.TestCase):
    @classmethod
    def setUpClass(cls):
        if os.geteuid() != 0:  # a failure with its reason, not a skip
            raise AssertionError("the gateway test builds network namespaces: run it as root (CI does)")
        cls.tmp = TempDir("edge-gw-")
        cls.root = cls.tmp.path
        cls.procs = []
        for n in (GW, CL1, CL2, UP):
            sh("ip", "netns", "add", n)
        try:
            cls.build_topology()
        except Exception:
            cls.tearDownClass()
            raise

    @classmethod
    def build_topology(cls):
        for n in (GW, CL1, CL2, UP):
            ns(n, "ip", "link", "set", "lo", "up")
        ns(GW, "ip", "link", "add", "br-lan", "type", "bridge")
        ns(GW, "ip", "link", "set", "br-lan", "up")
        for i, cl in enumerate((CL1, CL2), start=1):
            sh("ip", "link", "add", f"{PREFIX}l{i}", "netns", GW, "type", "veth", "peer", "name", "eth0", "netns", cl)
            ns(GW, "ip", "link", "set", f"{PREFIX}l{i}", "master", "br-lan", "up")
            ns(cl, "ip", "link", "set", "eth0", "address", f"02:00:00:00:77:0{i}")
            ns(cl, "ip", "link", "set", "eth0", "up")
        sh("ip", "link", "add", "gw-wan", "netns", GW, "type", "veth", "peer", "name", "eth0", "netns", UP)
        ns(GW, "ip", "addr", "add", "172.31.77.1/24", "dev", "gw-wan")
        ns(GW, "ip", "link", "set", "gw-wan", "up")
        ns(UP, "ip", "addr", "add", WEB + "/24", "dev", "eth0")
        for extra in (GARDEN_IP, GARDEN_DNS):
            ns(UP, "ip", "addr", "add", extra + "/32", "dev", "eth0")
        ns(UP, "ip", "link", "set", "eth0", "up")
        # IPv6 on both sides, with forwarding on: only the gateway's own rules keep IPv6 out.
        ns(GW, "sysctl", "-q", "-w", "net.ipv6.conf.all.forwarding=1")
        ns(GW, "ip", "-6", "addr", "add", "fd77::1/64", "dev", "br-lan", "nodad")
        ns(GW, "ip", "-6", "addr", "add", "fd78::1/64", "dev", "gw-wan", "nodad")
        ns(UP, "ip", "-6", "addr", "add", "fd78::2/64", "dev", "eth0", "nodad")
        ns(UP, "ip", "-6", "route", "add", "default", "via", "fd78::1")
        ns(CL1, "ip", "-6", "addr", "add", "fd77::10/64", "dev", "eth0", "nodad")
        ns(CL1, "ip", "-6", "route", "add", "default", "via", "fd77::1")
        # Upstream services: a web server (v4 and v6), iperf3, and a DNS server for garden.test.
        www = os.path.join(cls.root, "www")
        os.makedirs(www)
        with open(os.path.join(www, "index.html"), "w") as f:
            f.write("upstream web server\n")
        with open(os.path.join(www, "big.bin"), "wb") as f:
            f.write(os.urandom(24 * 1024 * 1024))
        with open(os.path.join(www, "one.bin"), "wb") as f:
            f.write(os.urandom(1024 * 1024))
        cls.spawn(UP, "/usr/bin/python3", "-m", "http.server", "80", "--bind", "::", "--directory", www)
        key, cert = os.path.join(cls.root, "web-key.pem"), os.path.join(cls.root, "web-cert.pem")
        sh("openssl", "req", "-x509", "-newkey", "ec", "-pkeyopt", "ec_paramgen_curve:prime256v1", "-nodes",
           "-subj", "/CN=web.test", "-days", "2", "-keyout", key, "-out", cert)
        cls.spawn(UP, "/usr/bin/python3", "-c", TLS_SERVER, www, cert, key)
        cls.spawn(UP, "iperf3", "-s", "-B", WEB)
        cls.spawn(UP, "/usr/sbin/dnsmasq", "--keep-in-foreground", "--conf-file=/dev/null", "--no-resolv", "--no-hosts",
                  "--bind-interfaces", "--listen-address=" + WEB, "--address=/garden.test/" + GARDEN_DNS,
                  "--address=/web.test/" + WEB, "--pid-file=", "--log-facility=-")
        wait_for(lambda: ns(UP, "curl", "-s", f"http://{WEB}/", check=False).returncode == 0, what="upstream web server")
        wait_for(lambda: ns(UP, "curl", "-sk", f"https://{WEB}/", check=False).stdout == "upstream web server\n",
                 what="upstream HTTPS server")

    @classmethod
    def spawn(cls, name, *cmd):
        with open(os.path.join(cls.root, f"{name}-{os.path.basename(cmd[0])}-{len(cls.procs)}.log"), "wb") as log:
            cls.procs.append(subprocess.Popen(["ip", "netns", "exec", name, *cmd], stdout=log, stderr=log))

    @classmethod
    def tearDownClass(cls):
        for p in cls.procs:
            p.kill()
            p.wait()
        for n in (GW, CL1, CL2, UP):
            subprocess.run(["ip", "netns", "pids", n], capture_output=True)
            pids = subprocess.run(["ip", "netns", "pids", n], capture_output=True, text=True).stdout.split()
            for pid in pids:
                try:
                    os.kill(int(pid), signal.SIGKILL)
                except OSError:
                    pass
            subprocess.run(["ip", "netns", "del", n], capture_output=True)
            shutil.rmtree(f"/etc/netns/{n}", ignore_errors=True)
        if os.environ.get("KEEP_TMP"):
            print("kept", cls.root)
        else:
            cls.tmp.cleanup()

    def start_edged(self, edged=None):
        if edged is None:
            edged = Edged(os.path.join(self.root, "edged"), netns=GW, extra={
                # IPv4 and IPv6: the gateway's own NAS speaks IPv4 to it, a NAS at ::1 IPv6.
                "radius": {"listen": "::", "auth-port": 0, "acct-port": 0, "threads": 1},
                "gateway": {
                    "enabled": True, "lan-interface": "br-lan", "lan-address": LAN_IP + "/24",
                    "dhcp-range": "10.77.0.100-10.77.0.150", "wan-interface": "gw-wan", "portal-port": PORTAL_PORT,
                    "walled-garden": [GARDEN_IP, "garden.test"], "dns-servers": [WEB], "counter-interval": 1,
                    "portal-name": "Cafe Test", "signup-plans": ["trial"],
                },
            })
        edged.start()
        return edged

    def session_of(self, edged, user):
        rows = edged.ctl_json("session", "list", "--user", user)
        return rows[0] if rows else None

    def kernel_counters(self):
        out = json.loads(ns(GW, "nft", "-j", "list", "counters", "table", "inet", "edged_gw").stdout)
        return {c["counter"]["name"]: c["counter"] for c in out["nftables"] if "counter" in c}

    def tc_class_rate(self, dev, minor):
        out = ns(GW, "tc", "-s", "class", "show", "dev", dev, "classid", f"1:{minor:x}").stdout
        m = re.search(r"rate (\S+)", out)
        return m.group(1) if m else None

    def htb_class(self, dev, minor):
        """(rate, ceil) in bit/s of HTB class 1:minor as the kernel holds it, or None."""
        out = ns(GW, "tc", "class", "show", "dev", dev, "classid", f"1:{minor:x}").stdout
        m = re.search(r"\bhtb 1:[0-9a-f]+ .*\brate (\S+) ceil (\S+)", out)
        return (rate_bits(m.group(1)), rate_bits(m.group(2))) if m else None

    def iperf_unshaped(self):
        """Upload from the box itself to the upstream: through the WAN's HTB default class at line
        rate, the same veth and iperf3 server as a client's traffic, with no subscriber class."""
        return iperf_received(GW, "-t", "3")

    def udp_exchange(self, host, port, raw, wait=1.0):
        """One datagram from inside the gateway's namespace; the answer, or None when none came within `wait`."""
        out = ns(GW, "/usr/bin/python3", "-c", UDP_EXCHANGE, host, str(port), raw.hex(), str(wait)).stdout.strip()
        return bytes.fromhex(out) if out else None

    def test_browser(self):
        """Headless chromium in the client namespace walks the voucher and login flows at phone size."""
        edged = Edged(os.path.join(self.root, "edged-browser"), netns=GW, extra={
            "radius": {"listen": "127.0.0.1", "auth-port": 0, "acct-port": 0, "threads": 1},
            "gateway": {"enabled": True, "lan-interface": "br-lan", "lan-address": LAN_IP + "/24",
                        "wan-interface": "gw-wan", "portal-port": PORTAL_PORT, "dns-servers": [WEB],
                        "portal-name": "Harbour Cafe Wi-Fi", "portal-color": "#8a3b12", "signup-plans": ["day"]}})
        edged.start()
        try:
            edged.ctl("plan", "add", "--name", "day", "--down", "10M", "--up", "5M", "--validity", "1d")
            edged.ctl("subscriber", "add", "--username", "dana", "--password", "dana-pass-1", "--plan", "day")
            code = edged.ctl_json("voucher", "generate", "--plan", "day", "--count", "1")["codes"][0]
            c1 = Client(CL1, self.root)
            c1.dhcp()
            out = os.path.join(os.environ.get("EDGE_ARTIFACTS", os.path.join(self.root, "artifacts")), "portal")
            walker = os.path.join(os.environ.get("EDGE_SOURCE", os.path.join(os.path.dirname(__file__), "..", "..")),
                                  "tests", "browser", "portal_walk.js")
            r = ns(CL1, "node", walker, "--start", f"http://{WEB}/", "--out", out, "--user", "dana",
                   "--password", "dana-pass-1", "--voucher", code, check=False, timeout=120)
            result = json.loads(r.stdout.strip().splitlines()[-1]) if r.stdout.strip() else {"ok": False}
            self.assertTrue(result["ok"], f"{result} {r.stderr[-2000:]}")
            names = [s["name"] for s in result["seen"]]
            self.assertEqual(["01-captive-login", "02-voucher-status", "03-logged-out", "04-wrong-password",
                              "05-login-status", "06-signup", "07-terms"], names)
            for s in result["seen"]:
                self.assertIn("Harbour Cafe Wi-Fi", s["title"], s)
                self.assertTrue(os.path.getsize(os.path.join(out, s["name"] + ".png")) > 1000)
            self.assertIn(code, result["seen"][1]["text"])
            self.assertIn("Wrong username or password", result["seen"][3]["text"])
            self.assertIn("dana", result["seen"][4]["text"])
            history = edged.ctl_json("session", "history", "--user", "dana")
            self.assertEqual(1, len(history), history)
            print("portal screenshots in", out)
        finally:
            edged.stop()

    def test_access_modes_and_limits(self):
        """Click-through terms, free and paid self-signup, the login-attempt limit, the logo, idle
        timeout and session timeout, each back at the portal with its Stop in the ledger."""
        logo = os.path.join(self.root, "logo.png")
        with open(logo, "wb") as f:
            f.write(bytes.fromhex("89504e470d0a1a0a0000000d4948445200000001000000010806000000"
                                  "1f15c4890000000d49444154789c63f8cfc0f01f0005000201e2d2b1a90000000049454e44ae426082"))
        edged = Edged(os.path.join(self.root, "edged-modes"), netns=GW, extra={
            "radius": {"listen": "127.0.0.1", "auth-port": 0, "acct-port": 0, "threads": 1},
            "gateway": {"enabled": True, "lan-interface": "br-lan", "lan-address": LAN_IP + "/24",
                        "wan-interface": "gw-wan", "portal-port": PORTAL_PORT, "dns-servers": [WEB],
                        "counter-interval": 1, "login-attempts": 2, "portal-name": "Modes Cafe",
                        "signup-per-device": 4, "signup-total": 7,
                        "portal-logo": logo, "signup-plans": ["trial", "week"], "click-through-plan": "free"}})
        edged.start()
        portal = f"http://{LAN_IP}:{PORTAL_PORT}"
        try:
            edged.ctl("plan", "add", "--name", "free", "--down", "2M", "--up", "1M", "--time-quota", "1h",
                      "--period", "day")
            edged.ctl("plan", "add", "--name", "trial", "--down", "4M", "--up", "2M", "--validity", "1d")
            edged.ctl("plan", "add", "--name", "week", "--down", "8M", "--up", "4M", "--price", "5.00",
                      "--currency", "USD", "--period", "week")
            edged.ctl("plan", "add", "--name", "idle", "--down", "8M", "--up", "4M", "--idle-timeout", "3")
            edged.ctl("plan", "add", "--name", "short", "--down", "8M", "--up", "4M", "--session-timeout", "4")
            edged.ctl("subscriber", "add", "--username", "ida", "--password", "ida-pass-12", "--plan", "idle")
            edged.ctl("subscriber", "add", "--username", "sam", "--password", "sam-pass-12", "--plan", "short")
            c1, c2 = Client(CL1, self.root), Client(CL2, self.root)
            c1.dhcp()
            c2.dhcp()

            def online(client):
                code, body, _ = client.get(f"http://{WEB}/", timeout=4)
                return code == 200 and body.strip() == "upstream web server"

            def logout(client):
                page = client.get(portal + "/status")[1]
                csrf = re.search(r'name="csrf" value="([0-9a-f]+)"', page).group(1)
                client.get(portal + "/logout", "--data", "csrf=" + csrf)
                self.assertFalse(online(client))

            # ---- the logo, served by the box ----
            code, page, _ = c1.get(portal + "/")
            self.assertIn('<img src="/logo"', page)
            r = c1.curl(portal + "/logo", "-o", os.path.join(self.root, "logo.got"), "-D", "-")
            self.assertIn(" 200", r.stdout.splitlines()[0], r.stdout)
            # The operator's file on the portal's origin is an image only (an SVG could carry script).
            self.assertIn("content-security-policy: default-src 'none'; style-src 'unsafe-inline'; sandbox",
                          r.stdout.lower())
            with open(logo, "rb") as a, open(os.path.join(self.root, "logo.got"), "rb") as b:
                self.assertEqual(a.read(), b.read())

            # ---- click-through: accepting the terms is the login, per device ----
            self.assertIn("Accept and connect", page)
            self.assertIn("2M down / 1M up, 1h online per day", page)
            code, body, _ = c1.form("/accept", {})
            self.assertEqual(403, code, "the terms must be accepted")
            self.assertIn("Please accept the terms", body)
            self.assertFalse(online(c1))
            code, body, _ = c1.form("/accept", {"accept": "yes"})
            self.assertEqual(200, code, body[:400])
            self.assertIn("You are online", body)
            self.assertTrue(online(c1))
            device = edged.ctl_json("subscriber", "show", "02:00:00:00:77:01")
            self.assertEqual("free", device["plan"], device)
            self.assertEqual("gateway", self.session_of(edged, "02:00:00:00:77:01")["nas"])
            logout(c1)

            # ---- self-signup: a free plan starts at once; a paid one waits for the operator ----
            code, body, _ = c1.form("/signup", {"plan": "trial", "username": "tina", "password": "tina-pass-1",
                                                "accept": "yes"})
            self.assertEqual(200, code, body[:400])
            self.assertIn("You are online", body)
            self.assertTrue(online(c1))
            logout(c1)
            code, body, _ = c1.form("/signup", {"plan": "week", "username": "paula", "password": "paula-pass-1",
                                                "accept": "yes"})
            self.assertEqual(200, code, body[:400])
            self.assertIn("confirm your payment", body)
            self.assertEqual("suspended", edged.ctl_json("subscriber", "show", "paula")["status"])
            code, body, _ = c1.form("/login", {"username": "paula", "password": "paula-pass-1", "accept": "yes"})
            self.assertEqual(403, code)
            self.assertIn("suspended", body)
            self.assertFalse(online(c1))
            edged.ctl("subscriber", "set", "--username", "paula", "--status", "active")
            code, body, _ = c1.form("/login", {"username": "paula", "password": "paula-pass-1", "accept": "yes"})
            self.assertEqual(200, code, body[:400])
            self.assertTrue(online(c1))
            logout(c1)
            code, body, _ = c1.form("/signup", {"plan": "week", "username": "tina", "password": "other-pass-1",
                                                "accept": "yes"})
            self.assertEqual(409, code, "a taken username")
            self.assertIn("taken", body)

            # ---- dunning (ADR 0048): a walled subscriber's right password gets the pay page (402), no
            # session and no network; the pay page's host is opened in the walled garden; paid, it logs in ----
            edged.ctl("subscriber", "add", "--username", "walt", "--password", "walt-pass-12", "--plan", "week")
            edged.ctl("subscriber", "set", "--username", "walt", "--dunning", "walled", "--dunning-url",
                      "https://172.31.77.9/pay?u=walt")
            code, body, _ = c1.form("/login", {"username": "walt", "password": "walt-pass-12", "accept": "yes"})
            self.assertEqual(402, code, body[:400])
            self.assertIn("Your service is paused", body)
            self.assertIn('<a href="https://172.31.77.9/pay?u=walt" rel="noopener">Go to the payment page</a>', body)
            self.assertFalse(online(c1))
            self.assertIsNone(self.session_of(edged, "walt"))
            self.assertIn("172.31.77.9", ns(GW, "nft", "list", "set", "inet", "edged_gw", "garden4").stdout)
            edged.ctl("subscriber", "set", "--username", "walt", "--dunning", "", "--dunning-url", "")
            code, body, _ = c1.form("/login", {"username": "walt", "password": "walt-pass-12", "accept": "yes"})
            self.assertEqual(200, code, body[:400])
            self.assertTrue(online(c1))
            logout(c1)

            # ---- a "redirect" fair-use tier: the right password gets the top-up page (402), no session.
            # The period's usage comes from another NAS's accounting (a session elsewhere) ----
            edged.ctl("plan", "add", "--name", "capped", "--down", "8M", "--up", "4M", "--fup", "10KB:redirect",
                      "--price", "3.00", "--currency", "USD", "--period", "week")
            edged.ctl("subscriber", "add", "--username", "rita", "--password", "rita-pass-12", "--plan", "capped")
            edged.ctl("nas", "add", "--name", "bras", "--address", "127.0.0.1", "--secret", ACCT_SECRET)
            acct_port = edged.ctl_json("status")["radius"]["acct-port"]
            used = ("import sys; sys.path.insert(0, %r)\n"
                    "import radius_peer as rp\n"
                    "from radius_acct_test import acct_packet, SECRET\n"
                    "a = rp.exchange(%d, acct_packet(1, 'rita', 'R-1', pkt_id=31), SECRET)\n"
                    "b = rp.exchange(%d, acct_packet(2, 'rita', 'R-1', (20000, 20000, 30), terminate=1, pkt_id=32), SECRET)\n"
                    "print(a.code, b.code)\n") % (os.path.dirname(os.path.abspath(__file__)), acct_port, acct_port)
            self.assertEqual("5 5", ns(GW, "/usr/bin/python3", "-c", used).stdout.strip())
            wait_for(lambda: edged.ctl_json("subscriber", "explain", "rita")["now"].get("redirect") is True,
                     timeout=15, what="rita's redirect tier")
            code, body, _ = c1.form("/login", {"username": "rita", "password": "rita-pass-12", "accept": "yes"})
            self.assertEqual(402, code, body[:400])
            self.assertIn("Your data for this period is used up", body)
            self.assertIn("<dt>Plan</dt><dd>capped</dd>", body)
            self.assertIn("<dt>Price</dt><dd>3.00 USD per week</dd>", body)
            self.assertIn("Ask the staff for a top-up", body)  # no selfcare-url in this config
            self.assertFalse(online(c1))
            self.assertIsNone(self.session_of(edged, "rita"))

            # ---- signup limits (issue 19 item 5): c1 made 4 attempts (click-through included) ----
            flood = []
            for i in range(6):
                code, body, _ = c2.form("/signup", {"plan": "week", "username": f"flood{i}",
                                                    "password": "flood-pass-1", "accept": "yes"})
                flood.append(code)
                if code == 429:
                    self.assertIn("takes no new accounts right now", body)
            self.assertEqual([200, 200, 200, 429, 429, 429], flood, "signup-total is 7 per window")
            code, body, _ = c1.form("/signup", {"plan": "week", "username": "one-more", "password": "one-more-pass",
                                                "accept": "yes"})
            self.assertEqual(429, code, "signup-per-device is 4 per window")
            self.assertIn("Too many accounts were created from this device", body)
            names = {s["username"] for s in edged.ctl_json("subscriber", "list")["subscribers"]}
            self.assertTrue({"flood0", "flood1", "flood2"} <= names, names)
            self.assertFalse({"flood3", "flood4", "flood5", "one-more"} & names, names)
            metrics = self.metrics(edged)
            self.assertEqual(3, metrics['gateway_signup_refusals_total{limit="total"}'], metrics)
            self.assertEqual(1, metrics['gateway_signup_refusals_total{limit="device"}'], metrics)

            # ---- idle timeout: no traffic for the plan's 3 s ends the session ----
            code, body, _ = c1.form("/login", {"username": "ida", "password": "ida-pass-12", "accept": "yes"})
            self.assertEqual(200, code, body[:400])
            self.assertTrue(online(c1))
            wait_for(lambda: self.session_of(edged, "ida") is None, timeout=15, what="the idle timeout")
            self.assertEqual("idle-timeout", edged.ctl_json("session", "history", "--user", "ida")[0]["close-reason"])
            self.assertFalse(online(c1))
            self.assertIn("Modes Cafe", c1.get(f"http://{WEB}/", "-L")[1], "back at the portal")

            # ---- session timeout: 4 s however busy the session is ----
            code, body, _ = c1.form("/login", {"username": "sam", "password": "sam-pass-12", "accept": "yes"})
            self.assertEqual(200, code, body[:400])
            t0 = time.time()
            while self.session_of(edged, "sam") is not None and time.time() - t0 < 15:
                online(c1)
                time.sleep(0.3)
            self.assertIsNone(self.session_of(edged, "sam"), "the session timeout")
            hist = edged.ctl_json("session", "history", "--user", "sam")[0]
            self.assertEqual("session-timeout", hist["close-reason"])
            self.assertGreater(hist["input-octets"], 0, "traffic flowed until the timeout")
            self.assertFalse(online(c1))

            # ---- oversized input is a failed login, and reaches the log cut (issue 19 item 5) ----
            failures = self.metrics(edged)["gateway_login_failures_total"]
            code, body, _ = c2.form("/login", {"username": "x" * 15000, "password": "whatever", "accept": "yes"})
            self.assertEqual(400, code, body[:300])
            self.assertIn("Wrong username or password", body)
            metrics = self.metrics(edged)
            self.assertEqual(1, metrics["gateway_login_malformed_total"], metrics)
            self.assertEqual(failures + 1, metrics["gateway_login_failures_total"], metrics)
            self.assertNotIn("x" * 100, edged.read_log(), "the whole username was logged")
            self.assertIn("x" * 64 + "...(15000 bytes)", edged.read_log())

            # ---- login attempts per device: 2 failures a minute (the oversized one was the first), then
            # 429 even with the right password ----
            code, body, _ = c2.form("/login", {"username": "ida", "password": "wrong", "accept": "yes"})
            self.assertEqual(403, code)
            code, body, _ = c2.form("/login", {"username": "ida", "password": "ida-pass-12", "accept": "yes"})
            self.assertEqual(429, code, body[:400])
            self.assertIn("Too many attempts", body)
            self.assertFalse(online(c2))
            code, body, _ = c1.form("/login", {"username": "ida", "password": "ida-pass-12", "accept": "yes"})
            self.assertEqual(200, code, "another device is not held back: " + body[:300])

            # ---- ... and per address: a device that changes its MAC is still held back (issue 19 item 5) ----
            ns(CL2, "ip", "addr", "flush", "dev", "eth0")
            ns(CL2, "ip", "link", "set", "eth0", "address", "02:00:00:00:77:98")
            ns(CL2, "ip", "addr", "add", "10.77.0.60/24", "dev", "eth0")  # static, outside the DHCP range
            for _ in range(2):
                code, body, _ = c2.form("/login", {"username": "sam", "password": "wrong", "accept": "yes"})
                self.assertEqual(403, code, body[:300])
            ns(CL2, "ip", "link", "set", "eth0", "address", "02:00:00:00:77:99")
            ns(GW, "ip", "neigh", "flush", "dev", "br-lan")
            code, body, _ = c2.form("/login", {"username": "sam", "password": "sam-pass-12", "accept": "yes"})
            self.assertEqual(429, code, "a new MAC at the same address: " + body[:300])
            self.assertIn("Too many attempts", body)
            metrics = self.metrics(edged)
            self.assertGreaterEqual(metrics['gateway_login_throttled_total{limit="address"}'], 1, metrics)
            self.assertGreaterEqual(metrics['gateway_login_throttled_total{limit="device"}'], 1, metrics)
        finally:
            ns(CL2, "ip", "link", "set", "eth0", "address", "02:00:00:00:77:02", check=False)
            edged.stop()

    def metrics(self, edged, prefix="gateway_"):
        """The gateway's counters (or others by prefix) as Prometheus scrapes them from edged's /metrics."""
        url = edged.ctl_json("status")["metrics-url"]
        out = {}
        for line in ns(GW, "curl", "-s", "--max-time", "5", url).stdout.splitlines():
            if line.startswith(prefix):
                name, _, value = line.rpartition(" ")
                out[name] = int(float(value))
        return out

    def test_portal_answers_while_a_nas_is_silent(self):
        """Issue 19 item 6: a Disconnect to a NAS that never answers holds up neither the portal nor
        other commands: both answer while the Disconnect is still pending, before the NAS has seen
        all of its retransmissions (ordering, not timing)."""
        edged = Edged(os.path.join(self.root, "edged-silent"), netns=GW, extra={
            "radius": {"listen": "127.0.0.1", "auth-port": 0, "acct-port": 0, "threads": 1},
            "gateway": {"enabled": True, "lan-interface": "br-lan", "lan-address": LAN_IP + "/24",
                        "wan-interface": "gw-wan", "portal-port": PORTAL_PORT, "dns-servers": [WEB],
                        "portal-name": "Silent Cafe", "signup-plans": ["day"]}})
        edged.start()
        here = os.path.dirname(os.path.abspath(__file__))
        nas_log = os.path.join(self.root, "silent-nas.log")
        ready = nas_log + ".ready"
        nas = subprocess.Popen(["ip", "netns", "exec", GW, "/usr/bin/python3", os.path.join(here, "fake_nas.py"),
                                "--port", "0", "--secret", ACCT_SECRET, "--log", nas_log, "--ready-file", ready,
                                "--mode", "silent"])
        pending = None
        try:
            wait_for(lambda: os.path.exists(ready), timeout=10, what="the silent NAS")
            with open(ready) as f:
                nas_port = json.load(f)["port"]

            def nas_requests():
                if not os.path.exists(nas_log):
                    return 0
                with open(nas_log) as f:
                    return sum(1 for line in f if line.strip())

            edged.ctl("plan", "add", "--name", "day", "--down", "10M", "--up", "5M")
            edged.ctl("subscriber", "add", "--username", "nora", "--password", "nora-pass-1", "--plan", "day")
            edged.ctl("nas", "add", "--name", "bras", "--address", "127.0.0.1", "--secret", ACCT_SECRET,
                      "--vendor", "mikrotik", "--coa-port", str(nas_port))
            acct_port = edged.ctl_json("status")["radius"]["acct-port"]
            start = ("import sys; sys.path.insert(0, %r)\n"
                     "import radius_peer as rp\n"
                     "from radius_acct_test import acct_packet, SECRET\n"
                     "r = rp.exchange(%d, acct_packet(1, 'nora', 'N-1', pkt_id=7), SECRET)\n"
                     "print(r.code)\n") % (here, acct_port)
            self.assertEqual("5", ns(GW, "/usr/bin/python3", "-c", start).stdout.strip())
            session = self.session_of(edged, "nora")
            c1 = Client(CL1, self.root)
            c1.dhcp()
            pending = subprocess.Popen([binary("edgectl"), "--socket", edged.socket, "session", "disconnect",
                                        "--id", session["id"]], stdout=subprocess.PIPE, stderr=subprocess.PIPE,
                                       text=True)
            wait_for(lambda: nas_requests() >= 1, timeout=10, what="the Disconnect-Request at the silent NAS")
            code, page, _ = c1.get(f"http://{LAN_IP}:{PORTAL_PORT}/", timeout=30)  # the portal asks for the plans
            signup_code, signup, _ = c1.get(f"http://{LAN_IP}:{PORTAL_PORT}/signup", timeout=30)
            listed = edged.ctl_json("session", "list", "--user", "nora")
            seen = nas_requests()
            still_pending = pending.poll() is None
            out, err = pending.communicate(timeout=60)
            self.assertEqual(200, code, page[:300])
            self.assertIn("Silent Cafe", page)
            self.assertEqual(200, signup_code, signup[:300])
            self.assertIn("10M down / 5M up", signup, "the plan list came from the control commands")
            self.assertEqual([session["id"]], [r["id"] for r in listed])
            self.assertTrue(still_pending, "the portal and the other command waited for the silent NAS: " + out + err)
            self.assertLess(seen, 4, "answered only after every retransmission to the silent NAS")
            self.assertEqual(1, pending.returncode, out + err)
            self.assertIn("no answer from the NAS", out)
        finally:
            if pending is not None and pending.poll() is None:
                pending.kill()
                pending.wait()
            nas.terminate()
            nas.wait(timeout=10)
            edged.stop()

    def gateway_nas(self, edged):
        """The gateway's dynauth secret and port. Like every NAS's secret it is in the nas table of
        edge.db (docs/gateway.md), readable only by edged's user: root here. edged writes a new one
        at each start, so it is read after this start."""
        db = sqlite3.connect(f"file:{os.path.join(edged.data_dir, 'edge.db')}?mode=ro", uri=True)
        try:
            secret, port = db.execute("SELECT secret, coa_port FROM nas WHERE name = 'gateway'").fetchone()
        finally:
            db.close()
        return secret, port

    def test_dynauth_port_drops_forged_replayed_and_misaddressed_requests(self):
        """The gateway's own RFC 5176 server: a CoA or Disconnect with a wrong or missing
        Message-Authenticator, a stale, future or missing Event-Timestamp, or a code it does not
        serve is dropped unanswered, counted in gateway_dynauth_dropped_total, and changes nothing;
        the same requests signed right (the positive controls) are answered and take effect."""
        edged = Edged(os.path.join(self.root, "edged-dynauth"), netns=GW, extra={
            "radius": {"listen": "127.0.0.1", "auth-port": 0, "acct-port": 0, "threads": 1},
            "gateway": {"enabled": True, "lan-interface": "br-lan", "lan-address": LAN_IP + "/24",
                        "wan-interface": "gw-wan", "portal-port": PORTAL_PORT, "dns-servers": [WEB],
                        "portal-name": "Dynauth Cafe"}})
        edged.start()
        try:
            edged.ctl("plan", "add", "--name", "day", "--down", "8M", "--up", "4M")
            edged.ctl("subscriber", "add", "--username", "dora", "--password", "dora-pass-1", "--plan", "day")
            c1 = Client(CL1, self.root)
            c1.dhcp()
            code, body, _ = c1.form("/login", {"username": "dora", "password": "dora-pass-1", "accept": "yes"})
            self.assertEqual(200, code, body[:300])
            session = self.session_of(edged, "dora")
            minor = self.kernel_class_of(c1.ip)
            secret, port = self.gateway_nas(edged)
            ids = iter(range(1, 256))

            def identity(ts=0):
                out = attr(1, b"dora") + attr(44, session["acct-session-id"].encode())
                return out + (attr(55, struct.pack("!I", int(time.time()) + ts)) if ts is not None else b"")

            def classes():
                return self.htb_class("br-lan", minor), self.htb_class("gw-wan", minor)

            # Positive control: a CoA signed as RFC 5176 says is answered with CoA-ACK and applied.
            answer = self.udp_exchange(GATEWAY_NAS, port, dynauth_request(
                43, secret, identity() + mikrotik_rate_limit("3M/6M"), next(ids)), wait=5.0)
            self.assertIsNotNone(answer, "no answer to a well-formed CoA-Request")
            self.assertEqual(44, answer[0], "CoA-ACK")
            wait_for(lambda: classes() == ((6_000_000, 6_000_000), (3_000_000, 3_000_000)), what="the CoA's rates")

            cases = [
                ("CoA, Message-Authenticator wrong", 43, identity(), "bad"),
                ("CoA, no Message-Authenticator", 43, identity(), "none"),
                ("CoA, Event-Timestamp 400 s old", 43, identity(-400), "good"),
                ("CoA, Event-Timestamp 400 s ahead", 43, identity(400), "good"),
                ("CoA, no Event-Timestamp", 43, identity(None), "good"),
                ("Access-Request to the CoA port", 1, identity(), "good"),
                ("CoA-ACK to the CoA port", 44, identity(), "good"),
                ("Disconnect, Message-Authenticator wrong", 40, identity(), "bad"),
                ("Disconnect, Event-Timestamp 400 s old", 40, identity(-400), "good"),
                ("Disconnect, no Event-Timestamp", 40, identity(None), "good"),
            ]
            for what, code, attrs, ma in cases:
                with self.subTest(what):
                    if code in (43, 1, 44):
                        attrs += mikrotik_rate_limit("1M/1M")
                    dropped = self.metrics(edged)["gateway_dynauth_dropped_total"]
                    answer = self.udp_exchange(GATEWAY_NAS, port, dynauth_request(code, secret, attrs, next(ids), ma))
                    wait_for(lambda: self.metrics(edged)["gateway_dynauth_dropped_total"] == dropped + 1,
                             timeout=10, what=f"the drop counter to count '{what}'")
                    self.assertIsNone(answer, f"'{what}' was answered: {answer.hex() if answer else ''}")
                    self.assertEqual([session["id"]], [r["id"] for r in edged.ctl_json("session", "list",
                                                                                       "--user", "dora")])
                    self.assertEqual(((6_000_000, 6_000_000), (3_000_000, 3_000_000)), classes(), what)
            code, body, _ = c1.get(f"http://{WEB}/")
            self.assertEqual((200, "upstream web server"), (code, body.strip()), "dora is still online")

            # Positive control: a well-formed Disconnect is answered and ends the session.
            answer = self.udp_exchange(GATEWAY_NAS, port, dynauth_request(40, secret, identity(), next(ids)),
                                       wait=5.0)
            self.assertIsNotNone(answer, "no answer to a well-formed Disconnect-Request")
            self.assertEqual(41, answer[0], "Disconnect-ACK")
            wait_for(lambda: self.session_of(edged, "dora") is None, timeout=15, what="dora's Stop")
        finally:
            edged.stop()

    def technician_ui_gateway_page(self, edged, c1):
        """The technician UI's Gateway page (and gateway-clients): alice's client with her address,
        MAC, plan limit after the CoA and counters, and her DHCP lease."""
        from webui_pages_test import text_of  # noqa: E402
        j = edged.ctl_json("gateway", "clients")
        mine = [c for c in j["clients"] if c["username"] == "alice"]
        self.assertEqual(1, len(mine), j)
        self.assertEqual((c1.ip, "02:00:00:00:77:01", 4_000_000, 2_000_000),
                         (mine[0]["ip"], mine[0]["mac"], mine[0]["limit-down-bps"], mine[0]["limit-up-bps"]), mine)
        self.assertGreater(mine[0]["down-octets"], 1_000_000, "iperf's download is in the counters")
        self.assertIn({"ip": c1.ip, "mac": "02:00:00:00:77:01"},
                      [{"ip": l["ip"], "mac": l["mac"]} for l in j["leases"]], j["leases"])
        edged.ctl("user", "add", "--username", "gina", "--password", "gina gateway pw", "--role", "viewer")
        # edged runs in the gateway's namespace: a browser there (curl with a cookie jar).
        url = edged.ctl_json("status")["ui-url"]
        jar = os.path.join(self.root, "ui-cookies")

        def curl(path, *extra):
            r = ns(GW, "curl", "-sk", "-b", jar, "-c", jar, "-o", "-", "-w", "\n%{http_code}", *extra, url + path)
            body, _, code = r.stdout.rpartition("\n")
            return int(code), body
        _, login = curl("login")
        csrf = re.search(r'name="csrf" value="([^"]+)"', login).group(1)
        code, _ = curl("login", "--data-urlencode", f"csrf={csrf}", "--data-urlencode", "username=gina",
                       "--data-urlencode", "password=gina gateway pw")
        self.assertEqual(303, code)
        _, page = curl("")
        self.assertIn('href="/gateway"', page)
        status, page = curl("gateway")
        self.assertEqual(200, status)
        words = text_of(page)
        self.assertIn(f"alice {c1.ip} 02:00:00:00:77:01", words)
        self.assertIn("4.0 Mbit/s / 2.0 Mbit/s", words)
        self.assertIn(f"{c1.ip} 02:00:00:00:77:01", words.split("DHCP leases", 1)[1])
        # The same page in a phone's browser (chromium in the gateway's namespace), for the operator
        # guide: into EDGE_DOC_IMAGES when set, else the artifacts.
        src = os.environ.get("EDGE_SOURCE", os.path.join(os.path.dirname(__file__), "..", ".."))
        out = os.environ.get("EDGE_DOC_IMAGES") or os.path.join(
            os.environ.get("EDGE_ARTIFACTS", os.path.join(self.root, "artifacts")), "webui-phone")
        shot = webui_shots(src, url, out, {"user": "gina", "password": "gina gateway pw"},
                           [["webui-phone-gateway", "gateway"]], prefix=("ip", "netns", "exec", GW))["shots"][0]
        self.assertEqual((shot["status"], shot["violations"]), (200, []), shot)
        self.assertEqual(png_width(os.path.join(out, "webui-phone-gateway.png")), 390)

    def test_gateway(self):
        edged = self.start_edged()
        try:
            self.flow(edged)
        finally:
            if edged.proc is not None:
                edged.stop()

    def flow(self, edged):
        edged.ctl("plan", "add", "--name", "cafe", "--down", "8M", "--up", "4M", "--interim", "60")
        edged.ctl("plan", "add", "--name", "small", "--down", "8M", "--up", "4M", "--data-quota", "3MB",
                  "--period", "month")
        edged.ctl("plan", "add", "--name", "trial", "--down", "2M", "--up", "1M", "--validity", "1d")
        edged.ctl("subscriber", "add", "--username", "alice", "--password", "alice-pass-1", "--plan", "cafe")
        edged.ctl("subscriber", "add", "--username", "bob", "--password", "bob-pass-12", "--plan", "small")
        nas = {n["name"]: n for n in edged.ctl_json("nas", "list")}
        self.assertEqual(("127.0.0.86", "mikrotik"), (nas["gateway"]["address"], nas["gateway"]["vendor"]), nas)

        c1, c2 = Client(CL1, self.root), Client(CL2, self.root)
        env = c1.dhcp()
        # RFC 8910: option 114 carries the CAPPORT API URI.
        opt = env.get("opt114", "")
        uri = bytes.fromhex(opt).decode() if re.fullmatch(r"[0-9a-fA-F]+", opt or "x") else opt
        self.assertEqual(f"http://{LAN_IP}:{PORTAL_PORT}/api/captive", uri, {k: v for k, v in env.items() if k.startswith("opt")})
        self.assertTrue(c1.ip.startswith("10.77.0."), env)
        c2.dhcp()

        # ---- captive ----
        code, body, _ = c1.get(f"http://{WEB}/", "-L")
        self.assertEqual(200, code)
        self.assertIn("Cafe Test", body)
        self.assertIn('name="csrf"', body)
        # A TLS server answers upstream (build_topology waited for it): only the gateway stops this.
        code, body, r = c1.get(f"https://{WEB}/", "-k", timeout=8)
        self.assertEqual(0, code, "HTTPS must not get through before login: " + body[:200])
        # Refused at once by a reset (curl 7, connection refused), not dropped until a timeout (curl 28).
        self.assertEqual(7, r.returncode, f"HTTPS before login must be reset: {r.stderr}")
        code, body, _ = c1.get(f"http://{GARDEN_IP}/")
        self.assertEqual((200, "upstream web server"), (code, body.strip()), "walled garden by address")
        code, body, _ = c1.get("http://garden.test/")
        self.assertEqual((200, "upstream web server"), (code, body.strip()), "walled garden by DNS name")
        # IPv6: the upstream answers it (from the box itself), edged answers RADIUS over it; only
        # the LAN's IPv6 is kept out.
        r = ns(GW, "curl", "-s", "-g", "--max-time", "10", "http://[fd78::2]/", check=False)
        self.assertEqual((0, "upstream web server"), (r.returncode, r.stdout.strip()),
                         "positive control: the upstream answers IPv6 from the box " + r.stderr)
        self.radius_over_ipv6(edged)
        code, _, r = c1.get("http://[fd78::2]/", timeout=4)
        self.assertEqual(0, code, "IPv6 must not bypass the portal")
        api = json.loads(c1.get(f"http://{LAN_IP}:{PORTAL_PORT}/api/captive")[1])
        self.assertEqual(True, api["captive"])
        code, _, _ = c1.get(f"http://{WEB}/generate_204")
        self.assertEqual(302, code, "Android's probe sees the portal")

        # ---- login: CSRF honoured, wrong password refused ----
        code, body, _ = c1.get(f"http://{LAN_IP}:{PORTAL_PORT}/login", "--data", "username=alice&password=alice-pass-1&accept=yes")
        self.assertEqual(403, code, "a form without its CSRF token is refused")
        code, body, _ = c1.form("/login", {"username": "alice", "password": "wrong", "accept": "yes"})
        self.assertEqual(403, code)
        self.assertIn("Wrong username or password", body)
        code, body, _ = c1.form("/login", {"username": "alice", "password": "alice-pass-1", "accept": "yes"})
        self.assertEqual(200, code, body[:500])
        self.assertIn("You are online", body)
        code, body, _ = c1.get(f"http://{WEB}/")
        self.assertEqual((200, "upstream web server"), (code, body.strip()), "the upstream opens after login")
        code, body, r = c1.get(f"https://{WEB}/", "-k", timeout=10)
        self.assertEqual((200, "upstream web server"), (code, body.strip()),
                         f"HTTPS reaches the upstream after login, not the portal: {r.stderr}")
        api = json.loads(c1.get(f"http://{LAN_IP}:{PORTAL_PORT}/api/captive")[1])
        self.assertEqual(False, api["captive"])
        session = self.session_of(edged, "alice")
        self.assertIsNotNone(session, "the portal login is a session in the ledger")
        self.assertEqual("gateway", session["nas"])
        self.assertEqual(c1.ip, session["framed-ip"])
        self.assertEqual("02-00-00-00-77-01", session["calling-station-id"])
        code, _, _ = c1.get(f"http://[fd78::2]/", timeout=4)
        self.assertEqual(0, code, "IPv6 stays blocked after login too")

        # ---- shaping: the kernel holds the plan's rates exactly, and traffic is held to them ----
        # (No rate thresholds here: how close iperf3 gets to the plan is tests/bench/shaping_bench.py.)
        minor = self.kernel_class_of(c1.ip)
        self.assertIsNotNone(minor, "alice's address has a class in the map")
        self.assertEqual((DOWN, DOWN), self.htb_class("br-lan", minor), "download class: rate and ceil")
        self.assertEqual((UP_RATE, UP_RATE), self.htb_class("gw-wan", minor), "upload class: rate and ceil")
        unshaped = self.iperf_unshaped()
        down = c1.iperf(reverse=True)
        up = c1.iperf(reverse=False)
        self.assertLess(down, unshaped / 2, f"download {down / 1e6:.2f} Mbit/s, unshaped {unshaped / 1e6:.0f} Mbit/s")
        self.assertLess(up, unshaped / 2, f"upload {up / 1e6:.2f} Mbit/s, unshaped {unshaped / 1e6:.0f} Mbit/s")
        # A plan change reaches the live session as a CoA: the kernel's classes follow it.
        edged.ctl("plan", "set", "--name", "cafe", "--down", "4M", "--up", "2M")
        wait_for(lambda: (self.htb_class("br-lan", minor), self.htb_class("gw-wan", minor)) ==
                 ((4_000_000, 4_000_000), (2_000_000, 2_000_000)), what="the CoA's classes (down, up)")
        self.assertIn("gateway: CoA: alice", edged.read_log())
        self.technician_ui_gateway_page(edged, c1)

        # ---- quota: cut within one polling interval ----
        c2_log = c2.form("/login", {"username": "bob", "password": "bob-pass-12", "accept": "yes"})
        self.assertEqual(200, c2_log[0], c2_log[1][:300])
        self.assertEqual(200, c2.get(f"http://{WEB}/")[0])
        # The ledger's counters are the kernel's: a plan with a quota reports every counter move.
        c2.get(f"http://{WEB}/one.bin", "-o", "/dev/null", timeout=20)
        sid = self.session_of(edged, "bob")["acct-session-id"]
        def counters_match():
            k = self.kernel_counters()
            s = self.session_of(edged, "bob")
            return (k[f"u_{sid}"]["bytes"], k[f"d_{sid}"]["bytes"]) == (s["input-octets"], s["output-octets"])
        wait_for(counters_match, timeout=5, what="the ledger's counters equal to the kernel's")
        self.assertGreater(self.kernel_counters()[f"d_{sid}"]["bytes"], 1_000_000)
        # The download runs until the quota cuts it off (then its packets go nowhere): wait for the
        # session's end while it runs, then stop it, rather than for curl's own time limit.
        download = subprocess.Popen(["ip", "netns", "exec", CL2, "curl", "-s", "-o", "/dev/null", "--max-time", "30",
                                     f"http://{WEB}/big.bin"], stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
        try:
            wait_for(lambda: self.session_of(edged, "bob") is None, timeout=30,
                     what="bob's session to end at the quota")
        finally:
            download.kill()
            download.wait()
        hist = edged.ctl_json("session", "history", "--user", "bob")[0]
        total = hist["input-octets"] + hist["output-octets"]
        quota = 3 * 1024 * 1024
        self.assertGreaterEqual(total, quota * 0.9, hist)
        # One interval at the plan's 8 Mbit/s is 1 MB; allow the poll plus the Stop's round trip.
        self.assertLessEqual(total, quota + 1_000_000 * 1.5, f"overshoot {total - quota} bytes: {hist}")
        code, body, _ = c2.get(f"http://{WEB}/", "-L")
        self.assertIn("Cafe Test", body, "after the quota the client is back at the portal")

        # ---- logout and disconnect ----
        edged.ctl("subscriber", "add", "--username", "carol", "--password", "carol-pass-1", "--plan", "cafe")
        code, body, _ = c2.form("/login", {"username": "carol", "password": "carol-pass-1", "accept": "yes"})
        self.assertEqual(200, code, body[:300])
        code, page, _ = c2.get(f"http://{LAN_IP}:{PORTAL_PORT}/status")
        csrf = re.search(r'name="csrf" value="([0-9a-f]+)"', page).group(1)
        c2.get(f"http://{LAN_IP}:{PORTAL_PORT}/logout", "--data", "csrf=" + csrf)
        self.assertIsNone(self.session_of(edged, "carol"))
        self.assertEqual("user-request", edged.ctl_json("session", "history", "--user", "carol")[0]["close-reason"])
        self.assertIn("Cafe Test", c2.get(f"http://{WEB}/", "-L")[1])

        # ---- kill -9: logged-in stays in and shaped, logged-out stays out ----
        minor_before = self.kernel_class_of(c1.ip)
        edged.stop(sig=signal.SIGKILL)
        edged = self.start_edged(edged)
        self.assertEqual((200, "upstream web server"), (c1.get(f"http://{WEB}/")[0], c1.get(f"http://{WEB}/")[1].strip()))
        self.assertIn("Cafe Test", c2.get(f"http://{WEB}/", "-L")[1], "a logged-out client stays out")
        minor = self.kernel_class_of(c1.ip)
        self.assertIsNotNone(minor)
        self.assertEqual("4Mbit", self.tc_class_rate("br-lan", minor), "still shaped after kill -9")
        self.assertIsNotNone(minor_before)

        # ---- a spoofer: c2 takes c1's IP with its own MAC ----
        ns(CL2, "ip", "addr", "flush", "dev", "eth0")
        ns(CL2, "ip", "addr", "add", c1.ip + "/24", "dev", "eth0")
        ns(CL2, "ip", "route", "replace", "default", "via", LAN_IP)
        code, body, _ = c2.get(f"http://{WEB}/", timeout=4)
        self.assertNotEqual("upstream web server", body.strip(), "a spoofed IP with another MAC gets nothing")

        # ---- Disconnect from edgectl ----
        edged.ctl("session", "disconnect", "--user", "alice")
        wait_for(lambda: self.session_of(edged, "alice") is None, timeout=15, what="alice's Stop after the Disconnect")
        edged.stop()

    def radius_over_ipv6(self, edged):
        """Positive control for the IPv6 checks: a NAS at ::1 gets its Access-Accept over IPv6."""
        edged.ctl("nas", "add", "--name", "v6-nas", "--address", "::1", "--secret", V6_SECRET)
        port = edged.ctl_json("status")["radius"]["auth-port"]
        raw, _ = rp.access_request(V6_SECRET.encode(), "alice", "alice-pass-1")
        answer = self.udp_exchange("::1", port, raw, wait=5.0)
        self.assertIsNotNone(answer, "edged did not answer an Access-Request over IPv6 (::1)")
        reply = rp.Reply(answer, V6_SECRET.encode(), raw)
        self.assertEqual(rp.ACCESS_ACCEPT, reply.code, reply.get("Reply-Message"))
        self.assertTrue(reply.response_authenticator_ok())
        requests = self.metrics(edged, "radius_auth_client_access_requests_total")
        self.assertEqual(1, requests.get('radius_auth_client_access_requests_total{nas="v6-nas"}'), requests)

    def kernel_class_of(self, ip):
        out = json.loads(ns(GW, "nft", "-j", "list", "map", "inet", "edged_gw", "class4").stdout)
        for item in out["nftables"]:
            if "map" in item:
                for elem in item["map"].get("elem", []):
                    if elem[0] == ip:
                        return int(str(elem[1]).split(":")[1], 16)
        return None


if __name__ == "__main__":
    unittest.main(verbosity=2)
