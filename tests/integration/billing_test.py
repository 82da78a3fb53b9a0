"""Quotas, fair use, top-ups and vouchers end to end: pyrad-built Access-Requests and raw
Accounting-Requests as the NAS, the fake NAS (fake_nas.py) recording the CoA and Disconnect
requests edged sends, edgectl as the operator."""
import csv
import os
import shutil
import sqlite3
import subprocess
import sys
import time
import unittest
from datetime import datetime, timedelta, timezone
from zoneinfo import ZoneInfo

sys.path.insert(0, os.path.dirname(__file__))
from edgelib import Edged, TempDir  # noqa: E402
import radius_peer as rp  # noqa: E402
from radius_acct_test import acct_packet, SECRET  # noqa: E402
from session_control_test import FakeNas  # noqa: E402

GB = 1000 ** 3
MB = 1000 ** 2


class Billing(unittest.TestCase):
    @classmethod
    def setUpClass(cls):
        cls.tmp = TempDir()
        cls.edged = Edged(cls.tmp.path, extra={"billing": {"time-zone": "Europe/Berlin",
                                                           "tenant-name": "Harbour Wi-Fi <test>"}}).start()
        cls.nas = FakeNas(cls.tmp.path, "ack")
        ctl = cls.edged.ctl
        ctl("nas", "add", "--name", "bras", "--address", "127.0.0.1", "--secret", SECRET.decode(),
            "--vendor", "mikrotik", "--coa-port", str(cls.nas.port))
        ctl("plan", "add", "--name", "fup", "--down", "10M", "--up", "10M", "--period", "month",
            "--fup", "1GB:2M/2M", "--fup", "2GB:block")
        ctl("plan", "add", "--name", "big", "--down", "50M", "--up", "20M", "--data-quota", "5GB")
        ctl("plan", "add", "--name", "hour", "--down", "5M", "--up", "5M", "--time-quota", "1h")
        ctl("plan", "add", "--name", "hotspot", "--down", "4M", "--up", "1M", "--price", "2.50", "--currency", "EUR")
        for user, plan in (("alice", "fup"), ("bob", "fup"), ("gina", "big"), ("tom", "hour")):
            ctl("subscriber", "add", "--username", user, "--password", "pw-" + user, "--plan", plan)
        status = cls.edged.ctl_json("status")["radius"]
        cls.auth_port, cls.acct_port = status["auth-port"], status["acct-port"]
        cls.pkt = 0

    @classmethod
    def tearDownClass(cls):
        cls.nas.stop()
        cls.edged.stop()
        cls.tmp.cleanup()

    def next_id(self):
        Billing.pkt = (Billing.pkt + 1) % 256
        return Billing.pkt

    def auth(self, user, password, **attrs):
        raw, _ = rp.access_request(SECRET, user, password, pkt_id=self.next_id(), **attrs)
        reply = rp.exchange(self.auth_port, raw, SECRET)
        self.assertIsNotNone(reply, "no answer to the Access-Request")
        return reply

    def acct(self, status, user, sid, counters=(0, 0, 0)):
        r = rp.exchange(self.acct_port, acct_packet(status, user, sid, counters, pkt_id=self.next_id()), SECRET)
        self.assertIsNotNone(r, "no Accounting-Response")
        self.assertEqual(r.code, 5)

    def nas_requests(self, user, code_name, at_least, timeout=10.0):
        """The requests the fake NAS received for `user` of one kind, waiting for `at_least`."""
        deadline = time.time() + timeout
        while True:
            seen = [q for q in self.nas.requests()
                    if q["code_name"] == code_name
                    and any(a["name"] == "User-Name" and a["value"] == user for a in q["attributes"])]
            if len(seen) >= at_least or time.time() > deadline:
                return seen
            time.sleep(0.1)

    @staticmethod
    def attrs(request, name):
        return [a["value"] for a in request["attributes"] if a["name"] == name]

    def test_fair_use_steps_down_then_blocks_across_sessions_and_a_top_up_restores(self):
        # Full rate, and the NAS is told the exact volume left before the block (2 GB).
        r = self.auth("alice", "pw-alice")
        self.assertEqual(r.code, rp.ACCESS_ACCEPT)
        self.assertEqual(r.get("Mikrotik-Rate-Limit"), ["10M/10M"])
        self.assertEqual(r.get("Mikrotik-Total-Limit"), [2 * GB])
        self.assertEqual(r.get("Mikrotik-Total-Limit-Gigawords"), [0])
        # Two concurrent sessions (two devices) share the counters.
        self.acct(1, "alice", "AL-1")
        self.acct(1, "alice", "AL-2")
        self.acct(3, "alice", "AL-1", (300 * MB, 300 * MB, 60))   # 0.6 GB counted: still full rate
        self.acct(3, "alice", "AL-2", (200 * MB, 200 * MB, 60))   # 1.0 GB: the first tier
        coas = self.nas_requests("alice", "CoA-Request", 2)
        self.assertEqual(len(coas), 2, "a CoA for each of the two sessions at 1 GB")
        self.assertEqual({tuple(self.attrs(q, "Acct-Session-Id")) for q in coas}, {("AL-1",), ("AL-2",)})
        for q in coas:
            self.assertEqual(self.attrs(q, "Mikrotik-Rate-Limit"), ["2M/2M"])
        self.assertEqual(self.nas_requests("alice", "Disconnect-Request", 0, timeout=0), [])
        usage = self.edged.ctl_json("usage", "--user", "alice")["billing"]
        self.assertEqual(usage["data-used"], 1 * GB)
        self.assertEqual(usage["tier"], "tier 1 (1GB:2M/2M)")
        self.assertEqual(usage["rate"], "2M/2M")
        self.assertEqual(usage["data-remaining"], 1 * GB)
        # A new login now gets the stepped-down rate and the 1 GB left.
        r = self.auth("alice", "pw-alice")
        self.assertEqual(r.get("Mikrotik-Rate-Limit"), ["2M/2M"])
        self.assertEqual(r.get("Mikrotik-Total-Limit"), [1 * GB])
        # 2 GB: each session is disconnected, and the next login is refused with the reason.
        self.acct(3, "alice", "AL-1", (800 * MB, 800 * MB, 120))  # +1.0 GB: 2.0 GB counted
        discs = self.nas_requests("alice", "Disconnect-Request", 2)
        self.assertEqual({tuple(self.attrs(q, "Acct-Session-Id")) for q in discs}, {("AL-1",), ("AL-2",)})
        r = self.auth("alice", "pw-alice")
        self.assertEqual(r.code, rp.ACCESS_REJECT)
        self.assertEqual(r.get("Reply-Message"), ["Data quota used up for this period; top up to continue"])
        explained = self.edged.ctl_json("subscriber", "explain", "alice")
        self.assertEqual(explained["last-authentication"]["reason"], "data-quota-used-up")
        self.assertEqual(explained["last-authentication"]["data-counted"], 2 * GB)
        text = self.edged.ctl("subscriber", "explain", "alice").stdout
        self.assertIn("rejected: Data quota used up", text)
        self.assertIn("tier 2 (2GB:block)", text)
        # The NAS's Stops do not count anything twice.
        self.acct(2, "alice", "AL-1", (800 * MB, 800 * MB, 130))
        self.acct(2, "alice", "AL-2", (200 * MB, 200 * MB, 130))
        self.assertEqual(self.edged.ctl_json("usage", "--user", "alice")["billing"]["data-used"], 2 * GB)
        # A top-up moves every threshold: access is back at full rate at once.
        out = self.edged.ctl("subscriber", "topup", "--username", "alice", "--bytes", "5GB", "--note", "paid cash")
        self.assertIn("topped up alice: +5GB", out.stdout)
        r = self.auth("alice", "pw-alice")
        self.assertEqual(r.code, rp.ACCESS_ACCEPT)
        self.assertEqual(r.get("Mikrotik-Rate-Limit"), ["10M/10M"])
        self.assertEqual(r.get("Mikrotik-Total-Limit"), [(7 * GB - 2 * GB) & 0xffffffff])
        self.assertEqual(r.get("Mikrotik-Total-Limit-Gigawords"), [(5 * GB) >> 32])

    def test_top_up_gives_a_slowed_session_its_rate_back_live(self):
        self.acct(1, "bob", "BO-1")
        self.acct(3, "bob", "BO-1", (600 * MB, 500 * MB, 60))  # 1.1 GB: tier 1
        self.assertEqual(len(self.nas_requests("bob", "CoA-Request", 1)), 1)
        self.edged.ctl("subscriber", "topup", "--username", "bob", "--bytes", "1GB")
        coas = self.nas_requests("bob", "CoA-Request", 2)
        self.assertEqual(len(coas), 2, "the top-up pushes the full rate back")
        self.assertEqual(self.attrs(coas[-1], "Mikrotik-Rate-Limit"), ["10M/10M"])
        self.assertEqual(self.edged.ctl_json("usage", "--user", "bob")["billing"]["tier"], "full rate")

    def test_remaining_volume_above_4_gib_uses_gigawords(self):
        r = self.auth("gina", "pw-gina")
        self.assertEqual(r.code, rp.ACCESS_ACCEPT)
        self.assertEqual(r.get("Mikrotik-Total-Limit-Gigawords"), [1])
        self.assertEqual(r.get("Mikrotik-Total-Limit"), [5 * GB - (1 << 32)])

    def test_time_quota_sets_session_timeout_and_is_enforced(self):
        r = self.auth("tom", "pw-tom")
        self.assertEqual(r.code, rp.ACCESS_ACCEPT)
        self.assertEqual(r.get("Session-Timeout"), [3600])
        self.acct(1, "tom", "TO-1")
        self.acct(3, "tom", "TO-1", (1000, 1000, 1800))
        r = self.auth("tom", "pw-tom")
        self.assertEqual(r.get("Session-Timeout"), [1800])
        self.acct(3, "tom", "TO-1", (2000, 2000, 3600))
        self.assertEqual(len(self.nas_requests("tom", "Disconnect-Request", 1)), 1)
        r = self.auth("tom", "pw-tom")
        self.assertEqual(r.code, rp.ACCESS_REJECT)
        self.assertEqual(r.get("Reply-Message"), ["Time quota used up for this period; top up to continue"])
        self.edged.ctl("subscriber", "topup", "--username", "tom", "--time", "30m")
        r = self.auth("tom", "pw-tom")
        self.assertEqual(r.code, rp.ACCESS_ACCEPT)
        self.assertEqual(r.get("Session-Timeout"), [1800])

    def test_bad_top_ups_are_refused_with_the_reason(self):
        r = self.edged.ctl("subscriber", "topup", "--username", "gina", check=False)
        self.assertEqual(r.returncode, 1)
        self.assertIn("give what to add", r.stderr)
        r = self.edged.ctl("subscriber", "topup", "--username", "gina", "--time", "1h", check=False)
        self.assertIn("plan 'big' has no time quota", r.stderr)
        r = self.edged.ctl("subscriber", "topup", "--username", "gina", "--bytes", "lots", check=False)
        self.assertIn("bytes", r.stderr)
        r = self.edged.ctl("subscriber", "topup", "--username", "nobody", "--bytes", "1GB", check=False)
        self.assertIn("no subscriber 'nobody'", r.stderr)

    def test_voucher_works_once_starts_at_first_use_and_expires_on_time(self):
        made = self.edged.ctl_json("voucher", "generate", "--plan", "hotspot", "--count", "3", "--valid-for", "4s",
                                   "--batch", "lobby")
        codes = made["codes"]
        self.assertEqual(len(codes), 3)
        alphabet = set("23456789ABCDEFGHJKMNPQRSTUVWXYZ")
        for code in codes:
            self.assertEqual(len(code), 12)
            self.assertTrue(set(code) <= alphabet, code)
        self.assertEqual(made["price"], "2.50 EUR")
        listed = self.edged.ctl_json("voucher", "list", "--batch", "lobby")
        self.assertEqual({v["state"] for v in listed}, {"unused"})
        code = codes[0]
        # Unused for a while: validity has not started.
        time.sleep(1.2)
        r = self.auth(code, code, Calling_Station_Id="02-00-00-00-00-01")
        self.assertEqual(r.code, rp.ACCESS_ACCEPT)
        self.assertEqual(r.get("Session-Timeout"), [4])
        first_use = time.time()
        # Exactly once: the same code from another device is refused; the first device goes on.
        # Refused because of the device, not for any other reason (expired, used up, wrong code).
        before = self.edged.ctl_json("stats")["rejects-by-reason"].get("mac-mismatch", 0)
        r = self.auth(code, code, Calling_Station_Id="02-00-00-00-00-02")
        self.assertEqual(r.code, rp.ACCESS_REJECT)
        self.assertEqual(r.get("Reply-Message"), ["Device not allowed for this account (MAC mismatch)"])
        self.assertEqual(self.edged.ctl_json("stats")["rejects-by-reason"].get("mac-mismatch", 0), before + 1)
        r = self.auth(code, code, Calling_Station_Id="02:00:00:00:00:01")
        self.assertEqual(r.code, rp.ACCESS_ACCEPT)
        states = {v["code"]: v for v in self.edged.ctl_json("voucher", "list", "--batch", "lobby")}
        self.assertEqual(states[code]["state"], "active")
        self.assertEqual(states[code]["device"], "02:00:00:00:00:01")
        self.assertEqual(len(self.edged.ctl_json("voucher", "list", "--batch", "lobby", "--state", "unused")), 2)
        # On time: refused once the validity from first use is over.
        time.sleep(max(0.0, first_use + 4.2 - time.time()))
        r = self.auth(code, code, Calling_Station_Id="02:00:00:00:00:01")
        self.assertEqual(r.code, rp.ACCESS_REJECT)
        self.assertEqual(r.get("Reply-Message"), ["Account expired"])
        self.assertEqual(self.edged.ctl_json("voucher", "list", "--state", "expired")[0]["code"], code)
        # Revoked: refused.
        self.edged.ctl("voucher", "revoke", "--code", codes[1])
        r = self.auth(codes[1], codes[1], Calling_Station_Id="02:00:00:00:00:03")
        self.assertEqual(r.code, rp.ACCESS_REJECT)
        # Exports: CSV with every code, and a printable sheet with the tenant's name (escaped).
        out = os.path.join(self.tmp.path, "lobby.csv")
        self.edged.ctl("voucher", "export", "--batch", "lobby", "--format", "csv", "--output", out)
        with open(out) as f:
            rows = list(csv.DictReader(f))
        self.assertEqual(sorted(r["code"] for r in rows), sorted(codes))
        self.assertEqual({r["price"] for r in rows}, {"2.50 EUR"})
        self.assertEqual({r["valid_for"] for r in rows}, {"4s"})
        html = self.edged.ctl("voucher", "export", "--batch", "lobby", "--format", "html").stdout
        self.assertEqual(html.count('<div class="card">'), 3)
        self.assertIn("Harbour Wi-Fi &lt;test&gt;", html)
        for c in codes:
            self.assertIn(c, html)
        r = self.edged.ctl("voucher", "export", "--batch", "nope", check=False)
        self.assertIn("no voucher batch 'nope'", r.stderr)

    def test_a_rate_window_starting_pushes_its_rate_to_live_sessions(self):
        # A window with its own rate from the next minute (box time: Europe/Berlin) for two minutes.
        now = datetime.now(ZoneInfo("Europe/Berlin"))
        start = (now + timedelta(minutes=1)).replace(second=0, microsecond=0)
        if (start - now).total_seconds() < 5:
            start += timedelta(minutes=1)
        end = start + timedelta(minutes=2)
        window = f"{start:%H:%M}-{end:%H:%M}:1M/1M"
        self.edged.ctl("plan", "add", "--name", "night", "--down", "10M", "--up", "10M", "--window", window)
        self.edged.ctl("subscriber", "add", "--username", "nina", "--password", "pw-nina", "--plan", "night")
        r = self.auth("nina", "pw-nina")
        self.assertEqual(r.get("Mikrotik-Rate-Limit"), ["10M/10M"])
        self.acct(1, "nina", "NI-1")
        coas = self.nas_requests("nina", "CoA-Request", 1, timeout=(start - now).total_seconds() + 20)
        self.assertEqual(len(coas), 1, f"no CoA when the window {window} began")
        self.assertEqual(self.attrs(coas[0], "Mikrotik-Rate-Limit"), ["1M/1M"])
        self.assertGreaterEqual(time.time(), start.timestamp())

    def test_uncounted_windows_follow_local_time_across_both_dst_changes(self):
        """Each record is dated by the box's clock minus its Acct-Delay-Time (RFC 2866 5.2), so records
        can be placed on the days Europe/Berlin changes its clocks; a window is local wall time."""
        ctl = self.edged.ctl
        ctl("plan", "add", "--name", "night-free", "--down", "10M", "--up", "10M", "--data-quota", "100GB",
            "--period", "month", "--window", "01:00-05:00:uncounted")
        ctl("plan", "add", "--name", "half-hour-free", "--down", "10M", "--up", "10M", "--data-quota", "100GB",
            "--period", "month", "--window", "02:00-02:30:uncounted")
        ctl("subscriber", "add", "--username", "spring", "--password", "pw-spring", "--plan", "night-free")
        ctl("subscriber", "add", "--username", "autumn", "--password", "pw-autumn", "--plan", "half-hour-free")

        def session(user, sid, utc_times):
            """Start at the first time, then +100 MB at each of the others (the last one a Stop)."""
            now = time.time()
            for i, when in enumerate(utc_times):
                delay = int(now - datetime.fromisoformat(when).replace(tzinfo=timezone.utc).timestamp())
                status = 1 if i == 0 else (2 if i == len(utc_times) - 1 else 3)
                raw = acct_packet(status, user, sid, (0, 100 * MB * i, 60 * i), pkt_id=self.next_id(), delay=delay)
                r = rp.exchange(self.acct_port, raw, SECRET)
                self.assertIsNotNone(r, f"no Accounting-Response for {when}")

        # 29 March 2026: 02:00 CET becomes 03:00 CEST; the window 01:00-05:00 local is three real hours.
        session("spring", "DST-spring", ["2026-03-28T23:55:00",   # 00:55 CET: Start
                                          "2026-03-29T00:30:00",   # 01:30 CET: free
                                          "2026-03-29T01:30:00",   # 03:30 CEST: free (02:30 local never was)
                                          "2026-03-29T02:59:00",   # 04:59 CEST: free
                                          "2026-03-29T03:30:00"])  # 05:30 CEST: counted (04:30 if the offset stayed +1)
        # 25 October 2026: 03:00 CEST becomes 02:00 CET; 02:00-02:30 local happens twice.
        session("autumn", "DST-autumn", ["2026-10-24T23:50:00",   # 01:50 CEST: Start
                                          "2026-10-25T00:15:00",   # 02:15 CEST: free
                                          "2026-10-25T01:15:00",   # 02:15 CET, the second time: free
                                          "2026-10-25T01:45:00"])  # 02:45 CET: counted (03:45 if it stayed +2)
        self.edged.ctl("usage", "--user", "spring")  # settles the ledger's views
        db = sqlite3.connect(os.path.join(self.edged.data_dir, "acct.db"))
        try:
            counted = dict(db.execute("SELECT username, sum(input_octets + output_octets) FROM quota_usage "
                                      "WHERE username IN ('spring', 'autumn') GROUP BY username").fetchall())
            months = dict(db.execute("SELECT username, min(period_start) FROM quota_usage "
                                     "WHERE username IN ('spring', 'autumn') GROUP BY username").fetchall())
        finally:
            db.close()
        self.assertEqual(counted.get("spring"), 100 * MB, "only the record after 05:00 CEST counts")
        self.assertEqual(counted.get("autumn"), 100 * MB, "both 02:15s are free, 02:45 CET counts")
        berlin = ZoneInfo("Europe/Berlin")
        self.assertEqual(months["spring"], int(datetime(2026, 3, 1, tzinfo=berlin).timestamp()))
        self.assertEqual(months["autumn"], int(datetime(2026, 10, 1, tzinfo=berlin).timestamp()))

    def test_voucher_sheet_prints_in_a_real_browser(self):
        made = self.edged.ctl_json("voucher", "generate", "--plan", "hotspot", "--count", "7", "--valid-for", "1d",
                                   "--batch", "print")
        sheet = os.path.join(self.tmp.path, "print.html")
        self.edged.ctl("voucher", "export", "--batch", "print", "--format", "html", "--output", sheet)
        pdf = os.path.join(self.tmp.path, "print.pdf")
        profile = os.path.join(self.tmp.path, "chromium-profile")
        chromium = shutil.which("chromium")
        self.assertIsNotNone(chromium, "chromium is installed by scripts/setup")
        subprocess.run([chromium, "--headless", "--no-sandbox", "--disable-gpu", "--user-data-dir=" + profile,
                        "--no-pdf-header-footer", "--print-to-pdf=" + pdf, "file://" + sheet],
                       check=True, timeout=120, capture_output=True)
        text = subprocess.run(["pdftotext", "-layout", pdf, "-"], check=True, capture_output=True,
                              text=True).stdout
        for code in made["codes"]:
            self.assertIn(code, text)
        self.assertEqual(text.count("Harbour Wi-Fi <test>"), 7)  # escaped in HTML, plain on paper
        self.assertEqual(text.count("Price: 2.50 EUR"), 7)
        self.assertEqual(text.count("Valid for: 1d from first use"), 7)
        pages = subprocess.run(["pdfinfo", pdf], check=True, capture_output=True, text=True).stdout
        self.assertRegex(pages, r"Pages:\s+1\n")  # seven cards fit one page

    def test_voucher_generation_refuses_bad_input(self):
        r = self.edged.ctl("voucher", "generate", "--plan", "hotspot", "--count", "0", check=False)
        self.assertIn("count", r.stderr)
        r = self.edged.ctl("voucher", "generate", "--plan", "nope", "--count", "1", check=False)
        self.assertIn("no plan named 'nope'", r.stderr)
        r = self.edged.ctl("voucher", "generate", "--plan", "hotspot", "--count", "1", check=False)
        self.assertIn("would never run out", r.stderr)
        r = self.edged.ctl("voucher", "generate", "--plan", "hotspot", "--count", "1", "--valid-for", "1d",
                           "--prefix", "a b", check=False)
        self.assertIn("prefix", r.stderr)


if __name__ == "__main__":
    unittest.main(verbosity=2)
