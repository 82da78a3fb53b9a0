"""edged + edgectl end to end: the real daemon on a private folder, driven by the real CLI."""
import json
import os
import re
import signal
import sqlite3
import subprocess
import sys
import time
import unittest

sys.path.insert(0, os.path.dirname(__file__))
from edgelib import Edged, TempDir, binary, write_config  # noqa: E402


DOCS = os.path.join(os.environ.get("EDGE_SOURCE", os.path.join(os.path.dirname(__file__), "..", "..")), "docs")


def flatten(obj, prefix=""):
    for key, value in obj.items():
        if isinstance(value, dict):
            yield from flatten(value, prefix + key + ".")
        else:
            yield prefix + key, value


def doc_value(value):
    """A default as the docs' tables write it: `""`, `5000`, `true`, `[]`, `/var/lib/edged`."""
    return value if isinstance(value, str) and value else json.dumps(value)


def doc_config(path):
    """The config keys a markdown file documents: {key: default or None} from its
    `| key | type | default | meaning |` tables (a cell may name several keys: `a`, `b` or
    `s.a` / `.b`), and the keys of its ```jsonc examples of a section (such as `"gateway": {...}`;
    an example of a whole file documents nothing)."""
    with open(path) as f:
        lines = f.read().splitlines()
    rows, examples = {}, set()
    i = 0
    while i < len(lines):
        if lines[i].strip() == "| key | type | default | meaning |" and lines[i + 1].startswith("|---"):
            i += 2
            while i < len(lines) and lines[i].startswith("|"):
                cells = [c.strip() for c in lines[i].strip().strip("|").split(" | ")]
                names = re.findall(r"`([a-z0-9.-]+)`", cells[0])
                defaults = [d.strip() for d in cells[2].split(" / ")] if len(cells) > 2 else []
                base = ""
                for n, name in enumerate(names):
                    key = base + name if name.startswith(".") else name
                    base = key.rsplit(".", 1)[0] if "." in key else ""
                    literal = re.fullmatch(r"`([^`]*)`(?: \(.*\))?", defaults[min(n, len(defaults) - 1)]) \
                        if defaults else None
                    rows[key] = literal.group(1) if literal else None
                i += 1
            continue
        if lines[i].strip() in ("```jsonc", "```json"):
            body = []
            i += 1
            while not lines[i].startswith("```"):
                body.append(lines[i])
                i += 1
            text = re.sub(r'("(?:[^"\\]|\\.)*")|//[^\n]*', lambda m: m.group(1) or "", "\n".join(body))
            text = re.sub(r"\.\.\.", "", text).strip()
            if text.startswith('"'):  # a section's example, not a whole file's
                examples |= {k for k, _ in flatten(json.loads("{" + text + "}"))}
        i += 1
    return rows, examples


def check_config(path):
    return subprocess.run([binary("edged"), "--check", "--config", path], capture_output=True, text=True)


