#!/usr/bin/python3
"""A private PostgreSQL 15 cluster for tests.

PostgreSQL refuses to run as root, so when we are root the cluster's files belong to the `postgres`
system user (made by Debian's postgresql-common) and initdb/pg_ctl run as that user. The cluster
listens on a unix socket in its own folder only (no TCP unless asked), so it never meets another
cluster, another test run, or the system's own PostgreSQL.

Command line (CTest's fixture uses the first two):
  pg_cluster.py start --dir DIR [--tcp-port N]   start (a stale cluster in DIR is removed first)
  pg_cluster.py stop --dir DIR                   stop and delete DIR
  pg_cluster.py run [--dir DIR] -- CMD ...       start, run CMD with MGMT_TEST_PG_DSN set, stop

As a module: `with PgCluster() as pg: pg.dsn` (a temporary folder, deleted at exit).
"""
import argparse
import os
import pwd
import shutil
import subprocess
import sys
import tempfile

BIN = "/usr/lib/postgresql/15/bin"
SOCKET_PORT = 5432  # only names the socket file inside the cluster's own folder


def _owner():
    """The user the cluster runs as: ourselves, or `postgres` when we are root."""
    if os.geteuid() != 0:
        return None
    try:
        return pwd.getpwnam("postgres")
    except KeyError:
        raise SystemExit("pg_cluster: running as root and there is no 'postgres' user "
                         "(install postgresql-15: ./scripts/setup)")


def _run(args, owner, **kw):
    if owner is not None:
        args = ["runuser", "-u", owner.pw_name, "--"] + args
    return subprocess.run(args, check=True, stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True, **kw)


def dsn_for(directory, port=SOCKET_PORT):
    return f"host={directory} port={port} dbname=postgres user=postgres"


class PgCluster:
    def __init__(self, directory=None, tcp_port=None):
        self.owned_tmp = directory is None
        self.dir = directory or tempfile.mkdtemp(prefix="edge-pg-")
        self.tcp_port = tcp_port
        self.port = tcp_port or SOCKET_PORT
        self.data = os.path.join(self.dir, "data")
        self.owner = _owner()
        self.extra_options = ""  # more `postgres -c` settings (tests/support/mgmt_cluster.py: replication)

    @property
    def dsn(self):
        return dsn_for(self.dir, self.port)

    def start(self):
        if not os.path.isfile(os.path.join(BIN, "initdb")):
            raise SystemExit(f"pg_cluster: {BIN}/initdb not found (install postgresql-15: ./scripts/setup)")
        if os.path.isdir(self.data):
            self.stop(remove=False)  # a run that was killed left it behind
        shutil.rmtree(self.dir, ignore_errors=True)
        os.makedirs(self.dir, mode=0o700, exist_ok=True)
        if self.owner is not None:
            os.chown(self.dir, self.owner.pw_uid, self.owner.pw_gid)
        try:
            _run([f"{BIN}/initdb", "-D", self.data, "-U", "postgres", "--auth=trust", "-E", "UTF8",
                  "--locale=C.UTF-8", "--no-sync"], self.owner, cwd="/")
        except subprocess.CalledProcessError as e:
            raise SystemExit(f"pg_cluster: {' '.join(e.cmd)} failed:\n{e.stdout}")
        return self.start_existing()

    def start_existing(self):
        """Starts the server on the data folder already in place (a copy made by pg_basebackup, say)."""
        try:
            listen = "127.0.0.1" if self.tcp_port else ""
            # Tests want speed, not durability; enough connections for several storages per test.
            options = (f"-p {self.port} -k {self.dir} -c listen_addresses='{listen}' -c fsync=off "
                       "-c synchronous_commit=off -c full_page_writes=off -c max_connections=200" + self.extra_options)
            _run([f"{BIN}/pg_ctl", "-D", self.data, "-l", os.path.join(self.dir, "log"), "-w", "-t", "60",
                  "-o", options, "start"], self.owner, cwd="/")
        except subprocess.CalledProcessError as e:
            log = ""
            try:
                with open(os.path.join(self.dir, "log")) as f:
                    log = f.read()[-2000:]
            except OSError:
                pass
            raise SystemExit(f"pg_cluster: {' '.join(e.cmd)} failed:\n{e.stdout}\n{log}")
        return self

    def stop(self, remove=True):
        if os.path.isdir(self.data):
            try:
                _run([f"{BIN}/pg_ctl", "-D", self.data, "-m", "immediate", "-w", "stop"], self.owner, cwd="/")
            except subprocess.CalledProcessError:
                pass  # not running
        if remove:
            shutil.rmtree(self.dir, ignore_errors=True)

    def __enter__(self):
        return self.start()

    def __exit__(self, *exc):
        self.stop()


def main():
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("action", choices=["start", "stop", "run"])
    parser.add_argument("--dir")
    parser.add_argument("--tcp-port", type=int)
    argv = sys.argv[1:]
    command = argv[argv.index("--") + 1:] if "--" in argv else []
    args = parser.parse_args(argv[:argv.index("--")] if "--" in argv else argv)
    if args.action in ("start", "stop") and not args.dir:
        parser.error("--dir is required for start and stop")
    cluster = PgCluster(args.dir, args.tcp_port)
    if args.action == "start":
        cluster.start()
        print(cluster.dsn)
        return 0
    if args.action == "stop":
        cluster.stop()
        return 0
    if not command:
        parser.error("run needs a command after --")
    with cluster:
        env = dict(os.environ, MGMT_TEST_PG_DSN=cluster.dsn)
        return subprocess.call(command, env=env)


if __name__ == "__main__":
    sys.exit(main())
