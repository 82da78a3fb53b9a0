#!/usr/bin/python3
"""Shared parts of the benchmarks in tests/bench (radius_bench.py, acct_bench.py).

Processes started and always stopped (by PID, on every exit path), measurements of a running server
(CPU from /proc/PID/stat, where each core's time went, RSS), stall probes, pinning to cores, free
loopback ports, private FreeRADIUS configurations copied from /etc/freeradius/3.0, and the
formatting of figures. stdlib only; /usr/bin/python3.
"""
import ctypes
import json
import os
import re
import shutil
import signal
import socket
import subprocess
import sys
import tempfile
import time

SOURCE = os.environ.get("EDGE_SOURCE", os.path.abspath(os.path.join(os.path.dirname(__file__), "..", "..")))
BIN = os.environ.get("EDGE_BIN", os.path.join(SOURCE, "build", "bin"))
TEMPLATES = os.path.join(os.path.dirname(os.path.abspath(__file__)), "freeradius")
SYSTEM_RADDB = "/etc/freeradius/3.0"
CLK_TCK = os.sysconf("SC_CLK_TCK")


def log(msg):
    print(msg, flush=True)


class BenchError(Exception):
    pass


class Unavailable(Exception):
    """A server that cannot be measured in this checkout (e.g. edged without its RADIUS service)."""


class Target:
    """A server under test: started, loaded with the users, answering on its port."""

    def __init__(self, name, proc, port, result, log_path=None):
        self.name = name
        self.proc = proc
        self.port = port
        self.result = result
        self.log_path = log_path
        self.runs = []
        self.problems = result.setdefault("problems", [])


# ---------------------------------------------------------------------------------------------
# processes


def _die_with_parent():
    # PR_SET_PDEATHSIG: if this script is killed outright, its servers go too. Survives the exec
    # done by taskset.
    try:
        ctypes.CDLL("libc.so.6", use_errno=True).prctl(1, signal.SIGTERM, 0, 0, 0)
    except OSError:
        pass


class Processes:
    """Every process this script starts, so all of them are stopped on any exit path."""

    def __init__(self):
        self.procs = []

    def start(self, cmd, log_path, env=None):
        out = open(log_path, "ab")
        try:
            p = subprocess.Popen(cmd, stdout=out, stderr=subprocess.STDOUT, stdin=subprocess.DEVNULL,
                                 env=env, preexec_fn=_die_with_parent, start_new_session=True)
        finally:
            out.close()
        self.procs.append(p)
        return p

    def stop(self, p, timeout=15.0):
        if p is None:
            return
        if p.poll() is None:
            try:
                p.send_signal(signal.SIGTERM)
                p.wait(timeout=timeout)
            except subprocess.TimeoutExpired:
                p.kill()
                p.wait()
            except ProcessLookupError:
                pass
        if p in self.procs:
            self.procs.remove(p)

    def stop_all(self):
        for p in list(self.procs):
            self.stop(p, timeout=5.0)


def _on_sigterm(signum, frame):
    raise SystemExit(128 + signum)


# ---------------------------------------------------------------------------------------------
# measurements of a running server


def run_main(name, bench_class, args):
    """Runs a benchmark: SIGTERM stops it cleanly, its processes are always cleaned up."""
    signal.signal(signal.SIGTERM, _on_sigterm)
    bench = bench_class(args)
    try:
        return bench.run()
    except BenchError as e:
        print(f"{name}: {e}", file=sys.stderr)
        return 1
    except KeyboardInterrupt:
        print(f"{name}: interrupted", file=sys.stderr)
        return 130
    finally:
        bench.cleanup()


def cpu_seconds(pid):
    """utime + stime of the whole process (all threads), from /proc/PID/stat."""
    with open(f"/proc/{pid}/stat") as f:
        data = f.read()
    fields = data[data.rindex(")") + 2:].split()
    return (int(fields[11]) + int(fields[12])) / CLK_TCK


