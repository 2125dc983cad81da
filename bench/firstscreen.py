#!/usr/bin/python3
"""Time how long a full-screen program takes to draw its first screen.

usage: firstscreen.py [OPTION]... -- COMMAND [ARG]...

Each run starts COMMAND in a new pseudo-terminal (its own session, the
terminal as stdin, stdout and stderr), reads what it writes until the
first complete screen is there, and records the time from the spawn to
the read that completed it.  Then it types the quit key and waits for
the program to exit, which must be with status 0.  Nothing is
subtracted: the figure includes starting the process.  Run a trivial
program the same way (e.g. `--expect ready -- /bin/echo ready`) to see
what the spawn and the terminal cost on their own.

The screen counts as drawn when the output, with terminal escape
sequences and other control characters removed, contains every
--expect text.  The words of an --expect text must appear in order,
separated by any amount of white space or none (curses often moves the
cursor instead of writing blanks).  The defaults are darkmap's layer
table header ("# type") and the end of its key hint line ("q quit"),
which is the bottom row and so the last one drawn.

options:
  --runs N        timed runs (default 11), after --warmup runs (default 1)
  --rows R, --cols C   terminal size (default 40 x 120)
  --term NAME     TERM for the program (default xterm-256color)
  --expect TEXT   what the first screen shows; repeat for several
  --quit KEYS     typed once the screen is there (default q; '' types
                  nothing and waits for the program to end by itself)
  --timeout S     give up on a run after S seconds (default 10)
  --tsv           print "median min max runs" in seconds on one line
  -v              print every run

The environment is passed on, with TERM set and LINES and COLUMNS
removed (curses would take them over the terminal's size).  Exit status
0 when every run drew its screen and exited with 0, 1 otherwise.
Standard library only.
"""

import fcntl
import os
import re
import select
import signal
import struct
import sys
import termios
import time

# CSI (ESC [ ... final), OSC (ESC ] ... BEL or ST), other two- and
# three-byte escapes (charset selection ESC ( B, keypad ESC =, ...), then
# the remaining C0 controls except white space.
STRIP = re.compile(
    rb"\x1b\[[0-?]*[ -/]*[@-~]"
    rb"|\x1b\][^\x07\x1b]*(?:\x07|\x1b\\)"
    rb"|\x1b[ -/]*[0-~]"
    rb"|[\x00-\x08\x0e-\x1f\x7f]")


def usage(msg):
    sys.stderr.write("firstscreen.py: %s (try --help)\n" % msg)
    sys.exit(2)


def parse(argv):
    o = {"runs": 11, "warmup": 1, "rows": 40, "cols": 120,
         "term": "xterm-256color", "expect": [], "quit": "q",
         "timeout": 10.0, "tsv": False, "verbose": False}
    i = 0
    while i < len(argv):
        a = argv[i]
        if a == "--":
            i += 1
            break
        if a in ("-h", "--help"):
            sys.stdout.write(__doc__)
            sys.exit(0)
        if a == "--tsv":
            o["tsv"] = True
        elif a == "-v":
            o["verbose"] = True
        elif a in ("--runs", "--warmup", "--rows", "--cols", "--term",
                   "--expect", "--quit", "--timeout"):
            if i + 1 >= len(argv):
                usage("%s wants a value" % a)
            v = argv[i + 1]
            k = a[2:]
            try:
                if k in ("runs", "warmup", "rows", "cols"):
                    o[k] = int(v)
                    if o[k] < (1 if k != "warmup" else 0):
                        raise ValueError
                elif k == "timeout":
                    o[k] = float(v)
                elif k == "expect":
                    o[k].append(v)
                else:
                    o[k] = v
            except ValueError:
                usage("bad value '%s' for %s" % (v, a))
            i += 1
        elif a.startswith("-"):
            usage("unknown option '%s'" % a)
        else:
            break
        i += 1
    if i >= len(argv):
        usage("no command")
    if not o["expect"]:
        o["expect"] = ["# type", "q quit"]
    o["cmd"] = argv[i:]
    return o


def pattern(text):
    words = text.split()
    if not words:
        usage("empty --expect")
    return re.compile(rb"\s*".join(re.escape(w.encode()) for w in words))


