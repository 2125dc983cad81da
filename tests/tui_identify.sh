#!/bin/sh
# The identify screen in a real terminal (tmux), as darkmap WEIGHTS opens
# it with no cfg: a yolov4-tiny trained on 3 classes, made here from the
# catalogue's cfg, is found among the candidates, Enter opens it as the
# pair with its changes applied and W writes its cfg; the bundled example,
# a network in no catalogue, shows the blind segmentation and the bytes of
# each segment, annotated run by run; I over a pair
# replaces the pair with the candidate chosen; bad input says what it
# said before, with no screen drawn.
. "$(dirname "$0")/lib.sh"

. "$srcdir/tests/tmux.sh"

if ! "$PYTHON3" -c 'import numpy' 2>/dev/null; then
	[ "${CI:-}" = true ] && bail "numpy missing in CI"
	skip_all "$PYTHON3 has no numpy"
fi
# Only the catalogue: no folders from the caller's environment.
unset DARKMAP_CFG_PATH

# A yolov4-tiny of 3 classes: 3 x (3 + 5) = 24 filters before each head.
sed -e 's/^classes=80/classes=3/' -e 's/^filters=255/filters=24/' \
    "$catalogue/AlexeyAB/yolov4-tiny.cfg" >"$tmp/mine.cfg"
"$DARKMAP" inspect -f json "$tmp/mine.cfg" >"$tmp/layout.json" &&
    "$PYTHON3" "$srcdir/bench/genweights.py" "$tmp/layout.json" \
    "$tmp/mine.weights" >/dev/null || bail "cannot make the weights file"
mkdir "$tmp/run" || bail "no folder"
cp "$tmp/mine.weights" "$data/demo/shapes.weights" "$data/demo/shapes.cfg" \
    "$tmp/run/" || bail "cannot copy the files"
rundir=$tmp/run

start ident -- mine.weights
see ident 'which cfgs explain the weights file \(q quits\)' \
    "a weights file alone opens the identify screen"
see ident 'header +0\.2\.5, seen [0-9]+ \(8 bytes\)' "it shows the header"
see ident '1 candidate \(Enter opens the selected one\)' \
    "it counts the candidates"
see ident ' 1\. AlexeyAB/yolov4-tiny\.cfg +ab +classes 3 +exact +21/21 plausible' \
    "the candidate: the catalogue's cfg, 3 classes, an exact fit"
see ident 'changes +classes 80->3: filters 255->24' \
    "the selected one's report says the changes"
see ident 'Enter open +q quit' "the hint line says what Enter and q do"
keys ident j k
see ident ' 1\. AlexeyAB/yolov4-tiny\.cfg' "j and k keep to the list"
keys ident Enter
see ident 'yolov4-tiny-3\.cfg \+ mine\.weights' \
    "Enter opens the pair, the corrected cfg named"
see ident 'exact: the file holds exactly' "a clean verdict"
keys ident G
see ident '29 convolutional +13x13x24 ' "the first head's conv has 24 filters"
see ident 'classes 80->3; the cfg is in .*/darkmap/cfg/' \
    "the message says where the corrected cfg is"
keys ident W
see ident 'write the corrected cfg to: yolov4-tiny-3\.cfg' \
    "W proposes the corrected cfg's name"
keys ident Enter
see ident 'wrote yolov4-tiny-3\.cfg' "W writes it"
if cmp -s "$tmp/mine.cfg" "$tmp/run/yolov4-tiny-3.cfg"; then
	pass "the cfg W wrote is the trained one, line for line"
else
	fail "the cfg W wrote differs from the trained one"
fi
keys ident I
see ident 'which cfgs explain the weights file \(q or Escape closes' \
    "I opens the same screen over the pair"
keys ident q
see ident 'yolov4-tiny-3\.cfg \+ mine\.weights' "q goes back to the pair"
keys ident q
ended ident 0 "q quits with 0"
expect 0 "the corrected cfg fits the file exactly" -- \
    "$DARKMAP" inspect --no-stats "$tmp/run/yolov4-tiny-3.cfg" \
    "$tmp/run/mine.weights"
grep_out '^verdict +exact' "inspect says exact on it"

# A network in no catalogue: the closest layouts and the segmentation,
# its segments a list and the file's bytes beside it, annotated from the
# segmentation alone.  At 120 columns the byte view shows 16 bytes a row.
start blind -- shapes.weights
see blind 'no cfg fits the size of the file' "nothing fits the example"
see blind 'blind segmentation: [0-9]+ conv layers read from the data alone' \
    "the blind segmentation"
see blind '0 +bytes 20-1012 +conv 8x3x3x3 +batch norm' \
    "its first conv layer, with its bytes and shape"
see blind 'Bytes +@20 \(0x14\) +segment 0 biases, byte 0 of 32 ' \
    "the byte view starts at segment 0's biases"
see blind '^ 00000010 00 00 00 00 f5 f7 91 bd ca 49 ef bd 27 2f 62 bc  ' \
    "the row of the header's last bytes and the first biases, in hex"
see blind '^ 00000010 .*  +0 +-0\.07127 +-0\.1168 +-0\.01381$' \
    "and as floats"
keys blind j
see blind 'Bytes +@1012 \(0x3f4\) +segment 1 biases, byte 0 of 64 ' \
    "j selects segment 1: the byte view goes to its first byte"
see blind '^ 000003f0 e2 cb b5 3e 8f e7 3a bd ' "and shows its bytes"
# Tab: the byte view; l goes a float on, j a row, h a float back.
keys blind Tab l l l l l l l l l l l l l l l l
see blind 'Bytes +@1076 \(0x434\) +segment 1 scales, byte 0 of 64 ' \
    "16 floats on: the scales"
