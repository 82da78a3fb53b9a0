#!/usr/bin/python3
"""A local online payment provider speaking the protocol mgmtd's adapter speaks (modelled on Stripe),
for tests and the demo, since no real provider can be reached here (issue 24, ADR 0039). Python 3
standard library only.

  POST /v1/checkout/sessions      Authorization: Bearer SECRET_KEY, form-encoded (mode=payment,
                                  line_items[0][price_data][currency|unit_amount|product_data][name]],
                                  line_items[0][quantity], client_reference_id, metadata[...],
                                  success_url, cancel_url); Idempotency-Key: the same key and body
                                  answer the first session again, the same key with another body 400.
                                  -> 200 {"id": "cs_test_...", "object": "checkout.session", "url", ...}
  GET  /v1/checkout/sessions/ID   the session
  GET  /pay/ID                    the hosted checkout page (a form with a Pay button)
  POST /pay/ID                    pays: the session completes and a checkout.session.completed event
                                  is delivered to the webhook URL, signed
                                  Stripe-Signature: t=T,v1=HMAC-SHA256(webhook secret, "T.body"),
                                  with retries (a fresh signature each attempt) until a 2xx answer
  POST /v1/refunds                Authorization: Bearer SECRET_KEY, form-encoded payment_intent[, amount]
                                  (default: what is left of the payment): the refund succeeds at once
                                  and a refund.created event (object "refund", status "succeeded") is
                                  delivered like the others. -> 200 {"id": "re_...", "object": "refund", ...}
                                  Idempotency-Key: the same key and body give the first refund back
  For tests (loopback only): GET /_sim/events (every event with its deliveries: status, signature
  header, body), POST /_sim/events/ID/resend (deliver once more, a fresh signature: a duplicate),
  POST /_sim/disputes (JSON {"payment_intent", "amount"}: the cardholder disputes the payment; a
  charge.dispute.created event, object "dispute", status "needs_response") and
  POST /_sim/disputes/ID/close (JSON {"status": "won"|"lost"}: a charge.dispute.closed event).

Usage: payment_provider_sim.py --secret-key SK --webhook-secret WHSEC --webhook-url URL
         [--port 0] [--webhook-ca PEM] [--state-dir DIR] [--max-attempts 30]
Prints one JSON line when ready: {"port": P, "url": "https://127.0.0.1:P", "ca-file": PEM}.
The server's certificate is made with openssl (CN 127.0.0.1) in --state-dir (a temporary folder
by default); mgmtd trusts it through payments.provider-ca-file.
"""
import argparse
import hashlib
import hmac
import html
import json
import os
import queue
import secrets
import ssl
import subprocess
import sys
import tempfile
import threading
import time
import urllib.error
import urllib.parse
import urllib.request
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

MAX_BODY = 64 * 1024


