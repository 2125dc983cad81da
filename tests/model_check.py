#!/usr/bin/env python3
"""The models `darkmap model` writes, run by Debian's torch.

usage: model_check.py DARKMAP TMPDIR (the fixtures: tests/dmcheck.py)

1. Darknet's own output.  For every row of the fixtures' weights/MANIFEST.tsv
   with forward outputs (both forks: the tiny, reduced and synthetic nets),
   the weights are converted with `darkmap convert` (darkmap keys), the
   model is written with `darkmap model`, and the model file, run as the
   checker it is (`python3 MODEL CKPT --compare forward.bin --layers DIR`),
   must exit 0: every layer Darknet dumped and the network output within
   1e-4 of the reference's largest magnitude.  In this process the model
   then loads the same checkpoint with strict=True, torch.jit.trace of it
   must give the very same output, and torch.onnx.export is tried (what it
   says is reported, not judged).  Negative control: the checkpoint with the
   kernels of the first k>1 convolution transposed (ky <-> kx) must make
   the checker exit 1.
2. A class-count repair.  A weights file is made for yolov3-tiny-half.cfg
   with classes=3 in every [yolo] (and the matching filters), the cfg kept
   at 80 classes: `darkmap fix` must find the class count, and the model
   written with that profile must load the checkpoint converted with it
   and compute exactly what the model of the corrected cfg computes on the
   same data.
3. The catalogue.  Every cfg of both forks' cfg folders, with its fork's
   dialect: `darkmap model` either writes a model or refuses with the cfg
   line of the layer (cfgs darkmap's reader rejects as a whole are listed
   apart).  Each model is built and runs a forward on a zero input (at a
   quarter of the cfg's size when no layer's parameters depend on the
   input size); models whose checkpoint is small (<= 64 MiB) load the
   convert of a zero-filled weights file with strict=True.  The time
   `darkmap model` takes per cfg is measured and printed.
"""
import importlib.util
import json
import math
import os
import re
import struct
import subprocess
import sys
import time

import torch

# dmcheck.py lies beside this script (see convert_check.py).
sys.dont_write_bytecode = True
sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import dmcheck  # noqa: E402
from dmcheck import fixture, ok  # noqa: E402

TMP = dmcheck.args(sys.argv)
DARKMAP = dmcheck.darkmap
FIX = dmcheck.FIXTURES
RTOL = 1e-4


def run(args):
    return subprocess.run(args, capture_output=True, text=True)


def load_module(path, name):
    spec = importlib.util.spec_from_file_location(name, path)
    mod = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(mod)
    return mod


def dialect_of(fork):
    return {"AlexeyAB": "ab", "pjreddie": "pj"}[fork]


def manifest():
    rows = open(os.path.join(FIX, "weights", "MANIFEST.tsv")).read() \
        .splitlines()
    head = rows[0].split("\t")
    for line in rows[1:]:
        r = dict(zip(head, line.split("\t")))
        if re.match(r"outputs=\d+$", r.get("forward_outputs", "")):
            yield r


def first_kxk_transposed(dialect, cfg, ckpt, dst):
    """The checkpoint with the kernels of its first k>1 convolution
    transposed; the layer, or None."""
    sd = torch.load(ckpt)
    for key, t in sd.items():
        if key.endswith("conv.weight") and t.dim() == 4 and \
                t.shape[2] == t.shape[3] > 1:
            sd[key] = t.transpose(2, 3).contiguous()
            torch.save(sd, dst)
            return key
    return None


# 1. Darknet's output --------------------------------------------------------

