#!/bin/sh
# --target: the user's own model as inspect and convert's target, made
# here with torch and from the ports' key lists (target_check.py); and a
# large checkpoint of which only data.pkl is read.
. "$(dirname "$0")/lib.sh"

cfg=$data/demo/shapes.cfg

# Only data.pkl of a large target is read: the bytes darkmap reads from
# the file, counted under strace, are a small part of its 64 MiB.
if "$PYTHON3" - "$tmp/big.pt" <<'PY'
import sys, torch
torch.save({"w": torch.zeros(16 << 20), "layers.0.conv.weight":
            torch.zeros(16, 3, 3, 3)}, sys.argv[1])
PY
then
	if command -v strace >/dev/null 2>&1; then
		ASAN_OPTIONS="${ASAN_OPTIONS:+$ASAN_OPTIONS:}detect_leaks=0" \
		    strace -f -qq -y -e trace=read,pread64 -o "$tmp/strace" \
		    "$DARKMAP" inspect --target "$tmp/big.pt" "$cfg" >/dev/null 2>&1
		n=$(grep "<[^>]*/big\.pt>" "$tmp/strace" |
		    sed -n 's/.*= \([0-9][0-9]*\)$/\1/p' |
		    awk '{ s += $1 } END { print s + 0 }')
		[ "$n" -gt 0 ] && [ "$n" -lt 1048576 ] &&
		    pass "a 64 MiB target: $n bytes read" ||
		    fail "a 64 MiB target: $n bytes read"
	else
		fail "strace(1) is missing: cannot count the bytes read"
	fi
else
	fail "torch cannot save the large target"
fi
rm -f "$tmp/big.pt"

# Usage errors.
printf 'key\tshape\tdtype\nlayers.0.conv.weight\t16,3,3,3\tfloat32\n' >"$tmp/k.tsv"
expect 2 "--target with --names" -- "$DARKMAP" convert --target "$tmp/k.tsv" \
    --names ultralytics "$cfg" "$data/demo/shapes.weights" -o "$tmp/x.pt"
expect 2 "--target into .weights" -- "$DARKMAP" convert --target "$tmp/k.tsv" \
    "$cfg" "$data/demo/shapes.weights" -o "$tmp/x.weights"
[ ! -e "$tmp/x.weights" ] && pass "nothing written" || fail "x.weights written"
expect 2 "--target with tsv" -- "$DARKMAP" inspect --target "$tmp/k.tsv" -f tsv "$cfg"
expect 2 "--target for fix" -- "$DARKMAP" fix --target "$tmp/k.tsv" "$cfg" \
    "$data/demo/shapes.weights" -o "$tmp/x.profile"
expect 3 "a target that is none" -- "$DARKMAP" inspect --target "$cfg" "$cfg"
grep_err 'not a PyTorch checkpoint \(\.pt\), safetensors file or keys list' \
    "the error says what a target can be"
printf 'key\tshape\tdtype\nx\t3,a\tfloat32\n' >"$tmp/bad.tsv"
expect 3 "a malformed keys list" -- "$DARKMAP" inspect --target "$tmp/bad.tsv" "$cfg"
grep_err 'bad\.tsv:2: bad shape' "the keys list's line is named"

# The interface: the target key under each array, the layer without one
# flagged (f goes there first), K gives it one of the unmatched keys.
"$DARKMAP" inspect -f json "$cfg" | "$PYTHON3" -c '
import json, sys
rows, w6 = [], None
for l in json.load(sys.stdin)["layers"]:
    for a in l["arrays"]:
        if l["index"] == 6:
            if a["name"] == "weights":
                w6 = a["shape"]
            continue
        rows.append(("layers.%d.%s" % (l["index"], {"weights": "conv.weight",
            "biases": "bn.bias" if len(l["arrays"]) > 2 else "conv.bias",
            "scales": "bn.weight", "rolling_mean": "bn.running_mean",
            "rolling_variance": "bn.running_var"}[a["name"]]), a["shape"]))
        if a["name"] == "rolling_variance":
            rows.append(("layers.%d.bn.num_batches_tracked" % l["index"], []))
rows.append(("extra.weight", w6))
print("key\tshape\tdtype")
for k, s in rows:
    print("%s\t%s\t%s" % (k, ",".join(map(str, s)), "float32" if s else "int64"))
' >"$tmp/t.keys.tsv" || fail "the keys list of the interface test"
if command -v tmux >/dev/null 2>&1; then
	sock=darkmap-target-$$
	tm() { tmux -L "$sock" -f /dev/null "$@"; }
	trap 'tm kill-server 2>/dev/null; rm -rf "$tmp"' EXIT
	# A first session keeps the server up when darkmap's ends.
	tm new-session -d -s keep -x 80 -y 24 "sleep 3600" || exit 99
	screen=$tmp/screen
	shows() { tm capture-pane -p -t ui >"$screen"; grep -q -E -- "$1" "$screen"; }
	see() {
		if wait_until "$DM_TEST_WAIT" shows "$1"; then pass "$2"
		else fail "$2: screen lacks /$1/"; sed 's/^/    | /' "$screen"; fi
	}
	tm new-session -d -s ui -x 120 -y 40 -c "$tmp" \
	    "env XDG_STATE_HOME='$tmp/state' LANG=C.UTF-8 TERM=screen '$DARKMAP' --target '$tmp/t.keys.tsv' '$cfg' '$data/demo/shapes.weights'; echo \$? >'$tmp/ui.rc'"
	see 'target t\.keys\.tsv: [0-9]+ matched, 6 arrays and 1 keys unmatched' \
	    "the message line sums the alignment up"
	tm send-keys -t ui f
	see 'layer 6 ' "f goes to the layer without target keys first"
	see 'no target key \(K assigns one\)' "the arrays without a key are flagged"
	tm send-keys -t ui l l l l K
	see 'layer 6 weights: target key 1 of 1: extra\.weight' "K offers the unmatched key"
	tm send-keys -t ui -l xtra
	tm send-keys -t ui Enter
	see '-> extra\.weight 1\.00 \(K\)' "the key is assigned"
	tm send-keys -t ui u
	see '> weights +[0-9]+' "undo"
	if wait_until "$DM_TEST_WAIT" shows 'no target key \(K assigns one\)' &&
	    ! grep -q 'extra\.weight 1\.00' "$screen"; then
		pass "undo takes the key back"
	else
		fail "undo: $(cat "$screen")"
	fi
	tm send-keys -t ui q
	if wait_until "$DM_TEST_WAIT" test -s "$tmp/ui.rc" &&
	    [ "$(cat "$tmp/ui.rc")" = 0 ]; then
		pass "q quits: no edit is left unsaved after the undo"
	else
		fail "the interface did not end with 0: $(cat "$tmp/ui.rc" 2>/dev/null)"
	fi
	tm kill-server 2>/dev/null
else
	[ "${CI:-}" = true ] && fail "tmux missing in CI"
fi

checks "target_check.py" "$PYTHON3" "$srcdir/tests/target_check.py" \
    "$DARKMAP" "$tmp"
finish
