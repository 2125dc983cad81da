#!/bin/sh
# Faults while exporting: a full file system, a read-only folder, a file
# size limit, outputs that are not regular files, and SIGKILL at known
# points spread over the output of every format.  Afterwards the target is the previous file (byte for byte), or
# absent when there was none, or the complete new output; the only other
# file the output folder may hold is the documented temporary of a killed
# process ("<target>.XXXXXX", see src/atomicfile.h); the inputs never change.
#
# The full file system and the read-only folder are tmpfs mounts in a
# private mount namespace (unshare -m as root, unshare -rm otherwise);
# where neither works, a folder without write permission stands in for the
# read-only one and the file size limit for the full disk.  SIGKILL needs
# nothing special: the writer kills itself where the test hook
# DM_TEST_KILL_AFTER says (src/atomicfile.c), so that no kill depends on
# the speed of the machine.  DM_FAULT_KILLS sets the number of kill points
# spread over the files (default 52, a quarter per format), besides those
# at the first bytes, the last, the commit and the rename.
. "$(dirname "$0")/lib.sh"

kills=${DM_FAULT_KILLS:-52}
formats="pt safetensors npz weights"

# A 7 MB network: several tensors, larger than the full file system and
# the file size limit below.
cfg=$tmp/in/big.cfg
wts=$tmp/in/big.weights
mkdir "$tmp/in"
"$PYTHON3" - "$cfg" "$wts" <<'PY' || bail "cannot write the input network"
import struct, sys
open(sys.argv[1], "w").write(
    "[net]\nwidth=8\nheight=8\nchannels=256\n\n"
    "[convolutional]\nbatch_normalize=1\nfilters=256\nsize=3\npad=1\n"
    "activation=leaky\n\n"
    "[convolutional]\nfilters=512\nsize=3\npad=1\nactivation=linear\n")
n = 256 + 3 * 256 + 256 * 256 * 9 + 512 + 512 * 256 * 9
# Finite floats of many values, no NaN: byte 3 of each float stays small.
pat = bytes((i * 37 + 11) & 0x3f if i % 4 == 3 else (i * 13) & 0xff
            for i in range(4096))
with open(sys.argv[2], "wb") as f:
    f.write(struct.pack("<iiiQ", 0, 2, 5, 0))
    left = n * 4
    while left:
        k = min(left, len(pat))
        f.write(pat[:k])
        left -= k
PY
sha() { sha256sum <"$1" | cut -d ' ' -f 1; }
insum=$(cat "$cfg" "$wts" "$data/ab-small.cfg" "$data/ab-small.weights" | sha256sum)

# The complete output of each format, for comparison.
mkdir "$tmp/ref"
for f in $formats; do
	"$DARKMAP" convert "$cfg" "$wts" -o "$tmp/ref/out.$f" >/dev/null 2>&1 ||
	    bail "reference convert to $f failed"
	eval "new_$f=\$(sha \"\$tmp/ref/out.\$f\")"
done
printf 'previous output\n' >"$tmp/previous"
prev=$(sha "$tmp/previous")

# settled DESC DIR NAME HAD-PREVIOUS [KILLED]: after a fault, DIR/NAME is
# the previous file when HAD-PREVIOUS is yes, else absent, and DIR holds
# nothing else.  KILLED is "temp" for a writer killed before its rename:
# DIR then also holds its temporary file, "<NAME>.XXXXXX" (see
# src/atomicfile.h), whose size goes to $tempsize and which is removed;
# "new" for a writer killed right after the rename: DIR/NAME is then the
# complete output.
settled() {
	local desc=$1 dir=$2 name=$3 had=$4 killed=${5:-} f ok=1 new ntemp=0
	tempsize=
	eval "new=\$new_${name#out.}"
	if [ "$killed" = new ]; then
		if [ ! -e "$dir/$name" ]; then
			fail "$desc: no $name after the rename"
			ok=0
		elif [ "$(sha "$dir/$name")" != "$new" ]; then
			fail "$desc: $name is not the complete output ($(wc -c <"$dir/$name") bytes)"
			ok=0
		fi
	elif [ -e "$dir/$name" ]; then
		case $(sha "$dir/$name") in
		"$prev")
			[ "$had" = yes ] || { fail "$desc: a previous file appeared"; ok=0; } ;;
		"$new")
			fail "$desc: the output was written"
			ok=0 ;;
		*)
			fail "$desc: $name is neither the previous file nor the complete output ($(wc -c <"$dir/$name") bytes)"
			ok=0 ;;
		esac
	elif [ "$had" = yes ]; then
		fail "$desc: the previous $name is gone"
		ok=0
	fi
	for f in $(ls -A "$dir"); do
		[ "$f" = "$name" ] && continue
		if [ "$killed" = temp ] && [ "$ntemp" -eq 0 ] &&
		    printf '%s\n' "$f" |
		    grep -q -E "^$(echo "$name" | sed 's/\./\\./g')\.[A-Za-z0-9]{6}$"; then
			ntemp=1
			tempsize=$(wc -c <"$dir/$f")
			rm -f "$dir/$f"
		else
			fail "$desc: stray file $f"
			ok=0
		fi
	done
	if [ "$killed" = temp ] && [ "$ntemp" -eq 0 ]; then
		fail "$desc: the killed writer left no temporary file"
		ok=0
	fi
	[ "$ok" -eq 1 ] && pass "$desc"
}

