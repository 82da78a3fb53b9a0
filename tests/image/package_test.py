#!/usr/bin/python3
"""The Debian package as CPack builds it from the install rules (cmake/EdgePackaging.cmake), read
with dpkg-deb like an operator would, then unpacked into a scratch folder:

  - dpkg-deb -I: name, Depends (dpkg-shlibdeps' libraries plus ours), the maintainer scripts, the
    conffiles;
  - dpkg-deb -c: every file the units, drop-ins, sysusers and tmpfiles entries name is in the
    package where they say, the binaries executable, owned by root;
  - the units' User= are the users sysusers.d creates; their StateDirectory/RuntimeDirectory/
    ConfigurationDirectory are the folders tmpfiles.d gives to those users;
  - systemd-sysusers and systemd-tmpfiles, run on the unpacked root as postinst runs them, make the
    users and give the folders their owners and modes;
  - the packaged binaries run: edged and mgmtd accept the packaged default configs (--check),
    fwtool and the CLIs print their help.

Environment (CTest sets it): EDGE_BIN (the build's bin folder; its parent holds CPackConfig.cmake).
The binaries must be built first (cmake --build BUILD --target edged edge-snmp-poll edgectl mgmtd mgmtctl fwtool).
"""
import configparser
import os
import re
import shutil
import stat
import subprocess
import sys
import tempfile

BIN = os.environ.get("EDGE_BIN", os.path.join(os.path.dirname(__file__), "..", "..", "build", "bin"))
BUILD = os.path.dirname(os.path.abspath(BIN))
failures = []


def check(cond, what):
    print(("ok   " if cond else "FAIL ") + what)
    if not cond:
        failures.append(what)


def unit_settings(text):
    """Key -> list of values of a unit file (repeated keys kept in order)."""
    out = {}
    for line in text.splitlines():
        line = line.strip()
        if not line or line.startswith("#") or line.startswith("[") or "=" not in line:
            continue
        k, v = line.split("=", 1)
        out.setdefault(k, []).append(v)
    return out


