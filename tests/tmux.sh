# tmux.sh - driving the interface in tmux, for tui.sh and screens.sh;
# sourced after lib.sh, not run.  Without tmux the test is skipped (an
# error in CI).  It starts a tmux server of its own (killed on exit) and
# defines:
#   start NAME [VAR=VALUE...] -- ARGS   darkmap ARGS in a session
#   capture NAME                        its screen into $screen
#   wait_for NAME PATTERN [SECONDS]     until the screen shows PATTERN
#   see NAME PATTERN DESCRIPTION        a check that it does
#   keys NAME KEY...  text NAME TEXT    typing
#   ended NAME STATUS DESCRIPTION       a check of its exit status

if ! command -v tmux >/dev/null 2>&1; then
	[ "${CI:-}" = true ] && bail "tmux missing in CI"
	skip_all "no tmux"
fi

sock=darkmap-test-$$
state=$tmp/state
screen=$tmp/screen

tm() { tmux -L "$sock" -f /dev/null "$@"; }
trap 'tm kill-server 2>/dev/null; rm -rf "$tmp"' EXIT

# A first session keeps the server up; panes stay after their program
# ends, so that its last screen can be read.
tm new-session -d -s keep -x 80 -y 24 "sleep 3600" || bail "tmux cannot start"
tm set-option -g remain-on-exit on >/dev/null
tm set-option -g default-terminal screen >/dev/null

# start NAME [VAR=VALUE...] -- ARGS: darkmap ARGS in session NAME, of
# $cols x $lines (120x40 unless set), in $rundir ($tmp unless set); its
# exit status goes to $tmp/NAME.rc.
start() {
	local name=$1 envs="" a
	shift
	while [ "$1" != -- ]; do
		envs="$envs '$1'"
		shift
	done
	shift
	a=""
	for x in "$@"; do a="$a '$x'"; done
	rm -f "$tmp/$name.rc"
	tm new-session -d -s "$name" -x "${cols:-120}" -y "${lines:-40}" \
	    -c "${rundir:-$tmp}" \
	    "env XDG_STATE_HOME='$state' LANG=C.UTF-8 LC_ALL= TERM=screen $envs '$DARKMAP' $a; echo \$? >'$tmp/$name.rc'"
}

capture() { tm capture-pane -p -t "$1" >"$screen"; }

shows() { capture "$1"; grep -q -E -- "$2" "$screen"; }

# wait_for NAME PATTERN [SECONDS]: until the screen shows PATTERN, at most
# SECONDS (default $DM_TEST_WAIT): a bound for a hung program, not a
# measure.
wait_for() { wait_until "${3:-$DM_TEST_WAIT}" shows "$1" "$2"; }

# see NAME PATTERN DESCRIPTION: the screen shows PATTERN (waiting for it).
see() {
	if wait_for "$1" "$2"; then pass "$3"
	else fail "$3: screen lacks /$2/"; sed 's/^/    | /' "$screen"; fi
}

keys() { local s=$1; shift; tm send-keys -t "$s" "$@"; }
text() { tm send-keys -t "$1" -l -- "$2"; }

# ended NAME STATUS DESCRIPTION: the program ended with STATUS.
ended() {
	wait_until "$DM_TEST_WAIT" test -s "$tmp/$1.rc"
	if [ "$(cat "$tmp/$1.rc" 2>/dev/null)" = "$2" ]; then pass "$3"
	else fail "$3: exit status '$(cat "$tmp/$1.rc" 2>/dev/null)', expected $2"
	fi
}
