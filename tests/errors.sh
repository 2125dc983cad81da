#!/bin/sh
# Cfgs that Darknet rejects or crashes on are rejected with a clear error
# that names the file and line, and exit status 3: the fixtures' errors/
# folders when present, and the bundled malformed cfgs always.  Keys that
# Darknet would not read are warned about, naming the file and line, and
# the real cfgs of both forks get no other such warning.
. "$(dirname "$0")/lib.sh"

reject() {	# reject DIALECT CFG
	local name
	name=$(basename "$2")
	expect 3 "$1 $name is rejected" -- "$DARKMAP" inspect -d "$1" "$2"
	grep_err "^darkmap: [^ ]*$name(:[0-9]+)?: " "$1 $name: message names the file"
	if grep -q -E 'Sanitizer|runtime error' "$tmp/err"; then
		fail "$1 $name: sanitizer report"
	fi
}

for f in "$data"/bad/*.cfg; do
	d=ab
	case $f in *-pj.cfg) d=pj ;; esac
	reject "$d" "$f"
	# Each bundled case says what it expects in its first line.
	want=$(sed -n '1s/^# expect: //p' "$f" | tr -d '\r')
	if [ -n "$want" ]; then
		grep_err "$want" "$(basename "$f"): $want"
	else
		fail "$(basename "$f") has no '# expect:' first line"
	fi
done

# A misspelt key passes in Darknet and leaves the default in place.
printf '[net]\nwidth=16\nheight=16\nchannels=3\nlearning_rate=0.001\n\n' \
    >"$tmp/keys.cfg"
printf '[convolutional]\nfilters=4\nsize=3\nstrid=2\nstride_x=1\n' \
    >>"$tmp/keys.cfg"
expect 0 "a cfg with a misspelt key is read" -- "$DARKMAP" inspect "$tmp/keys.cfg"
want="^warning  [^ ]*keys\.cfg:10: \[convolutional\] has no key 'strid'"
want="$want \(Darknet ignores it; did you mean 'stride'\?\)\$"
grep_out "$want" "the misspelt key is warned about with file, line and a guess"
[ "$(grep -c '^warning' "$tmp/out")" -eq 1 ] &&
    pass "one warning: none for learning_rate, none for AlexeyAB's stride_x" ||
    fail "warnings: $(grep '^warning' "$tmp/out")"
expect 0 "the same cfg for pjreddie's Darknet" -- "$DARKMAP" inspect -d pj "$tmp/keys.cfg"
grep_out "keys\.cfg:11: \[convolutional\] has no key 'stride_x' in pjreddie's Darknet.*try --dialect ab" \
    "a key of the other fork is warned about in the dialect that ignores it"

# A hostile cfg: 4096 lines without '=' and then a million repeats.  Each
# repeat costs the same small work, found however far from the first, and
# the warnings stop at 100 (the timeout is a bound, not a measure).
{
	printf '[net]\nwidth=16\nheight=16\nchannels=3\n[convolutional]\n'
	awk 'BEGIN { for (i = 0; i < 4096; i++) print "x" i
	    for (i = 0; i < 1000000; i++) print "filters=1" }'
} >"$tmp/hostile.cfg"
expect 0 "a million repeated keys are read in time" -- \
    timeout "$DM_TEST_WAIT" "$DARKMAP" inspect "$tmp/hostile.cfg"
grep_out "^warning  [^ ]*hostile\.cfg:4103: \[convolutional\] already has 'filters' on line 4102:" \
    "a repeat after 4096 lines without '=' is warned about"
[ "$(grep -c '^warning' "$tmp/out")" -eq 101 ] &&
    pass "repeat warnings stop after 100, then say so" ||
    fail "$(grep -c '^warning' "$tmp/out") warnings, expected 101"
rm -f "$tmp/hostile.cfg"

# Darknet's own cfgs: only keys it really ignores are warned about.
# Each expected line, read in the cfg itself:
#   efficientnet_b0.cfg:25,26   momentum=, decay= again (lines 11, 12)
#   writing.cfg:10              seen=0, a key no parser reads
#   yolov3-openimages.cfg:6,7   batch=, subdivisions= again (3, 4)
#   yolo9000.cfg:8,9 (pj)       batch=, subdivisions= again (3, 4)
#   rnn.cfg:17,23,29 (pj)       hidden=, which only AlexeyAB's reads
# A cfg Darknet refuses exits 3; none may crash.
keywarn() {	# keywarn DIALECT CFG...: FILE:LINE of each key warning
	local d=$1 f rc
	shift
	for f; do
		"$DARKMAP" inspect -d "$d" "$f" 2>/dev/null >"$tmp/kw"
		rc=$?
		[ "$rc" -le 3 ] || echo "$f: exit $rc" >>"$tmp/kwcrash"
		sed -n -E "s#^warning  .*/([^/]*:[0-9]+): \[[^]]*\] (has no key|already has) .*#\1#p" "$tmp/kw"
	done | tr '\n' ' '
}
rm -f "$tmp/kwcrash"
got=$(keywarn ab "$catalogue"/AlexeyAB/*.cfg "$catalogue"/AlexeyAB/yolov1/*.cfg)
want="efficientnet_b0.cfg:25 efficientnet_b0.cfg:26 writing.cfg:10 yolov3-openimages.cfg:6 yolov3-openimages.cfg:7 "
[ "$got" = "$want" ] && pass "AlexeyAB's cfgs: only the keys Darknet ignores" ||
    fail "AlexeyAB's cfgs: key warnings '$got', expected '$want'"
got=$(keywarn pj "$catalogue"/pjreddie/*.cfg)
want="rnn.cfg:17 rnn.cfg:23 rnn.cfg:29 writing.cfg:10 yolo9000.cfg:8 yolo9000.cfg:9 yolov3-openimages.cfg:6 yolov3-openimages.cfg:7 "
[ "$got" = "$want" ] && pass "pjreddie's cfgs: only the keys Darknet ignores" ||
    fail "pjreddie's cfgs: key warnings '$got', expected '$want'"
[ ! -e "$tmp/kwcrash" ] && pass "every cfg of both forks inspected without a crash" ||
    fail "$(cat "$tmp/kwcrash")"

for f in "$fixtures"/cfg/synthetic/AlexeyAB/errors/*.cfg; do
	reject ab "$f"
	grep_err ':[0-9]+: |no layer has an input' "$(basename "$f"): names a line"
done
for f in "$fixtures"/cfg/synthetic/pjreddie/errors/*.cfg; do
	reject pj "$f"
	grep_err ':[0-9]+: ' "$(basename "$f"): names a line"
done
finish
