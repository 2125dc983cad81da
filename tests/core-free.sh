#!/bin/sh
# The core library never includes curses and never exits.
. "$(dirname "$0")/lib.sh"

if grep -n -E '#[[:space:]]*include[[:space:]]*[<"](n?curses|ncursesw/|term\.h|panel\.h)' \
    "$srcdir"/src/*.c "$srcdir"/src/*.h; then
	fail "src/ includes a curses header"
else
	pass "src/ includes no curses header"
fi
if grep -n -E '(^|[^_a-z])(exit|_exit|_Exit|quick_exit|abort|err|errx|assert)[[:space:]]*\(' \
    "$srcdir"/src/*.c; then
	fail "src/ calls exit(), abort(), err() or assert()"
else
	pass "src/ never exits"
fi
finish
