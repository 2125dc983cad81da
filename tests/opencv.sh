#!/bin/sh
# OpenCV's Darknet importer reads the clean .weights that darkmap convert
# writes: for every fixture net with Darknet's forward output, OpenCV's
# output on the fixture input matches it (nets OpenCV cannot run are
# listed with the reason); see tests/opencv_check.py.
. "$(dirname "$0")/lib.sh"

if ! "$PYTHON3" -c 'import cv2, numpy' 2>"$tmp/err"; then
	if [ "${CI:-}" = true ]; then
		echo "FAIL: $PYTHON3 cannot import cv2 (OpenCV) in CI: $(tail -n 1 "$tmp/err")"
		exit 99
	fi
	echo "SKIP: $PYTHON3 cannot import cv2 (install python3-opencv)"
	exit 77
fi
if "$PYTHON3" "$srcdir/tests/opencv_check.py" "$DARKMAP" "$tmp"; then
	pass "opencv_check.py"
else
	fail "opencv_check.py"
fi
finish
