#!/bin/sh
# The fixtures are those tests/fixtures/MANIFEST describes: every file is
# listed, every listed file is there with its size and sha256 (READMEs
# aside), and the forks' cfgs the fixtures name are in the catalogue.
. "$(dirname "$0")/lib.sh"

man=$fixtures/MANIFEST
(cd "$fixtures" && find . -type f ! -name MANIFEST ! -name '*.md' |
    sed 's|^\./||' | LC_ALL=C sort) >"$tmp/files"
grep -v '^#' "$man" | cut -f 1 | LC_ALL=C sort >"$tmp/listed"
comm -23 "$tmp/files" "$tmp/listed" >"$tmp/unlisted"
comm -13 "$tmp/files" "$tmp/listed" >"$tmp/missing"
[ ! -s "$tmp/unlisted" ] && pass "every fixture is in the MANIFEST" ||
    fail "not in the MANIFEST: $(head -n 5 "$tmp/unlisted" | tr '\n' ' ')"
[ ! -s "$tmp/missing" ] && pass "every file the MANIFEST lists is there" ||
    fail "listed but missing: $(head -n 5 "$tmp/missing" | tr '\n' ' ')"

grep -v '^#' "$man" | awk -F '\t' '{ print $3 "  " $1 }' >"$tmp/sums"
bad=$(cd "$fixtures" && sha256sum --quiet -c "$tmp/sums" 2>&1 | head -n 5)
[ -z "$bad" ] && pass "every fixture has the MANIFEST's sha256" ||
    fail "sha256 differs: $bad"
bad=$(grep -v '^#' "$man" | while IFS="$(printf '\t')" read -r p size _; do
	[ "$(stat -c %s "$fixtures/$p" 2>/dev/null)" = "$size" ] || echo "$p"
done | head -n 5)
[ -z "$bad" ] && pass "every fixture has the MANIFEST's size" ||
    fail "size differs: $bad"
bad=$(grep -v '^#' "$man" | cut -f 4 | grep -v '^documentation$' |
    awk '$0 == "" || $0 ~ /\?$/' | head -n 1)
[ -z "$bad$(grep -v '^#' "$man" | awk -F '\t' 'NF != 4' | head -n 1)" ] &&
    pass "every MANIFEST row says how its file was made" ||
    fail "a MANIFEST row without its origin"

# The forks' cfgs the fixtures were made from are in the catalogue.
missing=$(cut -f 3 "$fixtures/weights/MANIFEST.tsv" | sed 1d |
    grep '^cfg/\(AlexeyAB\|pjreddie\)/' | sed 's|^cfg/||' |
    while read -r c; do [ -f "$catalogue/$c" ] || echo "$c"; done)
[ -z "$missing" ] && pass "the weights' cfgs of both forks are in the catalogue" ||
    fail "not in the catalogue: $missing"
for f in "$fixtures"/keys/*/*.keys.tsv; do
	c=$(basename "$f" .keys.tsv)
	[ -f "$catalogue/AlexeyAB/$c.cfg" ] || echo "$c"
done >"$tmp/nokeys"
[ ! -s "$tmp/nokeys" ] && pass "the key lists' cfgs are in the catalogue" ||
    fail "key lists without a cfg: $(cat "$tmp/nokeys")"
n=0
for g in "$fixtures"/golden/AlexeyAB/*.layout.tsv \
    "$fixtures"/golden/pjreddie/*.layout.tsv; do
	fork=$(basename "$(dirname "$g")")
	[ -f "$catalogue/$fork/$(basename "$g" .layout.tsv).cfg" ] ||
		{ echo "$fork/$(basename "$g")"; }
	n=$((n + 1))
done >"$tmp/nocfg"
[ ! -s "$tmp/nocfg" ] && pass "every golden of a fork's cfg has its cfg" ||
    fail "goldens without a cfg: $(head -n 5 "$tmp/nocfg" | tr '\n' ' ')"
finish
