#!/bin/sh
# The man pages are clean under mandoc -Tlint and document every option.
. "$(dirname "$0")/lib.sh"

if [ -z "${MANDOC:-}" ]; then
	MANDOC=$(command -v mandoc || true)
fi
if [ -z "$MANDOC" ]; then
	[ "${CI:-}" = true ] && bail "mandoc missing in CI"
	skip_all "mandoc not installed"
fi
for page in "$srcdir"/man/*.[0-9]; do
	if "$MANDOC" -Tlint -Wwarning "$page" >"$tmp/lint" 2>&1; then
		pass "lint $(basename "$page")"
	else
		fail "lint $(basename "$page"): $(cat "$tmp/lint")"
	fi
done
# .Ql quotes to the end of its line: a quote left open swallows what
# follows, which renders as two closing quotes in a row.
for page in "$srcdir"/man/*.[0-9]; do
	"$MANDOC" -Tutf8 "$page" >"$tmp/page" 2>/dev/null
	if grep -n '’’' "$tmp/page" >"$tmp/bad"; then
		fail "$(basename "$page"): a quote swallows the text after it: $(head -n 3 "$tmp/bad")"
	else
		pass "$(basename "$page"): every quote closes where it should"
	fi
done
# Every long option of --help appears in the man page.
"$DARKMAP" --help | grep -o -E -- '--[a-z-]+' | sort -u >"$tmp/opts"
while read -r opt; do
	# As an option (.Fl Fl name), not just the word somewhere.
	if grep -q -E -- "Fl Fl ${opt#--}([^a-z-]|\$)" "$srcdir/man/darkmap.1"; then
		pass "man page documents $opt"
	else
		fail "man page lacks $opt"
	fi
done <"$tmp/opts"

# The example profiles of darkmap-profile(5) read without a syntax error.
awk -v dir="$tmp" '
	/^\.Bd -literal/ { n++; f = dir "/example" n ".profile"; on = 1; next }
	/^\.Ed/ { on = 0; next }
	on { print > f }
' "$srcdir/man/darkmap-profile.5"
n=0
for ex in "$tmp"/example*.profile; do
	[ -f "$ex" ] || continue
	grep -q '^\[profile\]' "$ex" || continue
	n=$((n + 1))
	# The profile is read before the cfg, here a missing one: a profile
	# that reads fails on the cfg.  (Applied to a real cfg, an entry that
	# does not fit it is refused naming its line, like a syntax error.)
	"$DARKMAP" inspect -p "$ex" "$tmp/none.cfg" >/dev/null 2>"$tmp/err"
	if ! grep -q 'none\.cfg' "$tmp/err"; then
		fail "darkmap-profile(5) example $n: $(cat "$tmp/err")"
	else
		pass "darkmap-profile(5) example $n reads"
	fi
done
[ "$n" -ge 2 ] && pass "$n example profiles checked" ||
    fail "only $n example profiles found in darkmap-profile(5)"
finish
