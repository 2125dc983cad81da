#!/bin/sh
# Faults while exporting: a full file system, a read-only folder, a file
# size limit, outputs that are not regular files, and SIGKILL at random
# moments.  Afterwards the target is the previous file (byte for byte), or
# absent when there was none, or the complete new output; the only other
# file the output folder may hold is the documented temporary of a killed
# process ("<target>.XXXXXX", see src/atomicfile.h); the inputs never change.
#
# The full file system and the read-only folder are tmpfs mounts in a
# private mount namespace (unshare -m as root, unshare -rm otherwise);
# where neither works, a folder without write permission stands in for the
# read-only one and the file size limit for the full disk.  SIGKILL needs
# nothing special.  DM_FAULT_KILLS sets the number of kills (default 50).
. "$(dirname "$0")/lib.sh"

kills=${DM_FAULT_KILLS:-50}
formats="pt safetensors npz weights"

# A 28 MB network, so that writing takes long enough to be interrupted.
cfg=$tmp/in/big.cfg
wts=$tmp/in/big.weights
mkdir "$tmp/in"
"$PYTHON3" - "$cfg" "$wts" <<'PY' || exit 99
import struct, sys
open(sys.argv[1], "w").write(
    "[net]\nwidth=8\nheight=8\nchannels=512\n\n"
    "[convolutional]\nbatch_normalize=1\nfilters=512\nsize=3\npad=1\n"
    "activation=leaky\n\n"
    "[convolutional]\nfilters=1024\nsize=3\npad=1\nactivation=linear\n")
n = 512 + 3 * 512 + 512 * 512 * 9 + 1024 + 1024 * 512 * 9
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
	    { echo "reference convert to $f failed"; exit 99; }
	eval "new_$f=\$(sha \"\$tmp/ref/out.\$f\")"
done
printf 'previous output\n' >"$tmp/previous"
prev=$(sha "$tmp/previous")

# settled DESC DIR NAME HAD-PREVIOUS [ALLOW-NEW]: after a fault, DIR/NAME
# is the previous file or absent (or, with ALLOW-NEW, the complete
# output) and DIR holds nothing else but documented temporaries, which
# are reported and removed.  Sets $left to their number.
settled() {
	local desc=$1 dir=$2 name=$3 had=$4 allow=${5:-} f ok=1 new
	left=0
	if [ -e "$dir/$name" ]; then
		eval "new=\$new_${name#out.}"
		case $(sha "$dir/$name") in
		"$prev")
			[ "$had" = yes ] || { fail "$desc: a previous file appeared"; ok=0; } ;;
		"$new")
			[ -n "$allow" ] || { fail "$desc: the output was written"; ok=0; } ;;
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
		if [ -n "$allow" ] && printf '%s\n' "$f" |
		    grep -q -E "^$(echo "$name" | sed 's/\./\\./g')\.[A-Za-z0-9]{6}$"; then
			left=$((left + 1))
			echo "# left by the killed process: $f ($(wc -c <"$dir/$f") bytes)"
			rm -f "$dir/$f"
		else
			fail "$desc: stray file $f"
			ok=0
		fi
	done
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

# SIGKILL at random moments.  The delay is drawn between 0 and 1.3 times
# the time a whole convert takes here, so that most kills land while the
# temporary file is being written.
now_ms() { date +%s%N | cut -c 1-13; }
t0=$(now_ms)
"$DARKMAP" convert "$cfg" "$wts" -o "$tmp/ref/timed.pt" >/dev/null 2>&1
span=$(( $(now_ms) - t0 ))
[ "$span" -lt 20 ] && span=20
rm -f "$tmp/ref/timed.pt"
mkdir "$tmp/kill"
n=0 landed=0 temps=0 i=0
while [ "$landed" -lt "$kills" ] && [ "$i" -lt $((kills * 4)) ]; do
	i=$((i + 1))
	set -- $formats
	shift $((i % 4))
	f=$1
	had=no
	if [ $((i % 3)) -ne 0 ]; then
		cp "$tmp/previous" "$tmp/kill/out.$f"
		had=yes
	fi
	r=$(od -An -N2 -tu2 /dev/urandom | tr -d ' ')
	ms=$((r % (span * 13 / 10 + 1)))
	# (The shell's own "Killed" notice goes to /dev/null too.)
	{
		"$DARKMAP" convert "$cfg" "$wts" -o "$tmp/kill/out.$f" >/dev/null 2>&1 &
		pid=$!
		sleep "$((ms / 1000)).$(printf %03d $((ms % 1000)))"
		kill -KILL "$pid"
		wait "$pid"
		st=$?
	} 2>/dev/null
	[ "$st" -eq 137 ] && landed=$((landed + 1))
	settled "kill $i after $ms ms ($f, previous: $had, exit $st)" "$tmp/kill" "out.$f" "$had" new
	[ "$left" -gt 0 ] && temps=$((temps + 1))
	rm -f "$tmp/kill/out.$f"
	n=$((n + 1))
done
echo "# $n converts, $landed killed, $temps of them left a temporary file"
[ "$landed" -ge "$kills" ] && pass "$landed converts killed" ||
    fail "only $landed of $n converts were killed"

# After all that, a convert into the same folder works.
expect 0 "convert after the faults" -- "$DARKMAP" convert "$cfg" "$wts" -o "$tmp/kill/out.pt"
[ "$(sha "$tmp/kill/out.pt")" = "$new_pt" ] && pass "complete output after the faults" ||
    fail "output after the faults differs"

[ "$(cat "$cfg" "$wts" "$data/ab-small.cfg" "$data/ab-small.weights" | sha256sum)" = "$insum" ] &&
    pass "inputs unchanged" || fail "inputs changed"
finish
