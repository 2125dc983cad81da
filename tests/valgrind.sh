#!/bin/sh
# A subset of the suite under valgrind's memcheck: inspect with its
# diagnosis, fix, convert to every format and the profile round trip, on
# the bundled files; and the statistics' threads under helgrind and drd.
# Skipped in a sanitizer build (the two do not mix).
. "$(dirname "$0")/lib.sh"

if ! command -v valgrind >/dev/null 2>&1; then
	[ "${CI:-}" = true ] && bail "valgrind missing in CI"
	skip_all "valgrind not installed"
fi
if grep -q -a -E '__asan_init|__ubsan_handle' "$DARKMAP" 2>/dev/null; then
	skip_all "a sanitizer build; valgrind runs on the plain build"
fi

vg() {	# vg STATUS DESCRIPTION -- COMMAND...
	local want=$1 desc=$2
	shift 3
	expect "$want" "valgrind: $desc" -- valgrind -q --error-exitcode=42 \
	    --leak-check=full --errors-for-leak-kinds=definite,indirect \
	    "$@"
}

cfg=$data/ab-small.cfg
w=$data/ab-small.weights
vg 0 "inspect with statistics" -- "$DARKMAP" inspect -f json "$cfg" "$w"
vg 1 "inspect a broken file (diagnosis)" -- "$DARKMAP" inspect "$data/demo/demo.cfg" "$data/demo/demo.weights"
vg 0 "fix" -- "$DARKMAP" fix "$data/demo/demo.cfg" "$data/demo/demo.weights" -o "$tmp/p.profile"
vg 1 "fix of a header-only file" -- "$DARKMAP" fix "$cfg" "$data/malformed/header-only.weights" -o "$tmp/none.profile"
vg 0 "inspect with a profile" -- "$DARKMAP" inspect --profile "$tmp/p.profile" --save-profile "$tmp/q.profile" "$data/demo/demo.cfg" "$data/demo/demo.weights"
for f in pt safetensors npz weights; do
	vg 0 "convert to $f" -- "$DARKMAP" convert "$cfg" "$w" -o "$tmp/o.$f"
done
vg 0 "convert to pt, eriklindernoren keys, float16" -- "$DARKMAP" convert --names eriklindernoren --dtype float16 "$data/demo/shapes.cfg" "$data/demo/shapes.weights" -o "$tmp/s.pt" --force
# A 6 MB file, enough work for the statistics to run on several threads:
# memcheck, and the thread checkers helgrind and drd.
vg 0 "identify against the catalogue" -- "$DARKMAP" identify -f json \
    "$fixtures/weights/AlexeyAB/tiny.weights"
vg 1 "identify outside the catalogue, sketched" -- "$DARKMAP" identify \
    --sketch="$tmp/draft.cfg" "$fixtures/weights/AlexeyAB/yolov3-tiny-half.weights"
printf '%s\n' '[net]' 'width=32' 'height=32' 'channels=256' '' \
    '[convolutional]' 'filters=640' 'size=3' 'stride=1' 'pad=1' \
    'activation=leaky' >"$tmp/big.cfg"
"$PYTHON3" -c '
import struct, sys
import numpy as np
v = np.random.default_rng(7).normal(0, 0.02, 640 + 640 * 256 * 9)
with open(sys.argv[1], "wb") as f:
    f.write(struct.pack("<iiiq", 0, 2, 5, 0))
    f.write(v.astype("<f4").tobytes())
' "$tmp/big.weights" || fail "cannot make the 6 MB weights"
vg 0 "inspect 6 MB (threads)" -- "$DARKMAP" inspect "$tmp/big.cfg" "$tmp/big.weights"
# test_stats runs the statistics on 1 to 5 threads whatever the number of
# CPUs, a failing read included.
stats=${TEST_STATS:-./tests/unit/test_stats}
for tool in helgrind drd; do
	expect 0 "$tool: inspect 6 MB (threads)" -- valgrind -q --tool=$tool \
	    --error-exitcode=42 "$DARKMAP" inspect "$tmp/big.cfg" "$tmp/big.weights"
	if [ -x "$stats" ]; then
		expect 0 "$tool: test_stats (1 to 5 threads, a read failing)" -- \
		    valgrind -q --tool=$tool --error-exitcode=42 "$stats"
	elif [ "${CI:-}" = true ]; then
		fail "no $stats to run under $tool"
	else
		echo "# no $stats (built with cmocka) to run under $tool"
	fi
done
vg 3 "a cfg Darknet rejects" -- "$DARKMAP" inspect "$data/bad/route-forward.cfg"
vg 1 "a refused convert" -- "$DARKMAP" convert "$data/demo/demo.cfg" "$data/demo/demo.weights" -o "$tmp/x.pt"
finish
