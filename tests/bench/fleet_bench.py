"""Fleet benchmark: 2,000 simulated appliances check in every 60 s against mgmtd on loopback and
upload usage. Reports p99 check-in latency and usage rows/s ingested, beside the TLS floor (a fresh
mutual-TLS-capable connection fetching /v1/ca, no database) measured in the same run.

  FLEET_DEVICES=2000 FLEET_DURATION=60 ./scripts/bench      (defaults)
"""
import json
import os
import subprocess
import sys
import tempfile

sys.path.insert(0, os.path.join(os.path.dirname(__file__), "..", "integration"))
from edgelib import Mgmtd, binary  # noqa: E402

DEVICES = int(os.environ.get("FLEET_DEVICES", "2000"))
DURATION = int(os.environ.get("FLEET_DURATION", "60"))
INTERVAL = 60


def main():
    root = tempfile.mkdtemp(prefix="fleet-bench-")
    mgmt = Mgmtd(os.path.join(root, "mgmt"), {"device-poll-interval": INTERVAL}).start()
    try:
        mgmt.ctl("tenant", "add", "--name", "fleet", "--tier", "enterprise")
        token = mgmt.ctl("claim", "create", "--tenant", "fleet", "--uses", str(DEVICES)).stdout.strip()
        r = subprocess.run([binary("fleet_sim"), "--token", token, "--devices", str(DEVICES), "--interval",
                            str(INTERVAL), "--duration", str(DURATION), "--usage-devices", "20", "--usage-rows",
                            "5000"], capture_output=True, text=True, timeout=DURATION * 4 + 600)
        if r.returncode != 0:
            print(r.stderr, file=sys.stderr)
            return 1
        f = json.loads(r.stdout)
        print(f"fleet: {f['devices']} appliances enrolled in {f['enroll-seconds']:.1f} s "
              f"(each its own key, CSR and certificate)")
        print(f"{'':34}{'mgmtd check-in':>18}{'TLS floor (/v1/ca)':>22}")
        print(f"{'latency p50':34}{f['checkin-p50-ms']:>15.1f} ms{f['floor-p50-ms']:>19.1f} ms")
        print(f"{'latency p99':34}{f['checkin-p99-ms']:>15.1f} ms{f['floor-p99-ms']:>19.1f} ms")
        print(f"check-ins: {f['checkins']} in {f['checkin-seconds']:.0f} s, {f['checkin-failures']} failed, "
              f"{f['checkins-late']} started more than 1 s late")
        print(f"usage ingested: {f['usage-rows']} rows in {f['usage-seconds']:.1f} s = "
              f"{f['usage-rows-per-second']:.0f} rows/s (batches of 1000, 4 devices at a time, synchronous=FULL)")
        return 0 if f["checkin-failures"] == 0 else 1
    finally:
        mgmt.stop()
        subprocess.run(["rm", "-rf", root])


if __name__ == "__main__":
    sys.exit(main())
