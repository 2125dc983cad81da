#!/bin/bash
# bench.sh - measure darkmap on realistic model sizes against baselines
# measured in the same run (cp, cp + fsync, cat), and print the ratios.
#
# usage: bench/bench.sh [--darkmap PATH] [--fixtures DIR] [--runs N] [--keep]
#
#   --darkmap PATH   the darkmap binary (env DARKMAP; default
#                    build/darkmap in the source tree)
#   --fixtures DIR   the test fixtures (env DM_FIXTURES; default
#                    tests/fixtures; the forks' cfgs are DM_CATALOGUE,
#                    default cfg/, or DIR/cfg when it has AlexeyAB/)
#   --runs N         timed runs per command (env BENCH_RUNS; default 7;
#                    the first screen takes at least 11)
#   --keep           keep the generated files (they are printed)
#
# Other environment:
#   BENCH_DIR     where the generated weights and outputs go (a fresh
#                 folder is made inside it and removed at the end;
#                 default ${TMPDIR:-/tmp})
#   BENCH_NETS    the nets, "label:cfg-path-under-the-catalogue ..."
#                 (default: yolov4-tiny, csdarknet53-omega, yolov4)
#   BENCH_UI_NET  the net for time-to-first-screen (default yolov4, 162
#                 layers)
#   BENCH_EXTRA   1: also convert to .safetensors, .npz and .weights, and
#                 with --verify to .pt and .safetensors, for reference
#                 (default 0)
#   BENCH_RECORD  append every figure of this run to this file, one
#                 "name<TAB>value" a line, for bench/combine.py
#   DM_UI_CMD     how to open the interactive interface, e.g. "view" for
#                 `darkmap view CFG WEIGHTS` (default: detected from
#                 `darkmap --help`; none: `darkmap CFG WEIGHTS`)
#   BENCH_HYPERFINE  0: time with the shell clock even if hyperfine is
#                 installed
#   PYTHON3       python with numpy, for the weights generator
#                 (default /usr/bin/python3)
#
# Timing uses hyperfine when it is installed (median of --runs runs after
# one warm-up run), else the same repeat-and-median by hand.  All inputs
# are in the page cache (warm).  Before every timed run of a command that
# writes, the previous output is removed and dirty pages are flushed
# (`sync`), so that no run pays for another's writeback.  The first
# screen is timed by bench/firstscreen.py on a 120x40 pseudo-terminal.
#
# The script only measures and reports; its exit status says whether it
# could measure, not whether a target was met.

set -u
export LC_ALL=C

here=$(cd "$(dirname "$0")" && pwd)
root=$(cd "$here/.." && pwd)

darkmap=${DARKMAP:-}
fixtures=${DM_FIXTURES:-}
runs=${BENCH_RUNS:-7}
keep=0
while [ $# -gt 0 ]; do
	case $1 in
	--darkmap) darkmap=$2; shift 2 ;;
	--darkmap=*) darkmap=${1#*=}; shift ;;
	--fixtures) fixtures=$2; shift 2 ;;
	--fixtures=*) fixtures=${1#*=}; shift ;;
	--runs) runs=$2; shift 2 ;;
	--runs=*) runs=${1#*=}; shift ;;
	--keep) keep=1; shift ;;
	-h|--help) sed -n '2,/^$/s/^# \{0,1\}//p' "$0"; exit 0 ;;
	*) echo "bench.sh: unknown argument '$1' (try --help)" >&2; exit 2 ;;
	esac
done
[ -n "$darkmap" ] || darkmap=$root/build/darkmap
. "$root/tests/fixtures-path.sh"
fixtures_path "$root" "$fixtures"
python=${PYTHON3:-/usr/bin/python3}
nets=${BENCH_NETS:-"yolov4-tiny:AlexeyAB/yolov4-tiny.cfg csdarknet53-omega:AlexeyAB/csdarknet53-omega.cfg yolov4:AlexeyAB/yolov4.cfg"}
ui_net=${BENCH_UI_NET:-yolov4}
extra=${BENCH_EXTRA:-0}
record=${BENCH_RECORD:-}

