#!/usr/bin/python3
"""EAP logins per second on a real edged (issue 28): full EAP-TLS, PEAPv0/EAP-MSCHAPv2 and
EAP-TTLS/PAP authentications by eapol_test (Debian eapoltest), --parallel at a time, every login a new
TLS session (edged has no resumption yet). Beside it, measured in the same run on the same edged: PAP
logins by an in-process client (pyrad packets over UDP, --parallel sockets), 50x as many (enough CPU
time to be seen through the kernel's 10 ms accounting tick); that rate is bound by the Python client.

eapol_test is one process per login: its start-up and its half of the handshake are in the EAP
rates, which are therefore lower bounds of what edged serves. The comparable figure is edged's own
CPU time per login (from /proc), printed for each and as a multiple of PAP's.

  tests/bench/eap_bench.py [--logins 200] [--parallel 4]
  (EDGE_BIN: the binaries)
"""
import argparse
import os
import socket
import subprocess
import sys
import time
from concurrent.futures import ThreadPoolExecutor

HERE = os.path.dirname(os.path.abspath(__file__))
sys.path.insert(0, os.path.join(HERE, "..", "integration"))
from edgelib import Edged, TempDir  # noqa: E402
from eap_test import make_ca, make_cert  # noqa: E402
import radius_peer as rp  # noqa: E402

SECRET = "eap-bench-secret-0123456789"


def cpu_seconds(pid):
    with open(f"/proc/{pid}/stat") as f:
        fields = f.read().rsplit(")", 1)[1].split()
    return (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")


def main():
    parser = argparse.ArgumentParser()
    parser.add_argument("--logins", type=int, default=200)
    parser.add_argument("--parallel", type=int, default=4)
    args = parser.parse_args()
    tmp = TempDir("eap-bench-")
    d = os.path.join(tmp.path, "certs")
    os.makedirs(d)
    make_ca(d, "server-ca")
    make_ca(d, "client-ca")
    server_cert, server_key = make_cert(d, "server-ca", "edged", "radius.example.net", "serverAuth")
    alice_cert, alice_key = make_cert(d, "client-ca", "alice", "alice", "clientAuth")
    edged = Edged(tmp.path, extra={"radius": {
        "listen": "127.0.0.1", "auth-port": 0, "acct-port": 0, "threads": 1,
        "eap-certificate": server_cert, "eap-key": server_key, "eap-ca": os.path.join(d, "client-ca.pem")}}).start()
    try:
        edged.ctl("nas", "add", "--name", "ap", "--address", "127.0.0.1", "--secret", SECRET)
        edged.ctl("plan", "add", "--name", "home", "--down", "20M", "--up", "10M")
        edged.ctl("subscriber", "add", "--username", "alice", "--password", "alice-pw", "--plan", "home")
        port = edged.ctl_json("status")["radius"]["auth-port"]
        ca = os.path.join(d, "server-ca.pem")
        methods = {
            "EAP-TLS": {"eap": "TLS", "identity": '"alice"', "ca_cert": f'"{ca}"',
                        "client_cert": f'"{alice_cert}"', "private_key": f'"{alice_key}"'},
            "PEAP/MSCHAPv2": {"eap": "PEAP", "identity": '"alice"', "password": '"alice-pw"', "ca_cert": f'"{ca}"',
                              "phase1": '"peapver=0"', "phase2": '"auth=MSCHAPV2"'},
            "TTLS/PAP": {"eap": "TTLS", "identity": '"alice"', "password": '"alice-pw"', "ca_cert": f'"{ca}"',
                         "phase2": '"auth=PAP"'},
        }

        def eapol(conf):
            r = subprocess.run(["eapol_test", "-c", conf, "-a", "127.0.0.1", "-p", str(port), "-s", SECRET,
                                "-t", "10", "-M", "02:00:00:00:00:01"], capture_output=True, text=True, timeout=60)
            return r.returncode == 0 and "SUCCESS" in r.stdout

        def pap(n):
            with socket.socket(socket.AF_INET, socket.SOCK_DGRAM) as sock:
                sock.settimeout(5)
                ok = 0
                for i in range(n):
                    raw, _ = rp.access_request(SECRET.encode(), "alice", "alice-pw", pkt_id=i % 256)
                    sock.sendto(raw, ("127.0.0.1", port))
                    data, _ = sock.recvfrom(4096)
                    ok += data[0] == rp.ACCESS_ACCEPT
                return ok

        def run(name, fn, items, logins, ref_cpu=None):
            cpu0 = cpu_seconds(edged.proc.pid)
            t0 = time.monotonic()
            with ThreadPoolExecutor(args.parallel) as pool:
                ok = sum(pool.map(fn, items))
            wall = time.monotonic() - t0
            per = (cpu_seconds(edged.proc.pid) - cpu0) / max(ok, 1)
            ratio = f"  {per / ref_cpu:6.1f} x PAP's" if ref_cpu else ""
            print(f"{name:16} {ok:6d}/{logins} accepted {ok / wall:8.1f} logins/s   "
                  f"edged cpu {1000 * per:7.3f} ms per login{ratio}", flush=True)
            if ok != logins:
                raise SystemExit(f"{name}: {logins - ok} logins failed")
            return per

        print(f"{args.logins} EAP logins each ({50 * args.logins} PAP), {args.parallel} at a time, "
              f"edged with threads=1 on {os.cpu_count()} cores")
        pap_logins = 50 * args.logins
        share = [pap_logins // args.parallel + (1 if k < pap_logins % args.parallel else 0)
                 for k in range(args.parallel)]
        ref = run("PAP (reference)", pap, share, pap_logins)
        for name, network in methods.items():
            conf = os.path.join(tmp.path, name.replace("/", "-") + ".conf")
            with open(conf, "w") as f:
                f.write("network={\n  key_mgmt=WPA-EAP\n  eapol_flags=0\n")
                for k, v in network.items():
                    f.write(f"  {k}={v}\n")
                f.write("}\n")
            run(name, eapol, [conf] * args.logins, args.logins, ref)
    finally:
        edged.stop()
        tmp.cleanup()


if __name__ == "__main__":
    main()