class Provider:
    def __init__(self, args, base_url):
        self.args = args
        self.base_url = base_url
        self.lock = threading.Lock()
        self.sessions = {}      # id -> session dict
        self.idempotency = {}   # key -> (body, response)
        self.events = {}        # id -> {"event": dict, "deliveries": [...], "acknowledged": bool}
        self.intents = {}       # payment intent -> {"amount", "currency", "refunded"}
        self.disputes = {}      # id -> dispute dict
        self.order = []
        self.outbox = queue.Queue()
        self.ssl_context = ssl.create_default_context(cafile=args.webhook_ca) if args.webhook_ca else ssl._create_unverified_context()
        self.ssl_context.check_hostname = False
        for _ in range(4):
            threading.Thread(target=self._deliver_loop, daemon=True).start()

    # ---- checkout ----
    def create_session(self, form):
        def one(name, default=None):
            v = form.get(name)
            return v[0] if v else default
        if one("mode") != "payment":
            return 400, {"error": {"type": "invalid_request_error", "param": "mode", "message": "mode must be payment"}}
        currency = one("line_items[0][price_data][currency]", "")
        try:
            unit = int(one("line_items[0][price_data][unit_amount]", ""))
            qty = int(one("line_items[0][quantity]", "1"))
        except ValueError:
            return 400, {"error": {"type": "invalid_request_error", "param": "line_items[0][price_data][unit_amount]",
                                   "message": "unit_amount must be an integer"}}
        if not currency or unit <= 0 or qty <= 0:
            return 400, {"error": {"type": "invalid_request_error", "param": "line_items",
                                   "message": "a line item needs a currency, a positive unit_amount and quantity"}}
        sid = "cs_test_" + secrets.token_hex(12)
        session = {"id": sid, "object": "checkout.session", "mode": "payment", "status": "open",
                   "payment_status": "unpaid", "amount_total": unit * qty, "currency": currency,
                   "client_reference_id": one("client_reference_id"), "payment_intent": None,
                   "metadata": {k[9:-1]: v[0] for k, v in form.items() if k.startswith("metadata[") and k.endswith("]")},
                   "success_url": one("success_url"), "cancel_url": one("cancel_url"),
                   "url": f"{self.base_url}/pay/{sid}", "created": int(time.time())}
        self.sessions[sid] = session
        return 200, session

    def pay(self, sid):
        with self.lock:
            s = self.sessions.get(sid)
            if s is None:
                return None, False
            if s["payment_status"] == "paid":
                return s, False
            s["status"], s["payment_status"] = "complete", "paid"
            s["payment_intent"] = "pi_" + secrets.token_hex(12)
            self.intents[s["payment_intent"]] = {"amount": s["amount_total"], "currency": s["currency"], "refunded": 0}
            event_id = self._event_locked("checkout.session.completed", dict(s))
        self.outbox.put((event_id, 0))
        return s, True

    def _event_locked(self, kind, obj):
        event = {"id": "evt_" + secrets.token_hex(12), "object": "event", "type": kind,
                 "created": int(time.time()), "data": {"object": obj}}
        self.events[event["id"]] = {"event": event, "deliveries": [], "acknowledged": False}
        self.order.append(event["id"])
        return event["id"]

    def refund(self, form):
        """A refund of a paid payment intent (all that is left of it by default)."""
        intent = (form.get("payment_intent") or [""])[0]
        with self.lock:
            paid = self.intents.get(intent)
            if paid is None:
                return 404, {"error": {"type": "invalid_request_error", "param": "payment_intent",
                                       "message": f"No such payment_intent: '{intent}'"}}
            left = paid["amount"] - paid["refunded"]
            try:
                amount = int((form.get("amount") or [str(left)])[0])
            except ValueError:
                amount = 0
            if amount <= 0 or amount > left:
                return 400, {"error": {"type": "invalid_request_error", "param": "amount",
                                       "message": f"amount must be 1..{left}"}}
            paid["refunded"] += amount
            refund = {"id": "re_" + secrets.token_hex(12), "object": "refund", "amount": amount,
                      "currency": paid["currency"], "payment_intent": intent, "status": "succeeded",
                      "created": int(time.time())}
            event_id = self._event_locked("refund.created", dict(refund))
        self.outbox.put((event_id, 0))
        return 200, refund

    def dispute(self, intent, amount):
        with self.lock:
            paid = self.intents.get(intent)
            if paid is None:
                return 404, {"error": "no such payment_intent"}
            d = {"id": "dp_" + secrets.token_hex(12), "object": "dispute", "amount": int(amount or paid["amount"]),
                 "currency": paid["currency"], "payment_intent": intent, "status": "needs_response",
                 "reason": "fraudulent", "created": int(time.time())}
            self.disputes[d["id"]] = d
            event_id = self._event_locked("charge.dispute.created", dict(d))
        self.outbox.put((event_id, 0))
        return 200, d

    def close_dispute(self, dispute_id, status):
        with self.lock:
            d = self.disputes.get(dispute_id)
            if d is None or status not in ("won", "lost"):
                return 404, {"error": "no such dispute, or status is not won or lost"}
            d["status"] = status
            event_id = self._event_locked("charge.dispute.closed", dict(d))
        self.outbox.put((event_id, 0))
        return 200, d

    # ---- webhooks ----
    def sign(self, body, t=None):
        t = int(time.time()) if t is None else t
        mac = hmac.new(self.args.webhook_secret.encode(), f"{t}.".encode() + body, hashlib.sha256).hexdigest()
        return f"t={t},v1={mac}"

    def deliver(self, event_id):
        """One delivery attempt; True when acknowledged (2xx)."""
        with self.lock:
            record = self.events[event_id]
            body = json.dumps(record["event"], separators=(",", ":")).encode()
        header = self.sign(body)
        req = urllib.request.Request(self.args.webhook_url, data=body, method="POST",
                                     headers={"Content-Type": "application/json", "Stripe-Signature": header,
                                              "User-Agent": "payment-provider-sim/1"})
        status, answer = 0, ""
        try:
            with urllib.request.urlopen(req, timeout=10, context=self.ssl_context) as r:
                status, answer = r.status, r.read(65536).decode(errors="replace")
        except urllib.error.HTTPError as e:
            status, answer = e.code, e.read(65536).decode(errors="replace")
        except Exception as e:  # refused, reset, timeout: the receiver is down
            answer = f"{type(e).__name__}: {e}"
        with self.lock:
            record["deliveries"].append({"at": time.time(), "status": status, "answer": answer[:500],
                                         "signature": header, "body": body.decode()})
            if 200 <= status < 300:
                record["acknowledged"] = True
        return 200 <= status < 300

    def _deliver_loop(self):
        while True:
            event_id, attempt = self.outbox.get()
            if self.deliver(event_id):
                continue
            if attempt + 1 >= self.args.max_attempts:
                continue
            delay = min(0.2 * (2 ** attempt), 5.0)
            threading.Timer(delay, self.outbox.put, args=((event_id, attempt + 1),)).start()


