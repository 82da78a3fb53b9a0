"""Shared helpers for integration tests: temp dirs, starting edged, running edgectl."""
import atexit
import http.client
import json
import os
import re
import select
import shutil
import signal
import sqlite3
import ssl
import subprocess
import tempfile
import time
import uuid

BIN = os.environ.get("EDGE_BIN", os.path.join(os.path.dirname(__file__), "..", "..", "build", "bin"))


def binary(name):
    path = os.path.join(BIN, name)
    if not os.path.exists(path):
        raise RuntimeError(f"{path} not built (EDGE_BIN={BIN})")
    return path


class TempDir:
    def __init__(self, prefix="edge-it-"):
        self.path = tempfile.mkdtemp(prefix=prefix)
        os.chmod(self.path, 0o755)

    def cleanup(self):
        shutil.rmtree(self.path, ignore_errors=True)


def write_config(path, data_dir, run_dir, extra=None, raw=None):
    if raw is None:
        config = {
            "data-dir": data_dir,
            "control-socket": os.path.join(run_dir, "control.sock"),
            "pid-file": os.path.join(run_dir, "edged.pid"),
            "log-level": "info",
            # Private loopback ports: tests never collide with a system RADIUS server or each other.
            "radius": {"listen": "127.0.0.1", "auth-port": 0, "acct-port": 0, "threads": 1},
            "admin": {"listen": "127.0.0.1", "port": 0, "https-port": 0},
        }
        extra = dict(extra or {})
        if isinstance(extra.get("admin"), dict):
            # A test that sets the admin address keeps the free ports it did not name.
            extra["admin"] = {**config["admin"], **extra["admin"]}
        config.update(extra)
        raw = "// written by an integration test\n" + json.dumps(config, indent=2)
    with open(path, "w") as f:
        f.write(raw)


class _Daemon:
    """What edged and mgmtd share in the tests: their CLI over the control socket, and the log."""
    cli = None

    def ctl(self, *args, check=True, json_out=False):
        cmd = [binary(self.cli), "--socket", self.socket] + (["--json"] if json_out else []) + list(args)
        r = subprocess.run(cmd, capture_output=True, text=True, timeout=30)
        if check and r.returncode != 0:
            raise AssertionError(f"{' '.join(cmd)} -> {r.returncode}: {r.stdout}{r.stderr}")
        return r

    def ctl_json(self, *args):
        return json.loads(self.ctl(*args, json_out=True).stdout)

    def read_log(self):
        try:
            with open(self.log_path, errors="replace") as f:
                return f.read()
        except OSError:
            return ""


class Edged(_Daemon):
    """A real edged process on a private folder."""
    cli = "edgectl"

    def __init__(self, root, extra=None, netns=None):
        self.root = root
        self.netns = netns  # run inside this network namespace (the gateway tests)
        os.makedirs(root, exist_ok=True)
        self.data_dir = os.path.join(root, "data")
        self.run_dir = os.path.join(root, "run")
        self.config = os.path.join(root, "edged.json")
        self.socket = os.path.join(self.run_dir, "control.sock")
        self.pid_file = os.path.join(self.run_dir, "edged.pid")
        self.log_path = os.path.join(root, "edged.log")
        self.proc = None
        write_config(self.config, self.data_dir, self.run_dir, extra)

    def start(self, wait=True):
        self.log = open(self.log_path, "ab")
        prefix = ["ip", "netns", "exec", self.netns] if self.netns else []
        self.proc = subprocess.Popen(prefix + [binary("edged"), "--config", self.config], stdout=self.log, stderr=self.log)
        if wait:
            self.wait_ready()
        return self

    def wait_ready(self, timeout=10.0):
        deadline = time.time() + timeout
        while time.time() < deadline:
            if self.proc.poll() is not None:
                raise AssertionError(f"edged exited with {self.proc.returncode}: {self.read_log()}")
            r = self.ctl("status", check=False)
            if r.returncode == 0:
                return
            time.sleep(0.05)
        raise AssertionError(f"edged not ready after {timeout}s: {self.read_log()}")

    def send(self, sig):
        self.proc.send_signal(sig)

    def stop(self, sig=signal.SIGTERM, timeout=10.0):
        if self.proc is None:
            return None
        if self.proc.poll() is None:
            self.proc.send_signal(sig)
        try:
            rc = self.proc.wait(timeout=timeout)
        except subprocess.TimeoutExpired:
            self.proc.kill()
            rc = self.proc.wait()
            raise AssertionError("edged did not stop within %ss" % timeout)
        finally:
            self.log.close()
        self.proc = None
        return rc


