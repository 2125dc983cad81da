# lib.sh - shared by the script tests; sourced, not run.
#
# A script test speaks TAP (run by automake's tap-driver.sh): one line per
# check, "ok - what was checked" or "not ok - what failed and why", then
# the plan "1..N"; anything else it prints should start with "# ".  Every
# check counts in `make check`'s summary and a failure names its check.
#
# A new script test, tests/foo.sh (mode 755), added to SCRIPT_TESTS in
# Makefile.am:
#
#	#!/bin/sh
#	# What foo.sh checks, in a sentence or two.
#	. "$(dirname "$0")/lib.sh"
#
#	expect 0 "inspect reads the tiny net" -- \
#	    "$DARKMAP" inspect "$catalogue/AlexeyAB/tiny.cfg" \
#	        "$fixtures/weights/AlexeyAB/tiny.weights"
#	grep_out '^verdict  exact' "and calls it exact"
#	[ -s "$tmp/out" ] && pass "something printed" || fail "nothing printed"
#	checks "the Python checks" "$PYTHON3" "$srcdir/tests/foo_check.py" \
#	    "$DARKMAP" "$tmp"
#	finish
#
# - pass TEXT / fail TEXT: one check; a failure says what was found.
# - expect STATUS TEXT -- COMMAND...: runs COMMAND (stdout in $tmp/out,
#   stderr in $tmp/err) and checks its exit status; grep_out and grep_err
#   check what it printed.
# - checks TEXT COMMAND...: runs a checker that prints TAP result lines
#   of its own, without a plan (the Python checkers: tests/dmcheck.py),
#   and counts them in.
# - finish: prints the plan and exits; every script ends with it.
# - skip_all REASON: before any check, when the test cannot run here (an
#   opt-in test not asked for, a tool missing outside CI); it is counted
#   as skipped.  With CI=true a missing tool is a failure: bail.
# - bail REASON: a hard error (the test itself cannot work); an ERROR.
# - wait_until SECONDS COMMAND...: waits for a condition, never for a
#   time; use $DM_TEST_WAIT as the bound.
# - $tmp: a fresh folder, removed at the end; $data: tests/data;
#   $fixtures, $catalogue: the fixtures and the forks' cfgs (below).
#
# The exit status (0 when nothing failed) is for people running a script
# by hand; the TAP driver counts the lines (it ignores the status).

set -u

: "${srcdir:=$(cd "$(dirname "$0")/.." && pwd)}"
: "${DARKMAP:=$srcdir/build/darkmap}"
: "${PYTHON3:=/usr/bin/python3}"
data=$srcdir/tests/data
nfail=0
npass=0

# tap STATUS TEXT: one TAP result; a '#' in TEXT is escaped (it could
# start a directive) and the lines after the first are comments.
tap() {
	local text=$2 first
	case $text in
	*'#'*) text=$(printf '%s\n' "$text" | sed 's/#/\\#/g') ;;
	esac
	first=${text%%"$tap_nl"*}
	printf '%s - %s\n' "$1" "$first"
	[ "$first" = "$text" ] || printf '%s\n' "${text#*"$tap_nl"}" | sed 's/^/# /'
}
tap_nl='
'

pass() { npass=$((npass + 1)); tap ok "$*"; }
fail() { nfail=$((nfail + 1)); tap "not ok" "$*"; }

bail() { echo "Bail out! $*"; exit 99; }

skip_all() {
	[ $((npass + nfail)) -eq 0 ] || bail "skip_all after checks: $*"
	echo "1..0 # SKIP $*"
	exit 77
}

finish() {
	[ $((npass + nfail)) -gt 0 ] || fail "no check ran"
	echo "# $npass passed, $nfail failed"
	echo "1..$((npass + nfail))"
	[ "$nfail" -eq 0 ]
	exit $?
}

