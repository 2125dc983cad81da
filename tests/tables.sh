#!/bin/sh
# One table for each list: the section types (src/cfgkeys.c), the output
# formats and the key schemes (src/export.c) are written once, the
# commands take them from there, and --help and darkmap(1) name them all.
. "$(dirname "$0")/lib.sh"

# only FILE LITERAL...: each "LITERAL" stands in FILE and in no other
# source file of src/ or ui/.
only() {
	local home=$1 name files
	shift
	for name; do
		files=$(cd "$srcdir" && grep -l -F "\"$name\"" src/*.c ui/*.c |
		    tr '\n' ' ')
		if [ "$files" = "$home " ]; then
			pass "\"$name\" is written in $home only"
		else
			fail "\"$name\" is written in: $files(only $home should)"
		fi
	done
}

only src/export.c safetensors npz ultralytics eriklindernoren tianxiaomo

# No other file has a table row of section types: { "[name]", ...
rows=$(cd "$srcdir" && grep -c '^[[:space:]]*{ "\[[A-Za-z_0-9]*\]",' \
    src/cfgkeys.c)
if [ "$rows" -ge 40 ]; then
	pass "src/cfgkeys.c has the section table ($rows rows)"
else
	fail "src/cfgkeys.c has $rows section rows"
fi
if (cd "$srcdir" && grep -n '{ *"\[[A-Za-z_0-9]*\]",' src/*.c ui/*.c |
    grep -v '^src/cfgkeys\.c:'); then
	fail "a second table of section types"
else
	pass "one table of section types"
fi

# listed WHAT OPTION SED: refuses "OPTION xx" and prints the names the
# message lists (SED picks them out).
listed() {
	expect 2 "an unknown $1 is refused" -- "$DARKMAP" convert "$2" xx \
	    "$cfg" "$weights" -o "$tmp/x.pt"
	names=$(sed -n "$3" "$tmp/err" | sed 's/,//g; s/ or / /')
	[ -n "$names" ] && pass "the ${1}s are listed: $names" ||
	    fail "no list of ${1}s in: $(cat "$tmp/err")"
}

# The commands take every format and scheme of the tables: each name
# the messages list is accepted.
cfg=$data/demo/shapes.cfg
weights=$data/demo/shapes.weights
"$DARKMAP" --help >"$tmp/help"
# documented WHAT NAME: --help and the manual page name it.
documented() {
	if grep -q -w -- "$2" "$tmp/help"; then
		pass "--help names the $1 $2"
	else
		fail "--help does not name the $1 $2"
	fi
	if grep -q -w -- "$2" "$srcdir/man/darkmap.1"; then
		pass "darkmap(1) names the $1 $2"
	else
		fail "darkmap(1) does not name the $1 $2"
	fi
}

listed format --format "s/.*unknown output format 'xx' (use \(.*\))$/\1/p"
for f in $names; do
	documented format "$f"
	expect 0 "--format $f is accepted" -- "$DARKMAP" convert --force \
	    --format "$f" "$cfg" "$weights" -o "$tmp/out-format.$f"
	expect 0 "the extension .$f gives the format" -- "$DARKMAP" convert \
	    --force "$cfg" "$weights" -o "$tmp/out-ext.$f"
	if cmp -s "$tmp/out-format.$f" "$tmp/out-ext.$f"; then
		pass "--format $f and .$f write the same file"
	else
		fail "--format $f and .$f differ"
	fi
done
listed scheme --names \
    "s/.*unknown names 'xx' (use \(.*\) or a {template})$/\1/p"
for n in $names; do
	documented scheme "$n"
	expect 0 "--names $n is accepted" -- "$DARKMAP" convert --force \
	    --names "$n" "$cfg" "$weights" -o "$tmp/out-names-$n.npz"
done
# The override options are one list (ui/cmd.h) that every command which
# lays a net out takes: no file of ui/ has a getopt row of its own for
# one, --help and darkmap(1) name each, and each command knows each
# (a bad value is refused as a value, not as an unknown option).
ovr=$(sed -n 's/^[[:space:]]*{ "\([a-z-]*\)",.*required_argument, NULL, (val) }.*/\1/p' \
    "$srcdir/ui/cmd.h")
n=$(echo $ovr | wc -w)
if [ "$n" -ge 14 ]; then
	pass "ui/cmd.h lists $n override options"
else
	fail "ui/cmd.h lists $n override options: $ovr"
fi
for o in $ovr; do
	if (cd "$srcdir" && grep -n "{ *\"$o\", *required_argument" ui/*.c); then
		fail "a second getopt row for --$o"
	else
		pass "--$o has its one getopt row"
	fi
	if grep -q -w -- "--$o" "$tmp/help"; then
		pass "--help names --$o"
	else
		fail "--help does not name --$o"
	fi
	if grep -q "^\.It Fl Fl $o Ns = Ns" "$srcdir/man/darkmap.1"; then
		pass "darkmap(1) has an item for --$o"
	else
		fail "darkmap(1) has no item for --$o"
	fi
	for c in inspect convert model; do
		"$DARKMAP" $c "--$o=@" "$cfg" "$weights" -o "$tmp/ovr.pt" \
		    >"$tmp/out" 2>"$tmp/err"
		st=$?
		if [ $st -ne 0 ] && ! grep -q "unrecognized option" \
		    "$tmp/err" && grep -q -- "$o" "$tmp/err"; then
			pass "$c knows --$o (exit $st, the value refused)"
		else
			fail "$c --$o=@: exit $st, $(head -2 "$tmp/err")"
		fi
	done
done
finish
