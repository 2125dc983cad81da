#!/usr/bin/env python3
"""Compares darkmap's ledger and shapes with the goldens Darknet produced.

For every cfg of both forks that has a golden layout (real, synthetic and
reduced nets), `darkmap inspect --format tsv` must equal the golden
`.layout.tsv` byte for byte, and the JSON out_w/out_h/out_c/outputs must
equal the golden `.shapes.tsv`.

usage: golden_check.py DARKMAP FIXTURES
"""
import json
import os
import subprocess
import sys


def pairs(fixtures):
    golden = os.path.join(fixtures, "golden")
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
                    cfg = os.path.join(fixtures, "cfg", parts[0], fork,
                                       *parts[1:], name + ".cfg")
                elif rel == ".":
                    cfg = os.path.join(fixtures, "cfg", fork, name + ".cfg")
                else:
                    cfg = os.path.join(fixtures, "cfg", fork, rel,
                                       name + ".cfg")
                yield dialect, cfg, os.path.join(root, name)


def main():
    darkmap, fixtures = sys.argv[1], sys.argv[2]
    n = bad = 0
    for dialect, cfg, stem in pairs(fixtures):
        n += 1
        label = os.path.relpath(cfg, fixtures)
        if not os.path.exists(cfg):
            print("FAIL %s: cfg missing" % label)
            bad += 1
            continue
        r = subprocess.run([darkmap, "inspect", "--dialect", dialect,
                            "--format", "tsv", cfg], capture_output=True)
        want = open(stem + ".layout.tsv", "rb").read()
        if r.returncode != 0 or r.stdout != want:
            bad += 1
            got = r.stdout.decode(errors="replace").splitlines()
            exp = want.decode().splitlines()
            first = next((i for i, (a, b) in enumerate(zip(got, exp))
                          if a != b), min(len(got), len(exp)))
            print("FAIL %s (%s): layout differs at row %d: got %r want %r %s"
                  % (label, dialect, first,
                     got[first] if first < len(got) else None,
                     exp[first] if first < len(exp) else None,
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
    print("%d passed, %d failed" % (n - bad, bad))
    return 1 if bad or n == 0 else 0


if __name__ == "__main__":
    sys.exit(main())
