#!/bin/sh
# identify.sh - darkmap identify: weights files made here from the
# catalogue's cfgs with the changes people make (another class count, a
# backbone cut, an old header), Darknet's own fixture weights, a network
# outside the catalogue, the blind sketch, and bad input.

. "$(dirname "$0")/lib.sh"

if ! "$PYTHON3" -c 'import numpy' 2>/dev/null; then
	[ "${CI:-}" = true ] && bail "numpy missing in CI"
	skip_all "$PYTHON3 has no numpy"
fi
ab=$catalogue/AlexeyAB
check="$PYTHON3 $srcdir/tests/identify_check.py"
# Only the catalogue: no folders from the caller's environment.
unset DARKMAP_CFG_PATH

# make CFG OUT: writes a plausible weights file that fits CFG exactly.
make_weights() {
	"$DARKMAP" inspect -f json "$1" >"$tmp/layout.json" &&
	    "$PYTHON3" "$srcdir/bench/genweights.py" "$tmp/layout.json" "$2" \
	    >/dev/null
}

# json_ok DESC MODE COND...: the last identify's JSON ($tmp/out) passes.
json_ok() {
	local desc=$1
	shift
	if $check "$tmp/out" "$@" 2>"$tmp/check.err"; then
		pass "$desc"
	else
		fail "$desc: $(cat "$tmp/check.err")"
	fi
}

# A YOLO detector trained on 3 classes: [yolo] classes and the filters of
# the conv before each head changed together.
sed -e 's/^classes=80/classes=3/' -e 's/^filters=255/filters=24/' \
    "$ab/yolov3-tiny.cfg" >"$tmp/mine.cfg"
make_weights "$tmp/mine.cfg" "$tmp/y3.weights" || fail "genweights yolov3-tiny"
expect 0 "yolov3-tiny with 3 classes is identified" -- \
    "$DARKMAP" identify -f json "$tmp/y3.weights"
json_ok "yolov3-tiny, 3 classes, exact, ab" top name=AlexeyAB/yolov3-tiny.cfg \
    classes=3 fit=exact dialect=ab plausible=true change=filters:255:24 \
    change=classes:80:3
lines=$(grep -n '^filters=255' "$ab/yolov3-tiny.cfg" | cut -d: -f1 |
    paste -sd, | sed 's/,/, /g')
expect 0 "text report" -- "$DARKMAP" identify "$tmp/y3.weights"
grep_out "classes 80->3: filters 255->24 at lines $lines" \
    "the text names the change and the lines ($lines)"
grep_out "open +darkmap identify --write-cfg=yolov3-tiny-3.cfg [^ ]*/y3.weights && darkmap -d ab yolov3-tiny-3.cfg " \
    "the text gives the command that opens it, searching as the report did"
# filters=24 is 3 x (3+5), but also 1 x (19+5), 2 x (7+5) and 4 x (1+5).
grep_out "assumes +3 anchors per head, as the cfg has; 1->19, 2->7, 4->1 classes fit the same bytes" \
    "the text states the anchors assumed and the other counts"
expect 0 "the alternatives in JSON" -- "$DARKMAP" identify -f json \
    "$tmp/y3.weights"
if "$PYTHON3" -c '
import json, sys
c = json.load(open(sys.argv[1]))["candidates"][0]
want = [{"anchors": 1, "classes": 19}, {"anchors": 2, "classes": 7},
        {"anchors": 4, "classes": 1}]
sys.exit(0 if c["alternatives"] == want else 1)' "$tmp/out"; then
	pass "JSON lists the alternatives 1->19, 2->7, 4->1"
else
	fail "JSON alternatives: $(head -c 600 "$tmp/out")"
fi
expect 0 "--write-cfg writes the changed cfg" -- \
    "$DARKMAP" identify --write-cfg="$tmp/w.cfg" "$tmp/y3.weights"
grep_err "w.cfg: assumes 3 anchors per head, as the cfg has; 3 other counts" \
    "--write-cfg says what it assumed"
expect 0 "the written cfg fits the file exactly" -- \
    "$DARKMAP" inspect --no-stats "$tmp/w.cfg" "$tmp/y3.weights"
grep_out '^verdict +exact' "inspect says exact on the written cfg"
if diff "$tmp/mine.cfg" "$tmp/w.cfg" >/dev/null; then
	pass "the written cfg is the trained one, line for line"
