"""/metrics on the admin HTTP listener: Prometheus text format checked by promtool, the same numbers
as `edgectl stats`, and HTTP errors as JSON with a 4xx code. curl is the client."""
import json
import os
import re
import subprocess
import sys
import unittest

sys.path.insert(0, os.path.dirname(__file__))
from edgelib import Edged, TempDir  # noqa: E402
import radius_peer as rp  # noqa: E402

SECRET = b"metrics-secret-0123456789"


def curl(url, *extra):
    """(status, content type, body) of one request made by curl."""
    out = subprocess.run(["curl", "-sS", "--max-time", "10", "-o", "-", "-w", "\n%{http_code} %{content_type}",
                          *extra, url], check=True, capture_output=True, text=True).stdout
    body, _, tail = out.rpartition("\n")
    code, _, ctype = tail.partition(" ")
    return int(code), ctype, body


def samples(text):
    """{'name{labels}': value} of a Prometheus text page."""
    out = {}
    for line in text.splitlines():
        if not line or line.startswith("#"):
            continue
        key, _, value = line.rpartition(" ")
        # Counters are integers; a gauge in seconds (radius_snapshot_load_seconds) is a decimal once
        # it takes a millisecond or more: keep integers exact, read the rest as floats.
        out[key] = int(value) if value.lstrip("+-").isdigit() else float(value)
    return out


class Metrics(unittest.TestCase):
    @classmethod
    def setUpClass(cls):
        cls.tmp = TempDir()
        cls.edged = Edged(cls.tmp.path, extra={"admin": {"listen": "127.0.0.1", "port": 0}}).start()
        cls.edged.ctl("nas", "add", "--name", "bras", "--address", "127.0.0.1", "--secret", SECRET.decode())
        cls.edged.ctl("plan", "add", "--name", "p", "--down", "1M", "--up", "1M")
        cls.edged.ctl("subscriber", "add", "--username", "alice", "--password", "pw-alice", "--plan", "p")
        status = cls.edged.ctl_json("status")
        cls.url = status["metrics-url"]
        cls.auth_port = status["radius"]["auth-port"]

    @classmethod
    def tearDownClass(cls):
        cls.edged.stop()
        cls.tmp.cleanup()

    def test_metrics_pass_promtool_and_agree_with_edgectl_stats(self):
        for i, password in enumerate(["pw-alice", "pw-alice", "pw-alice", "wrong"]):
            raw, _ = rp.access_request(SECRET, "alice", password, pkt_id=i + 1)
            self.assertIsNotNone(rp.exchange(self.auth_port, raw, SECRET))
        code, ctype, body = curl(self.url)
        self.assertEqual(code, 200)
        self.assertTrue(ctype.startswith("text/plain; version=0.0.4"), ctype)
        check = subprocess.run(["promtool", "check", "metrics"], input=body, capture_output=True, text=True)
        self.assertEqual(check.returncode, 0, check.stdout + check.stderr)
        got = samples(body)
        self.assertEqual(got["radius_auth_access_accepts_total"], 3)
        self.assertEqual(got["radius_auth_access_rejects_total"], 1)
        self.assertEqual(got['radius_auth_rejects_by_reason_total{reason="bad-password"}'], 1)
        self.assertEqual(got['radius_auth_client_access_accepts_total{nas="bras"}'], 3)
        # Every number edgectl shows is the same on /metrics (the same registry).
        stats = self.edged.ctl_json("stats")
        for name, value in stats["totals"].items():
            self.assertEqual(got[name], value, name)
        for reason, value in stats["rejects-by-reason"].items():
            self.assertEqual(got[f'radius_auth_rejects_by_reason_total{{reason="{reason}"}}'], value, reason)
        for nas, counters in stats["clients"].items():
            for name, value in counters.items():
                self.assertEqual(got[f'{name}{{nas="{nas}"}}'], value, name)
        # No per-subscriber labels, ever.
        self.assertNotIn("alice", body)

    def test_http_errors_are_json_with_a_4xx_code(self):
        base = self.url.rsplit("/", 1)[0]
        code, ctype, body = curl(base + "/nope")
        self.assertEqual((code, ctype), (404, "application/json"))
        self.assertEqual(json.loads(body), {"error": "no such page"})
        code, ctype, body = curl(self.url, "-X", "POST", "--data", "x=1")
        self.assertEqual(code, 405)
        self.assertIn("not allowed", json.loads(body)["error"])
        code, _, body = curl(self.url, "-H", "Content-Length: 1", "-H", "Content-Length: 2", "-X", "GET")
        self.assertEqual(code, 400)
        self.assertEqual(json.loads(body)["error"], "duplicate Content-Length")

    def test_status_names_the_metrics_address(self):
        self.assertRegex(self.url, r"^http://127\.0\.0\.1:\d+/metrics$")
        self.assertIn("metrics         " + self.url, self.edged.ctl("status").stdout)


if __name__ == "__main__":
    unittest.main(verbosity=2)
