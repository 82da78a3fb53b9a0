"""Several mgmtd on PostgreSQL under fleet load (issue 21 items 3, 4 and 6): boxes check in and upload
usage through HAProxy while (i) the PostgreSQL primary crashes and its streaming replica is promoted,
(ii) one mgmtd replica is killed with SIGKILL. Afterwards every box's usage equals mgmt's to the byte:
no row lost, none counted twice.

One box is a real edged, enrolled through HAProxy, that a RADIUS client feeds accounting sessions
(its sync agent uploads them as it always does); its totals at the box and at mgmt must agree too.
The other boxes are device-API clients in this process (tests/support/mgmt_cluster.py starts the rest):
each enrolls with a claim token and a CSR of its own key (openssl), then, like edged's sync agent,
keeps an append-only outbox of usage rows numbered by sequence, uploads them in batches keyed by
their sequence range until mgmt acknowledges a watermark, retries the same batch after any failure
(a refused or cut connection, a 5xx), and checks in between uploads. A new TLS connection per
request, so HAProxy spreads them over the replicas."""
import base64
import http.client
import socket
import json
import os
import random
import ssl
import subprocess
import sys
import threading
import time
import unittest

HERE = os.path.dirname(os.path.abspath(__file__))
sys.path.insert(0, HERE)
sys.path.insert(0, os.path.join(HERE, "..", "support"))
from edgelib import Edged, TempDir, check, wait_for  # noqa: E402
from mgmt_cluster import MgmtCluster  # noqa: E402
import radius_peer as rp  # noqa: E402

BOXES = 6
BATCH = 40
RADIUS_SECRET = b"failover-secret"
EDGE_USERS = ["ursula", "victor"]


def openssl(*args):
    r = subprocess.run(["openssl"] + list(args), capture_output=True, text=True, timeout=30)
    if r.returncode != 0:
        raise AssertionError(f"openssl {' '.join(args)}: {r.stderr}")
    return r.stdout


