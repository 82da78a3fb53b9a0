"""Installing 5,000 subscribers' shaping classes and gating elements (the gateway's restore path),
beside the same HTB classes added by `tc -batch` (what a shell-script gateway does), in the same
run, inside a private network namespace with two veth interfaces. Target: under 2 s."""
import json
import os
import subprocess
import sys
import tempfile
import time

BIN = os.environ.get("EDGE_BIN", os.path.join(os.path.dirname(__file__), "..", "..", "build", "bin"))
NS = f"edge-gwbench-{os.getpid()}"
COUNT = int(os.environ.get("GATEWAY_BENCH_CLIENTS", "5000"))


def ns(*cmd, **kw):
    return subprocess.run(["ip", "netns", "exec", NS, *cmd], check=True, capture_output=True, text=True, **kw)


def main():
    subprocess.run(["ip", "netns", "add", NS], check=True)
    try:
        for dev in ("lan0", "wan0"):
            ns("ip", "link", "add", dev, "type", "veth", "peer", "name", dev + "p")
            ns("ip", "link", "set", dev, "up")
        ours = json.loads(ns(os.path.join(BIN, "gateway_install"), "lan0", "wan0", str(COUNT), timeout=120).stdout)
        # Reference: tc -batch with the same classes on both interfaces.
        with tempfile.NamedTemporaryFile("w", suffix=".tc", delete=False) as f:
            for dev in ("lan0", "wan0"):
                f.write(f"qdisc replace dev {dev} root handle 1: htb default ffff\n")
            for i in range(1, COUNT + 1):
                for dev, rate, ceil in (("lan0", "10mbit", "20mbit"), ("wan0", "5mbit", "10mbit")):
                    f.write(f"class replace dev {dev} parent 1: classid 1:{i:x} htb rate {rate} ceil {ceil}\n")
            batch = f.name
        t0 = time.monotonic()
        ns("tc", "-batch", batch, timeout=300)
        tc_seconds = time.monotonic() - t0
        os.unlink(batch)
        print(f"gateway install, {COUNT} subscribers (HTB class on LAN and WAN + nftables elements and counters):")
        print(f"  edged (libnl + one nft transaction): {ours['total_seconds']:.3f} s "
              f"(classes {ours['classes_seconds']:.3f} s, nftables {ours['nft_seconds']:.3f} s)")
        print(f"  tc -batch, classes only (reference):  {tc_seconds:.3f} s")
        print(f"  reading all {ours['counters']} per-session counters: {ours['counter_read_seconds']:.3f} s")
        ok = ours["total_seconds"] < 2.0
        print(f"  target < 2 s: {'met' if ok else 'MISSED'}")
        return 0 if ok else 1
    finally:
        subprocess.run(["ip", "netns", "del", NS])


if __name__ == "__main__":
    sys.exit(main())
