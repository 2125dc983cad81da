#!/bin/sh
# The key table of ui/keys.c is the one list of keys: the help screen is
# made from it, and the manual's KEYS section must list the same keys, line
# for line and in the same order.  No key is bound twice in a keymap.
. "$(dirname "$0")/lib.sh"

dump=$(dirname "$DARKMAP")/tests/keys_dump
[ -x "$dump" ] || bail "no $dump"
"$dump" >"$tmp/table" || bail "keys_dump failed"

# man_keys PAGE: the keys of each .It of the KEYS section, as the help
# writes them ("j  Down").
man_keys() {
	awk '/^\.Sh /{ keys = ($2 == "KEYS") } keys && /^\.It /' "$1" |
	    sed -e 's/^\.It //' -e 's/\\&//g' -e 's/ , /  /g' -e 's/Ic //g'
}

sed -n 's/^help	//p' "$tmp/table" >"$tmp/help"
man_keys "$srcdir/man/darkmap.1" >"$tmp/man"
[ -s "$tmp/help" ] && [ -s "$tmp/man" ] || bail "no keys read"
if cmp -s "$tmp/help" "$tmp/man"; then
	pass "KEYS in darkmap.1 lists the table's $(wc -l <"$tmp/help") lines"
else
	fail "KEYS in darkmap.1 differs from the key table (< table, > man):"
	diff "$tmp/help" "$tmp/man" | sed 's/^/# /'
fi

# A page missing a key, or with two swapped, is caught.
sed '/^\.It Ic Ctrl-R$/d' "$srcdir/man/darkmap.1" >"$tmp/short.1"
man_keys "$tmp/short.1" >"$tmp/man2"
if ! cmp -s "$tmp/help" "$tmp/man2"; then pass "a page without Ctrl-R is caught"
else fail "a page without Ctrl-R passes"; fi

dups=$(awk -F '\t' '$1 == "bind" { print $2 " " $3 }' "$tmp/table" |
    sort | uniq -d)
if [ -z "$dups" ]; then pass "no key is bound twice in a keymap"
else fail "keys bound twice (keymap key): $dups"; fi

# What the help lists is bound: Ctrl-L among them.
if grep -q '^bind	[0-9]*	12	Ctrl-L	' "$tmp/table" &&
    grep -qx 'Ctrl-L' "$tmp/help"; then
	pass "Ctrl-L, listed, is a binding"
else
	fail "Ctrl-L is listed but not bound"
fi
finish
