#!/usr/bin/env python3
"""A third-party reader of darkmap's clean .weights: OpenCV's Darknet
importer (cv2.dnn.readNetFromDarknet).

For every row of the fixtures' weights/MANIFEST.tsv that has forward
outputs, the weights are rewritten with `darkmap convert -o X.weights`,
OpenCV loads the cfg with that clean file, runs the fixture input through
it and its output is compared with Darknet's own (<name>.forward.bin).

Input: x[i] = ((37*i + 11) % 256) / 256, CHW, batch 1, as a 1xCxHxW blob
whose C, H, W come from the cfg's [net] section, read as Darknet reads it
(all whitespace removed, the first of duplicate keys wins, atoi).  Every
net with a reference here has width, height and channels; a net given
only by `inputs=` would have to be listed in UNSUPPORTED (OpenCV's
importer then assumes a 416x416x3 image), else the script fails.

Which output.  Darknet's network output is the last layer that is not
[cost]; for a YOLO net that is the last [yolo] layer.
  * Nets without [yolo]: OpenCV's importer makes [cost] (and [dropout]) an
    Identity layer, so the net's single unconnected output is the last
    non-cost layer.  Compared element by element with forward.bin.
  * YOLO nets: the importer turns [yolo] section i (0-based, sections
    after [net]) into two OpenCV layers, "permute_<i>" (NCHW -> NHWC of the
    previous layer's output) and a Region layer "yolo_<i>"; every yolo_<i>
    is an unconnected output.  We use i = the index of the last [yolo]
    section.  The Region layer does not output what Darknet's [yolo]
    outputs, so two exact, documented transforms are compared:
      (a) raw: R[a,e,y,x] = permute_<i>[0, y, x, a*E + e] (E = 5 + classes)
          is the tensor Darknet's [yolo] layer receives; Darknet's [yolo]
          forward (spec section 9.8) is applied to it in float64: logistic
          on e = 0, 1 and e >= 4, then (AB only) x, y <- x*s - (s-1)/2 with
          s = scale_x_y; w, h stay raw.  Compared with forward.bin, all
          values.
      (b) region: Darknet's output D = forward.bin viewed as [a][e][y][x]
          is mapped to OpenCV's Region layout, one row per
          (y*W + x)*A + a:  (x + D0)/W, (y + D1)/H,
          exp(D2)*anchor_w/net_w, exp(D3)*anchor_h/net_h, D4, then per
          class c: p = D4*D(5+c) if p > thresh else 0 (thresh = the
          section's `thresh`, the importer's default 0.2; OpenCV's NMS is
          off unless the cfg sets nms_threshold).  Compared with OpenCV's
          yolo_<i> output.  p is a step function at thresh: entries whose
          reference p lies within the tolerance of thresh may be either 0
          or p (they are counted and printed).
    [yolo] with new_coords=1 is not mapped (not present in the fixtures).

Tolerance: max |opencv - darknet| <= RTOL * max|darknet| over the compared
tensor, RTOL = 1e-4.  Why this number:
  * The two programs evaluate the same float32 arithmetic in different
    orders (im2col/GEMM blocking, BN folded into the conv by OpenCV).
    Where the formulas (nearly) agree that costs ~1e-6 of the output
    scale (the pjreddie nets, delta <= 5e-7 below, measure 1.1e-6 and
    1.4e-6).
  * One formula does not agree exactly: OpenCV's importer builds its
    BatchNorm with (x - mean)/sqrt(var + 1e-6), Darknet AB uses
    sqrt(var + 1e-5) and pjreddie sqrt(var) + 1e-6.  For each net the
    relative change of every BN channel's scale, delta, is computed from
    the rolling variances OpenCV loaded and printed; a net is only expected
    to match when max delta <= RTOL/10 (the fixtures' variances are >= 0.5,
    so delta <= 9e-6 for AB and 5e-7 for pjreddie).  The AB nets measure
    ~1e-5 of their scale.  RTOL thus leaves a margin of about 7x over the
    worst measured net, while a layout error moves outputs by far more:
    the negative control stores the kernels of the first k>1 convolution
    transposed (ky <-> kx), which OpenCV still loads, and requires the
    result to be off by more than 10 * RTOL (measured: 4.5e-2 and 3.2e-2
    of the scale for the YOLO nets, 2.1e-3 for tiny, whose softmax over
    1000 near-uniform classes damps every change).
Nets OpenCV cannot load, or whose semantics differ, are listed in
UNSUPPORTED with the reason and are reported, never skipped silently;
the script fails if one of them unexpectedly matches (update the list),
and if any other net fails.

Control: the original Darknet-written file goes through the same steps;
OpenCV's outputs must be bit-identical to those from the clean file (for
an unsupported net: the same refusal).

usage: opencv_check.py DARKMAP TMPDIR (the fixtures: see dmcheck.py)
"""
import json
import math
import os
import re
import subprocess
import sys

