#!/usr/bin/python3
"""Sign-in latency on a real mgmtd (issue 23: login p95 < 150 ms with the argon2 cost written down in
ADR 0028: argon2id 19 MiB, t=2, p=1).

Makes --tenants tenants with --people people each, then times --logins sign-ins
(POST /api/v1/auth/login, each on a new HTTPS connection, people taken round-robin). Beside it,
measured in the same run on the same mgmtd and the same kind of connection: GET /api/v1/auth/me with
an access token (everything a login does but the password hash), so the difference is the argon2 cost
on this machine as it is loaded now.

  tests/bench/login_bench.py [--postgres] [--tenants 50] [--people 4] [--logins 200]
  (EDGE_BIN: the binaries; --postgres uses tests/support/pg_cluster.py's private PostgreSQL)
"""
import argparse
import http.client
import json
import os
import ssl
import sys
import time

HERE = os.path.dirname(os.path.abspath(__file__))
sys.path.insert(0, os.path.join(HERE, "..", "integration"))
from edgelib import Mgmtd, TempDir  # noqa: E402

GOAL_P95_MS = 150.0
PASSWORD = "bench passphrase 123"


def request(port, method, path, body=None, token=None):
    ctx = ssl.create_default_context()
    ctx.check_hostname = False
    ctx.verify_mode = ssl.CERT_NONE
    conn = http.client.HTTPSConnection("127.0.0.1", port, context=ctx, timeout=30)
    headers = {"Content-Type": "application/json"}
    if token:
        headers["Authorization"] = "Bearer " + token
    t0 = time.monotonic()
    conn.request(method, path, body=json.dumps(body) if body is not None else None, headers=headers)
    r = conn.getresponse()
    data = r.read()
    elapsed = (time.monotonic() - t0) * 1000
    conn.close()
    return r.status, json.loads(data or b"{}"), elapsed


def pct(values, p):
    v = sorted(values)
    return v[min(len(v) - 1, int(round(p / 100 * (len(v) - 1))))]


def main():
    parser = argparse.ArgumentParser()
    parser.add_argument("--postgres", action="store_true")
    parser.add_argument("--tenants", type=int, default=50)
    parser.add_argument("--people", type=int, default=4)
    parser.add_argument("--logins", type=int, default=200)
    args = parser.parse_args()
    tmp = TempDir(prefix="login-bench-")
    cluster = None
    try:
        extra = {}
        if args.postgres:
            sys.path.insert(0, os.path.join(HERE, "..", "support"))
            from pg_cluster import PgCluster  # noqa: E402
            cluster = PgCluster().start()
            extra["storage"] = {"backend": "postgres", "dsn": cluster.dsn}
        mgmt = Mgmtd(os.path.join(tmp.path, "mgmt"), extra).start()
        emails = []
        for t in range(args.tenants):
            name = f"t{t:05d}"
            mgmt.ctl("tenant", "add", "--name", name, "--tier", "basic")
            for p in range(args.people):
                email = f"p{p}@{name}.bench"
                mgmt.ctl("person", "add", "--tenant", name, "--email", email, "--role", "tenant-staff",
                         "--password", PASSWORD)
                emails.append(email)
        port = mgmt.admin_port
        logins, me = [], []
        token = None
        for i in range(args.logins):
            status, body, ms = request(port, "POST", "/api/v1/auth/login",
                                       {"email": emails[i % len(emails)], "password": PASSWORD})
            if status != 200:
                raise SystemExit(f"login answered {status}: {body}")
            logins.append(ms)
            token = body["access-token"]
            status, body, ms = request(port, "GET", "/api/v1/auth/me", token=token)
            if status != 200:
                raise SystemExit(f"me answered {status}: {body}")
            me.append(ms)
        backend = "postgres" if args.postgres else "sqlite"
        result = {
            "backend": backend, "tenants": args.tenants, "people": len(emails), "logins": args.logins,
            "argon2": "argon2id m=19 MiB t=2 p=1",
            "login-ms": {"p50": round(pct(logins, 50), 1), "p95": round(pct(logins, 95), 1),
                         "max": round(max(logins), 1)},
            "reference-me-ms": {"p50": round(pct(me, 50), 1), "p95": round(pct(me, 95), 1)},
            "goal-p95-ms": GOAL_P95_MS,
            "load-average": os.getloadavg()[0],
        }
        result["verdict"] = "PASS" if result["login-ms"]["p95"] < GOAL_P95_MS else "FAIL"
        print(json.dumps(result, indent=2))
        mgmt.stop()
    finally:
        if cluster is not None:
            cluster.stop()
        tmp.cleanup()


if __name__ == "__main__":
    main()
