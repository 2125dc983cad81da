#!/bin/sh
# A subset of the suite under valgrind's memcheck: inspect with its
# diagnosis, fix, convert to every format and the profile round trip, on
# the bundled files.  Skipped in a sanitizer build (the two do not mix).
. "$(dirname "$0")/lib.sh"

if ! command -v valgrind >/dev/null 2>&1; then
	[ "${CI:-}" = true ] && { echo "valgrind missing in CI"; exit 99; }
	echo "SKIP: valgrind not installed"; exit 77
fi
if grep -q -a -E '__asan_init|__ubsan_handle' "$DARKMAP" 2>/dev/null; then
	echo "SKIP: a sanitizer build; valgrind runs on the plain build"
	exit 77
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
vg 3 "a cfg Darknet rejects" -- "$DARKMAP" inspect "$data/bad/route-forward.cfg"
vg 1 "a refused convert" -- "$DARKMAP" convert "$data/demo/demo.cfg" "$data/demo/demo.weights" -o "$tmp/x.pt"
finish
