#!/usr/bin/python3
"""EAP benchmark (issue 28): edged beside FreeRADIUS 3.2 with the same certificates, in the same run.

Run by ./scripts/bench (which exports EDGE_BIN and EDGE_SOURCE); see docs/benchmarks.md "EAP logins".

1. Logins per second, full TLS handshakes and resumed sessions: PEAPv0/EAP-MSCHAPv2, EAP-TTLS/PAP
   and EAP-TLS, by eapload (tests/bench/eapload: our own EAP peer over UDP RADIUS, OpenSSL as its
   TLS client, --concurrency conversations in flight, every Access-Accept verified down to the
   MPPE keys). Each server is pinned to one CPU and eapload to the other; the servers run side by
   side, idle while the other is measured, and the runs alternate between them. edged: radius
   threads=1 (EAP has its own lane, one thread, ADR 0031). FreeRADIUS 3.2.1 from Debian: a private
   copy of /etc/freeradius/3.0 with only eap (tls-common with edged's server certificate, key and
   client CA, the TLS session cache on), an outer site and inner-tunnel (users file, mschap, pap),
   no thread pool (-t; --fr-threads N for one). Goal: edged >= 2x FreeRADIUS. Also each server's
   CPU time per login (from /proc).
2. PAP under EAP load: an edged with radius threads as shipped (one per core), nothing pinned, PAP
   by radload (closed loop) alone, then while eapload runs PEAP full handshakes (closed loop: as
   many as edged serves; then at half of the rate phase 1 measured), alone again after each.
   Goal: PAP during EAP >= 90% of PAP alone (the mean of the runs before and after).

Stall probes and the share of each core other processes took are printed: on a busy machine the
figures are pessimistic. stdlib only; /usr/bin/python3.

  tests/bench/eap_bench.py [--quick] [--duration S] [--concurrency C] [--methods peap,ttls,tls]
"""
import argparse
import csv
import json
import os
import subprocess
import sys
import time

from benchlib import (run_main, BIN, BenchBase, BenchError, Target, Unavailable, core_jiffies, cpu_seconds, fmt_mib,
                      log, rss_kib, start_targets, CLK_TCK)

HERE = os.path.dirname(os.path.abspath(__file__))
sys.path.insert(0, os.path.join(HERE, "..", "integration"))
from eap_test import make_ca, make_cert  # noqa: E402

SECRET = "eap-bench-secret-0123456789"
GOAL_VS_FREERADIUS = 2.0
GOAL_PAP_UNDER_EAP = 0.90
METHODS = {"peap": "PEAP/MSCHAPv2", "ttls": "TTLS/PAP", "tls": "EAP-TLS"}


