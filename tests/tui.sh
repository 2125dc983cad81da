#!/bin/sh
# The interactive interface in a real terminal: tmux runs darkmap in
# detached 120x40 sessions, keys go in with send-keys and the screen comes
# back with capture-pane.  Covers the walk-through of the README (find the
# flagged layer, preview and apply the repair, save the profile, export,
# quit), quitting with unsaved edits, the autosave after a kill, the
# warnings about the cfg (also at the smallest size, 60x16, and a layer
# with many of them at 60x50), the export dialog at 60x16, the help
# screen, resizing down to too small and back, NO_COLOR, LANG=C,
# TERM=vt100, and a storm of random keys.
. "$(dirname "$0")/lib.sh"

. "$srcdir/tests/tmux.sh"

# The example is what its generator writes.
mkdir "$tmp/gen" && "$PYTHON3" "$data/demo/mkshapes.py" "$tmp/gen" &&
    cmp -s "$tmp/gen/shapes.cfg" "$data/demo/shapes.cfg" &&
    cmp -s "$tmp/gen/shapes.weights" "$data/demo/shapes.weights" &&
    pass "mkshapes.py writes the bundled example" ||
    fail "mkshapes.py output differs from tests/data/demo/shapes.*"

cfg=$data/demo/shapes.cfg
wts=$data/demo/shapes.weights

autosaves() { ls "$state/darkmap" 2>/dev/null | wc -l; }

# Not on a terminal: the report, as before.
expect 1 "not a terminal: the inspect report" -- "$DARKMAP" "$cfg" "$wts"
grep_out '^verdict  truncated' "the report ends with the verdict"
cp "$tmp/out" "$tmp/report"

# The walk-through: find, preview, repair, save, export, quit.
start walk -- "$cfg" "$wts"
see walk 'shapes\.cfg \+ shapes\.weights' "status line names the files"
see walk 'truncated: the file ends inside layer 9' "banner: the verdict"
see walk 'likely cause: the YOLO head was trained for classes=3' \
    "banner: the diagnosis"
see walk 'hdr +header +v0\.2\.5 +0-20' "header row"
see walk 'cut +│' "layer 9 is marked cut"
keys walk G
see walk 'end +expected 158380, file 112180: truncated, 46200 missing' \
    "G: the end row, expected against actual size and the verdict"
keys walk f
see walk 'layer 9  convolutional  \(cfg line 79\)' "f selects the flagged layer"
see walk 'Layers +10/19' "the table follows"
see walk 'Bytes  @83444 \(0x145f4\)  layer 9 biases' "the byte view follows"
see walk '79 │ \[convolutional\]' "the cfg pane shows its lines"
keys walk r
see walk 'Repair: preview' "r opens the preview"
see walk 'layer 9 weights: cfg.s -> 768 floats, shape \[24,32,1,1\]' \
    "the preview lists the changes"
see walk 'verdict: truncated now, exact after it' "the preview tells the outcome"
keys walk Enter
see walk 'exact: the file holds exactly the 28040 floats' "Enter applies the repair"
see walk '\[\+\] unsaved' "the unsaved mark shows"
[ "$(autosaves)" = 1 ] && pass "an autosave holds the unsaved edit" ||
    fail "no autosave after an edit"
keys walk u
see walk 'undone: repair applied' "u undoes"
see walk 'truncated: the file ends' "undo restores the verdict"
keys walk C-r
see walk 'redone: repair applied' "Ctrl-R redoes"
keys walk w
see walk 'save the profile to: shapes\.profile' "w asks where to save"
keys walk C-u
text walk "$tmp/walk.profile"
keys walk Enter
see walk "saved the profile $tmp/walk.profile" "the profile is saved"
[ "$(autosaves)" = 0 ] && pass "saving removes the autosave" ||
    fail "the autosave stays after saving"
grep -q '^reshape=24,32,1,1$' "$tmp/walk.profile" &&
    grep -q '^note=weights trained with classes=3' "$tmp/walk.profile" &&
    pass "the profile holds the repair" || fail "profile content"
expect 0 "the saved profile makes the file fit" -- \
    "$DARKMAP" inspect -p "$tmp/walk.profile" "$cfg" "$wts"
keys walk e
see walk 'Export the tensors' "e opens the export dialog"
see walk 'keys:' "the dialog previews the keys"
keys walk Right Right
keys walk Down Right
see walk 'module_list\.0\.Conv2d\.weight' "the key names change with the scheme"
keys walk Up Up
see walk '▸file' "Up reaches the file field"
keys walk Up Right
see walk '▸model \(\.py\)' "Up reaches the model field"
keys walk Up Right
see walk '▸verify' "Up reaches the verify field"
keys walk Down Down
keys walk C-u
text walk "$tmp/walk.npz"
keys walk Enter
# The message names both files (cut at the screen's edge: $tmp is long).
see walk "exported 52 tensors to $tmp/walk.npz, read back and verified, and the model to " \
    "the export is written and verified, and the model beside it"