import numpy as np
import cv2

# dmcheck.py lies beside this script (see convert_check.py).
sys.dont_write_bytecode = True
sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import dmcheck  # noqa: E402
from dmcheck import fixture, ok  # noqa: E402

DARKMAP, TMP = sys.argv[1:3]
RTOL = 1e-4
CV_BN_EPS = 1e-6           # eps of the BatchNorm made by OpenCV's importer

# (fork, weights file in MANIFEST) -> why OpenCV's output cannot be
# compared with Darknet's.  `expect` is the start of OpenCV's refusal, as
# seen with OpenCV 4.6 (a note, not a failure, if a version words it
# differently).
UNSUPPORTED = {
    ("AlexeyAB", "AlexeyAB/syn_conv_variants.weights"): (
        "[convolutional] flipped=1 (OpenCV: transposed convolutional "
        "weights not implemented); without it the [conv] section alias is "
        "an unknown layer type", r"Transpose the convolutional weights"),
    ("AlexeyAB", "AlexeyAB/syn_shortcut_route_pool.weights"): (
        "[local_avgpool] is an unknown layer type to OpenCV",
        r"Unknown layer type: local_avgpool"),
    ("AlexeyAB", "AlexeyAB/syn_heads.weights"): (
        "[Gaussian_yolo] is an unknown layer type to OpenCV",
        r"Unknown layer type: Gaussian_yolo"),
    ("AlexeyAB", "AlexeyAB/syn_recurrent.weights"): (
        "recurrent layers ([rnn] first) are unknown layer types to OpenCV",
        r"Unknown layer type: rnn"),
    ("AlexeyAB", "AlexeyAB/syn_syntax.weights"): (
        "OpenCV's cfg reader asserts on an option line without '=', which "
        "Darknet ignores; without that line it rejects "
        "'activation=linear#x' (Darknet: unknown name, falls back to relu)",
        r"separator_index < line.size"),
    ("pjreddie", "pjreddie/syn_syntax.weights"): (
        "OpenCV's cfg reader asserts on an option line without '=', which "
        "Darknet ignores; without that line it rejects "
        "'activation=linear#x' (Darknet: unknown name, falls back to relu)",
        r"separator_index < line.size"),
    ("pjreddie", "pjreddie/syn_pj_layers.weights"): (
        "[shortcut] beta=0.5 (OpenCV: non-zero beta not implemented); "
        "without it [local] is an unknown layer type", r"Non-zero beta"),
    ("pjreddie", "pjreddie/syn_pj_recurrent.weights"): (
        "recurrent layers ([crnn] first) are unknown layer types to OpenCV",
        r"Unknown layer type: crnn"),
    ("AlexeyAB", "AlexeyAB/tiny.randinit.weights"): (
        "no reference of its own (tiny.forward.bin is Darknet's output for "
        "tiny.weights); and its rolling variances are 0, where OpenCV's BN "
        "divides by sqrt(0 + 1e-6) and Darknet AB by sqrt(0 + 1e-5): "
        "semantics differ by sqrt(10) per BN layer", None),
}


def note(what):
    print("  note:", what)


def read_cfg(path):
    """[(section name, {key: value})] the way Darknet reads it (spec 1)."""
    secs = []
    for line in open(path, "rb").read().decode("latin-1").split("\n"):
        line = re.sub(r"[ \t\r\n]", "", line)
        if not line or line[0] in "#;":
            continue
        if line[0] == "[":
            secs.append((line, {}))
        elif secs and "=" in line:
            k, v = line.split("=", 1)
            if v and k not in secs[-1][1]:
                secs[-1][1][k] = v
    return secs


