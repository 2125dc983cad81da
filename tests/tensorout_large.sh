#!/bin/sh
#
# Opt-in (DM_TEST_LARGE=1): exports a tensor larger than 4 GiB (2200 x
# 1024 x 1024 float16, 2^31 and more elements) with tests/tensorout_demo -l
# as .pt, .npz and safetensors, under /usr/bin/time -v, and checks that
#  - the writer's peak resident memory stays small (DM_LARGE_MAX_RSS_KB,
#    default 262144, far below the 4.3 GiB tensor),
#  - the zip files use zip64 for the big member and for the entries after
#    it, and pass unzip -t (when unzip is installed), and
#  - every file loads bit for bit (tests/export_check.py).
# Needs about 20 GiB free in TMPDIR (default /tmp) and a few minutes.
#
# Environment as for tensorout_export.sh: TENSOROUT_DEMO, and those of
# tests/lib.sh (its temporary folder is in TMPDIR).
. "$(dirname "$0")/lib.sh"

if [ "${DM_TEST_LARGE:-0}" != 1 ]; then
	skip_all "set DM_TEST_LARGE=1 to run the > 4 GiB export test"
fi

demo=${TENSOROUT_DEMO:-./tests/tensorout_demo}
check="$srcdir/tests/export_check.py"
maxrss=${DM_LARGE_MAX_RSS_KB:-262144}

# Asked for, the test fails rather than skips when it cannot run.
[ -x /usr/bin/time ] || bail "/usr/bin/time is missing"
avail=$(df -Pk "$tmp" | awk 'NR == 2 { print $4 }')
[ "${avail:-0}" -ge $((20 * 1024 * 1024)) ] ||
    bail "less than 20 GiB free in ${TMPDIR:-/tmp}"
"$PYTHON3" -c 'import numpy, torch' 2>/dev/null ||
    bail "$PYTHON3 cannot import numpy and torch"

dir=$tmp/large
mkdir "$dir" || bail "cannot make $dir"

# (The times are told, not checked.)
start=$(date +%s)
if /usr/bin/time -v "$demo" -l "$dir" 2>"$dir/time.txt"; then
	pass "$demo -l writes the three files"
else
	fail "$demo -l failed: $(tail -n 5 "$dir/time.txt")"
	finish
fi
end=$(date +%s)
rss=$(awk -F': ' '/Maximum resident set size/ { print $2 }' "$dir/time.txt")
wall=$(awk -F': ' '/Elapsed \(wall clock\)/ { print $2 }' "$dir/time.txt")
echo "# writer: peak RSS ${rss} kB, wall ${wall} ($((end - start)) s)" \
    "for the expected-data file and three outputs"
ls -l "$dir" | sed 's/^/# /'
if [ "${rss:-0}" -gt 0 ] && [ "$rss" -le "$maxrss" ]; then
	pass "the writer's peak RSS, ${rss} kB, is at most ${maxrss} kB"
else
	fail "peak RSS ${rss:-?} kB is over ${maxrss} kB"
fi

# zip64: the big member has a zip64 local field, later entries sit beyond
# 4 GiB (their offsets only fit in the zip64 central directory fields).
for f in large.pt large.npz; do
	if "$PYTHON3" - "$dir/$f" <<'EOF'
import struct, sys, zipfile
path = sys.argv[1]
zf = zipfile.ZipFile(path)
infos = zf.infolist()
big = [i for i in infos if i.file_size >= 0xFFFFFFFF]
assert len(big) == 1, "expected one member over 4 GiB"
with open(path, "rb") as f:
    f.seek(big[0].header_offset)
    h = f.read(30)
    namelen, extralen = struct.unpack("<HH", h[26:30])
    f.seek(big[0].header_offset + 30 + namelen)
    extra = f.read(extralen)
assert extra[:2] == b"\x01\x00", "no zip64 field in the local header"
usize, csize = struct.unpack("<QQ", extra[4:20])
assert usize == csize == big[0].file_size, "zip64 sizes wrong"
after = [i for i in infos if i.header_offset > 0xFFFFFFFF]
assert after, "no entry beyond 4 GiB"
print("# zip64: %s: %s is %d bytes, %d entries beyond 4 GiB" %
      (path, big[0].filename, big[0].file_size, len(after)))
EOF
	then pass "$f: zip64 layout"; else fail "$f: zip64 layout"; fi
done

if command -v unzip >/dev/null 2>&1; then
	for f in large.pt large.npz; do
		if unzip -tq "$dir/$f" >"$tmp/unzip.txt" 2>&1; then
			pass "unzip -t $f"
		else
			fail "unzip -t $f: $(cat "$tmp/unzip.txt")"
		fi
	done
fi

for f in large.pt large.npz large.safetensors; do
	s=$(date +%s)
	checks "$f loads bit for bit" "$PYTHON3" "$check" "$dir/$f" \
	    "$dir/large.json"
	echo "# ($(( $(date +%s) - s )) s)"
done
finish