wait_until "$DM_TEST_WAIT" test -s "$tmp/walk.py" &&
    pass "the model walk.py is written" || fail "no walk.py"
"$DARKMAP" model -p "$tmp/walk.profile" "$cfg" -o "$tmp/ref.py" \
    >/dev/null 2>&1
cmp -s "$tmp/walk.py" "$tmp/ref.py" &&
    pass "the model equals darkmap model's with the profile" ||
    fail "walk.py differs from darkmap model -p walk.profile"
"$DARKMAP" convert -n ultralytics -p "$tmp/walk.profile" "$cfg" "$wts" \
    -o "$tmp/ref.npz" >/dev/null 2>&1
cmp -s "$tmp/walk.npz" "$tmp/ref.npz" &&
    pass "the export equals darkmap convert's" || fail "export differs"
keys walk q
ended walk 0 "q quits with status 0"

# After the class-count repair the table and the head's details show the
# shapes the file holds, and W writes the cfg it corrects.
start cls -- "$cfg" "$wts"
see cls 'likely cause: the YOLO head was trained for classes=3' \
    "class repair: session up"
keys cls r
see cls 'verdict: truncated now, exact after it' "class repair: previewed"
keys cls Enter
see cls '   9 convolutional +8x8x24 ' "class repair: the table shows 24 filters"
see cls '  10 yolo +8x8x24 ' "class repair: and the head 24 channels"
keys cls j
see cls 'in 8x8x24  out 8x8x24' "class repair: the head's details show 24"
see cls 'classes 3  \(not the cfg.s: W writes it\)' \
    "class repair: the head's details say classes 3"
keys cls W
see cls 'write the corrected cfg to: shapes-classes3\.cfg' "W asks where"
keys cls Enter
see cls "wrote shapes-classes3\.cfg: the cfg with classes=3" "W writes it"
expect 0 "the corrected cfg fits the file with no profile" -- \
    "$DARKMAP" inspect "$tmp/shapes-classes3.cfg" "$wts"
[ "$(grep -c '^# darkmap: was ' "$tmp/shapes-classes3.cfg")" = 4 ] &&
    pass "the changed lines are marked" || fail "corrected cfg marks"
keys cls q y
ended cls 0 "class repair: quit"

# A tie: layers 4 and 5 of yolov4-tiny-half are identical convolutions;
# without layer 5's arrays the data cannot tell which one is missing.
v4=$fixtures/cfg/reduced/AlexeyAB/yolov4-tiny-half.cfg
"$PYTHON3" - "$DARKMAP" "$v4" "$fixtures/weights/AlexeyAB/yolov4-tiny-half.weights" \
    "$tmp/tie.weights" <<'PY'
import json, subprocess, sys
darkmap, cfg, wts, out = sys.argv[1:5]
led = json.loads(subprocess.run([darkmap, "inspect", "--no-stats", "-f",
                                 "json", cfg, wts], capture_output=True).stdout)
a = led["layers"][5]["arrays"]
s, e = a[0]["offset"], a[-1]["offset"] + 4 * a[-1]["count"]
data = open(wts, "rb").read()
open(out, "wb").write(data[:s] + data[e:])
PY
start tie -- "$v4" "$tmp/tie.weights"
see tie 'ambiguous: layer 4 or 5: the data cannot tell them apart' \
    "tie: the banner says so"
keys tie r
see tie 'none is chosen for you' "tie: the preview chooses none"
see tie '0\.0\) \[ties with 2\]' "tie: the preview marks the tied repairs"
keys tie Enter
see tie 'no repair chosen: the best ones tie' "tie: Enter applies nothing"
keys tie j j Enter
see tie 'repair applied: missing-layer at layer 5' "tie: j/k choose, Enter applies"
see tie 'exact: the file holds exactly' "tie: the chosen repair makes it fit"
keys tie e
see tie '112 tensors, 6 of the cfg.s missing: a strict load_state_dict\(\) will fail' \
    "tie: the export dialog counts the keys the export lacks"
keys tie Enter
see tie 'exported 112 tensors to tie\.pt; 6 keys of the cfg.s state_dict are missing \(layers\.5\.bn\.bias' \
    "tie: and the export says which are missing"
