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
# Environment as for tensorout_export.sh: srcdir, TENSOROUT_DEMO, PYTHON3.

set -u

if [ "${DM_TEST_LARGE:-0}" != 1 ]; then
	echo "SKIP: set DM_TEST_LARGE=1 to run the > 4 GiB export test"
	exit 77
fi

srcdir=${srcdir:-.}
demo=${TENSOROUT_DEMO:-./tests/tensorout_demo}
python=${PYTHON3:-/usr/bin/python3}
check="$srcdir/tests/export_check.py"
maxrss=${DM_LARGE_MAX_RSS_KB:-262144}
tmp=${TMPDIR:-/tmp}

# Asked for, the test fails rather than skips when it cannot run.
if [ ! -x /usr/bin/time ]; then
	echo "FAIL: /usr/bin/time is missing"
	exit 99
fi
avail=$(df -Pk "$tmp" | awk 'NR == 2 { print $4 }')
if [ "${avail:-0}" -lt $((20 * 1024 * 1024)) ]; then
	echo "FAIL: less than 20 GiB free in $tmp"
	exit 99
fi
if ! "$python" -c 'import numpy, torch' 2>/dev/null; then
	echo "FAIL: $python cannot import numpy and torch"
	exit 99
fi

dir=$(mktemp -d "$tmp/tensorout-large.XXXXXX") || exit 99
trap 'rm -rf "$dir"' EXIT INT TERM

pass=0
failed=0
ok() { pass=$((pass + 1)); }
bad() { echo "FAIL: $*"; failed=$((failed + 1)); }

start=$(date +%s)
if /usr/bin/time -v "$demo" -l "$dir" 2>"$dir/time.txt"; then
	ok
else
	cat "$dir/time.txt"
	bad "$demo -l failed"
	echo "$pass passed, $failed failed"
	exit 1
fi
end=$(date +%s)
rss=$(awk -F': ' '/Maximum resident set size/ { print $2 }' "$dir/time.txt")
wall=$(awk -F': ' '/Elapsed \(wall clock\)/ { print $2 }' "$dir/time.txt")
echo "writer: peak RSS ${rss} kB, wall ${wall} ($((end - start)) s)" \
    "for the expected-data file and three outputs"
ls -l "$dir"
if [ "${rss:-0}" -gt 0 ] && [ "$rss" -le "$maxrss" ]; then
	ok
else
	bad "peak RSS ${rss:-?} kB is over ${maxrss} kB"
fi

# zip64: the big member has a zip64 local field, later entries sit beyond
# 4 GiB (their offsets only fit in the zip64 central directory fields).
for f in large.pt large.npz; do
	if "$python" - "$dir/$f" <<'EOF'
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
print("zip64 ok: %s: %s is %d bytes, %d entries beyond 4 GiB" %
      (path, big[0].filename, big[0].file_size, len(after)))
EOF
	then ok; else bad "$f: zip64 layout"; fi
done

if command -v unzip >/dev/null 2>&1; then
	for f in large.pt large.npz; do
		if unzip -tq "$dir/$f"; then ok; else bad "unzip -t $f"; fi
	done
fi

for f in large.pt large.npz large.safetensors; do
	s=$(date +%s)
	if "$python" "$check" "$dir/$f" "$dir/large.json"; then
		ok
	else
		bad "$f does not load bit for bit"
	fi
	echo "  ($(( $(date +%s) - s )) s)"
done

echo "$pass passed, $failed failed"
[ "$failed" -eq 0 ]