summary = []
onnx_notes = []
for r in manifest():
    fork, name, file = r["fork"], r["name"], r["file"]
    if os.path.basename(file) != name + ".weights":
        continue        # forward.bin is the output of another file
    d = dialect_of(fork)
    label = "%s %s" % (fork, name)
    cfg = fixture(r["cfg"])
    wts = os.path.join(FIX, "weights", file)
    ref = os.path.join(FIX, "weights", fork, name + ".forward.bin")
    layers = os.path.join(FIX, "weights", fork, name + ".layers")
    ckpt = os.path.join(TMP, "m.pt")
    model = os.path.join(TMP, "m_%s_%s.py" % (d, re.sub(r"\W", "_", name)))
    p = run([DARKMAP, "convert", "-d", d, cfg, wts, "-o", ckpt])
    if not ok(p.returncode == 0, "%s: convert (%s)" % (label,
                                                        p.stderr.strip())):
        continue
    p = run([DARKMAP, "model", "-d", d, cfg, "-o", model])
    if not ok(p.returncode == 0 and os.path.isfile(model),
              "%s: darkmap model (%s)" % (label, p.stderr.strip())):
        continue
    args = [sys.executable, model, ckpt, "--compare", ref]
    if os.path.isdir(layers):
        args += ["--layers", layers]
    p = run(args)
    out = p.stdout
    rels = [float(m) for m in re.findall(r"rel (\S+)", out)]
    nlay = len(re.findall(r"^layer .* ok$", out, re.M))
    worst = max(rels) if rels else math.inf
    ok(p.returncode == 0 and rels and worst <= RTOL,
       "%s: the model's checker matches Darknet (%d layers and the output, "
       "worst error %.3g of the largest magnitude)%s" %
       (label, nlay, worst, "" if p.returncode == 0 else
        ": exit %d\n%s%s" % (p.returncode, out[-2000:], p.stderr[-2000:])))
    summary.append("%s %.3g" % (label, worst))

    m = load_module(model, "m_%d" % len(summary))
    net = m.DarknetModel()
    sd = torch.load(ckpt)
    try:
        net.load_state_dict(sd, strict=True)
        loaded = True
    except RuntimeError as e:
        loaded = False
        print(e)
    ok(loaded, "%s: load_state_dict(strict=True) of the convert" % label)
    mine = {k: tuple(v.shape) for k, v in net.state_dict().items()}
    theirs = {k: tuple(v.shape) for k, v in sd.items()}
    ok(mine == theirs, "%s: state_dict keys and shapes equal convert's "
       "(%d tensors)" % (label, len(theirs)))
    net.eval()
    x = m.fixture_input(m.input_shape())
    with torch.no_grad():
        y = net(x)
        try:
            import warnings
            with warnings.catch_warnings():
                warnings.simplefilter("ignore")
                tr = torch.jit.trace(net, x, check_trace=False)
            yt = tr(x)
            same = yt.shape == y.shape and torch.equal(yt, y)
            ok(same, "%s: torch.jit.trace gives the same output" % label)
        except Exception as e:
            ok(False, "%s: torch.jit.trace: %s" % (label, e))
        try:
            import warnings
            with warnings.catch_warnings():
                warnings.simplefilter("ignore")
                torch.onnx.export(net, x, os.path.join(TMP, "m.onnx"),
                                  opset_version=13)
            onnx_notes.append("%s yes" % label)
        except Exception as e:
            onnx_notes.append("%s no (%s)" % (label,
                                             str(e).splitlines()[0][:80]))
    # Negative control.
    bad = os.path.join(TMP, "bad.pt")
    where = first_kxk_transposed(d, cfg, ckpt, bad)
    if where:
        p = run(args[:2] + [bad] + args[3:])
        ok(p.returncode == 1, "%s: negative control: with %s transposed "
           "the checker fails (exit %d)" % (label, where, p.returncode))
        os.unlink(bad)
    os.unlink(ckpt)

eligible = [r for r in manifest()
            if os.path.basename(r["file"]) == r["name"] + ".weights"]
ok(eligible and len(summary) == len(eligible),
      "every fixture net with Darknet's output was compared (%d of %d)" %
      (len(summary), len(eligible)))
print("worst error per net (fraction of the largest magnitude): " +
      "; ".join(summary))
print("torch.onnx.export works: " + "; ".join(onnx_notes))


# The fixture nets without Darknet's output: the model is refused with a
# cfg line, or loads the convert strictly and runs the fixture input.
for r in open(os.path.join(FIX, "weights", "MANIFEST.tsv")).read() \
        .splitlines()[1:]:
    f = r.split("\t")
    fork, name, cfgrel, file = f[:4]
    if re.match(r"outputs=\d+$", f[8] if len(f) > 8 else ""):
        continue
    d = dialect_of(fork)
    label = "%s %s (no Darknet output)" % (fork, name)
    cfg = fixture(cfgrel)
    ckpt = os.path.join(TMP, "n.pt")
    model = os.path.join(TMP, "n.py")
    p = run([DARKMAP, "model", "-d", d, cfg, "-o", model])
    if p.returncode != 0:
        ok(re.search(r":\d+: layer \d+ \[\w+\]: .*no model is written",
                     p.stderr) and not os.path.exists(model),
           "%s: refused with its line: %s" % (label, p.stderr.strip()))
        continue
    p = run([DARKMAP, "convert", "-d", d, cfg,
             os.path.join(FIX, "weights", file), "-o", ckpt])
    if p.returncode != 0:
        print("%s: convert refuses the file, not loaded: %s" %
              (label, p.stderr.strip()))
        continue
    try:
        m = load_module(model, "n_%s_%s" % (d, re.sub(r"\W", "_", name)))
        net = m.DarknetModel().eval()
        net.load_state_dict(torch.load(ckpt), strict=True)
        with torch.no_grad():
            y = net(m.fixture_input(m.input_shape()))
        ok(bool(torch.isfinite(y).all()), "%s: loads the convert strictly "
           "and runs: %s" % (label, tuple(y.shape)))
    except Exception as e:
        ok(False, "%s: %s: %s" % (label, type(e).__name__, e))
    os.unlink(ckpt)


