#!/usr/bin/python3
"""A private MariaDB server for tests (the importers' MySQL/MariaDB source, issue 30).

Like pg_cluster.py for PostgreSQL: mariadbd runs on a data folder of its own, as the unprivileged
`mysql` user when we are root, listening on a unix socket in that folder only (no TCP), so it never
meets the system's MariaDB or another test run. `root` has no password over that socket.

As a module: `with MariaDb() as db: db.sql("radius", "SELECT 1"); db.url("radius")`.
"""
import os
import pwd
import shutil
import subprocess
import tempfile
import time


def _owner():
    if os.geteuid() != 0:
        return None
    try:
        return pwd.getpwnam("mysql")
    except KeyError:
        raise SystemExit("mariadb_server: running as root and there is no 'mysql' user "
                         "(install mariadb-server: ./scripts/setup)")


class MariaDb:
    def __init__(self, directory=None):
        self.owned_tmp = directory is None
        self.dir = directory or tempfile.mkdtemp(prefix="edge-mariadb-")
        self.data = os.path.join(self.dir, "data")
        self.socket = os.path.join(self.dir, "mysqld.sock")
        self.owner = _owner()
        self.proc = None

    def url(self, database):
        """The importer's --from for a database here."""
        return f"mysql://root@localhost/{database}?socket={self.socket}"

    def start(self):
        if not os.path.isfile("/usr/sbin/mariadbd"):
            raise SystemExit("mariadb_server: /usr/sbin/mariadbd not found (install mariadb-server: ./scripts/setup)")
        os.makedirs(self.dir, mode=0o700, exist_ok=True)
        if self.owner is not None:
            os.chown(self.dir, self.owner.pw_uid, self.owner.pw_gid)
        user = ["--user=" + self.owner.pw_name] if self.owner is not None else []
        r = subprocess.run(["mariadb-install-db", "--no-defaults", f"--datadir={self.data}", "--skip-test-db",
                            "--auth-root-authentication-method=normal", "--skip-name-resolve"] + user,
                           stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True, timeout=120, cwd="/")
        if r.returncode != 0:
            raise SystemExit(f"mariadb_server: mariadb-install-db failed:\n{r.stdout}")
        cmd = ["/usr/sbin/mariadbd", "--no-defaults", f"--datadir={self.data}", f"--socket={self.socket}",
               "--skip-networking", f"--pid-file={os.path.join(self.dir, 'pid')}",
               f"--log-error={os.path.join(self.dir, 'error.log')}", "--innodb-buffer-pool-size=16M",
               "--innodb-flush-log-at-trx-commit=0", "--skip-log-bin"]
        if self.owner is not None:
            cmd = ["runuser", "-u", self.owner.pw_name, "--"] + cmd
        self.proc = subprocess.Popen(cmd, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL, cwd="/")
        deadline = time.time() + 30
        while time.time() < deadline:
            if self.proc.poll() is not None:
                raise SystemExit(f"mariadb_server: mariadbd exited with {self.proc.returncode}: {self.error_log()}")
            if os.path.exists(self.socket) and self._client("-e", "SELECT 1", check=False).returncode == 0:
                return self
            time.sleep(0.05)
        raise SystemExit(f"mariadb_server: mariadbd not ready in 30 s: {self.error_log()}")

    def error_log(self):
        try:
            with open(os.path.join(self.dir, "error.log")) as f:
                return f.read()[-2000:]
        except OSError:
            return ""

    def _client(self, *args, input=None, check=True):
        r = subprocess.run(["mariadb", "--no-defaults", "-S", self.socket, "-u", "root"] + list(args),
                           input=input, capture_output=True, text=True, timeout=60)
        if check and r.returncode != 0:
            raise AssertionError(f"mariadb {' '.join(args)}: {r.stderr}")
        return r

    def sql(self, database, script):
        """Runs `script` (several statements) in `database`; returns what the client printed."""
        return self._client("-N", "-B", database, input=script).stdout

    def create_database(self, name):
        self._client("-e", f"CREATE DATABASE {name} CHARACTER SET utf8mb4")

    def stop(self):
        if self.proc is not None and self.proc.poll() is None:
            self.proc.terminate()  # runuser passes it on; mariadbd shuts down
            try:
                self.proc.wait(timeout=30)
            except subprocess.TimeoutExpired:
                self.proc.kill()
                self.proc.wait()
        shutil.rmtree(self.dir, ignore_errors=True)

    def __enter__(self):
        return self.start()

    def __exit__(self, *exc):
        self.stop()