die() { echo "bench.sh: $*" >&2; exit 1; }
[ -x "$darkmap" ] || die "no darkmap binary at '$darkmap' (build it, or use --darkmap)"
darkmap=$(cd "$(dirname "$darkmap")" && pwd)/$(basename "$darkmap")
{ [ -d "$fixtures/cfg" ] && [ -d "$catalogue/AlexeyAB" ]; } ||
	die "no fixtures in '$fixtures' or no cfgs in '$catalogue'"
[ -x /usr/bin/time ] || die "needs GNU time as /usr/bin/time (apt-get install time)"
"$python" -c 'import numpy' 2>/dev/null ||
	die "needs $python with numpy (apt-get install python3-numpy)"
case $runs in ''|*[!0-9]*|0) die "--runs wants a positive number" ;; esac

# hyperfine 1.13 or later: -N runs a command without a shell.
have_hyperfine=0
command -v hyperfine >/dev/null 2>&1 &&
	hyperfine --help 2>/dev/null | grep -q -- '--shell' &&
	hyperfine -N --runs 1 true >/dev/null 2>&1 && have_hyperfine=1
[ "${BENCH_HYPERFINE:-1}" = 0 ] && have_hyperfine=0

work=$(mktemp -d "${BENCH_DIR:-${TMPDIR:-/tmp}}/darkmap-bench.XXXXXX") ||
	die "cannot make a work folder"
cleanup() {
	if [ "$keep" = 1 ]; then
		echo "kept: $work"
	else
		rm -rf "$work"
	fi
}
trap cleanup EXIT
trap 'exit 130' INT TERM

# q ARG: ARG quoted for sh -c.
q() { printf "'%s'" "$(printf '%s' "$1" | sed "s/'/'\\\\''/g")"; }

# median_of FILE: median of the numbers in FILE, one a line.
median_of() {
	sort -g "$1" | awk '{ v[NR] = $1 }
	    END { if (NR == 0) print "nan";
	          else if (NR % 2) print v[(NR + 1) / 2];
	          else print (v[NR / 2] + v[NR / 2 + 1]) / 2 }'
}

# timeit PREPARE COMMAND: prints the median wall time of COMMAND in
# seconds.  COMMAND is one program and its quoted arguments, run without
# a shell, its output going to /dev/null; PREPARE (may be empty) is a
# shell command run untimed before every run.
timeit() {
	local prep=$1 cmd=$2 j=$work/hf.json i t0 t1
	if [ "$have_hyperfine" = 1 ]; then
		local pa=()
		[ -n "$prep" ] && pa=(--prepare "sh -c $(q "$prep")")
		if hyperfine -N --style none --warmup 1 --runs "$runs" \
		    "${pa[@]}" --export-json "$j" "$cmd" >/dev/null 2>&1; then
			"$python" -c 'import json,sys
print("%.6f" % json.load(open(sys.argv[1]))["results"][0]["median"])' "$j"
			return
		fi
		echo "nan"
		return
	fi
	: >"$work/times"
	for i in $(seq 0 "$runs"); do
		[ -n "$prep" ] && sh -c "$prep" >/dev/null 2>&1
		t0=${EPOCHREALTIME/[.,]/}
		( eval "exec $cmd" ) >/dev/null 2>&1 || { echo nan; return; }
		t1=${EPOCHREALTIME/[.,]/}
		# run 0 is the warm-up
		[ "$i" -gt 0 ] && awk -v us=$(( t1 - t0 )) 'BEGIN { printf "%.6f\n", us / 1e6 }' >>"$work/times"
	done
	median_of "$work/times"
}

