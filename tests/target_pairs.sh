#!/bin/sh
# --target pairs only what it can export faithfully: a net whose layers
# 1-5 are identical, against targets built here whose correct pairing is
# known, so that a wrong pairing is caught, not just a wrong value.
. "$(dirname "$0")/lib.sh"

cfg=$tmp/rep.cfg
{
	printf '[net]\nwidth=32\nheight=32\nchannels=3\n\n'
	for i in 0 1 2 3 4 5; do
		printf '[convolutional]\nbatch_normalize=1\nfilters=16\n'
		printf 'size=3\nstride=1\npad=1\nactivation=leaky\n\n'
	done
	printf '[convolutional]\nfilters=8\nsize=1\nstride=1\npad=1\n'
	printf 'activation=linear\n'
} >"$cfg"
"$DARKMAP" inspect -f json "$cfg" >"$tmp/rep.json" &&
    "$PYTHON3" "$srcdir/bench/genweights.py" "$tmp/rep.json" \
    "$tmp/rep.weights" >/dev/null || bail "cannot make the weights"
w=$tmp/rep.weights

# keys NAME PYTHON-EXPR: writes $tmp/NAME.tsv, PyTorch's order of the net's
# keys, each row passed through the function edit(key, shape) -> (key,
# shape) or None defined by PYTHON-EXPR.
keys() {
	"$PYTHON3" - "$tmp/rep.json" "$tmp/$1.tsv" "$2" <<'PY' ||
import json, sys
j = json.load(open(sys.argv[1]))
exec(sys.argv[3])
out = ["key\tshape\tdtype"]
for l in j["layers"]:
    i, a = l["index"], {x["name"]: x["shape"] for x in l["arrays"]}
    rows = [("layers.%d.conv.weight" % i, a["weights"])]
    if "scales" in a:
        rows += [("layers.%d.bn.%s" % (i, p), a[n]) for p, n in
                 (("weight", "scales"), ("bias", "biases"),
                  ("running_mean", "rolling_mean"),
                  ("running_var", "rolling_variance"))]
        rows.append(("layers.%d.bn.num_batches_tracked" % i, []))
    else:
        rows.append(("layers.%d.conv.bias" % i, a["biases"]))
    for k, s in rows:
        r = edit(k, s)
        if r is not None:
            out.append("%s\t%s\t%s" % (r[0], ",".join(map(str, r[1])),
                       "float32" if r[1] else "int64"))
open(sys.argv[2], "w").write("\n".join(out) + "\n")
PY
	bail "cannot write the keys list $1"
}

# A conv weight whose axes are permuted ([3,3,16,16], as TensorFlow lays
# it out): the same count of elements, not the same tensor.
keys perm 'def edit(k, s):
    return (k, s[2:] + s[:2]) if k == "layers.3.conv.weight" else (k, s)'
expect 1 "a permuted weight is refused" -- "$DARKMAP" convert --target \
    "$tmp/perm.tsv" "$cfg" "$w" -o "$tmp/perm.pt"
grep_err 'mismatch: layer 3 weights -> layers\.3\.conv\.weight: the same number of elements in another arrangement' \
    "the permuted pair is named with its reason"
[ ! -e "$tmp/perm.pt" ] && pass "nothing is written" ||
    fail "perm.pt was written"
"$DARKMAP" inspect --target "$tmp/perm.tsv" -f json "$cfg" >"$tmp/out"
"$PYTHON3" - "$tmp/out" <<'PY' && pass "inspect flags it a shape mismatch" ||
import json, sys
a = [x for x in json.load(open(sys.argv[1]))["arrays"]
     if x["target_key"] == "layers.3.conv.weight"]
assert a and a[0]["flags"] == ["shape"], a
PY
    fail "inspect does not flag the permuted pair"

# A reshape that keeps the order (the head's [8,16,1,1] as [8,16]) is
# exported, with a warning, and its values are the same.
keys flat 'def edit(k, s):
    return (k, s[:2]) if k == "layers.6.conv.weight" else (k, s)'
expect 0 "an order-keeping reshape is exported" -- "$DARKMAP" convert \
    --target "$tmp/flat.tsv" "$cfg" "$w" -o "$tmp/flat.pt"
