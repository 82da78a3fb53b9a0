#!/usr/bin/python3
"""RADIUS accounting benchmark: edged beside FreeRADIUS 3.2 rlm_sql on SQLite (as shipped, and with WAL).

Run by ./scripts/bench (which exports EDGE_BIN and EDGE_SOURCE); see docs/benchmarks.md.

Every server gets the same workload from radload --mode acct (our own load generator, independent of
our codec): 10,000 sessions side by side, each a Start, Interim-Updates with growing 64-bit counters
and a Stop, every Accounting-Response verified. Each server acknowledges a record only once it is
in its database. The server is pinned to one CPU and radload to another. All servers are started
first; then closed-loop runs at a few concurrencies (a NAS fleet has many records in flight, and a
group commit needs them), in rounds alternating between the servers, give each one's peak; then an
open loop at half of each peak gives the latency figure. Afterwards every database is opened and
its rows are checked against what was acknowledged: a server that lost an acknowledged record fails
the run. FreeRADIUS runs from a private copy of /etc/freeradius/3.0 on loopback and private ports,
started and stopped by PID; the system service is never touched.

stdlib only; /usr/bin/python3. The parts shared with radius_bench.py are in benchlib.py.
"""
import argparse
import json
import os
import re
import signal
import sqlite3
import subprocess
import sys
import time

from benchlib import (run_main, BIN, SYSTEM_RADDB, BenchBase, BenchError, Target, Unavailable, fmt_mib,
                      fmt_rate, fmt_us, log, rss_kib, start_targets)

SECRET = "bench-acct-secret-Zr8wQ4"
RLM_SQL_SQLITE = "/usr/lib/freeradius/rlm_sql_sqlite.so"

# Targets from the issue: edged >= 10x FreeRADIUS rlm_sql on SQLite with WAL (same run), durably
# (synchronous=FULL), and a p99 acknowledgement under 20 ms at half of edged's own peak.
TARGET_VS_WAL = 10.0
TARGET_P99_HALF_US = 20000.0

ORDER = ("edged", "freeradius-wal", "freeradius-shipped")
ONLY = {"edged": "edged", "wal": "freeradius-wal", "shipped": "freeradius-shipped"}
# What radload reports per run that the database check adds up.
TALLY_KEYS = ("sent", "responses", "timeouts", "sessions_recorded", "starts_acked", "interims_acked", "stops_acked",
              "sessions_unconfirmed", "starts_unacked", "interims_unacked", "stops_unacked")


def db_bytes(path):
    """A SQLite database's size on disk: the file and its WAL."""
    return sum(os.path.getsize(p) for p in (path, path + "-wal") if os.path.exists(p))


def sqlite_defaults():
    """The synchronous settings SQLite uses when a connection sets none (compile-time defaults of the
    system libsqlite3, which FreeRADIUS' driver and Python's sqlite3 both load)."""
    opts = {}
    db = sqlite3.connect(":memory:")
    try:
        for (o,) in db.execute("PRAGMA compile_options"):
            k, _, v = o.partition("=")
            opts[k] = v
    finally:
        db.close()
    names = {"0": "OFF", "1": "NORMAL", "2": "FULL", "3": "EXTRA"}
    return {"sqlite_version": sqlite3.sqlite_version,
            "default_synchronous": names.get(opts.get("DEFAULT_SYNCHRONOUS", "2"), "?"),
            "default_wal_synchronous": names.get(opts.get("DEFAULT_WAL_SYNCHRONOUS",
                                                          opts.get("DEFAULT_SYNCHRONOUS", "2")), "?")}


def driver_sets_pragmas():
    """Whether FreeRADIUS' rlm_sql_sqlite carries any PRAGMA (e.g. synchronous) of its own: the
    strings of the shared object (3.2.1 has none; it only sets a busy timeout)."""
    try:
        with open(RLM_SQL_SQLITE, "rb") as f:
            data = f.read()
    except OSError:
        return None
    return sorted({m.decode() for m in re.findall(rb"(?i)pragma[ a-z_=]*|synchronous", data)})


