#!/usr/bin/env python3
"""Compares darkmap's ledger and shapes with the goldens Darknet produced.

For every cfg of both forks that has a golden layout (real, synthetic and
reduced nets), `darkmap inspect --format tsv` must equal the golden
`.layout.tsv` byte for byte, and the JSON out_w/out_h/out_c/outputs must
equal the golden `.shapes.tsv`.  The layout Darknet's save_weights()
writes, `inspect --layout save`, must equal the golden `.savelayout.tsv`
where there is one (where saving differs from loading), and the load
layout everywhere else.

usage: golden_check.py DARKMAP (the fixtures: see dmcheck.py)
"""
import json
import os
import subprocess
import sys

# dmcheck.py lies beside this script (see convert_check.py).
sys.dont_write_bytecode = True
sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import dmcheck  # noqa: E402
from dmcheck import fixture, ok  # noqa: E402


def pairs():
    golden = fixture("golden")
    for fork, dialect in (("AlexeyAB", "ab"), ("pjreddie", "pj")):
        base = os.path.join(golden, fork)
        for root, _dirs, files in os.walk(base):
            rel = os.path.relpath(root, base)
            if rel.split(os.sep)[0] == "synthetic" and "errors" in rel:
                continue
            for f in sorted(files):
                if not f.endswith(".layout.tsv"):
                    continue
                name = f[: -len(".layout.tsv")]
                parts = rel.split(os.sep)
                if parts[0] in ("synthetic", "reduced"):
                    cfg = "/".join(["cfg", parts[0], fork] + parts[1:]
                                   + [name + ".cfg"])
                elif rel == ".":
                    cfg = "cfg/%s/%s.cfg" % (fork, name)
                else:
                    cfg = "cfg/%s/%s/%s.cfg" % (fork, "/".join(parts), name)
                cfg = fixture(cfg)
                yield dialect, cfg, os.path.join(root, name)


def first_diff(got, want):
    """The first differing row of two TSV outputs, as a message."""
    g = got.decode(errors="replace").splitlines()
    w = want.decode().splitlines()
    i = next((i for i, (a, b) in enumerate(zip(g, w)) if a != b),
             min(len(g), len(w)))
    return "differs at row %d: got %r want %r" % (
        i, g[i] if i < len(g) else None, w[i] if i < len(w) else None)


def run(*argv):
    return subprocess.run([dmcheck.darkmap] + list(argv), capture_output=True)


def shapes_differ(stdout, stem):
    """Why the JSON shapes differ from the golden's, or None."""
    layers = json.loads(stdout)["layers"]
    rows = [line.split("\t") for line in
            open(stem + ".shapes.tsv").read().splitlines()[1:]]
    if len(rows) != len(layers):
        return "%d layers, golden has %d" % (len(layers), len(rows))
    for row, lay in zip(rows, layers):
        want = [int(x) for x in row[6:10]]
        got = [lay["out_w"], lay["out_h"], lay["out_c"], lay["outputs"]]
        if want != got:
            return "layer %s %s: shape %s, golden %s" % (row[0], row[1],
                                                        got, want)
    return None


def main():
    dmcheck.args(sys.argv)
    n = nsave = 0
    for dialect, cfg, stem in pairs():
        n += 1
        label = "%s (%s)" % (os.path.relpath(stem, fixture("golden")),
                             dialect)
        if not ok(os.path.exists(cfg), "%s: the cfg is there" % label):
            continue
        r = run("inspect", "--dialect", dialect, "--format", "tsv", cfg)
        want = open(stem + ".layout.tsv", "rb").read()
        ok(r.returncode == 0 and r.stdout == want, "%s: layout%s" % (
            label, "" if r.returncode == 0 and r.stdout == want else
            " " + first_diff(r.stdout, want) + " " +
            r.stderr.decode(errors="replace").strip()))
        if os.path.exists(stem + ".savelayout.tsv"):
            nsave += 1
            want = open(stem + ".savelayout.tsv", "rb").read()
        r = run("inspect", "--dialect", dialect, "--layout", "save",
                "--format", "tsv", cfg)
        ok(r.returncode == 0 and r.stdout == want, "%s: save layout%s" % (
            label, "" if r.returncode == 0 and r.stdout == want else
            " " + first_diff(r.stdout, want) + " " +
            r.stderr.decode(errors="replace").strip()))
        r = run("inspect", "--dialect", dialect, "--format", "json", cfg)
        why = ("json exit %d" % r.returncode if r.returncode else
               shapes_differ(r.stdout, stem))
        ok(why is None, "%s: shapes%s" % (label, ": " + why if why else ""))
    ok(n > 0, "%d goldens found" % n)
    ok(nsave > 0, "%d with a save layout of their own" % nsave)
    return dmcheck.finish()


if __name__ == "__main__":
    sys.exit(main())
