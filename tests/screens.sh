#!/bin/sh
# Whole screens of the interface against golden dumps (tig's way): the
# key screens of the README's walk-through at 120x40 and 80x24, each
# compared line for line with tests/screens/NAME-COLSxLINES.txt.  The run
# is made on copies of the bundled example under relative names, so that
# no path of the machine enters a screen, and each screen is taken once it
# shows what the step waits for and has stopped changing: no sleeps.
#
# After a deliberate change of the interface, refresh the dumps with
#   DM_UPDATE_SCREENS=1 make check TESTS=tests/screens.sh
# and review them with git diff before committing them.
. "$(dirname "$0")/lib.sh"
. "$srcdir/tests/tmux.sh"
unset DARKMAP_CFG_PATH

golden=$srcdir/tests/screens
rundir=$tmp/run
mkdir "$rundir" && cp "$data/demo/shapes.cfg" "$data/demo/shapes.weights" \
    "$rundir/" || bail "cannot copy the example"

# stable NAME PATTERN: the screen shows PATTERN and is as the last look
# saw it (the frame is wholly drawn).
stable() {
	capture "$1"
	grep -q -E -- "$2" "$screen" || return 1
	cmp -s "$screen" "$tmp/prev" && return 0
	cp "$screen" "$tmp/prev"
	return 1
}

# settle NAME PATTERN: waits until stable NAME PATTERN.
settle() { rm -f "$tmp/prev"; wait_until "$DM_TEST_WAIT" stable "$1" "$2"; }

# shot NAME STEP PATTERN: the screen of session NAME, once it shows
# PATTERN, against the golden dump of STEP at this size.
shot() {
	local want="$golden/$2-${cols}x$lines.txt"

	if ! settle "$1" "$3"; then
		fail "$2 at ${cols}x$lines: the screen never showed /$3/"
		sed 's/^/# | /' "$screen"
		return
	fi
	if [ -n "${DM_UPDATE_SCREENS:-}" ]; then
		if cp "$screen" "$want"; then pass "$2 at ${cols}x$lines: written"
		else fail "$2 at ${cols}x$lines: cannot write $want"; fi
		return
	fi
	if cmp -s "$want" "$screen"; then
		pass "$2 at ${cols}x$lines: as the golden dump"
	else
		fail "$2 at ${cols}x$lines differs from $want (< golden, > now):"
		diff "$want" "$screen" | sed 's/^/# /'
	fi
}

for size in 120x40 80x24; do
	cols=${size%x*}
	lines=${size#*x}
	s=walk$cols
	rm -rf "$state" "$rundir/shapes.profile"
	start "$s" -- shapes.cfg shapes.weights
	shot "$s" open 'likely cause: the YOLO head'
	keys "$s" f
	shot "$s" flagged 'layer 9 +convolutional'
	keys "$s" G
	shot "$s" end 'end +expected 158380'
	keys "$s" f Tab Tab
	shot "$s" bytes ': offset'
	keys "$s" r
	shot "$s" repair 'Repair: preview'
	keys "$s" Enter
	shot "$s" applied 'repair applied'
	keys "$s" w
	shot "$s" save 'save the profile to: shapes\.profile'
	keys "$s" Enter
	wait_for "$s" 'saved the profile shapes\.profile' ||
	    fail "the profile was not saved at $size"
	keys "$s" e
	shot "$s" export 'Export'
	keys "$s" Escape '?'
	shot "$s" help 'every key'
	keys "$s" q q
	ended "$s" 0 "quit at $size, status 0"
	# The weights file alone: the identify screen, the example being in
	# no catalogue (the catalogue alone is searched).
	s=ident$cols
	start "$s" -- shapes.weights
	shot "$s" identify 'blind segmentation'
	keys "$s" q
	ended "$s" 0 "identify quit at $size, status 0"
done
finish
