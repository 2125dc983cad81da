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

# Statistics agree with numpy's, on real data and on a file with NaN,
# infinities, zeros and subnormals in its arrays.
"$PYTHON3" - "$data/ab-small.weights" "$tmp/special.weights" <<'PY'
import numpy as np, sys
b = bytearray(open(sys.argv[1], "rb").read())
f = np.frombuffer(b, "<f4", (len(b) - 20) // 4, 20).copy()
f[100:105] = [np.nan, np.inf, -np.inf, 0.0, -0.0]
f[300:303] = np.frombuffer(np.array([1, 2, 0x807fffff], "<u4").tobytes(), "<f4")
open(sys.argv[2], "wb").write(bytes(b[:20]) + f.astype("<f4").tobytes())
PY
for f in "$data/ab-small.weights" "$tmp/special.weights"; do
	"$DARKMAP" inspect -f json "$cfg" "$f" >"$tmp/stats.json"
	if "$PYTHON3" - "$tmp/stats.json" "$f" <<'PY'
import json, sys, numpy as np
d = json.load(open(sys.argv[1]))
data = open(sys.argv[2], "rb").read()
for lay in d["layers"]:
    for a in lay["arrays"]:
        x = np.frombuffer(data, "<f4", a["count"], a["offset"])
        u = x.view("<u4")
        s = a["stats"]
        fin = x[np.isfinite(x)].astype(np.float64)
        assert s["nan"] == int(np.isnan(x).sum()), (a["name"], s)
        assert s["inf"] == int(np.isinf(x).sum()), (a["name"], s)
        assert s["zeros"] == int((x == 0).sum()), (a["name"], s)
        sub = ((u & 0x7f800000) == 0) & ((u & 0x7fffff) != 0)
        assert s["subnormal"] == int(sub.sum()), (a["name"], s)
        # min and max are float32 values, printed with 9 digits.
        assert np.float32(s["min"]) == np.float32(fin.min()), (a["name"], s)
        assert np.float32(s["max"]) == np.float32(fin.max()), (a["name"], s)
        tol = 1e-5 * max(1.0, float(np.abs(fin).max()))
        assert abs(s["mean"] - fin.mean()) <= tol, (a["name"], s, fin.mean())
        assert abs(s["std"] - fin.std()) <= tol, (a["name"], s, fin.std())
PY
	then
		pass "statistics match numpy: $(basename "$f")"
	else
		fail "statistics differ from numpy: $(basename "$f")"
	fi
done
grep -q '"level": "bad"' "$tmp/stats.json" && pass "NaN and infinities judged bad" || fail "specials not judged bad"

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

checks "diagnose_check.py" "$PYTHON3" "$srcdir/tests/diagnose_check.py" \
    "$DARKMAP" "$tmp"
finish