def spawn(o, env):
    """Start the command on a new terminal; returns (pid, master fd)."""
    master, slave = os.openpty()
    fcntl.ioctl(slave, termios.TIOCSWINSZ,
                struct.pack("HHHH", o["rows"], o["cols"], 0, 0))
    name = os.ttyname(slave)
    # The child becomes a session leader, then opens the terminal, which
    # makes it its controlling terminal (openpty's descriptors are not
    # inherited).
    actions = [(os.POSIX_SPAWN_OPEN, 0, name, os.O_RDWR, 0),
               (os.POSIX_SPAWN_DUP2, 0, 1),
               (os.POSIX_SPAWN_DUP2, 0, 2)]
    try:
        pid = os.posix_spawnp(o["cmd"][0], o["cmd"], env,
                              file_actions=actions, setsid=True)
    finally:
        os.close(slave)
    return pid, master


def one_run(o, env, pats):
    """Returns (seconds to the first screen, seconds to exit after the
    quit key) or raises RuntimeError."""
    buf = b""
    t_screen = None
    t0 = time.perf_counter()
    pid, master = spawn(o, env)
    status = None
    try:
        deadline = t0 + o["timeout"]
        # Read until the screen is complete.
        while t_screen is None:
            left = deadline - time.perf_counter()
            if left <= 0:
                raise RuntimeError("no complete screen within %g s"
                                   % o["timeout"])
            r, _, _ = select.select([master], [], [], left)
            if not r:
                continue
            try:
                data = os.read(master, 1 << 16)
            except OSError:		# EIO: the terminal's other end closed
                data = b""
            t = time.perf_counter()
            if not data:
                raise RuntimeError("the program ended before its first "
                                   "screen was complete")
            buf += data
            text = STRIP.sub(b"", buf)
            if all(p.search(text) for p in pats):
                t_screen = t - t0
        # Quit, and read everything else until the program has gone.
        t1 = time.perf_counter()
        if o["quit"]:
            os.write(master, o["quit"].encode())
        deadline = t1 + o["timeout"]
        while True:
            left = deadline - time.perf_counter()
            if left <= 0:
                raise RuntimeError("did not exit within %g s of '%s'"
                                   % (o["timeout"], o["quit"]))
            r, _, _ = select.select([master], [], [], left)
            if not r:
                continue
            try:
                data = os.read(master, 1 << 16)
            except OSError:
                data = b""
            if not data:
                break
        _, st = os.waitpid(pid, 0)
        status = os.waitstatus_to_exitcode(st)
        t_quit = time.perf_counter() - t1
    finally:
        os.close(master)
        if status is None:
            try:
                os.kill(pid, signal.SIGKILL)
                os.waitpid(pid, 0)
            except OSError:
                pass
    if status != 0:
        raise RuntimeError("exit status %d" % status)
    return t_screen, t_quit


def median(v):
    s = sorted(v)
    n = len(s)
    return s[n // 2] if n % 2 else (s[n // 2 - 1] + s[n // 2]) / 2


def main(argv):
    o = parse(argv)
    pats = [pattern(e) for e in o["expect"]]
    env = dict(os.environ)
    env["TERM"] = o["term"]
    env.pop("LINES", None)
    env.pop("COLUMNS", None)
    times, quits = [], []
    for i in range(o["warmup"] + o["runs"]):
        try:
            ts, tq = one_run(o, env, pats)
        except (RuntimeError, OSError) as e:
            sys.stderr.write("firstscreen.py: run %d: %s\n" % (i + 1, e))
            return 1
        if i < o["warmup"]:
            continue
        times.append(ts)
        quits.append(tq)
        if o["verbose"]:
            sys.stderr.write("run %2d: first screen %.2f ms, exit %.2f ms "
                             "after the quit key\n"
                             % (len(times), ts * 1e3, tq * 1e3))
    if o["tsv"]:
        print("%.6f\t%.6f\t%.6f\t%d" % (median(times), min(times),
                                         max(times), len(times)))
    else:
        print("first screen: median %.2f ms [%.2f-%.2f] over %d runs "
              "(%dx%d, TERM=%s); exit after the quit key: median %.2f ms"
              % (median(times) * 1e3, min(times) * 1e3, max(times) * 1e3,
                 len(times), o["cols"], o["rows"], o["term"],
                 median(quits) * 1e3))
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
