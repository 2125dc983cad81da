#!/bin/sh
# Hostile input: every malformed cfg, weights file or wrong kind of file of
# tests/data/malformed, and inputs made here (non-regular files, huge lines
# and files, truncated and padded weights), is refused by inspect and by
# convert with the documented exit status and a message that names the file
# (and the line, layer or offset where that applies), without hanging
# (a bound of DM_TEST_WAIT seconds), without a sanitizer report, without an
# output file, and without changing any input.
. "$(dirname "$0")/lib.sh"

mal=$data/malformed
ncases=0

sums() { find "$@" -type f -exec sha256sum {} + | sort; }
sums "$mal" "$data"/*.cfg "$data"/*.weights >"$tmp/before"

# run STATUS -- ARGS...: darkmap ARGS under a time limit; output in
# $tmp/out, $tmp/err; checks the status, hangs, signals and sanitizers.
# Returns non-zero when a check failed.
run() {
	local want=$1 got
	shift 2
	timeout "$DM_TEST_WAIT" "$DARKMAP" "$@" >"$tmp/out" 2>"$tmp/err"
	got=$?
	if grep -q -E 'Sanitizer|runtime error:' "$tmp/err"; then
		fail "$desc: sanitizer report: $(grep -m 1 -E 'Sanitizer|runtime error:' "$tmp/err")"
		return 1
	fi
	if [ "$got" -eq 124 ]; then
		fail "$desc: still running after $DM_TEST_WAIT s"
		return 1
	fi
	if [ "$got" -ne "$want" ]; then
		fail "$desc: exit $got, expected $want; $(head -c 300 "$tmp/err")"
		return 1
	fi
	return 0
}

# hostile DESC STATUS NAME PATTERN REJECT -- INSPECT-ARGS...: inspect ARGS
# exits STATUS with a message naming NAME that matches PATTERN and not
# REJECT (when not empty).  Exit status 3 must explain itself on standard
# error; a mismatch (1) gives its verdict in the report.
hostile() {
	local st=$2 name=$3 pat=$4 rej=$5
	desc=$1
	shift 6
	ncases=$((ncases + 1))
	run "$st" -- inspect "$@" || return
	cat "$tmp/err" "$tmp/out" >"$tmp/msg"
	[ "$st" -eq 3 ] && cp "$tmp/err" "$tmp/msg"
	if ! grep -q -F -- "$name:" "$tmp/msg"; then
		fail "$desc: message does not name $name: $(head -c 300 "$tmp/msg")"
	elif ! grep -q -E -- "$pat" "$tmp/msg"; then
		fail "$desc: message lacks /$pat/: $(head -c 300 "$tmp/msg")"
	elif [ -n "$rej" ] && grep -q -E -- "$rej" "$tmp/msg"; then
		fail "$desc: message matches /$rej/: $(grep -m 1 -E -- "$rej" "$tmp/msg" | head -c 300)"
	else
		pass "$desc"
	fi
}

# no_output DESC STATUS -- CONVERT-ARGS...: convert ARGS -o into an empty
# folder exits STATUS, explains itself and leaves the folder empty.
no_output() {
	local st=$2
	desc="$1 (convert)"
	shift 3
	rm -rf "$tmp/o"
	mkdir "$tmp/o"
	run "$st" -- convert "$@" -o "$tmp/o/out.pt" || return
	if [ ! -s "$tmp/err" ]; then
		fail "$desc: no message"
	elif [ -n "$(ls -A "$tmp/o")" ]; then
		fail "$desc: left $(ls -A "$tmp/o")"
	else
		pass "$desc"
	fi
}

# The files of tests/data/malformed.
listed() { awk -F '\t' -v f="$1" '$1 == f' "$mal/CASES"; }
for f in "$mal"/*; do
	name=$(basename "$f")
	[ "$name" = CASES ] && continue
	line=$(listed "$name")
	if [ -n "$line" ]; then
		use=$(printf '%s\n' "$line" | cut -f 2)
		d=$(printf '%s\n' "$line" | cut -f 3)
		st=$(printf '%s\n' "$line" | cut -f 4)
		pat=$(printf '%s\n' "$line" | cut -f 5)
		rej=$(printf '%s\n' "$line" | cut -f 6)
	else
		case $name in
		*.cfg) ;;
		*) fail "$name: not listed in CASES"; continue ;;
		esac
		use=cfg d=ab st=3 rej=
		case $name in *-pj.cfg) d=pj ;; esac
		pat=$(sed -n '1s/^# expect: //p' "$f" | tr -d '\r')
		if [ -z "$pat" ]; then
			fail "$name: no '# expect:' line and not in CASES"
			continue
		fi
		# A cfg error names the line or the layer.
		pat="($name:[0-9]+: |$name: layer [0-9]+ ).*$pat"
	fi
	if [ "$use" = cfg ]; then
		hostile "$name" "$st" "$name" "$pat" "$rej" -- -d "$d" "$f"
		no_output "$name" "$st" -- -d "$d" "$f" "$data/$d-small.weights"
	else
		hostile "$name" "$st" "$name" "$pat" "$rej" -- -d "$d" "$data/$d-small.cfg" "$f"
		no_output "$name" "$st" -- -d "$d" "$data/$d-small.cfg" "$f"
	fi
done

cfg=$data/ab-small.cfg
good=$data/ab-small.weights

# Non-regular files: a folder, a character device, a FIFO without writer
# (which must not block), an endless device, a missing file, a link loop.
mkdir "$tmp/folder"
hostile "folder as cfg" 3 folder '[Dd]irectory' '' -- "$tmp/folder"
no_output "folder as cfg" 3 -- "$tmp/folder" "$good"
hostile "folder as weights" 3 folder 'directory' '' -- "$cfg" "$tmp/folder"
no_output "folder as weights" 3 -- "$cfg" "$tmp/folder"
hostile "/dev/null as cfg" 3 /dev/null 'character device, not a regular file' '' -- /dev/null
hostile "/dev/null as weights" 3 /dev/null 'character device' '' -- "$cfg" /dev/null
no_output "/dev/null as weights" 3 -- "$cfg" /dev/null
if mkfifo "$tmp/fifo" 2>/dev/null; then
	hostile "FIFO as cfg" 3 fifo 'a pipe, not a regular file' '' -- "$tmp/fifo"
	no_output "FIFO as cfg" 3 -- "$tmp/fifo" "$good"
	hostile "FIFO as weights" 3 fifo 'pipe' '' -- "$cfg" "$tmp/fifo"
	no_output "FIFO as weights" 3 -- "$cfg" "$tmp/fifo"
else
	fail "cannot make a FIFO"
fi
# /dev/zero never ends: with a memory limit where the program runs under
# one, and with ASan's limit on one allocation where it does not, so that
# a reader that keeps going stops.
if sh -c 'ulimit -d 4194304 && exec "$0" -V' "$DARKMAP" >/dev/null 2>&1; then
	limit='ulimit -d 4194304;'
else
	limit=
fi
desc="/dev/zero as cfg"
ncases=$((ncases + 1))
ASAN_OPTIONS="${ASAN_OPTIONS:+$ASAN_OPTIONS:}max_allocation_size_mb=2048:allocator_may_return_null=1" \
    sh -c "$limit"' exec timeout "$DM_TEST_WAIT" "$0" inspect /dev/zero' "$DARKMAP" >"$tmp/out" 2>"$tmp/err"
got=$?
if [ "$got" -eq 3 ] && grep -q '/dev/zero: ' "$tmp/err"; then
	pass "$desc"
else
	fail "$desc: exit $got (124: still reading after $DM_TEST_WAIT s); $(head -c 200 "$tmp/err")"
fi
hostile "/dev/zero as weights" 3 /dev/zero 'character device' '' -- "$cfg" /dev/zero
hostile "missing cfg" 3 nonexistent.cfg 'No such file' '' -- "$tmp/nonexistent.cfg"
hostile "missing weights" 3 nonexistent.weights 'No such file' '' -- "$cfg" "$tmp/nonexistent.weights"
no_output "missing weights" 3 -- "$cfg" "$tmp/nonexistent.weights"
ln -s loop "$tmp/loop"
hostile "symbolic link loop as cfg" 3 loop 'symbolic links' '' -- "$tmp/loop"
hostile "symbolic link loop as weights" 3 loop 'symbolic links' '' -- "$cfg" "$tmp/loop"

# Wrong kinds of files: darkmap's own outputs and inputs in the wrong place.
for f in pt safetensors npz; do
	"$DARKMAP" convert "$cfg" "$good" -o "$tmp/model.$f" >/dev/null 2>&1 ||
	    fail "cannot make model.$f"
done
hostile "weights as cfg" 3 ab-small.weights "looks like a weights file, not a cfg: 'darkmap identify " '' -- "$good"
hostile "weights and cfg swapped" 3 ab-small.weights \
    "this looks like a weights file and .*ab-small.cfg like a cfg: the operands look swapped \(the cfg comes first, then the weights\)" \
    'NUL byte' -- "$good" "$cfg"
no_output "weights and cfg swapped" 3 -- "$good" "$cfg"
hostile "weights as both operands" 3 ab-small.weights \
    "looks like a weights file, not a cfg: 'darkmap identify " 'NUL byte' \
    -- "$good" "$good"
# A weights file cut inside its header, where the cfg belongs: what the
# header needs, not the cfg parser's NUL byte; the swap said too.
head -c 16 "$good" >"$tmp/only16.weights"
head -c 8 "$good" >"$tmp/only8.weights"
head -c 12 "$good" >"$tmp/old12.weights"
printf '\001\000\000\000' | dd of="$tmp/old12.weights" bs=1 seek=4 conv=notrunc 2>/dev/null
version=$(od -A n -t d4 -N 12 "$good" | awk '{ print $1 "\\." $2 "\\." $3 }')
hostile "a weights file cut inside its header, as cfg" 3 only16.weights \
    "16 bytes, too few for a weights header \(20 bytes for version $version\): it looks like a truncated weights file, not a cfg\$" \
    'NUL byte' -- "$tmp/only16.weights"
hostile "the same, before a cfg" 3 only16.weights \
    "16 bytes, too few for a weights header .*: it looks like a truncated weights file, not a cfg; the operands look swapped \(the cfg comes first, then the weights\)" \
    'NUL byte' -- "$tmp/only16.weights" "$cfg"
no_output "a weights file cut inside its header, before a cfg" 3 -- \
    "$tmp/only16.weights" "$cfg"
hostile "8 bytes of a weights header, as cfg" 3 only8.weights \
    "8 bytes, too few for a weights header \(16 or 20 bytes\): it looks like a truncated weights file" \
    'NUL byte' -- "$tmp/only8.weights"
hostile "a 0.1 header cut before seen, as cfg" 3 old12.weights \
    "12 bytes, too few for a weights header \(16 bytes for version 0\.1\." \
    'NUL byte' -- "$tmp/old12.weights"
desc="a weights file cut inside its header, no command"
run 3 -- "$tmp/only16.weights" </dev/null &&
    if grep -q 'only16.weights: 16 bytes, too few for a weights header' "$tmp/err"; then
	pass "$desc"
else
	fail "$desc: $(head -c 300 "$tmp/err")"
fi
ncases=$((ncases + 1))
hostile ".pt as cfg" 3 model.pt 'model.pt:1: ' '' -- "$tmp/model.pt"
hostile ".pt as weights" 3 model.pt 'PyTorch checkpoint' '' -- "$cfg" "$tmp/model.pt"
no_output ".pt as weights" 3 -- "$cfg" "$tmp/model.pt"
hostile "safetensors as weights" 3 model.safetensors 'safetensors' '' -- "$cfg" "$tmp/model.safetensors"
hostile ".npz as weights" 3 model.npz 'zip archive' '' -- "$cfg" "$tmp/model.npz"

# A [yolo] mask far beyond its anchors, for a port that exports anchors.
"$PYTHON3" - "$tmp" <<'PY'
import struct, sys
t = sys.argv[1]
for name, mask, n in (("mask-huge", "1073741824", 1),
                      ("mask-intmax", "0,2147483647", 2)):
    open("%s/%s.cfg" % (t, name), "w").write(
        "[net]\nwidth=8\nheight=8\nchannels=3\n\n[convolutional]\n"
        "filters=%d\nsize=1\n\n[yolo]\nmask=%s\nanchors=10,14,23,27\n"
        "classes=2\nnum=2\n" % (7 * n, mask))
    open("%s/%s.weights" % (t, name), "wb").write(
        struct.pack("<iiiQ", 0, 2, 5, 0) + bytes(4 * 4 * 7 * n))
PY
for m in mask-huge mask-intmax; do
	desc="$m.cfg, eriklindernoren names (convert)"
	ncases=$((ncases + 1))
	rm -rf "$tmp/o"
	mkdir "$tmp/o"
	if run 3 -- convert -n eriklindernoren "$tmp/$m.cfg" "$tmp/$m.weights" -o "$tmp/o/out.pt"; then
		if ! grep -q -E "$m\.cfg:[0-9]+: layer 1 \[yolo\]: mask names anchor" "$tmp/err"; then
			fail "$desc: message: $(head -c 300 "$tmp/err")"
		elif [ -n "$(ls -A "$tmp/o")" ]; then
			fail "$desc: left $(ls -A "$tmp/o")"
		else
			pass "$desc"
		fi
	fi
done

# Huge lines (10 MB) and huge numbers, and a cfg of 300,000 lines.
"$PYTHON3" - "$tmp" <<'PY'
import sys
t = sys.argv[1]
net = "[net]\nwidth=16\nheight=16\nchannels=3\n"
with open(t + "/huge-number.cfg", "w") as f:
    f.write(net + "[convolutional]\nsize=3\nfilters=" + "9" * 10000000 + "\n")
with open(t + "/huge-first-line.cfg", "w") as f:
    f.write("x" * 10000000 + "\n" + net)
with open(t + "/huge-section-pj.cfg", "w") as f:
    f.write(net + "[" + "a" * 10000000 + "]\n")
with open(t + "/huge-value.cfg", "w") as f:
    f.write(net + "[route]\nlayers=" + "-1," * 3000000 + "\n")
with open(t + "/many-layers.cfg", "w") as f:
    f.write(net + "[maxpool]\nsize=1\nstride=1\n" * 100000)
    f.write("[route]\nlayers=-200000\n")
PY
hostile "10 MB number" 3 huge-number.cfg 'huge-number.cfg:7: filters: number out of range' '' -- "$tmp/huge-number.cfg"
no_output "10 MB number" 3 -- "$tmp/huge-number.cfg" "$good"
hostile "10 MB first line" 3 huge-first-line.cfg ':1: option line before the first section' '' -- "$tmp/huge-first-line.cfg"
hostile "10 MB section name" 3 huge-section-pj.cfg ':5: layer 0 \[aaa.*unknown section type' '' -- -d pj "$tmp/huge-section-pj.cfg"
hostile "10 MB list of layers" 3 huge-value.cfg ':5: layer 0 \[route\]: layers lists 3000001 layers' '' -- "$tmp/huge-value.cfg"
hostile "300,000 lines" 3 many-layers.cfg ':300005: layer 100000 \[route\]: .*before the first layer' '' -- "$tmp/many-layers.cfg"

# A cfg cut off in the middle of a section name (pjreddie refuses it).
head -c "$(grep -b -o '^\[' "$data/pj-small.cfg" | tail -n 1 | cut -d: -f 1)" "$data/pj-small.cfg" >"$tmp/cut-pj.cfg"
printf '[convolu' >>"$tmp/cut-pj.cfg"
hostile "cfg cut off" 3 cut-pj.cfg ':[0-9]+: layer [0-9]+ \[convolu: unknown section type' '' -- -d pj "$tmp/cut-pj.cfg"
no_output "cfg cut off" 3 -- -d pj "$tmp/cut-pj.cfg" "$data/pj-small.weights"

# Weights cut off, padded, unaligned, or 5 GiB long (sparse).
head -c 4000 "$good" >"$tmp/cut.weights"
hostile "weights cut off" 1 cut.weights 'ends inside layer [0-9]+ array [a-z_]+ \(offset [0-9]+' '' -- "$cfg" "$tmp/cut.weights"
no_output "weights cut off" 1 -- "$cfg" "$tmp/cut.weights"
{ cat "$good"; printf 'junkjunk'; } >"$tmp/padded.weights"
hostile "weights padded" 1 padded.weights '8 bytes .* left after the last array, which ends at byte 4176' '' -- "$cfg" "$tmp/padded.weights"
no_output "weights padded" 1 -- "$cfg" "$tmp/padded.weights"
head -c 4175 "$good" >"$tmp/odd.weights"
hostile "weights unaligned" 1 odd.weights 'not a whole number' '' -- "$cfg" "$tmp/odd.weights"
cp "$good" "$tmp/huge.weights"
if truncate -s 5G "$tmp/huge.weights" 2>/dev/null; then
	hostile "5 GiB weights" 1 huge.weights '5368704944 bytes .* left after the last array' '' -- "$cfg" "$tmp/huge.weights"
	no_output "5 GiB weights" 1 -- "$cfg" "$tmp/huge.weights"
	rm -f "$tmp/huge.weights"
elif [ "${CI:-}" = true ]; then
	fail "cannot make a sparse 5 GiB file in CI"
fi

# Between them, this test and errors.sh try at least 50 malformed inputs.
nbad=$(ls "$data"/bad/*.cfg | wc -l)
if [ $((ncases + nbad)) -ge 50 ]; then
	pass "$ncases malformed inputs here and $nbad in tests/data/bad"
else
	fail "only $ncases + $nbad malformed inputs"
fi

sums "$mal" "$data"/*.cfg "$data"/*.weights >"$tmp/after"
cmp -s "$tmp/before" "$tmp/after" && pass "inputs unchanged" ||
    fail "inputs changed: $(diff "$tmp/before" "$tmp/after" | head -5)"
finish
