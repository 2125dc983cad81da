#!/bin/sh
# Overrides on the command line, --save-profile, profiles applied to
# another file, and malformed profiles.
. "$(dirname "$0")/lib.sh"

cfg=$data/ab-small.cfg
w=$data/ab-small.weights

expect 1 "--header 16 breaks a good file" -- "$DARKMAP" inspect --no-stats --header 16 "$cfg" "$w"
expect 0 "--save-profile with an override" -- "$DARKMAP" inspect --no-stats --data-end 4176 --save-profile "$tmp/p" "$cfg" "$w"
grep -q '^data_end=4176$' "$tmp/p" && pass "saved profile holds the override" || fail "saved profile: $(cat "$tmp/p")"
grep -q '^weights_size=4176$' "$tmp/p" && pass "saved profile records the file" || fail "identity"
{ cat "$w"; printf 'xxxxxxxx'; } >"$tmp/long.weights"
expect 0 "data_end ignores the junk" -- "$DARKMAP" inspect --no-stats --profile "$tmp/p" "$cfg" "$tmp/long.weights"
grep_err 'warning: .* was made for a weights file of 4176 bytes' "applying to another file warns"
expect 0 "omit and rename in convert" -- "$DARKMAP" convert --omit 0 --rename 1:biases=first.bias "$cfg" "$w" -o "$tmp/o.npz"
"$PYTHON3" -c '
import numpy, sys
z = numpy.load(sys.argv[1])
assert not any(k.startswith("layers.0.") for k in z.files), z.files
assert "first.bias" in z.files, z.files' "$tmp/o.npz" && pass "omit and rename applied" || fail "omit and rename"
expect 2 "bad override" -- "$DARKMAP" inspect --gap 3 "$cfg" "$w"
expect 3 "override of a missing layer" -- "$DARKMAP" inspect --absent 99 "$cfg" "$w"
grep_err 'layer 99, but .* has 23 layers' "missing layer is named"
expect 3 "override of a missing array" -- "$DARKMAP" inspect --count 0:nothing=3 "$cfg" "$w"
grep_err 'no such array' "missing array is named"
printf '[profile]\nversion=1\n[file]\nheader=12\n' >"$tmp/bad.profile"
expect 3 "malformed profile" -- "$DARKMAP" inspect --profile "$tmp/bad.profile" "$cfg" "$w"
grep_err 'bad.profile:4: invalid value' "malformed profile names the line"
expect 3 "missing profile" -- "$DARKMAP" inspect --profile "$tmp/none" "$cfg" "$w"

# An entry that reads well but does not fit the net is refused when the
# profile is applied, naming the line where the entry starts.
# refused NAME TEXT WHAT MESSAGE: the profile NAME holding TEXT (printf)
# is refused with exit 3 and the message "NAME.profile:MESSAGE".
refused() {
	printf "$2" >"$tmp/$1.profile"
	expect 3 "$3 in a profile" -- "$DARKMAP" inspect --no-stats --profile "$tmp/$1.profile" "$cfg" "$w"
	grep_err "^darkmap: [^ ]*/$1\\.profile:$4\$" "$3: the profile line is named"
}
refused order '# order\n[profile]\nversion=1\n\n[layer]\nlayer=3\nomit=1\n\n[layer]\nlayer=0\norder=biases,bogus\n' \
    "bad order name" '9: layer 0: order names .bogus., which is not one of its arrays'
refused shape '[profile]\nversion=1\n[array]\nlayer=0\nname=biases\nreshape=3,5\n' \
    "reshape to another size" '3: layer 0 array biases: reshape to 15 elements, but it holds 8'
refused offset '[profile]\nversion=1\n[layer]\nlayer=1\ngap=0\n[layer]\nlayer=0\noffset=4\n' \
    "offset inside the header" '6: layer 0: offset 4 is inside the 20-byte header'
refused array '[profile]\nversion=1\n\n[array]\nlayer=0\nname=nothing\ncount=3\n' \
    "missing array" '4: override of layer 0 array nothing, but that layer has no such array'

# The same on the command line: no line, the options are named.
expect 3 "bad --order" -- "$DARKMAP" inspect --no-stats --order 0=biases,bogus "$cfg" "$w"
grep_err '^darkmap: the override options: layer 0: order names .bogus., which is not one of its arrays$' "bad --order names the options"
expect 3 "bad --reshape" -- "$DARKMAP" inspect --no-stats --reshape 0:biases=3,5 "$cfg" "$w"
grep_err '^darkmap: the override options: layer 0 array biases: reshape to 15' "bad --reshape names the options"
expect 3 "refused --offset" -- "$DARKMAP" inspect --no-stats --offset 0=4 "$cfg" "$w"
grep_err '^darkmap: the override options: layer 0: offset 4 is inside' "refused --offset names the options"
expect 3 "--absent of a missing layer" -- "$DARKMAP" inspect --no-stats --absent 99 "$cfg" "$w"
grep_err '^darkmap: the override options: override of layer 99' "missing layer names the options"

# An entry the options changed is no longer the profile's line alone; one
# they left alone still is.
expect 3 "profile entry changed by an option" -- "$DARKMAP" inspect --no-stats --profile "$tmp/order.profile" --gap 0=4 "$cfg" "$w"
grep_err '^darkmap: [^ ]*/order\.profile and the override options: layer 0: order names' "changed entry names both"
expect 3 "profile entry beside an option" -- "$DARKMAP" inspect --no-stats --profile "$tmp/order.profile" --gap 1=4 "$cfg" "$w"
grep_err '^darkmap: [^ ]*/order\.profile:9: layer 0: order names .*\(with the override options\)$' "untouched entry keeps its line, and the options are named"
# A profile entry that fits alone and is refused because of an option on
# another layer: the line and the options are both named.
printf '[profile]\nversion=1\n\n[layer]\nlayer=1\ngap=-8\n' >"$tmp/gap.profile"
expect 1 "a negative gap that fits" -- "$DARKMAP" inspect --no-stats --profile "$tmp/gap.profile" "$cfg" "$w"
expect 3 "the same gap after --absent 0" -- "$DARKMAP" inspect --no-stats --profile "$tmp/gap.profile" --absent 0 "$cfg" "$w"
grep_err '^darkmap: [^ ]*/gap\.profile:4: layer 1: a gap of -8 bytes would start it before the data \(with the override options\)$' "names the line and the options"
finish
