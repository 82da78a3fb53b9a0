#!/usr/bin/python3
"""Fleet benchmark (issue 21, Speed): simulated appliances, each with its own key and certificate,
check in every 60 s and upload usage against
  sqlite   one mgmtd on SQLite (the embedded default),
  postgres one mgmtd on PostgreSQL 15 (its device API directly),
  cluster  two mgmtd on that PostgreSQL behind HAProxy (TCP mode: mutual TLS ends at mgmtd),
beside the TLS floor measured in the same run (the same device's new mutual-TLS connection
fetching GET /v1/ca: the same handshake, no database). Each device resumes the TLS session of its
previous connection as the box does (after a warm-up that gives every device one; --no-resume
shakes hands in full every time); a full handshake is sampled beside it. Then a separate
usage-ingest phase.

  ./scripts/bench                                         (defaults: 2,000 appliances, one 60 s interval)
  /usr/bin/python3 tests/bench/fleet_bench.py --devices 20000 --only cluster
  /usr/bin/python3 tests/bench/fleet_bench.py --quick    (200 appliances, a 20 s interval)

Enrolling a large fleet through the real claim + CSR path takes minutes (a full TLS handshake, a
P-256 key, a CSR and a certificate per box), so it is done once per backend and fleet size and kept
in BUILD/bench/fleet-cache/<backend>-<N>/: the mgmt data folder (its CA issued the certificates),
the database (SQLite: mgmt.db inside it; PostgreSQL: a pg_dump of the enrolled database) and every
device's key and certificate (fleet.jsonl). Each run starts from a copy of that state (mgmtd applies
newer migrations on start); --fresh-enroll throws the cache away. Goals (PASS/FAIL): p99 check-in
under 2x the TLS floor at 20,000 appliances on the cluster; usage ingest >= 50,000 rows/s on
PostgreSQL. PostgreSQL runs durable here (fsync, synchronous_commit, full_page_writes on), like
SQLite's synchronous=FULL.
"""
import argparse
import json
import os
import resource
import shutil
import subprocess
import sys
import tempfile
import time

HERE = os.path.dirname(os.path.abspath(__file__))
sys.path.insert(0, os.path.join(HERE, "..", "integration"))
sys.path.insert(0, os.path.join(HERE, "..", "support"))
from benchlib import BIN, CLK_TCK, core_jiffies, cpu_seconds, log  # noqa: E402
from edgelib import Mgmtd  # noqa: E402
from mgmt_cluster import DATABASE, MgmtCluster, _psql  # noqa: E402
from pg_cluster import BIN as PG_BIN, PgCluster  # noqa: E402

INTERVAL = 60
CACHE_FORMAT = 1
CACHE_MAX_AGE = 14 * 86400  # device certificates are valid far longer; a stale cache is just rebuilt
DURABLE = " -c fsync=on -c synchronous_commit=on -c full_page_writes=on"
MGMT_CONFIG = {"device-poll-interval": INTERVAL}


