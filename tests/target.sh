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
expect 2 "--target with tsv" -- "$DARKMAP" inspect --target "$tmp/k.tsv" -f tsv "$cfg"
expect 2 "--target for fix" -- "$DARKMAP" fix --target "$tmp/k.tsv" "$cfg" \
    "$data/demo/shapes.weights" -o "$tmp/x.profile"
expect 3 "a target that is none" -- "$DARKMAP" inspect --target "$cfg" "$cfg"
grep_err 'not a PyTorch checkpoint \(\.pt\), safetensors file or keys list' \
    "the error says what a target can be"
printf 'key\tshape\tdtype\nx\t3,a\tfloat32\n' >"$tmp/bad.tsv"
expect 3 "a malformed keys list" -- "$DARKMAP" inspect --target "$tmp/bad.tsv" "$cfg"
grep_err 'bad\.tsv:2: bad shape' "the keys list's line is named"

checks "target_check.py" "$PYTHON3" "$srcdir/tests/target_check.py" \
    "$DARKMAP" "$tmp"
finish
