#!/bin/sh
#
# Writes the demo tensors as .pt (bare and wrapped), safetensors and .npz
# with tests/tensorout_demo, then checks each file with
# tests/export_check.py: torch.load (weights_only=True, plain, mmap=True
# where available), numpy.load and a safetensors reader, bit for bit; and
# the zip files with unzip -t when it is installed.
#
# Environment: TENSOROUT_DEMO (default ./tests/tensorout_demo) and those of
# tests/lib.sh.  Skipped when numpy is missing; the .pt checks are skipped
# when torch is missing (in CI, either is an error).
. "$(dirname "$0")/lib.sh"

demo=${TENSOROUT_DEMO:-./tests/tensorout_demo}
check="$srcdir/tests/export_check.py"

if ! "$PYTHON3" -c 'import numpy' 2>/dev/null; then
	[ "${CI:-}" = true ] && bail "numpy missing in CI"
	skip_all "$PYTHON3 cannot import numpy"
fi
have_torch=yes
if ! "$PYTHON3" -c 'import torch' 2>/dev/null; then
	[ "${CI:-}" = true ] && bail "torch missing in CI"
	echo "# $PYTHON3 cannot import torch: .pt checks skipped"
	have_torch=no
fi

dir=$tmp/out.d
mkdir "$dir" || bail "cannot make $dir"
"$demo" "$dir" >"$tmp/demo.out" 2>&1 ||
    bail "$demo could not write the demo files: $(tail -n 3 "$tmp/demo.out")"

if [ "$have_torch" = yes ]; then
	checks "demo.pt" "$PYTHON3" "$check" "$dir/demo.pt" "$dir/demo.json"
	checks "demo_wrapped.pt" "$PYTHON3" "$check" --wrapped \
	    --archive yolov3-tiny.conv "$dir/demo_wrapped.pt" "$dir/demo.json"
fi
checks "demo.npz" "$PYTHON3" "$check" "$dir/demo.npz" "$dir/demo.json"
checks "demo.safetensors" "$PYTHON3" "$check" "$dir/demo.safetensors" \
    "$dir/demo.json"

# Zip tools read the archives and check every CRC.
if command -v unzip >/dev/null 2>&1; then
	for f in demo.pt demo_wrapped.pt demo.npz; do
		if unzip -tq "$dir/$f" >"$tmp/unzip.txt" 2>&1; then
			pass "unzip -t $f"
		else
			fail "unzip -t $f: $(cat "$tmp/unzip.txt")"
		fi
	done
elif [ "${CI:-}" = true ]; then
	fail "unzip missing in CI"
else
	echo "# no unzip: zip tool check skipped"
fi

# The demo must leave nothing but its own files behind.
extra=$(ls -A "$dir" | grep -v -x -e demo.bin -e demo.json -e demo.pt \
    -e demo_wrapped.pt -e demo.safetensors -e demo.npz)
[ -z "$extra" ] && pass "the demo leaves only its own files" ||
    fail "unexpected files left: $extra"
finish
