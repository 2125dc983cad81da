#!/bin/sh
# Cfgs that Darknet rejects or crashes on are rejected with a clear error
# that names the file and line, and exit status 3: the fixtures' errors/
# folders when present, and the bundled malformed cfgs always.
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

if [ -n "$fixtures" ] && [ -d "$fixtures/cfg/synthetic" ]; then
	for f in "$fixtures"/cfg/synthetic/AlexeyAB/errors/*.cfg; do
		reject ab "$f"
		grep_err ':[0-9]+: |no layer has an input' "$(basename "$f"): names a line"
	done
	for f in "$fixtures"/cfg/synthetic/pjreddie/errors/*.cfg; do
		reject pj "$f"
		grep_err ':[0-9]+: ' "$(basename "$f"): names a line"
	done
elif [ "${CI:-}" = true ]; then
	fail "fixtures missing in CI"
fi
finish