def parse_args():
    p = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    p.add_argument("--devices", type=int, default=int(os.environ.get("FLEET_DEVICES", "2000")))
    p.add_argument("--fleet-size", type=int, default=0,
                   help="enroll (or take from the cache) this many, and check in the first --devices of them")
    p.add_argument("--duration", type=int, default=int(os.environ.get("FLEET_DURATION", str(INTERVAL))),
                   help="seconds of check-ins (whole intervals)")
    p.add_argument("--interval", type=int, default=INTERVAL)
    p.add_argument("--only", action="append", choices=["sqlite", "postgres", "cluster"])
    p.add_argument("--usage-devices", type=int, default=50)
    p.add_argument("--usage-rows", type=int, default=4000, help="rows each usage device uploads")
    p.add_argument("--usage-threads", type=int, default=4)
    p.add_argument("--workers", type=int, default=0, help="check-in threads (default: from the rate)")
    p.add_argument("--connections", type=int, default=8, help="each mgmtd's PostgreSQL pool")
    p.add_argument("--usage-ingest", choices=["copy", "insert", "both"], default="both",
                   help="mgmtd's storage.usage-ingest; both (PostgreSQL cases): the usage phase once more with "
                        "insert, the multi-row INSERTs COPY replaced, as the reference in the same run")
    p.add_argument("--usage-only", action="store_true", help="skip the check-in phase (usage ingest alone)")
    p.add_argument("--no-resume", action="store_true",
                   help="every connection shakes hands in full (the box before TLS session resumption)")
    p.add_argument("--quick", action="store_true", help="200 appliances, a 20 s interval")
    p.add_argument("--fresh-enroll", action="store_true", help="enroll again instead of using the cache")
    p.add_argument("--enroll-only", action="store_true", help="fill the enrollment cache and stop")
    p.add_argument("--keep", action="store_true", help="keep the temporary folder")
    p.add_argument("--json-out", default=os.path.join(os.path.dirname(BIN), "bench", "fleet.json"))
    a = p.parse_args()
    if a.quick:
        a.devices, a.duration, a.interval, a.usage_devices, a.usage_rows = 200, 20, 20, 10, 2000
    a.fleet_size = max(a.fleet_size, a.devices)
    return a


def run(cmd, timeout):
    r = subprocess.run(cmd, capture_output=True, text=True, timeout=timeout)
    if r.returncode not in (0, 1) or not r.stdout.strip():
        raise RuntimeError(f"{os.path.basename(cmd[0])} {cmd[1]} -> {r.returncode}: {r.stderr[-2000:]}")
    return json.loads(r.stdout.strip().splitlines()[-1])


def postgres_pids(cluster):
    """The postmaster of the cluster and its children (backends, walwriter, checkpointer...)."""
    with open(os.path.join(cluster.primary.data, "postmaster.pid")) as f:
        master = int(f.readline())
    pids = [master]
    for entry in os.listdir("/proc"):
        if entry.isdigit():
            try:
                with open(f"/proc/{entry}/stat") as f:
                    data = f.read()
                if int(data[data.rindex(")") + 2:].split()[1]) == master:
                    pids.append(int(entry))
            except (OSError, ValueError):
                pass
    return pids