# The PostgreSQL backend for mgmtd (the *_pg CTest entries set it from the pg_cluster fixture of
# tests/support/pg_cluster.cmake): every Mgmtd of the run gets a database of its own on that cluster,
# made when the Mgmtd is made and dropped when the test script exits. Unset: SQLite in data-dir.
PG_DSN = os.environ.get("MGMT_TEST_PG_DSN") or None


def _psql(dsn, script, **variables):
    """Runs `script` with psql on `dsn`; :'name' in it is `variables[name]`, quoted by psql."""
    args = ["psql", dsn, "-X", "-q", "-A", "-t", "-v", "ON_ERROR_STOP=1"]
    for name, value in variables.items():
        args += ["-v", f"{name}={value}"]
    r = subprocess.run(args, input=script, capture_output=True, text=True, timeout=60)
    if r.returncode != 0:
        raise AssertionError(f"psql: {script.strip()} -> {r.returncode}: {r.stderr}")
    return r.stdout


def _dsn_with_dbname(dsn, dbname):
    if re.search(r"(^|\s)dbname=\S*", dsn):
        return re.sub(r"(^|\s)dbname=\S*", lambda m: f"{m.group(1)}dbname={dbname}", dsn)
    return f"{dsn} dbname={dbname}"


def fresh_pg_database():
    """A new empty database on the test cluster (CREATE DATABASE, unique name) for one mgmtd; dropped,
    with any connection still open to it, when this process exits. Returns its DSN."""
    name = f"mgmt_it_{os.getpid()}_{uuid.uuid4().hex[:8]}"
    _psql(PG_DSN, f"CREATE DATABASE {name};")
    atexit.register(_psql, PG_DSN, f"DROP DATABASE IF EXISTS {name} WITH (FORCE);")
    return _dsn_with_dbname(PG_DSN, name)


class Mgmtd(_Daemon):
    """A real mgmtd process on a private folder (HTTPS listeners on free loopback ports), on SQLite
    in its data-dir, or on a fresh PostgreSQL database when MGMT_TEST_PG_DSN is set."""
    cli = "mgmtctl"

    def __init__(self, root, extra=None, netns=None):
        self.root = root
        self.netns = netns  # run inside this network namespace (the gateway tests)
        os.makedirs(root, exist_ok=True)
        self.data_dir = os.path.join(root, "data")
        self.socket = os.path.join(root, "control.sock")
        self.config = os.path.join(root, "mgmtd.json")
        self.log_path = os.path.join(root, "mgmtd.log")
        self.proc = None
        # Insight's daily run off: started after its time of day (02:30 UTC) a fresh mgmtd would collect,
        # train and score at once, beside the test (ADR 0074); a test of it passes its own "insight".
        config = {"data-dir": self.data_dir, "control-socket": self.socket, "log-level": "info",
                  "device-api": {"listen": "127.0.0.1", "port": 0}, "admin-api": {"listen": "127.0.0.1", "port": 0},
                  "insight": {"daily": False}}
        self.pg_dsn = None
        if PG_DSN is not None and "storage" not in (extra or {}):
            self.pg_dsn = fresh_pg_database()
            config["storage"] = {"backend": "postgres", "dsn": self.pg_dsn}
        config.update(extra or {})
        with open(self.config, "w") as f:
            json.dump(config, f, indent=2)

    def execute(self, statement, *params):
        """One SQL statement on this mgmtd's database, whichever the backend (? marks a parameter):
        for the tests that set up a state no command makes (an old certificate, say)."""
        if self.pg_dsn is None:
            db = sqlite3.connect(os.path.join(self.data_dir, "mgmt.db"))
            try:
                db.execute(statement, params)
                db.commit()
            finally:
                db.close()
            return
        parts = statement.split("?")
        if len(parts) != len(params) + 1:
            raise ValueError(f"{len(params)} parameters for {statement}")
        script = parts[0] + "".join(f":'p{i}'{part}" for i, part in enumerate(parts[1:]))
        _psql(self.pg_dsn, script + ";\n", **{f"p{i}": str(v) for i, v in enumerate(params)})

    def start(self):
        self.log = open(self.log_path, "ab")
        self.proc = subprocess.Popen([binary("mgmtd"), "--config", self.config], stdout=self.log, stderr=self.log)
        deadline = time.time() + 15
        while time.time() < deadline:
            if self.proc.poll() is not None:
                raise AssertionError(f"mgmtd exited with {self.proc.returncode}: {self.read_log()}")
            if self.ctl("status", check=False).returncode == 0:
                status = self.ctl_json("status")
                self.device_port, self.admin_port = status["device-api-port"], status["admin-api-port"]
                # A restart keeps the ports (the boxes know the device API by its URL).
                with open(self.config) as f:
                    config = json.load(f)
                config["device-api"]["port"], config["admin-api"]["port"] = self.device_port, self.admin_port
                with open(self.config, "w") as f:
                    json.dump(config, f, indent=2)
                return self
            time.sleep(0.05)
        raise AssertionError(f"mgmtd not ready: {self.read_log()}")

    def stop(self, sig=signal.SIGTERM):
        if self.proc is None:
            return None
        if self.proc.poll() is None:
            self.proc.send_signal(sig)
        rc = self.proc.wait(timeout=15)
        self.log.close()
        self.proc = None
        return rc


