#!/usr/bin/python3
"""kill -9 of mgmtd during a burst of payment webhooks (issue 24, ADR 0039): every acknowledged
webhook applied exactly once, every event applied once in the end, the ledger balanced.

ROUNDS rounds (3 by default; PAYMENT_CRASH_ROUNDS): PER_ROUND customers' invoices each get a hosted
checkout at the provider simulator (tests/support/payment_provider_sim.py), all are paid at once, and
mgmtd is SIGKILLed at a random moment while the simulator's signed webhooks arrive (seeded; the seed
is printed, PAYMENT_CRASH_SEED=N repeats it). At the kill, the simulator's list of acknowledged events
is taken; mgmtd restarts and those events' invoices must be paid (an acknowledgement is sent only
after the commit). The simulator retries what was not acknowledged; when every event is
acknowledged, each invoice must be paid exactly once (paid == total, no credit from a second
payment), and `billing verify` must pass. Runs on SQLite, and on PostgreSQL as mgmt_payments_crash_pg
(MGMT_TEST_PG_DSN).

Environment: EDGE_BIN = the build's bin folder (set by edge_integration_test()).
"""
import json
import os
import ssl
import urllib.request
import random
import signal
import sys
import threading
import time

sys.path.insert(0, os.path.dirname(__file__))
from edgelib import Mgmtd, TempDir  # noqa: E402
from mgmt_payments_test import SECRET_KEY, WEBHOOK_SECRET, curl, free_port, start_simulator  # noqa: E402

ROUNDS = int(os.environ.get("PAYMENT_CRASH_ROUNDS", "3"))
PER_ROUND = 20


def fail(message):
    print("FAIL: " + message, file=sys.stderr)
    sys.exit(1)