def core_jiffies():
    """{cpu: {"task": user+nice+system, "irq": irq+softirq, "steal": steal, "total": all}} from /proc/stat."""
    out = {}
    with open("/proc/stat") as f:
        for line in f:
            if line.startswith("cpu") and line[3].isdigit():
                parts = line.split()
                v = [int(x) for x in parts[1:9]]
                out[int(parts[0][3:])] = {"task": v[0] + v[1] + v[2], "irq": v[5] + v[6], "steal": v[7],
                                          "total": sum(v)}  # guest time is already in user
    return out


def rss_kib(pid):
    with open(f"/proc/{pid}/status") as f:
        for line in f:
            if line.startswith("VmRSS:"):
                return int(line.split()[1])
    return 0


def free_udp_port_pair(start):
    """Two consecutive free UDP ports on loopback at or above start (never the system's 1812/1813)."""
    port = start
    while port < 65000:
        ok = True
        for p in (port, port + 1):
            s = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
            try:
                s.bind(("127.0.0.1", p))
            except OSError:
                ok = False
            finally:
                s.close()
        if ok:
            return port
        port += 2
    raise BenchError("no free UDP port pair found")


def fmt_rate(v):
    return "-" if v is None else f"{v:,.0f}"


def fmt_us(v):
    if v is None:
        return "-"
    return f"{v / 1000:.2f} ms" if v >= 1000 else f"{v:.0f} us"


def fmt_mib(kib):
    return "-" if kib is None else f"{kib / 1024:.0f} MiB"


def fmt_s(v):
    return "-" if v is None else f"{v:.1f} s"




