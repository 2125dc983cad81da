#!/usr/bin/python3
"""Combine several runs of bench.sh: median and range of every figure.

usage: combine.py RECORD...

Each RECORD is a file that one run of `BENCH_RECORD=FILE bench/bench.sh`
wrote ("name<TAB>value" lines).  Ratios are taken within each run (a
command against the baselines timed minutes apart in the same run) and
then summarised over the runs, so "median [lowest-highest]" of a ratio
is over the runs' ratios, not a ratio of medians.  Times are printed in
ms, sizes in MB, peak RSS in MiB.  Standard library only.
"""

import sys

RATIOS = [  # name, numerator, denominator
    ("cp+fsync / cp", "cp_fsync", "cp"),
    ("convert / cp", "convert", "cp"),
    ("convert replacing / cp+fsync", "convert_replace", "cp_fsync"),
    ("inspect / cp", "inspect", "cp"),
    ("inspect / cat", "inspect", "cat"),
    (".safetensors / cp", "convert_safetensors", "cp"),
    (".npz / cp", "convert_npz", "cp"),
    (".weights / cp", "convert_weights", "cp"),
    ("--verify .pt / cp", "convert_pt_verify", "cp"),
    ("--verify .st / cp", "convert_safetensors_verify", "cp"),
]


def num(v):
    try:
        f = float(v)
    except ValueError:
        return None
    return None if f != f else f


def median(v):
    s = sorted(v)
    n = len(s)
    return s[n // 2] if n % 2 else (s[n // 2 - 1] + s[n // 2]) / 2


def load(path):
    d = {}
    with open(path, encoding="utf-8") as f:
        for line in f:
            k, _, v = line.rstrip("\n").partition("\t")
            d[k] = v
    return d


def fmt(vals, scale, prec):
    vals = [v * scale for v in vals if v is not None]
    if not vals:
        return "n/a"
    m = median(vals)
    if len(vals) == 1:
        return "%.*f" % (prec, m)
    return "%.*f [%.*f-%.*f]" % (prec, m, prec, min(vals), prec, max(vals))


def main(argv):
    if not argv:
        sys.exit(__doc__.split("\n\n")[1])
    runs = [load(p) for p in argv]
    print("%d runs" % len(runs))
    for r in runs:
        print("  %s  %s  load %s -> %s" % (
            r.get("run.date", "?"), r.get("run.darkmap", "?"),
            r.get("run.load_start", "?"), r.get("run.load_end", "?")))
    nets = []
    for r in runs:
        for k in r:
            if k.endswith(".size") and k[:-5] not in nets:
                nets.append(k[:-5])
    for net in nets:
        def col(m):
            return [num(r.get("%s.%s" % (net, m), "nan")) for r in runs]
        size = [v for v in col("size") if v is not None]
        print("\n%s: %.1f MB" % (net, size[0] / 1e6 if size else 0))
        for m in ("cp", "cp_fsync", "convert", "convert_replace", "cat",
                  "inspect", "inspect_nostats", "convert_safetensors",
                  "convert_npz", "convert_weights", "convert_pt_verify",
                  "convert_safetensors_verify"):
            v = col(m)
            if any(x is not None for x in v):
                print("  %-22s %s ms" % (m, fmt(v, 1e3, 1)))
        for m in ("rss_convert", "rss_inspect", "rss_cp"):
            v = col(m)
            if any(x is not None for x in v):
                print("  %-22s %s MiB" % (m, fmt(v, 1 / 1024, 1)))
        for label, a, b in RATIOS:
            v = [x / y if x is not None and y else None
                 for x, y in zip(col(a), col(b))]
            if any(x is not None for x in v):
                print("  %-22s %s" % (label, fmt(v, 1, 2)))
    # Growth with size: a least-squares line through the nets' medians,
    # time = fixed + size / rate.
    if len(nets) >= 2:
        print("\ngrowth with size (least squares over the %d nets' medians):"
              % len(nets))
        for m in ("cp", "cp_fsync", "convert", "convert_replace", "cat",
                  "inspect"):
            pts = []
            for net in nets:
                sz = [num(r.get(net + ".size", "nan")) for r in runs]
                t = [num(r.get("%s.%s" % (net, m), "nan")) for r in runs]
                sz = [x for x in sz if x is not None]
                t = [x for x in t if x is not None]
                if sz and t:
                    pts.append((sz[0] / 1e6, median(t) * 1e3))
            if len(pts) < 2:
                continue
            n = len(pts)
            mx = sum(p[0] for p in pts) / n
            my = sum(p[1] for p in pts) / n
            sxx = sum((p[0] - mx) ** 2 for p in pts)
            slope = sum((p[0] - mx) * (p[1] - my) for p in pts) / sxx
            print("  %-16s %.3f ms per MB (%.2f GB/s), %+.1f ms fixed"
                  % (m, slope, 1 / slope if slope > 0 else float("nan"),
                     my - slope * mx))
    print()
    for name, what in (("ui.first_screen", "first screen"),
                       ("ui.first_screen_noweights",
                        "first screen, no weights"),
                       ("ui.spawn_baseline", "spawn baseline (echo)"),
                       ("fixtures.all", "all fixture cfgs"),
                       ("fixtures.true", "as many /bin/true")):
        v = [num(r.get(name, "nan")) for r in runs]
        if any(x is not None for x in v):
            print("%-26s %s ms" % (what, fmt(v, 1e3, 1)))
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
