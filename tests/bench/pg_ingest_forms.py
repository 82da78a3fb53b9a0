#!/usr/bin/python3
"""Usage ingest on PostgreSQL, statement forms side by side (issue 21's 50,000 rows/s goal): where the
server's ~40 us per row goes and what another form of the same work saves. Not mgmtd: the SQL alone,
through psql, on a private durable cluster (fsync, synchronous_commit, full_page_writes on, like
fleet_bench.py), each batch one SERIALIZABLE transaction like UsageService::upload.

Forms, each given the same batches (1,000 rows of one device, 500 subscribers, fresh rows):
  values       what mgmt/usage/usage_store.cpp does today: multi-row INSERT ... VALUES ... ON CONFLICT
               DO NOTHING RETURNING seq, then the per-subscriber sums (added up by mgmtd) as a
               multi-row upsert into usage_totals
  unnest       the same two statements with one array per column (unnest) instead of 9,000 values
  unnest-cte   one statement: the rows through unnest, the fresh ones (RETURNING) summed by
               PostgreSQL into usage_totals in the same statement
  copy         COPY into an ON COMMIT DELETE ROWS temporary table, then the CTE from it

Prints server CPU per row (every PostgreSQL process of the cluster), wall time and rows/s per form,
with the machine's load, so runs on a shared machine can be compared. The 'values' form is the
reference measured in the same run.

  /usr/bin/python3 tests/bench/pg_ingest_forms.py [--batches 100] [--rounds 2]
"""
import argparse
import os
import subprocess
import sys
import tempfile
import time

HERE = os.path.dirname(os.path.abspath(__file__))
sys.path.insert(0, os.path.join(HERE, "..", "support"))
sys.path.insert(0, HERE)
from benchlib import cpu_seconds, log  # noqa: E402
from pg_cluster import BIN, PgCluster  # noqa: E402

DURABLE = " -c fsync=on -c synchronous_commit=on -c full_page_writes=on"
SCHEMA = """
CREATE TABLE usage (device_id TEXT NOT NULL, seq BIGINT NOT NULL, tenant_id TEXT NOT NULL, username TEXT NOT NULL,
  session TEXT NOT NULL, at BIGINT NOT NULL, input_octets BIGINT NOT NULL, output_octets BIGINT NOT NULL,
  session_time BIGINT NOT NULL, PRIMARY KEY (device_id, seq));
CREATE TABLE usage_totals (tenant_id TEXT NOT NULL, username TEXT NOT NULL, input_octets BIGINT NOT NULL DEFAULT 0,
  output_octets BIGINT NOT NULL DEFAULT 0, session_time BIGINT NOT NULL DEFAULT 0, records BIGINT NOT NULL DEFAULT 0,
  last_at BIGINT NOT NULL DEFAULT 0, PRIMARY KEY (tenant_id, username));
"""
UPSERT = (" ON CONFLICT (tenant_id, username) DO UPDATE SET input_octets = usage_totals.input_octets + "
          "excluded.input_octets, output_octets = usage_totals.output_octets + excluded.output_octets, "
          "session_time = usage_totals.session_time + excluded.session_time, records = usage_totals.records + "
          "excluded.records, last_at = GREATEST(usage_totals.last_at, excluded.last_at)")
COLUMNS = "device_id, seq, tenant_id, username, session, at, input_octets, output_octets, session_time"
TENANT = "t-0001"
CTE_TAIL = (" ON CONFLICT (device_id, seq) DO NOTHING RETURNING tenant_id, username, at, input_octets, output_octets, "
            "session_time) INSERT INTO usage_totals(tenant_id, username, input_octets, output_octets, session_time, "
            "records, last_at) SELECT tenant_id, username, sum(input_octets), sum(output_octets), sum(session_time), "
            "count(*), max(at) FROM fresh GROUP BY tenant_id, username" + UPSERT + ";\n")


def rows(form_index, batch):
    device = f"d{form_index}-{batch // 4}"
    first = (batch % 4) * 1000 + 1
    return [(device, s, TENANT, f"{device}-user{s % 500}", f"sess-{s // 10}", 1795000000 + s, 1000 + s, 50000 + s, 60)
            for s in range(first, first + 1000)]


def lit(v):
    return str(v) if isinstance(v, int) else "'" + v + "'"


def array(values, kind):
    return "ARRAY[" + ",".join(lit(v) for v in values) + "]::" + kind + "[]"


def totals(rs):
    sums = {}
    for r in rs:
        t = sums.setdefault(r[3], [0, 0, 0, 0, 0])
        t[0] += r[6]
        t[1] += r[7]
        t[2] += r[8]
        t[3] += 1
        t[4] = max(t[4], r[5])
    return sums