def sign_with_ca(work, ca_cert, ca_key, csr, out, start, end):
    """Signs `csr` with a CA's key into `out`, valid from `start` to `end` (openssl times such as
    20250101000000Z), through `openssl ca` so the dates can lie in the past or the future. The CA's
    bookkeeping files go to `work`."""
    os.makedirs(work, exist_ok=True)
    p = lambda n: os.path.join(work, n)  # noqa: E731
    with open(p("ca.cnf"), "w") as f:
        f.write(f"""[ca]\ndefault_ca = d\n[d]\ndatabase = {p('index.txt')}\nnew_certs_dir = {work}\n"""
                f"""serial = {p('serial')}\ndefault_md = sha256\npolicy = pol\nunique_subject = no\n"""
                """[pol]\ncommonName = supplied\norganizationalUnitName = optional\n""")
    if not os.path.exists(p("index.txt")):
        open(p("index.txt"), "w").close()
        with open(p("serial"), "w") as f:
            f.write("1000\n")
    r = subprocess.run(["openssl", "ca", "-batch", "-config", p("ca.cnf"), "-cert", ca_cert, "-keyfile", ca_key,
                        "-in", csr, "-out", out, "-startdate", start, "-enddate", end, "-notext"],
                       capture_output=True, text=True, timeout=30)
    if r.returncode != 0:
        raise AssertionError("openssl ca: " + r.stderr)
    return out


def check(condition, message="check failed"):
    """An assertion that PYTHONOPTIMIZE cannot remove (a bare `assert` is stripped by -O)."""
    if not condition:
        raise AssertionError(message)


def wait_for(predicate, timeout=20.0, what="condition", interval=0.2):
    """Polls `predicate` until it returns a true value (returned) or fails after `timeout` seconds."""
    deadline = time.time() + timeout
    last = None
    while time.time() < deadline:
        last = predicate()
        if last:
            return last
        time.sleep(interval)
    raise AssertionError(f"timed out after {timeout}s waiting for {what} (last: {last!r})")


class HttpsSession:
    """One HTTPS connection kept alive across calls, as a browser or an API client keeps it: a test
    that makes hundreds of calls pays one TLS handshake and no process per call (a curl per call costs
    both, and CPU the rest of the CI run shares). Like `curl -k`, the server's certificate is not
    checked unless `cafile` is given (the tests that check it do so on purpose). A connection the
    server closed while idle is noticed before the next request is written and a new one opened, so
    a request is never sent twice. request() returns (status, headers with lower-case names, body)."""

    def __init__(self, host, port, cafile=None, cert=None, key=None, timeout=20.0):
        self.host, self.port, self.timeout = host, port, timeout
        self.context = ssl.create_default_context(cafile=cafile) if cafile else ssl._create_unverified_context()
        if cert:
            self.context.load_cert_chain(cert, key)
        self.conn = None
        self.connections = 0  # how many were opened (a test may check that the calls shared one)

    def _connection(self):
        if self.conn is not None and self.conn.sock is not None:
            # Readable while idle means closed by the server (or a stray byte): start afresh.
            readable, _, _ = select.select([self.conn.sock], [], [], 0)
            if readable:
                self.close()
        if self.conn is None:
            self.conn = http.client.HTTPSConnection(self.host, self.port, timeout=self.timeout, context=self.context)
            self.connections += 1
        return self.conn

    def request(self, method, path, body=None, headers=None, json_body=True):
        """`body`: a dict or list is sent as JSON (Content-Type application/json), str or bytes as they
        are (set Content-Type in `headers`)."""
        headers = dict(headers or {})
        if body is not None and not isinstance(body, (str, bytes)) and json_body:
            body = json.dumps(body)
            headers.setdefault("Content-Type", "application/json")
        conn = self._connection()
        try:
            conn.request(method, path, body=body, headers=headers)
            r = conn.getresponse()
            payload = r.read()
        except Exception:
            self.close()
            raise
        if r.will_close:
            self.close()
        return r.status, {k.lower(): v for k, v in r.getheaders()}, payload.decode("utf-8", errors="replace")

    def close(self):
        if self.conn is not None:
            self.conn.close()
            self.conn = None
