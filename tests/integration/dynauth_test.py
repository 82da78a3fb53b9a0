"""RFC 5176 Dynamic Authorization end to end over real UDP: dynauth_tool (aaa::radius::DynAuthClient)
against fake_nas.py (an independent NAS written from the RFCs). The fake NAS logs what it received;
the tool prints the result and the client's counters as JSON."""
import json
import os
import signal
import subprocess
import sys
import time
import unittest

sys.path.insert(0, os.path.dirname(__file__))
from edgelib import TempDir, binary, check  # noqa: E402

HERE = os.path.dirname(os.path.abspath(__file__))
SECRET = "coa-s3cret"
# A short policy keeps the timeout cases quick: transmissions at 0, 200 and 600 ms, give up at 1 s.
FAST = ["--irt-ms", "200", "--mrc", "3", "--mrt-ms", "400", "--mrd-ms", "2000", "--no-jitter"]
SESSION = ["--attr", "User-Name=alice", "--attr", "Acct-Session-Id=81a00001", "--attr",
           "Framed-IP-Address=100.64.0.7", "--attr", "NAS-IP-Address=127.0.0.1"]


class FakeNasProcess:
    def __init__(self, root, *args, address="127.0.0.1"):
        self.log_path = os.path.join(root, f"nas-{time.monotonic_ns()}.jsonl")
        ready = self.log_path + ".ready"
        self.proc = subprocess.Popen(
            ["/usr/bin/python3", os.path.join(HERE, "fake_nas.py"), "--address", address, "--port", "0",
             "--secret", SECRET, "--log", self.log_path, "--ready-file", ready] + list(args),
            stdout=subprocess.DEVNULL, stderr=subprocess.PIPE)
        deadline = time.time() + 10
        while not os.path.exists(ready):
            if self.proc.poll() is not None or time.time() > deadline:
                raise AssertionError("fake_nas.py did not start: " + self.proc.stderr.read().decode())
            time.sleep(0.02)
        with open(ready) as f:
            self.port = json.load(f)["port"]

    def stop(self):
        if self.proc.poll() is None:
            self.proc.send_signal(signal.SIGTERM)
            self.proc.wait(timeout=5)
        self.proc.stderr.close()

    def entries(self, at_least=0, timeout=5.0):
        """What the NAS logged, once it holds `at_least` entries (fake_nas.py logs each datagram before
        it answers, so an answered request is always there already)."""
        deadline = time.time() + timeout
        while True:
            seen = []
            if os.path.exists(self.log_path):
                with open(self.log_path) as f:
                    seen = [json.loads(line) for line in f if line.strip()]
            if len(seen) >= at_least or time.time() >= deadline:
                return seen
            time.sleep(0.02)


def attrs(entry):
    return {a["name"]: a["value"] for a in entry.get("attributes", [])}


