#!/bin/sh
# The verdict of a weights file against its cfg, on files crafted from a
# Darknet-written one: exact, partial, truncated, trailing, unaligned, the
# two header sizes, the transpose flag, and files that are not weights.
. "$(dirname "$0")/lib.sh"

cfg=$data/ab-small.cfg
good=$data/ab-small.weights

# offset LAYER: byte offset of the first array of LAYER (from the ledger).
"$DARKMAP" inspect --format tsv "$cfg" >"$tmp/ledger" || bail "no ledger of $cfg"
offset() { awk -v l="$1" '$1 == l { print $5; exit }' "$tmp/ledger"; }
total=$(awk '$1 == -1 { print $5 }' "$tmp/ledger")
[ "$total" = "$(wc -c <"$good")" ] || bail "ledger total $total"

# verdict FILE KIND [LAYER [BYTES]]: JSON verdict checks.
verdict() {
	"$PYTHON3" - "$tmp/out" "$@" <<'PY'
import json, sys
d = json.load(open(sys.argv[1]))
v = d["verdict"]
want = sys.argv[2:]
assert v["kind"] == want[0], v
if len(want) > 1: assert v["layer"] == int(want[1]), v
if len(want) > 2: assert v["bytes"] == int(want[2]), v
assert v["message"], v
PY
}

# reheader SRC DST FORMAT V...: SRC with its 20-byte header replaced by
# the values V packed with the Python struct FORMAT.
reheader() {
	"$PYTHON3" -c '
import struct, sys
d = open(sys.argv[1], "rb").read()
v = [int(x) for x in sys.argv[4:]]
open(sys.argv[2], "wb").write(struct.pack(sys.argv[3], *v) + d[20:])
' "$@"
}

check() {	# check STATUS KIND FILE [LAYER [BYTES]]
	local st=$1 kind=$2 file=$3
	shift 3
	expect "$st" "$kind: $(basename "$file") exit status" -- \
	    "$DARKMAP" inspect --format json "$cfg" "$file"
	if verdict "$kind" "$@" 2>"$tmp/perr"; then
		pass "$kind: $(basename "$file") verdict"
	else
		fail "$kind: $(basename "$file") verdict: $(tail -1 "$tmp/perr")"
	fi
}

check 0 exact "$good"

# Partial: cut cleanly before layer 9 (as 'darknet partial' does).
o9=$(offset 9)
head -c "$o9" "$good" >"$tmp/partial.weights"
check 1 partial "$tmp/partial.weights" 9 $((total - o9))
"$DARKMAP" inspect "$cfg" "$tmp/partial.weights" >"$tmp/out" 2>&1
grep_out 'ends cleanly after layer 8' "partial names the last layer present"

# Truncated: cut 8 bytes into layer 9's first array.
head -c $((o9 + 8)) "$good" >"$tmp/trunc.weights"
check 1 truncated "$tmp/trunc.weights" 9 $((total - o9 - 8))
"$DARKMAP" inspect "$cfg" "$tmp/trunc.weights" >"$tmp/out" 2>&1
grep_out 'ends inside layer 9 array' "truncated names the layer and array"

# Trailing: 8 junk bytes appended; unaligned: 3.
{ cat "$good"; printf 'junkjunk'; } >"$tmp/trail.weights"
check 1 trailing "$tmp/trail.weights" -1 8
{ cat "$good"; printf 'abc'; } >"$tmp/odd.weights"
check 1 unaligned "$tmp/odd.weights" -1 3
head -c $((o9 + 6)) "$good" >"$tmp/odd2.weights"
check 1 unaligned "$tmp/odd2.weights" 9

# A genuine 16-byte header (version 0.1: 4-byte seen) is exact.
reheader "$good" "$tmp/h16.weights" "<iiiI" 0 1 0 7
check 0 exact "$tmp/h16.weights"
"$PYTHON3" -c 'import json,sys; h=json.load(open(sys.argv[1]))["header"]; assert h["size"]==16 and h["minor"]==1 and h["seen"]==7, h' "$tmp/out" &&
    pass "16-byte header decoded" || fail "16-byte header decoded"

# A header that says 0.2 but has a 4-byte seen: 4 bytes short, and the
# report says a 16-byte header would fit.
check 1 truncated "$data/demo/demo.weights"
"$DARKMAP" inspect "$cfg" "$data/demo/demo.weights" >"$tmp/out" 2>&1
grep_out 'With a 16-byte header instead of 20' "wrong header size is suggested"

# Transposed header (1000.1001): AlexeyAB reads 8 bytes of seen,
# pjreddie 4 (spec 5).
reheader "$good" "$tmp/tr.weights" "<iiiQ" 1000 1001 0 0
check 0 exact "$tmp/tr.weights"
"$PYTHON3" -c 'import json,sys; h=json.load(open(sys.argv[1]))["header"]; assert h["transpose"] and h["size"]==20, h' "$tmp/out" &&
    pass "transpose flag, AlexeyAB rule" || fail "transpose flag, AlexeyAB rule"
reheader "$data/pj-small.weights" "$tmp/trpj.weights" "<iiiQ" 1000 1001 0 0
expect 1 "pj reads a 4-byte seen for 1000.1001" -- \
    "$DARKMAP" inspect -d pj --format json "$data/pj-small.cfg" "$tmp/trpj.weights"
"$PYTHON3" -c 'import json,sys; d=json.load(open(sys.argv[1])); assert d["header"]["size"]==16 and d["verdict"]["kind"]=="trailing" and d["verdict"]["bytes"]==4, d["verdict"]' "$tmp/out" &&
    pass "transpose flag, pjreddie rule" || fail "transpose flag, pjreddie rule"

# Not weights at all: exit 3 and a plain sentence.
notweights() {	# notweights NAME PATTERN
	expect 3 "$1 is refused" -- "$DARKMAP" inspect "$cfg" "$tmp/$1"
	grep_err "$2" "$1 is explained"
}
: >"$tmp/empty.weights"
notweights empty.weights 'empty'
printf 'version https://git-lfs.github.com/spec/v1\noid sha256:4b1a\nsize 248007048\n' >"$tmp/lfs.weights"
notweights lfs.weights 'Git LFS pointer.*248007048 bytes'
printf '<!DOCTYPE html>\n<html><body>Not found</body></html>\n' >"$tmp/page.weights"
notweights page.weights 'HTML page'
printf 'PK\003\004\024\000\000\000archive/data.pklxxxxxxxxxxxxxxxxxxxxxxxxxx' >"$tmp/model.weights"
notweights model.weights 'PyTorch checkpoint'
printf 'PK\003\004\024\000\000\000hello.txtxxxxxxxxxxxxxxxxxxxxxxxx' >"$tmp/a.weights"
notweights a.weights 'zip archive'
printf '\200\002}q\000.' >"$tmp/p.weights"
notweights p.weights 'pickle'
cp "$cfg" "$tmp/swapped.weights"
notweights swapped.weights 'cfg file, not weights'
printf '\211PNG\r\n\032\n\000\000\000\rIHDR\000\000\000\020\000\000\000\020\010\006' >"$tmp/img.weights"
notweights img.weights 'PNG image'
printf '\000\000\000\000\002\000\000\000' >"$tmp/short.weights"
notweights short.weights 'fewer than the 16'

# Input files are never modified.
sum1=$(cksum <"$good")
"$DARKMAP" inspect "$cfg" "$good" >/dev/null 2>&1
[ "$(cksum <"$good")" = "$sum1" ] && pass "input unchanged" || fail "input changed"
finish
