#!/bin/sh
# convert: every Darknet-written weights file of both forks to .pt,
# safetensors, .npz and .weights, checked bit for bit with torch and numpy;
# the ports' key lists; refusals, --force and atomic output.
. "$(dirname "$0")/lib.sh"

cfg=$data/ab-small.cfg
good=$data/ab-small.weights

# The bundled nets go through every format.
for f in pt safetensors npz weights; do
	expect 0 "convert to $f" -- "$DARKMAP" convert "$cfg" "$good" -o "$tmp/o.$f"
done
cmp -s "$good" "$tmp/o.weights" && pass "clean .weights of a Darknet file is identical" ||
    fail "clean .weights differs from the Darknet-written file"

# A file that does not match is refused and nothing is written.
head -c 4000 "$good" >"$tmp/cut.weights"
expect 1 "truncated file refused" -- "$DARKMAP" convert "$cfg" "$tmp/cut.weights" -o "$tmp/cut.pt"
grep_err 'ends inside layer' "refusal explains the verdict"
[ ! -e "$tmp/cut.pt" ] && pass "no output after refusal" || fail "output written after refusal"
expect 0 "--force exports what is there" -- "$DARKMAP" convert --force "$cfg" "$tmp/cut.weights" -o "$tmp/cut.pt"
grep_err 'are not in the file and are not exported' "--force lists missing layers"
# An existing output survives a failed convert; no temporary is left.
echo previous >"$tmp/keep.pt"
expect 1 "refused over an existing file" -- "$DARKMAP" convert "$cfg" "$tmp/cut.weights" -o "$tmp/keep.pt"
[ "$(cat "$tmp/keep.pt")" = previous ] && pass "previous output kept" || fail "previous output lost"
# (A temporary is the target's name and six more characters.)
[ "$(ls -A "$tmp" | grep -c -E '\.[A-Za-z0-9]{6}$')" -eq 0 ] && pass "no temporary files left" ||
    fail "temporary files left: $(ls -A "$tmp")"
expect 2 "writing onto an input refused" -- "$DARKMAP" convert --format weights "$cfg" "$good" -o "$good"
expect 2 "unknown extension" -- "$DARKMAP" convert "$cfg" "$good" -o "$tmp/x.bin"
expect 2 "unknown names" -- "$DARKMAP" convert --names nope "$cfg" "$good" -o "$tmp/x.pt"
expect 3 "a port cannot hold a weighted shortcut" -- "$DARKMAP" convert --names ultralytics "$cfg" "$good" -o "$tmp/x.pt"
grep_err 'layer [0-9]+ \[shortcut\]: the ultralytics port has no equivalent' "the unrepresentable layer is named"
expect 0 "template names" -- "$DARKMAP" convert --names 'net.{layer}.{array}' "$cfg" "$good" -o "$tmp/t.npz"
if "$PYTHON3" -c 'import numpy,sys; z=numpy.load(sys.argv[1]); assert "net.0.biases" in z.files and "net.0.weights" in z.files, z.files' "$tmp/t.npz"; then
	pass "template keys"
else
	fail "template keys"
fi

# --no-sync writes the same bytes.
for f in pt npz safetensors weights; do
	expect 0 "--no-sync $f" -- "$DARKMAP" convert --no-sync "$cfg" "$good" -o "$tmp/ns.$f"
	cmp -s "$tmp/ns.$f" "$tmp/o.$f" && pass "--no-sync $f: same bytes" || fail "--no-sync $f differs"
done
expect 2 "--no-sync is for convert" -- "$DARKMAP" inspect --no-sync "$cfg" "$good"
expect 2 "--sync is for convert" -- "$DARKMAP" inspect --sync "$cfg" "$good"

