#!/usr/bin/python3
"""fwtool as an operator runs it: keys from the openssl command line, a payload, build, sign,
inspect, verify; then the refusals, each with its exit status and its words: a tampered payload, a
tampered manifest, another key, a private key given as the public one, a bundle cut short, a
downgrade below the security floor, another hardware, an image that changes while it is built.

Environment (CTest sets it): EDGE_BIN, the build's bin folder.
"""
import hashlib
import json
import os
import subprocess
import sys
import tempfile
import time

BIN = os.environ.get("EDGE_BIN", os.path.join(os.path.dirname(__file__), "..", "..", "build", "bin"))
FWTOOL = os.path.join(BIN, "fwtool")
failures = []


def run(*args):
    p = subprocess.run([FWTOOL, *args], capture_output=True, text=True, timeout=60)
    return p.returncode, p.stdout + p.stderr


def check(cond, what):
    print(("ok   " if cond else "FAIL ") + what)
    if not cond:
        failures.append(what)


def keypair(d, name):
    key, pub = os.path.join(d, name + ".key"), os.path.join(d, name + ".pub")
    subprocess.run(["openssl", "ecparam", "-name", "prime256v1", "-genkey", "-noout", "-out", key], check=True)
    subprocess.run(["openssl", "ec", "-in", key, "-pubout", "-out", pub], check=True, capture_output=True)
    return key, pub