def main():
    seed = int(os.environ.get("PAYMENT_CRASH_SEED", str(random.SystemRandom().randrange(1 << 30))))
    print(f"seed {seed} (PAYMENT_CRASH_SEED={seed} repeats it)", flush=True)
    rng = random.Random(seed)
    tmp = TempDir("payments-crash-")
    admin_port, sim_port = free_port(), free_port()
    m = Mgmtd(tmp.path, extra={
        "admin-api": {"listen": "127.0.0.1", "port": admin_port},
        "payments": {"provider-url": f"https://127.0.0.1:{sim_port}",
                     "provider-ca-file": os.path.join(tmp.path, "sim", "provider.pem")}}).start()
    sim = None
    try:
        tenant = m.ctl("tenant", "add", "--name", "acme", "--tier", "enterprise").stdout.strip()
        m.ctl("billing", "setup", "--tenant", "acme", "--currency", "EUR")
        m.ctl("plan", "add", "--tenant", "acme", "--name", "home", "--down", "20M", "--up", "5M",
              "--price", "19.99", "--currency", "EUR")
        users = [f"u{i:03d}" for i in range(ROUNDS * PER_ROUND)]
        for user in users:
            m.ctl("subscriber", "add", "--tenant", "acme", "--username", user, "--password", "pw-" + user, "--plan", "home")
            m.ctl("subscription", "add", "--tenant", "acme", "--username", user, "--plan", "home",
                  "--start", "2026-01-01", "--anchor-day", "1")
        m.ctl("billing", "run", "--tenant", "acme", "--date", "2026-01-01", "--finalize", "true")
        invoices = {i["customer"]: i for i in m.ctl_json("invoice", "list", "--tenant", "acme", "--limit", "1000")}
        m.ctl("payment-provider", "set", "--tenant", "acme", "--secret-key", SECRET_KEY, "--webhook-secret", WEBHOOK_SECRET)
        webhook = f"https://127.0.0.1:{admin_port}/api/v1/payments/webhook?tenant={tenant}"
        sim, ready = start_simulator(tmp.path, sim_port, webhook)
        sim_url = ready["url"]

        insecure = ssl._create_unverified_context()  # the simulator's own certificate; loopback

        def events():
            # In process (not curl): the kill below must follow the acknowledgements closely.
            with urllib.request.urlopen(sim_url + "/_sim/events", timeout=20, context=insecure) as r:
                return json.loads(r.read())

        def paid_minor(inv_id):
            return m.ctl_json("invoice", "show", "--tenant", "acme", "--invoice", inv_id)["paid-minor"]

        session_invoice = {}
        mid_burst = 0  # rounds whose kill came after some of the round's acknowledgements and before the last
        for r in range(ROUNDS):
            batch = users[r * PER_ROUND:(r + 1) * PER_ROUND]
            urls = []
            for user in batch:
                s = m.ctl_json("checkout", "create", "--tenant", "acme", "--invoice", invoices[user]["id"])
                session_invoice[s["id"]] = invoices[user]["id"]
                urls.append(s["url"])
            # Pay them all at once (the webhooks burst), and kill mgmtd while they arrive.
            payers = [threading.Thread(target=curl, args=(u,), kwargs={"data": ""}) for u in urls]
            for t in payers:
                t.start()
            # The kill lands once a random number of the round's events (1..PER_ROUND/2) is
            # acknowledged, so it hits the burst in the middle on a fast or a slow machine.
            round_sessions = {s for s, inv in session_invoice.items() if inv in {invoices[u]["id"] for u in batch}}
            aim = rng.randint(1, PER_ROUND // 2)
            deadline = time.time() + 20
            while time.time() < deadline:
                if sum(e["acknowledged"] for e in events() if e["event"]["data"]["object"]["id"] in round_sessions) >= aim:
                    break
            m.proc.send_signal(signal.SIGKILL)
            m.proc.wait()
            for t in payers:
                t.join()
            m.log.close()
            m.proc = None
            acked_at_kill = {e["event"]["id"]: e["event"]["data"]["object"]["id"] for e in events() if e["acknowledged"]}
            m.start()
            for event_id, session in acked_at_kill.items():
                if paid_minor(session_invoice[session]) == 0:
                    fail(f"round {r + 1}: event {event_id} was acknowledged before the kill but its invoice is unpaid")
            before = len([s for s in acked_at_kill.values() if s in round_sessions])
            mid_burst += 0 < before < PER_ROUND
            # The simulator retries the rest; wait until every event of the round is acknowledged.
            deadline = time.time() + 60
            while True:
                evs = [e for e in events() if e["event"]["data"]["object"]["id"] in round_sessions]
                if len(evs) == PER_ROUND and all(e["acknowledged"] for e in evs):
                    break
                if time.time() > deadline:
                    fail(f"round {r + 1}: not every event acknowledged within 60 s: "
                         f"{[(e['event']['id'], e['deliveries'][-1]) for e in evs if not e['acknowledged']][:2]}")
                time.sleep(0.2)
            attempts = sum(len(e["deliveries"]) for e in evs)
            for user in batch:
                if paid_minor(invoices[user]["id"]) != invoices[user]["total-minor"]:
                    fail(f"round {r + 1}: {user}'s invoice is not paid exactly once")
            balances = {b["customer"]: b for b in m.ctl_json("billing", "balance", "--tenant", "acme")}
            doubled = [u for u in batch if balances.get(u, {}).get("credit-minor", 0) != 0]
            if doubled:
                fail(f"round {r + 1}: a second payment went to credit for {doubled}")
            v = m.ctl("billing", "verify", "--tenant", "acme", check=False)
            if v.returncode != 0:
                fail(f"round {r + 1}: verify: {v.stdout}{v.stderr}")
            print(f"round {r + 1}: {before} "
                  f"of {PER_ROUND} events acknowledged before the kill; {attempts} deliveries in all; every invoice "
                  f"paid once; verify ok", flush=True)
        if mid_burst == 0:
            fail("no kill landed in the middle of a burst: this run proves nothing")
        print(f"PASS: {ROUNDS} rounds ({mid_burst} killed mid-burst), {ROUNDS * PER_ROUND} webhooks, each applied exactly once")
    finally:
        if sim is not None:
            sim.kill()
            sim.wait()
        m.stop(signal.SIGKILL)
        tmp.cleanup()


if __name__ == "__main__":
    main()