class ConfigValidation(unittest.TestCase):
    def setUp(self):
        self.tmp = TempDir()
        self.cfg = os.path.join(self.tmp.path, "edged.json")
        self.data = os.path.join(self.tmp.path, "data")
        self.run = os.path.join(self.tmp.path, "run")

    def tearDown(self):
        self.tmp.cleanup()

    def test_valid_config_passes(self):
        write_config(self.cfg, self.data, self.run)
        r = check_config(self.cfg)
        self.assertEqual(r.returncode, 0, r.stderr)
        self.assertIn("is valid", r.stdout)

    def test_unknown_key_is_named(self):
        write_config(self.cfg, self.data, self.run, {"database": {"synchronus": "full"}})
        r = check_config(self.cfg)
        self.assertEqual(r.returncode, 2)
        self.assertIn("database.synchronus: unknown key (did you mean 'synchronous'?)", r.stderr)
        self.assertIn(self.cfg, r.stderr)

    def test_wrong_type_names_key_and_expected_type(self):
        write_config(self.cfg, self.data, self.run, {"database": {"busy-timeout-ms": "5s"}})
        r = check_config(self.cfg)
        self.assertEqual(r.returncode, 2)
        self.assertIn("database.busy-timeout-ms: expected integer, got string", r.stderr)

    def test_bad_value_is_named(self):
        write_config(self.cfg, self.data, self.run, {"log-level": "chatty"})
        r = check_config(self.cfg)
        self.assertEqual(r.returncode, 2)
        self.assertIn("log-level: 'chatty' is not one of: debug, info, warning, error", r.stderr)
        write_config(self.cfg, "relative/data", self.run)
        r = check_config(self.cfg)
        self.assertEqual(r.returncode, 2)
        self.assertIn("data-dir: 'relative/data' must be an absolute path", r.stderr)
        write_config(self.cfg, self.data, self.run, {"billing": {"time-zone": "Mars/Olympus"}})
        r = check_config(self.cfg)
        self.assertEqual(r.returncode, 2)
        self.assertIn("billing.time-zone: 'Mars/Olympus' is not a time zone in /usr/share/zoneinfo", r.stderr)
        write_config(self.cfg, self.data, self.run, {"admin": {"listen": "localhost"}})
        r = check_config(self.cfg)
        self.assertEqual(r.returncode, 2)
        self.assertIn("admin.listen: 'localhost' is not an IP address", r.stderr)

    def test_syntax_error_names_line(self):
        write_config(self.cfg, None, None, raw='{\n  "log-level": "info",\n  oops\n}')
        r = check_config(self.cfg)
        self.assertEqual(r.returncode, 2)
        self.assertIn("parse error at line 3", r.stderr)

    def test_missing_file_is_named(self):
        r = check_config(os.path.join(self.tmp.path, "absent.json"))
        self.assertEqual(r.returncode, 2)
        self.assertIn("absent.json", r.stderr)

    def test_help_config_and_the_docs_document_every_key(self):
        """Every key of every config table (edged's and mgmtd's, as --print-config shows them) is in
        --help-config with its type, default and meaning, and in the operator docs: in a
        `| key | type | default | meaning |` table with the same default, or in a jsonc example of
        its section. Every key those tables name exists."""
        for daemon, docs in (("edged", ["operator-guide.md", "gateway.md"]), ("mgmtd", ["management-plane.md"])):
            with self.subTest(daemon=daemon):
                self.check_documented(daemon, [os.path.join(DOCS, d) for d in docs])

    def check_documented(self, daemon, docs):
        empty = os.path.join(self.tmp.path, daemon + "-empty.json")
        with open(empty, "w") as f:
            f.write("{}\n")
        r = subprocess.run([binary(daemon), "--print-config", "--config", empty], capture_output=True, text=True)
        self.assertEqual(r.returncode, 0, r.stderr)
        defaults = dict(flatten(json.loads(r.stdout)))
        self.assertGreater(len(defaults), 10, r.stdout)

        r = subprocess.run([binary(daemon), "--help-config"], capture_output=True, text=True)
        self.assertEqual(r.returncode, 0, r.stderr)
        helped = {}
        for line in r.stdout.splitlines():
            m = re.match(r"^([a-z0-9.-]+) \(([^,()]+(?:\([^)]*\))?[^,()]*), default (.*?)\): (.+)$", line)
            if m:
                helped[m.group(1)] = (m.group(2), json.loads(m.group(3)), m.group(4))
        self.assertEqual(sorted(defaults), sorted(helped), f"{daemon} --help-config lists other keys than the tables")
        for key, (kind, default, meaning) in helped.items():
            self.assertEqual(default, defaults[key], f"{daemon} --help-config: {key}'s default")
            self.assertGreater(len(meaning.strip()), 10, f"{daemon} --help-config: {key} has no meaning")

        tabled, examples = {}, set()
        for path in docs:
            rows, keys = doc_config(path)
            for key, default in rows.items():
                self.assertNotIn(key, tabled, f"{path}: {key} is in two config tables")
                tabled[key] = (path, default)
            examples |= keys
        for key, (path, _) in tabled.items():
            self.assertIn(key, defaults, f"{path} documents '{key}', which {daemon} does not have")
        missing = sorted(k for k in defaults if k not in tabled and k not in examples)
        self.assertEqual([], missing, f"keys of {daemon} in none of {', '.join(map(os.path.basename, docs))}")
        for key, (path, default) in tabled.items():
            if default is not None:
                self.assertEqual(default, doc_value(defaults[key]), f"{path}: the default of {key}")


