#!/bin/sh
#
# Writes the demo tensors as .pt (bare and wrapped), safetensors and .npz
# with tests/tensorout_demo, then checks each file with
# tests/export_check.py: torch.load (weights_only=True, plain, mmap=True
# where available), numpy.load and a safetensors reader, bit for bit; and
# the zip files with unzip -t when it is installed.
#
# Environment: srcdir (where tests/export_check.py is, default "."),
# TENSOROUT_DEMO (default ./tests/tensorout_demo), PYTHON3 (default
# /usr/bin/python3).  Exits 77 (skipped) when numpy is missing; the .pt
# checks are skipped when torch is missing.

set -u

srcdir=${srcdir:-.}
demo=${TENSOROUT_DEMO:-./tests/tensorout_demo}
python=${PYTHON3:-/usr/bin/python3}
check="$srcdir/tests/export_check.py"

# In CI (CI=true) a missing reader is an error, not a skip.
ci=${CI:-}
if ! "$python" -c 'import numpy' 2>/dev/null; then
	[ "$ci" = true ] && { echo "numpy missing in CI"; exit 99; }
	echo "SKIP: $python cannot import numpy"
	exit 77
fi
have_torch=yes
if ! "$python" -c 'import torch' 2>/dev/null; then
	[ "$ci" = true ] && { echo "torch missing in CI"; exit 99; }
	echo "note: $python cannot import torch: .pt checks skipped"
	have_torch=no
fi

dir=$(mktemp -d "${TMPDIR:-/tmp}/tensorout.XXXXXX") || exit 99
trap 'rm -rf "$dir"' EXIT INT TERM

if ! "$demo" "$dir"; then
	echo "FAIL: $demo could not write the demo files"
	echo "0 passed, 1 failed"
	exit 1
fi

pass=0
failed=0
run() {
	if "$python" "$check" "$@"; then
		pass=$((pass + 1))
	else
		failed=$((failed + 1))
	fi
}

if [ "$have_torch" = yes ]; then
	run "$dir/demo.pt" "$dir/demo.json"
	run --wrapped --archive yolov3-tiny.conv "$dir/demo_wrapped.pt" \
	    "$dir/demo.json"
fi
run "$dir/demo.npz" "$dir/demo.json"
run "$dir/demo.safetensors" "$dir/demo.json"

# Zip tools read the archives and check every CRC.
if command -v unzip >/dev/null 2>&1; then
	for f in demo.pt demo_wrapped.pt demo.npz; do
		if unzip -tq "$dir/$f" >"$dir/unzip.txt" 2>&1; then
			pass=$((pass + 1))
		else
			cat "$dir/unzip.txt"
			echo "FAIL: unzip -t $f"
			failed=$((failed + 1))
		fi
	done
	rm -f "$dir/unzip.txt"
elif [ "$ci" = true ]; then
	echo "FAIL: unzip missing in CI"
	failed=$((failed + 1))
else
	echo "note: no unzip: zip tool check skipped"
fi

# The demo must leave nothing but its own files behind.
extra=$(ls -A "$dir" | grep -v -x -e demo.bin -e demo.json -e demo.pt \
    -e demo_wrapped.pt -e demo.safetensors -e demo.npz)
if [ -n "$extra" ]; then
	echo "FAIL: unexpected files left: $extra"
	failed=$((failed + 1))
else
	pass=$((pass + 1))
fi

echo "$pass passed, $failed failed"
[ "$failed" -eq 0 ]