# The 2-D view of the selected weights: layer 4's, at the bottom of the
# details.
text tie '/'
text tie '#4'
keys tie Enter
keys tie l l l l l Tab G
see tie '2-D view: 16 x 144 as stored' "the details show the 2-D view"
see tie 'row norms \(outputs\), spread' "with the rows' norms"
keys tie q y
ended tie 0 "tie: quit"

# F: the other Darknet fork, the files read again for it.
start fork -- "$cfg" "$wts"
see fork 'likely cause' "fork session up"
keys fork F
see fork 'Darknet fork pj \(pjreddie\)' "F switches to the other fork"
see fork 'shapes\.weights +pj +load' "the status line names the fork"
see fork 'likely cause: the YOLO head was trained for classes=3' \
    "the diagnosis runs again"
keys fork F
see fork 'shapes\.weights +ab +load' "F again switches back"
# r pressed with F, while the diagnosis runs again: it opens when in.
keys fork F r
see fork 'Repair: preview' "r during the diagnosis opens the preview when it is in"
keys fork Escape F
see fork 'shapes\.weights +ab +load' "back to ab"
# The fork is kept in the profile, and undone like any edit.
keys fork F
see fork 'shapes\.weights +pj +load' "F: pj again"
keys fork w
see fork 'save the profile to' "w asks where"
text fork fork.profile
keys fork Enter
see fork 'saved the profile fork\.profile' "the fork is saved"
grep -q '^dialect=pj$' "$tmp/fork.profile" &&
    pass "the profile keeps the fork" || fail "no dialect=pj in the profile"
keys fork u
see fork 'undone: Darknet fork pj' "u undoes the switch"
see fork 'shapes\.weights +ab +load' "the fork is ab again"
keys fork q y
ended fork 0 "quit after switching forks"

# Warnings about the cfg: ab-small.cfg with a repeated key in [net]
# (line 5) and layer 3's stride=1 misspelt (line 37).  Darknet reads the
# same network from it, so the weights still fit.
sed -e '4a\
batch=2' -e '36s/^stride=1$/strid=1/' "$data/ab-small.cfg" >"$tmp/keys.cfg"
cp "$data/ab-small.weights" "$tmp/keys.weights"
start warn -- "$tmp/keys.cfg" "$tmp/keys.weights"
see warn '! 2 warnings +exact' "the status line counts the warnings"
see warn ' 3 convolutional +16x16x8 +34! ' "the table marks the layer's line"
see warn 'hdr +header +v0\.2\.5 +3! ' "and the header row's, for [net]"
see warn '! warning  r repair' "the hints name the key"
text warn '!'
see warn 'warning 2 of 2, line 37: \[convolutional\] has no key .strid. '\
'\(Darknet ignores it; did you mean .stride.\?\)' \
    "! goes to the misspelt key and says it"
see warn 'layer 3  convolutional  \(cfg line 34\)' "! selects its layer"
see warn '│ 1 cfg warning, listed below the arrays' \
    "the details count the layer's warnings"
keys warn Tab G
see warn '│ 1 cfg warning  \(! next\)' "and list them after the arrays"
see warn '│ ! line 37: \[convolutional\] has no key' "and list them"
keys warn BTab
see warn '│! 37 │ strid=1  ! has no key .strid.' \
    "the cfg pane marks the line and tells the warning"
text warn '!'
see warn 'warning 1 of 2, line 5: \[net\] already has .batch. on line 4' \
    "! again: round to the first"
see warn '│ ! line 5: \[net\] already has .batch.' \
    "the header row's details list [net]'s"
see warn '│!  5   batch=2  ! already has .batch.' "the cfg pane shows line 5"
keys warn G
see warn '│ 2 cfg warnings  \(! goes to each\)' "the end row counts them all"
keys warn '?'
see warn '^ +! +the next warning about the cfg, of those the top line' \
    "the help lists !"
keys warn q q
ended warn 0 "quit after the warnings"

# The same without colour: the marks are characters and attributes.
esc=$(printf '\033')
for term in screen vt100; do
	start "warn$term" NO_COLOR=1 LANG=C LC_ALL=C TERM=$term -- \
	    "$tmp/keys.cfg" "$tmp/keys.weights"
	see "warn$term" 'exact: the file holds' "TERM=$term NO_COLOR: up"
	text "warn$term" '!'
	see "warn$term" '\|! 37 \| strid=1  ! has no key .strid.' \
	    "TERM=$term NO_COLOR: the cfg pane marks the line"
	see "warn$term" ' 3 convolutional +16x16x8 +34! ' \
	    "TERM=$term NO_COLOR: the table marks the layer"
	see "warn$term" 'warning 2 of 2, line 37:' \
	    "TERM=$term NO_COLOR: the message tells the warning"
	tm capture-pane -e -p -t "warn$term" >"$tmp/warn.esc"
	if grep -q -E "$esc\\[([0-9;]*;)?(3[0-7]|4[0-7]|38|48|9[0-7])[;m]" \
	    "$tmp/warn.esc"; then
		fail "TERM=$term NO_COLOR: colour codes on the screen"
	else
		pass "TERM=$term NO_COLOR: no colours"
	fi
	# The mark and the line number, underlined (after any other codes).
	grep -q -E "$esc\\[([0-9]+;)*4m($esc\\[[0-9;]*m)*! 37" \
	    "$tmp/warn.esc" &&
	    pass "TERM=$term NO_COLOR: the marked line is underlined" ||
	    fail "TERM=$term NO_COLOR: no underline on the marked line"
	keys "warn$term" q
	ended "warn$term" 0 "TERM=$term NO_COLOR quit"