else
	fail "the written cfg differs: $(diff "$tmp/mine.cfg" "$tmp/w.cfg" | head -5)"
fi

# A [region] detector: classes and filters = num * (classes + coords + 1).
sed -e 's/^classes=20/classes=7/' -e 's/^filters=125/filters=60/' \
    "$ab/yolov2-tiny-voc.cfg" >"$tmp/region.cfg"
make_weights "$tmp/region.cfg" "$tmp/region.weights" || fail "genweights region"
expect 0 "a [region] detector with 7 classes" -- \
    "$DARKMAP" identify -f json "$tmp/region.weights"
json_ok "yolov2-tiny-voc, 7 classes" top name=AlexeyAB/yolov2-tiny-voc.cfg \
    classes=7 fit=exact change=filters:125:60

# A classifier with 10 classes: its last conv before [softmax].
sed -e 's/^filters=1000/filters=10/' "$ab/tiny.cfg" >"$tmp/cls.cfg"
make_weights "$tmp/cls.cfg" "$tmp/cls.weights" || fail "genweights classifier"
expect 0 "a classifier with 10 classes" -- \
    "$DARKMAP" identify -f json "$tmp/cls.weights"
json_ok "tiny.cfg, 10 classes" top name=AlexeyAB/tiny.cfg classes=10 \
    fit=exact change=filters:1000:10

# A backbone: yolov4-tiny.conv.29 holds layers 0..28, as Darknet's partial.
make_weights "$ab/yolov4-tiny.cfg" "$tmp/y4.weights" || fail "genweights y4"
cut=$("$DARKMAP" inspect -f tsv "$ab/yolov4-tiny.cfg" "$tmp/y4.weights" |
    awk -F'\t' '$1 == 29 { print $5; exit }')
head -c "$cut" "$tmp/y4.weights" >"$tmp/yolov4-tiny.conv.29"
expect 0 "a backbone cut after layer 28" -- \
    "$DARKMAP" identify -f json "$tmp/yolov4-tiny.conv.29"
json_ok "yolov4-tiny.cfg, partial, cutoff 29" tied \
    name=AlexeyAB/yolov4-tiny.cfg fit=partial cutoff=29 plausible=true
# yolov4-tiny-3l.cfg has the same first 29 layers: a tie, marked so.
json_ok "yolov4-tiny.cfg is marked tied" tied \
    name=AlexeyAB/yolov4-tiny.cfg tied=true
json_ok "yolov4-tiny-3l.cfg too, cut alike" tied \
    name=AlexeyAB/yolov4-tiny-3l.cfg fit=partial cutoff=29 tied=true
expect 0 "its text" -- "$DARKMAP" identify "$tmp/yolov4-tiny.conv.29"
grep_out "^   tie +the data rates it as the candidate next to it" \
    "the text says the candidates tie"

# A 16-byte header (version 0.1, 4-byte seen) before Darknet's tiny data.
w=$fixtures/weights/AlexeyAB/tiny.weights
{ printf '\000\000\000\000\001\000\000\000\000\000\000\000\007\000\000\000'
  tail -c +21 "$w"; } >"$tmp/old.weights"
expect 0 "a 16-byte header" -- "$DARKMAP" identify -f json "$tmp/old.weights"
json_ok "16-byte header: tiny.cfg, exact" top name=AlexeyAB/tiny.cfg \
    fit=exact header.size=16 header.seen=7 header.minor=1 tied=false

# A 32-bit build's 0.2.0 header: 4 bytes of seen where the version says 8.
{ printf '\000\000\000\000\002\000\000\000\000\000\000\000\011\000\000\000'
  tail -c +21 "$fixtures/weights/pjreddie/tiny.weights"; } >"$tmp/pj32.weights"
expect 0 "a 4-byte seen under version 0.2.0" -- "$DARKMAP" identify -f json \
    "$tmp/pj32.weights"
json_ok "read with a 16-byte header: tiny.cfg, pj" top name=pjreddie/tiny.cfg \
    dialect=pj header_size=16 fit=exact plausible=true
expect 0 "its text" -- "$DARKMAP" identify "$tmp/pj32.weights"
grep_out "seen's upper half is not zero" "the header line says why 16 bytes are tried"
grep_out "open +darkmap -d pj --header=16 " "the command reads it with --header=16"
cmd=$(sed -n 's/^ *open *//p' "$tmp/out" | head -n 1)
expect 0 "that command, as inspect, fits exactly" -- sh -c \
    "$(printf '%s' "$cmd" | sed "s|^darkmap|'$DARKMAP' inspect --no-stats|")"