# How to get a private tmpfs.
ns=
if unshare -m true 2>/dev/null; then
	ns="unshare -m"
elif unshare -rm true 2>/dev/null; then
	ns="unshare -rm"
fi

# in_tmpfs SIZE MODE HAD-PREVIOUS FORMAT: in a new mount namespace, mounts
# a tmpfs of SIZE on $tmp/mnt (remounted read-only when MODE is ro), with
# the previous file as out.FORMAT when HAD-PREVIOUS is yes, converts into
# it, and copies what is left there to $tmp/seen.
cat >"$tmp/ns.sh" <<'EOF'
mnt=$1 size=$2 mode=$3 had=$4 fmt=$5 tmp=$6 prog=$7 cfg=$8 wts=$9
mount -t tmpfs -o size="$size",mode=0755 tmpfs "$mnt" || exit 90
[ "$had" = yes ] && cp "$tmp/previous" "$mnt/out.$fmt"
if [ "$mode" = ro ]; then
	# (A bind mount can be made read-only in a user namespace too.)
	{ mount --bind "$mnt" "$mnt" && mount -o remount,bind,ro "$mnt"; } ||
	    exit 91
fi
"$prog" convert "$cfg" "$wts" -o "$mnt/out.$fmt" >"$tmp/out" 2>"$tmp/err"
echo $? >"$tmp/status"
rm -rf "$tmp/seen"
mkdir "$tmp/seen"
cp -p "$mnt"/* "$tmp/seen/" 2>/dev/null
for f in "$mnt"/.??*; do [ -e "$f" ] && cp -p "$f" "$tmp/seen/"; done
exit 0
EOF
mkdir "$tmp/mnt"
in_tmpfs() {
	rm -f "$tmp/status" "$tmp/err"
	$ns sh "$tmp/ns.sh" "$tmp/mnt" "$1" "$2" "$3" "$4" "$tmp" "$DARKMAP" \
	    "$cfg" "$wts" ||
	    echo "cannot set up the tmpfs (exit $?)" >"$tmp/err"
}

# refused DESC STATUS PATTERN: the convert just run failed as it should.
refused() {
	local st
	st=$(cat "$tmp/status" 2>/dev/null || echo none)
	if [ "$st" != "$2" ]; then
		fail "$1: exit $st, expected $2: $(head -c 300 "$tmp/err")"
	elif ! grep -q -E -- "$3" "$tmp/err"; then
		fail "$1: message lacks /$3/: $(head -c 300 "$tmp/err")"
	elif grep -q -E 'Sanitizer|runtime error:' "$tmp/err"; then
		fail "$1: sanitizer report"
	else
		pass "$1"
	fi
}

if [ -n "$ns" ]; then
	echo "# tmpfs in a private mount namespace ($ns)"
	for f in $formats; do
		for had in yes no; do
			d="full file system, $f, previous: $had"
			in_tmpfs 1m rw "$had" "$f"
			refused "$d" 3 "out\.$f.*No space left on device"
			settled "$d: target" "$tmp/seen" "out.$f" "$had"
			d="read-only folder, $f, previous: $had"
			in_tmpfs 1m ro "$had" "$f"
			refused "$d" 3 "out\.$f.*Read-only file system"
			settled "$d: target" "$tmp/seen" "out.$f" "$had"
		done
	done
elif [ "$(id -u)" -ne 0 ]; then
	echo "# no mount namespace: a folder without write permission instead"
	for f in $formats; do
		d="read-only folder (permissions), $f"
		mkdir "$tmp/ro-$f"
		cp "$tmp/previous" "$tmp/ro-$f/out.$f"
		chmod a-w "$tmp/ro-$f"
		"$DARKMAP" convert "$cfg" "$wts" -o "$tmp/ro-$f/out.$f" >"$tmp/out" 2>"$tmp/err"
		echo $? >"$tmp/status"
		chmod u+w "$tmp/ro-$f"
		refused "$d" 3 "out\.$f.*Permission denied"
		settled "$d: target" "$tmp/ro-$f" "out.$f" yes
	done
elif [ "${CI:-}" = true ]; then
	fail "no mount namespace for the tmpfs tests in CI"
else
	echo "# SKIP: no mount namespace for the full and read-only tmpfs tests"
fi

# A file size limit (EFBIG instead of SIGXFSZ): another full disk.
mkdir "$tmp/fsize"
for f in $formats; do
	d="file size limit, $f"
	cp "$tmp/previous" "$tmp/fsize/out.$f"
	sh -c 'trap "" XFSZ; ulimit -f 2048; exec "$@"' sh "$DARKMAP" convert \
	    "$cfg" "$wts" -o "$tmp/fsize/out.$f" >"$tmp/out" 2>"$tmp/err"
	echo $? >"$tmp/status"
	refused "$d" 3 "out\.$f.*(File too large|too large)"
	settled "$d: target" "$tmp/fsize" "out.$f" yes
	rm -f "$tmp/fsize/out.$f"
done

# Outputs that are not regular files are refused and left alone.
mkdir "$tmp/odd"
mkfifo "$tmp/odd/fifo.pt"
mkdir "$tmp/odd/folder.pt"
for o in "$tmp/odd/fifo.pt" "$tmp/odd/folder.pt" /dev/null; do
	"$DARKMAP" convert -f pt "$cfg" "$wts" -o "$o" >"$tmp/out" 2>"$tmp/err"
	echo $? >"$tmp/status"
	refused "output $(basename "$o") refused" 2 "$(basename "$o")"
done
[ -p "$tmp/odd/fifo.pt" ] && [ -d "$tmp/odd/folder.pt" ] && [ -c /dev/null ] &&
    [ "$(ls -A "$tmp/odd" | wc -l)" -eq 2 ] && [ -z "$(ls -A "$tmp/odd/folder.pt")" ] &&
    pass "non-regular outputs untouched" || fail "non-regular outputs changed: $(ls -lA "$tmp/odd")"

# SIGKILL at known points of each format's output: after 0 bytes and 1,
# at $kills points spread evenly over the files, one byte short of the
# end, at the commit (all written and synced, not renamed) and right after
# the rename.  Every other kill has a previous file to keep.
mkdir "$tmp/kill"
per=$(( (kills + 3) / 4 ))
n=0
for f in $formats; do
	size=$(wc -c <"$tmp/ref/out.$f")
	points="0 1"
	j=1
	while [ "$j" -le "$per" ]; do
		points="$points $((size * j / (per + 1)))"
		j=$((j + 1))
	done
	for at in $points $((size - 1)) commit rename; do
		n=$((n + 1))
		had=no
		if [ $((n % 2)) -eq 0 ]; then
			cp "$tmp/previous" "$tmp/kill/out.$f"
			had=yes
		fi
		# (The shell's own "Killed" notice goes to /dev/null too.)
		{
			DM_TEST_KILL_AFTER=$at "$DARKMAP" convert "$cfg" "$wts" \
			    -o "$tmp/kill/out.$f" >/dev/null 2>"$tmp/err"
			st=$?
		} 2>/dev/null
		case $at in
		commit) d="killed at the commit" ;;
		rename) d="killed after the rename" ;;
		*) d="killed after $at of $size bytes" ;;
		esac
		d="$f, $d, previous: $had"
		if [ "$st" -ne 137 ]; then
			fail "$d: exit $st, expected 137 (SIGKILL): $(head -c 300 "$tmp/err")"
			rm -f "$tmp/kill"/*
			continue
		fi
		case $at in
		rename) settled "$d" "$tmp/kill" "out.$f" "$had" new ;;
		*) settled "$d" "$tmp/kill" "out.$f" "$had" temp ;;
		esac
		case $at in
		commit)
			[ "$tempsize" = "$size" ] ||
			    fail "$d: the temporary holds $tempsize bytes, not $size" ;;
		rename) ;;
		*)
			[ -n "$tempsize" ] && [ "$tempsize" -le "$at" ] ||
			    fail "$d: the temporary holds $tempsize bytes, more than $at" ;;
		esac
		rm -f "$tmp/kill/out.$f"
	done
done
echo "# $n converts killed at known points"
[ "$n" -ge 50 ] && pass "$n converts killed, $((n / 4)) per format" ||
    fail "only $n kill points"

# After all that, a convert into the same folder works.
expect 0 "convert after the faults" -- "$DARKMAP" convert "$cfg" "$wts" -o "$tmp/kill/out.pt"
[ "$(sha "$tmp/kill/out.pt")" = "$new_pt" ] && pass "complete output after the faults" ||
    fail "output after the faults differs"

[ "$(cat "$cfg" "$wts" "$data/ab-small.cfg" "$data/ab-small.weights" | sha256sum)" = "$insum" ] &&
    pass "inputs unchanged" || fail "inputs changed"
finish
