#!/bin/sh
# Command-line conventions: --help, --version, usage errors, exit statuses.
. "$(dirname "$0")/lib.sh"

expect 0 "--help" -- "$DARKMAP" --help
grep_out '^Usage: darkmap' "--help prints usage on stdout"
expect 0 "inspect --help" -- "$DARKMAP" inspect --help
expect 0 "--version" -- "$DARKMAP" --version
grep_out '^darkmap [0-9]+\.[0-9]+' "--version prints the version"
expect 2 "no operand" -- "$DARKMAP" inspect
grep_err "missing CFG operand" "no operand is explained"
expect 2 "too many operands" -- "$DARKMAP" inspect a b c
expect 2 "bad dialect" -- "$DARKMAP" inspect --dialect xx "$data/ab-small.cfg"
grep_err "invalid dialect 'xx'" "bad dialect is named"
expect 2 "bad format" -- "$DARKMAP" inspect --format=xml "$data/ab-small.cfg"
expect 2 "unknown option" -- "$DARKMAP" inspect --frobnicate "$data/ab-small.cfg"
expect 3 "missing cfg" -- "$DARKMAP" inspect "$tmp/nope.cfg"
grep_err "nope.cfg: No such file" "missing cfg names the file"
expect 3 "directory as weights" -- "$DARKMAP" inspect "$data/ab-small.cfg" "$tmp"
grep_err "a directory, not a regular file" "directory as weights is explained"
expect 0 "inspect without weights" -- "$DARKMAP" inspect "$data/ab-small.cfg"
grep_out 'assumed 20 bytes' "layout without weights assumes a 20-byte header"
expect 0 "no command means inspect" -- "$DARKMAP" "$data/ab-small.cfg" "$data/ab-small.weights"
grep_out '^verdict  exact' "exact verdict in the text report"
expect 0 "pj dialect" -- "$DARKMAP" inspect -d pj "$data/pj-small.cfg" "$data/pj-small.weights"
expect 0 "json" -- "$DARKMAP" inspect --format json "$data/ab-small.cfg" "$data/ab-small.weights"
if "$PYTHON3" -c 'import json,sys; d=json.load(open(sys.argv[1])); assert d["verdict"]["kind"]=="exact"; assert d["header"]["size"]==20; assert d["file_size"]==d["expected_size"]==4176; assert d["layers"][0]["arrays"][0]["name"]=="biases"' "$tmp/out"; then
	pass "json parses and holds header, sizes and verdict"
else
	fail "json content"
fi
# Where the file ends, per layer: the demo file ends inside layer 9's
# weights (the verdict says so), so layers 12, 15 and 16, the next with
# arrays, are not in it at all.
expect 1 "json of a cut file" -- "$DARKMAP" inspect -f json "$data/demo/shapes.cfg" "$data/demo/shapes.weights"
if "$PYTHON3" -c '
import json, sys
d = json.load(open(sys.argv[1]))
v = d["verdict"]
assert v["kind"] == "truncated" and v["layer"] == 9, v
f = {l["index"]: l.get("in_file") for l in d["layers"]}
assert f[8] == "whole" and f[9] == "cut", f
assert f[12] == f[15] == f[16] == "none", f
assert f[1] is None and f[10] is None, f	# no arrays
assert all(l["status"] in ("ok", "suspicious", "bad") for l in d["layers"])
' "$tmp/out"; then
	pass "json says per layer how much the file holds"
else
	fail "json in_file"
fi

# A data end set inside the header says so, not that the file is short.
expect 1 "a data end inside the header" -- "$DARKMAP" inspect --data-end=10 "$data/ab-small.cfg" "$data/ab-small.weights"
grep_out 'the data ends at byte 10 \(the data end set\), inside the 20-byte header' \
    "the verdict names the data end, not the file size"