class Bench(BenchBase):
    def __init__(self, args):
        super().__init__(args, "eap-bench-")
        self.eapload_bin = os.path.join(BIN, "eapload")
        self.noisy = {}  # (server, login) -> the largest share of a benchmark core others took
        self.users = args.users

    # -- certificates and clients -----------------------------------------------------------------

    def make_certificates(self):
        d = os.path.join(self.tmp, "certs")
        os.makedirs(d)
        make_ca(d, "server-ca")
        make_ca(d, "client-ca")
        self.server_cert, self.server_key = make_cert(d, "server-ca", "server", "radius.example.net", "serverAuth")
        # EAP-TLS: the certificate's CN names the subscriber (u0 on both servers).
        self.client_cert, self.client_key = make_cert(d, "client-ca", "u0", "u0", "clientAuth")
        self.server_ca = os.path.join(d, "server-ca.pem")
        self.client_ca = os.path.join(d, "client-ca.pem")
        for f in os.listdir(d):
            os.chmod(os.path.join(d, f), 0o644)

    def eapload_cmd(self, port, method, resume, concurrency, duration=None, count=None, timeout_ms=3000,
                    retries=3, pin=True):
        cmd = (self.pin(self.client_cpu) if pin else []) + [
            self.eapload_bin, "--server", f"127.0.0.1:{port}", "--secret", SECRET, "--method", method,
            "--concurrency", str(concurrency), "--ca", self.server_ca, "--timeout-ms", str(timeout_ms),
            "--retries", str(retries)]
        if method == "tls":
            cmd += ["--users", "1", "--cert", self.client_cert, "--key", self.client_key]
        else:
            cmd += ["--users", str(self.users)]
        if resume:
            cmd.append("--resume")
        if self.args.groups:
            cmd += ["--groups", self.args.groups]
        cmd += ["--duration", str(duration)] if duration is not None else ["--count", str(count)]
        return cmd

    @staticmethod
    def parse_json(out, err, rc, what):
        lines = [l for l in out.splitlines() if l.startswith("{")]
        if rc not in (0, 1) or not lines:
            raise BenchError(f"{what} failed ({rc}): {err.strip()} {out.strip()}")
        return json.loads(lines[-1])

    def eapload(self, port, method, resume, concurrency, duration=None, count=None, **kw):
        cmd = self.eapload_cmd(port, method, resume, concurrency, duration, count, **kw)
        r = subprocess.run(cmd, capture_output=True, text=True, timeout=(duration or 0) + 120)
        return self.parse_json(r.stdout, r.stderr, r.returncode, "eapload")

    def radload(self, port, concurrency, duration=None, count=None, rate=None, timeout_ms=1000, pin=True):
        cmd = (self.pin(self.client_cpu) if pin else []) + [
            self.radload_bin, "--server", f"127.0.0.1:{port}", "--secret", SECRET, "--users", str(self.users),
            "--user-prefix", "u", "--password-prefix", "p", "--concurrency", str(concurrency),
            "--timeout-ms", str(timeout_ms)]
        cmd += ["--duration", str(duration)] if duration is not None else ["--count", str(count)]
        r = subprocess.run(cmd, capture_output=True, text=True, timeout=(duration or 0) + 60)
        return self.parse_json(r.stdout, r.stderr, r.returncode, "radload")

    def wait_answering(self, proc, port, what, timeout=120.0):
        """Polls with single PEAP logins until one is accepted (verified). Returns seconds."""
        t0 = time.monotonic()
        last = None
        while time.monotonic() - t0 < timeout:
            if proc.poll() is not None:
                raise BenchError(f"{what} exited with {proc.returncode} before answering")
            last = self.eapload(port, "peap", False, 1, count=1, timeout_ms=300, retries=0)
            if last["accepted"] == 1:
                return time.monotonic() - t0
            if last["failed"] and not last["timeouts"]:
                raise BenchError(f"{what}: the first login failed: {last['reasons']}")
            time.sleep(0.1)
        raise BenchError(f"{what} did not accept a PEAP login within {timeout:.0f}s: {last}")

    # -- servers ------------------------------------------------------------------------------------

    def run_edged(self, name="edged", threads=1, pinned=True):
        edged_bin, edgectl_bin = os.path.join(BIN, "edged"), os.path.join(BIN, "edgectl")
        if not (os.path.exists(edged_bin) and os.path.exists(edgectl_bin)):
            raise Unavailable(f"edged/edgectl not built in {BIN}")
        root = os.path.join(self.tmp, name)
        run_dir = os.path.join(root, "run")
        os.makedirs(run_dir)
        port = self.ports()
        sock = os.path.join(run_dir, "control.sock")
        radius = {"listen": "127.0.0.1", "auth-port": port, "acct-port": port + 1,
                  "eap-certificate": self.server_cert, "eap-key": self.server_key, "eap-ca": self.client_ca}
        if threads is not None:
            radius["threads"] = threads
        config = {"data-dir": os.path.join(root, "data"), "control-socket": sock,
                  "pid-file": os.path.join(run_dir, "edged.pid"), "log-level": "warning", "radius": radius}
        config_path = os.path.join(root, "edged.json")
        with open(config_path, "w") as f:
            json.dump(config, f, indent=2)
        log_path = os.path.join(root, "edged.log")
        proc = self.procs.start((self.pin(self.server_cpu) if pinned else []) + [edged_bin, "--config", config_path],
                                log_path)

        def ctl(*args):
            r = subprocess.run([edgectl_bin, "--socket", sock] + list(args), capture_output=True, text=True,
                               timeout=300)
            if r.returncode != 0:
                raise BenchError(f"edgectl {' '.join(args)} -> {r.returncode}: {r.stdout}{r.stderr}")

        t0 = time.monotonic()
        while True:
            if proc.poll() is not None:
                raise BenchError(f"{name} exited with {proc.returncode}: {self.tail(log_path)}")
            if subprocess.run([edgectl_bin, "--socket", sock, "status"], capture_output=True).returncode == 0:
                break
            if time.monotonic() - t0 > 120:
                raise BenchError(f"{name}: control socket not answering")
            time.sleep(0.05)
        csv_path = os.path.join(root, "subscribers.csv")
        with open(csv_path, "w", newline="") as f:
            w = csv.writer(f)
            w.writerow(["username", "password", "plan"])
            for k in range(self.users):
                w.writerow([f"u{k}", f"p{k}", "bench"])
        ctl("nas", "add", "--name", "bench", "--address", "127.0.0.1", "--secret", SECRET)
        ctl("plan", "add", "--name", "bench", "--down", "10M", "--up", "5M")
        ctl("subscriber", "import", "--csv", csv_path)
        result = {"server": name, "config": f"edged, radius.threads={'one per core (shipped)' if threads is None else threads}"
                  + ("" if pinned else ", not pinned")}
        result["load_s"] = self.wait_answering(proc, port, name)
        result["rss_kib"] = rss_kib(proc.pid)
        log(f"  {name}: answering, RSS {fmt_mib(result['rss_kib'])}")
        return Target(name, proc, port, result, log_path)

    def run_freeradius(self):
        name = "freeradius"
        threads = self.args.fr_threads
        port = self.ports()
        renders = [("site_eap", os.path.join("sites-enabled", "default"), {"AUTH_PORT": port}),
                   ("site_inner_tunnel", os.path.join("sites-enabled", "inner-tunnel"), {}),
                   ("eap", os.path.join("mods-enabled", "eap"),
                    {"CERT": self.server_cert, "KEY": self.server_key, "CA": self.client_ca, "CACHE": "yes"}),
                   ("clients.conf", "clients.conf", {"SECRET": SECRET})]
        persist = os.path.join(self.tmp, name, "tlscache")
        renders[2][2]["PERSIST"] = persist
        root, raddb = self.copy_raddb(name, ("pap", "files", "mschap"), renders, threads)
        os.makedirs(persist, mode=0o700)
        with open(os.path.join(raddb, "mods-config", "files", "authorize"), "w") as f:
            for k in range(self.users):
                f.write(f'u{k} Cleartext-Password := "p{k}"\n')
        log_path = os.path.join(root, "freeradius.log")
        cmd = self.pin(self.server_cpu) + ["freeradius", "-f", "-d", raddb, "-l", log_path]
        if threads == 0:
            cmd.append("-t")
        proc = self.procs.start(cmd, os.path.join(root, "stdout.log"))
        result = {"server": name, "config": f"FreeRADIUS {self.freeradius_version()}, eap (peap, ttls, tls), "
                  "TLS session cache on, " + ("no threads (-t)" if threads == 0 else f"thread pool of {threads}")}
        try:
            result["load_s"] = self.wait_answering(proc, port, name)
        except BenchError as e:
            self.procs.stop(proc)
            raise BenchError(f"{e}; log: {self.tail(log_path)} {self.tail(os.path.join(root, 'stdout.log'))}")
        result["rss_kib"] = rss_kib(proc.pid)
        log(f"  {name}: answering, RSS {fmt_mib(result['rss_kib'])}")
        return Target(name, proc, port, result, log_path)

    # -- measurements -------------------------------------------------------------------------------

    def cores_since(self, cores0, own):
        """Share of each benchmark core that went to others (processes not ours, steal) since cores0."""
        cores1 = core_jiffies()
        shares = {}
        for role, core in (("server", self.server_cpu), ("client", self.client_cpu)):
            if core is None or core not in cores0:
                continue
            d = {k: cores1[core][k] - cores0[core][k] for k in cores0[core]}
            if d["total"] <= 0:
                continue
            mine = min(own.get(role, 0) * CLK_TCK / d["total"], d["task"] / d["total"])
            shares[role] = max(0.0, d["task"] / d["total"] - mine) + d["steal"] / d["total"]
        return shares

    def eap_run(self, t, method, resume, concurrency, duration):
        """One measured eapload run against t: its JSON plus the server's CPU per accepted login."""
        cmd = self.eapload_cmd(t.port, method, resume, concurrency, duration=duration)
        p = subprocess.Popen(cmd, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
        try:
            # --resume's warm-up (one full login per conversation) is not measured: the server's CPU
            # is read when eapload says its measured run starts.
            first = p.stdout.readline()
            cpu0, cores0, t0 = cpu_seconds(t.proc.pid), core_jiffies(), time.monotonic()
            out, err = p.communicate(timeout=duration + 120)
        finally:
            if p.poll() is None:
                p.kill()
                p.wait()
        res = self.parse_json(first + out, err, p.returncode, "eapload")
        cpu = cpu_seconds(t.proc.pid) - cpu0
        res["wall_s"] = time.monotonic() - t0
        res["server_cpu_s"] = cpu
        res["noise"] = self.cores_since(cores0, {"server": cpu, "client": res["client_cpu_us_per_login"]
                                                 * res["logins"] / 1e6})
        return res

    def check(self, t, label, r):
        if r["bad_answers"] or r["failed"] or r["rejected"] or r["warmup_failed"]:
            t.problems.append(f"{t.name} {label}: {r['failed']} failed, {r['rejected']} rejected, "
                              f"{r['bad_answers']} answers not verified, {r['warmup_failed']} warm-ups failed "
                              f"{r['reasons']}")
        if r["timeouts"]:
            t.problems.append(f"{t.name} {label}: {r['timeouts']} logins timed out ({r['retransmits']} resends)")
        if r["resume"] and r["not_resumed"]:
            t.problems.append(f"{t.name} {label}: {r['not_resumed']} of {r['accepted']} logins were full handshakes "
                              "(the server did not resume the session)")
        if r["client_cpu_us_per_login"] * r["rate"] > 0.9e6:
            t.problems.append(f"{t.name} {label}: eapload used >90% of its core: the figure may be client-bound")
        noise = max(r["noise"].values(), default=0)
        if noise > 0.05:
            key = (t.name, label)
            self.noisy[key] = max(self.noisy.get(key, 0), noise)

    def measure_logins(self, targets):
        results = {}
        d = self.args.duration
        for method in self.args.methods:
            for resume in (False, True):
                label = f"{METHODS[method]} {'resumed' if resume else 'full'}"
                for t in targets:
                    self.alive(t)
                    # warm-up (TLS caches, first allocations), not measured
                    self.eapload(t.port, method, resume, self.args.concurrency, count=self.args.concurrency * 2)
                best = {}
                for _ in range(self.args.repeat):
                    for t in targets:
                        self.alive(t)
                        r = self.eap_run(t, method, resume, self.args.concurrency, d)
                        self.check(t, label, r)
                        r["server_cpu_ms_per_login"] = (1000 * r["server_cpu_s"] / r["accepted"]) if r["accepted"] else None
                        log(f"  {t.name:10s} {label:22s} {r['rate']:8.1f} logins/s  p50 {r['p50_ms']:6.1f} ms  "
                            f"p99 {r['p99_ms']:6.1f} ms  server {r['server_cpu_ms_per_login'] or 0:6.2f} ms CPU/login  "
                            f"client {r['client_cpu_us_per_login'] / 1000:5.2f} ms  {r['round_trips'] / max(r['accepted'], 1):.1f} "
                            f"round trips  {r['cipher']}  resumed {r['resumed']}/{r['accepted']}")
                        if t.name not in best or r["rate"] > best[t.name]["rate"]:
                            best[t.name] = r
                results[(method, resume)] = best
        return results

    def pap_under_eap(self, peap_rate):
        """PAP alone, then while PEAP full logins run (closed loop: as many as edged serves; and at
        half of that rate when phase 1 measured it), PAP alone between and after, on an edged as
        shipped (radius threads one per core, EAP on its one lane), nothing pinned."""
        t = self.run_edged("edged-shipped", threads=None, pinned=False)
        d = self.args.duration
        out = {"config": t.result["config"], "loads": []}

        def pap():
            """One PAP run, with the cores edged used meanwhile (per thread) and how idle the machine
            was: PAP slower while cores sat idle, or slower per CPU second its threads got, would be
            edged blocking itself rather than a lack of CPU."""
            cpu0, cores0, t0 = cpu_seconds(t.proc.pid), core_jiffies(), time.monotonic()
            threads0 = thread_cpu(t.proc.pid)
            r = self.radload(t.port, 64, duration=d, pin=False)
            cores1, wall = core_jiffies(), time.monotonic() - t0
            threads1 = thread_cpu(t.proc.pid)
            r["threads_cpu_s"] = {tid: threads1[tid] - threads0.get(tid, 0.0) for tid in threads1}
            total = sum(cores1[c]["total"] - cores0[c]["total"] for c in cores0 if c in cores1)
            busy = sum((cores1[c]["task"] + cores1[c]["irq"] + cores1[c]["steal"])
                       - (cores0[c]["task"] + cores0[c]["irq"] + cores0[c]["steal"]) for c in cores0 if c in cores1)
            r["edged_cores"] = (cpu_seconds(t.proc.pid) - cpu0) / wall
            r["machine_idle"] = 1 - busy / total if total else None
            return r

        def text(r):
            return f"edged used {r['edged_cores']:.2f} cores, machine idle {r['machine_idle']:.0%}"

        def split(alone, during, eap_logins, eap_cpu_ms):
            """The EAP lane is the thread that gained the most CPU time with EAP on; the rest is PAP's
            (and edged's housekeeping). PAP requests per CPU second of those threads, alone and
            during: equal means PAP only got less CPU, lower means it waited on something."""
            gain = {tid: during["threads_cpu_s"][tid] - alone["threads_cpu_s"].get(tid, 0.0)
                    for tid in during["threads_cpu_s"]}
            lane = max(gain, key=gain.get) if gain else None
            pap_cpu_during = sum(v for tid, v in during["threads_cpu_s"].items() if tid != lane)
            pap_cpu_alone = sum(v for tid, v in alone["threads_cpu_s"].items() if tid != lane)
            lane_cpu = during["threads_cpu_s"].get(lane, 0.0)
            n_during, n_alone = during["rps"] * self.args.duration, alone["rps"] * self.args.duration
            return {"eap_lane_cpu_s": lane_cpu, "eap_lane_tid": lane,
                    "eap_lane_ms_per_login": 1000 * lane_cpu / eap_logins if eap_logins else None,
                    "pap_per_cpu_s_alone": n_alone / pap_cpu_alone if pap_cpu_alone else None,
                    "pap_per_cpu_s_during": n_during / pap_cpu_during if pap_cpu_during else None}

        try:
            self.radload(t.port, 64, duration=1, pin=False)  # warm-up
            runs = [pap()]
            log(f"  PAP alone: {runs[-1]['rps']:,.0f} req/s ({text(runs[-1])})")
            loads = [("closed loop", None)] + ([("half of edged's PEAP rate", peap_rate / 2)] if peap_rate else [])
            if self.args.lane_nice:
                loads.append((f"closed loop, lane at nice {self.args.lane_nice}", None))
            for label, rate in loads:
                if label.startswith("closed loop, lane at nice"):
                    # Experiment, not edged as shipped: the EAP lane (the thread found by the first load)
                    # at a lower scheduling priority, as a change to edged could set it.
                    tid = out["loads"][0].get("eap_lane_tid") if out["loads"] else None
                    if tid is None:
                        continue
                    try:
                        os.setpriority(os.PRIO_PROCESS, int(tid), self.args.lane_nice)
                    except OSError as e:
                        log(f"  cannot renice the EAP lane (thread {tid}): {e}")
                        continue
                cmd = self.eapload_cmd(t.port, "peap", False, self.args.concurrency, duration=d + 2, pin=False)
                if rate:
                    cmd += ["--rate", f"{rate:.1f}"]
                eap = subprocess.Popen(cmd, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
                try:
                    time.sleep(1.0)  # eapload has its conversations going
                    during = pap()
                    eo, ee = eap.communicate(timeout=d + 120)
                finally:
                    if eap.poll() is None:
                        eap.kill()
                        eap.wait()
                eap_r = self.parse_json(eo, ee, eap.returncode, "eapload")
                runs.append(pap())
                ref = (runs[-2]["rps"] + runs[-1]["rps"]) / 2
                cut = split(runs[-2], during, eap_r["accepted"] * d / max(eap_r["elapsed_s"], 1e-9), None)
                load = {"eap_load": label, "eap_rate_asked": rate, "eap_rate": eap_r["rate"], **cut,
                        "eap_failed": eap_r["failed"] + eap_r["rejected"] + eap_r["bad_answers"],
                        "pap_during": during["rps"], "pap_timeouts": during["timeouts"], "pap_alone_around": ref,
                        "ratio": during["rps"] / ref if ref else None, "during": during}
                out["loads"].append(load)
                log(f"  PAP while PEAP logins run ({label}: {eap_r['rate']:.0f}/s): {during['rps']:,.0f} req/s "
                    f"({text(during)}) = {load['ratio']:.0%} of PAP alone around it")
                if cut["pap_per_cpu_s_alone"] and cut["pap_per_cpu_s_during"]:
                    log(f"    EAP lane {cut['eap_lane_cpu_s']:.2f} CPU s; PAP served {cut['pap_per_cpu_s_during']:,.0f} "
                        f"requests per CPU second of its threads, {cut['pap_per_cpu_s_alone']:,.0f} alone before")
                log(f"  PAP alone: {runs[-1]['rps']:,.0f} req/s ({text(runs[-1])})")
        finally:
            self.procs.stop(t.proc)
        out["pap_alone"] = [r["rps"] for r in runs]
        out["runs"] = runs
        return out

    # -- report -------------------------------------------------------------------------------------

    def report(self, logins, pap, skipped, stalls):
        log("")
        log(f"EAP benchmark: {self.users} users, runs of {self.args.duration:g} s, {self.args.concurrency} "
            f"conversations in flight, {self.pinning}")
        log("every Access-Accept verified: Message-Authenticator, EAP-Success, MS-MPPE keys = the client's MSK")
        log(f"{'login':24s} {'edged/s':>9s} {'FreeRADIUS/s':>13s} {'ratio':>7s}  {'edged CPU':>10s} "
            f"{'FR CPU':>9s} {'CPU ratio':>9s}  goal >= {GOAL_VS_FREERADIUS:g}x (rates)")
        verdicts = {}
        for (method, resume), best in logins.items():
            label = f"{METHODS[method]} {'resumed' if resume else 'full'}"
            e, f = best.get("edged"), best.get("freeradius")
            ratio = e["rate"] / f["rate"] if e and f and f["rate"] else None
            ok = None if ratio is None else ratio >= GOAL_VS_FREERADIUS
            verdicts[label] = ok

            def ms(r):
                v = r and r.get("server_cpu_ms_per_login")
                return "-" if v is None else f"{v:.2f} ms"
            ec, fc = (e or {}).get("server_cpu_ms_per_login"), (f or {}).get("server_cpu_ms_per_login")
            cpu_ratio = fc / ec if ec and fc else None
            log(f"{label:24s} {e['rate'] if e else 0:9.1f} {f['rate'] if f else 0:13.1f} "
                f"{'-' if ratio is None else f'{ratio:.2f}x':>7s}  {ms(e):>10s} {ms(f):>9s} "
                f"{'-' if cpu_ratio is None else f'{cpu_ratio:.2f}x':>9s}  "
                f"{'n/a' if ok is None else 'PASS' if ok else 'FAIL'}")
        if pap is not None:
            log(f"PAP under EAP load ({pap['config']}), goal >= {GOAL_PAP_UNDER_EAP:.0%} of PAP alone:")
            for load in pap["loads"]:
                ratio = load["ratio"]
                ok = ratio is not None and ratio >= GOAL_PAP_UNDER_EAP and not load["eap_failed"]
                if "nice" not in load["eap_load"]:  # the renice experiment is not edged as shipped
                    verdicts[f"PAP under EAP load ({load['eap_load']})"] = ok
                log(f"  PEAP {load['eap_load']:26s} {load['eap_rate']:7.1f} logins/s: PAP {load['pap_during']:9,.0f} "
                    f"req/s, alone {load['pap_alone_around']:9,.0f}: {ratio:4.0%}  {'PASS' if ok else 'FAIL'}"
                    + (f"  ({load['eap_failed']} EAP logins failed)" if load["eap_failed"] else ""))
        for name, why in skipped.items():
            log(f"{name}: {why}")
        problems = [p for r in self.targets_results.values() for p in r.get("problems", [])]
        if self.noisy:
            worst = max(self.noisy.values())
            problems.append(f"the machine was not quiet: other processes took up to {worst:.0%} of a benchmark core "
                            f"during {len(self.noisy)} of the {2 * len(logins)} measurements; rates are pessimistic, "
                            "CPU per login less so")
        worst = max((v for probe in stalls.values() for v in probe.values()), key=lambda v: v["max_pause_us"],
                    default=None)
        if worst is not None and (worst["max_pause_us"] > 1000 or worst["paused_share"] > 0.01):
            problems.append(f"this machine pauses its cores (up to {worst['max_pause_us'] / 1000:.1f} ms, "
                            f"{worst['paused_share']:.1%} of the time): latencies have that floor")
        for p in problems:
            log(f"WARNING: {p}")
        return verdicts, problems

    def run(self):
        for b in (self.eapload_bin, self.radload_bin):
            if not os.path.exists(b):
                raise BenchError(f"{b} not built (cmake --build build --target eapload radload)")
        log(f"eap bench: {self.users} users, {self.pinning}; temp folder {self.tmp}")
        self.make_certificates()
        skipped = {}
        wanted = {"edged", "freeradius"} - set(self.args.skip)
        targets = start_targets([("edged", self.run_edged), ("freeradius", self.run_freeradius)], wanted, skipped,
                                "start", "EAP not available")
        stalls = {"before": self.stall_probe("before")}
        log(f"== logins: {', '.join(METHODS[m] for m in self.args.methods)}, full and resumed, "
            f"{self.args.repeat} round(s) of {self.args.duration:g} s, alternating servers")
        logins = self.measure_logins(targets)
        for t in targets:
            t.result["rss_after_kib"] = rss_kib(t.proc.pid)
            self.procs.stop(t.proc)
            if t.name == "freeradius":
                self.scan_log(t.name, t.log_path, t.result)
        self.targets_results = {t.name: t.result for t in targets}
        pap = None
        if "pap" not in self.args.skip:
            log("== PAP under EAP load")
            peap = logins.get(("peap", False), {}).get("edged")
            pap = self.pap_under_eap(peap["rate"] if peap else None)
        stalls["after"] = self.stall_probe("after")
        verdicts, problems = self.report(logins, pap, skipped, stalls)
        out = {"users": self.users, "duration_s": self.args.duration, "concurrency": self.args.concurrency,
               "pinning": self.pinning, "servers": self.targets_results, "stall_probes": stalls,
               "logins": {f"{m}-{'resumed' if r else 'full'}": best for (m, r), best in logins.items()},
               "pap_under_eap": pap, "verdicts": verdicts, "problems": problems, "skipped": skipped}
        os.makedirs(os.path.dirname(self.args.json_out), exist_ok=True)
        with open(self.args.json_out, "w") as f:
            json.dump(out, f, indent=2)
        log(f"results written to {self.args.json_out}")
        invalid = [p for p in problems if "not verified" in p]
        return 1 if invalid else 0


def thread_cpu(pid):
    """{tid: utime + stime seconds} of every thread of pid (from /proc/PID/task/TID/stat)."""
    out = {}
    try:
        tids = os.listdir(f"/proc/{pid}/task")
    except OSError:
        return out
    for tid in tids:
        try:
            with open(f"/proc/{pid}/task/{tid}/stat") as f:
                data = f.read()
        except OSError:
            continue
        fields = data[data.rindex(")") + 2:].split()
        out[tid] = (int(fields[11]) + int(fields[12])) / CLK_TCK
    return out


def parse_args(argv):
    p = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    p.add_argument("--quick", action="store_true", help="2 s runs, one round (for development)")
    p.add_argument("--duration", type=float, help="seconds per measured run (default 5; 2 with --quick)")
    p.add_argument("--concurrency", type=int, default=32, help="EAP conversations in flight (default 32)")
    p.add_argument("--repeat", type=int, help="rounds per method and mode; the best counts (default 2; 1 with --quick)")
    p.add_argument("--users", type=int, default=100, help="subscribers uK/pK on both servers (default 100)")
    p.add_argument("--methods", type=lambda s: s.split(","), default=["peap", "ttls", "tls"],
                   help="comma-separated: peap, ttls, tls (default all)")
    p.add_argument("--skip", action="append", default=[], choices=["edged", "freeradius", "pap"],
                   help="leave out a server or the PAP-under-EAP phase (repeatable)")
    p.add_argument("--groups", default="",
                   help="key-exchange groups eapload offers (OpenSSL syntax, e.g. X25519:P-256; default: OpenSSL's "
                        "list, as a supplicant on OpenSSL 3 offers it)")
    p.add_argument("--lane-nice", type=int, default=0,
                   help="experiment: one more PAP-under-EAP run with edged's EAP lane thread reniced to N "
                        "(1..19; not edged as shipped, no verdict)")
    p.add_argument("--fr-threads", type=int, default=0,
                   help="FreeRADIUS threads: 0 = none (-t, the default, like radius_bench), N = pool of N")
    p.add_argument("--json-out", default=os.path.join(os.path.dirname(os.path.abspath(BIN)), "bench", "eap.json"))
    p.add_argument("--keep", action="store_true", help="keep the temp folder (configs, logs)")
    a = p.parse_args(argv)
    if a.duration is None:
        a.duration = 2.0 if a.quick else 5.0
    if a.repeat is None:
        a.repeat = 1 if a.quick else 2
    bad = [m for m in a.methods if m not in METHODS]
    if not 0 <= a.lane_nice <= 19:
        p.error("--lane-nice must be 0..19")
    if bad or a.concurrency < 1 or a.users < 1 or a.repeat < 1 or a.duration <= 0:
        p.error(f"bad --methods {bad}, or --concurrency/--users/--repeat/--duration not positive")
    return a


def main(argv):
    return run_main("eap bench", Bench, parse_args(argv))


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
