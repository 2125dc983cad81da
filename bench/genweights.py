#!/usr/bin/python3
"""Write a deterministic, plausible Darknet .weights file for a cfg.

usage: genweights.py LAYOUT.json OUT.weights [SEED]

LAYOUT.json is the output of `darkmap inspect -f json CFG` (no weights
file): the generator writes a 20-byte 0.2.5 header and then every array
at the offset the layout gives, so that the file is exactly
`expected_size` bytes and `darkmap inspect CFG OUT` says `exact`.

Values are reproducible bit for bit on any machine and numpy version:
they come from a counter-based splitmix64 stream computed with integer
arithmetic, turned into float32 with exact operations only.

  biases            ~ 0.05 * N(0, 1)
  scales (BN gamma) ~ 1 + 0.1 * N(0, 1)            (always > 0.6)
  rolling_mean      ~ 0.2 * N(0, 1)
  rolling_variance  ~ 0.05 + U(0, 1)               (always > 0)
  weights           ~ sqrt(2 / fan_in) * N(0, 1)   (He init)
  anything else     ~ 0.05 * N(0, 1)

N(0, 1) is approximated by the Irwin-Hall sum of four 16-bit uniforms,
rescaled to unit variance (bounded by +-3.47).
"""

import json
import struct
import sys

try:
    import numpy as np
except ImportError:
    sys.exit("genweights.py: needs numpy (Debian: apt-get install python3-numpy)")

BLOCK = 1 << 20          # floats generated at a time: bounds memory use
GOLDEN = np.uint64(0x9E3779B97F4A7C15)
M1 = np.uint64(0xBF58476D1CE4E5B9)
M2 = np.uint64(0x94D049BB133111EB)


def splitmix(counter):
    """splitmix64 of each counter value (uint64 array, wrapping)."""
    z = counter * GOLDEN
    z = (z ^ (z >> np.uint64(30))) * M1
    z = (z ^ (z >> np.uint64(27))) * M2
    return z ^ (z >> np.uint64(31))


def uniforms(base, n):
    """Four 16-bit uniforms in [0, 1) per value, as float64 arrays."""
    with np.errstate(over="ignore"):
        z = splitmix(np.arange(base, base + n, dtype=np.uint64))
    mask = np.uint64(0xFFFF)
    return [((z >> np.uint64(s)) & mask).astype(np.float64) / 65536.0
            for s in (0, 16, 32, 48)]


def normal(base, n):
    u = uniforms(base, n)
    # Sum of four U(0,1): mean 2, variance 1/3.
    return (u[0] + u[1] + u[2] + u[3] - 2.0) * 1.7320508075688772


def values(name, shape, base, n):
    if name == "rolling_variance":
        return 0.05 + uniforms(base, n)[0]
    if name == "scales":
        return 1.0 + 0.1 * normal(base, n)
    if name == "rolling_mean":
        return 0.2 * normal(base, n)
    if name == "weights" and len(shape) >= 2:
        fan_in = 1
        for d in shape[1:]:
            fan_in *= int(d)
        return (2.0 / max(fan_in, 1)) ** 0.5 * normal(base, n)
    return 0.05 * normal(base, n)


def main(argv):
    if len(argv) not in (3, 4):
        sys.exit(__doc__.split("\n\n")[1])
    with open(argv[1], encoding="utf-8") as f:
        layout = json.load(f)
    seed = int(argv[3]) if len(argv) == 4 else 1
    size = int(layout["expected_size"])
    # The counter space of each array starts at its byte offset, shifted
    # by the seed: different arrays never share a stream.
    seed_base = (seed & 0xFFFF) << 40
    with open(argv[2], "wb") as out:
        # major 0, minor 2, revision 5, seen (uint64): a 0.2.5 header.
        out.write(struct.pack("<iiiQ", 0, 2, 5, 32013312))
        pos = 20
        for layer in layout["layers"]:
            for a in layer.get("arrays", []):
                off, count = int(a["offset"]), int(a["count"])
                if off != pos:
                    sys.exit("genweights.py: layer %s array %s at %d, "
                             "expected %d" % (layer["index"], a["name"],
                                              off, pos))
                shape = a.get("shape") or [count]
                done = 0
                while done < count:
                    n = min(BLOCK, count - done)
                    v = values(a["name"], shape, seed_base + off // 4 + done, n)
                    out.write(v.astype("<f4").tobytes())
                    done += n
                pos += 4 * count
        if pos != size:
            sys.exit("genweights.py: wrote %d bytes, layout says %d"
                     % (pos, size))


if __name__ == "__main__":
    main(sys.argv)