# peak_rss COMMAND...: median over 3 runs of the maximum resident set
# size in KiB, as GNU time -v reports it.
peak_rss() {
	local i
	: >"$work/rss"
	for i in 1 2 3; do
		/usr/bin/time -v -o "$work/time.txt" "$@" >/dev/null 2>&1
		sed -n 's/^[[:space:]]*Maximum resident set size (kbytes): //p' \
		    "$work/time.txt" >>"$work/rss"
	done
	median_of "$work/rss"
}

# rec NAME VALUE: one figure for BENCH_RECORD.
rec() { [ -n "$record" ] && printf '%s\t%s\n' "$1" "$2" >>"$record"; return 0; }

ratio() { awk -v a="$1" -v b="$2" 'BEGIN { if (b + 0 > 0 && a == a + 0) printf "%.2f", a / b; else print "nan" }'; }
ms() { awk -v a="$1" 'BEGIN { if (a == a + 0) printf "%.1f", a * 1000; else print "nan" }'; }
mib() { awk -v a="$1" 'BEGIN { if (a == a + 0) printf "%.1f", a / 1024; else print "nan" }'; }
mb() { awk -v a="$1" 'BEGIN { printf "%.1f", a / 1e6 }'; }
# verdict VALUE LIMIT: "meets" when VALUE <= LIMIT.
verdict() { awk -v a="$1" -v b="$2" 'BEGIN { if (a != a + 0) print "n/a"; else if (a <= b) print "meets"; else print "MISSES" }'; }

dialect_of() { case $1 in *pjreddie*) echo pj ;; *) echo ab ;; esac; }

# ----------------------------------------------------------------------
# The machine.

cpu=$(sed -n 's/^model name[[:space:]]*: //p' /proc/cpuinfo | head -n 1)
mem=$(awk '/^MemTotal/ { printf "%.1f GiB", $2 / 1048576 }' /proc/meminfo)
fsinfo=$(df -PT "$work" | awk 'NR == 2 { printf "%s on %s, %.0f GiB free", $2, $1, $5 / 1048576 }')
dev=$(df -P "$work" | awk 'NR == 2 { print $1 }')
rota=$(cat "/sys/block/$(basename "$dev")/queue/rotational" 2>/dev/null || echo "?")
# Whether convert syncs only when it replaces a file (then a new output
# is timed against cp, and one replacing a file against cp + fsync).
policy=0
"$darkmap" convert --help 2>&1 | grep -q -- 'only when it replaces' && policy=1
# Whether convert can read its output back in full (--verify).
verify=0
"$darkmap" --help 2>&1 | grep -q -- '--verify' && verify=1
# inspect with full statistics: `--stats` if the program has it; when it
# has `--no-stats` instead, statistics are the default.
stats_flag='' nostats=0
ihelp=$("$darkmap" inspect --help 2>&1)
if printf '%s\n' "$ihelp" | grep -Eq -- '(^|[[:space:],])--stats([=[:space:],]|$)'; then
	stats_flag=--stats stats_note="inspect --stats"
elif printf '%s\n' "$ihelp" | grep -q -- '--no-stats'; then
	nostats=1
	stats_note="inspect (statistics are on by default; --no-stats measured for reference)"
else
	stats_note="inspect (no statistics option: the report as it is now)"
fi

echo "darkmap benchmark, $(date -u '+%Y-%m-%d %H:%M UTC')"
echo "darkmap:  $("$darkmap" --version 2>/dev/null | head -n 1)"
echo "machine:  $(nproc) CPUs, $cpu, $mem RAM, kernel $(uname -r)"
echo "disk:     $fsinfo (rotational=$rota)"
echo "load:     $(cut -d ' ' -f 1-3 /proc/loadavg) (1, 5, 15 min) at start"
if [ "$have_hyperfine" = 1 ]; then
	echo "timing:   $(hyperfine --version), median of $runs runs after 1 warm-up"
else
	echo "timing:   shell clock, median of $runs runs after 1 warm-up (no hyperfine)"
