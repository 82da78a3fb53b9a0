"""kill -9 under accounting load, 20 times: every request that got an Accounting-Response is in the
database afterwards, and no usage is counted twice (the usage journal of each session adds up to
exactly its recorded totals, never more than the NAS reported)."""
import hashlib
import os
import random
import select
import signal
import socket
import sqlite3
import struct
import sys
import time

sys.path.insert(0, os.path.dirname(__file__))
from edgelib import Edged, TempDir, check  # noqa: E402

SECRET = b"crash-secret-0123456789"
ROUNDS = int(os.environ.get("ACCT_CRASH_ROUNDS", "20"))
SESSIONS = 300


def packet(pkt_id, status, session, in_octets, out_octets, secs):
    def attr(t, v):
        return bytes([t, 2 + len(v)]) + v
    attrs = (attr(40, struct.pack("!I", status)) + attr(1, f"user{session % 50}".encode()) +
             attr(44, f"crash-{session}".encode()) + attr(5, struct.pack("!I", session)) +
             attr(42, struct.pack("!I", in_octets & 0xffffffff)) + attr(52, struct.pack("!I", in_octets >> 32)) +
             attr(43, struct.pack("!I", out_octets & 0xffffffff)) + attr(53, struct.pack("!I", out_octets >> 32)) +
             attr(46, struct.pack("!I", secs)))
    header = struct.pack("!BBH", 4, pkt_id, 20 + len(attrs))
    return header + hashlib.md5(header + bytes(16) + attrs + SECRET).digest() + attrs


class Nas:
    """Sessions with growing cumulative counters, like a BRAS sends them."""

    def __init__(self, rng):
        self.rng = rng
        self.state = {s: [0, 0, 0, False] for s in range(SESSIONS)}  # in, out, secs, started
        self.acked = {}    # session -> highest acknowledged (in, out)
        self.sent_max = {}  # session -> highest totals ever sent

    def next_request(self):
        s = self.rng.randrange(SESSIONS)
        st = self.state[s]
        if not st[3]:
            st[3] = True
            return s, 1, tuple(st[:3])
        st[0] += self.rng.randrange(1, 5_000_000_000)  # crosses 4 GiB boundaries often
        st[1] += self.rng.randrange(1, 9_000_000_000)
        st[2] += 30
        return s, 3, tuple(st[:3])

    def run(self, port, seconds, stop_at):
        socks = []
        for _ in range(4):
            k = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
            k.bind(("127.0.0.1", 0))
            k.setblocking(False)
            socks.append(k)
        pending = {}  # (sock index, id) -> (session, totals)
        next_id = [0] * len(socks)
        sent = acked = 0
        deadline = time.time() + seconds
        while time.time() < deadline:
            if stop_at is not None and time.time() >= stop_at:
                stop_at = None
                yield "kill"
            for i, k in enumerate(socks):
                while sum(1 for key in pending if key[0] == i) < 48:
                    s, status, totals = self.next_request()
                    pid = next_id[i]
                    next_id[i] = (pid + 1) % 256
                    if (i, pid) in pending:
                        break  # this id is still outstanding on this socket
                    pending[(i, pid)] = (s, totals, time.time())
                    self.sent_max[s] = max(self.sent_max.get(s, (0, 0)), totals[:2])
                    try:
                        k.sendto(packet(pid, status, s, *totals), ("127.0.0.1", port))
                        sent += 1
                    except OSError:
                        break
            ready, _, _ = select.select(socks, [], [], 0.01)
            for k in ready:
                i = socks.index(k)
                while True:
                    try:
                        data, _ = k.recvfrom(4096)
                    except (BlockingIOError, ConnectionRefusedError):
                        break
                    key = (i, data[1])
                    if data[0] == 5 and key in pending:
                        s, totals, _ = pending.pop(key)
                        prev = self.acked.get(s, (0, 0))
                        self.acked[s] = max(prev, totals[:2])
                        acked += 1
            # Requests unanswered for a second are given up (a NAS would retransmit; not needed here).
            now = time.time()
            for key in [key for key, v in pending.items() if now - v[2] > 1.0]:
                del pending[key]
        for k in socks:
            k.close()
        yield ("done", sent, acked)


def main():
    seed = int(os.environ.get("ACCT_CRASH_SEED", str(int(time.time()))))
    rng = random.Random(seed)
    print(f"seed {seed}, {ROUNDS} rounds")
    tmp = TempDir()
    edged = Edged(tmp.path)
    try:
        edged.start()
        edged.ctl("nas", "add", "--name", "bras", "--address", "127.0.0.1", "--secret", SECRET.decode())
        nas = Nas(rng)
        total_sent = total_acked = 0
        for rnd in range(ROUNDS):
            port = edged.ctl_json("status")["radius"]["acct-port"]
            kill_after = rng.uniform(0.2, 0.8)
            for event in nas.run(port, kill_after + 0.05, time.time() + kill_after):
                if event == "kill":
                    edged.stop(signal.SIGKILL)
                else:
                    _, sent, acked = event
                    total_sent += sent
                    total_acked += acked
            edged.start()
        print(f"sent {total_sent}, acknowledged {total_acked}")
        edged.stop()
        db = sqlite3.connect(os.path.join(edged.data_dir, "acct.db"))
        check(db.execute("PRAGMA integrity_check").fetchone()[0] == "ok", f"acct.db integrity check failed (seed {seed})")
        recorded = {}
        for uid, sid, i, o in db.execute(
                "SELECT uid, acct_session_id, input_octets, output_octets FROM sessions "
                "UNION ALL SELECT uid, acct_session_id, input_octets, output_octets FROM session_history"):
            recorded[int(sid.split("-")[1])] = (i, o, uid)
        journal = {uid: (i, o) for uid, i, o in db.execute(
            "SELECT uid, sum(input_octets), sum(output_octets) FROM usage_journal GROUP BY uid")}
        # The per-day usage view (what `edgectl usage` reads) agrees with the journal, to the byte.
        by_day = db.execute("SELECT username, day, input_octets, output_octets FROM usage_daily "
                            "ORDER BY username, day").fetchall()
        from_journal = db.execute("SELECT username, at / 86400, sum(input_octets), sum(output_octets) "
                                  "FROM usage_journal GROUP BY username, at / 86400 "
                                  "ORDER BY username, at / 86400").fetchall()
        db.close()
        check(by_day == from_journal, f"usage_daily differs from the journal (seed {seed})")
        lost = [s for s, (i, o) in nas.acked.items()
                if s not in recorded or recorded[s][0] < i or recorded[s][1] < o]
        check(not lost, f"acknowledged usage missing for sessions {lost[:10]} (seed {seed})")
        for s, (i, o, uid) in recorded.items():
            ji, jo = journal.get(uid, (0, 0))
            check((ji, jo) == (i, o), f"session {s}: journal {ji},{jo} != recorded {i},{o} (seed {seed})")
            mi, mo = nas.sent_max[s]
            check(i <= mi and o <= mo, f"session {s}: recorded more than the NAS sent (seed {seed})")
        check(total_acked > ROUNDS * 200, f"too little load to mean anything: {total_acked} acknowledged")
        print(f"ok: {len(nas.acked)} sessions with acknowledged usage, all recorded once")
    finally:
        edged.stop()
        tmp.cleanup()


if __name__ == "__main__":
    main()