# Darknet's own files.
expect 0 "AlexeyAB's tiny.weights" -- "$DARKMAP" identify -f json "$w"
json_ok "tiny.weights: tiny.cfg, ab, 1000 classes" top name=tiny.cfg \
    dialect=ab classes=1000 fit=exact header.revision=5
expect 0 "pjreddie's tiny.weights" -- "$DARKMAP" identify -f json \
    "$fixtures/weights/pjreddie/tiny.weights"
json_ok "pjreddie's tiny.weights: pjreddie/tiny.cfg, pj" top \
    name=pjreddie/tiny.cfg dialect=pj fit=exact header.revision=0
expect 0 "Darknet's random init reads plausibly" -- "$DARKMAP" identify \
    -f json "$fixtures/weights/AlexeyAB/tiny.randinit.weights"
json_ok "tiny.randinit.weights: tiny.cfg" top name=tiny.cfg fit=exact

# A network outside the catalogue (every filters halved): no fit is
# claimed, and its folder given as an argument finds it.
for fork in AlexeyAB pjreddie; do
	half=$fixtures/weights/$fork/yolov3-tiny-half.weights
	d=$(printf %s "$fork" | sed 's/AlexeyAB/ab/; s/pjreddie/pj/')
	expect 1 "$fork yolov3-tiny-half is outside the catalogue" -- \
	    "$DARKMAP" identify -f json "$half"
	json_ok "$fork yolov3-tiny-half: nothing plausible claimed" none
	expect 1 "text: says no cfg fits, and the closest" -- \
	    "$DARKMAP" identify "$half"
	grep_out '^no cfg fits' "the text says that no cfg fits"
	grep_out '^closest' "the text lists the closest"
	expect 0 "$fork yolov3-tiny-half found in its folder" -- \
	    "$DARKMAP" identify -f json "$half" "$fixtures/cfg/reduced/$fork"
	json_ok "$fork yolov3-tiny-half.cfg, $d" top \
	    name=reduced/$fork/yolov3-tiny-half.cfg fit=exact dialect=$d
done
# yolov3-tiny with a neck of its own: nothing fits, and the closest is
# yolov3-tiny.cfg, which the sketch of the data follows up to that conv.
line=$(grep -n '^filters=128' "$ab/yolov3-tiny.cfg" | sed -n 2p | cut -d: -f1)
before=$(head -n "$line" "$ab/yolov3-tiny.cfg" | grep -c '^\[convolutional\]')
before=$((before - 1))
sed "${line}s/.*/filters=96/" "$ab/yolov3-tiny.cfg" >"$tmp/neck.cfg"
make_weights "$tmp/neck.cfg" "$tmp/neck.weights" || fail "genweights neck"
expect 1 "a neck of its own: no fit" -- "$DARKMAP" identify -f json \
    "$tmp/neck.weights"
json_ok "the closest is yolov3-tiny.cfg, its first $before convs agreeing" \
    closest name=AlexeyAB/yolov3-tiny.cfg agreeing_conv_layers=$before
expect 1 "the text says where it parts from the data" -- "$DARKMAP" identify \
    "$tmp/neck.weights"
grep_out "yolov3-tiny.cfg \(ab\): .*its first $before conv layers are the data's, then layer [0-9]+ has 128 filters of size 1 on [0-9]+ channels where the data has 96" \
    "the closest names the layer where the data differs"
expect 0 "DARKMAP_CFG_PATH adds a folder" -- env \
    DARKMAP_CFG_PATH="$tmp/nowhere:$fixtures/cfg/reduced/AlexeyAB" \
    "$DARKMAP" identify -f json "$fixtures/weights/AlexeyAB/yolov4-tiny-half.weights"
json_ok "yolov4-tiny-half found through DARKMAP_CFG_PATH" top \
    name=yolov4-tiny-half.cfg fit=exact
grep_err "warning: DARKMAP_CFG_PATH: .*nowhere" "a missing folder is warned of"
expect 0 "--catalog adds a folder" -- "$DARKMAP" identify -f json \
    --catalog="$fixtures/cfg/reduced/AlexeyAB" \
    "$fixtures/weights/AlexeyAB/yolov4-tiny-half.weights"