def atoi(s, default=0):
    m = re.match(r"[+-]?\d+", s or "")
    return int(m.group(0)) if m else default


def atof(s, default=0.0):
    m = re.match(r"[+-]?(\d+\.?\d*|\.\d+)([eE][+-]?\d+)?", s or "")
    return float(m.group(0)) if m else default


def fixture_input(c, h, w):
    i = np.arange(c * h * w, dtype=np.int64)
    return (((37 * i + 11) % 256).astype(np.float32) / np.float32(256.0)) \
        .reshape(1, c, h, w)


def sigmoid(v):
    return 1.0 / (1.0 + np.exp(-v))


def bn_delta(net, fork):
    """Largest relative difference between OpenCV's and Darknet's BN
    scale factor over all channels, and its sum over the BN layers."""
    worst = total = 0.0
    for name in net.getLayerNames():
        if net.getLayer(name).type != "BatchNorm":
            continue
        var = net.getParam(net.getLayerId(name), 1).astype(np.float64).ravel()
        with np.errstate(all="ignore"):
            cv = 1.0 / np.sqrt(var + CV_BN_EPS)
            dk = (1.0 / np.sqrt(var + 1e-5) if fork == "AlexeyAB"
                  else 1.0 / (np.sqrt(var) + 1e-6))
            d = float(np.max(np.abs(cv / dk - 1.0))) if var.size else 0.0
        if not math.isfinite(d):
            d = math.inf
        worst = max(worst, d)
        total += d
    return worst, total


class Refused(Exception):
    pass


def opencv_run(fork, cfg, weights, want, shape):
    """OpenCV's outputs `want` (None: the default output) for the fixture
    input, as float32 arrays, and the net."""
    try:
        net = cv2.dnn.readNetFromDarknet(cfg, weights)
    except cv2.error as e:
        lines = [l for l in str(e).strip().splitlines() if l.strip()]
        raise Refused(lines[-1] if lines else "cv2.error")
    net.setPreferableBackend(cv2.dnn.DNN_BACKEND_OPENCV)
    net.setPreferableTarget(cv2.dnn.DNN_TARGET_CPU)
    names = list(net.getLayerNames())
    outnames = list(net.getUnconnectedOutLayersNames())
    if want is None:
        if len(outnames) != 1:
            raise Refused("expected one output layer, OpenCV has %s" %
                          outnames)
        want = outnames
    for w in want:
        if w not in names:
            raise Refused("OpenCV has no layer %s (layers: ... %s)" %
                          (w, names[-6:]))
    delta = bn_delta(net, fork)
    net.setInput(fixture_input(*shape))
    outs = net.forward(want)
    return [np.array(o, dtype=np.float32) for o in outs], outnames, delta


def compare(got, ref, what, thresh=None):
    """max |got - ref| <= RTOL * max|ref|; entries flagged in `thresh`
    (a boolean mask) may also be exactly 0.  Returns (ok, err/scale)."""
    got = got.astype(np.float64).ravel()
    ref = ref.astype(np.float64).ravel()
    if got.size != ref.size:
        ok(False, "%s: %d values, reference has %d" %
           (what, got.size, ref.size))
        return False, math.inf
    scale = float(np.max(np.abs(ref))) if ref.size else 0.0
    tol = RTOL * scale
    err = np.abs(got - ref)
    nstep = 0
    if thresh is not None:
        either = thresh.ravel() & (got == 0)
        nstep = int(np.count_nonzero(thresh))
        err = np.where(either, 0.0, err)
    if not np.all(np.isfinite(got)):
        err = np.where(np.isfinite(got), err, math.inf)
    m = float(np.max(err)) if err.size else 0.0
    rel = m / scale if scale else (0.0 if m == 0 else math.inf)
    extra = ", %d values at the threshold step" % nstep if nstep else ""
    if m > tol:
        i = int(np.argmax(err))
        extra += "; worst at flat index %d: %.9g vs %.9g" % (i, got[i], ref[i])
    good = ok(m <= tol, "%s: max abs err %.3g = %.3g of max|ref| %.4g "
              "(tol %.3g)%s" % (what, m, rel, scale, tol, extra))
    return good, rel


