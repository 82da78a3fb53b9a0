#!/usr/bin/python3
"""Writes the seed corpus of tests/fuzz/authorize_fuzz.cpp: one input per way to be accepted (PAP,
CHAP, MS-CHAPv2, MAC authentication) and the near misses the bypass of issue 19 used (a MAC-shaped
or empty password for a subscriber named like a MAC or a phone number). Run it from anywhere."""
import hashlib
import os
import sys

HERE = os.path.dirname(os.path.abspath(__file__))
sys.path.insert(0, os.path.join(HERE, "..", "..", "integration"))
import radius_peer as rp  # noqa: E402

ABSENT = b"\xff"
REQUEST_AUTH = bytes([9, 8, 7, 6, 5, 4, 3, 2, 1, 0, 1, 2, 3, 4, 5, 6])
NAMES = ["alice", "hashonly", "aa:bb:cc:dd:ee:ff", "AABBCCDDEEFF", "254712345678", "25-47-12-34-56-78",
         "02:00:00:00:00:AA", "carol", "erin", "nopw"]


def field(value):
    if value is None:
        return ABSENT
    value = value.encode() if isinstance(value, str) else value
    return bytes([len(value)]) + value


def seed(name, control, user=None, password=None, chap=None, challenge=None, mschap=None, station=None):
    data = bytes([control]) + b"".join(field(v) for v in (user, password, chap, challenge, mschap, station))
    with open(os.path.join(HERE, "authorize", name), "wb") as f:
        f.write(data)


def name_index(n):
    return NAMES.index(n)


seed("pap-alice", name_index("alice"), password="alice-pw")
seed("pap-phone", name_index("254712345678"), password="phone-pw")
seed("pap-phone-mac-password", name_index("254712345678"), password="254712345678", station="254712345678")
seed("pap-phone-empty-password", name_index("25-47-12-34-56-78"), password="", station="25-47-12-34-56-78")
seed("pap-mac-named", name_index("02:00:00:00:00:AA"), password="mac-named-pw")
seed("pap-mac-named-empty", name_index("02:00:00:00:00:AA"), password="", station="02:00:00:00:00:aa")
seed("pap-erin-bound", name_index("erin"), password="erin-pw", station="02-00-00-00-00-01")
seed("mac-own-station", name_index("aa:bb:cc:dd:ee:ff"), password="", station="aa:bb:cc:dd:ee:ff")
seed("mac-other-spelling", name_index("AABBCCDDEEFF"), password="AABBCCDDEEFF", station="aa-bb-cc-dd-ee-ff")
seed("mac-no-station", name_index("aa:bb:cc:dd:ee:ff"), password="")
seed("mac-other-station", name_index("aa:bb:cc:dd:ee:ff"), station="aa:bb:cc:dd:ee:00")
challenge = bytes(range(16))
chap = bytes([7]) + hashlib.md5(bytes([7]) + b"alice-pw" + challenge).digest()
seed("chap-alice", 0x10 | name_index("alice"), chap=chap, challenge=challenge)
chap_ra = bytes([3]) + hashlib.md5(bytes([3]) + b"alice-pw" + REQUEST_AUTH).digest()
seed("chap-alice-request-authenticator", 0x10 | name_index("alice"), chap=chap_ra)
value, _ = rp.mschapv2("alice", "alice-pw", challenge, bytes(range(16, 32)), ident=5)
seed("mschapv2-alice", 0x20 | name_index("alice"), mschap=value, challenge=challenge)
value, _ = rp.mschapv2("hashonly", "hash-pw", challenge, bytes(range(32, 48)), ident=6)
seed("mschapv2-hashonly", 0x20 | name_index("hashonly"), mschap=value, challenge=challenge)
seed("nopw-empty", name_index("nopw"), password="")
seed("unknown-user", 0, user="nobody", password="x")