json_ok "yolov4-tiny-half found through --catalog" top \
    name=yolov4-tiny-half.cfg

# A cfg that does not parse is skipped with a warning.
mkdir "$tmp/dir"
printf 'filters=3\n[net]\n' >"$tmp/dir/broken.cfg"
cp "$ab/tiny.cfg" "$tmp/dir/mytiny.cfg"
expect 0 "a folder with a broken cfg" -- "$DARKMAP" identify -f json "$w" \
    "$tmp/dir"
grep_err "warning: skipped .*broken.cfg:1: " "the broken cfg is named, with its line"
json_ok "the search went on: mytiny.cfg and tiny.cfg are one layout" top \
    name=dir/mytiny.cfg name=AlexeyAB/tiny.cfg

# The blind sketch, the cfgs withheld: the leading conv layers it
# rebuilds exactly, and its draft cfg.
for f in AlexeyAB/tiny AlexeyAB/yolov3-tiny-half AlexeyAB/yolov4-tiny-half \
    pjreddie/yolov3-tiny-half; do
	fork=${f%%/*}
	name=${f#*/}
	cfg=$catalogue/$fork/$name.cfg
	[ -f "$cfg" ] || cfg=$fixtures/cfg/reduced/$fork/$name.cfg
	weights=$fixtures/weights/$f.weights
	d=$(printf %s "$fork" | sed 's/AlexeyAB/ab/; s/pjreddie/pj/')
	"$DARKMAP" identify -f json --sketch="$tmp/draft.cfg" "$weights" \
	    >"$tmp/out" 2>"$tmp/err"
	"$DARKMAP" inspect -d "$d" -f json "$cfg" >"$tmp/real.json"
	set -- $($check "$tmp/out" sketch "$tmp/real.json")
	echo "# sketch of $f: $1 of $2 conv layers rebuilt exactly"
	if [ "${1:-0}" -eq "${2:--1}" ]; then
		pass "sketch of $f rebuilds all $2 conv layers"
	else
		fail "sketch of $f rebuilds ${1:-?} of ${2:-?} conv layers"
	fi
	expect 0 "the draft cfg of $f fits the file" -- \
	    "$DARKMAP" inspect --no-stats "$tmp/draft.cfg" "$weights"
	grep_out '^verdict +exact' "inspect says exact on the draft of $f"
done

# Bad input.
expect 3 "a cfg where the weights belong" -- "$DARKMAP" identify "$ab/tiny.cfg"
grep_err "tiny.cfg: this is a Darknet cfg file, not weights: identify takes the weights" \
    "the message says the weights come first"
expect 3 "a missing file" -- "$DARKMAP" identify "$tmp/absent.weights"
grep_err "absent.weights: No such file" "the missing file is named"
printf 'PK\003\004 data.pkl' >"$tmp/model.pt"
expect 3 "a PyTorch checkpoint" -- "$DARKMAP" identify "$tmp/model.pt"
grep_err "model.pt: this is a PyTorch checkpoint" "the probe's message"
expect 3 "a missing --catalog folder" -- "$DARKMAP" identify \
    --catalog="$tmp/nowhere" "$w"
grep_err "nowhere: No such file" "the folder is named"
# Bytes no network explains: no fit, no sketch, nothing written.
{ printf '\000\000\000\000\002\000\000\000\005\000\000\000'
  printf '\000\000\000\000\000\000\000\000'
  head -c 400000 /dev/zero | tr '\000' '\177'; } >"$tmp/junk.weights"
expect 1 "bytes that are no network" -- "$DARKMAP" identify \
    --sketch="$tmp/junk.cfg" "$tmp/junk.weights"
grep_err "junk.weights: no conv layer reads from its start; .*junk.cfg not written" \
    "the sketch says it read nothing"
if [ -e "$tmp/junk.cfg" ]; then
	fail "a draft was written for junk"
else
	pass "no draft is written for junk"
fi
{ head -c 20 "$tmp/junk.weights"; head -c 4000 /dev/zero; } >"$tmp/zeros.weights"
expect 1 "a header and zeros" -- "$DARKMAP" identify "$tmp/zeros.weights"
grep_out "blind sketch: 0 conv layers" "zeros are not sketched as a conv"
# A header and zeros of exactly tiny.cfg's size: the size fits, the data
# is no trained network, as inspect's "all zero" says of every array.
{ head -c 20 "$w"; head -c $(($(wc -c <"$w") - 20)) /dev/zero; } \
    >"$tmp/zeros16.weights"