grep_err 'reshaped: layer 6 weights -> layers\.6\.conv\.weight' \
    "and reported"
"$DARKMAP" convert "$cfg" "$w" -o "$tmp/plain.pt" 2>/dev/null ||
    fail "the plain export"
"$PYTHON3" - "$tmp/flat.pt" "$tmp/plain.pt" <<'PY' &&
import sys, torch
a, b = torch.load(sys.argv[1]), torch.load(sys.argv[2])
assert list(a["layers.6.conv.weight"].shape) == [8, 16]
assert torch.equal(a["layers.6.conv.weight"],
                   b["layers.6.conv.weight"].reshape(8, 16))
for k in b:
    if k != "layers.6.conv.weight":
        assert torch.equal(a[k], b[k]), k
PY
    pass "the reshaped export holds the same values" ||
    fail "the reshaped export differs"

# A shape whose element count overflows 64 bits (wrapping to the weight's
# 432) is another shape.
keys ovf 'def edit(k, s):
    return (k, [4611686018427388012, 4, 1]) if k == "layers.0.conv.weight" else (k, s)'
expect 1 "a shape that overflows is no match" -- "$DARKMAP" inspect \
    --target "$tmp/ovf.tsv" "$cfg"
grep_out '^ +0 weights +-> \(unmatched\)' "the overflowing key stays unpaired"

# ties NAME DESC: the target NAME lacks a layer among the identical 1-5 and
# says nothing of which: every pair of the run is tied, convert refuses,
# --force writes with a warning.
ties() {
	"$DARKMAP" inspect --target "$tmp/$1.tsv" -f json "$cfg" >"$tmp/out"
	"$PYTHON3" - "$tmp/out" <<'PY' && pass "$2: the run is tied" ||
import json, sys
al = json.load(open(sys.argv[1]))
for a in al["arrays"]:
    if a["target_key"] is None:
        continue
    tied = "tied" in a["flags"]
    assert tied == (2 <= a["layer"] <= 5), a
    if tied:
        assert a["confidence"] < 0.7 and a["reason"].startswith("tied"), a
assert not al["complete"]
PY
	    fail "$2: the run is not tied as it should: $(head -c 600 "$tmp/out")"
	expect 1 "$2: convert refuses" -- "$DARKMAP" convert --target \
	    "$tmp/$1.tsv" "$cfg" "$w" -o "$tmp/$1.pt"
	grep_err '^tied: layer 3 weights -> .*: tied: an alignment as good pairs it with' \
	    "$2: the tied pairs are named with the alternative"
	grep_err '[0-9]+ pairs tied with another alignment: nothing was written' \
	    "$2: the refusal counts them"
	[ ! -e "$tmp/$1.pt" ] && pass "$2: nothing is written" ||
	    fail "$2: $1.pt was written"
	expect 0 "$2: --force writes" -- "$DARKMAP" convert --force --target \
	    "$tmp/$1.tsv" "$cfg" "$w" -o "$tmp/$1.pt"
	grep_err 'warning: --force: 24 pairs tied with another alignment were written as aligned' \
	    "$2: and says the tied pairs may be shifted"
}

# A naming of its own, no numbers, layer 3 left out.
keys own 'names = {"0": "stem", "1": "unit_a", "2": "unit_b", "4": "unit_c",
         "5": "unit_d", "6": "head"}
def edit(k, s):
    n = k.split(".")[1]
    if n == "3":
        return None
    return ("body.%s.%s" % (names[n], ".".join(k.split(".")[2:])), s)'
ties own "own naming, a layer missing"

# Blocks counted from 0 without the missing layer: their numbers match
# the layer indices up to the gap, and the head's (5) no longer does, so
# they are no layer indices and give no confidence.
keys renum 'def edit(k, s):
    p = k.split(".")
    n = int(p[1])
    if n == 3:
        return None
    return ("blocks.%d.%s" % (n - (n > 3), ".".join(p[2:])), s)'
ties renum "renumbered blocks, a layer missing"

# Keys that keep the layer indices say which layer is missing: no tie,
# layer 3 unmatched, every other array under its own index.
keys gap 'def edit(k, s):
    return None if k.startswith("layers.3.") else (k, s)'
