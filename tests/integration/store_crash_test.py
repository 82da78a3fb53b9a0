#!/usr/bin/python3
"""kill -9 in the middle of a batch of writes leaves a database that opens, passes
PRAGMA integrity_check, and still holds every write the writer acknowledged.

Drives tests/support/store_writer (core::Writer, synchronous=FULL, 4 threads, many jobs per batch),
which prints the id of each row after its batch committed. The writer is SIGKILLed at a random
moment 1-2 s in, three times on the same database; after each kill Python's sqlite3 opens the file
(running WAL recovery), checks integrity and looks for every acknowledged id. Rows that were
committed but not yet acknowledged may be present too: that is allowed (the client retries them).

Environment: EDGE_BIN = the build's bin folder (set by edge_integration_test()).
"""
import os
import random
import shutil
import signal
import sqlite3
import subprocess
import sys
import tempfile
import threading
import time

ROUNDS = 3


def fail(message):
    print("FAIL: " + message, file=sys.stderr)
    sys.exit(1)


def run_round(binary, db_path, stderr_path, round_no):
    with open(stderr_path, "wb") as stderr_file:
        proc = subprocess.Popen([binary, db_path], stdout=subprocess.PIPE, stderr=stderr_file)
    acked = []

    # Drain stdout continuously: a full pipe would block the writer and the kill would then land
    # while it waits on write(2) instead of in the middle of a batch.
    def read_acks():
        for line in proc.stdout:
            if line.endswith(b"\n"):
                acked.append(int(line))

    reader = threading.Thread(target=read_acks)
    reader.start()
    try:
        deadline = time.monotonic() + random.uniform(1.0, 2.0)
        while time.monotonic() < deadline:
            if proc.poll() is not None:
                break
            time.sleep(0.05)
        still_running = proc.poll() is None
        wal_present = os.path.exists(db_path + "-wal")
        if still_running:
            os.kill(proc.pid, signal.SIGKILL)
        proc.wait(timeout=30)
    finally:
        if proc.poll() is None:
            proc.kill()
            proc.wait()
        reader.join(timeout=30)
    with open(stderr_path, "rb") as f:
        errors = f.read().decode(errors="replace").strip()
    if not still_running:
        fail(f"round {round_no}: store_writer exited by itself with {proc.returncode}: {errors}")
    if errors:
        fail(f"round {round_no}: store_writer reported: {errors}")
    if not acked:
        fail(f"round {round_no}: store_writer acknowledged no write in 1-2 s")
    if not wal_present:
        fail(f"round {round_no}: no {db_path}-wal while writing: is the store in WAL mode?")
    return acked


def check_database(db_path, all_acked, round_no):
    con = sqlite3.connect(db_path)
    try:
        integrity = con.execute("PRAGMA integrity_check").fetchall()
        if integrity != [("ok",)]:
            fail(f"round {round_no}: integrity_check after kill -9: {integrity[:10]}")
        mode = con.execute("PRAGMA journal_mode").fetchone()[0]
        if mode != "wal":
            fail(f"round {round_no}: journal_mode is {mode}, expected wal")
        version = con.execute("SELECT max(version) FROM schema_migrations").fetchone()[0]
        if version != 1:
            fail(f"round {round_no}: schema_migrations says version {version}, expected 1")
        stored = {row[0] for row in con.execute("SELECT id FROM acked")}
    finally:
        con.close()
    missing = sorted(set(all_acked) - stored)
    if missing:
        fail(f"round {round_no}: {len(missing)} acknowledged rows lost after kill -9, e.g. {missing[:10]}")
    return len(stored)


def main():
    bin_dir = os.environ.get("EDGE_BIN")
    if not bin_dir:
        fail("EDGE_BIN is not set (run through ctest, or set it to the build's bin folder)")
    binary = os.path.join(bin_dir, "store_writer")
    if not os.access(binary, os.X_OK):
        fail(f"{binary} is missing: build the store_writer target first")

    work = tempfile.mkdtemp(prefix="edge-store-crash-")
    db_path = os.path.join(work, "edge.db")
    stderr_path = os.path.join(work, "store_writer.stderr")
    all_acked = []
    ok = False
    try:
        for round_no in range(1, ROUNDS + 1):
            acked = run_round(binary, db_path, stderr_path, round_no)
            # Every round continues after the ids of the earlier ones: no id is acknowledged twice.
            overlap = set(acked) & set(all_acked)
            if overlap:
                fail(f"round {round_no}: ids acknowledged again after restart: {sorted(overlap)[:10]}")
            all_acked.extend(acked)
            rows = check_database(db_path, all_acked, round_no)
            print(f"round {round_no}: {len(acked)} writes acknowledged before kill -9; "
                  f"{rows} rows stored in total, all {len(all_acked)} acknowledged present, integrity ok")
        ok = True
    finally:
        if ok:
            shutil.rmtree(work, ignore_errors=True)
        else:
            print(f"kept {work} for inspection", file=sys.stderr)
    print("PASS: store survives kill -9 mid-batch without losing acknowledged writes")


if __name__ == "__main__":
    main()
