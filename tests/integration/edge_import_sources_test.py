"""`edgectl import --source mikrotik-um` and `--source splynx` (issue 30) against a real edged, one
daemon for both: the dry run changes nothing and counts what the unit tests expect; the apply
creates the plans (quotas, validity, prices with --currency, a tariff's name with a blank) and the
subscribers the box then authenticates with radclient (a User Manager password with a quote, a
backslash and a blank; a Splynx service with its static IP); a blocked Splynx customer is suspended
and a disabled User Manager user is refused; a second run changes nothing."""
import json
import os
import subprocess
import sys
import unittest

sys.path.insert(0, os.path.dirname(__file__))
from edgelib import Edged, TempDir  # noqa: E402

SECRET = "import-sources-secret-0123"
HERE = os.path.join(os.path.dirname(__file__), "..", "import")
UM = os.path.join(HERE, "mikrotik_um.rsc")
SPLYNX = os.path.join(HERE, "splynx")


def radclient(port, lines):
    r = subprocess.run(["radclient", "-x", "-r", "1", "-t", "2", f"127.0.0.1:{port}", "auth", SECRET],
                       input="\n".join(lines + ["Message-Authenticator = 0x00"]) + "\n", capture_output=True, text=True,
                       timeout=20)
    return r.stdout + r.stderr


class ImportSources(unittest.TestCase):
    @classmethod
    def setUpClass(cls):
        cls.tmp = TempDir("edge-import-src-")
        cls.edged = Edged(os.path.join(cls.tmp.path, "box")).start()
        cls.edged.ctl("nas", "add", "--name", "bras", "--address", "127.0.0.1", "--secret", SECRET, "--vendor", "mikrotik")
        cls.auth_port = cls.edged.ctl_json("status")["radius"]["auth-port"]

    @classmethod
    def tearDownClass(cls):
        cls.edged.stop()
        cls.tmp.cleanup()

    def run_import(self, source, path, *extra):
        r = self.edged.ctl("import", "--source", source, "--from", path, "--currency", "USD", *extra, check=False,
                           json_out=True)
        self.assertEqual(r.returncode, 0, r.stdout + r.stderr)
        return json.loads(r.stdout)

    def test_mikrotik_user_manager(self):
        dry = self.run_import("mikrotik-um", UM, "--dry-run")
        self.assertEqual((dry["counts"]["entries"], dry["counts"]["importable"], dry["counts"]["plans"]), (7, 5, 4))
        self.assertNotIn("alice-secret", json.dumps(dry))
        self.assertNotIn("home-10", {p["name"] for p in self.edged.ctl_json("plan", "list")})
        out = self.run_import("mikrotik-um", UM)
        self.assertEqual((out["plans-added"], out["imported"], out["failed"], out["not-importable"]), (4, 5, 0, 2))
        plans = {p["name"]: p for p in self.edged.ctl_json("plan", "list")}
        self.assertEqual((plans["home-10-x2"]["max-sessions"], plans["home-10-x2"]["data-quota"],
                          plans["home-10-x2"]["price-minor"]), (2, "50GiB", 1999))
        self.assertEqual((plans["hotspot-day"]["time-quota"], plans["hotspot-day"]["validity"]), ("30h", "1d"))
        ok = radclient(self.auth_port, ['User-Name = "bob"', 'User-Password = "b\\"o b\\\\1"',
                                        'Calling-Station-Id = "AA:BB:CC:DD:EE:02"'])
        self.assertIn("Access-Accept", ok)
        self.assertIn("198.51.100.20", ok)
        self.assertIn('Mikrotik-Rate-Limit = "5M/10M', ok)
        self.assertIn("Access-Reject", radclient(self.auth_port, ['User-Name = "carol"', 'User-Password = "carol-pw"']))
        again = self.run_import("mikrotik-um", UM)
        self.assertEqual((again["plans-added"], again["plans-kept"], again["imported"], again["already-there"]),
                         (0, 4, 0, 5))

    def test_splynx(self):
        out = self.run_import("splynx", SPLYNX)
        self.assertEqual((out["plans-added"], out["imported"], out["failed"], out["not-importable"]), (2, 5, 0, 1))
        plans = {p["name"]: p for p in self.edged.ctl_json("plan", "list")}
        self.assertEqual((plans["Fiber 50"]["down"], plans["Fiber 50"]["burst-down"], plans["Fiber 50"]["price-minor"]),
                         ("50M", "75M", 2900))
        acme = self.edged.ctl_json("subscriber", "show", "--username", "acme-pppoe")
        self.assertEqual((acme["plan"], acme["static-ip"]), ("Business 100", "203.0.113.10"))
        self.assertTrue(acme["expires"].startswith("2027-06-30T23:59:59"), acme["expires"])
        self.assertEqual(self.edged.ctl_json("subscriber", "show", "--username", "mlate-pppoe")["status"], "suspended")
        ok = radclient(self.auth_port, ['User-Name = "acme-pppoe"', 'User-Password = "acme-pw"'])
        self.assertIn("Access-Accept", ok)
        self.assertIn("203.0.113.10", ok)
        self.assertIn("Access-Reject", radclient(self.auth_port, ['User-Name = "acme-pppoe"', 'User-Password = "nope"']))


if __name__ == "__main__":
    unittest.main()