class Fleet:
    """What one case needs: a mgmtd (or two behind HAProxy) with an enrolled fleet in its database."""

    def __init__(self, args, backend, tmp):
        self.args, self.backend, self.tmp = args, backend, tmp
        self.cache = os.path.join(os.path.dirname(BIN), "bench", "fleet-cache", f"{backend}-{args.fleet_size}")
        self.fleet_file = os.path.join(self.cache, "fleet.jsonl")
        self.mgmt = self.cluster = None

    def cached(self):
        try:
            with open(os.path.join(self.cache, "meta.json")) as f:
                meta = json.load(f)
        except (OSError, ValueError):
            return False
        return (meta.get("format") == CACHE_FORMAT and meta.get("devices") == self.args.fleet_size
                and time.time() - meta.get("created", 0) < CACHE_MAX_AGE and os.path.exists(self.fleet_file))

    def prepare(self, sqlite_fleet=None):
        """Enrolls the fleet into the cache unless it is there already. PostgreSQL's comes from the
        SQLite one when there is one (sqlite_fleet): mgmtctl migrate copies the enrolled platform."""
        if self.cached() and not self.args.fresh_enroll:
            log(f"  {self.backend}: {self.args.fleet_size} enrolled appliances from {self.cache}")
            return None
        shutil.rmtree(self.cache, ignore_errors=True)
        os.makedirs(self.cache)
        if self.backend == "postgres" and sqlite_fleet is not None:
            return self.migrate_from(sqlite_fleet)
        log(f"  {self.backend}: enrolling {self.args.fleet_size} appliances (real claim + CSR path; cached for next time)")
        self.start(cache=False, replicas=1)
        try:
            self.ctl("tenant", "add", "--name", "fleet", "--tier", "enterprise")
            token = self.ctl("claim", "create", "--tenant", "fleet", "--uses", str(self.args.fleet_size)).strip()
            r = run([os.path.join(BIN, "fleet_sim"), "enroll", "--token", token, "--devices", str(self.args.fleet_size),
                     "--out", self.fleet_file, "--threads", "4"], timeout=3600)
            if self.backend == "postgres":
                dump = subprocess.run([f"{PG_BIN}/pg_dump", "-h", self.cluster.primary.dir, "-p",
                                       str(self.cluster.primary.port), "-U", "postgres", "-d", DATABASE, "-f",
                                       os.path.join(self.cache, "mgmt.sql")], capture_output=True, text=True)
                if dump.returncode != 0:
                    raise RuntimeError(f"pg_dump: {dump.stderr}")
        finally:
            data_dir = self.stop()
        shutil.copytree(data_dir, os.path.join(self.cache, "data"), ignore=shutil.ignore_patterns("*.sock", "*.pid"))
        with open(os.path.join(self.cache, "meta.json"), "w") as f:
            json.dump({"format": CACHE_FORMAT, "devices": self.args.fleet_size, "created": time.time(),
                       "enroll-seconds": r["enroll-seconds"]}, f)
        log(f"  enrolled in {r['enroll-seconds']:.1f} s")
        return r["enroll-seconds"]

    def migrate_from(self, source):
        """The PostgreSQL cache as a copy of the SQLite one (the same CA, devices and certificates),
        made by mgmtctl migrate, the path a platform takes from SQLite to PostgreSQL."""
        log(f"  {self.backend}: copying the enrolled SQLite platform with mgmtctl migrate")
        t0 = time.monotonic()
        pg = PgCluster(os.path.join(self.tmp, "pg-migrate"))
        pg.start()
        try:
            _psql(pg.dir, pg.port, f"CREATE DATABASE {DATABASE};", dbname="postgres")
            dsn = f"host={pg.dir} port={pg.port} dbname={DATABASE} user=postgres"
            r = subprocess.run([os.path.join(BIN, "mgmtctl"), "migrate", "--from",
                                "sqlite:" + os.path.join(source.cache, "data", "mgmt.db"), "--to", "postgres:" + dsn,
                                "--work-dir", self.tmp], capture_output=True, text=True, timeout=1800)
            if r.returncode != 0:
                raise RuntimeError(f"mgmtctl migrate: {r.stdout[-1000:]}{r.stderr[-2000:]}")
            dump = subprocess.run([f"{PG_BIN}/pg_dump", "-h", pg.dir, "-p", str(pg.port), "-U", "postgres", "-d",
                                   DATABASE, "-f", os.path.join(self.cache, "mgmt.sql")], capture_output=True, text=True)
            if dump.returncode != 0:
                raise RuntimeError(f"pg_dump: {dump.stderr}")
        finally:
            pg.stop()
        shutil.copytree(os.path.join(source.cache, "data"), os.path.join(self.cache, "data"),
                        ignore=shutil.ignore_patterns("mgmt.db*", "*.sock", "*.pid"))
        shutil.copyfile(source.fleet_file, self.fleet_file)
        with open(os.path.join(self.cache, "meta.json"), "w") as f:
            json.dump({"format": CACHE_FORMAT, "devices": self.args.fleet_size, "created": time.time(),
                       "migrated-from": source.cache, "migrate-seconds": time.monotonic() - t0}, f)
        log(f"  copied in {time.monotonic() - t0:.1f} s")
        return None

    def start(self, cache=True, replicas=1, ingest="copy"):
        root = tempfile.mkdtemp(prefix=f"{self.backend}-{replicas}-", dir=self.tmp)
        os.chmod(root, 0o755)
        data_dir = os.path.join(root, "data")
        if cache:
            shutil.copytree(os.path.join(self.cache, "data"), data_dir)
        if self.backend == "sqlite":
            self.mgmt = Mgmtd(root, dict(MGMT_CONFIG, storage={"backend": "sqlite", "usage-ingest": ingest})).start()
            self.url = f"https://127.0.0.1:{self.mgmt.device_port}"
            self.pids = lambda: {"mgmtd": [self.mgmt.proc.pid]}
            return
        restore = os.path.join(self.cache, "mgmt.sql") if cache else None

        class Cluster(MgmtCluster):
            def _start_postgres(cl):
                cl.primary.extra_options = DURABLE + " -c max_connections=100"
                cl.primary.start()
                _psql(cl.primary.dir, cl.primary.port, f"CREATE DATABASE {DATABASE};", dbname="postgres")
                if restore:
                    r = subprocess.run(["psql", "-h", cl.primary.dir, "-p", str(cl.primary.port), "-U", "postgres",
                                        "-d", DATABASE, "-X", "-q", "-v", "ON_ERROR_STOP=1", "-f", restore],
                                       capture_output=True, text=True)
                    if r.returncode != 0:
                        raise RuntimeError(f"restoring {restore}: {r.stderr[-2000:]}")

        self.cluster = Cluster(directory=os.path.join(root, "c"), replicas=replicas, standby=False, bin_dir=BIN,
                               mgmt_config=dict(MGMT_CONFIG, storage={"usage-ingest": ingest}),
                               connections=self.args.connections)
        self.cluster.data_dir = data_dir
        self.cluster.start()
        # One mgmtd: its own port (no HAProxy hop); two: through HAProxy, as boxes would reach them.
        self.url = (self.cluster.device_url if replicas > 1
                    else f"https://127.0.0.1:{self.cluster.replicas[0].device_port}")
        self.pids = lambda: {"mgmtd": [r.pid for r in self.cluster.replicas], "postgres": postgres_pids(self.cluster),
                             "haproxy": [self.cluster.haproxy_pid] if replicas > 1 else []}

    def ctl(self, *args):
        if self.mgmt is not None:
            return self.mgmt.ctl(*args).stdout
        return self.cluster.ctl(*args)

    def stop(self):
        if self.mgmt is not None:
            self.mgmt.stop()
            data_dir, self.mgmt = self.mgmt.data_dir, None
            return data_dir
        data_dir = self.cluster.data_dir
        self.cluster.stop(remove=False)
        self.cluster = None
        return data_dir