class UnusableDataDir(unittest.TestCase):
    def setUp(self):
        self.tmp = TempDir()

    def tearDown(self):
        self.tmp.cleanup()

    def test_data_dir_under_a_file_is_refused_naming_the_path(self):
        blocker = os.path.join(self.tmp.path, "blocker")
        open(blocker, "w").close()
        e = Edged(self.tmp.path)
        write_config(e.config, os.path.join(blocker, "data"), e.run_dir)
        e.start(wait=False)
        rc = e.proc.wait(timeout=10)
        e.log.close()
        self.assertEqual(rc, 1)
        self.assertIn(f"data-dir '{blocker}/data': {blocker} is not a directory", e.read_log())

    def test_unwritable_data_dir_is_refused_naming_the_path(self):
        # edged runs unprivileged under systemd; as root every folder is writable, so run as nobody.
        locked = os.path.join(self.tmp.path, "locked")
        os.mkdir(locked, 0o755)  # owned by root: nobody cannot write here
        run_dir = os.path.join(self.tmp.path, "run")
        os.mkdir(run_dir, 0o777)
        cfg = os.path.join(self.tmp.path, "edged.json")
        write_config(cfg, locked, run_dir)
        os.chmod(cfg, 0o644)
        r = subprocess.run(["setpriv", "--reuid=nobody", "--regid=nogroup", "--clear-groups",
                            binary("edged"), "--config", cfg], capture_output=True, text=True, timeout=20)
        self.assertEqual(r.returncode, 1, r.stderr)
        self.assertIn(f"data-dir '{locked}' is not writable: Permission denied", r.stderr)


class DictionaryChecks(unittest.TestCase):
    def setUp(self):
        self.tmp = TempDir()

    def tearDown(self):
        self.tmp.cleanup()

    def test_missing_attribute_fails_startup_with_its_name(self):
        # A dictionary folder without the vendor files: attributes are resolved once at startup and a
        # missing one stops edged before it serves anything (never a packet later).
        dict_dir = os.path.join(self.tmp.path, "dict")
        os.mkdir(dict_dir)
        with open(os.path.join(dict_dir, "dictionary"), "w") as f:
            f.write("$INCLUDE /usr/share/freeradius/dictionary.rfc2865\n")
        e = Edged(self.tmp.path, extra={"radius": {"listen": "127.0.0.1", "auth-port": 0, "acct-port": 0,
                                                   "dictionary-dir": dict_dir}})
        e.start(wait=False)
        rc = e.proc.wait(timeout=10)
        e.log.close()
        self.assertEqual(rc, 1)
        self.assertRegex(e.read_log(), r"radius.dictionary-dir: attribute [A-Za-z0-9-]+ is not in the dictionary \(" +
                         dict_dir + r"\)")