"$DARKMAP" inspect --target "$tmp/gap.tsv" -f json "$cfg" >"$tmp/out"
"$PYTHON3" - "$tmp/out" <<'PY' && pass "layer indices in the keys settle it" ||
import json, sys
for a in json.load(open(sys.argv[1]))["arrays"]:
    assert "tied" not in a["flags"], a
    if a["layer"] == 3:
        assert a["target_key"] is None, a
    else:
        assert a["target_key"] == a["key"] and a["confidence"] == 1, a
PY
    fail "the numbered target is not aligned by its numbers: $(head -c 600 "$tmp/out")"
# Only known dtypes: a keys list's names the line, safetensors' the byte.
printf 'key\tshape\tdtype\nlayers.0.conv.weight\t16,3,3,3\tfloat32\033[31m\n' \
    >"$tmp/dtype.tsv"
expect 3 "a keys list's unknown dtype is refused" -- "$DARKMAP" inspect \
    --target "$tmp/dtype.tsv" "$cfg"
grep_err 'dtype\.tsv:2: unknown dtype' "its file and line are named"
"$PYTHON3" - "$tmp/dtype.safetensors" <<'PY' ||
import json, struct, sys
h = json.dumps({"w": {"dtype": "F32\u001b[2J", "shape": [2],
                      "data_offsets": [0, 8]}}).encode()
open(sys.argv[1], "wb").write(struct.pack("<Q", len(h)) + h + bytes(8))
PY
    fail "cannot write the safetensors file"
expect 3 "a safetensors file's unknown dtype is refused" -- "$DARKMAP" \
    inspect --target "$tmp/dtype.safetensors" "$cfg"
grep_err 'dtype\.safetensors: byte [0-9]+ of the safetensors header: a dtype' \
    "its byte is named"

# A key holding an escape sequence reaches no terminal raw, and the JSON
# stays JSON.
"$PYTHON3" - "$tmp/esc.pt" <<'PY' || fail "torch cannot save esc.pt"
import sys, torch
torch.save({"layers.0.conv\x1b[2J.weight": torch.zeros(16, 3, 3, 3)},
           sys.argv[1])
PY
"$DARKMAP" inspect --target "$tmp/esc.pt" "$cfg" >"$tmp/out" 2>"$tmp/err"
if grep -q "$(printf '\033')" "$tmp/out" "$tmp/err"; then
	fail "an escape byte of a key is printed raw"
else
	pass "an escape byte of a key is printed escaped"
fi
grep_out 'conv\\x1b\[2J\.weight' "as \\x1b"
"$DARKMAP" inspect --target "$tmp/esc.pt" -f json "$cfg" >"$tmp/out"
"$PYTHON3" - "$tmp/out" <<'PY' && pass "the JSON holds the key as it is" ||
import json, sys
al = json.load(open(sys.argv[1]))
assert [a["target_key"] for a in al["arrays"] if a["target_key"]] == \
    ["layers.0.conv\x1b[2J.weight"], al
PY
    fail "the JSON of a key with an escape byte"

# A 4 KB checkpoint whose data.pkl makes 4 million empty tuples: refused
# with exit 3, its memory bounded (it took 600 MB before).
"$PYTHON3" - "$tmp/bomb.pt" <<'PY' || fail "cannot write bomb.pt"
import sys, zipfile
with zipfile.ZipFile(sys.argv[1], "w", zipfile.ZIP_DEFLATED) as z:
    z.writestr("archive/data.pkl", b"\x80\x02" + b")" * 4194302 + b"}.")
    z.writestr("archive/version", "3\n")
PY
"$PYTHON3" - "$DARKMAP" "$tmp/bomb.pt" "$cfg" >"$tmp/out" <<'PY'
import resource, subprocess, sys
r = subprocess.run([sys.argv[1], "inspect", "--target", sys.argv[2],
                    sys.argv[3]], capture_output=True)
kb = resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss
print(r.returncode, kb, r.stderr.decode(errors="replace").strip())
PY
read -r rc kb msg <"$tmp/out"
[ "$rc" = 3 ] && pass "the values bomb is refused: $msg" ||
    fail "the values bomb: exit $rc: $msg"
[ "$kb" -lt 307200 ] && pass "within 300 MB: $kb KB" ||
    fail "the values bomb took $kb KB"
finish