def measure_usage(args, fleet, name, ingest):
    """The usage phase alone (--usage-only, and the reference ingest path of --usage-ingest both)."""
    sim = [os.path.join(BIN, "fleet_sim"), "run", "--fleet", fleet.fleet_file, "--url", fleet.url,
           "--devices", str(args.devices), "--interval", str(args.interval), "--resume", "0" if args.no_resume else "1"]
    u = phase(fleet, sim + ["--duration", "0", "--usage-devices", str(args.usage_devices), "--usage-rows",
                            str(args.usage_rows), "--usage-threads", str(args.usage_threads)], 1200)
    r = {k: v for k, v in u.items() if k.startswith("usage-")}
    r.update({f"usage-phase-{k}": v for k, v in u["cpu"].items()})
    r.update({"case": name, "usage-ingest": ingest})
    return r


def report_usage(r):
    c = lambda k: r[f"usage-phase-{k}"]  # noqa: E731
    n = max(r["usage-rows"], 1)
    log(f"  usage ({r['usage-ingest']}): {r['usage-rows']} rows in {r['usage-seconds']:.1f} s = "
        f"{r['usage-rows-per-second']:,.0f} rows/s (p50 {r['usage-batch-p50-ms']:.0f} ms, p99 "
        f"{r['usage-batch-p99-ms']:.0f} ms, {r['usage-failures']} failed); CPU per row: servers "
        f"{c('server-cpu-seconds') * 1e6 / n:.1f} us ("
        + ", ".join(f"{g} {r[f'usage-phase-{g}-cpu-seconds'] * 1e6 / n:.1f} us" for g in ("mgmtd", "postgres", "haproxy")
                    if r.get(f"usage-phase-{g}-cpu-seconds"))
        + f"), fleet_sim {c('sim-cpu-seconds') * 1e6 / n:.1f} us; other processes took {c('others-share'):.0%} "
        f"of the machine")
    if r.get("usage-first-error"):
        log(f"  WARNING usage-first-error: {r['usage-first-error']}")


