#!/usr/bin/env python3
"""Breaks Darknet-written weights files in the ways users meet, and
requires that darkmap's diagnosis names the right layer and cause, that
`darkmap fix` (or, where the change cannot be told from the data, a
hand-written profile) makes `convert` give tensors bit-identical to the
clean file's export, and that a file cut inside a tensor gets no repair.

usage: diagnose_check.py DARKMAP TMPDIR (the fixtures: see dmcheck.py)
"""
import os
import struct
import sys

import numpy as np

# dmcheck.py lies beside this script.  Python puts the script's folder
# first in sys.path whatever the working folder, but not under -P, -I or
# PYTHONSAFEPATH, hence the explicit entry; writing no bytecode keeps
# __pycache__ out of the source tree.
sys.dont_write_bytecode = True
sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import dmcheck  # noqa: E402
from dmcheck import fixture, ledger, ok, run, write  # noqa: E402

TMP = dmcheck.args(sys.argv)


def export(cfg, weights, out, *extra):
    r = run("convert", "--force", *extra, cfg, weights, "-o", out)
    if r.returncode != 0:
        return None
    return dict(np.load(out))


def same(a, b, only=None):
    if a is None or b is None:
        return False
    keys = only if only is not None else list(a)
    if only is None and list(a) != list(b):
        return False
    return all(k in a and k in b and a[k].shape == b[k].shape
               and a[k].tobytes() == b[k].tobytes() for k in keys)


def diag(cfg, weights, *extra):
    d = ledger(cfg, weights, *extra)
    return d, d.get("diagnosis", {})


def fix_and_check(name, cfg, broken, clean_export, expect_kind,
                  expect_layer=None, subset=None):
    d, g = diag(cfg, broken)
    reps = g.get("repairs", [])
    top = reps[0] if reps else {}
    ok(g.get("fit") and top.get("kind") == expect_kind,
       "%s: best repair %s, expected %s (%s)" % (name, top, expect_kind,
                                                 g.get("summary")))
    if expect_layer is not None:
        ok(top.get("layer") == expect_layer, "%s: repair names layer %s, "
           "expected %s" % (name, top.get("layer"), expect_layer))
    prof = os.path.join(TMP, name + ".profile")
    r = run("fix", cfg, broken, "-o", prof)
    ok(r.returncode == 0 and os.path.exists(prof),
       "%s: fix exit %d %s" % (name, r.returncode, r.stdout.decode()[-300:]))
    got = export(cfg, broken, os.path.join(TMP, name + ".npz"),
                 "--profile", prof)
    ok(same(got, clean_export, subset), "%s: export with the fix differs "
       "from the clean export" % name)
    # The profile round-trips byte for byte through --save-profile.
    again = os.path.join(TMP, name + ".again")
    r = run("inspect", "--no-stats", "--profile", prof, "--save-profile",
            again, cfg, broken)
    ok(os.path.exists(again) and open(again, "rb").read() ==
       open(prof, "rb").read(), "%s: profile does not round-trip" % name)
    return g