class DynAuth(unittest.TestCase):
    @classmethod
    def setUpClass(cls):
        cls.tmp = TempDir("edge-dynauth-")

    @classmethod
    def tearDownClass(cls):
        cls.tmp.cleanup()

    def setUp(self):
        self.nases = []

    def tearDown(self):
        for nas in self.nases:
            nas.stop()

    def nas(self, *args, address="127.0.0.1"):
        n = FakeNasProcess(self.tmp.path, *args, address=address)
        self.nases.append(n)
        return n

    def tool(self, nas, *args, address="127.0.0.1", secret=SECRET, kind="--disconnect", attributes=SESSION):
        cmd = [binary("dynauth_tool"), "--address", address, "--port", str(nas.port), "--secret", secret, "--nas",
               "pop1-bras", kind] + list(attributes) + list(args)
        r = subprocess.run(cmd, capture_output=True, text=True, timeout=60)
        try:
            out = json.loads(r.stdout)
        except ValueError:
            self.fail(f"dynauth_tool printed no JSON (exit {r.returncode}): {r.stdout} {r.stderr}")
        out["exit"] = r.returncode
        out["counter"] = lambda name, nas_label="pop1-bras": self.counter(out, name, nas_label)
        return out

    @staticmethod
    def counter(out, name, nas_label):
        """Per-NAS value (radius_dynauth_server_*{nas=}) after checking it equals the total
        (radius_dynauth_client_*): one NAS per tool run."""
        per = [c["value"] for c in out["counters"]
               if c["name"] == "radius_dynauth_server_" + name and c["labels"].get("nas") == nas_label]
        tot = [c["value"] for c in out["counters"] if c["name"] == "radius_dynauth_client_" + name and not c["labels"]]
        check(len(per) == 1 and len(tot) == 1, f"counter {name} not registered")
        check(per[0] == tot[0], f"{name}: per NAS {per[0]} != total {tot[0]}")
        return per[0]

    # ---- answers ----

    def test_disconnect_ack(self):
        nas = self.nas("--mode", "ack")
        out = self.tool(nas)
        r = out["results"][0]
        self.assertEqual(out["exit"], 0, r)
        self.assertEqual(r["outcome"], "ack")
        self.assertEqual(r["reply_code"], "Disconnect-ACK")
        self.assertEqual(r["attempts"], 1)
        self.assertIn("Disconnect-ACK from pop1-bras (127.0.0.1:", r["message"])
        self.assertEqual(out["counter"]("disconnect_requests_total"), 1)
        self.assertEqual(out["counter"]("disconnect_acks_total"), 1)
        self.assertEqual(out["counter"]("disconnect_retransmissions_total"), 0)
        self.assertEqual(out["counter"]("disconnect_pending_requests"), 0)
        # What the NAS saw: one signed Disconnect-Request with the session's identity.
        seen = nas.entries(1)
        self.assertEqual(len(seen), 1, seen)
        e = seen[0]
        self.assertEqual(e["action"], "ack")
        self.assertEqual(e["code"], 40)
        self.assertEqual(e["id"], r["id"])
        self.assertEqual(e["message_authenticator"], "valid")
        self.assertTrue(e["message_authenticator_first"])
        self.assertLessEqual(abs(e["event_timestamp_skew"]), 5)
        a = attrs(e)
        self.assertEqual(a["User-Name"], "alice")
        self.assertEqual(a["Acct-Session-Id"], "81a00001")
        self.assertEqual(a["Framed-IP-Address"], "100.64.0.7")
        self.assertEqual(a["NAS-IP-Address"], "127.0.0.1")

    def test_nak_reports_error_cause_503(self):
        nas = self.nas("--mode", "nak", "--error-cause", "503")
        out = self.tool(nas)
        r = out["results"][0]
        self.assertEqual(out["exit"], 1, r)
        self.assertEqual(r["outcome"], "nak")
        self.assertEqual(r["reply_code"], "Disconnect-NAK")
        self.assertEqual(r["error_cause"], 503)
        self.assertEqual(r["error_cause_text"], "Session Context Not Found")
        self.assertIn("503 Session Context Not Found", r["message"])
        self.assertIn({"name": "Error-Cause", "value": "503"}, r["reply_attributes"])
        self.assertEqual(out["counter"]("disconnect_naks_total"), 1)
        self.assertEqual(out["counter"]("disconnect_nak_session_no_context_total"), 1)

    def test_nak_404_invalid_request(self):
        nas = self.nas("--mode", "nak", "--error-cause", "404")
        r = self.tool(nas, kind="--coa")["results"][0]
        self.assertEqual((r["outcome"], r["error_cause"], r["error_cause_text"]), ("nak", 404, "Invalid Request"))
        self.assertEqual(r["reply_code"], "CoA-NAK")

    def test_coa_carries_the_mikrotik_rate_limit(self):
        nas = self.nas("--mode", "ack")
        out = self.tool(nas, "--change", "Mikrotik-Rate-Limit=2M/10M", kind="--coa")
        r = out["results"][0]
        self.assertEqual(r["outcome"], "ack", r)
        self.assertEqual(r["reply_code"], "CoA-ACK")
        self.assertEqual(out["counter"]("coa_requests_total"), 1)
        self.assertEqual(out["counter"]("coa_acks_total"), 1)
        self.assertEqual(out["counter"]("disconnect_requests_total"), 0)
        e = nas.entries(1)[0]
        self.assertEqual(e["code_name"], "CoA-Request")
        rate = [a for a in e["attributes"] if a["name"] == "Mikrotik-Rate-Limit"]
        self.assertEqual(rate, [{"vendor": 14988, "type": 8, "name": "Mikrotik-Rate-Limit", "value": "2M/10M"}])
        self.assertEqual(attrs(e)["User-Name"], "alice")

    def test_ipv6_target(self):
        nas = self.nas("--mode", "ack", address="::1")
        out = self.tool(nas, address="::1")
        r = out["results"][0]
        self.assertEqual(r["outcome"], "ack", r)
        self.assertIn("([::1]:", r["message"])
        self.assertEqual(nas.entries(1)[0]["source"], "::1")

    # ---- retransmission (RFC 5080 section 2.2.1) ----

    def test_silence_times_out_after_the_configured_retransmissions(self):
        nas = self.nas("--mode", "silent")
        out = self.tool(nas, *FAST)
        r = out["results"][0]
        self.assertEqual(out["exit"], 2, r)
        self.assertEqual(r["outcome"], "timeout")
        self.assertEqual(r["attempts"], 3)
        self.assertGreaterEqual(r["elapsed_ms"], 1000)   # 0, 200, 600, then one RT of 400 ms: never sooner
        self.assertIn("after 3 transmissions", r["message"])
        self.assertEqual(out["counter"]("disconnect_requests_total"), 1)
        self.assertEqual(out["counter"]("disconnect_retransmissions_total"), 2)
        self.assertEqual(out["counter"]("disconnect_timeouts_total"), 1)
        # The NAS got the very same datagram three times: same id, authenticator and bytes.
        seen = nas.entries(3)
        self.assertEqual(len(seen), 3, seen)
        self.assertEqual([e["reception"] for e in seen], [1, 2, 3])
        self.assertEqual(len({e["raw"] for e in seen}), 1)
        self.assertEqual(len({(e["source_port"], e["id"]) for e in seen}), 1)
        self.assertEqual(seen[0]["id"], r["id"])
        # Spread over the schedule (0.6 s from first to last; loosely: the machine may be busy).
        self.assertGreater(seen[2]["time"] - seen[0]["time"], 0.4)

    def test_answer_after_one_retransmission(self):
        nas = self.nas("--mode", "ack", "--answer-after", "1")
        out = self.tool(nas, "--irt-ms", "500", "--mrc", "3", "--mrt-ms", "1000", "--mrd-ms", "3000", "--no-jitter")
        r = out["results"][0]
        self.assertEqual(r["outcome"], "ack", r)
        self.assertEqual(r["attempts"], 2)
        self.assertEqual(out["counter"]("disconnect_retransmissions_total"), 1)
        seen = nas.entries(2)
        self.assertEqual([e["action"] for e in seen], ["silent (answer-after)", "ack"])
        self.assertEqual(seen[0]["raw"], seen[1]["raw"])
        self.assertTrue(seen[1]["retransmission"])

    def test_default_policy_gives_up_after_four_transmissions(self):
        # RFC 5080's schedule with the defaults (2 s, doubling, 10 s in all): the fourth transmission is
        # the last, and the wait for its answer ends the request, not a fifth one.
        nas = self.nas("--mode", "silent")
        out = self.tool(nas)
        r = out["results"][0]
        self.assertEqual(r["outcome"], "timeout")
        self.assertEqual(r["attempts"], 4)
        self.assertGreaterEqual(r["elapsed_ms"], 9000)  # never before the schedule's end
        self.assertEqual(len(nas.entries(4)), 4)

    # ---- replies that must be ignored (RFC 5176 sections 2.3, 3.4, 6.3) ----

    def test_reply_from_the_wrong_port_is_ignored(self):
        nas = self.nas("--mode", "wrong-port")
        out = self.tool(nas, *FAST)
        r = out["results"][0]
        self.assertEqual(r["outcome"], "timeout", r)
        self.assertEqual(r["ignored_replies"], 3)
        self.assertIn("from another address or port", r["message"])
        self.assertEqual(out["counter"]("disconnect_invalid_server_addresses_total"), 3)
        self.assertEqual(out["counter"]("disconnect_acks_total"), 0)

    def test_reply_with_a_bad_authenticator_is_ignored(self):
        nas = self.nas("--mode", "bad-authenticator")
        out = self.tool(nas, *FAST, kind="--coa")
        r = out["results"][0]
        self.assertEqual(r["outcome"], "timeout", r)
        self.assertIn("bad authenticator (check the shared secret)", r["message"])
        self.assertEqual(out["counter"]("coa_bad_authenticators_total"), 3)
        self.assertEqual(out["counter"]("coa_acks_total"), 0)

    def test_decoys_are_ignored_and_the_real_reply_is_taken(self):
        nas = self.nas("--mode", "decoys")
        out = self.tool(nas)
        r = out["results"][0]
        self.assertEqual(r["outcome"], "ack", r)
        self.assertEqual(r["ignored_replies"], 5)
        self.assertEqual(out["counter"]("disconnect_invalid_server_addresses_total"), 1)
        self.assertEqual(out["counter"]("disconnect_packets_dropped_total"), 1)   # other identifier
        self.assertEqual(out["counter"]("disconnect_bad_authenticators_total"), 1)
        self.assertEqual(out["counter"]("unknown_types_total"), 1)                # Access-Accept
        self.assertEqual(out["counter"]("disconnect_malformed_responses_total"), 1)
        self.assertEqual(out["counter"]("disconnect_naks_total"), 0)

    def test_stale_event_timestamp_in_the_reply_is_ignored(self):
        nas = self.nas("--mode", "ack", "--reply-event-timestamp-offset", "-1000")
        out = self.tool(nas, *FAST)
        r = out["results"][0]
        self.assertEqual(r["outcome"], "timeout", r)
        self.assertIn("check the NAS's clock", r["message"])
        self.assertEqual(out["counter"]("disconnect_packets_dropped_total"), 3)

    def test_reply_without_message_authenticator_is_refused_by_default(self):
        # Regression (issue 19): an ACK without Message-Authenticator was accepted on the MD5 Response
        # Authenticator alone.
        nas = self.nas("--mode", "ack", "--no-reply-message-authenticator")
        r = self.tool(nas, *FAST)["results"][0]
        self.assertEqual(r["outcome"], "timeout", r)
        self.assertIn("without the required Message-Authenticator", r["message"])
        r = self.tool(nas, *FAST, "--allow-reply-without-message-authenticator")["results"][0]
        self.assertEqual(r["outcome"], "ack", r)

    # ---- the NAS's side ----

    def test_nas_discards_a_request_signed_with_another_secret(self):
        nas = self.nas("--mode", "ack")
        r = self.tool(nas, *FAST, secret="not-the-nas-secret")["results"][0]
        self.assertEqual(r["outcome"], "timeout", r)
        seen = nas.entries(3)
        self.assertEqual(len(seen), 3)
        self.assertEqual({e["action"] for e in seen}, {"discarded: bad Request Authenticator"})

    def test_consecutive_requests_use_new_identifiers_and_source_ports(self):
        nas = self.nas("--mode", "ack")
        out = self.tool(nas, "--repeat", "3")
        self.assertEqual([r["outcome"] for r in out["results"]], ["ack"] * 3)
        seen = nas.entries(3)
        self.assertEqual(len(seen), 3)
        self.assertEqual(len({e["id"] for e in seen}), 3)
        self.assertEqual(len({e["source_port"] for e in seen}), 3)
        self.assertEqual([e["id"] for e in seen], [r["id"] for r in out["results"]])
        self.assertEqual(out["counter"]("disconnect_acks_total"), 3)
        self.assertEqual(len({e["authenticator"] for e in seen}), 3)

    def test_argument_errors_are_reported_not_sent(self):
        nas = self.nas("--mode", "ack")
        out = self.tool(nas, attributes=[])
        r = out["results"][0]
        self.assertEqual((out["exit"], r["outcome"]), (3, "error"))
        self.assertIn("identification", r["message"])
        self.assertEqual(nas.entries(), [])


if __name__ == "__main__":
    unittest.main(verbosity=2)
