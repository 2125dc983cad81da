# fixtures-path.sh - where the fixtures are; sourced by tests/lib.sh and
# the bench scripts, not run.
#
# fixtures_path TOP [DIR]: sets $fixtures to DIR, or $DM_FIXTURES, or
# TOP/tests/fixtures, and $catalogue (the forks' cfgs, AlexeyAB/ and
# pjreddie/) to $DM_CATALOGUE, or $fixtures/cfg when it has AlexeyAB/ (a
# copy of the fixtures laid out with the forks' cfgs inside), or TOP/cfg.
fixtures_path() {
	fixtures=${2:-${DM_FIXTURES:-$1/tests/fixtures}}
	if [ -n "${DM_CATALOGUE:-}" ]; then
		catalogue=$DM_CATALOGUE
	elif [ -d "$fixtures/cfg/AlexeyAB" ]; then
		catalogue=$fixtures/cfg
	else
		catalogue=$1/cfg
	fi
}