expect 1 "zeros of tiny.cfg's exact size" -- "$DARKMAP" identify -f json \
    "$tmp/zeros16.weights"
json_ok "zeros: tiny.cfg fits, 0 plausible, 16 suspect" top name=tiny.cfg \
    fit=exact plausible=false plausible_layers=0 suspect_layers=16
json_ok "zeros: no candidate is plausible" none
expect 1 "zeros of tiny.cfg's exact size, as text" -- "$DARKMAP" identify \
    "$tmp/zeros16.weights"
grep_out "0 of 16 layers read well, 16 suspect .*: implausible" \
    "the text counts the suspect layers"
grep_out "reads as suspect at layer 0 .*all zero" \
    "the note says the data is all zero"
expect 0 "identify --help" -- "$DARKMAP" identify --help
grep_out '^Usage: darkmap identify \[OPTION\]\.\.\. WEIGHTS' "--help prints the usage on stdout"
expect 0 "identify --version" -- "$DARKMAP" identify --version
grep_out '^darkmap [0-9]+\.[0-9]+' "--version prints the version"
expect 2 "an unknown option" -- "$DARKMAP" identify --frobnicate "$w"
grep_err "Try 'darkmap identify --help'" "the usage error points to the help"
expect 2 "no operand" -- "$DARKMAP" identify
expect 2 "a bad format" -- "$DARKMAP" identify -f xml "$w"
expect 2 "a bad dialect" -- "$DARKMAP" identify -d xx "$w"
expect 2 "--candidate without --write-cfg" -- "$DARKMAP" identify \
    --candidate=2 "$w"
expect 3 "inspect on a weights file alone" -- "$DARKMAP" inspect "$w"
grep_err "tiny.weights: this looks like a weights file, not a cfg: 'darkmap identify " \
    "inspect points to identify"
cp "$w" "$tmp/keep.weights"
expect 2 "--write-cfg over the weights file is refused" -- "$DARKMAP" identify \
    --write-cfg="$tmp/keep.weights" "$tmp/keep.weights"
if cmp -s "$w" "$tmp/keep.weights"; then
	pass "the weights file is left as it was"
else
	fail "the weights file was overwritten"
fi

# Outputs over a cfg that was read are refused, and the cfg is kept: the
# one given as an operand, one in a folder operand, and the candidate's.
cp "$tmp/mine.cfg" "$tmp/yt.cfg"
expect 2 "--write-cfg over the CFG operand is refused" -- "$DARKMAP" \
    identify --write-cfg="$tmp/yt.cfg" "$tmp/y3.weights" "$tmp/yt.cfg"
grep_err "yt.cfg: output is the same file as input" "the refusal names it"
expect 2 "--sketch over the CFG operand is refused" -- "$DARKMAP" \
    identify --sketch="$tmp/yt.cfg" "$tmp/y3.weights" "$tmp/yt.cfg"
mkdir "$tmp/cfgdir"
cp "$tmp/mine.cfg" "$tmp/cfgdir/in.cfg"
expect 2 "--write-cfg over a cfg of a DIR operand is refused" -- \
    "$DARKMAP" identify --write-cfg="$tmp/cfgdir/in.cfg" "$tmp/y3.weights" \
    "$tmp/cfgdir"
if cmp -s "$tmp/mine.cfg" "$tmp/yt.cfg" &&
    cmp -s "$tmp/mine.cfg" "$tmp/cfgdir/in.cfg"; then
	pass "the input cfgs are left as they were"
else
	fail "an input cfg was overwritten"
fi

# A folder with links to itself is searched once, and a cfg named twice
# (as an operand and in a folder) is one name of its candidate.
mkdir "$tmp/loop"
cp "$tmp/mine.cfg" "$tmp/loop/"
for l in a b c; do ln -s . "$tmp/loop/$l"; done
expect 0 "a folder linking to itself" -- "$DARKMAP" identify -f json \
    "$tmp/y3.weights" "$tmp/loop/mine.cfg" "$tmp/loop"
if "$PYTHON3" -c '
import json, sys
d = json.load(open(sys.argv[1]))
names = [n for c in d["candidates"] for n in c["names"]
         if n.endswith("mine.cfg")]
