#!/usr/bin/python3
"""Provisioning an enterprise demo tenant (issue 23: goal < 30 s), on a real mgmtd.

Signs up through the public API with the enterprise scenario (2,000 customers, 8 plans, 40 devices,
12 months of weekly usage), follows the link from the mail the outbox delivered to a local SMTP sink,
and times verification to the job's "done" through the progress API. Beside it, measured in the same
run on the same mgmtd: `tenant add --demo` (the small scenario, 50 customers, in one transaction),
scaled to 2,000 customers: what the same rows cost without steps and a job around them.

  tests/bench/signup_bench.py [--postgres]   (EDGE_BIN: the binaries; --postgres uses
                                              tests/support/pg_cluster.py's private PostgreSQL)
"""
import argparse
import json
import os
import re
import subprocess
import sys
import time

HERE = os.path.dirname(os.path.abspath(__file__))
sys.path.insert(0, os.path.join(HERE, "..", "integration"))
from edgelib import Mgmtd, TempDir, wait_for  # noqa: E402
from smtp_sink import SmtpSink, text_of  # noqa: E402

GOAL_SECONDS = 30.0


def curl(url, data=None):
    cmd = ["curl", "-sS", "-k", "--max-time", "60"]
    if data is not None:
        cmd += ["-H", "Content-Type: application/json", "--data-binary", json.dumps(data)]
    r = subprocess.run(cmd + [url], capture_output=True, text=True, timeout=90)
    return json.loads(r.stdout)


def main():
    parser = argparse.ArgumentParser()
    parser.add_argument("--postgres", action="store_true")
    args = parser.parse_args()
    tmp = TempDir(prefix="signup-bench-")
    sink = SmtpSink().start()
    cluster = None
    try:
        extra = {"mail": {"smtp-url": sink.url, "from": "bench@platform.example"}}
        if args.postgres:
            sys.path.insert(0, os.path.join(HERE, "..", "support"))
            from pg_cluster import PgCluster  # noqa: E402
            cluster = PgCluster().start()
            extra["storage"] = {"backend": "postgres", "dsn": cluster.dsn}
        mgmt = Mgmtd(os.path.join(tmp.path, "mgmt"), extra).start()
        url = f"https://127.0.0.1:{mgmt.admin_port}"
        backend = "postgres" if args.postgres else "sqlite"

        # The reference: the small scenario in one transaction, per customer.
        t0 = time.monotonic()
        mgmt.ctl("tenant", "add", "--demo", "true", "--name", "reference")
        small = time.monotonic() - t0
        reference = small / 50 * 2000

        body = {"business-name": "Bench Net", "registration-id": "R-1", "tax-id": "T-1", "contact-name": "B",
                "email": "bench@bench.example", "country": "KE", "region": "Nairobi", "service-area": "All",
                "expected-customers": 5000, "tier": "enterprise", "scenario": "enterprise"}
        curl(url + "/api/v1/signup", body)
        mail = sink.wait_for(lambda m: m["To"] == "bench@bench.example")[0]
        # The mail's link opens the console's page; the API's verify route takes the same secret.
        token = re.search(r"https://\S+token=([0-9a-f]+)", text_of(mail)).group(1)
        t0 = time.monotonic()
        job = curl(url + "/api/v1/signup/verify?token=" + token)["job"]
        final = wait_for(lambda: (lambda j: j if j["state"] in ("done", "failed") else None)(
            curl(url + "/api/v1/signup/job?id=" + job)), timeout=300, what="provisioning", interval=0.1)
        took = time.monotonic() - t0
        if final["state"] != "done":
            print(f"provisioning failed: {final['error']}")
            return 1
        shown = json.loads(mgmt.ctl("--json", "tenant", "show", final["tenant"]).stdout)
        counts = (shown.get("subscribers"), shown.get("plans"), shown.get("devices"))
        verdict = "PASS" if took < GOAL_SECONDS else "FAIL"
        print(f"signup bench ({backend}): an enterprise demo tenant {counts[0]} customers, {counts[1]} plans, "
              f"{counts[2]} devices, {len(final['log'])} steps")
        print(f"  provisioning (link followed -> job done): {took:.2f} s   goal < {GOAL_SECONDS:.0f} s   {verdict}")
        print(f"  reference: tenant add --demo (small scenario, one transaction) {small:.3f} s, "
              f"scaled to 2,000 customers {reference:.2f} s (ratio {took / reference:.2f})")
        mgmt.stop()
        return 0 if verdict == "PASS" else 1
    finally:
        sink.stop()
        if cluster is not None:
            cluster.stop()
        tmp.cleanup()


if __name__ == "__main__":
    sys.exit(main())
