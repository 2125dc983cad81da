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
from dmcheck import FIXTURES, fixture  # noqa: E402


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


def main():
    darkmap = sys.argv[1]
    n = bad = nsave = 0
    for dialect, cfg, stem in pairs():
        n += 1
        label = os.path.relpath(stem, os.path.join(FIXTURES, "golden"))
        if not os.path.exists(cfg):
            print("FAIL %s: cfg missing" % label)
            bad += 1
            continue
        r = subprocess.run([darkmap, "inspect", "--dialect", dialect,
                            "--format", "tsv", cfg], capture_output=True)
        want = open(stem + ".layout.tsv", "rb").read()
        if r.returncode != 0 or r.stdout != want:
            bad += 1
            print("FAIL %s (%s): layout %s %s"
                  % (label, dialect, first_diff(r.stdout, want),
                     r.stderr.decode(errors="replace").strip()))
            continue
        if os.path.exists(stem + ".savelayout.tsv"):
            nsave += 1
            want = open(stem + ".savelayout.tsv", "rb").read()
        r = subprocess.run([darkmap, "inspect", "--dialect", dialect,
                            "--layout", "save", "--format", "tsv", cfg],
                           capture_output=True)
        if r.returncode != 0 or r.stdout != want:
            bad += 1
            print("FAIL %s (%s): save layout %s %s"
                  % (label, dialect, first_diff(r.stdout, want),
                     r.stderr.decode(errors="replace").strip()))
            continue
        r = subprocess.run([darkmap, "inspect", "--dialect", dialect,
                            "--format", "json", cfg], capture_output=True)
        if r.returncode != 0:
            bad += 1
            print("FAIL %s: json exit %d" % (label, r.returncode))
            continue
        layers = json.loads(r.stdout)["layers"]
        rows = [l.split("\t") for l in
                open(stem + ".shapes.tsv").read().splitlines()[1:]]
        if len(rows) != len(layers):
            bad += 1
            print("FAIL %s: %d layers, golden has %d"
                  % (label, len(layers), len(rows)))
            continue
        for row, lay in zip(rows, layers):
            want = [int(x) for x in row[6:10]]
            got = [lay["out_w"], lay["out_h"], lay["out_c"], lay["outputs"]]
            if want != got:
                bad += 1
                print("FAIL %s: layer %s %s: shape %s, golden %s"
                      % (label, row[0], row[1], got, want))
                break
    print("%d passed, %d failed (%d with a save layout of their own)"
          % (n - bad, bad, nsave))
    return 1 if bad or n == 0 or nsave == 0 else 0


if __name__ == "__main__":
    sys.exit(main())
