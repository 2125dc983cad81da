#!/usr/bin/env python3
"""Converts Darknet-written weights with darkmap and checks the outputs with
the real consumers: torch.load (plain and weights_only=True), numpy.load,
and a safetensors reader written here.  Every tensor must be bit-identical
to the bytes at the ledger's offsets; the clean .weights must read back to
the same tensors.  Then, for every key list of the PyTorch ports, the
--names export must have exactly those keys, shapes and dtypes, in order.

usage: convert_check.py DARKMAP TMPDIR (the fixtures: see dmcheck.py)
"""
import json
import os
import struct
import sys

import numpy as np
import torch

# dmcheck.py lies beside this script.  Python puts the script's folder
# first in sys.path whatever the working folder, but not under -P, -I or
# PYTHONSAFEPATH, hence the explicit entry; writing no bytecode keeps
# __pycache__ out of the source tree.
sys.dont_write_bytecode = True
sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import dmcheck  # noqa: E402
from dmcheck import fixture, ledger, ok, run  # noqa: E402

TMP = dmcheck.args(sys.argv)


def expected(led, weights):
    """key-less list of (array name, layer, numpy array) in file order."""
    data = open(weights, "rb").read()
    out = []
    for lay in led["layers"]:
        for a in lay["arrays"]:
            raw = np.frombuffer(data, "<f4", a["count"], a["offset"])
            shape = a["shape"]
            if a["stored"] == "transposed":
                rows = shape[0]
                raw = raw.reshape(-1, rows).T.copy()
            out.append((lay["index"], a["name"], raw.reshape(shape)))
    return out


def read_safetensors(path):
    b = open(path, "rb").read()
    n = struct.unpack("<Q", b[:8])[0]
    hdr = json.loads(b[8:8 + n])
    base = 8 + n
    res = {}
    for k, v in hdr.items():
        if k == "__metadata__":
            continue
        dt = {"F32": "<f4", "F16": "<f2", "I64": "<i8"}[v["dtype"]]
        s, e = v["data_offsets"]
        res[k] = np.frombuffer(b[base + s:base + e], dt).reshape(v["shape"])
    # The data is one run: each tensor where the one before it ends, the
    # last at the end of the file.
    spans = sorted(tuple(v["data_offsets"]) for k, v in hdr.items()
                   if k != "__metadata__")
    at = 0
    for s, e in spans:
        if s != at or e < s:
            raise ValueError("safetensors data not contiguous at %d" % s)
        at = e
    if base + at != len(b):
        raise ValueError("safetensors data ends at %d of %d"
                         % (base + at, len(b)))
    return res


def check_net(dialect, cfg, weights, name, layout):
    led = ledger(cfg, weights, "-d", dialect, "-l", layout)
    exp = expected(led, weights)
    floats = [e for e in exp]
    outs = {}
    for fmt in ("pt", "safetensors", "npz", "weights"):
        out = os.path.join(TMP, "%s.%s" % (name, fmt))
        r = run("convert", "-d", dialect, "-l", layout, cfg, weights,
                "-o", out)
        ok(r.returncode == 0, "%s %s: exit %d %s" % (name, fmt, r.returncode,
                                                      r.stderr.decode()))
        outs[fmt] = out
    sd = torch.load(outs["pt"], weights_only=True)
    sd2 = torch.load(outs["pt"])
    st = read_safetensors(outs["safetensors"])
    nz = np.load(outs["npz"])
    # The darkmap scheme holds the arrays in file order, with an int64
    # num_batches_tracked after each BN's running_var.
    keys = [k for k in sd if not k.endswith("num_batches_tracked")]
    ok(len(keys) == len(floats), "%s: %d float tensors, ledger has %d"
       % (name, len(keys), len(floats)))
    for k, (layer, arr, want) in zip(keys, floats):
        ok(k.startswith("layers.%d." % layer), "%s: key %s for layer %d %s"
           % (name, k, layer, arr))
        got = sd[k].numpy()
        ok(got.dtype == np.float32 and got.shape == want.shape
           and got.tobytes() == want.tobytes(), "%s pt %s" % (name, k))
        ok(sd2[k].numpy().tobytes() == want.tobytes(), "%s pt(plain) %s"
           % (name, k))
        ok(st[k].shape == want.shape and st[k].tobytes() == want.tobytes(),
           "%s safetensors %s" % (name, k))
        ok(nz[k].shape == want.shape and nz[k].tobytes() == want.tobytes(),
           "%s npz %s" % (name, k))
    for k in sd:
        if k.endswith("num_batches_tracked"):
            ok(sd[k].dtype == torch.int64 and sd[k].dim() == 0
               and int(sd[k]) == 0, "%s %s" % (name, k))
    ok(list(sd) == list(nz.files), "%s: npz key order" % name)
    # The clean .weights reads back to the same tensors.
    led2 = ledger(cfg, outs["weights"], "-d", dialect, "-l", layout)
    ok(led2["verdict"]["kind"] == "exact", "%s: clean weights verdict %s"
       % (name, led2["verdict"]))
    exp2 = expected(led2, outs["weights"])
    ok(len(exp2) == len(exp) and all(a[2].tobytes() == b[2].tobytes()
       for a, b in zip(exp, exp2)), "%s: clean weights tensors" % name)
    # float16 export.
    out = os.path.join(TMP, name + ".f16.pt")
    r = run("convert", "-d", dialect, "-l", layout, "--dtype", "float16",
            cfg, weights, "-o", out)
    ok(r.returncode == 0, "%s f16 exit" % name)
    sdh = torch.load(out, weights_only=True)
    ok(all(sdh[k].dtype == torch.float16 and torch.equal(
        sdh[k], sd[k].half()) for k in keys), "%s: f16 values" % name)
    for f in list(outs.values()) + [out]:
        os.unlink(f)


def manifest():
    rows = open(fixture("weights/MANIFEST.tsv")).read()
    for line in rows.splitlines()[1:]:
        c = line.split("\t")
        yield ("ab" if c[0] == "AlexeyAB" else "pj",
               fixture(c[2]), fixture("weights/" + c[3]),
               c[0] + "-" + os.path.basename(c[3]),
               # Files written by save_weights() for a cfg whose load
               # layout differs are read with the save layout.
               "save" if "asymmetric" in c[9] else "load")


def check_keys():
    for scheme, cfgname, cfg, kpath in dmcheck.key_lists():
        wpath = os.path.join(TMP, cfgname + ".weights")
        dmcheck.synthetic_weights(cfg, wpath)
        out = os.path.join(TMP, "%s.%s.pt" % (cfgname, scheme))
        r = run("convert", "--names", scheme, cfg, wpath, "-o", out)
        ok(r.returncode == 0, "%s %s: %s" % (scheme, cfgname,
                                              r.stderr.decode()))
        if r.returncode:
            continue
        sd = torch.load(out, weights_only=True)
        want = [l.split("\t") for l in open(kpath).read().splitlines()[1:]]
        got = [(k, ",".join(str(d) for d in v.shape),
                str(v.dtype).replace("torch.", "")) for k, v in sd.items()]
        ok([tuple(w) for w in want] == got, "%s %s: keys differ; first "
           "difference %s" % (scheme, cfgname, next(
               ((tuple(w), g) for w, g in zip(want, got)
                if tuple(w) != g), (len(want), len(got)))))
        os.unlink(out)
        os.unlink(wpath)


for dialect, cfg, weights, name, layout in manifest():
    check_net(dialect, cfg, weights, name, layout)
check_keys()
sys.exit(dmcheck.finish())