def main():
    with tempfile.TemporaryDirectory(prefix="fwtool-") as d:
        key, pub = keypair(d, "firmware")
        _, other_pub = keypair(d, "other")
        image = os.path.join(d, "rootfs.img")
        data = bytes((i * 7 + i // 4096) & 0xFF for i in range(3 * 1024 * 1024 + 4321))
        with open(image, "wb") as f:
            f.write(data)
        bundle = os.path.join(d, "edge-2.1.0.fw")

        rc, out = run("help")
        check(rc == 0 and "build --payload" in out and "verify --key" in out, "help lists the commands")
        rc, out = run("build", "--payload", image, "--version", "2.1.0")
        check(rc == 2 and "build needs --compatible" in out, "build names a missing option (exit 2): " + out.strip())
        rc, out = run("frobnicate")
        check(rc == 2 and "unknown command 'frobnicate'" in out, "an unknown command is named")

        rc, out = run("build", "--payload", image, "--version", "2.1.0", "--compatible", "edge-x86_64,edge-arm64",
                      "--min-version", "2.0", "--security-floor", "2.1", "--description", "spring", "--out", bundle)
        check(rc == 0 and "not signed yet" in out, "build writes an unsigned bundle: " + out.strip())
        rc, out = run("verify", "--key", pub, bundle)
        check(rc == 1 and "not signed" in out, "verify refuses the unsigned bundle")
        rc, out = run("sign", "--key", key, bundle)
        check(rc == 0 and "signed" in out, "sign signs in place: " + out.strip())

        rc, out = run("inspect", "--json", bundle)
        manifest = json.loads(out) if rc == 0 else {}
        check(manifest.get("version") == "2.1.0" and manifest.get("compatible") == ["edge-x86_64", "edge-arm64"]
              and manifest.get("security-floor") == "2.1" and manifest.get("min-version") == "2.0",
              "inspect --json prints the manifest")
        payload = manifest.get("payload", {})
        check(payload.get("sha256") == hashlib.sha256(data).hexdigest() and payload.get("size") == len(data),
              "the manifest's digest is the image's SHA-256 (hashlib)")
        blocks = [hashlib.sha256(data[i:i + 1048576]).hexdigest() for i in range(0, len(data), 1048576)]
        check(payload.get("blocks") == blocks, "each block digest is that block's SHA-256")
        rc, out = run("inspect", bundle)
        check(rc == 0 and "version:         2.1.0" in out and "present, not checked" in out, "inspect for people")

        rc, out = run("verify", "--key", pub, "--hardware", "edge-x86_64", "--running-version", "2.0.4",
                      "--floor", "2.0", bundle)
        check(rc == 0 and "verified" in out, "verify accepts the signed bundle: " + out.strip())

        # The signature with openssl itself: the manifest bytes, signed ECDSA P-256 over SHA-256.
        with open(bundle, "rb") as f:
            raw = f.read()
        mlen, slen = int.from_bytes(raw[8:12], "big"), int.from_bytes(raw[12:16], "big")
        check(raw[:8] == b"EDGEFW\x00\x01", "the bundle starts with its magic")
        with open(os.path.join(d, "m.json"), "wb") as f:
            f.write(raw[16:16 + mlen])
        with open(os.path.join(d, "m.sig"), "wb") as f:
            f.write(raw[16 + mlen:16 + mlen + slen])
        p = subprocess.run(["openssl", "dgst", "-sha256", "-verify", pub, "-signature", os.path.join(d, "m.sig"),
                            os.path.join(d, "m.json")], capture_output=True, text=True)
        check(p.returncode == 0, "openssl dgst verifies the manifest signature")
        check(raw[16 + mlen + slen:] == data, "the payload follows the signature unchanged")

        def variant(name, content):
            path = os.path.join(d, name)
            with open(path, "wb") as f:
                f.write(content)
            return path

        tampered = bytearray(raw)
        tampered[16 + mlen + slen + 2 * 1048576 + 5] ^= 0x40
        rc, out = run("verify", "--key", pub, variant("tampered.fw", bytes(tampered)))
        check(rc == 1 and "payload block 2" in out, "a tampered payload is refused: " + out.strip())
        at = raw.index(b'"2.1.0"')
        tampered = bytearray(raw)
        tampered[at + 1:at + 2] = b"9"
        rc, out = run("verify", "--key", pub, variant("manifest.fw", bytes(tampered)))
        check(rc == 1 and "does not verify with the firmware key" in out, "a tampered manifest is refused")
        rc, out = run("verify", "--key", other_pub, bundle)
        check(rc == 1 and "does not verify with the firmware key" in out, "another key is refused")
        rc, out = run("verify", "--key", key, bundle)
        check(rc == 1 and "not a PEM public key" in out, "a private key given as the trusted key is refused")
        rc, out = run("verify", "--key", pub, variant("cut.fw", raw[:len(raw) - 100]))
        check(rc == 1 and "cut short" in out, "a truncated bundle is refused: " + out.strip())
        rc, out = run("verify", "--key", pub, "--running-version", "2.2", "--floor", "2.2", bundle)
        check(rc == 1 and "below the security floor 2.2" in out, "a downgrade below the floor is refused")
        rc, out = run("verify", "--key", pub, "--running-version", "1.9", bundle)
        check(rc == 1 and "installs only over 2.0" in out, "a running version below min-version is refused")
        rc, out = run("verify", "--key", pub, "--hardware", "edge-mips", bundle)
        check(rc == 1 and "not for this hardware (edge-mips)" in out, "another hardware is refused")
        rc, out = run("build", "--payload", image, "--version", "2.1.0", "--compatible", "x", "--min-version", "2.0",
                      "--security-floor", "3.0", "--out", os.path.join(d, "bad.fw"))
        check(rc == 2 and "security-floor must not be above version" in out and not os.path.exists(
            os.path.join(d, "bad.fw")), "build refuses a floor above the version and writes nothing")
        # An image that changes between build's two reads leaves no bundle behind: a FIFO gives other
        # bytes the second time fwtool opens it (the second writer waits until the first read is closed).
        fifo = os.path.join(d, "changing.img")
        os.mkfifo(fifo)
        changed = os.path.join(d, "changed.fw")
        proc = subprocess.Popen([FWTOOL, "build", "--payload", fifo, "--version", "2.1.0", "--compatible", "x",
                                 "--min-version", "2.0", "--security-floor", "2.0", "--out", changed],
                                stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True)

        def reading():
            try:
                return any(os.path.realpath(os.path.join(f"/proc/{proc.pid}/fd", fd)) == os.path.realpath(fifo)
                           for fd in os.listdir(f"/proc/{proc.pid}/fd"))
            except OSError:
                return False

        with open(fifo, "wb") as f:
            f.write(data)
        for _ in range(1000):
            if not reading():
                break
            time.sleep(0.01)
        with open(fifo, "wb") as f:
            f.write(data[:-1] + b"\x00")
        out = proc.communicate(timeout=60)[0]
        check(proc.returncode == 1 and "the payload changed while the bundle was built" in out
              and not os.path.exists(changed), "an image that changed during build leaves no bundle: " + out.strip()[:160])
        rc, out = run("sign", "--key", pub, bundle)
        check(rc == 1 and "not a PEM ECDSA P-256 private key" in out, "sign refuses a public key")
    if failures:
        print("%d check(s) failed" % len(failures))
        return 1
    return 0


if __name__ == "__main__":
    sys.exit(main())
