"""edged's configuration at run time: a broken file sent by SIGHUP is refused and the running config
kept (the error names the key), the reloadable keys change what edged does without a restart, keys
read only at start are refused by name, and `edged --print-config` prints every key with its
default. Each test has its own edged."""
import json
import os
import re
import signal
import subprocess
import sys
import time
import unittest

sys.path.insert(0, os.path.dirname(__file__))
from edgelib import Edged, TempDir, binary, wait_for, write_config  # noqa: E402
from license_maker import LicenseKey  # noqa: E402
import radius_peer as rp  # noqa: E402

SECRET = b"config-test-secret-0123"


class SighupReload(unittest.TestCase):
    def setUp(self):
        self.tmp = TempDir("edge-config-")
        self.addCleanup(self.tmp.cleanup)
        self.key = LicenseKey(os.path.join(self.tmp.path, "keys"))
        self.base = {"license": {"trusted-key": self.key.trusted_key}}
        self.edged = Edged(os.path.join(self.tmp.path, "box"), extra=self.base).start()
        self.addCleanup(self.edged.stop)

    def write(self, extra=None, raw=None):
        config = dict(self.base)
        config.update(extra or {})
        write_config(self.edged.config, self.edged.data_dir, self.edged.run_dir, config, raw=raw)

    def counter(self, name):
        return self.edged.ctl_json("status")["counters"].get(name)

    def sighup(self, outcome):
        """SIGHUP, then waits until the reload is counted as `outcome` (applied or refused) and its event
        recorded; returns the event."""
        name = "edged_config_reloads_total" if outcome == "applied" else "edged_config_reload_failures_total"
        kind = "config-reloaded" if outcome == "applied" else "config-refused"
        before = self.counter(name)
        last = self.edged.ctl_json("events", "--limit", "1")[0]["id"]
        self.edged.send(signal.SIGHUP)
        event = wait_for(lambda: [e for e in self.edged.ctl_json("events", "--limit", "5") if e["id"] > last],
                         timeout=10, what=f"the {kind} event")
        self.assertEqual([e["kind"] for e in event], [kind])
        self.assertEqual(self.counter(name), before + 1)
        return event[0]

    def radius(self):
        self.edged.ctl("nas", "add", "--name", "bras", "--address", "127.0.0.1", "--secret", SECRET.decode())
        self.edged.ctl("plan", "add", "--name", "home", "--down", "10M", "--up", "2M")
        self.edged.ctl("subscriber", "add", "--username", "alice", "--password", "pw-alice", "--plan", "home")
        return self.edged.ctl_json("status")["radius"]["auth-port"]

    def test_a_broken_file_by_sighup_is_refused_and_the_running_config_kept(self):
        self.write({"log-level": "warning", "database": {"busy-timeout-ms": -1}})
        event = self.sighup("refused")
        self.assertIsNone(self.edged.proc.poll(), "edged keeps running")
        self.assertEqual(self.edged.ctl_json("config-get")["log-level"], "info")
        self.assertEqual(self.counter("edged_config_reloads_total"), 0)
        self.assertIn("database.busy-timeout-ms: -1 is out of range", event["detail"])
        self.assertIn(self.edged.config, event["detail"])
        wait_for(lambda: "config reload refused, keeping the running config: " in self.edged.read_log(), timeout=5,
                 what="the refusal in the log")
        self.assertRegex(self.edged.read_log(), r"config reload refused, keeping the running config: .*"
                                                r"database\.busy-timeout-ms: -1 is out of range")

        # A syntax error, an unknown key: the same, each named.
        self.write(raw='{\n  "log-level": "debug",\n  oops\n}')
        self.assertIn("parse error at line 3", self.sighup("refused")["detail"])
        self.write({"radius": {"listen": "127.0.0.1", "auth-port": 0, "acct-port": 0, "threads": 1,
                               "requre-message-authenticator": False}})
        self.assertIn("radius.requre-message-authenticator: unknown key (did you mean 'require-message-authenticator'?)",
                      self.sighup("refused")["detail"])
        self.assertEqual(self.edged.ctl_json("config-get")["log-level"], "info")
        self.assertTrue(self.edged.ctl_json("config-get")["radius"]["require-message-authenticator"])
        self.assertEqual(self.counter("edged_config_reload_failures_total"), 3)
        # Repaired, the next SIGHUP applies it.
        self.write({"log-level": "warning"})
        self.sighup("applied")
        self.assertEqual(self.edged.ctl_json("config-get")["log-level"], "warning")

    def test_keys_read_only_at_start_are_refused_by_name(self):
        for extra, key in (({"accounting": {"disconnect-grace-seconds": 30}}, "accounting.disconnect-grace-seconds"),
                           ({"billing": {"tenant-name": "Harbour Wi-Fi"}}, "billing.tenant-name"),
                           ({"sync": {"max-backoff": 60}}, "sync.max-backoff")):
            with self.subTest(key=key):
                self.write(dict(extra, **{"log-level": "debug"}))
                detail = self.sighup("refused")["detail"]
                self.assertIn(f"{key} cannot change while edged runs; restart edged to apply it", detail)
                self.assertEqual(self.edged.ctl_json("config-get")["log-level"], "info", "nothing of it applied")

    def test_message_authenticator_requirement_changes_live(self):
        port = self.radius()
        raw, _ = rp.access_request(SECRET, "alice", "pw-alice", ma=False, pkt_id=1)
        self.assertIsNone(rp.exchange(port, raw, SECRET, timeout=1.0), "dropped while it is required")
        self.assertEqual(self.counter("radius_auth_missing_message_authenticator_total"), 1)
        self.write({"radius": {"listen": "127.0.0.1", "auth-port": 0, "acct-port": 0, "threads": 1,
                               "require-message-authenticator": False}})
        self.sighup("applied")
        raw, _ = rp.access_request(SECRET, "alice", "pw-alice", ma=False, pkt_id=2)
        reply = rp.exchange(port, raw, SECRET)
        self.assertIsNotNone(reply, "answered once it is not required")
        self.assertEqual(reply.code, rp.ACCESS_ACCEPT)
        self.assertEqual(self.counter("radius_auth_missing_message_authenticator_total"), 1)

    def test_auth_methods_change_live(self):
        port = self.radius()
        raw, _ = rp.access_request(SECRET, "alice", "pw-alice", pkt_id=1)
        self.assertEqual(rp.exchange(port, raw, SECRET).code, rp.ACCESS_ACCEPT)
        self.write({"radius": {"listen": "127.0.0.1", "auth-port": 0, "acct-port": 0, "threads": 1,
                               "auth-methods": ["chap", "mschapv2"]}})
        self.sighup("applied")
        raw, _ = rp.access_request(SECRET, "alice", "pw-alice", pkt_id=2)
        self.assertEqual(rp.exchange(port, raw, SECRET).code, rp.ACCESS_REJECT)
        self.assertEqual(self.counter('radius_auth_rejects_by_reason_total{reason="method-not-allowed"}'), 1)
        self.write()
        self.sighup("applied")
        raw, _ = rp.access_request(SECRET, "alice", "pw-alice", pkt_id=3)
        self.assertEqual(rp.exchange(port, raw, SECRET).code, rp.ACCESS_ACCEPT)

    def test_log_level_changes_what_is_logged(self):
        port = self.radius()
        raw, _ = rp.access_request(SECRET, "alice", "pw-alice", pkt_id=1)
        self.assertEqual(rp.exchange(port, raw, SECRET).code, rp.ACCESS_ACCEPT)
        self.assertNotIn("auth accept:", self.edged.read_log(), "accepts are logged at debug level only")
        self.write({"log-level": "debug"})
        self.sighup("applied")
        raw, _ = rp.access_request(SECRET, "alice", "pw-alice", pkt_id=2)
        self.assertEqual(rp.exchange(port, raw, SECRET).code, rp.ACCESS_ACCEPT)
        wait_for(lambda: "auth accept: nas=bras id=2 user=alice" in self.edged.read_log(), timeout=5,
                 what="the accept logged at debug level")

    def test_alert_thresholds_change_live(self):
        # A license with 40 days left is not 'expiring' at 30 warning days, and is at 60.
        self.edged.ctl("license", "install", self.key.sign("basic", expires_at=int(time.time()) + 40 * 86400))
        self.assertEqual(self.edged.ctl_json("license", "show")["state"], "valid")
        self.write({"alerts": {"license-warning-days": 60}})
        self.sighup("applied")
        self.assertEqual(self.edged.ctl_json("license", "show")["state"], "expiring")
        wait_for(lambda: "alert license-expiring" in [e["kind"] for e in self.edged.ctl_json("events")], timeout=15,
                 what="the license-expiring alert")
        self.assertEqual(self.counter('edged_alerts_total{alert="license-expiring"}'), 1)


