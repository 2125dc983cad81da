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
finish