class AcctBench(BenchBase):
    def __init__(self, args):
        super().__init__(args, "acct-bench-")
        self.run_no = 0
        self.tally = {}  # port -> sums over every radload run against it (probes and warm-ups too)

    # -- helpers --------------------------------------------------------------------------------

    def radload(self, port, concurrency, duration=None, count=None, rate=None, timeout_ms=None):
        """One radload --mode acct run; every run uses fresh Acct-Session-Ids (its own prefix), and
        what it got acknowledged is added to the port's tally for the database check."""
        self.run_no += 1
        timeout_ms = timeout_ms or self.args.timeout_ms
        cmd = self.pin(self.client_cpu) + [
            self.radload_bin, "--mode", "acct", "--server", f"127.0.0.1:{port}", "--secret", SECRET,
            "--users", str(self.args.users), "--user-prefix", "u", "--sessions", str(self.args.sessions),
            "--interims", str(self.args.interims), "--session-prefix", f"r{self.run_no:04d}",
            "--concurrency", str(concurrency), "--timeout-ms", str(timeout_ms)]
        if duration is not None:
            cmd += ["--duration", str(duration)]
        if count is not None:
            cmd += ["--count", str(count)]
        if rate is not None:
            cmd += ["--rate", f"{rate:.0f}"]
        limit = (duration or 0) + timeout_ms / 1000 + 30
        r = subprocess.run(cmd, capture_output=True, text=True, timeout=limit)
        lines = [l for l in r.stdout.splitlines() if l.startswith("{")]
        if r.returncode not in (0, 1) or not lines:
            raise BenchError(f"radload failed ({r.returncode}): {r.stderr.strip()} {r.stdout.strip()}")
        out = json.loads(lines[-1])
        if out.get("request") != "acct":
            raise BenchError(f"{self.radload_bin} has no accounting mode (rebuild radload)")
        sums = self.tally.setdefault(port, {k: 0 for k in TALLY_KEYS} | {"runs": 0})
        for k in TALLY_KEYS:
            sums[k] += out[k]
        sums["runs"] += 1
        return out

    def wait_answering(self, proc, port, what, timeout=120.0):
        """Polls with single records until the server acknowledges one (verified). Returns seconds."""
        t0 = time.monotonic()
        while time.monotonic() - t0 < timeout:
            if proc.poll() is not None:
                raise BenchError(f"{what} exited with {proc.returncode} before answering")
            r = self.radload(port, 1, count=1, timeout_ms=300)
            if r["received"] >= 1:
                if r["bad_replies"] or r["wrong_code"]:
                    raise BenchError(f"{what}: first reply failed verification: {r}")
                if r["responses"] >= 1:
                    return time.monotonic() - t0
            time.sleep(0.05)
        raise BenchError(f"{what} did not answer within {timeout:.0f}s")

    def check_run(self, name, phase, r, problems):
        if r["bad_replies"] or r["wrong_code"] or r["unexpected_replies"]:
            problems.append(f"{name} {phase}: {r['bad_replies']} bad replies, {r['wrong_code']} wrong codes, "
                            f"{r['unexpected_replies']} unexpected replies")
        if r["timeouts"]:
            problems.append(f"{name} {phase}: {r['timeouts']} of {r['sent']} records unacknowledged after "
                            f"{self.args.timeout_ms} ms (sent again as new requests, like a NAS)")

    def fsync_probe(self):
        """What one durable commit costs on this disk: 4 KiB write + fdatasync, repeated for a
        moment, in the temporary folder (the file system every database of the run lives on)."""
        path = os.path.join(self.tmp, "fsync-probe")
        fd = os.open(path, os.O_WRONLY | os.O_CREAT, 0o600)
        lat, block = [], b"\0" * 4096
        try:
            end = time.monotonic() + (0.5 if self.args.quick else 1.0)
            off = 0
            while time.monotonic() < end and len(lat) < 5000:
                t = time.monotonic()
                os.pwrite(fd, block, off)
                os.fdatasync(fd)
                lat.append((time.monotonic() - t) * 1e6)
                off += 4096
        finally:
            os.close(fd)
            os.unlink(path)
        lat.sort()
        probe = {"syncs": len(lat), "per_second": len(lat) / (sum(lat) / 1e6),
                 "p50_us": lat[len(lat) // 2], "p99_us": lat[min(len(lat) - 1, int(len(lat) * 0.99))]}
        log(f"  fsync probe: 4 KiB write + fdatasync: {probe['per_second']:,.0f}/s, p50 {fmt_us(probe['p50_us'])}, "
            f"p99 {fmt_us(probe['p99_us'])} (one durable commit needs at least one)")
        return probe

    # -- measurement phases (servers interleaved, see run()) -------------------------------------

    def warm_up(self, t):
        warm = self.radload(t.port, 64, duration=1 if self.args.quick else 2)
        self.check_run(t.name, "warm-up", warm, t.problems)
        t.result["warmup"] = warm

    def peak_run(self, t, concurrency):
        r = self.timed_run(t.proc.pid, t.port, concurrency)
        r["server_rss_kib"] = rss_kib(t.proc.pid)
        r["db_bytes"] = db_bytes(t.result["db"])
        t.runs.append(r)
        self.check_run(t.name, f"peak c={concurrency}", r, t.problems)
        log(f"  {t.name:18s} closed loop, concurrency {concurrency:4d}: {r['rps']:>8,.0f} req/s  "
            f"p50 {fmt_us(r['p50_us'])}  p99 {fmt_us(r['p99_us'])}  server {fmt_us(r['server_cpu_us_per_request'])}"
            f" CPU/req  RSS {fmt_mib(r['server_rss_kib'])}  db {fmt_mib(r['db_bytes'] / 1024)}  "
            f"timeouts {r['timeouts']}  {self.cores_text(r)}")

    def best_run(self, t):
        """The fastest closed-loop run without timeouts or bad replies (the fastest at all if none is)."""
        clean = [r for r in t.runs if r["timeouts"] == 0 and r["bad_replies"] == 0 and r["responses"]]
        return max(clean or t.runs, key=lambda r: r["rps"])

    def half_run(self, t):
        peak = self.best_run(t)
        half_rate = peak["rps"] / 2
        half = self.timed_run(t.proc.pid, t.port, 1024, rate=half_rate)
        half["server_rss_kib"] = rss_kib(t.proc.pid)
        half["db_bytes"] = db_bytes(t.result["db"])
        self.check_run(t.name, "half peak", half, t.problems)
        if half["missed_sends"]:
            t.problems.append(f"{t.name} half peak: radload missed {half['missed_sends']} scheduled sends (1024 "
                              "records were outstanding: the server fell behind the schedule)")
        log(f"  {t.name:18s} open loop at {half_rate:,.0f} req/s: {half['rps']:,.0f} acknowledged/s  "
            f"p50 {fmt_us(half['p50_us'])}  p99 {fmt_us(half['p99_us'])}  max {fmt_us(half['max_us'])}  "
            f"db {fmt_mib(half['db_bytes'] / 1024)}  {self.cores_text(half)}")
        t.result.update({
            "peak_rps": peak["rps"],
            "peak_concurrency": peak["concurrency"],
            "p50_us": peak["p50_us"],
            "p99_us": peak["p99_us"],
            "half_rate": half_rate,
            "half_p50_us": half["p50_us"],
            "half_p99_us": half["p99_us"],
            "cpu_us_per_request": peak["server_cpu_us_per_request"],
            "client_cpu_us_per_request": peak["client_cpu_us_per_request"],
            "runs": t.runs,
            "half_run": half,
        })
        for label, run in (("peak", peak), ("half peak", half)):
            if self.noise(run) > 0.05:
                t.problems.append(f"{t.name} {label}: other processes took {self.noise(run):.0%} of a benchmark core: "
                                  "the machine was not quiet, figures are pessimistic")
        if peak["client_cpu_us_per_request"] * peak["rps"] > 0.9e6:
            t.problems.append(f"{t.name}: radload used >90% of its core at the peak: the figure may be client-bound")
        # The databases grow with every run: a server whose throughput falls with its data shows it
        # here (each concurrency, first round against last; all of them must have fallen, so one
        # noisy run does not count).
        pairs = []
        for c in self.args.concurrency:
            same = [r for r in t.runs if r["concurrency"] == c]
            if len(same) >= 2:
                pairs.append((c, same[0], same[-1]))
        if pairs and all(last["rps"] < 0.85 * first["rps"] for _, first, last in pairs):
            text = ", ".join(f"c={c}: {first['rps']:,.0f} -> {last['rps']:,.0f} req/s, "
                             f"{fmt_us(first['server_cpu_us_per_request'])} -> "
                             f"{fmt_us(last['server_cpu_us_per_request'])} CPU/req" for c, first, last in pairs)
            t.problems.append(
                f"{t.name}: slower at every concurrency in the last round than in the first ({text}) while its database "
                f"grew from {fmt_mib(pairs[0][1]['db_bytes'] / 1024)} to {fmt_mib(pairs[-1][2]['db_bytes'] / 1024)}: it "
                "slows down as records accumulate (half of its early peak may be more than it can do later)")

    # -- FreeRADIUS -----------------------------------------------------------------------------

    def write_radacct_db(self, path, wal):
        """The shipped schema (radacct and the rest); WAL is a property of the file, so setting it
        here holds for FreeRADIUS' connection too."""
        schema = os.path.join(SYSTEM_RADDB, "mods-config", "sql", "main", "sqlite", "schema.sql")
        db = sqlite3.connect(path)
        try:
            with open(schema) as f:
                db.executescript(f.read())
            if wal:
                mode = db.execute("PRAGMA journal_mode=WAL").fetchone()[0]
                if mode.lower() != "wal":
                    raise BenchError(f"{path}: journal_mode=WAL refused ({mode})")
            db.commit()
            return db.execute("PRAGMA journal_mode").fetchone()[0].lower()
        finally:
            db.close()

    def run_freeradius(self, name, wal):
        threads = self.args.fr_threads
        port = self.ports()
        db = os.path.join(self.tmp, name + ".sqlite")
        # sql's shipped queries.conf uses %{tolower:...} and acct_unique %{md5:...}: expr provides both.
        renders = [("site_acct", os.path.join("sites-enabled", "default"), {"ACCT_PORT": port}),
                   ("clients_acct.conf", "clients.conf", {"SECRET": SECRET}),
                   ("sql_acct", os.path.join("mods-enabled", "sql"), {"DB": db, "POOL": max(threads, 1)})]
        root, raddb = self.copy_raddb(name, ("expr",), renders, threads)
        journal = self.write_radacct_db(db, wal)
        d = self.sqlite
        pragmas = driver_sets_pragmas()
        sync = d["default_wal_synchronous"] if journal == "wal" else d["default_synchronous"]
        if pragmas:
            sync_text = f"synchronous: the driver itself carries {', '.join(pragmas)} (see {RLM_SQL_SQLITE})"
        else:
            sync_text = (f"synchronous={sync} (rlm_sql_sqlite sets no PRAGMA: SQLite {d['sqlite_version']}'s "
                         f"compiled-in default{' for WAL' if journal == 'wal' else ''})")
        result = {"server": name, "journal_mode": journal, "synchronous": sync if not pragmas else None,
                  "db": db,
                  "config": f"FreeRADIUS {self.freeradius_version()}, rlm_sql sqlite, shipped accounting queries, "
                            f"journal_mode={journal}{' (as shipped)' if not wal else ''}, {sync_text}, one commit per "
                            "query (autocommit), " + ("no threads (-t)" if threads == 0
                                                      else f"thread pool start=max={threads}")}
        if pragmas is None or (not pragmas and sync != "FULL"):
            result.setdefault("problems", []).append(
                f"{name}: SQLite runs with synchronous={sync if pragmas is not None else 'unknown'}, not FULL: the "
                "comparison is generous to FreeRADIUS (its commits are not all durable)")
        log_path = os.path.join(root, "freeradius.log")
        cmd = self.pin(self.server_cpu) + ["freeradius", "-f", "-d", raddb, "-l", log_path]
        if threads == 0:
            cmd.append("-t")
        proc = self.procs.start(cmd, os.path.join(root, "stdout.log"))
        try:
            result["load_s"] = self.wait_answering(proc, port, name)
        except BenchError as e:
            self.procs.stop(proc)
            raise BenchError(f"{e}; log: {self.tail(log_path)} {self.tail(os.path.join(root, 'stdout.log'))}")
        result["rss_kib"] = result["rss_loaded_kib"] = rss_kib(proc.pid)
        log(f"  {name}: journal_mode={journal}, answering {result['load_s']:.1f} s after start, "
            f"RSS {fmt_mib(result['rss_kib'])}")
        return Target(name, proc, port, result, log_path)

    # -- edged ----------------------------------------------------------------------------------

    def run_edged(self):
        name = "edged"
        edged_bin = os.path.join(BIN, "edged")
        edgectl_bin = os.path.join(BIN, "edgectl")
        if not (os.path.exists(edged_bin) and os.path.exists(edgectl_bin)):
            raise Unavailable(f"edged/edgectl not built in {BIN}")
        root = os.path.join(self.tmp, name)
        run_dir = os.path.join(root, "run")
        os.makedirs(run_dir, exist_ok=True)
        port = self.ports()
        sock = os.path.join(run_dir, "control.sock")
        data = os.path.join(root, "data")
        config = {
            "data-dir": data,
            "control-socket": sock,
            "pid-file": os.path.join(run_dir, "edged.pid"),
            "log-level": "warning",
            "radius": {"listen": "127.0.0.1", "auth-port": port, "acct-port": port + 1, "threads": 1},
        }
        config_path = os.path.join(root, "edged.json")
        with open(config_path, "w") as f:
            json.dump(config, f, indent=2)
        check = subprocess.run([edged_bin, "--check", "--config", config_path], capture_output=True, text=True)
        if check.returncode != 0:
            raise Unavailable(f"edged --check refuses the RADIUS config: {(check.stderr or check.stdout).strip()}")

        def ctl(*args, json_out=False, check=True, timeout=60):
            cmd = [edgectl_bin, "--socket", sock] + (["--json"] if json_out else []) + list(args)
            r = subprocess.run(cmd, capture_output=True, text=True, timeout=timeout)
            if check and r.returncode != 0:
                raise BenchError(f"{' '.join(args)} -> {r.returncode}: {r.stdout}{r.stderr}")
            return r

        self.edgectl = ctl
        log_path = os.path.join(root, "edged.log")
        proc = self.procs.start(self.pin(self.server_cpu) + [edged_bin, "--config", config_path], log_path)
        ok = False
        try:
            t0 = time.monotonic()
            while ctl("status", check=False, timeout=30).returncode != 0:
                if proc.poll() is not None:
                    raise BenchError(f"edged exited with {proc.returncode}: {self.tail(log_path)}")
                if time.monotonic() - t0 > 120:
                    raise BenchError("edged: control socket not answering")
                time.sleep(0.05)
            r = ctl("nas", "add", "--name", "bench", "--address", "127.0.0.1", "--secret", SECRET, check=False)
            if r.returncode != 0:
                raise Unavailable(f"edgectl nas add: {(r.stderr or r.stdout).strip()}")
            result = {"server": name, "journal_mode": None, "synchronous": "FULL",
                      "db": os.path.join(data, "acct.db"),
                      "config": "edged, radius.threads=1, acct.db: WAL, synchronous=FULL (always), one writer thread "
                                "group-committing, Accounting-Response only after COMMIT"}
            result["load_s"] = self.wait_answering(proc, port + 1, name)
            result["rss_kib"] = result["rss_loaded_kib"] = rss_kib(proc.pid)
            log(f"  edged: answering accounting {time.monotonic() - t0:.1f} s after start, "
                f"RSS {fmt_mib(result['rss_kib'])}")
            ok = True
            return Target(name, proc, port + 1, result, None)
        finally:
            if not ok:
                self.procs.stop(proc)

    def edged_counters(self):
        """edged's accounting counters (requests, responses, write failures...), from edgectl stats."""
        try:
            r = self.edgectl("stats", json_out=True, check=False)
            data = json.loads(r.stdout)
        except (ValueError, subprocess.SubprocessError, AttributeError):
            return None
        found = {}

        def walk(o):
            if isinstance(o, dict):
                for k, v in o.items():
                    if isinstance(v, (int, float)) and k.startswith("radius_acct_") and "client" not in k:
                        found[k] = v
                    else:
                        walk(v)
            elif isinstance(o, list):
                for v in o:
                    walk(v)

        walk(data)
        return found or None

    # -- the database check ---------------------------------------------------------------------

    def verify_records(self, t):
        """After the server stopped: its rows against what radload got acknowledged. Every session
        with an acknowledged record must be a row (edged: sessions + session_history; FreeRADIUS:
        radacct), every acknowledged Stop a closed one; at most the records that timed out (maybe
        written, never acknowledged) may come on top."""
        sums = self.tally.get(t.port, {k: 0 for k in TALLY_KEYS})
        path = t.result["db"]
        db = sqlite3.connect(f"file:{path}?mode=ro", uri=True)
        try:
            one = lambda q: db.execute(q).fetchone()[0]
            if t.name == "edged":
                live, history = one("SELECT count(*) FROM sessions"), one("SELECT count(*) FROM session_history")
                rows, stopped = live + history, history
                detail = f"{live:,} live sessions + {history:,} in session_history"
            else:
                rows = one("SELECT count(*) FROM radacct")
                stopped = one("SELECT count(*) FROM radacct WHERE acctstoptime IS NOT NULL")
                detail = f"{rows:,} radacct rows, {stopped:,} of them stopped"
            journal = one("PRAGMA journal_mode").lower()
        finally:
            db.close()
        lo_rows, hi_rows = sums["sessions_recorded"], sums["sessions_recorded"] + sums["sessions_unconfirmed"]
        lo_stop, hi_stop = sums["stops_acked"], sums["stops_acked"] + sums["stops_unacked"]
        ok = lo_rows <= rows <= hi_rows and lo_stop <= stopped <= hi_stop
        check = {"ok": ok, "rows": rows, "stopped_rows": stopped, "journal_mode_after": journal, "detail": detail,
                 "acknowledged": sums}
        t.result["records"] = check
        t.result["journal_mode"] = t.result["journal_mode"] or journal

        def rng(lo, hi):
            return f"{lo:,}" if lo == hi else f"{lo:,}..{hi:,}"

        text = (f"{detail}; expected sessions {rng(lo_rows, hi_rows)}, stopped {rng(lo_stop, hi_stop)} "
                f"(acknowledged over {sums['runs']} radload runs: {sums['starts_acked']:,} Starts, "
                f"{sums['interims_acked']:,} Interims, {sums['stops_acked']:,} Stops)")
        check["text"] = text
        if ok:
            log(f"  {t.name}: records OK: {text}")
        else:
            lost = max(0, lo_rows - rows) + max(0, lo_stop - stopped)
            why = (f"{lost:,} acknowledged records are missing" if lost else
                   "more rows than records sent: the database or the tally is wrong")
            log(f"  {t.name}: records MISMATCH: {why}: {text}")
            t.problems.append(f"{t.name}: database check FAILED: {why}: its figures are worthless")

    # -- report ---------------------------------------------------------------------------------

    def report(self, results, skipped, stalls):
        a = self.args
        log("")
        log(f"RADIUS accounting benchmark: {a.sessions:,} sessions side by side (Start, {a.interims} Interim-Updates, "
            f"Stop; users u0..u{a.users - 1}), runs of {a.duration:g} s, {self.pinning}")
        log("workload: Accounting-Request with Acct-Status-Type, Acct-Session-Id, User-Name, NAS-IP-Address, NAS-Port, "
            "NAS-Port-Type, Calling-Station-Id, Framed-IP-Address, Event-Timestamp, Acct-Delay-Time, and on "
            "Interim/Stop the session time and 64-bit octet (+ Gigawords) and packet counters, on Stop "
            "Acct-Terminate-Cause; every Accounting-Response verified; acknowledged = in the database")
        header = ["server", "req/s peak", "at c", "p50", "p99 at peak", "p99 at half peak", "CPU us/req",
                  "RSS loaded/after", "records"]
        rows = []
        for name in ORDER:
            if name in skipped:
                rows.append([name, skipped[name]])
                continue
            r = results.get(name)
            if r is None:
                continue
            rec = r.get("records")
            rows.append([name, fmt_rate(r.get("peak_rps")), str(r.get("peak_concurrency", "-")),
                         fmt_us(r.get("p50_us")), fmt_us(r.get("p99_us")), fmt_us(r.get("half_p99_us")),
                         "-" if r.get("cpu_us_per_request") is None else f"{r['cpu_us_per_request']:.1f}",
                         f"{fmt_mib(r.get('rss_loaded_kib'))} / {fmt_mib(r.get('rss_after_kib'))}",
                         "-" if rec is None else ("OK" if rec["ok"] else "LOST")])
        full = [row for row in rows if len(row) > 2]
        widths = [max([len(header[i])] + [len(row[i]) for row in full]) for i in range(len(header))]
        line = "  ".join(h.ljust(widths[i]) if i == 0 else h.rjust(widths[i]) for i, h in enumerate(header))
        log(line)
        log("-" * len(line))
        for row in rows:
            if len(row) == 2:
                log(f"{row[0].ljust(widths[0])}  {row[1]}")
            else:
                log("  ".join(c.ljust(widths[i]) if i == 0 else c.rjust(widths[i]) for i, c in enumerate(row)))
        for name in ORDER:
            if name in results:
                log(f"  {name}: {results[name]['config']}")
        for name in ORDER:
            rec = (results.get(name) or {}).get("records")
            if rec:
                log(f"  {name} records: {'OK' if rec['ok'] else 'MISMATCH'}: {rec['text']}")
        e, wal, shipped = results.get("edged"), results.get("freeradius-wal"), results.get("freeradius-shipped")
        verdicts = {}

        def ratio(x, y):
            return x["peak_rps"] / y["peak_rps"] if x and y and x.get("peak_rps") and y.get("peak_rps") else None

        vs_wal, vs_shipped = ratio(e, wal), ratio(e, shipped)
        log("")
        if vs_wal is None:
            log(f"{'edged / FreeRADIUS WAL':30s} n/a     (target >= {TARGET_VS_WAL:g}x)")
            verdicts["edged / FreeRADIUS WAL"] = None
        else:
            ok = vs_wal >= TARGET_VS_WAL
            verdicts["edged / FreeRADIUS WAL"] = ok
            log(f"{'edged / FreeRADIUS WAL':30s} {vs_wal:5.1f}x  (target >= {TARGET_VS_WAL:g}x)  {'PASS' if ok else 'FAIL'}")
        log(f"{'edged / FreeRADIUS shipped':30s} " + ("n/a" if vs_shipped is None else f"{vs_shipped:5.1f}x")
            + "  (no target; SQLite as FreeRADIUS ships it, rollback journal)")
        if e is not None and e.get("half_p99_us") is not None:
            ok = e["half_p99_us"] < TARGET_P99_HALF_US and not e["half_run"]["timeouts"]
            verdicts["edged p99 at half peak"] = ok
            log(f"{'edged p99 at half peak':30s} {fmt_us(e['half_p99_us']):>6s}  (target < 20 ms)  "
                f"{'PASS' if ok else 'FAIL'}")
        else:
            verdicts["edged p99 at half peak"] = None
            log(f"{'edged p99 at half peak':30s} n/a     (target < 20 ms)")
        if e is not None and e.get("records"):
            verdicts["edged durable (records check)"] = e["records"]["ok"]
            log(f"{'edged records check':30s} {'PASS' if e['records']['ok'] else 'FAIL'}  (every acknowledged "
                "record in acct.db, synchronous=FULL)")
        problems = [p for r in results.values() for p in r.get("problems", [])]
        worst = max((v for probe in stalls.values() for v in probe.values()),
                    key=lambda v: v["max_pause_us"], default=None)
        if worst is not None and (worst["max_pause_us"] > 1000 or worst["paused_share"] > 0.01):
            problems.append(f"this machine pauses its cores (up to {fmt_us(worst['max_pause_us'])}, "
                            f"{worst['paused_share']:.1%} of the time; see the stall probes): p99 figures have that floor, "
                            "whatever the server does")
        for p in problems:
            log(f"WARNING: {p}")
        return {"ratios": {"edged_vs_wal": vs_wal, "edged_vs_shipped": vs_shipped}, "verdicts": verdicts,
                "problems": problems}

    def run(self):
        results, skipped = {}, {}
        a = self.args
        log(f"acct bench: {a.sessions:,} sessions, {a.interims} interims each, {self.pinning}; temp folder {self.tmp}")
        if not os.path.exists(self.radload_bin):
            raise BenchError(f"{self.radload_bin} not built (cmake --build build --target radload)")
        self.sqlite = sqlite_defaults()
        plan = [("edged", self.run_edged),
                ("freeradius-wal", lambda: self.run_freeradius("freeradius-wal", wal=True)),
                ("freeradius-shipped", lambda: self.run_freeradius("freeradius-shipped", wal=False))]
        wanted = {ONLY[o] for o in a.only} if a.only else set(ONLY.values())

        # 1. Start every server (they stay up; idle ones cost nothing) so the runs can alternate.
        targets = start_targets(plan, wanted, skipped, "start", "RADIUS accounting not available")

        # 2. Warm-up, then the closed-loop peak runs in rounds that alternate between the servers.
        log(f"== measuring: {len(a.concurrency)} concurrencies x {a.repeat} round(s) of {a.duration:g} s per server, "
            "alternating servers")
        stalls = {"before": self.stall_probe("before")}
        fsync = self.fsync_probe()
        for t in targets:
            self.warm_up(t)
        for _ in range(a.repeat):
            for c in a.concurrency:
                for t in targets:
                    self.alive(t)
                    self.peak_run(t, c)
        # 3. Open loop at half of each server's own peak: the latency figure.
        for t in targets:
            self.alive(t)
            self.half_run(t)
        stalls["after"] = self.stall_probe("after")
        # 4. Stop each server (edged commits and answers what it holds first), then count its rows.
        for t in targets:
            t.result["rss_after_kib"] = rss_kib(t.proc.pid)
            if t.name == "edged":
                t.result["counters"] = self.edged_counters()
            self.procs.stop(t.proc, timeout=60.0)
            if t.proc.returncode not in (0, -signal.SIGTERM):
                t.problems.append(f"{t.name} exited with {t.proc.returncode} when stopped")
            if t.log_path:
                self.scan_log(t.name, t.log_path, t.result)
            self.verify_records(t)
            t.result["db_bytes"] = db_bytes(t.result["db"])
            results[t.name] = t.result

        summary = self.report(results, skipped, stalls)
        out = {
            "stall_probes": stalls,
            "fsync_probe": fsync,
            "sqlite": self.sqlite,
            "rlm_sql_sqlite_pragmas": driver_sets_pragmas(),
            "sessions": a.sessions,
            "interims": a.interims,
            "users": a.users,
            "duration_s": a.duration,
            "concurrency": a.concurrency,
            "repeat": a.repeat,
            "timeout_ms": a.timeout_ms,
            "pinning": self.pinning,
            "freeradius_threads": a.fr_threads,
            "results": results,
            "skipped": skipped,
            **summary,
        }
        os.makedirs(os.path.dirname(a.json_out), exist_ok=True)
        with open(a.json_out, "w") as f:
            json.dump(out, f, indent=2)
        log(f"results written to {a.json_out}")
        # Targets missed are a result, not an error. Replies that fail verification, or a database
        # without every acknowledged record, make the figures meaningless: those fail the run.
        invalid = sorted({r["server"] for r in results.values()
                          for run in r.get("runs", []) + [r.get("half_run") or {}]
                          if run.get("bad_replies") or run.get("wrong_code") or run.get("unexpected_replies")})
        lost = sorted(r["server"] for r in results.values() if r.get("records") and not r["records"]["ok"])
        if invalid:
            print(f"acct bench: replies failed verification ({', '.join(invalid)})", file=sys.stderr)
        if lost:
            print(f"acct bench: database check failed ({', '.join(lost)})", file=sys.stderr)
        return 1 if invalid or lost else 0


def parse_args(argv):
    p = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    p.add_argument("--quick", action="store_true", help="3 s runs, one round (for development)")
    p.add_argument("--duration", type=float, help="seconds per measured run (default 5; 3 with --quick)")
    p.add_argument("--only", action="append", choices=sorted(ONLY),
                   help="measure only this server: edged, wal (FreeRADIUS sql, SQLite WAL), shipped (FreeRADIUS "
                        "sql, SQLite as shipped) (repeatable)")
    p.add_argument("--sessions", type=int, default=10000, help="sessions side by side (default 10,000)")
    p.add_argument("--interims", type=int, default=4, help="Interim-Updates per session (default 4)")
    p.add_argument("--users", type=int, default=10000, help="User-Names u0..u(N-1) for the sessions (default 10,000)")
    p.add_argument("--concurrency", type=lambda s: [int(x) for x in s.split(",")],
                   help="closed-loop concurrencies tried for the peak (default 64,256,1024)")
    p.add_argument("--repeat", type=int,
                   help="rounds of closed-loop runs; the best clean run counts (default 2; 1 with --quick)")
    p.add_argument("--timeout-ms", type=int, default=3000,
                   help="a record unacknowledged after this is a timeout and is sent again (default 3000, a "
                        "usual NAS retransmit interval)")
    # Measured on a 2-core VM with the server pinned to one core (docs/benchmarks.md): SQLite has one
    # writer at a time, so a pool only adds lock waits; no threads measured best.
    p.add_argument("--fr-threads", type=int, default=0,
                   help="FreeRADIUS threads: 0 = none (-t, the default), N = thread pool with start = max = N "
                        "(and N sql connections)")
    p.add_argument("--json-out", default=os.path.join(os.path.dirname(os.path.abspath(BIN)), "bench", "acct.json"),
                   help="where the JSON results go (default: build/bench/acct.json beside EDGE_BIN)")
    p.add_argument("--keep", action="store_true", help="keep the temp folder (configs, logs, databases)")
    a = p.parse_args(argv)
    if a.duration is None:
        a.duration = 3.0 if a.quick else 5.0
    if a.concurrency is None:
        a.concurrency = [64, 256, 1024]
    if a.repeat is None:
        a.repeat = 1 if a.quick else 2
    if (a.duration <= 0 or a.fr_threads < 0 or a.repeat < 1 or a.sessions < 1 or a.interims < 0 or a.users < 1
            or a.timeout_ms < 1 or min(a.concurrency) < 1):
        p.error("--duration, --repeat, --sessions, --users, --timeout-ms, --concurrency must be positive, "
                "--fr-threads and --interims >= 0")
    return a


def main(argv):
    return run_main("acct bench", AcctBench, parse_args(argv))


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