class SimBox:
    """One appliance as the device API sees it."""

    def __init__(self, name, work, cluster):
        self.name = name
        self.cluster = cluster
        self.key = os.path.join(work, name + "-key.pem")
        self.cert = os.path.join(work, name + ".pem")
        openssl("ecparam", "-name", "prime256v1", "-genkey", "-noout", "-out", self.key)
        self.csr = openssl("req", "-new", "-key", self.key, "-subj", "/CN=" + name)
        self.device_id = None
        self.ctx = None
        self.rng = random.Random(name)
        self.outbox = []           # every row made, in sequence order
        self.acked = 0             # mgmt's watermark: rows up to this seq are stored centrally
        self.totals = {}           # username -> [input, output, session-time, records], from the outbox
        self.uploads_ok = 0
        self.acked_after = {}      # label -> rows acknowledged after that moment (mark())
        self.failures = {}         # what went wrong, by kind (a failover or a kill shows up here)
        self.duplicates = 0        # rows mgmt already had (a retry of a batch that did commit)
        self.checkins = 0

    # ---- the wire --------------------------------------------------------------------------------

    def _context(self, with_cert):
        ctx = ssl.create_default_context(cafile=self.cluster.ca_cert)
        ctx.check_hostname = False  # mgmt's certificate names edge-mgmt; the CA is what we pin
        if with_cert:
            ctx.load_cert_chain(self.cert, self.key)
        return ctx

    def request(self, path, body, ctx=None):
        """(status, parsed body) of one POST on a new connection through HAProxy; an exception when the
        connection fails."""
        conn = http.client.HTTPSConnection("127.0.0.1", self.cluster.device_port, context=ctx or self.ctx, timeout=40)
        try:
            conn.request("POST", path, body=json.dumps(body), headers={"Content-Type": "application/json"})
            r = conn.getresponse()
            data = r.read()
            try:
                parsed = json.loads(data) if data else {}
            except ValueError:
                parsed = {"raw": data.decode(errors="replace")}
            return r.status, parsed
        finally:
            conn.close()

    def _failed(self, kind):
        self.failures[kind] = self.failures.get(kind, 0) + 1

    def enroll(self, claim_token):
        secret = json.loads(base64.urlsafe_b64decode(claim_token[len("edge1."):] + "=="))["secret"]
        status, body = self.request("/v1/enroll", {"secret": secret, "csr": self.csr, "hostname": self.name},
                                    ctx=self._context(False))
        check(status == 200, f"{self.name}: enrollment -> {status} {body}")
        self.device_id = body["device-id"]
        with open(self.cert, "w") as f:
            f.write(body["certificate"])
        self.ctx = self._context(True)

    # ---- what a box does -------------------------------------------------------------------------

    def produce(self, n):
        for _ in range(n):
            seq = len(self.outbox) + 1
            user = f"{self.name}-u{self.rng.randrange(4)}"
            row = {"seq": seq, "at": int(time.time()), "session": f"{self.name}-s{seq}", "username": user,
                   "input-octets": self.rng.randrange(1, 5_000_000_000),
                   "output-octets": self.rng.randrange(1, 50_000_000_000),
                   "session-time": self.rng.randrange(1, 86400)}
            self.outbox.append(row)
            t = self.totals.setdefault(user, [0, 0, 0, 0])
            t[0] += row["input-octets"]
            t[1] += row["output-octets"]
            t[2] += row["session-time"]
            t[3] += 1

    def backlog(self):
        return len(self.outbox) - self.acked

    def upload_once(self):
        """One batch after the watermark; True when mgmt acknowledged it."""
        rows = self.outbox[self.acked:self.acked + BATCH]
        if not rows:
            return True
        key = f"usage:{rows[0]['seq']}-{rows[-1]['seq']}"
        try:
            status, body = self.request("/v1/usage", {"idempotency-key": key, "rows": rows})
        except (OSError, http.client.HTTPException) as e:
            self._failed(type(e).__name__)
            return False
        if status != 200:
            # 503 (unavailable: try again) is the one answer a box may see while mgmt fails over; a
            # 4xx would make it drop rows, a 500 says mgmt took a lost connection for a bug.
            check(status == 503, f"{self.name}: usage refused with {status} {body}")
            self._failed(f"usage {status} {str(body)[:160]}")
            return False
        check(body["watermark"] >= rows[-1]["seq"], f"{self.name}: watermark {body} after {key}")
        newly = body["watermark"] - self.acked
        self.acked = body["watermark"]
        self.duplicates += body["duplicates"]
        self.uploads_ok += 1
        for label in self.acked_after:
            self.acked_after[label] += newly
        return True

    def checkin_once(self):
        body = {"version": "sim", "uptime": 1, "clock": int(time.time()), "subscribers": 0, "sessions": 0,
                "backlog": self.backlog(), "license-id": "", "license-state": "none", "cursor": 0}
        try:
            status, answer = self.request("/v1/checkin", body)
        except (OSError, http.client.HTTPException) as e:
            self._failed(type(e).__name__)
            return
        if status == 200:
            self.checkins += 1
        else:
            check(status == 503, f"{self.name}: check-in refused with {status} {answer}")
            self._failed(f"check-in {status} {str(answer)[:160]}")

    def mark(self, label):
        self.acked_after[label] = 0

    def run(self, stop):
        """Makes usage, uploads it and checks in until `stop` is set."""
        n = 0
        while not stop.is_set():
            self.produce(self.rng.randrange(1, 8))
            if not self.upload_once():
                time.sleep(0.2)  # a box backs off, then sends the same batch again
            n += 1
            if n % 3 == 0:
                self.checkin_once()
            time.sleep(0.05)

    def drain(self, timeout):
        deadline = time.time() + timeout
        while self.backlog() > 0:
            check(time.time() < deadline, f"{self.name}: {self.backlog()} rows still unacknowledged")
            if not self.upload_once():
                time.sleep(0.2)