class PrintConfig(unittest.TestCase):
    def setUp(self):
        self.tmp = TempDir("edge-print-config-")
        self.addCleanup(self.tmp.cleanup)

    def print_config(self, path):
        return subprocess.run([binary("edged"), "--print-config", "--config", path], capture_output=True, text=True,
                              timeout=30)

    def test_every_key_with_its_default_and_what_the_file_sets(self):
        path = os.path.join(self.tmp.path, "edged.json")
        data_dir = os.path.join(self.tmp.path, "data")
        with open(path, "w") as f:
            f.write('// a comment\n{"data-dir": "%s", "log-level": "debug", /* inline */ "radius": {"auth-port": 11812},'
                    ' "alerts": {"disk-low-percent": 5}}\n' % data_dir)
        r = self.print_config(path)
        self.assertEqual(r.returncode, 0, r.stderr)
        printed = json.loads(r.stdout)
        self.assertFalse(os.path.exists(data_dir), "printing the config creates nothing")

        def flatten(obj, prefix=""):
            for key, value in obj.items():
                if isinstance(value, dict):
                    yield from flatten(value, prefix + key + ".")
                else:
                    yield prefix + key, value
        values = dict(flatten(printed))
        # The keys are exactly those --help-config documents, each at its documented default unless the
        # file set it.
        documented = {}
        help_text = subprocess.run([binary("edged"), "--help-config"], capture_output=True, text=True).stdout
        for line in help_text.splitlines():
            m = re.match(r"^([a-z0-9.-]+) \([^)]*, default (.*?)\): ", line)
            if m:
                documented[m.group(1)] = json.loads(m.group(2))
        self.assertGreater(len(documented), 40)
        self.assertEqual(sorted(values), sorted(documented))
        given = {"data-dir": data_dir, "log-level": "debug", "radius.auth-port": 11812, "alerts.disk-low-percent": 5}
        for key, default in documented.items():
            with self.subTest(key=key):
                self.assertEqual(values[key], given.get(key, default))
        # What it prints is a valid config that means the same.
        again = os.path.join(self.tmp.path, "printed.json")
        with open(again, "w") as f:
            f.write(r.stdout)
        check = subprocess.run([binary("edged"), "--check", "--config", again], capture_output=True, text=True)
        self.assertEqual(check.returncode, 0, check.stderr)
        self.assertEqual(self.print_config(again).stdout, r.stdout)

    def test_a_broken_file_is_refused(self):
        path = os.path.join(self.tmp.path, "edged.json")
        with open(path, "w") as f:
            f.write('{"radius": {"auth-port": 70000}}')
        r = self.print_config(path)
        self.assertEqual(r.returncode, 2)
        self.assertEqual(r.stdout, "")
        self.assertIn(f"{path}: radius.auth-port: 70000 is out of range 0..65535", r.stderr)


if __name__ == "__main__":
    unittest.main(verbosity=2)
