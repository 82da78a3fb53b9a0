#!/usr/bin/python3
"""The billing run's rate (issue 24, Speed), on SQLite and on PostgreSQL side by side in one run:
tests/bench/billing_bench.cpp on SUBS monthly subscriptions, once on a SQLite file and once on a
private PostgreSQL 15 cluster (tests/support/pg_cluster.py). It prints where the time goes: the
arithmetic alone, a run making drafts, finalizing them (numbers, references, ledger), and a run doing
both, against the issue's goal of 5,000 invoices/s finalized and ledgered.

  tests/bench/billing_bench.py [--subs N] [--batch N]
"""
import argparse
import os
import subprocess
import sys

HERE = os.path.dirname(os.path.abspath(__file__))
sys.path.insert(0, os.path.join(HERE, "..", "integration"))
sys.path.insert(0, os.path.join(HERE, "..", "support"))
from benchlib import BIN  # noqa: E402
from pg_cluster import PgCluster  # noqa: E402


def main():
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("--subs", type=int, default=100000)
    ap.add_argument("--batch", type=int, default=500)
    args = ap.parse_args()
    with PgCluster() as pg:
        cmd = [os.path.join(BIN, "billing_bench"), "--subs", str(args.subs), "--batch", str(args.batch),
               "--dsn", pg.dsn]
        sys.exit(subprocess.run(cmd).returncode)


if __name__ == "__main__":
    main()