class BenchBase:
    """What every benchmark does around its servers: a temporary folder, the processes it started,
    pinning (server on the first CPU it may use, radload on the second), ports, stall probes, timed
    runs and what the cores did meanwhile. A subclass provides radload(port, concurrency, duration=,
    rate=) returning radload's JSON."""

    def __init__(self, args, tmp_prefix):
        self.args = args
        self.procs = Processes()
        self.tmp = tempfile.mkdtemp(prefix=tmp_prefix)
        os.chmod(self.tmp, 0o755)
        self.radload_bin = os.path.join(BIN, "radload")
        cpus = sorted(os.sched_getaffinity(0))
        if len(cpus) >= 2:
            self.server_cpu, self.client_cpu = cpus[0], cpus[1]
            self.pinning = f"server on CPU {self.server_cpu}, radload on CPU {self.client_cpu} (taskset -c)"
        else:
            self.server_cpu = self.client_cpu = None
            self.pinning = "NOT pinned (fewer than 2 CPUs available): figures are not comparable"
        self.next_port = 18120

    # -- helpers --------------------------------------------------------------------------------

    def pin(self, cpu):
        return [] if cpu is None else ["taskset", "-c", str(cpu)]

    def ports(self):
        port = free_udp_port_pair(self.next_port)
        self.next_port = port + 2
        return port

    def stall_probe(self, label):
        """Both benchmark cores spin for a moment and report how long they were taken away
        (radload --stall-probe). Pauses of the vCPU by the hypervisor put a floor under any p99."""
        seconds = 1.0 if self.args.quick else 2.0
        probes = {}
        cores = [c for c in (self.server_cpu, self.client_cpu) if c is not None] or [None]
        procs = [(c, subprocess.Popen(self.pin(c) + [self.radload_bin, "--stall-probe", str(seconds)],
                                      stdout=subprocess.PIPE, text=True)) for c in cores]
        for c, p in procs:
            out, _ = p.communicate(timeout=seconds + 30)
            try:
                probes[str(c)] = json.loads(out.strip().splitlines()[-1])
            except (ValueError, IndexError):
                pass
        text = "; ".join(f"core {c}: paused {v['paused_share']:.1%} of the time, {v['pauses_over_1ms']} pauses > 1 ms, "
                         f"longest {fmt_us(v['max_pause_us'])}" for c, v in probes.items())
        log(f"  stall probe ({label}): {text}")
        return probes

    def timed_run(self, pid, port, concurrency, rate=None):
        """One radload run plus what the server process and both cores did meanwhile."""
        cpu0, cores0, t0 = cpu_seconds(pid), core_jiffies(), time.monotonic()
        r = self.radload(port, concurrency, duration=self.args.duration, rate=rate)
        cpu, cores1, wall = cpu_seconds(pid) - cpu0, core_jiffies(), time.monotonic() - t0
        r["server_cpu_us_per_request"] = cpu * 1e6 / r["received"] if r["received"] else None
        # Where each core's time went: our process, interrupts (mostly the softirq work of the
        # packets), other processes (noise from whoever else uses the machine), steal (hypervisor).
        own = {"server": cpu, "client": r["client_cpu_us_per_request"] * r["sent"] / 1e6}
        for role, core in (("server", self.server_cpu), ("client", self.client_cpu)):
            if core is None or core not in cores0 or core not in cores1:
                continue
            d = {k: cores1[core][k] - cores0[core][k] for k in cores0[core]}
            if d["total"] <= 0:
                continue
            share = {k: d[k] / d["total"] for k in d}
            proc_share = min(own[role] * CLK_TCK / d["total"], share["task"])
            r[f"{role}_core"] = {"process": proc_share, "irq": share["irq"],
                                 "others": max(0.0, share["task"] - proc_share), "steal": share["steal"],
                                 "idle": max(0.0, 1 - share["task"] - share["irq"] - share["steal"])}
        return r

    @staticmethod
    def cores_text(r):
        parts = []
        for role in ("server", "client"):
            c = r.get(f"{role}_core")
            if c:
                parts.append(f"{role} core: {c['process']:.0%} {role}, {c['irq']:.0%} irq, {c['others']:.0%} others"
                             + (f", {c['steal']:.0%} steal" if c["steal"] >= 0.01 else ""))
        return "[" + "; ".join(parts) + "]" if parts else ""

    @staticmethod
    def noise(r):
        """Share of the two cores taken by other processes or the hypervisor during a run."""
        return max((r.get(f"{role}_core") or {}).get("others", 0) + (r.get(f"{role}_core") or {}).get("steal", 0)
                   for role in ("server", "client"))

    # -- FreeRADIUS -----------------------------------------------------------------------------

    def copy_raddb(self, name, modules, renders, threads):
        """A private, minimal copy of /etc/freeradius/3.0 for one benchmark instance: no sites and
        only the given modules enabled, the templates rendered ((template in tests/bench/freeradius,
        destination relative to raddb, {"KEY": value} for @KEY@)), radiusd.conf pointed at the
        private folder. Returns (root, raddb)."""
        root = os.path.join(self.tmp, name)
        raddb = os.path.join(root, "raddb")
        for d in ("log", "run"):
            os.makedirs(os.path.join(root, d), exist_ok=True)
        # certs: only EAP needs them, and the private key is not readable by everyone.
        shutil.copytree(SYSTEM_RADDB, raddb, symlinks=True, ignore=shutil.ignore_patterns("certs"))
        for sub in ("sites-enabled", "mods-enabled"):
            d = os.path.join(raddb, sub)
            for entry in os.listdir(d):
                os.unlink(os.path.join(d, entry))
        for module in modules:
            os.symlink(f"../mods-available/{module}", os.path.join(raddb, "mods-enabled", module))

        def render(template, dest, values):
            with open(os.path.join(TEMPLATES, template)) as f:
                text = f.read()
            for k, v in values.items():
                text = text.replace(f"@{k}@", str(v))
            with open(dest, "w") as f:
                f.write(text)

        for template, dest, values in renders:
            render(template, os.path.join(raddb, dest), values)

        conf_path = os.path.join(raddb, "radiusd.conf")
        with open(conf_path) as f:
            conf = f.read()
        edits = [
            (r"(?m)^logdir = .*$", f"logdir = {root}/log"),
            (r"(?m)^run_dir = .*$", f"run_dir = {root}/run"),
            # Stay the invoking user: the private folder is ours.
            (r"(?m)^(\s*)user = freerad$", r"\1# user = freerad"),
            (r"(?m)^(\s*)group = freerad$", r"\1# group = freerad"),
            (r"(?m)^proxy_requests\s*=\s*yes$", "proxy_requests = no"),
            (r"(?m)^(\s*)start_servers = \d+$", rf"\g<1>start_servers = {max(threads, 1)}"),
            (r"(?m)^(\s*)max_servers = \d+$", rf"\g<1>max_servers = {max(threads, 1)}"),
            (r"(?m)^(\s*)min_spare_servers = \d+$", rf"\g<1>min_spare_servers = {max(threads, 1)}"),
            (r"(?m)^(\s*)max_spare_servers = \d+$", rf"\g<1>max_spare_servers = {max(threads, 1)}"),
        ]
        for pattern, repl in edits:
            conf, n = re.subn(pattern, repl, conf)
            if n != 1:
                raise BenchError(f"radiusd.conf: expected one match for {pattern!r}, found {n}")
        with open(conf_path, "w") as f:
            f.write(conf)
        return root, raddb

    @staticmethod
    def scan_log(name, path, result):
        """Errors FreeRADIUS logged during the run (e.g. "conflicting packet", "Dropping request")."""
        errors, first = 0, None
        try:
            with open(path, errors="replace") as f:
                for line in f:
                    if " Error: " in line or " ERROR: " in line:
                        errors += 1
                        first = first or line.strip()
        except OSError:
            return
        result["log_errors"] = errors
        if errors:
            result.setdefault("problems", []).append(f"{name}: {errors} errors in its log, first: {first}")

    def freeradius_version(self):
        if not hasattr(self, "_fr_version"):
            r = subprocess.run(["freeradius", "-v"], capture_output=True, text=True)
            m = re.search(r"Version (\S+)", r.stdout + r.stderr)
            self._fr_version = m.group(1).rstrip(",") if m else "?"
        return self._fr_version

    @staticmethod
    def tail(path, n=15):
        try:
            with open(path, errors="replace") as f:
                return "".join(f.readlines()[-n:])
        except OSError:
            return ""

    # -- lifecycle --------------------------------------------------------------------------------

    @staticmethod
    def alive(t):
        if t.proc.poll() is not None:
            raise BenchError(f"{t.name} exited with {t.proc.returncode} during the measurement")

    def cleanup(self):
        self.procs.stop_all()
        if self.args.keep:
            log(f"kept {self.tmp}")
        else:
            shutil.rmtree(self.tmp, ignore_errors=True)