# The sync policy: by default the data reaches the disk before the rename
# only when an existing file is replaced; --sync always, --no-sync never.
# Counted with strace: the calls that wait for the disk.  (LeakSanitizer
# cannot run under a tracer, so it is left out there.)
syncs() {
	ASAN_OPTIONS="${ASAN_OPTIONS:+$ASAN_OPTIONS:}detect_leaks=0" \
	    strace -f -qq -e trace=fsync,fdatasync -o "$tmp/strace" "$@" \
	    >/dev/null 2>"$tmp/err" || { echo "exit $? ($(head -c 300 "$tmp/err"))"; return; }
	grep -c 'sync(' "$tmp/strace"
}
if command -v strace >/dev/null 2>&1; then
	for f in pt weights; do
		rm -f "$tmp/s.$f"
		n=$(syncs "$DARKMAP" convert "$cfg" "$good" -o "$tmp/s.$f")
		[ "$n" = 0 ] && pass "$f: a new file is not synced" ||
		    fail "$f: new file: $n syncs"
		n=$(syncs "$DARKMAP" convert "$cfg" "$good" -o "$tmp/s.$f")
		[ "$n" = 2 ] && pass "$f: replacing syncs the data and the folder" ||
		    fail "$f: replacing: $n syncs, not 2"
		n=$(syncs "$DARKMAP" convert --no-sync "$cfg" "$good" -o "$tmp/s.$f")
		[ "$n" = 0 ] && pass "$f: --no-sync replaces without a sync" ||
		    fail "$f: --no-sync: $n syncs"
		rm -f "$tmp/s.$f"
		n=$(syncs "$DARKMAP" convert --sync "$cfg" "$good" -o "$tmp/s.$f")
		[ "$n" = 2 ] && pass "$f: --sync syncs a new file" ||
		    fail "$f: --sync: $n syncs, not 2"
		cmp -s "$tmp/s.$f" "$tmp/o.$f" && pass "$f: same bytes after all four" ||
		    fail "$f: bytes differ"
	done
	# --verify reads the output back before the rename; without it a
	# .weights or .safetensors is never read.  Counted with strace: the
	# reads of the temporary file beside the output.
	readback() {	# readback EXT ARGS...: reads of the temporary output
		local ext=$1
		shift
		rm -f "$tmp/rb.$ext"
		ASAN_OPTIONS="${ASAN_OPTIONS:+$ASAN_OPTIONS:}detect_leaks=0" \
		    strace -f -qq -y -e trace=pread64,read -o "$tmp/strace" \
		    "$DARKMAP" convert "$@" "$cfg" "$good" -o "$tmp/rb.$ext" \
		    >/dev/null 2>&1 || { echo "exit $?"; return; }
		grep -c "read64*([0-9]*<[^>]*/rb\.$ext\.[A-Za-z0-9]\{6\}>" "$tmp/strace"
	}
	for f in weights safetensors; do
		n=$(readback $f)
		[ "$n" = 0 ] && pass "$f: not read back without --verify" ||
		    fail "$f: read back $n times without --verify"
		n=$(readback $f --verify)
		[ "$n" -gt 0 ] 2>/dev/null && pass "$f: --verify reads it back ($n reads)" ||
		    fail "$f: --verify: $n reads back"
	done
	# The time zone is looked up once, not once per archive entry when
	# libzip reads back the .pt it verifies.
	rm -f "$tmp/tz.pt"
	if env -u TZ ASAN_OPTIONS="${ASAN_OPTIONS:+$ASAN_OPTIONS:}detect_leaks=0" \
	    strace -f -qq -e trace=%file -o "$tmp/strace" \
	    "$DARKMAP" convert --verify "$cfg" "$good" -o "$tmp/tz.pt" >/dev/null 2>&1; then
		n=$(grep -c '/etc/localtime' "$tmp/strace")
		[ "$n" -le 4 ] && pass "time zone looked up $n times" ||
		    fail "time zone looked up $n times"
	else
		fail "convert under strace failed"
	fi
else
	fail "strace(1) is missing: cannot test the sync policy"
fi

# Overrides at the edges.  A transposed array of more than two axes is
# stored [rest][first], as Darknet's transposed connected weights are.
rm -f "$tmp/tr.npz"
expect 0 "--transpose-array on a 4-D array" -- "$DARKMAP" convert --transpose-array=0:weights "$cfg" "$good" -o "$tmp/tr.npz"
if "$PYTHON3" -c '
import numpy as np, sys
a = np.load(sys.argv[1])["layers.0.conv.weight"]
b = np.load(sys.argv[2])["layers.0.conv.weight"]
flat = a.reshape(-1)				# the order of the file
want = flat.reshape(-1, a.shape[0]).T.reshape(a.shape)
assert b.shape == a.shape and (b == want).all()
' "$tmp/o.npz" "$tmp/tr.npz"; then
	pass "the 4-D array is read [rest][first]"
else
	fail "4-D transpose content"
fi
# A gap or offset after the last array asks nothing more of the file.
last=$("$DARKMAP" inspect -f json "$cfg" | "$PYTHON3" -c 'import json,sys; print(len(json.load(sys.stdin)["layers"]) - 1)')
expect 0 "a gap after the last array" -- "$DARKMAP" inspect --gap="$last"=100 "$cfg" "$good"
grep_out '^verdict  exact' "the file still fits exactly"
expect 0 "an offset after the last array" -- "$DARKMAP" inspect --offset="$last"=9000 "$cfg" "$good"
expect 3 "an offset inside the header" -- "$DARKMAP" inspect --offset=0=4 "$cfg" "$good"
grep_err 'the override options: layer 0: offset 4 is inside the 20-byte header' \
    "the error says it is the override's"