sys.exit(0 if len(names) == 1 else 1)' "$tmp/out"; then
	pass "its cfg is read once"
else
	fail "its cfg is read more than once: $(head -c 400 "$tmp/out")"
fi

# Operands that start with '-': every command darkmap prints for the user
# works when pasted, as sh runs it in the folder it was printed in.
mkdir "$tmp/dash"
cp "$tmp/y3.weights" "$tmp/dash/-x.weights"
cp "$tmp/mine.cfg" "$tmp/dash/-mine.cfg"
cp "$fixtures/cfg/reduced/AlexeyAB/yolov3-tiny-half.cfg" "$tmp/dash/half.cfg"
cp "$fixtures/weights/AlexeyAB/yolov4-tiny-half.weights" "$tmp/dash/-other.weights"
# pasted STATUS DESC COMMAND: COMMAND, run by sh in $tmp/dash with darkmap
# the program under test, exits STATUS.
pasted() {
	expect "$1" "$2" -- sh -c "cd \"\$1\" && darkmap() { \"\$0\" \"\$@\"; } &&
	    $3" "$DARKMAP" "$tmp/dash"
}
# The commands name the search again (-d, --catalog, the cfg operands):
# --candidate=2 picks the same candidate.
mkdir "$tmp/dash/-cfgs"
cp "$tmp/mine.cfg" "$tmp/dash/-cfgs/"
(cd "$tmp/dash" && "$DARKMAP" identify -- -x.weights -mine.cfg \
    >"$tmp/dash.out" 2>"$tmp/err" &&
    "$DARKMAP" identify -d ab --catalog=-cfgs -- -x.weights \
    >>"$tmp/dash.out" 2>>"$tmp/err")
sed -n 's/^ *open *//p' "$tmp/dash.out" >"$tmp/dash.cmds"
if grep -q '^darkmap -d ab \./-mine\.cfg \./-x\.weights$' "$tmp/dash.cmds" &&
    grep -q '^darkmap identify --candidate=2 --write-cfg=[^ ]* \./-x\.weights \./-mine\.cfg && darkmap -d ab [^ ]* \./-x\.weights$' "$tmp/dash.cmds" &&
    grep -q '^darkmap identify -d ab --candidate=2 --catalog=-cfgs --write-cfg=[^ ]* \./-x\.weights && darkmap ' "$tmp/dash.cmds"; then
	pass "identify's commands write -x.weights and -mine.cfg as ./-..."
else
	fail "identify's commands: $(cat "$tmp/dash.cmds" "$tmp/err" | head -c 900)"
fi
i=0
while read -r cmd; do
	i=$((i + 1))
	rm -f "$tmp/dash/yolov3-tiny-3.cfg"
	pasted 0 "command $i of identify's reports, pasted: $cmd" "$cmd"
	case $cmd in
	*--write-cfg=*)
		if cmp -s "$tmp/mine.cfg" "$tmp/dash/yolov3-tiny-3.cfg"; then
			pass "command $i wrote the candidate of its rank"
		else
			fail "command $i wrote another cfg"
		fi ;;
	esac
done <"$tmp/dash.cmds"
[ "$i" -ge 4 ] && pass "$i commands were tried" ||
    fail "only $i commands in the reports: $(head -c 600 "$tmp/dash.out")"
pasted 3 "inspect on -x.weights alone" "darkmap -- -x.weights </dev/null"
hint=$(sed -n "s/.*'\(darkmap identify [^']*\)'.*/\1/p" "$tmp/err")
[ "$hint" = "darkmap identify ./-x.weights" ] &&
    pass "the hint names ./-x.weights" || fail "the hint: $(cat "$tmp/err")"
pasted 0 "the hint's command, pasted" "$hint"
pasted 1 "a file of another network, as -other.weights" \
    "darkmap inspect --no-stats -- half.cfg -other.weights"
pasted 1 "inspect says so" "darkmap inspect -- half.cfg -other.weights"
hint=$(sed -n "s/.*'\(darkmap identify [^']*\)' finds which.*/\1/p" "$tmp/out")
[ "$hint" = "darkmap identify ./-other.weights" ] &&
    pass "the summary names ./-other.weights" ||
    fail "the summary: $(grep -m 1 'another network' "$tmp/out")"
pasted 1 "the summary's command, pasted, reads the file" "$hint"
grep_out '^file +\./-other\.weights: ' "identify reports on ./-other.weights"

finish
