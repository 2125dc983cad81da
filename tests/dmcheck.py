"""What the check scripts that drive darkmap share (convert_check.py,
diagnose_check.py, golden_check.py, opencv_check.py): where the fixtures
are, their command line DARKMAP [TMPDIR], running darkmap, reading its
ledger, and counting the checks that pass and fail.

A script imports this from its own folder and calls args() first.  Its
checks print TAP result lines, "ok - WHAT" or "not ok - WHAT", without a
plan: tests/lib.sh's `checks` counts them into the script test's.

The fixtures: FIXTURES is the repository's tests/fixtures and CATALOGUE
its top-level cfg/ (the forks' own cfgs, AlexeyAB/ and pjreddie/), as
tests/lib.sh exports them in DM_FIXTURES and DM_CATALOGUE; those two
override them here too.  fixture("cfg/AlexeyAB/tiny.cfg"),
fixture("weights/pjreddie/tiny.weights"), fixture("golden/...") give the
file names, cfg/AlexeyAB/ and cfg/pjreddie/ in the catalogue.
"""
import json
import os
import subprocess
import sys

_here = os.path.dirname(os.path.abspath(__file__))
FIXTURES = os.environ.get("DM_FIXTURES") or os.path.join(_here, "fixtures")
CATALOGUE = os.environ.get("DM_CATALOGUE") or (
    os.path.join(FIXTURES, "cfg")
    if os.path.isdir(os.path.join(FIXTURES, "cfg", "AlexeyAB"))
    else os.path.join(os.path.dirname(_here), "cfg"))
FORKS = ("AlexeyAB", "pjreddie")

darkmap = None
npass = nfail = 0


def fixture(rel):
    """The file name of a fixture given by its path relative to the
    fixtures ('cfg/reduced/AlexeyAB/x.cfg', 'weights/...'); the forks' own
    cfgs, 'cfg/AlexeyAB/...' and 'cfg/pjreddie/...', are in CATALOGUE."""
    parts = rel.split("/")
    if len(parts) > 2 and parts[0] == "cfg" and parts[1] in FORKS:
        return os.path.join(CATALOGUE, *parts[1:])
    return os.path.join(FIXTURES, *parts)


def args(argv):
    """Takes DARKMAP [TMPDIR] from argv: run() starts that darkmap, and
    TMPDIR (or None) is returned."""
    global darkmap
    darkmap = argv[1]
    return argv[2] if len(argv) > 2 else None


def tap(good, what):
    """Prints one TAP result: a '#' in WHAT is escaped (it could start a
    directive), lines after the first become comments."""
    lines = str(what).replace("#", "\\#").split("\n")
    print("%s - %s" % ("ok" if good else "not ok", lines[0]))
    for line in lines[1:]:
        print("# " + line)
    sys.stdout.flush()


def ok(cond, what):
    """Counts one check and prints it; returns cond."""
    global npass, nfail
    if cond:
        npass += 1
    else:
        nfail += 1
    tap(cond, what)
    return cond


def run(*argv):
    return subprocess.run([darkmap] + [str(a) for a in argv],
                          capture_output=True)


def ledger(cfg, weights, *extra):
    """`darkmap inspect -f json` of cfg and weights, extra options first."""
    r = run("inspect", *extra, "-f", "json", cfg, weights)
    return json.loads(r.stdout)


def layer_spans(led):
    """(first byte, end byte) of each layer with arrays, from a ledger."""
    out = {}
    for lay in led["layers"]:
        if lay["arrays"]:
            a0, a1 = lay["arrays"][0], lay["arrays"][-1]
            out[lay["index"]] = (a0["offset"], a1["offset"] + 4 * a1["count"])
    return out


def write(path, data):
    """Writes data to path; returns path."""
    with open(path, "wb") as fp:
        fp.write(data)
    return path


def three_classes(cfg, weights, tmpdir):
    """The pair a user meets when a YOLO cfg for 80 classes comes with
    weights trained for 3: writes the 3-class cfg (classes=3 in each
    [yolo], filters=24 before it) and a weights file that fits it exactly
    (the original arrays, the heads' resized ones random) into tmpdir;
    returns their paths and the number of heads."""
    import numpy as np
    sects, cur = [], []
    for ln in open(cfg).read().split("\n"):
        if ln.startswith("[") and cur:
            sects.append(cur)
            cur = []
        cur.append(ln)
    sects.append(cur)
    heads = 0
    for i, sct in enumerate(sects):
        if sct and sct[0].strip() == "[yolo]":
            heads += 1
            sects[i] = [("classes=3" if l.startswith("classes=") else l)
                        for l in sct]
            sects[i - 1] = [("filters=24" if l.startswith("filters=")
                             else l) for l in sects[i - 1]]
    cfg3 = os.path.join(tmpdir, "classes3.cfg")
    with open(cfg3, "w") as fp:
        fp.write("\n".join("\n".join(s) for s in sects))
    data = open(weights, "rb").read()
    orig = {(l["index"], a["name"]): a for l in ledger(cfg, weights)["layers"]
            for a in l["arrays"]}
    body = bytearray(data[:20])
    rng = np.random.RandomState(7)
    for lay in ledger(cfg3, weights)["layers"]:
        for a in lay["arrays"]:
            o = orig[(lay["index"], a["name"])]
            if o["count"] == a["count"]:
                body += data[o["offset"]:o["offset"] + 4 * o["count"]]
            else:
                body += (rng.uniform(-0.1, 0.1, a["count"])
                         .astype("<f4").tobytes())
    return cfg3, write(os.path.join(tmpdir, "classes.weights"), bytes(body)), \
        heads


def key_lists():
    """(scheme, cfg name, cfg path, keys list path) of every port's key
    list in the fixtures."""
    kdir = fixture("keys")
    for scheme in sorted(os.listdir(kdir)):
        sdir = os.path.join(kdir, scheme)
        if not os.path.isdir(sdir):
            continue
        for f in sorted(os.listdir(sdir)):
            cfgname = f[:-len(".keys.tsv")]
            yield (scheme, cfgname,
                   fixture("cfg/AlexeyAB/" + cfgname + ".cfg"),
                   os.path.join(sdir, f))


def synthetic_weights(cfg, path):
    """Writes a weights file of the size cfg implies: a 0.2.5 header and
    deterministic non-zero data, written in pieces."""
    import numpy as np
    import struct
    led = json.loads(run("inspect", "-f", "json", cfg).stdout)
    with open(path, "wb") as fp:
        fp.write(struct.pack("<iiiQ", 0, 2, 5, 0))
        body = led["expected_size"] - 20
        chunk = (np.arange(1 << 20, dtype="<f4") % 251 / 251.0).tobytes()
        while body > 0:
            fp.write(chunk[:min(body, len(chunk))])
            body -= min(body, len(chunk))


def finish():
    """Prints the counts; the exit status: 1 if any failed or none ran."""
    print("# %d passed, %d failed" % (npass, nfail))
    return 1 if nfail or not npass else 0
