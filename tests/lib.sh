# lib.sh - shared by the script tests; sourced, not run.
#
# Exit statuses follow automake: 0 pass, 1 fail, 77 skip, 99 hard error.

set -u

: "${srcdir:=$(cd "$(dirname "$0")/.." && pwd)}"
: "${DARKMAP:=$srcdir/build/darkmap}"
: "${PYTHON3:=/usr/bin/python3}"
data=$srcdir/tests/data
nfail=0
npass=0

tmp=$(mktemp -d "${TMPDIR:-/tmp}/darkmap-test.XXXXXX") || exit 99
trap 'rm -rf "$tmp"' EXIT

# The shared fixtures: $DM_FIXTURES, or ../shared/fixtures beside the
# source tree.  Tests that need them skip without them, except in CI.
fixtures=${DM_FIXTURES:-}
if [ -z "$fixtures" ] && [ -d "$srcdir/../shared/fixtures" ]; then
	fixtures=$(cd "$srcdir/../shared/fixtures" && pwd)
fi

need_fixtures() {
	if [ -z "$fixtures" ] || [ ! -d "$fixtures" ]; then
		if [ "${CI:-}" = true ]; then
			echo "fixtures missing in CI" >&2
			exit 99
		fi
		# What ran before failed: that is not hidden by the skip.
		[ "$nfail" -gt 0 ] && finish
		echo "SKIP: no shared fixtures (set DM_FIXTURES)"
		exit 77
	fi
}

pass() { npass=$((npass + 1)); echo "ok - $*"; }
fail() { nfail=$((nfail + 1)); echo "FAIL - $*"; }

# expect STATUS DESCRIPTION -- COMMAND...: runs COMMAND, output to
# $tmp/out and $tmp/err, and checks its exit status.
expect() {
	local want=$1 desc=$2 got
	[ "${3:-}" = -- ] || { echo "expect: '$desc' lacks --" >&2; exit 99; }
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

finish() {
	echo "$npass passed, $nfail failed"
	[ "$nfail" -eq 0 ] && [ "$npass" -gt 0 ]
	exit $?
}
