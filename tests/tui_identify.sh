#!/bin/sh
# The identify screen in a real terminal (tmux), as darkmap WEIGHTS opens
# it with no cfg: a yolov4-tiny trained on 3 classes, made here from the
# catalogue's cfg, is found among the candidates, Enter opens it as the
# pair with its changes applied and W writes its cfg; the bundled example,
# a network in no catalogue, shows the blind segmentation; I over a pair
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

# A network in no catalogue: the closest layouts and the segmentation.
start blind -- shapes.weights
see blind 'no cfg fits the size of the file' "nothing fits the example"
see blind 'blind segmentation: [0-9]+ conv layers read from the data alone' \
    "the blind segmentation"
see blind '0 +bytes 20-1012 +conv 8x3x3x3 +batch norm' \
    "its first conv layer, with its bytes and shape"
keys blind G
see blind 'bytes [0-9]+-112180 +not read' "G scrolls to the bytes not read"
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