done

# The smallest size, 60x16: the table has no line column, so the type
# column has the '!'; '!' still tells the warning on the message line.
start warnsmall -- "$tmp/keys.cfg" "$tmp/keys.weights"
see warnsmall '! 2 warnings +exact' "60x16 warnings session up"
tm resize-window -t warnsmall -x 60 -y 16
see warnsmall '^ hdr header +! v0\.2\.5 ' \
    "60x16: the header row is marked in the type column"
text warnsmall '!'
see warnsmall '^ +3 convolutional ! 16x16x8 ' "60x16: layer 3 is marked"
see warnsmall '^ Layers +4/24$' "60x16: ! selects it (row 4 of 24)"
see warnsmall '^ layer 3  convolutional  \(cfg line 34\)' \
    "60x16: and the details are layer 3's"
see warnsmall \
    '^ warning 2 of 2, line 37: \[convolutional\] has no key .strid.' \
    "60x16: the message line tells the warning"
see warnsmall '^ 1 cfg warning, listed below the arrays' \
    "60x16: the details count the layer's warning"
keys warnsmall q
ended warnsmall 0 "60x16 warnings quit"

# A layer with many long warnings, at 60x50: layer 0 followed by 60 lines
# of a 400-character key.  Its arrays, the selected one and its histogram
# come first; the warnings after them, 40 listed and the rest counted.
k=$(awk 'BEGIN { while (n++ < 400) printf "k" }')
awk -v k="$k" '{ print } NR == 16 { for (i = 0; i < 60; i++) print k "=1" }' \
    "$data/ab-small.cfg" >"$tmp/long.cfg"
start long -- "$tmp/long.cfg" "$tmp/keys.weights"
see long '! 60 warnings +exact' "60 warnings about one layer"
tm resize-window -t long -x 60 -y 50
keys long g j
see long '^ layer 0  convolutional  \(cfg line 10\)' "60x50: layer 0's details"
see long '^ 60 cfg warnings, listed below the arrays' \
    "the details count them first"
see long '^ > biases +20 +8 ok' "the array table is shown"
see long '^   weights +148 +216 ok' "all of it"
see long '^ min -?[0-9.e-]+  max ' "the selected array's statistics"
see long '[▁▂▃▄▅▆▇█]' "its histogram"
keys long Tab G
see long '^   and 20 more' "the warnings come last, the rest counted"
see long '^ ! line 56: \[convolutional\] has no key' "the 40th is listed"
keys long q
ended long 0 "quit after many warnings"

# The export dialog at 60x16: the problem is cut short of the help line,
# which stays whole on the last line of the box.
# Relative names, so that the text wraps the same wherever the tree is.
start xsmall -- gen/shapes.cfg gen/shapes.weights
see xsmall 'likely cause' "export session up"
tm resize-window -t xsmall -x 60 -y 16
keys xsmall e
see xsmall 'Export the tensors' "60x16: e opens the export dialog"
see xsmall '│  verify +no +yes +│' "60x16: the verify row is shown"
see xsmall '│  model \(\.py\) +no +yes +│' "60x16: the model row is shown"
see xsmall 'the file ends inside layer 9' "60x16: the dialog tells the problem"
capture xsmall
awk '/└/ { ok = prev ~ /│ Enter exports, Escape cancels +│/ }
    { prev = $0 } END { exit !ok }' "$screen" &&
    pass "60x16: the help line is whole, just above the box's edge" || {
	fail "60x16: the export dialog's help line"
	sed 's/^/    | /' "$screen"
}
keys xsmall Escape
see xsmall 'f problem' "60x16: Escape closes the dialog"
keys xsmall q
ended xsmall 0 "60x16 export session quit"

# Unsaved edits: quitting asks.
start ask -- "$cfg" "$wts"
see ask 'likely cause' "second session up"
keys ask j a
see ask '\[\+\] unsaved' "a marks layer 1 absent"
keys ask q
see ask 'Quit and lose 1 unsaved edit \(layer 1 absent from the file\)\? y/n/w' \
    "q asks about unsaved edits, naming them"