def main():
    work = tempfile.mkdtemp(prefix="edge-package-")
    try:
        p = subprocess.run(["cpack", "-G", "DEB", "--config", os.path.join(BUILD, "CPackConfig.cmake"), "-B", work],
                           capture_output=True, text=True, timeout=600)
        debs = [f for f in os.listdir(work) if f.endswith(".deb")]
        check(p.returncode == 0 and len(debs) == 1, "cpack -G DEB builds one package " + (p.stdout + p.stderr)[-600:])
        if not debs:
            return 1
        deb = os.path.join(work, debs[0])
        print("     " + debs[0])

        info = subprocess.run(["dpkg-deb", "-I", deb], capture_output=True, text=True).stdout
        fields = dict(re.findall(r"^ (\S+): (.*)$", info, re.M))
        check(fields.get("Package") == "edge-platform", "Package: edge-platform")
        depends = fields.get("Depends", "")
        for dep in ("libc6", "libsqlite3-0", "libmbedtls14", "libmicrohttpd12", "systemd", "procps",
                    "freeradius-common", "libfreeradius3"):
            check(re.search(r"(^|, )" + re.escape(dep) + r"\b", depends) is not None, f"Depends names {dep}")
        control = os.path.join(work, "control")
        subprocess.run(["dpkg-deb", "-e", deb, control], check=True)
        for script in ("postinst", "prerm", "postrm"):
            path = os.path.join(control, script)
            check(os.path.exists(path) and os.stat(path).st_mode & 0o111, f"the package runs {script}")
        with open(os.path.join(control, "conffiles")) as f:
            conffiles = f.read().split()
        check(conffiles == ["/etc/edged/edged.json", "/etc/mgmtd/mgmtd.json"], "the default configs are conffiles")
        with open(os.path.join(control, "postinst")) as f:
            postinst = f.read()
        check("systemd-sysusers /usr/lib/sysusers.d/edge.conf" in postinst and
              "systemd-tmpfiles --create /usr/lib/tmpfiles.d/edge.conf" in postinst,
              "postinst creates the users and folders from the packaged entries")

        listing = subprocess.run(["dpkg-deb", "-c", deb], capture_output=True, text=True).stdout
        entries = {}
        for line in listing.splitlines():
            parts = line.split()
            entries[parts[5].lstrip(".")] = (parts[0], parts[1])
        root = os.path.join(work, "root")
        subprocess.run(["dpkg-deb", "-x", deb, root], check=True)

        for path in ("/usr/sbin/edged", "/usr/sbin/edge-snmp-poll", "/usr/sbin/mgmtd", "/usr/bin/edgectl", "/usr/bin/mgmtctl", "/usr/bin/fwtool"):
            mode, owner = entries.get(path, ("", ""))
            check(mode.startswith("-rwxr-xr-x") and owner == "root/root", f"{path} is in the package, 0755 root")
        for path in ("/usr/share/snmp/mibs/EDGED-MIB.txt", "/usr/share/doc/edged/operator-guide.md",
                     "/usr/share/doc/edged/firmware.md", "/etc/edged/edged.json", "/etc/mgmtd/mgmtd.json",
                     "/usr/share/edged/systemd/gateway.conf", "/usr/share/edged/systemd/capture.conf"):
            check(path in entries, f"{path} is in the package")

        def read(path):
            with open(os.path.join(root, path.lstrip("/"))) as f:
                return f.read()

        sysusers = {l.split()[1] for l in read("/usr/lib/sysusers.d/edge.conf").splitlines()
                    if l.startswith("u ")}
        tmpfiles = {l.split()[1]: l.split()[2:5] for l in read("/usr/lib/tmpfiles.d/edge.conf").splitlines()
                    if l.startswith("d ")}
        for unit, daemon in (("edged.service", "edged"), ("mgmtd.service", "mgmtd")):
            path = "/usr/lib/systemd/system/" + unit
            check(path in entries, f"{unit} is in {os.path.dirname(path)}")
            if path not in entries:
                continue
            s = unit_settings(read(path))
            for key in ("ExecStart", "ExecStartPre"):
                for value in s.get(key, []):
                    exe = value.lstrip("+-@!:").split()[0]
                    check(exe in entries and entries[exe][0].startswith("-rwx"),
                          f"{unit} {key} runs {exe}, which the package installs")
                    for arg in re.findall(r"--config (\S+)", value):
                        check(arg in entries, f"{unit} reads {arg}, which the package installs")
            user = s.get("User", [""])[0]
            check(user == daemon and user in sysusers, f"{unit} runs as {user}, a user sysusers.d creates")
            state = "/var/lib/" + s.get("StateDirectory", [""])[0]
            check(tmpfiles.get(state) == ["0750", user, user], f"tmpfiles.d gives {state} to {user} (0750)")
            conf = "/etc/" + s.get("ConfigurationDirectory", [""])[0]
            check(tmpfiles.get(conf) == ["0750", "root", user], f"tmpfiles.d makes {conf} readable by {user} only")
            check(s.get("RuntimeDirectory") == [daemon], f"{unit} gets /run/{daemon} for its control socket")
        for dropin in ("gateway.conf", "capture.conf"):
            s = unit_settings(read("/usr/share/edged/systemd/" + dropin))
            for value in s.get("ExecStartPre", []):
                exe = value.lstrip("+-@!:").split()[0]
                check(os.path.exists(exe) and "procps" in depends, f"{dropin} runs {exe} (procps, a dependency)")

        # What postinst does, into the unpacked root: the users, then the folders with their owners.
        os.makedirs(os.path.join(root, "etc"), exist_ok=True)
        for name in ("passwd", "group"):
            open(os.path.join(root, "etc", name), "a").close()
        r = subprocess.run(["systemd-sysusers", "--root=" + root, root + "/usr/lib/sysusers.d/edge.conf"],
                           capture_output=True, text=True)
        with open(os.path.join(root, "etc", "passwd")) as f:
            users = {l.split(":")[0]: int(l.split(":")[2]) for l in f if l.strip()}
        with open(os.path.join(root, "etc", "group")) as f:
            groups = {l.split(":")[0]: int(l.split(":")[2]) for l in f if l.strip()}
        check(r.returncode == 0 and {"edged", "mgmtd"} <= set(users) and {"edged", "mgmtd"} <= set(groups),
              "systemd-sysusers creates the users and groups edged and mgmtd")
        r = subprocess.run(["systemd-tmpfiles", "--root=" + root, "--create", root + "/usr/lib/tmpfiles.d/edge.conf"],
                           capture_output=True, text=True)
        check(r.returncode == 0, "systemd-tmpfiles --create accepts the entries " + r.stderr.strip()[-200:])
        for path, uid, gid_user in (("/var/lib/edged", "edged", "edged"), ("/var/lib/mgmtd", "mgmtd", "mgmtd"),
                                    ("/etc/edged", None, "edged"), ("/etc/mgmtd", None, "mgmtd")):
            st = os.stat(root + path)
            want_uid = users.get(uid, -1) if uid else 0
            check(stat.S_IMODE(st.st_mode) == 0o750 and st.st_uid == want_uid and st.st_gid == groups.get(gid_user, -1),
                  f"{path} is 0750, owner {uid or 'root'}, group {gid_user} after tmpfiles")

        # The packaged binaries run and accept the packaged configs.
        env = dict(os.environ)
        for daemon, conf in (("/usr/sbin/edged", "/etc/edged/edged.json"), ("/usr/sbin/mgmtd", "/etc/mgmtd/mgmtd.json")):
            r = subprocess.run([root + daemon, "--check", "--config", root + conf], capture_output=True, text=True,
                               timeout=60, env=env)
            check(r.returncode == 0, f"{daemon} --check accepts the packaged {conf}: {(r.stdout + r.stderr).strip()[-300:]}")
        for tool in ("/usr/bin/fwtool", "/usr/bin/edgectl", "/usr/bin/mgmtctl"):
            r = subprocess.run([root + tool, "help"], capture_output=True, text=True, timeout=60)
            check(r.returncode == 0 and "usage" in (r.stdout + r.stderr), f"{tool} help runs")
    finally:
        shutil.rmtree(work)
    if failures:
        print("%d check(s) failed" % len(failures))
        return 1
    return 0


if __name__ == "__main__":
    sys.exit(main())
