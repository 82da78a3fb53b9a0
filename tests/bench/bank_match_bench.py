#!/usr/bin/python3
"""Matching a camt.053 statement (issue 24, Speed: 100,000 entries < 30 s), on SQLite and on
PostgreSQL side by side in one run: tests/bench/bank_match_bench.cpp, once on a SQLite file and once on
a private PostgreSQL 15 cluster (tests/support/pg_cluster.py). It prints where the time goes beside a
reference measured in the same run (expat reading the same document with no handlers): parsing into
lines, matching in memory, and the whole bank-import (lines recorded, payments applied and ledgered).

  tests/bench/bank_match_bench.py [--entries N] [--sqlite-only]
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
    ap.add_argument("--entries", type=int, default=100000)
    ap.add_argument("--sqlite-only", action="store_true")
    args = ap.parse_args()
    cmd = [os.path.join(BIN, "bank_match_bench"), "--entries", str(args.entries)]
    if args.sqlite_only:
        sys.exit(subprocess.run(cmd).returncode)
    with PgCluster() as pg:
        sys.exit(subprocess.run(cmd + ["--dsn", pg.dsn]).returncode)


if __name__ == "__main__":
    main()
