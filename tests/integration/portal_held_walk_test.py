"""The captive portal's held pages in a real browser (issue 24, ADR 0048): tests/browser/portal_held_walk.js
drives Debian chromium (playwright-core) at a phone's viewport against the real Portal served by
portal_preview (a fixed host in place of the gateway: the gateway's side of these pages, a walled
subscriber kept offline, is in gateway_test.py). The pay page of a subscriber walled for non-payment and
the top-up page of a "redirect" fair-use tier: their words, links, HTTP 402, axe-core clean, no sideways
scrolling; a wrong password still gets the login form."""
import json
import os
import subprocess
import sys
import unittest

sys.path.insert(0, os.path.dirname(__file__))
from edgelib import TempDir, binary  # noqa: E402


class PortalHeldWalk(unittest.TestCase):
    def test_pay_and_top_up_pages(self):
        tmp = TempDir("edge-portal-walk-")
        self.addCleanup(tmp.cleanup)
        preview = subprocess.Popen([binary("portal_preview")], stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
        self.addCleanup(lambda: (preview.terminate(), preview.wait(timeout=10)))
        port = json.loads(preview.stdout.readline())["port"]
        src = os.environ.get("EDGE_SOURCE", os.path.join(os.path.dirname(__file__), "..", ".."))
        out = os.path.join(os.environ.get("EDGE_ARTIFACTS", os.path.join(tmp.path, "artifacts")), "portal-held")
        r = subprocess.run(["node", os.path.join(src, "tests", "browser", "portal_held_walk.js"), "--url",
                            f"http://127.0.0.1:{port}/", "--out", out], capture_output=True, text=True, timeout=120)
        lines = r.stdout.strip().splitlines()
        result = json.loads(lines[-1]) if lines else {"ok": False}
        self.assertTrue(result.get("ok"), f"{result.get('error')} {r.stderr[-2000:]}")
        seen = {s["name"]: s for s in result["seen"]}
        self.assertEqual({"login": 200, "pay": 402, "top-up": 402, "wrong-password": 403},
                         {name: s["status"] for name, s in seen.items()})
        for s in result["seen"]:
            self.assertEqual(s["violations"], [], f"{s['name']}: {s['violations']}")
            self.assertFalse(s["overflow"], f"{s['name']} scrolls sideways")
            self.assertIn("Harbour Cafe Wi-Fi", s["title"])
            self.assertGreater(os.path.getsize(os.path.join(out, s["name"] + ".png")), 1000)
        self.assertIn("Your service is paused", seen["pay"]["text"])
        self.assertIn("walt is paused because a payment is overdue", seen["pay"]["text"])
        self.assertEqual("https://pay.example.net/acme/invoices?u=walt", result["checks"]["payLink"])
        self.assertIn("Your data for this period is used up", seen["top-up"]["text"])
        for words in ("home-5gb", "10.00 USD per month", "5GB of 5GB", "1GB", "2030-02-01 00:00 UTC"):
            self.assertIn(words, seen["top-up"]["text"])
        self.assertEqual("https://mgmt.example.net/selfcare/acme/", result["checks"]["topUpLink"])
        self.assertIn("Wrong username or password", seen["wrong-password"]["text"])
        self.assertNotIn("paused", seen["wrong-password"]["text"])


if __name__ == "__main__":
    unittest.main()