# 2. A class-count repair ----------------------------------------------------

def with_classes(src, dst, classes):
    """src with every [yolo] set to `classes` and the filters= of the
    convolution before each to match."""
    secs, cur = [], None
    for line in open(src).read().split("\n"):
        if line.strip().startswith("["):
            cur = [line]
            secs.append(cur)
        elif cur is not None:
            cur.append(line)
        else:
            secs.append([line])
    for i, s in enumerate(secs):
        if s[0].strip() != "[yolo]":
            continue
        mask = [l for l in s if l.replace(" ", "").startswith("mask=")]
        n = len(mask[0].split("=")[1].split(",")) if mask else 1
        secs[i] = [l for l in s if not l.replace(" ", "")
                   .startswith("classes=")] + ["classes=%d" % classes]
        prev = secs[i - 1]
        secs[i - 1] = [l for l in prev if not l.replace(" ", "")
                       .startswith("filters=")] + \
            ["filters=%d" % (n * (classes + 5))]
    open(dst, "w").write("\n".join("\n".join(s) for s in secs) + "\n")


def plausible_weights(cfg, dst):
    """A .weights file for cfg with plausible values (Darknet's header)."""
    p = run([DARKMAP, "inspect", "-f", "json", cfg])
    j = json.loads(p.stdout)
    g = torch.Generator().manual_seed(1)
    with open(dst, "wb") as fp:
        fp.write(struct.pack("<iiiQ", 0, 2, 5, 0))
        for lay in j["layers"]:
            for a in lay["arrays"]:
                n = a["count"]
                if a["name"].endswith("rolling_variance"):
                    v = torch.rand(n, generator=g) + 0.5
                elif a["name"].endswith("scales"):
                    v = torch.rand(n, generator=g) + 0.5
                else:
                    v = torch.randn(n, generator=g) * 0.1
                fp.write(v.numpy().astype("<f4").tobytes())


cfg80 = os.path.join(FIX, "cfg", "reduced", "AlexeyAB", "yolov3-tiny-half.cfg")
cfg3 = os.path.join(TMP, "classes3.cfg")
w3 = os.path.join(TMP, "classes3.weights")
prof = os.path.join(TMP, "classes3.profile")
with_classes(cfg80, cfg3, 3)
plausible_weights(cfg3, w3)
p = run([DARKMAP, "fix", cfg80, w3, "-o", prof])
if ok(p.returncode == 0 and "classes=3" in p.stdout,
      "class count: fix finds classes=3 (%s)" % p.stdout.strip()[-200:]):
    for args, what in (([DARKMAP, "convert", "--profile", prof, cfg80, w3,
                         "-o", os.path.join(TMP, "c_fixed.pt")],
                        "convert with the profile"),
                       ([DARKMAP, "model", "--profile", prof, cfg80, "-o",
                         os.path.join(TMP, "c_fixed.py")],
                        "model with the profile"),
                       ([DARKMAP, "convert", cfg3, w3, "-o",
                         os.path.join(TMP, "c_three.pt")],
                        "convert of the corrected cfg"),
                       ([DARKMAP, "model", cfg3, "-o",
                         os.path.join(TMP, "c_three.py")],
                        "model of the corrected cfg")):
        p = run(args)
        ok(p.returncode == 0, "class count: %s (%s)" % (what,
                                                         p.stderr.strip()))
    try:
        mf = load_module(os.path.join(TMP, "c_fixed.py"), "c_fixed")
        m3 = load_module(os.path.join(TMP, "c_three.py"), "c_three")
        nf, n3 = mf.DarknetModel(), m3.DarknetModel()
        nf.load_state_dict(torch.load(os.path.join(TMP, "c_fixed.pt")),
                           strict=True)
        n3.load_state_dict(torch.load(os.path.join(TMP, "c_three.pt")),
                           strict=True)
        ok(True, "class count: the profile's model loads the profile's "
           "checkpoint (strict)")
        x = mf.fixture_input(mf.input_shape())
        with torch.no_grad():
            yf, y3 = nf(x, all_layers=True), n3(x, all_layers=True)
        heads = [i for i, s in enumerate(mf.LAYERS) if s["t"] == "yolo"]
        ok(all(yf[i].shape[1] == 3 * 8 for i in heads),
           "class count: the heads output 3 anchors x (3 + 5) channels: %s"
           % [tuple(yf[i].shape) for i in heads])
        ok(all(torch.equal(a, b) for a, b in zip(yf, y3)),
           "class count: every layer equals the corrected cfg's model")
    except Exception as e:
        ok(False, "class count: %s: %s" % (type(e).__name__, e))