def yolo_setup(secs, fork):
    """The last [yolo] section: its OpenCV layer names and parameters."""
    layers = secs[1:]
    idx = max(i for i, (n, _) in enumerate(layers) if n == "[yolo]")
    kv = layers[idx][1]
    classes = atoi(kv.get("classes"), 20)
    num = atoi(kv.get("num"), 1)
    anchors = [atof(a) for a in kv.get("anchors", "").split(",") if a]
    mask = ([atoi(m) for m in kv["mask"].split(",") if m]
            if "mask" in kv else list(range(num)))
    sxy = atof(kv.get("scale_x_y"), 1.0) if fork == "AlexeyAB" else 1.0
    return dict(index=idx, classes=classes, mask=mask, anchors=anchors,
                sxy=sxy, new_coords=atoi(kv.get("new_coords"), 0)
                if fork == "AlexeyAB" else 0,
                thresh=atof(kv.get("thresh"), 0.2),
                nms=atof(kv.get("nms_threshold"), 0.0))


def darknet_yolo(raw, y):
    """Darknet's [yolo] forward (spec 9.8) on R[a][e][y][x], float64."""
    d = raw.astype(np.float64).copy()
    act = [0, 1] + list(range(4, d.shape[1]))
    d[:, act] = sigmoid(d[:, act])
    s = y["sxy"]
    d[:, 0:2] = d[:, 0:2] * s - 0.5 * (s - 1.0)
    return d


def region_layout(dn, y, net_w, net_h):
    """Darknet's [yolo] output D[a][e][y][x] in the layout of OpenCV's
    Region layer; and the mask of class entries at the threshold step."""
    A, E, H, W = dn.shape
    d = dn.astype(np.float64).transpose(2, 3, 0, 1)        # y x a e
    gy, gx = np.meshgrid(np.arange(H), np.arange(W), indexing="ij")
    aw = np.array([y["anchors"][2 * m] for m in y["mask"]])
    ah = np.array([y["anchors"][2 * m + 1] for m in y["mask"]])
    out = np.empty_like(d)
    out[..., 0] = (gx[:, :, None] + d[..., 0]) / W
    out[..., 1] = (gy[:, :, None] + d[..., 1]) / H
    out[..., 2] = np.exp(d[..., 2]) * aw / net_w
    out[..., 3] = np.exp(d[..., 3]) * ah / net_h
    out[..., 4] = d[..., 4]
    p = d[..., 4:5] * d[..., 5:]
    out[..., 5:] = np.where(p > y["thresh"], p, 0.0)
    out = out.reshape(H * W * A, E)
    scale = float(np.max(np.abs(out)))
    step = np.zeros(out.shape, dtype=bool)
    step[:, 5:] = (np.abs(p - y["thresh"]) <= RTOL * scale).reshape(
        H * W * A, E - 5)
    return out, step


def manifest():
    rows = open(fixture("weights/MANIFEST.tsv")).read() \
        .splitlines()
    head = rows[0].split("\t")
    for line in rows[1:]:
        r = dict(zip(head, line.split("\t")))
        m = re.match(r"outputs=(\d+)$", r.get("forward_outputs", ""))
        if m:
            yield r, int(m.group(1))


def transposed_copy(dialect, cfg, src, dst):
    """The same file with the kernels of its first convolution with k > 1
    stored transposed (ky <-> kx): a layout error OpenCV still loads.
    darkmap's ledger only locates the array.  False if there is none."""
    p = subprocess.run([DARKMAP, "inspect", "-d", dialect, "-f", "json",
                        cfg, src], capture_output=True)
    b = bytearray(open(src, "rb").read())
    for lay in json.loads(p.stdout)["layers"]:
        for a in lay["arrays"]:
            sh = a["shape"]
            if a["name"] == "weights" and len(sh) == 4 and sh[2] == sh[3] > 1:
                n = a["count"] * 4
                w = np.frombuffer(bytes(b[a["offset"]:a["offset"] + n]), "<f4")
                w = w.reshape(sh).transpose(0, 1, 3, 2)
                b[a["offset"]:a["offset"] + n] = np.ascontiguousarray(w) \
                    .tobytes()
                open(dst, "wb").write(bytes(b))
                return "layer %d %s" % (lay["index"], sh)
    return False