keys blind l l l l l l l l l l l l l l l l l l l l l l l l l l l l l l l l \
    l l l l l l l l l l l l l l l l
see blind 'Bytes +@1268 \(0x4f4\) +segment 1 weights, byte 0 of 4608 ' \
    "48 more: the weights run"
keys blind h
see blind 'Bytes +@1264 \(0x4f0\) +segment 1 rolling_variance, byte 60 of 64 ' \
    "one float back: the last variance"
keys blind j
see blind 'Bytes +@1280 \(0x500\) +segment 1 weights, byte 12 of 4608 ' \
    "j: a row of bytes on"
keys blind G
see blind 'Bytes +@112179 \(0x1b633\) +not explained: no conv layer reads bytes 87256-112180' \
    "G: the end of the file, which no segment explains"
keys blind g
see blind 'Bytes +@0 \(0x0\) +the file.s header' "g: the start, the header"
# Tab round to the segments: G chooses the bytes not read, k the last
# segment, a head without batch norm.
keys blind Tab Tab G
see blind 'Bytes +@87256 \(0x154d8\) +not explained' \
    "G in the segments: the bytes not read"
keys blind k
see blind 'Bytes +@67060 \(0x105f4\) +segment 6 biases, byte 0 of 612 ' \
    "k: segment 6, 153 biases"
keys blind Enter
see blind 'no cfg fits the file: nothing to open' "Enter opens nothing"
keys blind q
ended blind 0 "q quits with 0"

# --dialect keeps to one fork: yolov4-tiny is read as AlexeyAB's; read as
# pjreddie's, its [yolo] heads and new layers make it fit nothing.
start dpj -- -d pj mine.weights
see dpj 'no cfg fits the size of the file' "-d pj: no candidate"
see dpj 'AlexeyAB/yolov4-tiny\.cfg \(pj\): the file holds' \
    "-d pj: the closest layouts are pjreddie's readings"
capture dpj
if grep -q '(ab)' "$screen"; then
	fail "-d pj lists a reading of AlexeyAB's fork"
else
	pass "-d pj lists no reading of AlexeyAB's fork"
fi
keys dpj q
ended dpj 0 "q quits with 0"
start dab -- --dialect=ab mine.weights
see dab ' 1\. AlexeyAB/yolov4-tiny\.cfg +ab +classes 3 +exact' \
    "--dialect=ab: the candidate"
keys dab q
ended dab 0 "q quits with 0"

# I over a pair, then Enter: the candidate in place of the pair.
start over -- shapes.cfg mine.weights
see over 'shapes\.cfg \+ mine\.weights' "a pair of the wrong cfg"
keys over I
see over ' 1\. AlexeyAB/yolov4-tiny\.cfg' "I lists the candidates"
keys over Enter
see over 'yolov4-tiny-3\.cfg \+ mine\.weights' "Enter replaces the pair"
see over 'exact: the file holds exactly' "with a clean verdict"
keys over q
ended over 0 "q quits with 0"

# I over a pair whose network is in no catalogue: the segments and their
# bytes there too; q goes back to the pair, its own byte view unchanged.
start overblind -- shapes.cfg shapes.weights
see overblind 'shapes\.cfg \+ shapes\.weights' "the example's pair"
keys overblind I
see overblind 'Bytes +@20 \(0x14\) +segment 0 biases, byte 0 of 32 ' \
    "I over it: the byte view of the segments"
keys overblind Tab l
see overblind 'Bytes +@24 \(0x18\) +segment 0 biases, byte 4 of 32 ' \
    "Tab and l: a float on"
keys overblind q
see overblind 'shapes\.cfg \+ shapes\.weights' "q goes back to the pair"
capture overblind
if grep -q 'segment 0 biases' "$screen"; then
	fail "the pair's screen shows the identify screen's byte view"
else
	pass "the pair's screen is its own"
fi
keys overblind q
ended overblind 0 "q quits with 0"

# Bad input: the messages and statuses of before, no screen drawn.  The
# message is read from standard error (a pane that ends at once may lose
# its last output), standard output staying the terminal.
: >"$tmp/run/empty.weights"
printf '\000\000\000\000\002\000\000\000' >"$tmp/run/short.weights"
mkdir "$tmp/run/dir.weights"
for f in empty short dir missing; do
	(cd "$tmp/run" && "$DARKMAP" inspect "$f.weights") \
	    >/dev/null 2>"$tmp/$f.want"
	want=$?
	rm -f "$tmp/bad$f.rc"
	tm new-session -d -s "bad$f" -x 120 -y 40 -c "$tmp/run" \
	    "env XDG_STATE_HOME='$state' LANG=C.UTF-8 LC_ALL= TERM=screen '$DARKMAP' '$f.weights' 2>'$tmp/$f.err'; echo \$? >'$tmp/bad$f.rc'"
	ended "bad$f" "$want" "$f.weights: exit status $want, as inspect's"
	capture "bad$f"
	if [ -s "$tmp/$f.want" ] && cmp -s "$tmp/$f.want" "$tmp/$f.err" &&
	    ! grep -q 'which cfgs explain' "$screen"; then
		pass "$f.weights: the same message ($(cat "$tmp/$f.err")), no screen"
	else
		fail "$f.weights: '$(cat "$tmp/$f.err")', not '$(cat "$tmp/$f.want")'"
	fi
done
finish