# anchors= ending in a comma: the empty value reads 0, as Darknet's atof().
sed -e 's/^anchors=4,5, 8,9, 12,14, 18,20, 26,30, 40,44$/&, 7,/' \
    -e '0,/^mask=3,4,5$/s//mask=3,4,6/' "$data/demo/shapes.cfg" >"$tmp/anch.cfg"
"$DARKMAP" fix "$tmp/anch.cfg" "$data/demo/shapes.weights" -o "$tmp/anch.profile" >/dev/null 2>&1 ||
    fail "fix of the anchors cfg"
expect 0 "eriklindernoren anchors with an empty last value" -- "$DARKMAP" convert -p "$tmp/anch.profile" \
    --names eriklindernoren "$tmp/anch.cfg" "$data/demo/shapes.weights" -o "$tmp/anch.npz"
if "$PYTHON3" -c '
import numpy as np, sys
z = np.load(sys.argv[1])
assert list(z["module_list.10.yolo_10.anchors"].ravel()) == [18, 20, 26, 30, 7, 0]
' "$tmp/anch.npz"; then
	pass "the empty anchor value exports as 0"
else
	fail "anchors with an empty value"
fi

# A progress line on a terminal, nothing otherwise.
expect 0 "no progress when stderr is not a terminal" -- "$DARKMAP" convert "$cfg" "$good" -o "$tmp/p1.pt"
[ ! -s "$tmp/err" ] && pass "stderr silent without a terminal" || fail "stderr: $(cat "$tmp/err")"
if command -v script >/dev/null 2>&1; then
	script -q -e -c "'$DARKMAP' convert '$cfg' '$good' -o '$tmp/p2.pt'" /dev/null >"$tmp/tty" 2>&1
	grep -q 'writing .*p2.pt 100%' "$tmp/tty" && pass "progress line on a terminal" ||
	    fail "no progress line on a terminal: $(cat "$tmp/tty")"
else
	fail "script(1) is missing: cannot test the progress line"
fi

# A 36 MiB connected layer stored transposed (header 1000.1001) is turned
# back in strips, with memory well below its size.
printf '[net]\ninputs=4096\n\n[connected]\noutput=2304\nactivation=linear\n' >"$tmp/big.cfg"
"$PYTHON3" - "$tmp" <<'PY'
import numpy as np, struct, sys
rows, cols = 2304, 4096
w = (np.arange(rows * cols) % 1000 / 1000.0 - 0.5).astype("<f4").reshape(rows, cols)
b = np.linspace(-1, 1, rows).astype("<f4")
open(sys.argv[1] + "/big.weights", "wb").write(
    struct.pack("<iiiI", 1000, 1001, 0, 0) + b.tobytes() + w.T.copy().tobytes())
PY
if [ -x /usr/bin/time ]; then
	expect 0 "large transposed tensor" -- /usr/bin/time -f '%M' -o "$tmp/rss" \
	    "$DARKMAP" convert -d pj "$tmp/big.cfg" "$tmp/big.weights" -o "$tmp/big.npz"
	[ "$(cat "$tmp/rss")" -lt 30000 ] && pass "transpose in strips: peak $(cat "$tmp/rss") KB" ||
	    fail "transpose peak RSS $(cat "$tmp/rss") KB for a 36 MiB tensor"
else
	expect 0 "large transposed tensor" -- "$DARKMAP" convert -d pj "$tmp/big.cfg" "$tmp/big.weights" -o "$tmp/big.npz"
	[ "${CI:-}" = true ] && fail "/usr/bin/time missing in CI: peak RSS not measured"
fi
"$PYTHON3" - "$tmp" <<'PY' && pass "large transposed tensor in PyTorch order" || fail "large transposed tensor"
import numpy as np, sys
z = np.load(sys.argv[1] + "/big.npz")
rows, cols = 2304, 4096
w = (np.arange(rows * cols) % 1000 / 1000.0 - 0.5).astype("<f4").reshape(rows, cols)
assert np.array_equal(z["layers.0.fc.weight"], w)
PY
rm -f "$tmp/big.weights" "$tmp/big.npz"

checks "convert_check.py" "$PYTHON3" "$srcdir/tests/convert_check.py" \
    "$DARKMAP" "$tmp"
finish
