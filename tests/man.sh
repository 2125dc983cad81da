#!/bin/sh
# The man pages are clean under mandoc -Tlint and document every option.
. "$(dirname "$0")/lib.sh"

if [ -z "${MANDOC:-}" ]; then
	MANDOC=$(command -v mandoc || true)
fi
if [ -z "$MANDOC" ]; then
	[ "${CI:-}" = true ] && { echo "mandoc missing in CI"; exit 99; }
	echo "SKIP: mandoc not installed"; exit 77
fi
for page in "$srcdir"/man/*.[0-9]; do
	if "$MANDOC" -Tlint -Wwarning "$page" >"$tmp/lint" 2>&1; then
		pass "lint $(basename "$page")"
	else
		fail "lint $(basename "$page"): $(cat "$tmp/lint")"
	fi
done
# Every long option of --help appears in the man page.
"$DARKMAP" --help | grep -o -E -- '--[a-z-]+' | sort -u >"$tmp/opts"
while read -r opt; do
	if grep -q -F -- "${opt#--}" "$srcdir/man/darkmap.1"; then
		pass "man page documents $opt"
	else
		fail "man page lacks $opt"
	fi
done <"$tmp/opts"
finish