keys ask n
see ask 'f problem' "n goes back"
keys ask q y
ended ask 0 "y quits, status 0"
[ "$(autosaves)" = 0 ] && pass "discarded edits leave no autosave" ||
    fail "autosave left after discarding"

# What a first-time user met: names from the weights file (seven files
# opened with one cfg must not overwrite each other's), a prefilled value
# replaced by what is typed, "unsaved" meaning "differs from the saved
# state", the quit question naming what it would lose, the file's
# extension setting the export's format, and Escape cancelling an export.
cp "$wts" "$tmp/run7.weights"
start edges -- "$cfg" run7.weights
see edges 'likely cause' "edges session up"
keys edges r
see edges 'Repair: preview' "edges: the preview"
keys edges Enter
see edges '\[\+\] unsaved' "edges: the repair is unsaved"
keys edges u
see edges 'undone: repair applied' "edges: undone"
grep -q 'unsaved' "$screen" && fail "apply then undo still shows unsaved" ||
    pass "apply then undo shows nothing unsaved"
keys edges F
see edges 'run7\.weights +pj' "edges: F switches the fork"
keys edges F
see edges 'run7\.weights +ab' "edges: F again switches back"
grep -q 'unsaved' "$screen" && fail "F twice still shows unsaved" ||
    pass "F twice shows nothing unsaved"
keys edges f
see edges 'layer 9  convolutional' "edges: layer 9 selected"
text edges '@'
see edges 'layer 9 starts at byte .*: 83444' "@ offers the layer's offset"
text edges '4'
see edges 'layer 9 starts at byte .*: 4 *$' "the first digit typed replaces it"
keys edges Escape
keys edges w
see edges 'save the profile to: run7\.profile' \
    "w offers a profile named after the weights file"
keys edges Enter
see edges 'saved the profile run7\.profile' "w Enter saves it"
[ -f "$tmp/run7.profile" ] && pass "the profile is named after the weights" ||
    fail "no run7.profile"
keys edges r
see edges 'Repair: preview' "edges: the preview again"
keys edges Enter
see edges 'exact: the file holds' "edges: the repair applied"
keys edges j a
see edges 'layer 10 absent' "edges: a second edit"
keys edges q
see edges 'Quit and lose 2 unsaved edits \(repair applied.*; layer 10 absent' \
    "the quit question counts and names the unsaved edits"
see edges '\? y/n/w' "and is a question"
keys edges n
keys edges u
see edges 'undone: layer 10' "edges: one edit undone"
keys edges e
see edges 'Export the tensors' "edges: the export dialog"
see edges 'run7\.pt' "the export is named after the weights file"
keys edges Up
see edges '▸file' "edges: the file field"
text edges x.npz
see edges 'format npz, as the file name says' "typing x.npz picks npz"
keys edges Enter
see edges "exported 52 tensors to x\.npz" "the export is written"
"$PYTHON3" -c '
import sys, zipfile
names = zipfile.ZipFile(sys.argv[1]).namelist()
sys.exit(not names or any(not n.endswith(".npy") for n in names))
' "$tmp/x.npz" && pass "x.npz is a real npz: only .npy members" ||
    fail "x.npz is not an npz: $(unzip -l "$tmp/x.npz" 2>&1 | head -5)"
keys edges e
see edges 'Export the tensors' "edges: the dialog again"
keys edges Up
see edges '▸file' "edges: the file field again"
text edges big.npz
# Enter and Escape reach the terminal together: the Escape is waiting
# when the export starts, whatever the machine's load.
keys edges Enter Escape
see edges 'export cancelled: nothing written to big\.npz' \
    "Escape cancels a running export"
[ ! -e "$tmp/big.npz" ] && ! ls "$tmp" | grep -q '^\.\?big\.npz' &&
    pass "the cancelled export leaves no file" ||
    fail "files left after a cancelled export: $(ls -a "$tmp" | grep big)"
see edges 'Export the tensors' "the dialog stays open"
keys edges Escape q y
ended edges 0 "edges session quit"

# Each layer type's details show its own keys: a connected layer its
# inputs, outputs, batch norm and activation, not "filters 32 size 0".
start params -- --dialect pj "$data/pj-small.cfg" "$data/pj-small.weights"
see params 'pj-small\.weights +pj' "params session up"
text params /12
keys params Enter
see params 'layer 12  connected' "/12 selects the connected layer"
text params /connected
keys params Enter
see params '/connected: 2 of 2' "the search says which match of how many"
keys params n
see params '/connected: 1 of 2 \(search wrapped\)' "n: the next match, counted"
see params 'inputs 32  outputs 12' "its details show inputs and outputs"
see params 'batch norm yes' "and its batch norm"
see params 'activation leaky' "and its activation"
grep -q 'size 0' "$screen" && fail "a connected layer shows size 0" ||
    pass "a connected layer shows no size 0"