# 3. The catalogue -------------------------------------------------------------

SIZE_DEPENDENT = {"connected", "local", "detection", "rnn", "gru", "lstm",
                  "crop", "region"}
times = []
refusals = []
rejected = []
nmodels = 0
for fork, sub in (("AlexeyAB", ""), ("AlexeyAB", "yolov1"), ("pjreddie", "")):
    folder = os.path.join(dmcheck.CATALOGUE, fork, sub)
    d = dialect_of(fork)
    for f in sorted(os.listdir(folder)):
        if not f.endswith(".cfg"):
            continue
        cfg = os.path.join(folder, f)
        label = "%s %s" % (fork, os.path.join(sub, f))
        out = os.path.join(TMP, "cat.py")
        t0 = time.perf_counter()
        p = run([DARKMAP, "model", "-d", d, cfg, "-o", out])
        times.append((time.perf_counter() - t0, label))
        if p.returncode != 0:
            msg = p.stderr.strip()
            m = re.match(r"darkmap: (.*?):(\d+): layer (\d+) (\[\w+\]): ", msg)
            if m and "no model is written" in msg:
                refusals.append("%s line %s layer %s %s" %
                                (label, m.group(2), m.group(3), m.group(4)))
                ok(os.path.basename(m.group(1)) == f and
                   not os.path.exists(out), "%s: refused with its line: %s"
                   % (label, msg))
            else:
                # The cfg reader itself rejects it (and so does Darknet).
                rejected.append("%s: %s" % (label, msg))
                ok(p.returncode == 3 and not os.path.exists(out),
                   "%s: rejected by the cfg reader: %s" % (label, msg))
            continue
        nmodels += 1
        try:
            m = load_module(out, "cat_%d" % nmodels)
            net = m.DarknetModel().eval()
            shape = m.input_shape()
            types = {s["t"] for s in m.LAYERS}
            if len(shape) == 3 and not (types & SIZE_DEPENDENT) and \
                    shape[1] >= 128 and shape[2] >= 128:
                shape = (shape[0], shape[1] // 4 // 32 * 32,
                         shape[2] // 4 // 32 * 32)
            with torch.no_grad():
                y = net(torch.zeros((1,) + tuple(shape)))
            good = torch.isfinite(y).all().item()
            strict = ""
            j = json.loads(run([DARKMAP, "inspect", "-d", d, "-f", "json",
                                cfg]).stdout)
            if j["expected_size"] <= 64 << 20:
                w = os.path.join(TMP, "zero.weights")
                with open(w, "wb") as fp:
                    fp.write(struct.pack("<iiiQ", 0, 2, 5, 0))
                    fp.truncate(j["expected_size"])
                ck = os.path.join(TMP, "zero.pt")
                p = run([DARKMAP, "convert", "-d", d, cfg, w, "-o", ck])
                if p.returncode != 0:
                    good = False
                    strict = ", convert failed: " + p.stderr.strip()
                else:
                    net.load_state_dict(torch.load(ck), strict=True)
                    strict = ", loads the convert strict"
                    os.unlink(ck)
                os.unlink(w)
            ok(good, "%s: builds and runs a zero input %s to %s%s" %
               (label, "x".join(map(str, shape)), tuple(y.shape), strict))
        except Exception as e:
            ok(False, "%s: %s: %s" % (label, type(e).__name__, e))
        os.unlink(out)

times.sort()
print("darkmap model per cfg (whole process): median %.1f ms, max %.1f ms "
      "(%s), over %d cfgs" % (times[len(times) // 2][0] * 1000,
                              times[-1][0] * 1000, times[-1][1], len(times)))
print("refused (cfg, line, layer):\n  " + "\n  ".join(refusals))
print("rejected by the cfg reader:\n  " + "\n  ".join(rejected))
sys.exit(dmcheck.finish())
