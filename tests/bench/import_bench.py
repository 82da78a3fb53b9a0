#!/usr/bin/python3
"""Importing subscribers from a FreeRADIUS SQL database on PostgreSQL into mgmt (issue 30, Speed:
1,000,000 subscribers, dry run then apply, < 2 minutes each, with progress).

A private PostgreSQL 15 cluster (tests/support/pg_cluster.py) holds the source, FreeRADIUS's own
PostgreSQL schema (Debian freeradius) filled with N users: a Cleartext-Password each, a third with
Simultaneous-Use, an expiration on every tenth, four groups with MikroTik/WISPr rates; and, in another
database of the same cluster, mgmtd's own storage. `mgmtctl import --source freeradius-sql` runs
twice, --dry-run then apply, into an enterprise tenant (no cap). Printed beside them, measured in the
same run: reading the same source rows with psql (COPY ... TO STDOUT), the floor of any importer.

  tests/bench/import_bench.py [--users N]
"""
import argparse
import json
import os
import re
import subprocess
import sys
import tempfile
import time

HERE = os.path.dirname(os.path.abspath(__file__))
sys.path.insert(0, os.path.join(HERE, "..", "integration"))
sys.path.insert(0, os.path.join(HERE, "..", "support"))
from benchlib import BIN  # noqa: E402
from pg_cluster import PgCluster  # noqa: E402

SCHEMA = "/etc/freeradius/3.0/mods-config/sql/main/postgresql/schema.sql"


def psql(dsn, script):
    r = subprocess.run(["psql", dsn, "-X", "-q", "-v", "ON_ERROR_STOP=1"], input=script, capture_output=True,
                       text=True, timeout=3600)
    if r.returncode != 0:
        raise SystemExit(f"psql: {r.stderr}")
    return r.stdout


def fill(dsn, users):
    with open(SCHEMA) as f:
        schema = f.read()
    psql(dsn, schema + f"""
INSERT INTO radgroupreply (groupname, attribute, op, value) VALUES
  ('gold', 'Mikrotik-Rate-Limit', ':=', '10M/20M'), ('gold', 'Acct-Interim-Interval', ':=', '300'),
  ('silver', 'WISPr-Bandwidth-Max-Down', ':=', '5000000'), ('silver', 'WISPr-Bandwidth-Max-Up', ':=', '1000000'),
  ('bronze', 'Mikrotik-Rate-Limit', ':=', '2M/4M'), ('night', 'Session-Timeout', ':=', '28800'),
  ('night', 'Mikrotik-Rate-Limit', ':=', '1M/1M');
INSERT INTO radgroupcheck (groupname, attribute, op, value) VALUES ('gold', 'Simultaneous-Use', ':=', '2');
INSERT INTO radcheck (username, attribute, op, value)
  SELECT 'user' || i, 'Cleartext-Password', ':=', md5(i::text) FROM generate_series(1, {users}) i;
INSERT INTO radcheck (username, attribute, op, value)
  SELECT 'user' || i, 'Simultaneous-Use', ':=', '1' FROM generate_series(1, {users}, 3) i;
INSERT INTO radcheck (username, attribute, op, value)
  SELECT 'user' || i, 'Expiration', ':=', 'Jan 15 2030 12:00:00' FROM generate_series(1, {users}, 10) i;
INSERT INTO radusergroup (username, groupname, priority)
  SELECT 'user' || i, (ARRAY['gold','silver','bronze','night'])[1 + i % 4], 1 FROM generate_series(1, {users}) i;
ANALYZE;
""")


class Ran:
    def __init__(self, returncode, stdout, stderr, mapped_at):
        self.returncode, self.stdout, self.stderr, self.mapped_at = returncode, stdout, stderr, mapped_at


def timed(cmd, env=None):
    """Runs cmd; also when its first chunk went out (the source read and mapped), from its progress."""
    t = time.monotonic()
    p = subprocess.Popen(cmd, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True, env=env)
    err, mapped_at = [], None
    for line in p.stderr:
        err.append(line)
        if mapped_at is None and "; mapping" in line:
            mapped_at = time.monotonic() - t
    out = p.stdout.read()
    p.wait()
    return time.monotonic() - t, Ran(p.returncode, out, "".join(err), mapped_at)