keys params q
ended params 0 "params session quit"

# The banner wraps rather than cut the diagnosis; the panes follow the
# width: at 250 columns the table keeps what it needs and the details get
# the rest; at 80x24 a cut is marked with an ellipsis.
start wide -- "$cfg" "$wts"
see wide 'likely cause' "wide session up"
see wide '^   before each head the sizes agree exactly  -- r: preview the repair' \
    "120x40: the banner wraps the diagnosis, whole"
tm resize-window -t wide -x 250 -y 40
see wide '│ filters 8  size 3  stride 1  padding 1  batch norm yes  activation leaky' \
    "250 columns: the details show a layer's keys on one line"
capture wide
awk '/^ Layers / { exit !(index($0, "│") <= 102) }' "$screen" &&
    pass "250 columns: the table takes 100 columns, no more" ||
    fail "250 columns: the table is wider than it needs"
tm resize-window -t wide -x 80 -y 24
see wide 'likely cause: the YOLO head.*…$' \
    "80x24: the cut diagnosis ends with an ellipsis"
keys wide q
ended wide 0 "wide session quit"

# Killed with unsaved edits: the terminal is restored, the edits recovered.
start kill -- "$cfg" "$wts"
see kill 'likely cause' "third session up"
keys kill G k k o
see kill '\[\+\] unsaved' "an edit to lose"
pane=$(tm display-message -p -t kill '#{pane_pid}')
pid=$(ps -o pid= --ppid "$pane" | tr -d ' ' | head -n 1)
[ -n "$pid" ] && kill -TERM "$pid"
ended kill 143 "SIGTERM ends it as the signal does"
tm capture-pane -p -J -S -100 -t kill >"$screen"
grep -q 'darkmap: unsaved edits kept in .*/darkmap/shapes\.cfg\.[0-9a-f]\{16\}\.profile' \
    "$screen" && pass "the terminal is restored and says where the edits are" ||
    fail "no word of the autosave after the kill"
[ "$(autosaves)" = 1 ] && pass "the autosave survives" ||
    fail "no autosave after a kill"
start recover -- "$cfg" "$wts"
see recover 'Recover unsaved edits\?' "reopening offers the edits back"
see recover 'layer 16: not exported' "the offer lists them"
keys recover y
see recover '\[\+\] unsaved' "y recovers them"
keys recover G k k
see recover 'overrides: o' "the override is back"
keys recover q y
ended recover 0 "quit after recovering"

# The mouse, as the terminal reports it (X10 encoding, TERM=screen):
# a click on a row of the table, then the wheel.
mouse() {	# mouse NAME BUTTON X Y (0-based cell)
	tm send-keys -t "$1" -l -- "$(printf '\033[M%b%b%b' \
	    "\\0$(printf '%o' $((32 + $2)))" \
	    "\\0$(printf '%o' $((33 + $3)))" \
	    "\\0$(printf '%o' $((33 + $4)))")"
}
# at NAME REGEX: "X Y" of the first cell of REGEX's first match on the
# screen (0-based, in characters: the box and glyphs are one cell each).
at() {
	capture "$1"
	"$PYTHON3" -c '
import re, sys
for y, line in enumerate(open(sys.argv[1], encoding="utf-8")):
    m = re.search(sys.argv[2], line)
    if m:
        print(m.start(), y)
        break
' "$screen" "$2"
}
# click NAME REGEX: a click on the first cell of REGEX's match.
click() {
	local xy
	xy=$(at "$1" "$2")
	[ -n "$xy" ] || { fail "nothing to click: /$2/"; return; }
	set -- "$1" $xy
	mouse "$1" 0 "$2" "$3"
	mouse "$1" 3 "$2" "$3"
}

