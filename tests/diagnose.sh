#!/bin/sh
# Diagnosis and repair of broken files built from Darknet-written ones
# (tests/diagnose_check.py), plus the same on the bundled example.
. "$(dirname "$0")/lib.sh"

cfg=$data/ab-small.cfg
expect 1 "demo: inspect reports a mismatch" -- "$DARKMAP" inspect "$data/demo/demo.cfg" "$data/demo/demo.weights"
grep_out 'repair   1\. the header is 16 bytes' "demo: the 16-byte header is the best repair"
expect 0 "demo: fix writes a profile" -- "$DARKMAP" fix "$data/demo/demo.cfg" "$data/demo/demo.weights" -o "$tmp/demo.profile"
grep -q '^header=16$' "$tmp/demo.profile" && pass "demo: profile sets header=16" || fail "demo: profile"
expect 0 "demo: the profile makes it exact" -- "$DARKMAP" inspect --profile "$tmp/demo.profile" "$data/demo/demo.cfg" "$data/demo/demo.weights"
expect 0 "a fitting file needs no fix" -- "$DARKMAP" fix "$cfg" "$data/ab-small.weights" -o "$tmp/none.profile"
[ ! -e "$tmp/none.profile" ] && pass "no profile for a fitting file" || fail "profile written for a fitting file"

# Statistics in the JSON report.
expect 0 "json with statistics" -- "$DARKMAP" inspect -f json "$cfg" "$data/ab-small.weights"
"$PYTHON3" - "$tmp/out" <<'PY' && pass "statistics are plausible and complete" || fail "statistics"
import json, sys
d = json.load(open(sys.argv[1]))
a = d["layers"][0]["arrays"]
for x in a:
    s = x["stats"]
    assert set(s) == {"min", "max", "mean", "std", "zeros", "nan", "inf", "subnormal"}, s
    assert s["min"] <= s["mean"] <= s["max"] and s["std"] >= 0, s
    assert x["check"]["level"] == "ok", x
assert d["diagnosis"]["first_bad_layer"] == -1
PY

# A NaN in a variance is bad, and named.
"$PYTHON3" - "$data/ab-small.weights" "$tmp/nan.weights" <<'PY'
import struct, sys
b = bytearray(open(sys.argv[1], "rb").read())
b[20 + 4 * 2:20 + 4 * 3] = struct.pack("<f", float("nan"))
open(sys.argv[2], "wb").write(b)
PY
expect 0 "NaN: sizes still fit" -- "$DARKMAP" inspect "$cfg" "$tmp/nan.weights"
grep_out '<- bad: 1 NaN' "NaN is reported on its array"
grep_out 'implausible from layer 0' "NaN marks the first bad layer"

need_fixtures
"$PYTHON3" "$srcdir/tests/diagnose_check.py" "$DARKMAP" "$fixtures" "$tmp" ||
    fail "diagnose_check.py"
finish
