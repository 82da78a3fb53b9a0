#!/usr/bin/python3
"""Several mgmtd on PostgreSQL with failover, on one machine, for tests, benchmarks and the demo.

What it starts (everything private: loopback, unix sockets in its own folder, no system service):
  - a PostgreSQL 15 primary and a streaming replica made with `pg_basebackup -R` (tests/support/
    pg_cluster.py's way: as the `postgres` user when we are root, a private socket folder each).
    Replication is synchronous (synchronous_standby_names='*'): a commit mgmtd was told about is on
    the replica too, so promoting the replica after the primary crashed loses no acknowledged usage
    (Patroni's synchronous_mode does the same in production);
  - N mgmtd replicas on one database through a multi-host DSN (target_session_attrs=read-write),
    sharing one data folder (the CA, the server certificate, the license key, the first admin token),
    each with its own pid file, control socket and log;
  - HAProxy (Debian haproxy) in TCP mode in front of the device API and the admin API (so mutual
    TLS still ends at mgmtd), with HTTPS health checks (GET /v1/ca on the device API) and redispatch
    of a failed connection to another replica.

Python API (helper for tests/integration and tests/bench):

    from mgmt_cluster import MgmtCluster
    with MgmtCluster(replicas=2) as c:          # or c = MgmtCluster(...).start(); ...; c.stop()
        c.device_url, c.admin_url               # through HAProxy: https://127.0.0.1:PORT
        c.ctl("tenant", "add", "--name", "acme")  # mgmtctl on a live replica (c.ctl_json for --json)
        c.platform_token                        # the first admin token (shared data folder)
        c.ca_cert                               # path of the mgmt CA certificate
        c.kill_replica(0)                       # kill -9; c.start_replica(0) brings it back
        c.promote()                             # crash the primary (immediate stop), promote the replica
        c.sql("SELECT count(*) FROM usage")     # psql on the current primary, rows as text
        c.wait_backends_up()                    # until HAProxy sees every live replica as UP

Command line (scripts/demo --scale uses it; the processes outlive the command):
  mgmt_cluster.py start --dir DIR [--replicas N] [--no-standby] [--device-port P] [--admin-port P]
                        [--bin DIR] [--config-json '{...}']   prints a JSON summary
  mgmt_cluster.py stop --dir DIR                               stops everything, keeps DIR
  mgmt_cluster.py promote --dir DIR                            crash the primary, promote the replica
  mgmt_cluster.py kill --dir DIR --replica I                   kill -9 one mgmtd
"""
import argparse
import json
import os
import shutil
import signal
import socket
import subprocess
import sys
import tempfile
import time

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from pg_cluster import BIN as PG_BIN, PgCluster, _owner, _run  # noqa: E402