# Options a command has no use for are refused, not ignored.
expect 2 "--wrap is for convert" -- "$DARKMAP" inspect --wrap=model "$data/ab-small.cfg"
expect 2 "-o is not for inspect" -- "$DARKMAP" inspect -o "$tmp/x" "$data/ab-small.cfg"
expect 2 "--names is not for fix" -- "$DARKMAP" fix --names ultralytics "$data/demo/demo.cfg" "$data/demo/demo.weights" -o "$tmp/f.profile"
expect 2 "fix writes to -o, not --save-profile" -- "$DARKMAP" fix --save-profile "$tmp/f2.profile" "$data/demo/demo.cfg" "$data/demo/demo.weights" -o "$tmp/f.profile"
[ ! -e "$tmp/f.profile" ] && [ ! -e "$tmp/f2.profile" ] && pass "no profile written" ||
    fail "a refused fix wrote a profile"
# --wrap=none overrides a profile's wrap=model, and is saved so.
printf '[profile]\nversion=1\n\n[export]\nwrap=model\n' >"$tmp/wrap.profile"
expect 0 "a profile's wrap=model" -- "$DARKMAP" convert -p "$tmp/wrap.profile" "$data/ab-small.cfg" "$data/ab-small.weights" -o "$tmp/w1.pt"
grep -q -a best_fitness "$tmp/w1.pt" && pass "the profile wraps the state_dict" || fail "wrap=model ignored"
expect 0 "--wrap=none over it" -- "$DARKMAP" convert -p "$tmp/wrap.profile" --wrap=none --save-profile "$tmp/w2.profile" "$data/ab-small.cfg" "$data/ab-small.weights" -o "$tmp/w2.pt"
grep -q -a best_fitness "$tmp/w2.pt" && fail "--wrap=none ignored" || pass "--wrap=none writes the bare state_dict"
grep -q '^wrap=none$' "$tmp/w2.profile" && pass "and the saved profile says wrap=none" ||
    fail "saved profile: $(grep wrap "$tmp/w2.profile")"

# Messages never pass control characters to the terminal: a file name, a
# profile key and a cfg section holding ESC and BEL are shown escaped.
esc=$(printf '\033')
expect 3 "a missing cfg with ESC in its name" -- "$DARKMAP" inspect "$tmp/x${esc}[31m.cfg"
grep_err 'x\\x1b\[31m\.cfg: ' "the name is shown escaped"
printf '[profile]\nversion=1\n[file]\nk\033]0;t\007=1\n' >"$tmp/esc.profile"
expect 3 "a profile key with ESC and BEL" -- "$DARKMAP" inspect -p "$tmp/esc.profile" "$data/ab-small.cfg"
grep_err "unknown key 'k\\\\x1b\\]0;t\\\\x07'" "the key is shown escaped"
if LC_ALL=C grep -q "$(printf '[\001-\010\016-\037\177]')" "$tmp/err"; then
	fail "a control character reached stderr"
else
	pass "no control character reached stderr"
fi
# A key Darknet ignores adds a warning, which names the file too.
{ cat "$data/ab-small.cfg"; printf 'strid=1\n'; } >"$tmp/e${esc}.cfg"
cp "$data/ab-small.weights" "$tmp/e${esc}.weights"
expect 0 "inspect of files with ESC in their names" -- "$DARKMAP" inspect --no-stats "$tmp/e${esc}.cfg" "$tmp/e${esc}.weights"
grep_out '^cfg +[^ ]*/e\\x1b\.cfg ' "the report shows the cfg name escaped"
grep_out '^weights +[^ ]*/e\\x1b\.weights ' "and the weights name"
grep_out '^warning +[^ ]*/e\\x1b\.cfg:[0-9]+: .*strid' "and the warning's file name"
if LC_ALL=C grep -q "$(printf '[\001-\010\016-\037\177]')" "$tmp/out"; then
	fail "a control character reached the report"
else
	pass "no control character reached the report"
fi

# --verify reads every output back before it is renamed into place; the
# result is the same file.
for ext in pt npz safetensors weights; do
	expect 0 "convert --verify to .$ext" -- "$DARKMAP" convert --verify "$data/ab-small.cfg" "$data/ab-small.weights" -o "$tmp/v.$ext"
	"$DARKMAP" convert "$data/ab-small.cfg" "$data/ab-small.weights" -o "$tmp/nv.$ext" 2>/dev/null
	cmp -s "$tmp/v.$ext" "$tmp/nv.$ext" && pass "--verify writes the same .$ext" ||
	    fail "--verify changed the .$ext"