def main():
    ab = fixture("cfg/reduced/AlexeyAB/yolov3-tiny-half.cfg")
    abw = fixture("weights/AlexeyAB/yolov3-tiny-half.weights")
    data = open(abw, "rb").read()
    led = ledger(ab, abw)
    offs = dmcheck.layer_spans(led)
    clean = export(ab, abw, os.path.join(TMP, "clean.npz"))
    ok(clean is not None and len(clean) > 0, "clean export")

    # 1. A header that says 0.2 but has a 4-byte seen.
    b = write(os.path.join(TMP, "h16.weights"), data[:16] + data[20:])
    g = fix_and_check("h16", ab, b, clean, "header")
    prof = open(os.path.join(TMP, "h16.profile")).read()
    ok("header=16" in prof, "h16: profile sets header=16")

    # 2. Four junk bytes before a middle layer.
    for junk, tag in ((b"\0\0\0\0", "zeros"), (b"\x13\x37\xbe\xef", "junk")):
        g8 = offs[8][0]
        b = write(os.path.join(TMP, "gap.weights"),
                  data[:g8] + junk + data[g8:])
        g = fix_and_check("gap-" + tag, ab, b, clean, "extra-bytes", 8)
        d, _ = diag(ab, b)
        ok(d["diagnosis"]["first_bad_layer"] >= 8 or
           d["diagnosis"]["first_suspect_layer"] >= 8,
           "gap-%s: data before layer 8 judged implausible" % tag)

    # 3. One layer's arrays missing: the export lacks exactly that layer.
    s, e = offs[6]
    b = write(os.path.join(TMP, "missing.weights"), data[:s] + data[e:])
    fix_and_check("missing", ab, b, clean, "missing-layer", 6,
                  subset=[k for k in clean if not k.startswith("layers.6.")])
    got = dict(np.load(os.path.join(TMP, "missing.npz")))
    ok(not any(k.startswith("layers.6.") for k in got) and
       len(got) == len([k for k in clean if not k.startswith("layers.6.")]),
       "missing: export lacks exactly layer 6")

    # 4. Weights of the same net trained with classes=3 (the cfg says 80).
    cfg3, b, _ = dmcheck.three_classes(ab, abw, TMP)
    ok(ledger(cfg3, b)["verdict"]["kind"] == "exact", "classes: crafted file")
    clean3 = export(cfg3, b, os.path.join(TMP, "clean3.npz"))
    g = fix_and_check("classes", ab, b, clean3, "classes")
    ok(g.get("repairs") and g["repairs"][0]["value"] == 3,
       "classes: diagnosis says classes=3 (%s)" % g.get("repairs", [{}])[:1])

    # 5. Junk appended.
    b = write(os.path.join(TMP, "tail.weights"), data + b"\x01" * 100)
    fix_and_check("tail", ab, b, clean, "trailing-junk")

    # 6. Cut cleanly after layer 9: the export is layers 0-9.
    cut = offs[10][0]
    b = write(os.path.join(TMP, "cut.weights"), data[:cut])
    fix_and_check("cut", ab, b, clean, "cut-after-layer", 9,
                  subset=[k for k in clean
                          if int(k.split(".")[1]) <= 9])

    # A file cut inside a tensor: diagnosed, and no repair fits.
    s, e = offs[10]
    b = write(os.path.join(TMP, "mid.weights"), data[:s + 4 * 37 + 8])
    d, g = diag(ab, b)
    v = d["verdict"]
    ok(v["kind"] == "truncated" and v["layer"] == 10 and v["array"],
       "mid: verdict %s" % v)
    r = run("fix", ab, b, "-o", os.path.join(TMP, "mid.profile"))
    ok(r.returncode == 1 and b"no repair fits" in r.stdout and
       not os.path.exists(os.path.join(TMP, "mid.profile")),
       "mid: fix must find no repair (exit %d)" % r.returncode)

    # 7, 8: a connected layer stored transposed without the header flag,
    # and one with its BN arrays before the weights: hand-written profiles.
    pj = fixture("cfg/synthetic/pjreddie/syn_pj_layers.cfg")
    pjw = fixture("weights/pjreddie/syn_pj_layers.weights")
    pdata = open(pjw, "rb").read()
    pled = ledger(pj, pjw, "-d", "pj")
    pclean = export(pj, pjw, os.path.join(TMP, "pclean.npz"), "-d", "pj")
    arrs = {a["name"]: a for a in pled["layers"][12]["arrays"]}
    wa = arrs["weights"]
    n, c = wa["shape"]
    w = np.frombuffer(pdata, "<f4", wa["count"], wa["offset"]).reshape(n, c)
    b = bytearray(pdata)
    b[wa["offset"]:wa["offset"] + 4 * wa["count"]] = w.T.astype("<f4").tobytes()
    b = write(os.path.join(TMP, "trans.weights"), bytes(b))
    prof = write(os.path.join(TMP, "trans.profile"), b"[profile]\nversion=1\n"
                 b"\n[array]\nlayer=12\nname=weights\ntranspose=1\n")
    got = export(pj, b, os.path.join(TMP, "trans.npz"), "-d", "pj",
                 "--profile", prof)
    ok(same(got, pclean), "transposed connected: profile export differs")
    ok(not same(export(pj, b, os.path.join(TMP, "trans0.npz"), "-d", "pj"),
                pclean), "transposed connected: the control should differ")

    order = ["biases", "scales", "rolling_mean", "rolling_variance",
             "weights"]
    start = arrs["biases"]["offset"]
    blob = b"".join(pdata[arrs[k]["offset"]:arrs[k]["offset"] +
                          4 * arrs[k]["count"]] for k in order)
    b = bytearray(pdata)
    b[start:start + len(blob)] = blob
    b = write(os.path.join(TMP, "order.weights"), bytes(b))
    prof = write(os.path.join(TMP, "order.profile"), b"[profile]\nversion=1\n"
                 b"\n[layer]\nlayer=12\norder=biases,scales,rolling_mean,"
                 b"rolling_variance,weights\n")
    got = export(pj, b, os.path.join(TMP, "order.npz"), "-d", "pj",
                 "--profile", prof)
    ok(same(got, pclean), "BN before weights: profile export differs")

    return dmcheck.finish()


if __name__ == "__main__":
    sys.exit(main())
