#!/usr/bin/env python3
"""Speed of `darkmap model` and of the models it writes.

usage: bench/model.py [--darkmap D] [--catalogue DIR] [--runs N] [--size S]

1. Emitting: `darkmap model` on every cfg of the catalogue (both forks,
   each with its dialect), the whole process timed, best of --runs; the
   median and the slowest cfg are printed.
2. The forward of yolov4.cfg (AlexeyAB) at SxS (default 416), batch 1, on
   torch's CPU threads: the model with random plausible parameters, median
   of --runs after one warm-up; and its floor: the same convolutions and
   batch norms (F.conv2d + F.batch_norm, with the inputs the model gave
   them) run back to back with nothing else, median of --runs.  The ratio
   is model / floor.

It measures; it asserts nothing.
"""
import argparse
import importlib.util
import os
import statistics
import subprocess
import sys
import tempfile
import time

import torch
import torch.nn.functional as F

top = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
ap = argparse.ArgumentParser()
ap.add_argument("--darkmap", default=os.environ.get(
    "DARKMAP", os.path.join(top, "build", "darkmap")))
ap.add_argument("--catalogue", default=os.environ.get(
    "DM_CATALOGUE", os.path.join(top, "cfg")))
ap.add_argument("--runs", type=int, default=5)
ap.add_argument("--size", type=int, default=416)
a = ap.parse_args()
tmp = tempfile.mkdtemp(prefix="darkmap-bench-model.")

# 1. Emitting.
times = []
for fork, d in (("AlexeyAB", "ab"), ("pjreddie", "pj")):
    for root, _, files in os.walk(os.path.join(a.catalogue, fork)):
        for f in sorted(files):
            if not f.endswith(".cfg"):
                continue
            cfg = os.path.join(root, f)
            best = None
            for _ in range(a.runs):
                t0 = time.perf_counter()
                p = subprocess.run([a.darkmap, "model", "-d", d, cfg, "-o",
                                    os.path.join(tmp, "m.py")],
                                   capture_output=True)
                t = time.perf_counter() - t0
                best = t if best is None else min(best, t)
            times.append((best, "%s/%s%s" % (fork, os.path.relpath(
                cfg, os.path.join(a.catalogue, fork)),
                "" if p.returncode == 0 else " (refused)")))
times.sort()
print("emit: %d cfgs, best of %d runs each (whole process): median %.1f ms,"
      " slowest %.1f ms (%s)" % (len(times), a.runs,
                                  times[len(times) // 2][0] * 1e3,
                                  times[-1][0] * 1e3, times[-1][1]))

# 2. yolov4's forward.
cfg = os.path.join(a.catalogue, "AlexeyAB", "yolov4.cfg")
path = os.path.join(tmp, "yolov4.py")
subprocess.run([a.darkmap, "model", cfg, "-o", path], check=True)
spec = importlib.util.spec_from_file_location("yolov4", path)
m = importlib.util.module_from_spec(spec)
spec.loader.exec_module(m)
net = m.DarknetModel().eval()
g = torch.Generator().manual_seed(1)
with torch.no_grad():
    for key, t in net.state_dict().items():
        if key.endswith("running_var"):
            t.copy_(torch.rand(t.shape, generator=g) + 0.5)
        elif key.endswith("bn.weight"):
            t.copy_(torch.rand(t.shape, generator=g) + 0.5)
        elif t.is_floating_point():
            fan = t[0].numel() if t.dim() > 1 else 1
            t.copy_(torch.randn(t.shape, generator=g) / fan ** 0.5)
x = torch.rand((1, 3, a.size, a.size), generator=g)

# The inputs of every convolution, as the model computes them.
convs = []
orig = m.DarknetModel._conv_block


def record(self, s, inp, sub="", act=None, stride=None):
    convs.append((s, inp.clone(), sub, stride))
    return orig(self, s, inp, sub, act, stride)


with torch.no_grad():
    m.DarknetModel._conv_block = record
    net(x)
    m.DarknetModel._conv_block = orig


def floor():
    for s, inp, sub, stride in convs:
        w = net._t(s, sub + "weights")
        p, d = s["pad"], s.get("dil", 1)
        sy, sx = stride if stride is not None else (s["sy"], s["sx"])
        y = F.conv2d(inp, w, None, (sy, sx), (p * d, p * d), (d, d),
                     s.get("groups", 1))
        if s["bn"]:
            y = F.batch_norm(y, net._t(s, sub + "rolling_mean"),
                             net._t(s, sub + "rolling_variance"),
                             net._t(s, sub + "scales"),
                             net._t(s, sub + "biases"), False, 0.0, 1e-5)
        else:
            y = y + net._t(s, sub + "biases").reshape(1, -1, 1, 1)


def timed(fn):
    fn()
    ts = []
    for _ in range(a.runs):
        t0 = time.perf_counter()
        fn()
        ts.append(time.perf_counter() - t0)
    return statistics.median(ts), min(ts), max(ts)


with torch.no_grad():
    # Interleaved, so that a change of the machine's load hits both.
    mt, ft = [], []
    for _ in range(3):
        mt.append(timed(lambda: net(x)))
        ft.append(timed(floor))
mm = statistics.median(t[0] for t in mt)
fm = statistics.median(t[0] for t in ft)
print("yolov4 %dx%d, torch %s, %d threads: forward %.3f s (median of "
      "3 x %d; range %.3f-%.3f s), floor (its %d convolutions + batch norms)"
      " %.3f s (range %.3f-%.3f s), ratio %.3f" %
      (a.size, a.size, torch.__version__, torch.get_num_threads(), mm,
       a.runs, min(t[1] for t in mt), max(t[2] for t in mt), len(convs), fm,
       min(t[1] for t in ft), max(t[2] for t in ft), mm / fm))
print("load average: %.2f %.2f %.2f" % os.getloadavg())