start mouse -- "$cfg" "$wts"
see mouse 'likely cause' "mouse session up"
click mouse '^   6 convolutional'
see mouse 'layer 6  convolutional' "a click selects a row"
xy=$(at mouse '^   6 convolutional')
mouse mouse 65 $xy
see mouse 'layer 9  convolutional' "the wheel moves down"
set -- $(at mouse '^ 000145e0 ')
[ $# = 2 ] && mouse mouse 0 $(($1 + 13)) "$2" &&
    mouse mouse 3 $(($1 + 13)) "$2"
see mouse 'Bytes  @83425 \(0x145e1\)  layer 8 weights' "a click in the byte view"
keys mouse q
ended mouse 0 "mouse session quit"

# The dialogs take clicks too: a repair, an export field and choice.  A
# file with 8 bytes of junk after its data has two repairs: the junk, or
# a gap before a layer.
{ cat "$data/ab-small.weights"; printf 'junkjunk'; } >"$tmp/junk.weights"
start dclick -- "$data/ab-small.cfg" "$tmp/junk.weights"
see dclick 'likely cause' "dialog session up"
keys dclick r
see dclick ' 2\. \[' "the preview lists a second repair"
click dclick ' 2\. \['
see dclick '▸ 2\. \[' "a click selects a repair"
see dclick 'layer 9: gap 0 -> 8 bytes' "the preview shows the second repair's change"
keys dclick Escape
see dclick 'f problem' "the preview closes"
keys dclick e
see dclick 'Export the tensors' "the export dialog opens"
click dclick ' safetensors '
see dclick 'junk\.safetensors' "a click on a choice picks it"
see dclick '▸format' "and focuses its field"
click dclick ' float16 '
see dclick '▸dtype' "a click on another field's choice moves the focus"
keys dclick Escape q y
ended dclick 0 "dialog session quit"

# The help screen.
start help -- "$cfg" "$wts"
see help 'likely cause' "help session up"
keys help '?'
see help 'every key' "? opens the help"
see help '^ +/ +search' "help lists search"
keys help G
see help 'q +back; on the main screen, quit' "help scrolls to its end"
see help 'Ctrl-R +redo' "help lists redo"
keys help q
see help 'f problem' "q closes the help"
# The identify screen: the shapes detector is in no catalogue, so the
# closest cfgs and the conv layers read blind.
start ident -- "$cfg" "$wts"
see ident 'likely cause' "identify session up"
keys ident I
see ident 'which cfgs explain the weights file' "I opens the identify screen"
see ident 'header +0\.2\.5, seen 64000 \(8 bytes\)' "it shows the header"
see ident 'no cfg fits the size of the file' "it says that nothing fits"
see ident 'blind segmentation: [0-9]+ conv layers read from the data alone' \
    "it shows the blind segmentation"
see ident '0 +bytes 20-1012 +conv 8x3x3x3 +batch norm' \
    "the segmentation's first layer"
keys ident q
see ident 'likely cause' "q closes the identify screen"
keys ident I
see ident 'which cfgs explain the weights file' "I opens it again"
keys ident Escape
see ident 'likely cause' "Escape closes it"
keys ident q
ended ident 0 "identify session quit"
# Resizing down to too small and back.
tm resize-window -t help -x 50 -y 12
see help 'terminal too small: 50x12' "too small at 50x12"
tm resize-window -t help -x 80 -y 24
see help 'Layers' "compact layout at 80x24"
keys help Tab
see help 'Details' "Tab shows the next pane below"
tm resize-window -t help -x 120 -y 40
see help 'Bytes  @' "back to 120x40: the byte view"
see help 'cfg  .*shapes\.cfg' "back to 120x40: the cfg pane"
tm resize-window -t help -x 20 -y 5
see help 'terminal too' "too small at 20x5"
i=0
while [ $i -lt 60 ]; do
	tm resize-window -t help -x $((1 + (i * 37) % 170)) -y $((1 + (i * 17) % 60))
	i=$((i + 1))
done
tm resize-window -t help -x 120 -y 40
see help 'Layers .*│ Details' "60 resizes in a row, back to 120x40"
keys help q
ended help 0 "quit after resizing"

# NO_COLOR: attributes only, no colour codes.
start mono NO_COLOR=1 -- "$cfg" "$wts"
see mono 'likely cause' "NO_COLOR session up"
tm capture-pane -e -p -t mono >"$tmp/mono.esc"
if grep -q -E "$(printf '\033')\\[([0-9;]*;)?(3[0-7]|4[0-7]|38|48|9[0-7])[;m]" \
    "$tmp/mono.esc"; then
	fail "NO_COLOR: colour codes on the screen"
else
	pass "NO_COLOR: no colours"
fi
grep -q "$(printf '\033')\\[7m\\|$(printf '\033')\\[[0-9;]*;7m" "$tmp/mono.esc" &&
    pass "NO_COLOR: the selection is in reverse video" ||
    fail "NO_COLOR: no reverse video"
keys mono q
ended mono 0 "NO_COLOR quit"

# LANG=C: ASCII only.
start ascii LANG=C LC_ALL=C -- "$cfg" "$wts"
see ascii 'x truncated: the file ends' "LANG=C session up"
capture ascii
if LC_ALL=C grep -q "$(printf '[\200-\377]')" "$screen"; then
	fail "LANG=C: non-ASCII on the screen"
else
	pass "LANG=C: ASCII only"
fi
see ascii '\+ ok' "LANG=C: ASCII marks"
keys ascii q
ended ascii 0 "LANG=C quit"

# TERM=vt100: no colours, keys still work.
start vt LANG=C LC_ALL=C TERM=vt100 -- "$cfg" "$wts"
see vt 'likely cause' "TERM=vt100 session up"
keys vt Down Down f r
see vt 'Repair: preview' "TERM=vt100: keys work"
keys vt Enter
see vt 'exact: the file holds' "TERM=vt100: repair applied"
keys vt q y
ended vt 0 "TERM=vt100 quit"

# A terminal curses does not know: the report instead.  The program runs
# on a pseudo-terminal of its own, its output read to the end from there
# (its standard error goes to a file).
XDG_STATE_HOME=$state LANG=C.UTF-8 LC_ALL='' TERM=nosuchterm \
    "$PYTHON3" - "$tmp/unknown.out" "$tmp/unknown.err" "$DARKMAP" "$cfg" \
    "$wts" <<'PY'
import os, pty, sys
out = open(sys.argv[1], "wb")
err = os.open(sys.argv[2], os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o644)
pid, fd = pty.fork()
if pid == 0:
    os.dup2(err, 2)
    os.execv(sys.argv[3], sys.argv[3:])
while True:
    try:
        b = os.read(fd, 65536)
    except OSError:         # EIO: the program has ended, all is read
        break
    if not b:
        break
    out.write(b)
out.close()
sys.exit(os.waitstatus_to_exitcode(os.waitpid(pid, 0)[1]))
PY
st=$?
tr -d '\r' <"$tmp/unknown.out" >"$tmp/out"
grep_out '^verdict  truncated' "an unknown TERM gets the report"
cmp -s "$tmp/out" "$tmp/report" &&
    pass "the whole report, as when not on a terminal" ||
    fail "an unknown TERM: the report differs from the one not on a terminal"
sed 's/^/# stderr: /' "$tmp/unknown.err"
[ "$st" -eq 1 ] && pass "and its exit status" ||
    fail "an unknown TERM: exit $st, expected 1"

# A storm of random keys, with resizes, must not kill it.
start storm -- "$cfg" "$wts"
see storm 'likely cause' "storm session up"
awk -v seed=7 'BEGIN {
	srand(seed)
	n = split("Up Down Left Right PPage NPage Home End Tab BTab Enter " \
	    "Escape BSpace DC F1 C-r C-u C-w C-l C-b C-f Space", named, " ")
	chars = "abcdefghijklmnoprstuvwxyzABCDEFGHIJKLMNOPRSTUVWXYZ" \
	    "0123456789!@#$%^&*()-+=[]{}:,./?<>\\|~"
	for (i = 0; i < 3000; i++) {
		if (i % 400 == 399)
			print "RESIZE " int(10 + rand() * 150) " " \
			    int(4 + rand() * 50)
		else if (rand() < 0.4)
			print "KEY " named[int(1 + rand() * n)]
		else
			print "TEXT " substr(chars, int(1 + rand() * \
			    length(chars)), 1)
	}
}' >"$tmp/storm.keys"
batch=""
flush() { [ -n "$batch" ] && eval "keys storm -- $batch"; batch=""; }
while read -r kind arg1 arg2; do
	case $kind in
	RESIZE)
		flush
		tm resize-window -t storm -x "$arg1" -y "$arg2"
		;;
	KEY)
		batch="$batch $arg1"
		;;
	TEXT)
		case $arg1 in
		\') q="\"'\"" ;;
		*) q="'$arg1'" ;;
		esac
		batch="$batch $q"
		;;
	esac
	[ ${#batch} -gt 200 ] && flush
done <"$tmp/storm.keys"
flush
tm resize-window -t storm -x 120 -y 40
# Keys are read in order: a q sent after the storm is read after all of
# it.  Escape closes what the storm left open (a dialog, a prompt); q
# quits, or asks first and y answers.  Whatever a key meets on the way
# (a q typed into a prompt), the next round starts again.
storm_answers() { [ -s "$tmp/storm.rc" ] || shows storm 'Quit without saving'; }
i=0
while [ ! -s "$tmp/storm.rc" ] && [ $i -lt 30 ]; do
	i=$((i + 1))
	keys storm Escape
	keys storm q
	if wait_until 10 storm_answers && [ ! -s "$tmp/storm.rc" ]; then
		keys storm y
		wait_until 10 test -s "$tmp/storm.rc"
	fi
done
ended storm 0 "3000 random keys and resizes, then quit: status 0"

finish
