#!/bin/bash
# flake-hunt.sh - runs the whole `make check` again and again on a busy
# machine and counts the failures of each test: a test that depends on
# timing or load shows up here.  Not a test itself; CI does not run it.
#
# usage: tests/flake-hunt.sh [--build DIR] [--runs N] [--pinned N]
#                            [--hogs N] [--jobs N] [--stop-at TIME]
#                            [--keep DIR]
#
#   --build DIR    the configured build folder (default build/ in the
#                  source tree); it is built first
#   --runs N       runs of `make -jJOBS check` while HOGS CPU hogs
#                  (`yes >/dev/null`) run (default 10)
#   --pinned N     then runs of `make -jJOBS check` pinned to one core
#                  with `taskset -c 0` (default 10)
#   --hogs N       the CPU hogs of the first runs (default 2)
#   --jobs N       make's -j (default 2)
#   --stop-at TIME start no run after TIME (anything `date -d` reads),
#                  so that the hunt fits the time there is; the report
#                  says how many runs were made
#   --keep DIR     where the logs of failed runs go (default a fresh
#                  folder in ${TMPDIR:-/tmp}, printed)
#
# Each run's test-suite.log is read: every FAIL, ERROR and XPASS line (a
# check of a test) is kept.  The report: one line per run (checks,
# failures, seconds), then for each test the number of runs it failed in
# under each load, and every failed check; exit status 1 when anything
# failed.

set -u
export LC_ALL=C

here=$(cd "$(dirname "$0")" && pwd)
root=$(cd "$here/.." && pwd)
build=$root/build
runs=10 pinned=10 hogs=2 jobs=2 stop_at= keep=

while [ $# -gt 0 ]; do
	case $1 in
	--build) build=$2; shift 2 ;;
	--runs) runs=$2; shift 2 ;;
	--pinned) pinned=$2; shift 2 ;;
	--hogs) hogs=$2; shift 2 ;;
	--jobs) jobs=$2; shift 2 ;;
	--stop-at) stop_at=$2; shift 2 ;;
	--keep) keep=$2; shift 2 ;;
	-h|--help) sed -n '2,/^$/s/^# \{0,1\}//p' "$0"; exit 0 ;;
	*) echo "flake-hunt.sh: unknown argument '$1' (try --help)" >&2; exit 2 ;;
	esac
done

die() { echo "flake-hunt.sh: $*" >&2; exit 2; }
for n in "$runs" "$pinned" "$hogs" "$jobs"; do
	case $n in ''|*[!0-9]*) die "counts are numbers, not '$n'" ;; esac
done
[ -f "$build/Makefile" ] || die "no configured build in '$build'"
command -v taskset >/dev/null 2>&1 || [ "$pinned" -eq 0 ] ||
	die "needs taskset (util-linux) for the pinned runs"
deadline=
if [ -n "$stop_at" ]; then
	deadline=$(date -d "$stop_at" +%s) || die "cannot read --stop-at '$stop_at'"
fi
if [ -z "$keep" ]; then
	keep=$(mktemp -d "${TMPDIR:-/tmp}/flake-hunt.XXXXXX") || die "no folder for the logs"
fi
mkdir -p "$keep" || die "cannot make '$keep'"

hog_pids=
stop_hogs() {
	[ -n "$hog_pids" ] || return 0
	kill $hog_pids 2>/dev/null
	wait $hog_pids 2>/dev/null
	hog_pids=
}
trap 'stop_hogs' EXIT
trap 'exit 130' INT TERM

make -C "$build" -s -j"$jobs" >/dev/null || die "the build fails"

results=$keep/results.tsv	# load, run, test, check
: >"$results"
done_hogs=0 done_pinned=0

# one LOAD N: one `make check`, its failures appended to $results.
one() {
	local load=$1 n=$2 t0 t1 st log=$build/test-suite.log total fails
	rm -f "$log"
	t0=$(date +%s)
	if [ "$load" = pinned ]; then
		taskset -c 0 make -C "$build" -s -j"$jobs" check >"$keep/out" 2>&1
	else
		make -C "$build" -s -j"$jobs" check >"$keep/out" 2>&1
	fi
	st=$?
	t1=$(date +%s)
	total=$(sed -n 's/^# TOTAL: *//p' "$log")
	grep -E '^(FAIL|ERROR|XPASS):' "$log" >"$keep/fails" || true
	fails=$(wc -l <"$keep/fails")
	if [ "$fails" -eq 0 ] && [ "$st" -ne 0 ]; then
		printf '%s\t%s\t(make)\texit %d, see make.out\n' "$load" "$n" \
		    "$st" >>"$results"
		fails=1
	fi
	while IFS= read -r line; do
		# "FAIL: tests/x.sh 12 - what", "ERROR: tests/x.sh - why"
		rest=${line#*: }
		printf '%s\t%s\t%s\t%s\n' "$load" "$n" "${rest%% *}" \
		    "${rest#* }" >>"$results"
	done <"$keep/fails"
	if [ "$fails" -gt 0 ] || [ "$st" -ne 0 ]; then
		mkdir -p "$keep/$load-$n"
		cp "$log" "$keep/$load-$n/"
		cp "$keep/out" "$keep/$load-$n/make.out"
	fi
	printf '%-7s run %2d: %5s checks, %s failed, make exit %d, %d s\n' \
	    "$load" "$n" "${total:-?}" "$fails" "$st" "$((t1 - t0))"
}

in_time() { [ -z "$deadline" ] || [ "$(date +%s)" -lt "$deadline" ]; }

echo "flake hunt in $build: $runs runs at -j$jobs with $hogs CPU hogs," \
    "$pinned pinned to core 0 (logs of failed runs in $keep)"
i=0
while [ "$i" -lt "$hogs" ]; do
	(trap - EXIT INT TERM; exec yes >/dev/null) &
	hog_pids="$hog_pids $!"
	i=$((i + 1))
done
# series LOAD N: up to N runs under LOAD while there is time; sets
# done_LOAD to how many were made.
series() {
	local n=1
	while [ "$n" -le "$2" ] && in_time; do
		one "$1" "$n"
		eval "done_$1=$n"
		n=$((n + 1))
	done
}
series hogs "$runs"
stop_hogs
series pinned "$pinned"

echo
echo "runs made: $done_hogs of $runs with $hogs hogs, $done_pinned of $pinned pinned"
if [ ! -s "$results" ]; then
	echo "failures: none"
	exit 0
fi
echo "runs in which each test failed (with hogs / pinned):"
awk -F '\t' '!seen[$3, $1, $2]++ { c[$3, $1]++; t[$3] = 1 }
    END { for (k in t) printf "  %-40s %d / %d\n", k, c[k, "hogs"] + 0, c[k, "pinned"] + 0 }' \
    "$results" | sort
echo "failed checks:"
awk -F '\t' '{ printf "  %s run %s: %s %s\n", $1, $2, $3, $4 }' "$results"
exit 1
