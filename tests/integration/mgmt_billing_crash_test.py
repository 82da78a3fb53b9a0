#!/usr/bin/python3
"""kill -9 of mgmtd during billing runs, 20 rounds: no invoice missing or duplicated, numbering
gapless, ledger balanced (issue 24).

A tenant with SUBS monthly prepaid subscriptions (anchor day 1, from 2026-01-01). Month 0 is billed
without a kill and timed; round r (1..ROUNDS) bills the month 2026-01 + r with `mgmtctl billing run
--finalize true --batch 5` and SIGKILLs mgmtd at a random fraction of a window that starts at month 0's
time and moves by what each kill found (earlier after a finished run, later after an untouched one), so
the kills hit runs in progress on fast and slow machines and backends alike (seeded; the seed is
printed, BILLING_CRASH_SEED=N repeats the choices). After each kill:
mgmtd restarts, `billing verify` must pass on what the killed run committed (a run is consistent at
every commit), the run is repeated to the end, and then every subscription must have exactly r + 1
invoices (one per period: none missing, none twice), numbered 1..SUBS * (r + 1), and verify passes.
Runs on SQLite, and on PostgreSQL as mgmt_billing_crash_pg (MGMT_TEST_PG_DSN).

Environment: EDGE_BIN = the build's bin folder (set by edge_integration_test()).
"""
import json
import os
import random
import signal
import subprocess
import sys
import time

sys.path.insert(0, os.path.dirname(__file__))
from edgelib import Mgmtd, TempDir, binary  # noqa: E402

ROUNDS = int(os.environ.get("BILLING_CRASH_ROUNDS", "20"))
SUBS = 300


def fail(message):
    print("FAIL: " + message, file=sys.stderr)
    sys.exit(1)


def month(r):
    return f"{2026 + r // 12:04d}-{r % 12 + 1:02d}-01"


def main():
    seed = int(os.environ.get("BILLING_CRASH_SEED", str(random.SystemRandom().randrange(1 << 30))))
    print(f"seed {seed} (BILLING_CRASH_SEED={seed} repeats it)", flush=True)
    rng = random.Random(seed)
    tmp = TempDir("billing-crash-")
    m = Mgmtd(tmp.path).start()
    try:
        m.ctl("tenant", "add", "--name", "acme", "--tier", "enterprise")
        m.ctl("billing", "setup", "--tenant", "acme", "--currency", "EUR")
        m.ctl("tax-rate", "set", "--tenant", "acme", "--rate", "20")
        m.ctl("plan", "add", "--tenant", "acme", "--name", "home", "--down", "20M", "--up", "5M",
              "--price", "19.99", "--currency", "EUR")
        for i in range(SUBS):
            user = f"u{i:04d}"
            m.ctl("subscriber", "add", "--tenant", "acme", "--username", user, "--password", "pw-" + user,
                  "--plan", "home")
            m.ctl("subscription", "add", "--tenant", "acme", "--username", user, "--plan", "home",
                  "--start", "2026-01-01", "--anchor-day", "1")
        def run_command(date):
            return [binary("mgmtctl"), "--socket", m.socket, "billing", "run", "--tenant", "acme", "--date", date,
                    "--finalize", "true", "--batch", "5"]

        # Month 0 runs to its end, timed: the kills land at a random fraction of that time, so they hit
        # runs in progress on a fast machine and on a slow one alike.
        started = time.monotonic()
        subprocess.run(run_command(month(0)), check=True, capture_output=True, text=True, timeout=120)
        full_run = max(time.monotonic() - started, 0.02)
        print(f"month 0 billed without a kill in {full_run:.3f} s", flush=True)
        mid_run = 0  # rounds whose kill landed after some of the run's invoices and before the last
        window = full_run  # where the kills aim; moved by what each kill found (month 0 includes warm-up)
        for r in range(1, ROUNDS + 1):
            date = month(r)
            run = subprocess.Popen(run_command(date), stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
            delay = rng.uniform(0.2, 0.9) * window
            time.sleep(delay)
            m.proc.send_signal(signal.SIGKILL)
            m.proc.wait()
            run.communicate(timeout=30)
            m.log.close()
            m.proc = None
            m.start()
            v = m.ctl("billing", "verify", "--tenant", "acme", check=False)
            if v.returncode != 0:
                fail(f"round {r} (kill after {delay:.3f} s): verify after the crash: {v.stdout}{v.stderr}")
            partial = len(m.ctl_json("invoice", "list", "--tenant", "acme", "--limit", "100000"))
            mid_run += SUBS * r < partial < SUBS * (r + 1)  # some of this run's invoices, not all
            if partial >= SUBS * (r + 1):
                window *= 0.7  # the run had finished: aim earlier
            elif partial <= SUBS * r:
                window *= 1.4  # nothing of it yet: aim later
            m.ctl("billing", "run", "--tenant", "acme", "--date", date, "--finalize", "true")
            v = m.ctl("billing", "verify", "--tenant", "acme", check=False)
            if v.returncode != 0:
                fail(f"round {r}: verify after the rerun: {v.stdout}{v.stderr}")
            invoices = m.ctl_json("invoice", "list", "--tenant", "acme", "--limit", "100000")
            per_customer = {}
            for inv in invoices:
                per_customer[inv["customer"]] = per_customer.get(inv["customer"], 0) + 1
                if inv["status"] != "issued":
                    fail(f"round {r}: invoice {inv['id']} is {inv['status']}")
            expected = SUBS * (r + 1)
            numbers = sorted(inv["number"] for inv in invoices)
            if numbers != list(range(1, expected + 1)):
                fail(f"round {r}: numbers are not 1..{expected}: {len(numbers)} invoices, "
                     f"first {numbers[:3]}, last {numbers[-3:]}")
            wrong = {c: n for c, n in per_customer.items() if n != r + 1}
            if wrong or len(per_customer) != SUBS:
                fail(f"round {r}: invoices per customer should be {r + 1}: {dict(list(wrong.items())[:5])}")
            subs = m.ctl_json("subscription", "list", "--tenant", "acme")
            behind = [s["id"] for s in subs if s["billed-until"] != month(r + 1)]
            if behind:
                fail(f"round {r}: {len(behind)} subscriptions not billed until {month(r + 1)}")
            print(f"round {r}: killed after {delay:.3f} s with {partial} of {expected} invoices made; "
                  f"rerun completed, {expected} invoices 1..{expected}, verify ok", flush=True)
        # The kills must have hit runs in progress, or this test proves nothing.
        if mid_run < ROUNDS // 2:
            fail(f"only {mid_run} of {ROUNDS} kills landed during a run")
        balance = m.ctl_json("billing", "balance", "--tenant", "acme")
        total = sum(b["balance-minor"] for b in balance)
        # 19.99 + 20 % = 23.99 (3.998 -> 4.00 tax), per subscription and month.
        if total != SUBS * (ROUNDS + 1) * 2399:
            fail(f"receivables {total}, expected {SUBS * (ROUNDS + 1) * 2399}")
        print(f"PASS: {ROUNDS} rounds ({mid_run} killed mid-run), {SUBS * (ROUNDS + 1)} invoices, "
              f"receivables {total / 100:.2f} EUR")
    finally:
        m.stop(signal.SIGKILL)
        tmp.cleanup()


if __name__ == "__main__":
    main()
