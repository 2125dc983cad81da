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
"$DARKMAP" convert "$cfg" "$w" -o "$tmp/own.pt" 2>/dev/null ||
    fail "the plain export"
"$PYTHON3" - "$tmp/flat.pt" "$tmp/own.pt" <<'PY' &&
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
finish
