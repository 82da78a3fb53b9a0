"""How close the hotspot gateway's HTB shaping gets to a plan's rates: iperf3 through the real gateway
in the network namespaces of tests/integration/gateway_test.py, download and upload, at the plan's
rates and again after a CoA halves them. Target: each within 10% of the plan. Root.

(gateway_test checks that the kernel's classes equal the plan and that shaped traffic is far below
unshaped; a rate measured within a percentage is a benchmark, not a test: it depends on the load.)"""
import os
import sys

sys.path.insert(0, os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", "integration"))
import gateway_test as gt  # noqa: E402
from edgelib import wait_for  # noqa: E402

RATES = ((8_000_000, 4_000_000), (4_000_000, 2_000_000))  # (down, up): the plan, then after a CoA


def main():
    if os.geteuid() != 0:
        print("shaping bench: needs root (it builds network namespaces)")
        return 1
    gt.GatewayTest.setUpClass()
    helper = gt.GatewayTest("test_gateway")  # for its helpers; the topology is the class's
    edged = None
    try:
        edged = helper.start_edged()
        edged.ctl("plan", "add", "--name", "bench", "--down", "8M", "--up", "4M")
        edged.ctl("subscriber", "add", "--username", "bea", "--password", "bea-pass-123", "--plan", "bench")
        client = gt.Client(gt.CL1, helper.root)
        client.dhcp()
        code, body, _ = client.form("/login", {"username": "bea", "password": "bea-pass-123", "accept": "yes"})
        if code != 200:
            print("shaping bench: the portal login failed:", code, body[:300])
            return 1
        minor = helper.kernel_class_of(client.ip)
        unshaped = helper.iperf_unshaped()
        print(f"gateway shaping, iperf3 through the gateway (unshaped from the box itself: {unshaped / 1e6:.0f} Mbit/s):")
        ok = True
        for n, (down, up) in enumerate(RATES):
            if n:
                edged.ctl("plan", "set", "--name", "bench", "--down", f"{down // 1_000_000}M", "--up",
                          f"{up // 1_000_000}M")
                wait_for(lambda: helper.htb_class("br-lan", minor) == (down, down) and
                         helper.htb_class("gw-wan", minor) == (up, up), what="the CoA's classes")
            for name, plan, got in (("download", down, client.iperf(reverse=True)),
                                    ("upload", up, client.iperf(reverse=False))):
                off = (got - plan) / plan
                ok = ok and abs(off) < 0.10
                print(f"  {name} {'after CoA ' if n else ''}plan {plan / 1e6:.0f} Mbit/s: "
                      f"{got / 1e6:.2f} Mbit/s ({off:+.1%})")
        print(f"  target within 10% of the plan: {'met' if ok else 'MISSED'}")
        return 0 if ok else 1
    finally:
        if edged is not None and edged.proc is not None:
            edged.stop()
        gt.GatewayTest.tearDownClass()


if __name__ == "__main__":
    sys.exit(main())
