#!/bin/bash
# profile.sh - where does `darkmap convert` spend its time?  Generates the
# weights of one cfg (as bench.sh does) and converts them to .pt under
# strace, perf and callgrind, whichever are installed.
#
# usage: bench/profile.sh [--darkmap PATH] [--fixtures DIR] [--cfg PATH]
#                         [--format pt|safetensors|npz|weights] [--no-sync]
#
#   --cfg PATH   the cfg under the catalogue, cfg/ (env BENCH_CFG;
#                default AlexeyAB/yolov4-tiny.cfg: callgrind is slow)
#   --no-sync    convert with --no-sync
#
# Environment as for bench.sh: DARKMAP, DM_FIXTURES, DM_CATALOGUE,
# BENCH_DIR, PYTHON3.
# Nothing is timed against a target; this only attributes the cost.

set -u
export LC_ALL=C

here=$(cd "$(dirname "$0")" && pwd)
root=$(cd "$here/.." && pwd)
darkmap=${DARKMAP:-$root/build/darkmap}
fixtures=${DM_FIXTURES:-}
cfgrel=${BENCH_CFG:-AlexeyAB/yolov4-tiny.cfg}
fmt=pt
copts=
while [ $# -gt 0 ]; do
	case $1 in
	--darkmap) darkmap=$2; shift 2 ;;
	--fixtures) fixtures=$2; shift 2 ;;
	--cfg) cfgrel=$2; shift 2 ;;
	--format) fmt=$2; shift 2 ;;
	--no-sync) copts=--no-sync; shift ;;
	-h|--help) sed -n '2,/^$/s/^# \{0,1\}//p' "$0"; exit 0 ;;
	*) echo "profile.sh: unknown argument '$1'" >&2; exit 2 ;;
	esac
done
. "$root/tests/fixtures-path.sh"
fixtures_path "$root" "$fixtures"
python=${PYTHON3:-/usr/bin/python3}
die() { echo "profile.sh: $*" >&2; exit 1; }
[ -x "$darkmap" ] || die "no darkmap binary at '$darkmap'"
cfg=$catalogue/$cfgrel
[ -f "$cfg" ] || die "no cfg '$cfg' (set DM_CATALOGUE or --fixtures)"
case $cfg in *pjreddie*) d=pj ;; *) d=ab ;; esac

work=$(mktemp -d "${BENCH_DIR:-${TMPDIR:-/tmp}}/darkmap-profile.XXXXXX") ||
	die "cannot make a work folder"
trap 'rm -rf "$work"' EXIT
trap 'exit 130' INT TERM

w=$work/in.weights out=$work/out.$fmt
"$darkmap" inspect -d "$d" -f json "$cfg" >"$work/layout.json" || die "layout failed"
"$python" "$here/genweights.py" "$work/layout.json" "$w" || die "generator failed"
cat "$w" >/dev/null
conv() { rm -f "$out"; sync; "$@" "$darkmap" convert -d "$d" $copts "$cfg" "$w" -o "$out"; }

echo "== $(basename "$cfg"): $(stat -c %s "$w") bytes -> .$fmt${copts:+ ($copts)}"
conv /usr/bin/time -f '  %e s wall, %U s user, %S s system, %M KiB peak RSS'

if command -v strace >/dev/null 2>&1; then
	echo
	echo "== system calls (strace -c; strace slows each call down)"
	conv strace -c -o "$work/strace.txt"
	sed -n '1,12p' "$work/strace.txt"
	echo
	echo "== sizes of the writes (bytes, calls)"
	conv strace -e trace=write,pwrite64,writev,pwritev -o "$work/writes.txt"
	sed -n 's/^p\{0,1\}write[v0-9]*(.*= \([0-9]*\)$/\1/p' "$work/writes.txt" |
	    sort -n | uniq -c | sort -rn | head -n 6 |
	    awk '{ printf "  %10s bytes x %s\n", $2, $1 }'
	echo "  bytes written: $(stat -c %s "$out"), write calls: $(grep -c 'write' "$work/writes.txt")"
fi

if command -v perf >/dev/null 2>&1; then
	echo
	echo "== CPU profile (perf record -e cpu-clock, self time)"
	if conv perf record -q -e cpu-clock -F 4999 -g -o "$work/perf.data" \
	    >/dev/null 2>&1; then
		perf report -i "$work/perf.data" --no-children --sort dso,symbol \
		    --percent-limit 2 -g none 2>/dev/null | grep -E '^ +[0-9]' |
		    head -n 15
		echo "  inclusive: $(perf report -i "$work/perf.data" --children \
		    --sort symbol -g none 2>/dev/null |
		    awk '$4 ~ /^(__libc_pwrite|__libc_pread|pwritev|pwritev64|preadv|fsync|fdatasync|sync_file_range|crc32_z|crc_clmul|crc_vclmul|rename)$/ &&
		        !seen[$4]++ { printf "%s %s; ", $4, $1 }')"
	else
		echo "  perf record is not permitted here"
	fi
fi

if command -v valgrind >/dev/null 2>&1; then
	echo
	echo "== instructions by function (callgrind, user space only)"
	conv valgrind -q --tool=callgrind --callgrind-out-file="$work/cg.out" \
	    >/dev/null 2>&1
	callgrind_annotate "$work/cg.out" 2>/dev/null |
	    sed -n '/PROGRAM TOTALS/p; /file:function/,$p' | grep -E '^ *[0-9,]+ ' |
	    head -n 8 | sed 's/^/  /'
fi
exit 0