REPO = os.path.abspath(os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", ".."))
HAPROXY = "/usr/sbin/haproxy"
STATE = "cluster.json"
DATABASE = "mgmt"


def free_port():
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def _pid_alive(pid):
    try:
        os.kill(pid, 0)
        return True
    except ProcessLookupError:
        return False
    except PermissionError:
        return True


def _kill_pid(pid, sig=signal.SIGTERM, timeout=15.0):
    """Signals one process by id and waits until it is gone (SIGKILL after `timeout`)."""
    if not pid or not _pid_alive(pid):
        return
    try:
        os.kill(pid, sig)
    except ProcessLookupError:
        return
    deadline = time.time() + timeout
    while time.time() < deadline:
        try:
            # Our own child: reap it; otherwise poll.
            done, _ = os.waitpid(pid, os.WNOHANG)
            if done == pid:
                return
        except ChildProcessError:
            if not _pid_alive(pid):
                return
        time.sleep(0.05)
    try:
        os.kill(pid, signal.SIGKILL)
        os.waitpid(pid, 0)
    except (ProcessLookupError, ChildProcessError):
        pass


class Replica:
    """One mgmtd of the cluster."""

    def __init__(self, cluster, index):
        self.cluster = cluster
        self.index = index
        self.root = os.path.join(cluster.dir, f"mgmtd-{index}")
        self.config = os.path.join(self.root, "mgmtd.json")
        self.socket = os.path.join(self.root, "control.sock")
        self.pid_file = os.path.join(self.root, "mgmtd.pid")
        self.log_path = os.path.join(self.root, "mgmtd.log")
        self.pid = None
        self.proc = None
        self.device_port = 0
        self.admin_port = 0

    def write_config(self):
        os.makedirs(self.root, exist_ok=True)
        c = self.cluster
        config = {"data-dir": c.data_dir, "control-socket": self.socket, "pid-file": self.pid_file,
                  "log-level": "info", "public-url": c.device_url,
                  # Every connection comes from HAProxy (TCP mode): one address may open them all.
                  "device-api": {"listen": "127.0.0.1", "port": self.device_port,
                                 "connections-per-address": c.haproxy_maxconn},
                  "admin-api": {"listen": "127.0.0.1", "port": self.admin_port,
                                "connections-per-address": c.haproxy_maxconn},
                  "storage": {"backend": "postgres", "dsn": c.dsn, "connections": c.connections}}
        for key, value in c.mgmt_config.items():
            if isinstance(value, dict) and isinstance(config.get(key), dict):
                config[key] = {**config[key], **value}
            else:
                config[key] = value
        with open(self.config, "w") as f:
            json.dump(config, f, indent=2)

    def spawn(self):
        """Starts mgmtd without waiting (several replicas start at once)."""
        self.write_config()
        log = open(self.log_path, "ab")
        self.proc = subprocess.Popen([self.cluster.binary("mgmtd"), "--config", self.config], stdout=log, stderr=log,
                                     start_new_session=True)
        log.close()
        self.pid = self.proc.pid

    def wait_ready(self, timeout=60.0):
        deadline = time.time() + timeout
        while time.time() < deadline:
            if self.proc is not None and self.proc.poll() is not None:
                raise RuntimeError(f"mgmtd-{self.index} exited with {self.proc.returncode}: {self.read_log()[-3000:]}")
            r = self.ctl("status", check=False, json_out=True)
            if r.returncode == 0:
                status = json.loads(r.stdout)
                self.device_port, self.admin_port = status["device-api-port"], status["admin-api-port"]
                self.write_config()  # a restart keeps the ports HAProxy knows
                return self
            time.sleep(0.1)
        raise RuntimeError(f"mgmtd-{self.index} not ready after {timeout}s: {self.read_log()[-3000:]}")

    def alive(self):
        if self.proc is not None:
            return self.proc.poll() is None
        return bool(self.pid) and _pid_alive(self.pid)

    def kill(self, sig=signal.SIGKILL):
        """kill -9 by default: no shutdown, connections cut mid-request."""
        if self.proc is not None:
            if self.proc.poll() is None:
                self.proc.send_signal(sig)
            self.proc.wait(timeout=30)
            self.proc = None
        elif self.pid:
            _kill_pid(self.pid, sig)
        self.pid = None

    def stop(self):
        self.kill(signal.SIGTERM)

    def ctl(self, *args, check=True, json_out=False):
        cmd = [self.cluster.binary("mgmtctl"), "--socket", self.socket] + (["--json"] if json_out else []) + list(args)
        r = subprocess.run(cmd, capture_output=True, text=True, timeout=60)
        if check and r.returncode != 0:
            raise RuntimeError(f"{' '.join(cmd)} -> {r.returncode}: {r.stdout}{r.stderr}")
        return r

    def read_log(self):
        try:
            with open(self.log_path, errors="replace") as f:
                return f.read()
        except OSError:
            return ""


class MgmtCluster:
    def __init__(self, directory=None, replicas=2, standby=True, bin_dir=None, device_port=None, admin_port=None,
                 mgmt_config=None, connections=4, haproxy_maxconn=4000):
        """directory: where everything lives (a new folder under /tmp by default, deleted by stop());
        keep it short, PostgreSQL's socket path must fit 107 bytes. standby: a synchronous streaming
        replica (every COMMIT waits for its flush too; False measures mgmtd on one PostgreSQL, with
        synchronous_commit off as pg_cluster.py runs it). mgmt_config: extra mgmtd config keys
        (merged one level deep), the same for every replica. connections: each replica's pool size.
        haproxy_maxconn: HAProxy's connection limit (it needs two descriptors per connection, under the
        process's RLIMIT_NOFILE)."""
        self.owned_tmp = directory is None
        self.dir = os.path.abspath(directory or tempfile.mkdtemp(prefix="mgmt-cl-"))
        self.bin_dir = bin_dir or os.environ.get("EDGE_BIN") or os.path.join(REPO, "build", "bin")
        self.with_standby = standby
        self.mgmt_config = dict(mgmt_config or {})
        self.connections = connections
        self.haproxy_maxconn = haproxy_maxconn
        self.device_port = device_port or free_port()
        self.admin_port = admin_port or free_port()
        self.data_dir = os.path.join(self.dir, "data")
        self.haproxy_cfg = os.path.join(self.dir, "haproxy.cfg")
        self.haproxy_sock = os.path.join(self.dir, "haproxy.sock")
        self.haproxy_log = os.path.join(self.dir, "haproxy.log")
        self.haproxy_pid = None
        self._haproxy = None
        self.primary = PgCluster(os.path.join(self.dir, "pg1"))
        self.standby = PgCluster(os.path.join(self.dir, "pg2")) if standby else None
        self.promoted = False
        self.replicas = [Replica(self, i) for i in range(replicas)]

    # ---- addresses -------------------------------------------------------------------------------

    @property
    def device_url(self):
        return f"https://127.0.0.1:{self.device_port}"

    @property
    def admin_url(self):
        return f"https://127.0.0.1:{self.admin_port}"

    @property
    def dsn(self):
        """The multi-host DSN every mgmtd uses: the primary first, then the replica; libpq takes the
        first that accepts writes."""
        clusters = [self.primary] + ([self.standby] if self.standby else [])
        hosts = ",".join(c.dir for c in clusters)
        ports = ",".join(str(c.port) for c in clusters)
        return (f"host={hosts} port={ports} dbname={DATABASE} user=postgres "
                "target_session_attrs=read-write connect_timeout=2")

    @property
    def ca_cert(self):
        return os.path.join(self.data_dir, "ca.pem")

    @property
    def platform_token(self):
        with open(os.path.join(self.data_dir, "admin-token")) as f:
            return f.read().strip()

    def binary(self, name):
        path = os.path.join(self.bin_dir, name)
        if not os.path.exists(path):
            raise RuntimeError(f"{path} not built (EDGE_BIN={self.bin_dir})")
        return path

    # ---- lifecycle -------------------------------------------------------------------------------

    def start(self):
        if not os.path.exists(HAPROXY):
            raise RuntimeError(f"{HAPROXY} not found (install haproxy: ./scripts/setup)")
        os.makedirs(self.dir, exist_ok=True)
        os.chmod(self.dir, 0o755)  # the postgres user reaches its clusters' folders inside
        os.makedirs(self.data_dir, mode=0o700, exist_ok=True)
        try:
            self._start_postgres()
            for r in self.replicas:  # at once: they share the data folder and migrate the same database
                r.spawn()
            for r in self.replicas:
                r.wait_ready()
            self._start_haproxy()
            self.wait_backends_up()
        except BaseException:
            self.stop()
            raise
        self.save()
        return self

    def _start_postgres(self):
        # Durable commits on the primary (pg_cluster's default is off, for speed); synchronous
        # replication is switched on once the replica streams (before, every COMMIT would wait).
        self.primary.extra_options = " -c synchronous_commit=on" if self.standby else ""
        self.primary.start()
        _psql(self.primary.dir, self.primary.port, f"CREATE DATABASE {DATABASE};", dbname="postgres")
        if self.standby is None:
            return
        s = self.standby
        os.makedirs(s.dir, mode=0o700, exist_ok=True)
        owner = _owner()
        if owner is not None:
            os.chown(s.dir, owner.pw_uid, owner.pw_gid)
        # -R writes primary_conninfo and standby.signal: the copy starts as a streaming replica.
        _run([f"{PG_BIN}/pg_basebackup", "-h", self.primary.dir, "-p", str(self.primary.port), "-U", "postgres",
              "-D", s.data, "-R", "-X", "stream", "-c", "fast"], owner, cwd="/")
        s.start_existing()
        # Until the replica streams, a synchronous COMMIT on the primary would wait.
        deadline = time.time() + 30
        while time.time() < deadline:
            out = _psql(self.primary.dir, self.primary.port, "SELECT count(*) FROM pg_stat_replication "
                        "WHERE state = 'streaming';", dbname="postgres")
            if out.strip() == "1":
                # From now on a COMMIT returns once the replica has its WAL (see the docstring).
                _psql(self.primary.dir, self.primary.port, "ALTER SYSTEM SET synchronous_standby_names = '*';"
                      "SELECT pg_reload_conf();", dbname="postgres")
                return
            time.sleep(0.1)
        raise RuntimeError("the PostgreSQL replica does not stream")

    def _write_haproxy_cfg(self):
        def backend(name, port_of, check):
            lines = [f"backend {name}", "    balance roundrobin"]
            if check:
                # An HTTPS check of a path without a caller: a replica that accepts TCP but does not
                # answer is taken out too.
                lines += ["    option httpchk GET /v1/ca", "    http-check expect status 200",
                          "    default-server check check-ssl verify none inter 500ms fall 2 rise 1"]
            else:
                lines += ["    default-server check inter 500ms fall 2 rise 1"]
            for r in self.replicas:
                lines.append(f"    server mgmtd-{r.index} 127.0.0.1:{port_of(r)}")
            return "\n".join(lines)

        cfg = f"""# written by tests/support/mgmt_cluster.py
global
    maxconn {self.haproxy_maxconn}
    stats socket {self.haproxy_sock} mode 600 level admin
    log stdout format raw local0 info

defaults
    mode tcp
    log global
    option tcplog
    option log-health-checks
    timeout connect 2s
    timeout client 90s
    timeout server 90s
    # A connection refused by a dead replica goes to another one.
    retries 3
    option redispatch 1

frontend device_api
    bind 127.0.0.1:{self.device_port}
    default_backend device_api

frontend admin_api
    bind 127.0.0.1:{self.admin_port}
    default_backend admin_api

{backend("device_api", lambda r: r.device_port, True)}

{backend("admin_api", lambda r: r.admin_port, False)}
"""
        with open(self.haproxy_cfg, "w") as f:
            f.write(cfg)

    def _start_haproxy(self):
        self._write_haproxy_cfg()
        check = subprocess.run([HAPROXY, "-c", "-q", "-f", self.haproxy_cfg], capture_output=True, text=True)
        if check.returncode != 0:
            raise RuntimeError(f"haproxy -c: {check.stdout}{check.stderr}")
        log = open(self.haproxy_log, "ab")
        self._haproxy = subprocess.Popen([HAPROXY, "-db", "-f", self.haproxy_cfg], stdout=log, stderr=log,
                                         start_new_session=True)
        log.close()
        self.haproxy_pid = self._haproxy.pid

    def stop(self, remove=None):
        """Stops HAProxy, every mgmtd and both PostgreSQL clusters; deletes the folder when we made it
        (or when remove=True)."""
        if self._haproxy is not None:
            if self._haproxy.poll() is None:
                self._haproxy.terminate()
            try:
                self._haproxy.wait(timeout=10)
            except subprocess.TimeoutExpired:
                self._haproxy.kill()
                self._haproxy.wait()
            self._haproxy = None
        elif self.haproxy_pid:
            _kill_pid(self.haproxy_pid)
        self.haproxy_pid = None
        for r in self.replicas:
            try:
                r.stop()
            except Exception:  # noqa: BLE001  (stop the rest anyway)
                r.kill()
        remove = self.owned_tmp if remove is None else remove
        for c in (self.primary, self.standby):
            if c is not None:
                c.stop(remove=remove)
        if remove:
            shutil.rmtree(self.dir, ignore_errors=True)
        else:
            self.save()

    def __enter__(self):
        return self.start()

    def __exit__(self, *exc):
        self.stop()

    # ---- what tests do to it ---------------------------------------------------------------------

    def live_replicas(self):
        return [r for r in self.replicas if r.alive()]

    def ctl(self, *args, check=True):
        """mgmtctl on the first live replica; returns its stdout."""
        live = self.live_replicas()
        if not live:
            raise RuntimeError("no mgmtd replica is running")
        return live[0].ctl(*args, check=check).stdout

    def ctl_json(self, *args):
        return json.loads(self.live_replicas()[0].ctl(*args, json_out=True).stdout)

    def kill_replica(self, index, sig=signal.SIGKILL):
        self.replicas[index].kill(sig)
        self.save()

    def start_replica(self, index):
        r = self.replicas[index]
        r.spawn()
        r.wait_ready()
        self.save()
        return r

    def crash_primary(self):
        """The primary stops as if the machine died (pg_ctl stop -m immediate)."""
        self.primary.stop(remove=False)

    def promote(self, crash_primary=True):
        """Failover: the primary crashes (by default) and the replica is promoted; mgmtd's multi-host
        DSN finds it by itself. Returns once the new primary accepts writes."""
        if self.standby is None:
            raise RuntimeError("this cluster has no replica (standby=False)")
        if crash_primary:
            self.crash_primary()
        _run([f"{PG_BIN}/pg_ctl", "-D", self.standby.data, "-w", "-t", "60", "promote"], _owner(), cwd="/")
        self.promoted = True
        self.save()

    def current_primary(self):
        return self.standby if self.promoted else self.primary

    def sql(self, statement):
        """One statement (or script) on the current primary's mgmt database; psql's unaligned output."""
        c = self.current_primary()
        return _psql(c.dir, c.port, statement if statement.rstrip().endswith(";") else statement + ";")

    def haproxy_servers(self, backend="device_api"):
        """{server name: status} as HAProxy sees it ("UP", "DOWN", "UP 1/2", ...)."""
        with socket.socket(socket.AF_UNIX) as s:
            s.settimeout(5)
            s.connect(self.haproxy_sock)
            s.sendall(b"show stat\n")
            data = b""
            while chunk := s.recv(65536):
                data += chunk
        lines = data.decode().splitlines()
        header = lines[0].lstrip("# ").split(",")
        out = {}
        for line in lines[1:]:
            row = dict(zip(header, line.split(",")))
            if row.get("pxname") == backend and row.get("svname") not in ("FRONTEND", "BACKEND", None):
                out[row["svname"]] = row.get("status", "")
        return out

    def wait_backends_up(self, timeout=30.0):
        deadline = time.time() + timeout
        want = {f"mgmtd-{r.index}" for r in self.live_replicas()}
        while time.time() < deadline:
            if self._haproxy is not None and self._haproxy.poll() is not None:
                with open(self.haproxy_log, errors="replace") as f:
                    raise RuntimeError(f"haproxy exited with {self._haproxy.returncode}: {f.read()[-2000:]}")
            try:
                servers = self.haproxy_servers()
                if all(servers.get(name) == "UP" for name in want):
                    return
            except OSError:
                pass
            time.sleep(0.1)
        raise RuntimeError(f"HAProxy does not see {sorted(want)} UP: {self.haproxy_servers()}")

    def summary(self):
        return {"dir": self.dir, "device-url": self.device_url, "admin-url": self.admin_url, "dsn": self.dsn,
                "data-dir": self.data_dir, "ca-cert": self.ca_cert, "haproxy-config": self.haproxy_cfg,
                "haproxy-log": self.haproxy_log, "promoted": self.promoted,
                "replicas": [{"index": r.index, "pid": r.pid, "socket": r.socket, "log": r.log_path,
                              "device-port": r.device_port, "admin-port": r.admin_port} for r in self.replicas]}

    # ---- state for the command line --------------------------------------------------------------

    def save(self):
        state = dict(self.summary(), **{"haproxy-pid": self.haproxy_pid, "bin-dir": self.bin_dir,
                                        "standby": self.standby is not None, "mgmt-config": self.mgmt_config,
                                        "connections": self.connections, "haproxy-maxconn": self.haproxy_maxconn,
                                        "device-port": self.device_port, "admin-port": self.admin_port})
        if os.path.isdir(self.dir):
            with open(os.path.join(self.dir, STATE), "w") as f:
                json.dump(state, f, indent=2)

    @classmethod
    def load(cls, directory):
        with open(os.path.join(directory, STATE)) as f:
            s = json.load(f)
        c = cls(directory, replicas=len(s["replicas"]), standby=s["standby"], bin_dir=s["bin-dir"],
                device_port=s["device-port"], admin_port=s["admin-port"], mgmt_config=s["mgmt-config"],
                connections=s["connections"], haproxy_maxconn=s.get("haproxy-maxconn", 4000))
        c.owned_tmp = False
        c.haproxy_pid = s["haproxy-pid"]
        c.promoted = s["promoted"]
        for r, saved in zip(c.replicas, s["replicas"]):
            r.pid, r.device_port, r.admin_port = saved["pid"], saved["device-port"], saved["admin-port"]
        return c


def _psql(socket_dir, port, script, dbname=DATABASE):
    r = subprocess.run(["psql", "-h", socket_dir, "-p", str(port), "-U", "postgres", "-d", dbname, "-X", "-q", "-A",
                        "-t", "-v", "ON_ERROR_STOP=1"], input=script, capture_output=True, text=True, timeout=60)
    if r.returncode != 0:
        raise RuntimeError(f"psql: {script.strip()[:200]} -> {r.returncode}: {r.stderr}")
    return r.stdout


def main():
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("action", choices=["start", "stop", "promote", "kill", "status"])
    parser.add_argument("--dir", required=True)
    parser.add_argument("--replicas", type=int, default=2)
    parser.add_argument("--replica", type=int, default=0)
    parser.add_argument("--no-standby", action="store_true")
    parser.add_argument("--device-port", type=int)
    parser.add_argument("--admin-port", type=int)
    parser.add_argument("--bin")
    parser.add_argument("--config-json", default="{}", help="extra mgmtd config keys, as JSON")
    parser.add_argument("--haproxy-maxconn", type=int, default=4000)
    args = parser.parse_args()
    if args.action == "start":
        if os.path.exists(os.path.join(args.dir, STATE)):
            MgmtCluster.load(args.dir).stop(remove=True)  # a run that was not stopped
        shutil.rmtree(args.dir, ignore_errors=True)
        c = MgmtCluster(args.dir, replicas=args.replicas, standby=not args.no_standby, bin_dir=args.bin,
                        device_port=args.device_port, admin_port=args.admin_port,
                        mgmt_config=json.loads(args.config_json), haproxy_maxconn=args.haproxy_maxconn)
        c.owned_tmp = False
        c.start()
        print(json.dumps(c.summary(), indent=2))
        return 0
    if not os.path.exists(os.path.join(args.dir, STATE)):
        print(f"mgmt_cluster: no cluster in {args.dir}", file=sys.stderr)
        return 1 if args.action != "stop" else 0
    c = MgmtCluster.load(args.dir)
    if args.action == "stop":
        c.stop(remove=False)
    elif args.action == "promote":
        c.promote()
    elif args.action == "kill":
        c.kill_replica(args.replica)
    print(json.dumps(c.summary(), indent=2))
    return 0


if __name__ == "__main__":
    sys.exit(main())