fi
echo "inspect:  $stats_note"
echo
rec run.date "$(date -u '+%Y-%m-%dT%H:%MZ')"
rec run.darkmap "$("$darkmap" --version 2>/dev/null | head -n 1)"
rec run.load_start "$(cut -d ' ' -f 1 /proc/loadavg)"

# ----------------------------------------------------------------------
# Per size: generate, then time cp / convert / cat / inspect.

results=$work/results.tsv
: >"$results"
ui_cfg='' ui_weights='' ui_layers=0

for spec in $nets; do
	label=${spec%%:*}
	cfg=$catalogue/${spec#*:}
	[ -f "$cfg" ] || die "no cfg $cfg"
	d=$(dialect_of "$cfg")
	w=$work/$label.weights
	"$darkmap" inspect -d "$d" -f json "$cfg" >"$work/$label.json" ||
		die "$label: darkmap cannot lay out $cfg"
	"$python" "$here/genweights.py" "$work/$label.json" "$w" ||
		die "$label: cannot generate weights"
	"$darkmap" inspect -d "$d" "$cfg" "$w" >/dev/null ||
		die "$label: the generated file does not match its cfg"
	size=$(stat -c %s "$w")
	layers=$(grep -c '"index"' "$work/$label.json")
	echo "== $label: $(mb "$size") MB, $layers layers (sha256 $(sha256sum "$w" | cut -c1-16))"

	cat "$w" >/dev/null		# warm the cache
	dst=$work/copy.bin out=$work/out.pt
	wq=$(q "$w") cq=$(q "$cfg") dq=$(q "$darkmap") oq=$(q "$out")
	t_cp=$(timeit "rm -f $(q "$dst"); sync" "cp $wq $(q "$dst")")
	# A durable copy: cp, then fsync the copy (`sync FILE`; the shell
	# that joins them costs about 1 ms).
	t_cpsync=$(timeit "rm -f $(q "$dst"); sync" \
	    "sh -c $(q "cp $wq $(q "$dst") && sync $(q "$dst")")")
	t_conv=$(timeit "rm -f $oq; sync" "$dq convert -d $d $cq $wq -o $oq")
	# Replacing an earlier output, which the default policy syncs.
	t_repl=nan
	if [ "$policy" = 1 ]; then
		"$darkmap" convert -d "$d" "$cfg" "$w" -o "$work/prev.pt"
		t_repl=$(timeit "rm -f $oq; cp $(q "$work/prev.pt") $oq; sync" \
		    "$dq convert -d $d $cq $wq -o $oq")
		rm -f "$work/prev.pt"
	fi
	t_cat=$(timeit "" "cat $wq")
	t_insp=$(timeit "" "$dq inspect -d $d $stats_flag $cq $wq")
	t_nost=nan
	[ "$nostats" = 1 ] &&
		t_nost=$(timeit "" "$dq inspect -d $d --no-stats $cq $wq")
	# Which cfg is it: the file against the whole catalogue.
	t_ident=$(timeit "" "$dq identify $wq")
	rss_ident=$(peak_rss "$darkmap" identify "$w")
	rss_conv=$(peak_rss "$darkmap" convert -d "$d" "$cfg" "$w" -o "$out")
	rss_insp=$(peak_rss "$darkmap" inspect -d "$d" $stats_flag "$cfg" "$w")
	rss_cp=$(peak_rss cp "$w" "$dst")
	rm -f "$dst" "$out"
	sync
	printf '  cp                   %9s ms\n' "$(ms "$t_cp")"
	printf '  cp + fsync           %9s ms   %5sx cp\n' "$(ms "$t_cpsync")" \
	    "$(ratio "$t_cpsync" "$t_cp")"
	printf '  convert -> .pt       %9s ms   %5sx cp                  (a new file; target <= 1.5x cp, aim 1.2x: %s)\n' \
	    "$(ms "$t_conv")" "$(ratio "$t_conv" "$t_cp")" \
	    "$(verdict "$(ratio "$t_conv" "$t_cp")" 1.5)"
	[ "$policy" = 1 ] &&
		printf '  convert, replacing   %9s ms   %5sx cp   %5sx cp+fsync (synced before the rename)\n' \
		    "$(ms "$t_repl")" "$(ratio "$t_repl" "$t_cp")" \
		    "$(ratio "$t_repl" "$t_cpsync")"
	printf '  convert peak RSS     %9s MiB             (target <= 16 MiB: %s; cp %s MiB)\n' \
	    "$(mib "$rss_conv")" "$(verdict "$(mib "$rss_conv")" 16)" "$(mib "$rss_cp")"
	printf '  cat > /dev/null      %9s ms\n' "$(ms "$t_cat")"
	printf '  inspect %-12s %9s ms   %5sx cp   %5sx cat (target <= 0.6x cp: %s; peak RSS %s MiB)\n' \
	    "$stats_flag" "$(ms "$t_insp")" "$(ratio "$t_insp" "$t_cp")" \
	    "$(ratio "$t_insp" "$t_cat")" \
	    "$(verdict "$(ratio "$t_insp" "$t_cp")" 0.6)" "$(mib "$rss_insp")"
	[ "$nostats" = 1 ] &&
		printf '  inspect --no-stats   %9s ms   %5sx cp\n' "$(ms "$t_nost")" \
		    "$(ratio "$t_nost" "$t_cp")"
	printf '  identify             %9s ms   %5sx cat (the whole catalogue; target < 1 s: %s; peak RSS %s MiB)\n' \
	    "$(ms "$t_ident")" "$(ratio "$t_ident" "$t_cat")" \
	    "$(verdict "$t_ident" 1)" "$(mib "$rss_ident")"
	for k in size:$size layers:$layers cp:$t_cp cp_fsync:$t_cpsync \
	    convert:$t_conv convert_replace:$t_repl cat:$t_cat \
	    inspect:$t_insp inspect_nostats:$t_nost rss_convert:$rss_conv \
	    identify:$t_ident rss_identify:$rss_ident \
	    rss_inspect:$rss_insp rss_cp:$rss_cp; do
		rec "$label.${k%%:*}" "${k#*:}"
	done
	if [ "$extra" = 1 ]; then
		echo "  for reference:"
		kinds="safetensors npz weights"
		[ "$verify" = 1 ] &&
			kinds="$kinds pt:--verify safetensors:--verify"
		for kind in $kinds; do
			ext=${kind%%:*}
			flag=
			[ "$kind" != "$ext" ] && flag=${kind#*:}
			o=$work/out.$ext
			t=$(timeit "rm -f $(q "$o"); sync" \
			    "$dq convert $flag -d $d $cq $wq -o $(q "$o")")
			printf '    %-23s %7s ms   %5sx cp\n' \
			    "convert $flag${flag:+ }-> .$ext" \
			    "$(ms "$t")" "$(ratio "$t" "$t_cp")"
			rec "$label.convert_$ext${flag:+_verify}" "$t"
			rm -f "$o"
		done
	fi
	printf '%s\t%s\t%s\t%s\t%s\t%s\t%s\t%s\t%s\t%s\n' "$label" "$size" "$t_cp" \
	    "$t_conv" "$rss_conv" "$t_cat" "$t_insp" "$rss_insp" "$t_cpsync" \
	    "$t_repl" >>"$results"
	if [ "$label" = "$ui_net" ]; then
		ui_cfg=$cfg ui_weights=$w ui_layers=$layers
	elif [ "$keep" = 0 ]; then
		rm -f "$w"	# free the disk before the next size
	fi
	echo
done

# ----------------------------------------------------------------------
# Time to the first screen of the interactive interface.

ui_cmd=${DM_UI_CMD-}
ui_found=0
help=$("$darkmap" --help 2>&1)
if [ -n "${DM_UI_CMD+set}" ]; then
	ui_found=1
else
	word=$(printf '%s\n' "$help" |
	    sed -n 's/^[[:space:]]\{1,\}\(tui\|ui\|view\|browse\|open\|explore\)\([[:space:]].*\)\{0,1\}$/\1/p' |
	    head -n 1)
	if [ -n "$word" ]; then
		ui_cmd=$word ui_found=1
	elif printf '%s\n' "$help" | grep -qiE 'interactive|curses|full-screen'; then
		ui_cmd='' ui_found=1	# `darkmap CFG WEIGHTS` on a terminal
	fi
fi
# firstscreen.py RESULT-NAME ARGS...: prints "median min max runs" (s).
firstscreen() {
	local name=$1 out
	shift
	if out=$("$python" "$here/firstscreen.py" --tsv --runs "$ui_runs" \
	    --rows 40 --cols 120 --term xterm-256color "$@" 2>"$work/fs.err"); then
		printf '%s\n' "$out"
		rec "$name" "$(printf '%s' "$out" | cut -f 1)"
	else
		sed 's/^/  /' "$work/fs.err" >&2
		printf 'nan\tnan\tnan\t0\n'
	fi
}
fs_line() {	# LABEL "median min max runs"
	set -- "$1" $2
	printf '  %-34s %7s ms  [%s-%s] over %s runs\n' "$1" "$(ms "$2")" \
	    "$(ms "$3")" "$(ms "$4")" "$5"
}
echo "== time to first screen (120x40 pseudo-terminal, TERM=xterm-256color)"
t_ui=nan t_ui0=nan
if [ "$ui_found" = 0 ]; then
	echo "  n/a (no interface yet)"
elif [ -z "$ui_cfg" ]; then
	echo "  n/a (needs the net '$ui_net' in BENCH_NETS)"
else
	ui_runs=$(( runs < 11 ? 11 : runs ))
	# What a user's terminal has: a UTF-8 locale when there is one.
	ui_locale=C
	locale -a 2>/dev/null | grep -qix 'C.utf-\{0,1\}8' && ui_locale=C.UTF-8
	d=$(dialect_of "$ui_cfg")
	# The same driver starting a program that prints one line: the cost
	# of the spawn, the terminal and the reads, included in the figures
	# below (nothing is subtracted).
	r0=$(firstscreen ui.spawn_baseline --expect ready --quit '' -- \
	    /bin/echo ready)
	r1=$(LC_ALL=$ui_locale firstscreen ui.first_screen -- \
	    "$darkmap" $ui_cmd -d "$d" "$ui_cfg" "$ui_weights")
	r2=$(LC_ALL=$ui_locale firstscreen ui.first_screen_noweights -- \
	    "$darkmap" $ui_cmd -d "$d" "$ui_cfg")
	t_ui=$(printf '%s' "$r1" | cut -f 1)
	t_ui0=$(printf '%s' "$r2" | cut -f 1)
	echo "  (LC_ALL=$ui_locale; from spawn until the layer header and the key hint line have arrived)"
	fs_line "$ui_layers layers + $(mb "$(stat -c %s "$ui_weights")") MB weights" "$r1"
	fs_line "$ui_layers layers, no weights" "$r2"
	fs_line "baseline: /bin/echo, one line" "$r0"
	printf '  target <= 50 ms: %s (with weights), %s (without)\n' \
	    "$(verdict "$t_ui" 0.050)" "$(verdict "$t_ui0" 0.050)"
fi
[ -n "$ui_weights" ] && [ "$keep" = 0 ] && rm -f "$ui_weights"
echo

# ----------------------------------------------------------------------
# Reading and laying out every fixture cfg, one process each.

echo "== reading + layout of every fixture cfg"
{ find "$catalogue" -type f -name '*.cfg'
  [ "$catalogue" = "$fixtures/cfg" ] ||
	find "$fixtures/cfg" -type f -name '*.cfg'; } | sort >"$work/cfgs"
ncfg=$(wc -l <"$work/cfgs")
{
	echo 'D=$1'
	while IFS= read -r c; do
		echo "\"\$D\" inspect -d $(dialect_of "$c") $(q "$c") >/dev/null 2>&1"
	done <"$work/cfgs"
	echo 'exit 0'
} >"$work/layout_all.sh"
t_all=$(timeit "" "sh $(q "$work/layout_all.sh") $(q "$darkmap")")
t_true=$(timeit "" "sh -c 'for i in \$(seq $ncfg); do /bin/true; done'")
refused=0
: >"$work/each"
while IFS= read -r c; do
	t0=${EPOCHREALTIME/[.,]/}
	"$darkmap" inspect -d "$(dialect_of "$c")" "$c" >/dev/null 2>&1 ||
		refused=$((refused + 1))
	t1=${EPOCHREALTIME/[.,]/}
	c=${c#"$catalogue"/}
	echo "$((t1 - t0)) ${c#"$fixtures"/cfg/}" >>"$work/each"
done <"$work/cfgs"
printf '  %s cfgs (%s refused by design or mismatch): %s ms in all (target < 1000 ms: %s), %s ms per cfg\n' \
    "$ncfg" "$refused" "$(ms "$t_all")" "$(verdict "$t_all" 1)" \
    "$(awk -v a="$t_all" -v n="$ncfg" 'BEGIN { printf "%.2f", a * 1000 / n }')"
printf '  (the same number of /bin/true processes: %s ms)\n' "$(ms "$t_true")"
echo "  slowest, one run each:"
sort -rn "$work/each" | head -n 3 | awk '{ printf "    %7.2f ms  %s\n", $1 / 1000, $2 }'
echo

# ----------------------------------------------------------------------
# Summary: growth with size.

rec fixtures.all "$t_all"
rec fixtures.count "$ncfg"
rec fixtures.true "$t_true"

echo "== summary (ratios against baselines measured above; times in ms)"
printf '%-18s %6s %6s %7s %7s %5s %5s %7s %6s %7s %6s %7s %5s\n' net MB cp \
    convert /cp MB/s cp+fs replace /cp+fs rss_MiB cat inspect /cp
while IFS="$(printf '\t')" read -r label size tcp tconv rss tcat tinsp _ tcps trp; do
	printf '%-18s %6s %6s %7s %7s %5s %5s %7s %6s %7s %6s %7s %5s\n' \
	    "$label" "$(mb "$size")" "$(ms "$tcp")" \
	    "$(ms "$tconv")" "$(ratio "$tconv" "$tcp")" \
	    "$(awk -v s="$size" -v t="$tconv" 'BEGIN { if (t == t + 0 && t > 0) printf "%.0f", s / 1e6 / t; else print "nan" }')" \
	    "$(ms "$tcps")" "$(ms "$trp")" "$(ratio "$trp" "$tcps")" "$(mib "$rss")" \
	    "$(ms "$tcat")" "$(ms "$tinsp")" "$(ratio "$tinsp" "$tcp")"
done <"$results"
awk -F '\t' 'NR == 1 { r0 = $5; s0 = $2 } { r = $5; s = $2 }
    END { if (NR > 1) printf "peak RSS from %.0f MB to %.0f MB: %+.1f MiB\n", s0 / 1e6, s / 1e6, (r - r0) / 1024 }' "$results"
if [ "$t_ui" = nan ]; then ui_txt=n/a; else ui_txt="$(ms "$t_ui") ms ($(ms "$t_ui0") ms without weights)"; fi
printf 'first screen: %s; all %s fixture cfgs: %s ms\n' "$ui_txt" "$ncfg" "$(ms "$t_all")"
rec run.load_end "$(cut -d ' ' -f 1 /proc/loadavg)"
echo "load: $(cut -d ' ' -f 1-3 /proc/loadavg) (1, 5, 15 min) at the end; other work on the machine skews the figures"
exit 0
