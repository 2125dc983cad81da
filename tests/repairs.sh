#!/bin/sh
# Repairs that are never silently wrong: ties, absurd fits, other
# networks, array orders, salvage (tests/repairs_check.py).
. "$(dirname "$0")/lib.sh"

if "$PYTHON3" "$srcdir/tests/repairs_check.py" "$DARKMAP" "$tmp"
then
	pass "repairs_check.py"
else
	fail "repairs_check.py"
fi
finish
