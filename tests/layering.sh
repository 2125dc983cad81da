#!/bin/sh
# The layers hold: the core (src/) includes no header of the program
# (ui/), the views (ui/view_*.c) reach the core only through the
# view-model's header (src/vm.h, by way of ui/tui.h), and ui/tui.h
# includes no other header of darkmap.
. "$(dirname "$0")/lib.sh"

# project_includes FILE: the darkmap headers FILE includes, one a line.
project_includes() {
	sed -n 's/^#[[:space:]]*include[[:space:]]*"\([^"]*\)".*/\1/p' "$1" |
	    grep -v '^config\.h$'
}

bad=""
for h in "$srcdir"/ui/*.h; do
	name=${h##*/}
	for f in "$srcdir"/src/*.c "$srcdir"/src/*.h; do
		project_includes "$f" | grep -qx -- "$name" &&
		    bad="$bad ${f##*/}:$name"
	done
done
if [ -z "$bad" ]; then pass "src/ includes no ui/ header"
else fail "src/ includes ui/ headers:$bad"; fi

nviews=0
bad=""
for f in "$srcdir"/ui/view_*.c; do
	nviews=$((nviews + 1))
	for inc in $(project_includes "$f"); do
		case $inc in
		tui.h|vm.h) ;;
		*) bad="$bad ${f##*/}:$inc" ;;
		esac
	done
done
if [ "$nviews" -gt 0 ] && [ -z "$bad" ]; then
	pass "the $nviews views include only tui.h and vm.h"
else
	fail "views include other headers:$bad (of $nviews views)"
fi

incs=$(project_includes "$srcdir/ui/tui.h" | tr '\n' ' ')
if [ "$incs" = "vm.h " ]; then pass "ui/tui.h includes vm.h only"
else fail "ui/tui.h includes: $incs"; fi

# The checks can fail: a view that includes a core header is caught.
mkdir "$tmp/ui"
printf '#include "config.h"\n#include "tui.h"\n#include "net.h"\n' \
    >"$tmp/ui/view_x.c"
if project_includes "$tmp/ui/view_x.c" | grep -qx 'net.h'; then
	pass "a view including net.h would be caught"
else
	fail "project_includes misses net.h"
fi
finish