if __name__ == "__main__":
    # ./scripts/bench runs every tests/bench/*.py; this one is a library, not a benchmark.
    print("benchlib.py: shared helpers of radius_bench.py and acct_bench.py; nothing to measure")


def start_targets(plan, wanted, skipped, started, unavailable):
    """Starts the wanted servers of `plan` ([(name, start function)]) in order. FreeRADIUS ones are
    skipped, with the reason in `skipped`, when the package is missing or its configuration is not
    readable; a start function raising Unavailable is skipped as `unavailable`."""
    targets = []
    for name, fn in plan:
        if name not in wanted:
            continue
        log(f"== {name}: {started}")
        if name.startswith("freeradius") and shutil.which("freeradius") is None:
            skipped[name] = "freeradius not installed (run ./scripts/setup)"
            log(f"  {skipped[name]}")
            continue
        if name.startswith("freeradius") and not os.access(os.path.join(SYSTEM_RADDB, "radiusd.conf"), os.R_OK):
            skipped[name] = f"cannot read {SYSTEM_RADDB} (run as root or as a member of group freerad)"
            log(f"  {skipped[name]}")
            continue
        try:
            targets.append(fn())
        except Unavailable as e:
            skipped[name] = unavailable
            log(f"  {name}: {unavailable} ({e})")
    return targets