done
expect 2 "--verify is for convert" -- "$DARKMAP" inspect --verify "$data/ab-small.cfg" "$data/ab-small.weights"
grep_err "are for convert" "the refusal says so"

# libzip is loaded only to verify an archive written (--verify), not at
# every start and not for a convert without it (unless configured with
# --disable-lazy-libzip).
if grep -q '^#define DM_LIBZIP_SONAME' "$(dirname "$DARKMAP")/config.h" 2>/dev/null; then
	loads_libzip() {	# loads_libzip ARGS...: yes, no, or how darkmap failed
		LD_DEBUG=files "$DARKMAP" "$@" >/dev/null 2>"$tmp/ld" ||
		    { echo "exit $?"; return; }
		grep -q 'file=libzip' "$tmp/ld" && echo yes || echo no
	}
	lz=$(loads_libzip inspect "$data/ab-small.cfg" "$data/ab-small.weights")
	[ "$lz" = no ] && pass "inspect does without libzip" || fail "inspect: libzip $lz"
	lz=$(loads_libzip convert "$data/ab-small.cfg" "$data/ab-small.weights" -o "$tmp/lz.safetensors")
	[ "$lz" = no ] && pass "convert to safetensors does without libzip" ||
	    fail "convert to safetensors: libzip $lz"
	lz=$(loads_libzip convert "$data/ab-small.cfg" "$data/ab-small.weights" -o "$tmp/lz0.pt")
	[ "$lz" = no ] && pass "convert to .pt does without libzip" ||
	    fail "convert to .pt without --verify: libzip $lz"
	[ -s "$tmp/lz0.pt" ] && pass "and writes the .pt" || fail "no .pt written"
	lz=$(loads_libzip convert --verify "$data/ab-small.cfg" "$data/ab-small.weights" -o "$tmp/lz.pt")
	[ "$lz" = yes ] && [ -s "$tmp/lz.pt" ] &&
	    pass "convert --verify to .pt loads libzip to read the archive back" ||
	    fail "convert --verify to .pt: libzip $lz"
	# A libzip that cannot be loaded (a broken file found first): a .pt
	# to verify is refused with the reason and nothing is left; without
	# --verify, convert and inspect work.
	soname=$(sed -n 's/^#define DM_LIBZIP_SONAME "\(.*\)"$/\1/p' "$(dirname "$DARKMAP")/config.h")
	mkdir -p "$tmp/nolib/out"
	echo "not a library" >"$tmp/nolib/$soname"
	expect 3 "a libzip that cannot be loaded" -- env LD_LIBRARY_PATH="$tmp/nolib" \
	    "$DARKMAP" convert --verify "$data/ab-small.cfg" "$data/ab-small.weights" -o "$tmp/nolib/out/x.pt"
	grep_err "x\.pt: cannot verify the archive: cannot load libzip: .*$soname" \
	    "the error names the output and the library"
	[ -z "$(ls -A "$tmp/nolib/out")" ] && pass "nothing is left of the .pt" ||
	    fail "left behind: $(ls -A "$tmp/nolib/out")"
	expect 0 "convert without --verify needs no libzip" -- env LD_LIBRARY_PATH="$tmp/nolib" \
	    "$DARKMAP" convert "$data/ab-small.cfg" "$data/ab-small.weights" -o "$tmp/nolib/out/y.pt"
	cmp -s "$tmp/nolib/out/y.pt" "$tmp/lz.pt" && pass "and writes the same .pt" ||
	    fail "the .pt written without libzip differs"
	expect 0 "inspect needs no libzip" -- env LD_LIBRARY_PATH="$tmp/nolib" \
	    "$DARKMAP" inspect "$data/ab-small.cfg" "$data/ab-small.weights"
elif [ -f "$(dirname "$DARKMAP")/config.h" ]; then
	echo "# libzip is linked at start in this build"
elif [ "${CI:-}" = true ]; then
	fail "no config.h beside $DARKMAP: cannot tell how libzip is loaded"
fi
finish
