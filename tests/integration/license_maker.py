"""Licenses for the appliance tests, signed the way the management plane signs them (core/license.h):
an ECDSA P-256 key made with openssl, the license JSON signed with `openssl dgst -sha256 -sign`."""
import base64
import json
import os
import subprocess
import time

TIERS = {
    # mgmt/tiers.cpp's tiers, as the box sees them in a license.
    "free": (100, ["captive-portal"]),
    "basic": (1000, ["captive-portal", "vouchers", "snmp"]),
    "premium": (10000, ["captive-portal", "vouchers", "snmp", "fair-use", "api"]),
}


class LicenseKey:
    """The management plane's license key: `trusted_key` is the public half edged is given."""

    def __init__(self, folder):
        os.makedirs(folder, exist_ok=True)
        self.folder = folder
        self.private_key = os.path.join(folder, "license-signing-key.pem")
        self.trusted_key = os.path.join(folder, "license-trusted-key.pem")
        openssl("ecparam", "-name", "prime256v1", "-genkey", "-noout", "-out", self.private_key)
        openssl("ec", "-in", self.private_key, "-pubout", "-out", self.trusted_key)
        self.serial = 0

    def sign(self, tier="basic", **overrides):
        """A signed license file of `tier` (cap and features as mgmt issues them, overridable with
        subscriber_cap=, features=, expires_at=, grace_days=, ...); returns its path. Each one is issued
        a second later than the previous one, so it replaces it."""
        self.serial += 1
        now = int(time.time())
        cap, features = TIERS[tier]
        lic = {"id": f"L-{self.serial}", "tenant": "acme", "tier": tier, "subscriber-cap": cap,
               "features": features, "issued-at": now - 3600 + self.serial, "not-before": now - 3600,
               "expires-at": now + 365 * 86400, "grace-days": 14}
        for key, value in overrides.items():
            lic[key.replace("_", "-")] = value
        payload = json.dumps(lic).encode()
        body = os.path.join(self.folder, f"license-{self.serial}.json.payload")
        with open(body, "wb") as f:
            f.write(payload)
        signature = subprocess.run(["openssl", "dgst", "-sha256", "-sign", self.private_key, body], check=True,
                                   capture_output=True).stdout
        path = os.path.join(self.folder, f"license-{self.serial}.json")
        with open(path, "w") as f:
            json.dump({"format": "edge-license-1", "license": base64.b64encode(payload).decode(),
                       "signature": base64.b64encode(signature).decode()}, f)
        return path


def openssl(*args):
    r = subprocess.run(["openssl"] + list(args), capture_output=True, text=True, timeout=30)
    if r.returncode != 0:
        raise AssertionError(f"openssl {' '.join(args)}: {r.stderr}")
    return r.stdout
