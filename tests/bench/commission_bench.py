#!/usr/bin/python3
"""The commission run's rate (issue 25, Speed), on SQLite and on PostgreSQL side by side in one run:
tests/bench/commission_bench.cpp: SUBS customers with one issued and paid invoice each, attributed to
10 partners on a hybrid plan; the commission run over all of them, timed, then partners-verify; once
on a SQLite file and once on a private PostgreSQL 15 cluster (tests/support/pg_cluster.py), against
the issue's goal of 1,000,000 paid invoices in 60 s.

  tests/bench/commission_bench.py [--subs N] [--batch N]
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
    ap.add_argument("--subs", type=int, default=20000)
    ap.add_argument("--batch", type=int, default=2000)
    args = ap.parse_args()
    with PgCluster() as pg:
        cmd = [os.path.join(BIN, "commission_bench"), "--subs", str(args.subs), "--batch", str(args.batch),
               "--dsn", pg.dsn]
        sys.exit(subprocess.run(cmd).returncode)


if __name__ == "__main__":
    main()