def measure(args, fleet, name):
    """One case: the check-in phase, then the usage phase, each with the CPU time of everything
    involved (so that a figure taken on a loaded machine can be read as CPU per check-in or per row)."""
    rate = args.devices / args.interval
    workers = args.workers or max(16, min(512, int(rate * 0.25)))  # 250 ms of check-ins in flight
    sim = [os.path.join(BIN, "fleet_sim"), "run", "--fleet", fleet.fleet_file, "--url", fleet.url,
           "--devices", str(args.devices), "--interval", str(args.interval), "--resume", "0" if args.no_resume else "1"]
    # The check-ins that have not started a minute after the phase should have ended are counted,
    # not waited for: the simulator's own handshakes may be more than this machine can do.
    # The warm-up (each device's session, as its last check-in left it) comes before the measured
    # interval and is not in it; --max-seconds counts from the interval's start.
    r = phase(fleet, sim + ["--duration", str(args.duration), "--workers", str(workers), "--usage-devices", "0",
                            "--max-seconds", str(args.duration + 60)], args.duration * 4 + 600 + args.devices // 10)
    u = phase(fleet, sim + ["--duration", "0", "--usage-devices", str(args.usage_devices), "--usage-rows",
                            str(args.usage_rows), "--usage-threads", str(args.usage_threads)], 1200)
    r.update({k: v for k, v in u.items() if k.startswith("usage-")})
    r.update({f"checkin-phase-{k}": v for k, v in r.pop("cpu").items()})
    r.update({f"usage-phase-{k}": v for k, v in u["cpu"].items()})
    r.update({"case": name, "workers": workers})
    return r


def phase(fleet, cmd, timeout):
    """fleet_sim once, with what the servers, fleet_sim and everyone else did on the CPUs meanwhile,
    counted from the end of its warm-up (the sessions every device holds when the phase starts)."""
    proc = subprocess.Popen(cmd, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
    errors = []
    for line in proc.stderr:
        if line.startswith("fleet_sim: warm"):
            break
        errors.append(line)
    try:
        sim_warm = cpu_seconds(proc.pid)
    except OSError:
        sim_warm = 0.0  # it ended already (a failed warm-up): run's check below reports it
    groups = fleet.pids()
    cpu0 = {p: cpu_seconds(p) for g in groups.values() for p in g}
    children0 = resource.getrusage(resource.RUSAGE_CHILDREN)
    cores0, t0 = core_jiffies(), time.monotonic()
    out, err = proc.communicate(timeout=timeout)
    if proc.returncode not in (0, 1) or not out.strip():
        raise RuntimeError(f"fleet_sim {cmd[1]} -> {proc.returncode}: {(''.join(errors) + err)[-2000:]}")
    r = json.loads(out.strip().splitlines()[-1])
    wall = time.monotonic() - t0
    cores1, children1 = core_jiffies(), resource.getrusage(resource.RUSAGE_CHILDREN)
    by_group = {}
    for name, pids in fleet.pids().items():
        by_group[name] = 0.0
        for p in set(pids) | set(groups.get(name, [])):
            try:
                by_group[name] += cpu_seconds(p) - cpu0.get(p, 0.0)
            except OSError:
                pass  # a backend that ended during the run: its time is lost, a few ms
    server = sum(by_group.values())
    sim = (children1.ru_utime + children1.ru_stime) - (children0.ru_utime + children0.ru_stime) - sim_warm
    busy = sum(c1["task"] + c1["irq"] + c1["steal"] - (c0["task"] + c0["irq"] + c0["steal"])
               for c0, c1 in ((cores0[k], cores1[k]) for k in cores1 if k in cores0)) / CLK_TCK
    capacity = wall * len(cores1)
    r["cpu"] = {"wall-seconds": wall, "server-cpu-seconds": server, "sim-cpu-seconds": sim,
                **{f"{name}-cpu-seconds": v for name, v in by_group.items()},
                "machine-busy-share": busy / capacity, "others-share": max(0.0, busy - server - sim) / capacity}
    return r


def report(r):
    if r["resume"]:
        log(f"  warm-up: every device's TLS session in {r['warmup-seconds']:.0f} s (not measured)")
    log(f"  check-ins: {r['checkins']} in {r['checkin-seconds']:.0f} s ({r['checkins'] / max(r['checkin-seconds'], 1e-9):.0f}/s), "
        f"{r['checkin-failures']} failed, {r['checkins-late']} started > 1 s late, "
        f"{r['checkins-not-started']} not started (phase cut at interval + 60 s), "
        f"{r['checkins-resumed']} resumed their TLS session")
    full = r["resume"] and r["full-floor-samples"] > 0
    log(f"  {'':14}{'check-in':>12}{'TLS floor':>12}" + (f"{'full handshake':>16}" if full else ""))
    for q in ("p50", "p99"):
        log(f"  latency {q:6}{r[f'checkin-{q}-ms']:>9.1f} ms{r[f'floor-{q}-ms']:>9.1f} ms"
            + (f"{r[f'full-floor-{q}-ms']:>13.1f} ms" if full else ""))
    log(f"  p99 / floor p99 = {r['checkin-p99-ms'] / max(r['floor-p99-ms'], 1e-9):.2f}")
    log(f"  usage: {r['usage-rows']} rows in {r['usage-seconds']:.1f} s = {r['usage-rows-per-second']:,.0f} rows/s "
        f"({r['usage-batches']} batches of 1000, p50 {r['usage-batch-p50-ms']:.0f} ms, p99 {r['usage-batch-p99-ms']:.0f} ms, "
        f"{r['usage-failures']} failed)")
    # Every connection of the phase counts: check-ins, floor fetches and the sampled full handshakes.
    connections = r["checkins"] + r["floor-samples"] + r.get("full-floor-samples", 0)
    for ph, per, n in (("checkin", "connection", connections), ("usage", "row", r["usage-rows"])):
        c = lambda k: r[f"{ph}-phase-{k}"]  # noqa: E731
        log(f"  CPU in the {ph} phase ({c('wall-seconds'):.0f} s): servers {c('server-cpu-seconds'):.1f} s "
            f"({c('server-cpu-seconds') * 1e3 / max(n, 1):.3f} ms per {per}), fleet_sim {c('sim-cpu-seconds'):.1f} s "
            f"({c('sim-cpu-seconds') * 1e3 / max(n, 1):.3f} ms per {per}); of the servers' "
            + ", ".join(f"{g} {r[f'{ph}-phase-{g}-cpu-seconds']:.1f} s" for g in ("mgmtd", "postgres", "haproxy")
                        if f"{ph}-phase-{g}-cpu-seconds" in r)
            + "; other processes took "
            f"{c('others-share'):.0%} of the machine (busy {c('machine-busy-share'):.0%})")
    for k in ("checkin-first-error", "floor-first-error", "usage-first-error"):
        if r.get(k):
            log(f"  WARNING {k}: {r[k]}")


def main():
    args = parse_args()
    cases = [c for c in ("sqlite", "postgres", "cluster") if not args.only or c in args.only]
    tmp = tempfile.mkdtemp(prefix="fleet-")
    os.chmod(tmp, 0o755)
    results, failed = {"devices": args.devices, "fleet-size": args.fleet_size, "interval": args.interval,
                       "cases": {}}, False
    try:
        log(f"fleet: {args.devices} appliances of {args.fleet_size} enrolled, check-ins every {args.interval} s "
            f"for {args.duration} s, "
            f"then {args.usage_devices} x {args.usage_rows} usage rows; {os.cpu_count()} CPUs")
        # SQLite first: the PostgreSQL fleet is a copy of it (mgmtctl migrate) when both are wanted or
        # the SQLite one is cached; enrolled on PostgreSQL itself otherwise.
        prepared, backends = {}, []
        for name in cases:
            backend = "sqlite" if name == "sqlite" else "postgres"
            if backend not in backends:
                backends.append(backend)
        sqlite_fleet = Fleet(args, "sqlite", tmp)
        if "postgres" in backends and "sqlite" not in backends and sqlite_fleet.cached():
            backends.insert(0, "sqlite")  # already there: nothing to enroll, only its cache to copy
        for backend in sorted(backends, key=lambda b: b != "sqlite"):
            f = sqlite_fleet if backend == "sqlite" else Fleet(args, backend, tmp)
            prepared[backend] = f.prepare(sqlite_fleet if "sqlite" in prepared else None)
        if args.enroll_only:
            return 0
        for name in cases:
            backend = "sqlite" if name == "sqlite" else "postgres"
            fleet = Fleet(args, backend, tmp)
            # COPY is PostgreSQL's path; SQLite writes the same multi-row INSERTs under either setting.
            ingests = ([args.usage_ingest] if args.usage_ingest != "both"
                       else ["copy"] if backend == "sqlite" else ["copy", "insert"])
            for i, ingest in enumerate(ingests):
                log(f"== {name}" + (f" (usage-ingest {ingest})" if backend != "sqlite" else ""))
                fleet.start(replicas=2 if name == "cluster" else 1, ingest=ingest)
                try:
                    r = (measure_usage(args, fleet, name, ingest) if args.usage_only or i > 0
                         else measure(args, fleet, name))
                finally:
                    fleet.stop()
                r["usage-ingest"] = ingest
                key = name if i == 0 else f"{name}-{ingest}"
                if prepared[backend] is not None:
                    r["enroll-seconds"] = prepared[backend]
                if "checkins" in r:
                    report(r)
                report_usage(r)
                results["cases"][key] = r
                failed |= r.get("checkin-failures", 0) > 0 or r["usage-failures"] > 0
        c = results["cases"].get("cluster") if not args.usage_only else None
        if c:
            ratio = c["checkin-p99-ms"] / max(c["floor-p99-ms"], 1e-9)
            # The goal is about 20,000 appliances each checking in on time: a run whose simulator fell
            # behind (late or never started) did not put that load on mgmtd, whatever its ratio.
            kept_up = c["checkins-not-started"] == 0 and c["checkins-late"] <= c["checkins"] // 100
            if args.devices < 20000:
                verdict = "not at 20,000"
            elif not kept_up:
                verdict = (f"NOT MEASURED: the simulator made {c['checkins'] / max(c['checkin-seconds'], 1e-9):.0f} "
                           f"check-ins/s of the {args.devices / args.interval:.0f} needed")
            else:
                verdict = "PASS" if ratio < 2 else "FAIL"
            log(f"goal: cluster p99 check-in < 2x TLS floor at 20,000 appliances: {ratio:.2f}x at {args.devices} "
                f"-> {verdict}")
        for name in ("postgres", "cluster", "postgres-insert", "cluster-insert"):
            if name in results["cases"]:
                v = results["cases"][name]["usage-rows-per-second"]
                log(f"goal: usage ingest >= 50,000 rows/s on PostgreSQL ({name}): {v:,.0f} -> "
                    f"{'PASS' if v >= 50000 else 'FAIL'}")
        os.makedirs(os.path.dirname(args.json_out), exist_ok=True)
        with open(args.json_out, "w") as f:
            json.dump(results, f, indent=2)
        log(f"results: {args.json_out}")
        return 1 if failed else 0
    finally:
        if args.keep:
            log(f"kept {tmp}")
        else:
            shutil.rmtree(tmp, ignore_errors=True)


if __name__ == "__main__":
    sys.exit(main())