def make_handler(provider):
    class Handler(BaseHTTPRequestHandler):
        protocol_version = "HTTP/1.1"

        def log_message(self, fmt, *a):  # quiet; the state is in /_sim/events
            pass

        def send(self, status, body, content_type="application/json"):
            data = body if isinstance(body, bytes) else (json.dumps(body) if not isinstance(body, str) else body).encode()
            self.send_response(status)
            self.send_header("Content-Type", content_type)
            self.send_header("Content-Length", str(len(data)))
            self.send_header("Connection", "close")
            self.end_headers()
            self.wfile.write(data)
            self.close_connection = True

        def body(self):
            n = int(self.headers.get("Content-Length") or 0)
            if n > MAX_BODY:
                raise ValueError("body too large")
            return self.rfile.read(n)

        def authorized(self):
            if self.headers.get("Authorization", "") != "Bearer " + provider.args.secret_key:
                self.send(401, {"error": {"type": "authentication_error", "message": "Invalid API Key provided"}})
                return False
            return True

        def do_GET(self):
            path = urllib.parse.urlsplit(self.path).path
            if path.startswith("/v1/checkout/sessions/"):
                if not self.authorized():
                    return
                s = provider.sessions.get(path.rsplit("/", 1)[1])
                return self.send(200, s) if s else self.send(404, {"error": {"type": "invalid_request_error", "message": "No such checkout.session"}})
            if path.startswith("/pay/"):
                s = provider.sessions.get(path[5:])
                if s is None:
                    return self.send(404, "<!doctype html><title>Not found</title><p>No such checkout.", "text/html; charset=utf-8")
                amount = f"{s['amount_total'] / 100:.2f} {s['currency'].upper()}"
                paid = s["payment_status"] == "paid"
                page = ("<!doctype html><html lang=en><head><meta charset=utf-8>"
                        "<meta name=viewport content='width=device-width, initial-scale=1'><title>Pay</title></head>"
                        f"<body><main><h1>Pay {html.escape(amount)}</h1>"
                        f"<p>For {html.escape(str(s['client_reference_id'] or ''))}</p>"
                        + ("<p id=state>Paid. Thank you.</p>" if paid else
                           f"<form method=post action='/pay/{html.escape(s['id'])}'><button type=submit>Pay {html.escape(amount)}</button></form>")
                        + "</main></body></html>")
                return self.send(200, page, "text/html; charset=utf-8")
            if path == "/_sim/events":
                with provider.lock:
                    return self.send(200, [provider.events[i] for i in provider.order])
            return self.send(404, {"error": {"type": "invalid_request_error", "message": "Unrecognized request URL"}})

        def do_POST(self):
            path = urllib.parse.urlsplit(self.path).path
            try:
                raw = self.body()
            except ValueError:
                return self.send(413, {"error": {"type": "invalid_request_error", "message": "body too large"}})
            if path == "/v1/checkout/sessions":
                if not self.authorized():
                    return
                key = self.headers.get("Idempotency-Key")
                with provider.lock:
                    if key and key in provider.idempotency:
                        first_body, first = provider.idempotency[key]
                        if first_body != raw:
                            return self.send(400, {"error": {"type": "idempotency_error",
                                                             "message": "Keys for idempotent requests can only be used with the same parameters they were first used with."}})
                        return self.send(first[0], first[1])
                    status, answer = provider.create_session(urllib.parse.parse_qs(raw.decode(), keep_blank_values=True))
                    if key:
                        provider.idempotency[key] = (raw, (status, answer))
                return self.send(status, answer)
            if path.startswith("/pay/"):
                s, _ = provider.pay(path[5:])
                if s is None:
                    return self.send(404, "<!doctype html><title>Not found</title><p>No such checkout.", "text/html; charset=utf-8")
                return self.send(200, "<!doctype html><html lang=en><head><meta charset=utf-8><title>Paid</title></head>"
                                      "<body><main><h1>Payment received</h1><p id=state>Paid. Thank you.</p></main></body></html>",
                                 "text/html; charset=utf-8")
            if path == "/v1/refunds":
                if not self.authorized():
                    return
                # Idempotency-Key as for checkouts: the same key and body give the first refund back.
                key = self.headers.get("Idempotency-Key")
                with provider.lock:
                    if key and ("refund", key) in provider.idempotency:
                        first_body, first = provider.idempotency[("refund", key)]
                        if first_body != raw:
                            return self.send(400, {"error": {"type": "idempotency_error",
                                                             "message": "Keys for idempotent requests can only be used with the same parameters they were first used with."}})
                        return self.send(first[0], first[1])
                status, answer = provider.refund(urllib.parse.parse_qs(raw.decode(), keep_blank_values=True))
                if key and status == 200:
                    with provider.lock:
                        provider.idempotency[("refund", key)] = (raw, (status, answer))
                return self.send(status, answer)
            if path == "/_sim/disputes":
                try:
                    ask = json.loads(raw or b"{}")
                except ValueError:
                    return self.send(400, {"error": "a JSON body is expected"})
                status, answer = provider.dispute(ask.get("payment_intent", ""), ask.get("amount"))
                return self.send(status, answer)
            if path.startswith("/_sim/disputes/") and path.endswith("/close"):
                try:
                    ask = json.loads(raw or b"{}")
                except ValueError:
                    return self.send(400, {"error": "a JSON body is expected"})
                status, answer = provider.close_dispute(path[len("/_sim/disputes/"):-len("/close")], ask.get("status"))
                return self.send(status, answer)
            if path.startswith("/_sim/events/") and path.endswith("/resend"):
                event_id = path[len("/_sim/events/"):-len("/resend")]
                if event_id not in provider.events:
                    return self.send(404, {"error": "no such event"})
                ok = provider.deliver(event_id)
                with provider.lock:
                    return self.send(200, {"acknowledged": ok, "delivery": provider.events[event_id]["deliveries"][-1]})
            return self.send(404, {"error": {"type": "invalid_request_error", "message": "Unrecognized request URL"}})

    return Handler


