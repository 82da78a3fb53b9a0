#!/usr/bin/python3
"""A local SMTP sink (Debian python3-aiosmtpd) for tests and the demo: it accepts every message on a
loopback port and keeps it, in memory and, when given a folder, as a maildir (one file per message in
DIR/new). mgmtd's outbox delivers to it over real SMTP (libcurl).

As a library:
    sink = SmtpSink(maildir=None).start()    # sink.port, sink.url ("smtp://127.0.0.1:PORT")
    msgs = sink.wait_for(lambda m: m["To"] == "a@b.example")   # email.message.EmailMessage list
    sink.stop()
As a command (the demo): smtp_sink.py --maildir DIR [--port N] prints the port and serves until killed.
"""
import argparse
import email
import email.policy
import mailbox
import os
import signal
import socket
import sys
import threading
import time

from aiosmtpd.controller import Controller


def _free_port():
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


class _Handler:
    def __init__(self, sink):
        self.sink = sink

    async def handle_DATA(self, server, session, envelope):
        message = email.message_from_bytes(envelope.original_content or envelope.content, policy=email.policy.default)
        self.sink._keep(envelope.mail_from, list(envelope.rcpt_tos), message, envelope.original_content or envelope.content)
        return "250 OK"


class SmtpSink:
    def __init__(self, maildir=None, port=0):
        self.maildir = mailbox.Maildir(maildir, create=True) if maildir else None
        self.port = port or _free_port()
        self.url = f"smtp://127.0.0.1:{self.port}"
        self.messages = []  # (envelope from, envelope recipients, EmailMessage)
        self._lock = threading.Lock()
        self._controller = None

    def _keep(self, mail_from, rcpt_tos, message, raw):
        with self._lock:
            self.messages.append((mail_from, rcpt_tos, message))
            if self.maildir is not None:
                self.maildir.add(raw)

    def start(self):
        self._controller = Controller(_Handler(self), hostname="127.0.0.1", port=self.port)
        self._controller.start()
        return self

    def stop(self):
        if self._controller is not None:
            self._controller.stop()
            self._controller = None

    def received(self):
        with self._lock:
            return [m for _, _, m in self.messages]

    def wait_for(self, predicate, timeout=30.0, count=1):
        """The messages `predicate` accepts, once there are at least `count` of them."""
        deadline = time.time() + timeout
        while time.time() < deadline:
            found = [m for m in self.received() if predicate(m)]
            if len(found) >= count:
                return found
            time.sleep(0.1)
        raise AssertionError(f"no mail after {timeout}s; received: {[(m['To'], m['Subject']) for m in self.received()]}")


def text_of(message):
    """The text/plain part of a message, decoded."""
    part = message.get_body(preferencelist=("plain",))
    return part.get_content() if part is not None else ""


def html_of(message):
    part = message.get_body(preferencelist=("html",))
    return part.get_content() if part is not None else ""


def main():
    parser = argparse.ArgumentParser(description="a local SMTP sink writing a maildir")
    parser.add_argument("--maildir", required=True)
    parser.add_argument("--port", type=int, default=0)
    args = parser.parse_args()
    sink = SmtpSink(os.path.abspath(args.maildir), args.port).start()
    print(sink.port, flush=True)
    stop = threading.Event()
    signal.signal(signal.SIGTERM, lambda *_: stop.set())
    signal.signal(signal.SIGINT, lambda *_: stop.set())
    stop.wait()
    sink.stop()


if __name__ == "__main__":
    sys.exit(main())