class RunningDaemon(unittest.TestCase):
    def setUp(self):
        self.tmp = TempDir()
        self.edged = Edged(self.tmp.path)

    def tearDown(self):
        try:
            self.edged.stop()
        finally:
            self.tmp.cleanup()

    def test_status_text_and_json(self):
        self.edged.start()
        r = self.edged.ctl("status")
        self.assertIn("edged 0.1.0 is running", r.stdout)
        self.assertIn(self.edged.data_dir, r.stdout)
        args = self.edged.ctl_json("status")
        self.assertEqual(args["pid"], self.edged.proc.pid)
        self.assertEqual(args["data-dir"], self.edged.data_dir)
        # edge.db: events, AAA tables, billing, vouchers, sync, UI accounts, UI sign-in codes, NAS RadSec identity, imported password hashes, central technicians, dunning
        self.assertEqual(args["database"]["schema-version"], 14)  # edge.db 14: import batches on the box (ADR 0049)
        self.assertEqual(args["database"]["synchronous"], "full")
        # The default socket is overridden by --socket (tested by every call) and by $EDGED_SOCKET.
        env = dict(os.environ, EDGED_SOCKET=self.edged.socket)
        r = subprocess.run([binary("edgectl"), "status"], capture_output=True, text=True, env=env)
        self.assertEqual(r.returncode, 0, r.stderr)

    def test_edgectl_says_when_edged_is_not_running(self):
        r = self.edged.ctl("status", check=False)
        self.assertEqual(r.returncode, 3)
        self.assertIn("edged is not running", r.stderr)
        self.assertIn(self.edged.socket, r.stderr)

    def test_edgectl_rejects_bad_usage(self):
        self.edged.start()
        r = self.edged.ctl("frobnicate", check=False)
        self.assertEqual(r.returncode, 2)
        self.assertIn("unknown command 'frobnicate'", r.stderr)
        r = self.edged.ctl("call", "frobnicate", check=False)
        self.assertEqual(r.returncode, 1)
        self.assertIn("unknown command 'frobnicate'", r.stderr)

    def test_second_instance_is_refused(self):
        self.edged.start()
        r = subprocess.run([binary("edged"), "--config", self.edged.config], capture_output=True, text=True,
                           timeout=20)
        self.assertEqual(r.returncode, 1)
        self.assertIn(f"edged is already running (pid {self.edged.proc.pid}", r.stderr)
        self.edged.ctl("status")  # the first one is unharmed

    def test_reload_is_staged_then_committed(self):
        self.edged.start()
        cfg = self.edged.ctl_json("config-get")
        self.assertEqual(cfg["log-level"], "info")

        # A valid change through SIGHUP is applied.
        write_config(self.edged.config, self.edged.data_dir, self.edged.run_dir, {"log-level": "debug"})
        self.edged.send(signal.SIGHUP)
        deadline = time.time() + 5
        while self.edged.ctl_json("config-get")["log-level"] != "debug":
            self.assertLess(time.time(), deadline, "SIGHUP reload not applied")
            time.sleep(0.05)

        # A broken file is refused as a whole: the running config stays.
        write_config(self.edged.config, self.edged.data_dir, self.edged.run_dir,
                     {"log-level": "warning", "database": {"busy-timeout-ms": -1}})
        r = self.edged.ctl("config-reload", check=False)
        self.assertEqual(r.returncode, 1)
        self.assertIn("database.busy-timeout-ms: -1 is out of range", r.stderr)
        self.assertEqual(self.edged.ctl_json("config-get")["log-level"], "debug")

        # A key that cannot change live is named.
        write_config(self.edged.config, self.edged.data_dir + "2", self.edged.run_dir)
        r = self.edged.ctl("config-reload", check=False)
        self.assertEqual(r.returncode, 1)
        self.assertIn("data-dir cannot change while edged runs", r.stderr)

        status = self.edged.ctl_json("status")
        self.assertEqual(status["counters"]["edged_config_reloads_total"], 1)
        self.assertEqual(status["counters"]["edged_config_reload_failures_total"], 2)
        kinds = [e["kind"] for e in self.edged.ctl_json("events")]
        self.assertEqual(kinds[:4], ["config-refused", "config-refused", "config-reloaded", "started"])

    def test_sigterm_stops_cleanly_and_leaves_nothing(self):
        self.edged.start()
        rc = self.edged.stop(signal.SIGTERM)
        self.assertEqual(rc, 0)
        self.assertFalse(os.path.exists(self.edged.socket))
        self.assertFalse(os.path.exists(self.edged.pid_file))
        db = sqlite3.connect(os.path.join(self.edged.data_dir, "edge.db"))
        kinds = [k for (k,) in db.execute("SELECT kind FROM events ORDER BY id")]
        db.close()
        self.assertEqual(kinds, ["started", "stopped"])

    def test_shutdown_command(self):
        self.edged.start()
        self.edged.ctl("shutdown")
        self.assertEqual(self.edged.proc.wait(timeout=10), 0)

    def test_kill_9_then_restart(self):
        self.edged.start()
        self.edged.stop(signal.SIGKILL)
        # The socket file and the pid file are left behind; both are taken over on restart.
        self.assertTrue(os.path.exists(self.edged.socket))
        db = sqlite3.connect(os.path.join(self.edged.data_dir, "edge.db"))
        self.assertEqual(db.execute("PRAGMA integrity_check").fetchone()[0], "ok")
        db.close()
        self.edged.start()
        events = self.edged.ctl_json("events")
        self.assertEqual([e["kind"] for e in events], ["started", "started"])


if __name__ == "__main__":
    unittest.main(verbosity=2)
