#!/bin/sh
# make-corpus.sh - writes the seed corpus of a fuzz target.
#
# Usage: make-corpus.sh cfg|weights|profile|pickle OUTDIR
#
# Seeds come from the bundled test data (tests/data) and, when present,
# the shared fixtures ($DM_FIXTURES, or ../shared/fixtures beside the
# source tree), so none need to be committed.  For the weights target each
# seed is in the layout fuzz_weights.c reads: a flags byte, 0xf0 and a
# two-byte length before the cfg text (or a built-in cfg's number), an
# 8-byte size parameter, then the first bytes of a weights file.
set -eu

srcdir=${srcdir:-$(cd "$(dirname "$0")/.." && pwd)}
fixtures=${DM_FIXTURES:-}
if [ -z "$fixtures" ] && [ -d "$srcdir/../shared/fixtures" ]; then
	fixtures=$(cd "$srcdir/../shared/fixtures" && pwd)
fi

[ $# -eq 2 ] || { echo "usage: $0 cfg|weights|profile|pickle OUTDIR" >&2; exit 2; }
target=$1
out=$2
mkdir -p "$out"
n=0

# byte N: the byte of value N (0-255).
byte() { printf "\\$(printf %03o "$1")"; }
# le N BYTES: N little-endian in BYTES bytes (N below 2^62).
le() {
	_n=$1 _k=0
	while [ "$_k" -lt "$2" ]; do
		byte $((_n & 255))
		_n=$((_n >> 8))
		_k=$((_k + 1))
	done
}

cfg_seeds() {
	for f in "$srcdir"/tests/data/*.cfg "$srcdir"/tests/data/bad/*.cfg \
	    "$srcdir"/tests/data/malformed/*.cfg; do
		[ -f "$f" ] || continue
		n=$((n + 1))
		cp "$f" "$out/seed-$n-$(basename "$f")"
	done
	[ -n "$fixtures" ] && [ -d "$fixtures/cfg" ] || return 0
	find "$fixtures/cfg" -name '*.cfg' -size -64k | sort | while read -r f; do
		cp "$f" "$out/fix-$(echo "$f" | sed "s|^$fixtures/cfg/||; s|/|_|g")"
	done
}

# wseed NAME FLAGS CFG-FILE|BUILTIN-NUMBER PARAM HEAD-FILE HEAD-BYTES
wseed() {
	n=$((n + 1))
	{
		byte "$2"
		case $3 in
		[0-9]) byte "$3" ;;
		*)	byte 240
			le "$(wc -c <"$3")" 2
			cat "$3" ;;
		esac
		le "$4" 8
		head -c "$6" "$5"
	} >"$out/seed-$n-$1"
}

# Headers and look-alikes, as the first bytes of a weights file.
heads() {
	h=$out/.heads
	mkdir -p "$h"
	{ le 0 4; le 2 4; le 5 4; le 0 8; head -c 64 /dev/zero; } >"$h/v025"
	{ le 0 4; le 1 4; le 0 4; le 7 4; head -c 64 /dev/zero; } >"$h/v01"
	{ le 0 4; le 2 4; le 0 4; le 0 4; head -c 64 /dev/zero; } >"$h/v02short"
	{ le 1000 4; le 1001 4; le 0 4; le 0 8; head -c 64 /dev/zero; } >"$h/transposed"
	printf 'version https://git-lfs.github.com/spec/v1\noid sha256:00\nsize 248007048\n' >"$h/lfs"
	printf '<!DOCTYPE html>\n<html><body>Not found</body></html>\n' >"$h/html"
	printf 'PK\003\004\024\000\000\000archive/data.pkl' >"$h/ptzip"
	printf '\200\002}q\000.' >"$h/pickle"
	printf '\211HDF\r\n\032\n\000\000' >"$h/hdf5"
	printf '\223NUMPY\001\000' >"$h/npy"
	printf '\037\213\010\000' >"$h/gzip"
	{ le 40 8; printf '{"a":{"dtype":"F32","shape":[1]}}     '; } >"$h/safetensors"
	printf '[net]\nwidth=8\n' >"$h/cfgtext"
	printf '\000\000\000\000\002\000' >"$h/short"
}

weights_seeds() {
	heads
	# The built-in cfgs with each kind of head and each way to size it.
	for c in 0 1 2 3 4 5 6; do
		for f in 4 5 6 7 36 100 132 164 228; do
			wseed "b$c-f$f-v025" "$f" "$c" 0 "$h/v025" 84
		done
		for hd in v01 v02short transposed lfs html ptzip pickle hdf5 npy \
		    gzip safetensors cfgtext short; do
			wseed "b$c-$hd" 4 "$c" 0 "$h/$hd" 200
		done
		wseed "b$c-big" 8 "$c" 4294967296 "$h/v025" 84
	done
	for f in "$srcdir"/tests/data/ab-small "$srcdir"/tests/data/pj-small; do
		flags=4
		case $f in *pj-small) flags=5 ;; esac
		wseed "$(basename "$f")-exact" "$flags" "$f.cfg" 0 "$f.weights" 256
		wseed "$(basename "$f")-cut" "$((flags + 8))" "$f.cfg" 0 "$f.weights" 256
		wseed "$(basename "$f")-pj" "$((flags ^ 1))" "$f.cfg" 0 "$f.weights" 256
	done
	rm -rf "$h"
	[ -n "$fixtures" ] && [ -f "$fixtures/weights/MANIFEST.tsv" ] || return 0
	# Each Darknet-written fixture with its cfg: exact, cut, trailing.
	tail -n +2 "$fixtures/weights/MANIFEST.tsv" | while IFS='	' read -r fork name cfg file rest; do
		c=$fixtures/$cfg
		w=$fixtures/weights/$file
		[ -f "$c" ] && [ -f "$w" ] || continue
		[ "$(wc -c <"$c")" -lt 65536 ] || continue
		flags=4
		[ "$fork" = pjreddie ] && flags=5
		wseed "$fork-$name-exact" "$flags" "$c" 0 "$w" 128
		wseed "$fork-$name-minus4" "$flags" "$c" 65532 "$w" 128
		wseed "$fork-$name-cut" "$((flags + 12))" "$c" 3 "$w" 128
	done
}

# kept TARGET: the inputs the tests keep for TARGET.
kept() {
	for f in "$srcdir"/fuzz/regressions/"$1"/*; do
		[ -f "$f" ] || continue
		n=$((n + 1))
		cp "$f" "$out/seed-$n"
	done
}

# Profiles: those the tests keep, and the examples of the manual page.
profile_seeds() {
	kept profile
	awk '/^\.Bd -literal/ { on = 1; n++; next } /^\.Ed/ { on = 0; next }
	    on { print > (out "/man-" n) }' out="$out" \
	    "$srcdir/man/darkmap-profile.5"
}

case $target in
cfg)	cfg_seeds ;;
pickle)	kept pickle ;;	# what torch 1.13 writes, and refused ones
weights) weights_seeds ;;
profile) profile_seeds ;;
*)	echo "$0: unknown target '$target'" >&2; exit 2 ;;
esac
echo "$0: $(ls "$out" | wc -l) seeds in $out"
