#!/bin/sh
# OpenCV's Darknet importer reads the clean .weights that darkmap convert
# writes: for every fixture net with Darknet's forward output, OpenCV's
# output on the fixture input matches it (nets OpenCV cannot run are
# listed with the reason); see tests/opencv_check.py.
. "$(dirname "$0")/lib.sh"

if ! "$PYTHON3" -c 'import cv2, numpy' 2>"$tmp/err"; then
	[ "${CI:-}" = true ] &&
	    bail "$PYTHON3 cannot import cv2 (OpenCV) in CI: $(tail -n 1 "$tmp/err")"
	skip_all "$PYTHON3 cannot import cv2 (install python3-opencv)"
fi
checks "opencv_check.py" "$PYTHON3" "$srcdir/tests/opencv_check.py" \
    "$DARKMAP" "$tmp"
finish
