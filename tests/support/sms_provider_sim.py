#!/usr/bin/python3
"""A local SMS provider speaking the API shape mgmtd's SMS adapter speaks (Twilio's Messages API,
issue 26, ADR 0054), for tests and the demo, since no real provider can be reached here. Python 3
standard library only; HTTPS with a certificate made by openssl (CN 127.0.0.1).

  POST /2010-04-01/Accounts/SID/Messages.json   HTTP basic auth SID:TOKEN, form-encoded To, From, Body
        -> 201 {"sid": "SM...", "status": "queued", "to", "from", "body", "account_sid", ...}
           401 {"code": 20003, "message": "Authenticate"} for another SID or token
           400 {"code": 21211, "message": "The 'To' number ... is not a valid phone number."} for a
               To not in +E.164, 21603 without From, 21602 without Body (Twilio's error codes)
  --fail-first N: the first N sends answer 503 (a provider having a bad minute: mgmtd retries).
  --receiver: also accept any other POST (a tenant's webhook endpoint), recording its headers and body.
  For tests (loopback only): GET /_sim/messages (every accepted message), GET /_sim/requests (every
  request with its headers and body, refused ones too).

Usage: sms_provider_sim.py --account-sid SID --auth-token TOKEN [--port 0] [--state-dir DIR]
                           [--fail-first N] [--receiver]
Prints one JSON line when ready: {"port": P, "url": "https://127.0.0.1:P", "ca-file": PEM}.
"""
import argparse
import base64
import json
import os
import re
import secrets
import ssl
import subprocess
import sys
import tempfile
import threading
import urllib.parse
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

LOCK = threading.Lock()
MESSAGES = []
REQUESTS = []
STATE = {"fail": 0}
E164 = re.compile(r"^\+[1-9][0-9]{7,14}$")


class Handler(BaseHTTPRequestHandler):
    protocol_version = "HTTP/1.1"

    def log_message(self, fmt, *args):
        sys.stderr.write("sms-sim: " + fmt % args + "\n")

    def answer(self, status, doc):
        body = json.dumps(doc).encode()
        self.send_response(status)
        self.send_header("Content-Type", "application/json")
        self.send_header("Content-Length", str(len(body)))
        self.send_header("Connection", "close")
        self.end_headers()
        self.wfile.write(body)

    def do_GET(self):
        with LOCK:
            if self.path == "/_sim/messages":
                return self.answer(200, MESSAGES)
            if self.path == "/_sim/requests":
                return self.answer(200, REQUESTS)
        self.answer(404, {"code": 20404, "message": "not found"})

    def do_POST(self):
        length = int(self.headers.get("Content-Length") or 0)
        raw = self.rfile.read(length) if length else b""
        with LOCK:
            REQUESTS.append({"path": self.path, "headers": {k.lower(): v for k, v in self.headers.items()},
                             "body": raw.decode(errors="replace")})
        m = re.fullmatch(r"/2010-04-01/Accounts/([A-Za-z0-9]+)/Messages\.json", self.path)
        if not m:
            if self.server.receiver:
                return self.answer(200, {"received": True})
            return self.answer(404, {"code": 20404, "message": "The requested resource was not found"})
        expected = "Basic " + base64.b64encode(f"{self.server.sid}:{self.server.token}".encode()).decode()
        if m.group(1) != self.server.sid or self.headers.get("Authorization") != expected:
            return self.answer(401, {"code": 20003, "message": "Authenticate", "status": 401})
        with LOCK:
            if STATE["fail"] > 0:
                STATE["fail"] -= 1
                return self.answer(503, {"code": 20503, "message": "Service unavailable", "status": 503})
        form = urllib.parse.parse_qs(raw.decode(), keep_blank_values=True)
        to, sender, text = (form.get(k, [""])[0] for k in ("To", "From", "Body"))
        if not E164.match(to):
            return self.answer(400, {"code": 21211, "status": 400,
                                     "message": f"The 'To' number {to} is not a valid phone number."})
        if not sender:
            return self.answer(400, {"code": 21603, "status": 400, "message": "A 'From' phone number is required."})
        if not text:
            return self.answer(400, {"code": 21602, "status": 400, "message": "Message body is required."})
        msg = {"sid": "SM" + secrets.token_hex(16), "account_sid": self.server.sid, "to": to, "from": sender,
               "body": text, "status": "queued", "num_segments": str(1 + len(text) // 160)}
        with LOCK:
            MESSAGES.append(msg)
        self.answer(201, msg)


def make_cert(state_dir):
    cert, key = os.path.join(state_dir, "sms.pem"), os.path.join(state_dir, "sms.key")
    if not os.path.exists(cert):
        subprocess.run(["openssl", "req", "-x509", "-newkey", "ec", "-pkeyopt", "ec_paramgen_curve:prime256v1",
                        "-nodes", "-days", "30", "-subj", "/CN=127.0.0.1", "-keyout", key, "-out", cert],
                       check=True, capture_output=True)
    return cert, key


def main():
    p = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    p.add_argument("--port", type=int, default=0)
    p.add_argument("--account-sid", required=True)
    p.add_argument("--auth-token", required=True)
    p.add_argument("--state-dir")
    p.add_argument("--fail-first", type=int, default=0)
    p.add_argument("--receiver", action="store_true")
    a = p.parse_args()
    state_dir = a.state_dir or tempfile.mkdtemp(prefix="sms-sim-")
    os.makedirs(state_dir, exist_ok=True)
    cert, key = make_cert(state_dir)
    STATE["fail"] = a.fail_first
    server = ThreadingHTTPServer(("127.0.0.1", a.port), Handler)
    server.sid, server.token, server.receiver = a.account_sid, a.auth_token, a.receiver
    ctx = ssl.SSLContext(ssl.PROTOCOL_TLS_SERVER)
    ctx.load_cert_chain(cert, key)
    server.socket = ctx.wrap_socket(server.socket, server_side=True)
    port = server.server_address[1]
    print(json.dumps({"port": port, "url": f"https://127.0.0.1:{port}", "ca-file": cert}), flush=True)
    server.serve_forever()


if __name__ == "__main__":
    main()
