#!/usr/bin/python3
"""Write the bundled example shapes.cfg and shapes.weights.

usage: mkshapes.py [DIR]      (default: the folder of this script)

The story: a small two-scale YOLO detector was trained on 3 classes of
shapes (circle, square, triangle).  Its cfg was copied from a COCO model
and still says classes=80 with filters=255 before each [yolo], so the
weights file (written for classes=3, filters=24) does not fit the cfg:
the file is shorter than the cfg implies and the layers after the first
head read the wrong bytes.  `darkmap` finds the cause and repairs the
mapping.

Everything is deterministic: the values come from a splitmix64 stream
computed with Python integers, turned into float32 by struct, so the
files are the same bit for bit on every machine.  No third-party
modules.

  header            version 0.2.5, seen 64000 (8 bytes): 20 bytes
  biases            0.05 * N(0, 1)
  scales (BN)       1 + 0.1 * N(0, 1)
  rolling_mean      0.2 * N(0, 1)
  rolling_variance  0.05 + U(0, 1)
  weights           sqrt(2 / fan_in) * N(0, 1)

N(0, 1) is the Irwin-Hall sum of four uniforms, rescaled.
"""

import os
import struct
import sys

TRAINED_CLASSES = 3     # what the weights were trained for
CFG_CLASSES = 80        # what the cfg (copied from COCO) says
SEED = 0x5EED

# (kind, params): the layers after [net], in order.
LAYERS = [
    ("conv", dict(filters=8, size=3, stride=1, bn=1)),      # 0
    ("maxpool", dict(size=2, stride=2)),                    # 1
    ("conv", dict(filters=16, size=3, stride=1, bn=1)),     # 2
    ("maxpool", dict(size=2, stride=2)),                    # 3
    ("conv", dict(filters=32, size=3, stride=1, bn=1)),     # 4
    ("maxpool", dict(size=2, stride=2)),                    # 5
    ("conv", dict(filters=32, size=3, stride=1, bn=1)),     # 6
    ("conv", dict(filters=16, size=1, stride=1, bn=1)),     # 7
    ("conv", dict(filters=32, size=3, stride=1, bn=1)),     # 8
    ("head", dict(size=1)),                                 # 9
    ("yolo", dict(mask="3,4,5")),                           # 10
    ("route", dict(layers="-4")),                           # 11
    ("conv", dict(filters=8, size=1, stride=1, bn=1)),      # 12
    ("upsample", dict(stride=2)),                           # 13
    ("route", dict(layers="-1,4")),                         # 14
    ("conv", dict(filters=16, size=3, stride=1, bn=1)),     # 15
    ("head", dict(size=1)),                                 # 16
    ("yolo", dict(mask="0,1,2")),                           # 17
]
ANCHORS = "4,5, 8,9, 12,14, 18,20, 26,30, 40,44"


def head_filters(classes):
    return 3 * (classes + 5)


def write_cfg(path, classes):
    out = ["# The example of darkmap's README: a small detector trained on",
           "# 3 classes whose cfg still says classes=80 (see mkshapes.py).",
           "[net]", "batch=1", "width=64", "height=64", "channels=3", ""]
    for i, (kind, p) in enumerate(LAYERS):
        out.append("# %d" % i)
        if kind == "conv":
            out += ["[convolutional]", "batch_normalize=1",
                    "filters=%d" % p["filters"], "size=%d" % p["size"],
                    "stride=%d" % p["stride"], "pad=1", "activation=leaky"]
        elif kind == "head":
            out += ["[convolutional]", "filters=%d" % head_filters(classes),
                    "size=1", "stride=1", "pad=1", "activation=linear"]
        elif kind == "maxpool":
            out += ["[maxpool]", "size=%d" % p["size"],
                    "stride=%d" % p["stride"]]
        elif kind == "yolo":
            out += ["[yolo]", "mask=%s" % p["mask"], "anchors=%s" % ANCHORS,
                    "classes=%d" % classes, "num=6", "jitter=.3",
                    "ignore_thresh=.7", "truth_thresh=1", "random=1"]
        elif kind == "route":
            out += ["[route]", "layers=%s" % p["layers"]]
        elif kind == "upsample":
            out += ["[upsample]", "stride=%d" % p["stride"]]
        out.append("")
    with open(path, "w") as f:
        f.write("\n".join(out))


def channels():
    """Input channels of every layer (Darknet's shape rules, enough here)."""
    cin, outs, res = 3, [], []
    for i, (kind, p) in enumerate(LAYERS):
        res.append(cin)
        if kind == "conv":
            c = p["filters"]
        elif kind == "head":
            c = head_filters(TRAINED_CLASSES)
        elif kind == "route":
            c = sum(outs[int(x) + i if int(x) < 0 else int(x)]
                    for x in p["layers"].split(","))
        else:
            c = cin
        outs.append(c)
        cin = c
    return res


class Stream:
    """splitmix64, one 64-bit word per call."""

    def __init__(self, seed):
        self.s = seed

    def next(self):
        self.s = (self.s + 0x9E3779B97F4A7C15) & 0xFFFFFFFFFFFFFFFF
        z = self.s
        z = ((z ^ (z >> 30)) * 0xBF58476D1CE4E5B9) & 0xFFFFFFFFFFFFFFFF
        z = ((z ^ (z >> 27)) * 0x94D049BB133111EB) & 0xFFFFFFFFFFFFFFFF
        return z ^ (z >> 31)

    def uniform(self):
        return (self.next() >> 11) / float(1 << 53)

    def normal(self):
        # Irwin-Hall of four uniforms: mean 2, variance 1/3.
        s = sum((self.next() >> 48) / 65536.0 for _ in range(4))
        return (s - 2.0) * 1.7320508075688772


def write_weights(path):
    rng = Stream(SEED)
    cin = channels()
    data = bytearray(struct.pack("<iiiQ", 0, 2, 5, 64000))

    def put(values):
        for v in values:
            data.extend(struct.pack("<f", v))

    for i, (kind, p) in enumerate(LAYERS):
        if kind not in ("conv", "head"):
            continue
        n = p["filters"] if kind == "conv" else head_filters(TRAINED_CLASSES)
        fan_in = cin[i] * p["size"] * p["size"]
        put(0.05 * rng.normal() for _ in range(n))              # biases
        if kind == "conv":
            put(1 + 0.1 * rng.normal() for _ in range(n))       # scales
            put(0.2 * rng.normal() for _ in range(n))           # mean
            put(0.05 + rng.uniform() for _ in range(n))         # variance
        scale = (2.0 / fan_in) ** 0.5
        put(scale * rng.normal() for _ in range(n * fan_in))    # weights
    with open(path, "wb") as f:
        f.write(data)


def main():
    d = sys.argv[1] if len(sys.argv) > 1 else os.path.dirname(
        os.path.abspath(__file__))
    write_cfg(os.path.join(d, "shapes.cfg"), CFG_CLASSES)
    write_weights(os.path.join(d, "shapes.weights"))


if __name__ == "__main__":
    main()
