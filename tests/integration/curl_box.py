"""A box as mgmtd's device API sees it, made of openssl and curl: its own P-256 key and CSR, enrollment
with a claim token, check-ins and usage uploads over mutual TLS with its certificate. It remembers
what mgmtd acknowledged, so a test can compare mgmt's usage totals with the box's to the byte.

For the tests of moving a platform's data (migrate, backup, restore), where the boxes must keep
working with the certificates they already have."""
import base64
import hashlib
import json
import os
import subprocess
import threading
from collections import defaultdict


def _decode_token(token):
    body = token.strip().split(".", 1)[1]
    return json.loads(base64.urlsafe_b64decode(body + "=" * (-len(body) % 4)))


class CurlBox:
    def __init__(self, root, name):
        self.dir = os.path.join(root, name)
        os.makedirs(self.dir, exist_ok=True)
        self.name = name
        self.key = os.path.join(self.dir, "key.pem")
        self.cert = os.path.join(self.dir, "cert.pem")
        self.ca = os.path.join(self.dir, "ca.pem")
        self.device_id = None
        self.tenant_id = None
        self.port = None
        self.seq = 0          # the last usage row acknowledged
        self.session_id = 0   # the last closed session acknowledged
        self.acked = []       # every acknowledged row, in order (dicts as sent)
        self.lock = threading.Lock()

    # ---- wire ------------------------------------------------------------------------------------

    def request(self, method, path, body=None, client_cert=True, port=None):
        port = port or self.port
        cmd = ["curl", "-sS", "-o", "-", "-w", "\n%{http_code}", "--max-time", "20", "-X", method,
               "--cacert", self.ca, "--resolve", f"edge-mgmt:{port}:127.0.0.1"]
        if client_cert:
            cmd += ["--cert", self.cert, "--key", self.key]
        if body is not None:
            cmd += ["-H", "Content-Type: application/json", "--data-binary", json.dumps(body)]
        r = subprocess.run(cmd + [f"https://edge-mgmt:{port}{path}"], capture_output=True, text=True, timeout=30)
        out, _, code = r.stdout.rpartition("\n")
        return int(code or 0), out

    def enroll(self, token):
        claim = _decode_token(token)
        self.port = int(claim["url"].rsplit(":", 1)[1])
        # The CA is pinned by the token's fingerprint, as the box does it.
        r = subprocess.run(["curl", "-sS", "-k", "--max-time", "20", claim["url"] + "/v1/ca"],
                           capture_output=True, text=True, timeout=30)
        with open(self.ca, "w") as f:
            f.write(r.stdout)
        der = subprocess.run(["openssl", "x509", "-in", self.ca, "-outform", "DER"], capture_output=True,
                             timeout=30, check=True).stdout
        if hashlib.sha256(der).hexdigest() != claim["ca"]:
            raise AssertionError("the CA served is not the one the claim token pins")
        subprocess.run(["openssl", "ecparam", "-name", "prime256v1", "-genkey", "-noout", "-out", self.key],
                       check=True, capture_output=True, timeout=30)
        csr = subprocess.run(["openssl", "req", "-new", "-key", self.key, "-subj", f"/CN={self.name}"],
                             check=True, capture_output=True, text=True, timeout=30).stdout
        code, body = self.request("POST", "/v1/enroll", {"secret": claim["secret"], "csr": csr,
                                                           "hostname": self.name, "version": "curl-box"},
                                  client_cert=False)
        if code != 200:
            raise AssertionError(f"enroll {self.name}: {code} {body}")
        answer = json.loads(body)
        with open(self.cert, "w") as f:
            f.write(answer["certificate"])
        self.device_id, self.tenant_id = answer["device-id"], answer["tenant-id"]
        return self

    def checkin(self):
        return self.request("POST", "/v1/checkin", {"version": "curl-box", "uptime": 1, "clock": 0, "subscribers": 0,
                                                    "sessions": 0, "backlog": 0, "license-id": "",
                                                    "license-state": "valid", "cursor": 0})

    @staticmethod
    def row(seq, users):
        """Row `seq`: a deterministic subscriber and counters, so any prefix of rows has known sums."""
        return {"seq": seq, "at": 1_700_000_000 + seq, "session": f"s{seq // 20}", "username": users[seq % len(users)],
                "input-octets": 1_000_003 * seq + 17, "output-octets": 7_919 * seq * seq + 3, "session-time": seq % 97}

    def upload(self, count, users, replay_from=None):
        """Uploads the next `count` rows (or `count` rows again from `replay_from`); returns mgmtd's answer."""
        with self.lock:
            first = replay_from if replay_from is not None else self.seq + 1
            rows = [self.row(s, users) for s in range(first, first + count)]
            sessions = []
            if replay_from is None:
                self.session_id += 1
                sessions = [{"id": self.session_id, "session": f"s{first}", "username": users[0], "nas": "bras",
                             "started": 1_700_000_000, "stopped": 1_700_000_100, "input-octets": 5,
                             "output-octets": 6, "session-time": 100, "close-reason": "user-request"}]
            code, body = self.request("POST", "/v1/usage", {"idempotency-key": f"usage:{first}-{first + count - 1}",
                                                            "rows": rows, "sessions": sessions})
            if code != 200:
                raise AssertionError(f"usage from {self.name}: {code} {body}")
            ack = json.loads(body)
            if replay_from is None:
                self.acked.extend(rows)
                self.seq = ack["watermark"]
            return ack

    def totals(self, up_to=None):
        """Per username: [input, output, seconds, records] of the acknowledged rows up to seq `up_to`."""
        out = defaultdict(lambda: [0, 0, 0, 0])
        for r in self.acked:
            if up_to is not None and r["seq"] > up_to:
                break
            t = out[r["username"]]
            t[0] += r["input-octets"]
            t[1] += r["output-octets"]
            t[2] += r["session-time"]
            t[3] += 1
        return out


def expected_usage(boxes, watermarks=None):
    """mgmt's usage answer as the boxes' own records say it must be: per username of one tenant,
    {username: [input, output, seconds, records]}, each box counted up to its watermark (all acked rows
    when none is given)."""
    total = defaultdict(lambda: [0, 0, 0, 0])
    for box in boxes:
        up_to = None if watermarks is None else watermarks[box.device_id]
        for user, t in box.totals(up_to).items():
            for i in range(4):
                total[user][i] += t[i]
    return {u: t for u, t in total.items()}


def usage_of(mgmt, tenant):
    """mgmt's usage totals for one tenant, as {username: [input, output, seconds, records]}."""
    return {r["username"]: [r["input-octets"], r["output-octets"], r["session-time"], r["records"]]
            for r in mgmt.ctl_json("usage", "--tenant", tenant)}