def batch_sql(form, rs):
    out = ["BEGIN ISOLATION LEVEL SERIALIZABLE;\n"]
    if form == "values":
        out.append(f"INSERT INTO usage({COLUMNS}) VALUES " + ",".join("(" + ",".join(lit(v) for v in r) + ")" for r in rs)
                   + " ON CONFLICT (device_id, seq) DO NOTHING RETURNING seq \\g /dev/null\n")
        sums = totals(rs)
        out.append("INSERT INTO usage_totals(tenant_id, username, input_octets, output_octets, session_time, records, "
                   "last_at) VALUES " + ",".join(f"('{TENANT}','{u}',{t[0]},{t[1]},{t[2]},{t[3]},{t[4]})"
                                                for u, t in sums.items()) + UPSERT + ";\n")
    elif form == "unnest":
        cols = list(zip(*rs))
        kinds = ["text", "bigint", "text", "text", "text", "bigint", "bigint", "bigint", "bigint"]
        out.append(f"INSERT INTO usage({COLUMNS}) SELECT * FROM unnest(" + ",".join(array(c, k) for c, k in zip(cols, kinds))
                   + ") ON CONFLICT (device_id, seq) DO NOTHING RETURNING seq \\g /dev/null\n")
        sums = totals(rs)
        users = list(sums)
        tc = [[sums[u][i] for u in users] for i in range(5)]
        out.append("INSERT INTO usage_totals(tenant_id, username, input_octets, output_octets, session_time, records, "
                   f"last_at) SELECT '{TENANT}', * FROM unnest(" + array(users, "text") + ","
                   + ",".join(array(c, "bigint") for c in tc) + ")" + UPSERT + ";\n")
    elif form == "unnest-cte":
        cols = list(zip(*rs))
        kinds = ["text", "bigint", "text", "text", "text", "bigint", "bigint", "bigint", "bigint"]
        out.append(f"WITH fresh AS (INSERT INTO usage({COLUMNS}) SELECT * FROM unnest("
                   + ",".join(array(c, k) for c, k in zip(cols, kinds)) + ")" + CTE_TAIL)
    elif form == "copy":
        out.append("CREATE TEMP TABLE IF NOT EXISTS staging (LIKE usage) ON COMMIT DELETE ROWS;\n")
        out.append(f"COPY staging({COLUMNS}) FROM STDIN;\n" + "".join("\t".join(str(v) for v in r) + "\n" for r in rs)
                   + "\\.\n")
        out.append(f"WITH fresh AS (INSERT INTO usage({COLUMNS}) SELECT {COLUMNS} FROM staging" + CTE_TAIL)
    out.append("COMMIT;\n")
    return "".join(out)


def cluster_cpu(pg):
    """CPU seconds of the cluster: the postmaster with its reaped children (a psql session's backend
    ends with the session, and its time moves to the postmaster's cutime/cstime) and the live ones."""
    with open(os.path.join(pg.data, "postmaster.pid")) as f:
        postmaster = int(f.readline())
    with open(f"/proc/{postmaster}/stat") as f:
        data = f.read()
    fields = data[data.rindex(")") + 2:].split()
    total = sum(int(x) for x in fields[11:15]) / os.sysconf("SC_CLK_TCK")
    for pid in os.listdir("/proc"):
        if not pid.isdigit() or int(pid) == postmaster:
            continue
        try:
            with open(f"/proc/{pid}/stat") as f:
                data = f.read()
            if int(data[data.rindex(")") + 2:].split()[1]) == postmaster:
                total += cpu_seconds(int(pid))
        except (OSError, ValueError):
            pass
    return total


def main():
    p = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    p.add_argument("--batches", type=int, default=100, help="1,000-row batches per form and round")
    p.add_argument("--rounds", type=int, default=2)
    a = p.parse_args()
    forms = ["values", "unnest", "unnest-cte", "copy"]
    tmp = tempfile.mkdtemp(prefix="pg-ingest-")
    os.chmod(tmp, 0o755)  # the cluster runs as postgres when we are root
    pg = PgCluster(os.path.join(tmp, "pg"))
    pg.extra_options = DURABLE
    pg.start()
    try:
        psql = [f"{BIN}/psql", "-X", "-q", "-v", "ON_ERROR_STOP=1", pg.dsn]
        subprocess.run(psql + ["-c", SCHEMA], check=True, capture_output=True)
        log(f"pg ingest forms: {a.batches} batches of 1,000 rows per form and round, {a.rounds} rounds, "
            f"durable PostgreSQL 15, load {os.getloadavg()[0]:.1f}")
        results = {f: [] for f in forms}
        for rnd in range(a.rounds):
            for i, form in enumerate(forms):
                path = os.path.join(tmp, f"{form}.sql")
                with open(path, "w") as f:
                    for b in range(a.batches):
                        f.write(batch_sql(form, rows(rnd * 10 + i, b)))
                cpu0, t0 = cluster_cpu(pg), time.monotonic()
                subprocess.run(psql + ["-f", path], check=True, capture_output=True)
                wall = time.monotonic() - t0
                time.sleep(0.5)  # the session's backend exits and is reaped: its time is the postmaster's
                cpu = cluster_cpu(pg) - cpu0
                n = a.batches * 1000
                results[form].append((cpu / n * 1e6, n / wall))
                log(f"  round {rnd + 1} {form:11} server CPU {cpu / n * 1e6:5.1f} us/row, {n / wall:8,.0f} rows/s "
                    f"(psql {wall:.1f} s, load {os.getloadavg()[0]:.1f})")
        counted = subprocess.run(psql + ["-At", "-c", "SELECT (SELECT count(*) FROM usage), "
                                         "(SELECT sum(records) FROM usage_totals)"],
                                 check=True, capture_output=True, text=True).stdout.strip()
        rows_, records = (int(x) for x in counted.split("|"))
        expected = a.batches * 1000 * len(forms) * a.rounds
        log(f"  check: {rows_} usage rows, totals count {records} (expected {expected} each)")
        if rows_ != expected or records != expected:
            log("FAIL: a form lost or doubled rows")
            return 1
        ref = max(1e-9, min(r[0] for r in results["values"]))
        for form in forms:
            best = min(r[0] for r in results[form])
            log(f"best {form:11} {best:5.1f} us/row of server CPU ({best / ref:.2f}x the values form)")
        return 0
    finally:
        pg.stop()


if __name__ == "__main__":
    sys.exit(main())