def make_certificate(folder):
    cert, key = os.path.join(folder, "provider.pem"), os.path.join(folder, "provider.key")
    if not os.path.exists(cert):
        subprocess.run(["openssl", "req", "-x509", "-newkey", "ec", "-pkeyopt", "ec_paramgen_curve:prime256v1",
                        "-nodes", "-days", "30", "-subj", "/CN=127.0.0.1", "-keyout", key, "-out", cert],
                       check=True, capture_output=True)
    return cert, key


def main():
    p = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    p.add_argument("--port", type=int, default=0)
    p.add_argument("--secret-key", required=True)
    p.add_argument("--webhook-secret", required=True)
    p.add_argument("--webhook-url", required=True)
    p.add_argument("--webhook-ca", help="PEM to verify the webhook receiver (default: not verified)")
    p.add_argument("--state-dir", help="where the certificate is kept (default: a temporary folder)")
    p.add_argument("--max-attempts", type=int, default=30)
    args = p.parse_args()
    folder = args.state_dir or tempfile.mkdtemp(prefix="provider-sim-")
    os.makedirs(folder, exist_ok=True)
    cert, key = make_certificate(folder)
    server = ThreadingHTTPServer(("127.0.0.1", args.port), None)
    port = server.server_address[1]
    base = f"https://127.0.0.1:{port}"
    provider = Provider(args, base)
    server.RequestHandlerClass = make_handler(provider)
    context = ssl.SSLContext(ssl.PROTOCOL_TLS_SERVER)
    context.load_cert_chain(cert, key)
    server.socket = context.wrap_socket(server.socket, server_side=True)
    server.daemon_threads = True
    print(json.dumps({"port": port, "url": base, "ca-file": cert}), flush=True)
    try:
        server.serve_forever()
    except KeyboardInterrupt:
        pass


if __name__ == "__main__":
    sys.exit(main())