class RealBox:
    """A real edged enrolled through HAProxy; accounting sessions from a RADIUS client are its usage."""

    def __init__(self, root, cluster):
        self.cluster = cluster
        self.edged = Edged(root, {"sync": {"max-backoff": 5}}).start()
        self.edged.ctl("nas", "add", "--name", "bras", "--address", "127.0.0.1", "--secret", RADIUS_SECRET.decode(),
                       "--vendor", "mikrotik")
        self.acct_port = self.edged.ctl_json("status")["radius"]["acct-port"]
        self.expected = {u: [0, 0] for u in EDGE_USERS}  # input, output octets of closed sessions
        self.sessions = 0
        self.sock = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
        self.sock.settimeout(5)
        self.pkt = 0

    def enroll(self):
        self.edged.ctl("enroll", self.cluster.ctl("claim", "create", "--tenant", "acme").strip())
        wait_for(lambda: self.edged.ctl_json("sync", "status")["state"] == "ok", timeout=30, what="edged checked in")
        self.cluster.ctl("plan", "add", "--tenant", "acme", "--name", "home", "--down", "10M", "--up", "2M")
        for user in EDGE_USERS:
            self.cluster.ctl("subscriber", "add", "--tenant", "acme", "--username", user, "--password", user + "-pw",
                             "--plan", "home")
        for user in EDGE_USERS:
            wait_for(lambda: self.edged.ctl("subscriber", "show", user, check=False).returncode == 0, timeout=30,
                     what=f"{user} on the box")

    def _acct(self, status, user, session, counters):
        self.pkt = (self.pkt + 1) % 256
        self.sock.sendto(rp.accounting_request(RADIUS_SECRET, status, user, session, counters, pkt_id=self.pkt),
                         ("127.0.0.1", self.acct_port))
        reply, _ = self.sock.recvfrom(4096)
        check(reply[0] == 5, "Accounting-Response")  # the box answers whatever mgmt is doing

    def session(self):
        i = self.sessions
        self.sessions += 1
        user, sid = EDGE_USERS[i % 2], f"s-{i}"
        inp, out = 1000 * (i + 1), 5000 * (i + 1) + (1 << 32 if i % 5 == 0 else 0)
        self._acct(1, user, sid, (0, 0, 0))
        self._acct(3, user, sid, (inp // 2, out // 2, 30))
        self._acct(2, user, sid, (inp, out, 60))
        self.expected[user][0] += inp
        self.expected[user][1] += out

    def run(self, stop):
        while not stop.is_set():
            self.session()
            time.sleep(0.1)

    def drained(self):
        s = self.edged.ctl_json("sync", "status")
        return s["state"] == "ok" and s["usage-backlog"] == 0

    def stop(self):
        self.sock.close()
        self.edged.stop()


class MgmtFailover(unittest.TestCase):
    def start_cluster(self, standby):
        self.tmp = TempDir()
        self.cluster = MgmtCluster(replicas=2, standby=standby, mgmt_config={"device-poll-interval": 1})
        self.addCleanup(self.tmp.cleanup)
        self.cluster.start()
        self.addCleanup(self.cluster.stop)
        # The replicas started at once on an empty data-dir: one CA for all (data-dir/authority.lock).
        fingerprints = {r.ctl("status", json_out=True).stdout for r in self.cluster.replicas}
        fingerprints = {json.loads(f)["ca-fingerprint"] for f in fingerprints}
        self.assertEqual(len(fingerprints), 1, f"the replicas serve different CAs: {fingerprints}")
        self.cluster.ctl("tenant", "add", "--name", "acme", "--tier", "enterprise")
        self.boxes = []
        for i in range(BOXES):
            box = SimBox(f"box{i}", self.tmp.path, self.cluster)
            box.enroll(self.cluster.ctl("claim", "create", "--tenant", "acme").strip())
            self.boxes.append(box)
        self.edge = RealBox(os.path.join(self.tmp.path, "edged"), self.cluster)
        self.addCleanup(self.edge.stop)
        self.edge.enroll()

    def load(self):
        """Starts every box's loop; returns a function that stops them and waits."""
        stop = threading.Event()
        errors = []

        def body(box):
            try:
                box.run(stop)
            except BaseException as e:  # noqa: BLE001  (reported by the test thread)
                errors.append(f"{getattr(box, 'name', 'edged')}: {e!r}")

        threads = [threading.Thread(target=body, args=(b,), daemon=True) for b in self.boxes + [self.edge]]
        for t in threads:
            t.start()

        def finish():
            stop.set()
            for t in threads:
                t.join(timeout=120)
            self.assertEqual(errors, [])
        return finish

    def wait_rows(self, rows):
        wait_for(lambda: all(b.acked >= rows for b in self.boxes), timeout=60,
                 what=f"every box to have {rows} rows acknowledged")

    def assert_totals_exact(self):
        for b in self.boxes:
            b.drain(timeout=60)
        self.edge.edged.ctl("sync", "now")
        wait_for(self.edge.drained, timeout=60, what="edged's usage backlog to drain")
        central = {r["username"]: r for r in self.cluster.ctl_json("usage", "--tenant", "acme")}
        # The real box: its own totals, mgmt's and what the RADIUS client sent agree to the byte.
        check(self.edge.sessions > 0, "no accounting sessions were sent to edged")
        for user in EDGE_USERS:
            at_box = self.edge.edged.ctl_json("usage", "--user", user, "--period", "day")
            self.assertEqual((at_box["input-octets"], at_box["output-octets"]), tuple(self.edge.expected[user]), user)
            self.assertEqual((central[user]["input-octets"], central[user]["output-octets"]),
                             tuple(self.edge.expected[user]), f"{user}: mgmt's totals differ from edged's")
        closed = self.cluster.sql("SELECT count(*), count(DISTINCT session) FROM sessions").split("|")
        self.assertEqual([int(x) for x in closed], [self.edge.sessions] * 2, "edged's closed sessions, each once")
        central = {u: r for u, r in central.items() if u not in EDGE_USERS}
        made = 0
        for b in self.boxes:
            made += len(b.outbox)
            for user, (inp, out, secs, records) in b.totals.items():
                got = central.get(user)
                self.assertIsNotNone(got, f"{user} has no usage centrally")
                self.assertEqual((got["input-octets"], got["output-octets"], got["session-time"], got["records"]),
                                 (inp, out, secs, records), f"{user}: mgmt's totals differ from the box's")
        self.assertEqual(len(central), sum(len(b.totals) for b in self.boxes), "mgmt has usage of other users")
        # Row by row too: each box's rows are stored once each, numbered 1..n without a gap.
        rows = {}
        for line in self.cluster.sql("SELECT device_id, count(*), min(seq), max(seq), sum(input_octets) "
                                     "FROM usage GROUP BY device_id").splitlines():
            device, count, low, high, inp = line.split("|")
            rows[device] = (int(count), int(low), int(high), int(inp))
        for b in self.boxes:
            n = len(b.outbox)
            self.assertEqual(rows.get(b.device_id), (n, 1, n, sum(r["input-octets"] for r in b.outbox)), b.name)
        self.assertGreater(made, BOXES * 50, "the load made too little usage to mean anything")

    # ---- the tests -------------------------------------------------------------------------------

    def test_failover_to_the_promoted_replica_loses_and_doubles_nothing(self):
        self.start_cluster(standby=True)
        finish = self.load()
        self.wait_rows(60)
        for b in self.boxes:
            b.mark("promotion")
        self.cluster.promote()  # the primary dies (immediate stop) and the replica takes over
        check(self.cluster.sql("SELECT pg_is_in_recovery()").strip() == "f", "the replica was not promoted")
        # mgmtd reconnects by itself: every box gets new rows acknowledged by the new primary.
        wait_for(lambda: all(b.acked_after["promotion"] >= 60 for b in self.boxes), timeout=60,
                 what="usage acknowledged after the promotion")
        checkins = sum(b.checkins for b in self.boxes)
        wait_for(lambda: sum(b.checkins for b in self.boxes) >= checkins + BOXES, timeout=30,
                 what="check-ins after the promotion")
        finish()
        self.assert_totals_exact()
        for r in self.cluster.replicas:
            self.assertTrue(r.alive(), f"mgmtd-{r.index} died: {r.read_log()[-2000:]}")
        self.assertGreater(self.edge.sessions, 10)
        print("failures seen by the boxes:", {b.name: b.failures for b in self.boxes},
              "duplicates:", sum(b.duplicates for b in self.boxes), file=sys.stderr)

    def test_kill_9_of_one_replica_sends_the_boxes_to_the_other(self):
        self.start_cluster(standby=False)
        finish = self.load()
        self.wait_rows(60)
        for b in self.boxes:
            b.mark("kill")
        self.cluster.kill_replica(0)  # SIGKILL, mid-request for some boxes
        wait_for(lambda: self.cluster.haproxy_servers().get("mgmtd-0", "").startswith("DOWN"), timeout=20,
                 what="HAProxy to take mgmtd-0 out")
        wait_for(lambda: all(b.acked_after["kill"] >= 60 for b in self.boxes), timeout=60,
                 what="usage acknowledged by the surviving replica")
        finish()
        self.assert_totals_exact()
        self.assertTrue(self.cluster.replicas[1].alive())
        # The killed replica comes back and takes its share again.
        self.cluster.start_replica(0)
        self.cluster.wait_backends_up()
        for b in self.boxes:
            b.produce(5)
        self.assert_totals_exact()
        print("failures seen by the boxes:", {b.name: b.failures for b in self.boxes},
              "duplicates:", sum(b.duplicates for b in self.boxes), file=sys.stderr)


if __name__ == "__main__":
    unittest.main(verbosity=2)
