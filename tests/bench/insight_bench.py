#!/usr/bin/python3
"""Insight's speed (issue 26, Speed): tests/bench/insight_bench.cpp scores 1,000,000 customers and
trains a tenant's churn model on 100,000 on the generator's histories, each beside a reference
measured in the same run (reading the same days once), against the goals of < 60 s each.

  tests/bench/insight_bench.py [--score N] [--train N]
"""
import argparse
import os
import subprocess
import sys

HERE = os.path.dirname(os.path.abspath(__file__))
sys.path.insert(0, HERE)
from benchlib import BIN  # noqa: E402


def main():
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("--score", type=int, default=1000000)
    ap.add_argument("--train", type=int, default=100000)
    args = ap.parse_args()
    out = subprocess.run([os.path.join(BIN, "insight_bench"), "--score", str(args.score), "--train", str(args.train)],
                         stdout=subprocess.PIPE, text=True)
    sys.stdout.write(out.stdout)
    if out.returncode != 0:
        sys.exit(out.returncode)
    sys.exit(1 if "FAIL" in out.stdout else 0)


if __name__ == "__main__":
    main()
