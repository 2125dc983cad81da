"""What the check scripts that drive darkmap share (convert_check.py,
diagnose_check.py): their command line DARKMAP FIXTURES TMPDIR, running
darkmap, reading its ledger, and counting the checks that pass and fail.

A script imports this from its own folder and calls args() first.
"""
import json
import subprocess

darkmap = None
npass = nfail = 0


def args(argv):
    """Takes DARKMAP FIXTURES TMPDIR from argv: run() starts that darkmap,
    and FIXTURES and TMPDIR are returned."""
    global darkmap
    darkmap, fix, tmp = argv[1:4]
    return fix, tmp


def ok(cond, what):
    """Counts one check; prints what failed."""
    global npass, nfail
    if cond:
        npass += 1
    else:
        nfail += 1
        print("FAIL", what)


def run(*argv):
    return subprocess.run([darkmap] + [str(a) for a in argv],
                          capture_output=True)


def ledger(cfg, weights, *extra):
    """`darkmap inspect -f json` of cfg and weights, extra options first."""
    r = run("inspect", *extra, "-f", "json", cfg, weights)
    return json.loads(r.stdout)


def finish():
    """Prints the counts; the exit status: 1 if any failed or none ran."""
    print("%d passed, %d failed" % (npass, nfail))
    return 1 if nfail or not npass else 0
