#!/bin/sh
# docs/mib/EDGED-MIB.txt passes smilint at level 3 without a message (smilint exits 0 even when it
# reports errors, so any output fails), and Net-SNMP's snmptranslate loads it.
set -eu
root=$(cd "$(dirname "$0")/../.." && pwd)
mib="$root/docs/mib/EDGED-MIB.txt"
out=$(SMIPATH="$root/tests/support/mibs" smilint -l 3 -s "$mib" 2>&1)
if [ -n "$out" ]; then
  echo "smilint -l 3 reports:"; echo "$out"; exit 1
fi
oid=$(MIBS= MIBDIRS="$root/tests/support/mibs:$root/docs/mib" snmptranslate -m EDGED-MIB -On EDGED-MIB::edgedLicenseExpired 2>&1)
pen=$(sed -n 's/.*::= { enterprises \([0-9]*\) }.*/\1/p' "$mib")
if [ "$oid" != ".1.3.6.1.4.1.$pen.0.2" ]; then
  echo "snmptranslate: expected .1.3.6.1.4.1.$pen.0.2, got: $oid"; exit 1
fi
echo "EDGED-MIB: smilint level 3 clean; snmptranslate loads it (enterprise $pen)"