def check_row(r, nout):
    fork, name, file = r["fork"], r["name"], r["file"]
    label = "%s %s (%s)" % (fork, name, os.path.basename(file))
    cfg = fixture(r["cfg"])
    orig = fixture("weights/" + file)
    clean = os.path.join(TMP, "opencv-clean.weights")
    dialect = {"AlexeyAB": "ab", "pjreddie": "pj"}[fork]
    p = subprocess.run([DARKMAP, "convert", "-d", dialect, cfg, orig,
                        "-o", clean], capture_output=True)
    if not ok(p.returncode == 0 and os.path.isfile(clean),
              "%s: darkmap convert to .weights (exit %d)%s" %
              (label, p.returncode, (": " + p.stderr.decode()[:300].strip())
               if p.returncode else "")):
        return
    same = open(clean, "rb").read() == open(orig, "rb").read()
    note("clean file %s the Darknet-written one" %
         ("is byte-identical to" if same else "differs from"))

    secs = read_cfg(cfg)
    net_kv = secs[0][1] if secs and secs[0][0] in ("[net]", "[network]") \
        else {}
    c, h, w = (atoi(net_kv.get(k)) for k in ("channels", "height", "width"))
    image = c > 0 and h > 0 and w > 0
    unsup = UNSUPPORTED.get((fork, file))
    names = [n for n, _ in secs[1:]]
    is_yolo = "[yolo]" in names
    y = yolo_setup(secs, fork) if is_yolo else None
    if unsup is None:
        if not image:
            ok(False, "%s: [net] has no width/height/channels; OpenCV's "
               "importer needs them: list it in UNSUPPORTED" % label)
            return
        if y and (y["new_coords"] or y["nms"] > 0):
            ok(False, "%s: last [yolo] has new_coords or nms_threshold, not "
               "mapped here: list it in UNSUPPORTED" % label)
            return
        if os.path.basename(file) != name + ".weights":
            ok(False, "%s: %s.forward.bin is the output of %s.weights, not "
               "of this file: list it in UNSUPPORTED" % (label, name, name))
            return
    ref_path = fixture("weights/%s/%s.forward.bin" % (fork, name))
    ref = np.fromfile(ref_path, dtype="<f4")
    if unsup is None and not ok(ref.size == nout, "%s: forward.bin holds %d "
                                "floats, MANIFEST says %d" %
                                (label, ref.size, nout)):
        return

    want = (["permute_%d" % y["index"], "yolo_%d" % y["index"]]
            if y else None)
    shape = (c, h, w) if image else (max(1, atoi(net_kv.get("inputs"))), 1, 1)

    results = {}
    for tag, path in (("clean", clean), ("original", orig)):
        try:
            results[tag] = opencv_run(fork, cfg, path, want, shape)
        except Refused as e:
            results[tag] = e
        except cv2.error as e:
            results[tag] = Refused(str(e).strip().splitlines()[-1])

    rc, ro = results["clean"], results["original"]
    # Control: the original Darknet file gives the very same result.
    if isinstance(rc, Refused) or isinstance(ro, Refused):
        same = (isinstance(rc, Refused) and isinstance(ro, Refused)
                and str(rc) == str(ro))
        ok(same, "%s: control: OpenCV refuses the clean and the original "
           "file alike%s" % (label, "" if same else " (clean: %s; original: "
                              "%s)" % (rc if isinstance(rc, Refused) else
                                       "loads", ro if isinstance(ro, Refused)
                                       else "loads")))
    else:
        ident = len(rc[0]) == len(ro[0]) and all(
            a.shape == b.shape and a.tobytes() == b.tobytes()
            for a, b in zip(rc[0], ro[0]))
        ok(ident, "%s: control: OpenCV's outputs from the clean and the "
           "original file are bit-identical" % label)

    if unsup is not None:
        reason, expect = unsup
        print("not supported by OpenCV - %s: %s" % (label, reason))
        if isinstance(rc, Refused):
            note("OpenCV: %s" % rc)
            if expect and not re.search(expect, str(rc)):
                note("this OpenCV refuses it differently than expected "
                     "(/%s/)" % expect)
            return
        # It loads: it must not match, else the list is out of date.
        note("OpenCV loads it; comparing to confirm it differs")
        outs, _, delta = rc
        if y is None and ref.size == outs[0].size:
            err = np.max(np.abs(outs[0].ravel().astype(np.float64) - ref))
            scale = np.max(np.abs(ref))
            matches = bool(np.isfinite(err) and err <= RTOL * scale)
            note("max abs err %.3g, max|ref| %.3g, BN delta %.3g" %
                 (err, scale, delta[0]))
            ok(not matches, "%s: unsupported, and OpenCV's output indeed "
               "differs from %s.forward.bin%s" % (label, name, "" if not
                                                  matches else
                                                  ": it matches, update "
                                                  "UNSUPPORTED"))
        else:
            note("%s: listed as unsupported, output not comparable" %
                 label)
        return

    if isinstance(rc, Refused):
        ok(False, "%s: OpenCV cannot run the clean file: %s" % (label, rc))
        return
    outs, outnames, (dmax, dsum) = rc
    ok(dmax <= RTOL / 10, "%s: BN epsilon mismatch with OpenCV: max delta "
       "%.3g (sum over BN layers %.3g) <= RTOL/10" % (label, dmax, dsum))
    worst = 0.0
    if y is None:
        good, rel = compare(outs[0], ref, "%s: OpenCV output %s vs "
                            "forward.bin" % (label, outnames[0]))
        worst = rel
    else:
        ylayer = "yolo_%d" % y["index"]
        ok(ylayer == outnames[-1] and len(outnames) == names.count("[yolo]"),
           "%s: OpenCV's output layers %s, the last is the last [yolo] "
           "(section %d)" % (label, outnames, y["index"]))
        perm, region = outs
        A, E = len(y["mask"]), 5 + y["classes"]
        if not ok(perm.ndim == 4 and perm.shape[3] == A * E and
                  ref.size == A * E * perm.shape[1] * perm.shape[2],
                  "%s: %s shape %s fits %d anchors x %d entries and "
                  "forward.bin" % (label, want[0], perm.shape, A, E)):
            return
        H, W = perm.shape[1], perm.shape[2]
        raw = perm[0].reshape(H, W, A, E).transpose(2, 3, 0, 1)
        dref = ref.reshape(A, E, H, W)
        _, rel_a = compare(darknet_yolo(raw, y), dref, "%s: Darknet's [yolo] "
                           "applied to %s vs forward.bin" % (label, want[0]))
        rl, step = region_layout(dref, y, w, h)
        _, rel_b = compare(region, rl, "%s: OpenCV's %s vs forward.bin in "
                           "Region layout" % (label, ylayer), thresh=step)
        worst = max(rel_a, rel_b)
    # Negative control: a layout error must be far outside the tolerance.
    bad = os.path.join(TMP, "opencv-transposed.weights")
    where = transposed_copy(dialect, cfg, clean, bad)
    if not where:
        note("no k>1 convolution: no negative control")
        os.unlink(clean)
        return worst
    try:
        bouts = opencv_run(fork, cfg, bad, want, shape)[0]
        if y is None:
            b = bouts[0].astype(np.float64).ravel()
            dref = ref.astype(np.float64)
        else:
            H, W = bouts[0].shape[1], bouts[0].shape[2]
            b = darknet_yolo(bouts[0][0].reshape(H, W, A, E)
                             .transpose(2, 3, 0, 1), y).ravel()
            dref = ref.astype(np.float64)
        e = np.abs(b - dref)
        e = float(np.max(np.where(np.isfinite(e), e, math.inf)))
        rel = e / float(np.max(np.abs(dref)))
        ok(rel > 10 * RTOL, "%s: negative control: with the kernels of %s "
           "transposed OpenCV is off by %.3g of max|ref| (> %g)" %
           (label, where, rel, 10 * RTOL))
    except (Refused, cv2.error) as e:
        ok(False, "%s: negative control: OpenCV refuses the file with "
           "transposed kernels (%s)" % (label, e))
    os.unlink(bad)
    os.unlink(clean)
    return worst


print("OpenCV %s, numpy %s" % (cv2.__version__, np.__version__))
summary = []
for row, n in manifest():
    rel = check_row(row, n)
    if rel is not None:
        summary.append("%s %s: %.3g" % (row["fork"], row["name"], rel))
if summary:
    print("worst error per matching net (fraction of max|ref|, tolerance "
          "%g): %s" % (RTOL, "; ".join(summary)))
sys.exit(dmcheck.finish())