def main():
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("--users", type=int, default=1000000)
    args = ap.parse_args()
    with PgCluster() as pg, tempfile.TemporaryDirectory(prefix="import-bench-") as tmp:
        psql(pg.dsn, "CREATE DATABASE radius; CREATE DATABASE mgmt;")
        src = pg.dsn.replace("dbname=postgres", "dbname=radius")
        t = time.monotonic()
        fill(src, args.users)
        print(f"source: {args.users} users in FreeRADIUS's PostgreSQL schema, filled in {time.monotonic() - t:.1f} s",
              flush=True)
        # The reference: the source rows read once by psql, as fast as PostgreSQL hands them out.
        ref, _ = timed(["psql", src, "-X", "-q", "-c",
                        "COPY (SELECT c.id, c.username, c.attribute, c.op, c.value FROM radcheck c ORDER BY id) TO STDOUT",
                        "-o", "/dev/null"])
        ref2, _ = timed(["psql", src, "-X", "-q", "-c",
                         "COPY (SELECT username, groupname, priority FROM radusergroup) TO STDOUT", "-o", "/dev/null"])
        config = os.path.join(tmp, "mgmtd.json")
        sock = os.path.join(tmp, "control.sock")
        with open(config, "w") as f:
            json.dump({"data-dir": os.path.join(tmp, "data"), "control-socket": sock, "log-level": "warning",
                       "device-api": {"listen": "127.0.0.1", "port": 0}, "admin-api": {"listen": "127.0.0.1", "port": 0},
                       "storage": {"backend": "postgres", "dsn": pg.dsn.replace("dbname=postgres", "dbname=mgmt")}}, f)
        log = open(os.path.join(tmp, "mgmtd.log"), "wb")
        mgmtd = subprocess.Popen([os.path.join(BIN, "mgmtd"), "--config", config], stdout=log, stderr=log)
        try:
            ctl = [os.path.join(BIN, "mgmtctl"), "--socket", sock]
            deadline = time.time() + 30
            while subprocess.run(ctl + ["status"], capture_output=True).returncode != 0:
                if time.time() > deadline or mgmtd.poll() is not None:
                    raise SystemExit("mgmtd did not start")
                time.sleep(0.1)
            subprocess.run(ctl + ["tenant", "add", "--name", "isp", "--tier", "enterprise"], check=True,
                           capture_output=True)
            results = {}
            for mode in ("dry-run", "apply"):
                # Text output: --json would add the whole per-subscriber report (hundreds of MB at 1,000,000).
                cmd = ctl + ["import", "--tenant", "isp", "--source", "freeradius-sql", "--from", src]
                if mode == "dry-run":
                    cmd.append("--dry-run")
                cpu0 = open(f"/proc/{mgmtd.pid}/stat").read().split()[13:15]
                secs, r = timed(cmd)
                cpu1 = open(f"/proc/{mgmtd.pid}/stat").read().split()[13:15]
                mgmtd_cpu = (sum(map(int, cpu1)) - sum(map(int, cpu0))) / os.sysconf("SC_CLK_TCK")
                if r.returncode != 0:
                    raise SystemExit(f"{mode}: {r.returncode}: {r.stderr[-2000:]}")
                if os.environ.get("IMPORT_BENCH_VERBOSE"):
                    print(r.stderr)
                m = re.search(r"subscribers: (\d+) (?:to add|added)", r.stdout)
                p = re.search(r"plans: (\d+) (?:to add|added)", r.stdout)
                target = {"added": int(m.group(1)) if m else -1, "plans-added": int(p.group(1)) if p else -1}
                progress = [l for l in r.stderr.splitlines() if l]
                results[mode] = secs
                read = f"source read in {r.mapped_at:.1f} s, " if r.mapped_at else ""
                print(f"{mode:8} {secs:7.1f} s  {args.users / secs:9.0f} subscribers/s  ({read}"
                      f"mgmtd CPU {mgmtd_cpu:.1f} s; added {target['added']}, plans {target['plans-added']}; "
                      f"{len(progress)} progress lines, "
                      f"last: {progress[-1] if progress else '-'})", flush=True)
            print(f"reference: psql reads radcheck ({int(args.users * 1.43)} rows) in {ref:.1f} s and "
                  f"radusergroup in {ref2:.1f} s")
            goal = 120 * args.users / 1000000
            for mode, secs in results.items():
                print(f"{mode}: {'within' if secs < goal else 'OVER'} the goal of {goal:.0f} s for {args.users} "
                      f"(2 minutes per 1,000,000)")
        finally:
            mgmtd.terminate()
            mgmtd.wait(timeout=30)


if __name__ == "__main__":
    main()
