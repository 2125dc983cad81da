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
	echo "no fixtures in '$fixtures' or no cfgs in '$catalogue'" >&2
	exit 99
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
