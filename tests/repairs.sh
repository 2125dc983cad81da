#!/bin/sh
# Repairs that are never silently wrong: ties, absurd fits, other
# networks, array orders, salvage (tests/repairs_check.py).
. "$(dirname "$0")/lib.sh"

# A mask naming anchors the cfg does not have: Darknet reads past its
# anchors (out of bounds) or reads zeros.  A warning with the mask's line.
cat >"$tmp/mask.cfg" <<'CFG'
[net]
width=32
height=32
channels=3

[convolutional]
filters=18
size=1
stride=1
activation=linear

[yolo]
mask=0,1,3
anchors=10,13, 16,30, 33,23
classes=1
num=4
CFG
expect 0 "mask past the anchors listed: accepted" -- "$DARKMAP" inspect "$tmp/mask.cfg"
grep_out "warning .*mask.cfg:12: layer 1 \[yolo\]: mask \(line 13\) names anchor 3, but anchors= lists 3: Darknet reads 0,0" \
    "mask past the anchors listed: warned with its line"
sed 's/^mask=0,1,3$/mask=7,8,9/' "$tmp/mask.cfg" >"$tmp/mask2.cfg"
expect 0 "mask past num: accepted" -- "$DARKMAP" inspect -f json "$tmp/mask2.cfg"
grep_out "mask \(line 13\) names anchor 7, but num=4: Darknet reads past its anchors there \(out of bounds\)" \
    "mask past num: warned in the JSON report too"
sed 's/^mask=0,1,3$/mask=0,1,2/' "$tmp/mask.cfg" >"$tmp/mask3.cfg"
expect 0 "a good mask" -- "$DARKMAP" inspect "$tmp/mask3.cfg"
if grep -q "mask (line" "$tmp/out"; then fail "a good mask is warned about"
else pass "a good mask gets no warning"; fi

checks "repairs_check.py" "$PYTHON3" "$srcdir/tests/repairs_check.py" \
    "$DARKMAP" "$tmp"
finish
