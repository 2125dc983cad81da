#!/bin/sh
# Every cfg with a golden: the TSV ledger equals Darknet's own, byte for
# byte, and the JSON shapes equal Darknet's.
. "$(dirname "$0")/lib.sh"
checks "golden_check.py" "$PYTHON3" "$srcdir/tests/golden_check.py" "$DARKMAP"
finish