# checks TEXT COMMAND...: runs COMMAND, which prints TAP result lines
# ("ok - ...", "not ok - ...") and no plan; passes them on and counts
# them.  Its other lines become comments.  A COMMAND that fails without a
# failed check, or that checks nothing, fails one check of its own.
checks() {
	local desc=$1 st n
	shift
	"$@" >"$tmp/checks.out" 2>"$tmp/checks.err"
	st=$?
	sed -E '/^(not )?ok($|[^a-zA-Z0-9_])|^#/!s/^/# /' "$tmp/checks.out"
	sed 's/^/# stderr: /' "$tmp/checks.err"
	n=$(grep -c -E '^ok($|[^a-zA-Z0-9_])' "$tmp/checks.out")
	npass=$((npass + n))
	n=$(grep -c -E '^not ok($|[^a-zA-Z0-9_])' "$tmp/checks.out")
	nfail=$((nfail + n))
	if [ "$st" -ne 0 ] && [ "$n" -eq 0 ]; then
		fail "$desc: exit $st: $(tail -n 3 "$tmp/checks.err")"
	elif [ "$st" -eq 0 ] && ! grep -q -E '^(not )?ok($|[^a-zA-Z0-9_])' "$tmp/checks.out"; then
		fail "$desc: no check ran"
	fi
}

tmp=$(mktemp -d "${TMPDIR:-/tmp}/darkmap-test.XXXXXX") || bail "no temporary folder"
trap 'rm -rf "$tmp"' EXIT

# The fixtures are in the repository (tests/fixtures/README.md):
#   $fixtures   tests/fixtures: cfg/synthetic/<fork>/, cfg/reduced/<fork>/,
#               golden/<fork>/, weights/<fork>/ (+ MANIFEST.tsv), keys/
#   $catalogue  the top-level cfg/: the forks' own cfgs, AlexeyAB/ and
#               pjreddie/ (darkmap's catalogue of known networks)
# e.g. $fixtures/cfg/synthetic/AlexeyAB/syn_heads.cfg,
# $catalogue/AlexeyAB/yolov4-tiny.cfg, $fixtures/golden/AlexeyAB/tiny.layout.tsv,
# $fixtures/weights/AlexeyAB/tiny.weights and tiny.forward.bin.
# DM_FIXTURES and DM_CATALOGUE override them (a DM_FIXTURES with
# cfg/AlexeyAB/ in it is the catalogue too); both are exported, for the
# Python checkers (tests/dmcheck.py).
. "$srcdir/tests/fixtures-path.sh"
fixtures_path "$srcdir"
if [ ! -d "$fixtures/golden" ] || [ ! -d "$catalogue/AlexeyAB" ]; then
	bail "no fixtures in '$fixtures' or no cfgs in '$catalogue'"
fi
DM_FIXTURES=$fixtures
DM_CATALOGUE=$catalogue
export DM_FIXTURES DM_CATALOGUE

# The bound on waits for a condition, in seconds: long enough for a
# loaded machine; only a hung program waits that long.
: "${DM_TEST_WAIT:=60}"
export DM_TEST_WAIT

# wait_until SECONDS COMMAND...: runs COMMAND every tenth of a second
# until it succeeds (status 0) or about SECONDS have passed (status 1).
wait_until() {
	local n=$(($1 * 10))
	shift
	while [ "$n" -gt 0 ]; do
		"$@" && return 0
		sleep 0.1
		n=$((n - 1))
	done
	"$@"
}

# expect STATUS DESCRIPTION -- COMMAND...: runs COMMAND, output to
# $tmp/out and $tmp/err, and checks its exit status.
expect() {
	local want=$1 desc=$2 got
	[ "${3:-}" = -- ] || bail "expect: '$desc' lacks --"
	shift 3
	"$@" >"$tmp/out" 2>"$tmp/err"
	got=$?
	if [ "$got" -eq "$want" ]; then
		pass "$desc"
	else
		fail "$desc: exit $got, expected $want; stderr: $(head -c 400 "$tmp/err")"
	fi
}

# grep_err PATTERN DESCRIPTION: the last command's stderr matches.
grep_err() {
	if grep -q -E -- "$1" "$tmp/err"; then pass "$2"
	else fail "$2: stderr '$(head -c 400 "$tmp/err")' lacks /$1/"; fi
}

grep_out() {
	if grep -q -E -- "$1" "$tmp/out"; then pass "$2"
	else fail "$2: stdout lacks /$1/"; fi
}
