#!/usr/bin/env python3
"""Repairs that must never be silently wrong, on broken files built here
from Darknet-written ones: a missing layer between two identical layers
(a tie: fix refuses, --pick chooses), an absurd gap, the file of another
network, a layer's arrays in another order, a file cut inside an array
(a lossy salvage), and a YOLO head trained for another class count (the
corrected cfg written by fix --write-cfg).

usage: repairs_check.py DARKMAP TMPDIR
"""
import os
import sys

import numpy as np

sys.dont_write_bytecode = True
sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import dmcheck  # noqa: E402
from dmcheck import fixture, ledger, ok, run, write  # noqa: E402

TMP = dmcheck.args(sys.argv)


def tmp(name):
    return os.path.join(TMP, name)


def export(cfg, weights, out, *extra):
    r = run("convert", *extra, cfg, weights, "-o", out)
    if r.returncode != 0:
        return None
    return dict(np.load(out))


def same(a, b, keys):
    return (a is not None and b is not None and sorted(a) == sorted(keys)
            and all(k in b and a[k].shape == b[k].shape and
                    a[k].tobytes() == b[k].tobytes() for k in keys))


def diagnosis(cfg, weights, *extra):
    return ledger(cfg, weights, *extra).get("diagnosis", {})


def layer_of(key):
    return int(key.split(".")[1])


def yolov4_tiny():
    """The yolov4-tiny-half cfg, its file's bytes, each layer's span in it
    and the file's clean export."""
    cfg = fixture("cfg/reduced/AlexeyAB/yolov4-tiny-half.cfg")
    wts = fixture("weights/AlexeyAB/yolov4-tiny-half.weights")
    offs = dmcheck.layer_spans(ledger(cfg, wts, "--no-stats"))
    clean = export(cfg, wts, tmp("v4.npz"))
    return cfg, open(wts, "rb").read(), offs, clean


def tie():
    """Layers 4 and 5 of yolov4-tiny-half are identical 3x3 convolutions
    of 16 to 16 filters: without layer 5's arrays, no statistic can tell
    which one is missing."""
    cfg, data, offs, clean = yolov4_tiny()
    s, e = offs[5]
    b = write(tmp("tie.weights"), data[:s] + data[e:])
    g = diagnosis(cfg, b)
    reps = g.get("repairs", [])
    tied = [r for r in reps if r["kind"] == "missing-layer" and
            r["layer"] in (4, 5)]
    ok(g.get("ambiguous") is True and len(tied) == 2 and
       sorted(tied[0]["ties_with"] + tied[1]["ties_with"]) ==
       sorted([tied[0]["number"], tied[1]["number"]]),
       "tie: json says ambiguous, each repair naming the other: %s" % g)
    ok("layer 4 or 5: the data cannot tell them apart" in g.get("summary", ""),
       "tie: summary %r" % g.get("summary"))
    r = run("inspect", cfg, b)
    ok(b"ambiguous: layer 4 or 5" in r.stdout and b"--pick N" in r.stdout,
       "tie: inspect's text says so")
    prof = tmp("tie.profile")
    r = run("fix", cfg, b, "-o", prof)
    ok(r.returncode == 1 and not os.path.exists(prof) and
       b"layer 4 or 5" in r.stdout and b"--pick" in r.stdout,
       "tie: fix exits 1 (%d), writes nothing and names both: %s" %
       (r.returncode, r.stdout[-400:]))
    # --pick chooses: layer 5's repair gives the clean export less layer 5.
    n5 = [x["number"] for x in tied if x["layer"] == 5][0]
    n4 = [x["number"] for x in tied if x["layer"] == 4][0]
    r = run("fix", "--pick", n5, cfg, b, "-o", prof)
    ok(r.returncode == 0 and "layer=5\nabsent=1" in open(prof).read(),
       "tie: --pick %d writes layer 5 absent (exit %d)" % (n5, r.returncode))
    keys = [k for k in clean if layer_of(k) != 5]
    got = export(cfg, b, tmp("tie5.npz"), "--profile", prof)
    ok(same(got, clean, keys), "tie: --pick %d exports bit-exact" % n5)
    r = run("fix", "--pick", n4, cfg, b, "-o", tmp("tie4.profile"))
    got = export(cfg, b, tmp("tie4.npz"), "--profile", tmp("tie4.profile"))
    ok(r.returncode == 0 and got is not None and
       not same(got, clean, [k for k in clean if layer_of(k) != 4]),
       "tie: the other pick is written, and differs (control)")
    r = run("fix", "--pick", len(reps) + 1, cfg, b, "-o", tmp("x.profile"))
    ok(r.returncode == 2 and not os.path.exists(tmp("x.profile")) and
       b"--pick" in r.stderr, "tie: --pick past the last repair is refused")


def absurd():
    """writing.cfg (79 KB) against a 6 MB file: no gap or junk that large
    is plausible; the file belongs to another network."""
    cfg = fixture("cfg/AlexeyAB/writing.cfg")
    wts = fixture("weights/AlexeyAB/yolov4-tiny-half.weights")
    g = diagnosis(cfg, wts)
    reps = g.get("repairs", [])
    ok(reps and not g.get("fit") and
       all(not r["plausible"] for r in reps if r["kind"] in
           ("extra-bytes", "trailing-junk")),
       "absurd: no junk repair is plausible: %s" % reps)
    ok(g.get("other_network") is True and "another network" in g["summary"],
       "absurd: another network is named: %s" % g.get("summary"))
    prof = tmp("absurd.profile")
    r = run("fix", cfg, wts, "-o", prof)
    ok(r.returncode == 1 and not os.path.exists(prof),
       "absurd: fix refuses (exit %d)" % r.returncode)


def other_network():
    """yolov3-tiny-half.cfg with a yolov4-tiny-half file reads badly from
    layer 2 on."""
    cfg = fixture("cfg/reduced/AlexeyAB/yolov3-tiny-half.cfg")
    wts = fixture("weights/AlexeyAB/yolov4-tiny-half.weights")
    g = diagnosis(cfg, wts)
    ok(not g.get("fit") and g.get("other_network") is True and
       "belongs to another network" in g.get("summary", "") and
       "darkmap identify" in g.get("summary", ""),
       "other network: %s" % g.get("summary"))
    r = run("inspect", cfg, wts)
    ok(r.returncode == 1 and b"probably belongs to another network" in
       r.stdout, "other network: inspect's text says so")


def order():
    """Connected layer 12 of syn_pj_layers with its batch-norm arrays
    before the weights (Darknet's order for a convolution), and conv
    layer 1 in PyTorch's order."""
    cfg = fixture("cfg/synthetic/pjreddie/syn_pj_layers.cfg")
    wts = fixture("weights/pjreddie/syn_pj_layers.weights")
    data = open(wts, "rb").read()
    led = ledger(cfg, wts, "-d", "pj", "--no-stats")
    clean = export(cfg, wts, tmp("pj.npz"), "-d", "pj")
    for li, want in ((12, ["biases", "scales", "rolling_mean",
                           "rolling_variance", "weights"]),
                     (1, ["weights", "scales", "biases", "rolling_mean",
                          "rolling_variance"])):
        arrs = {a["name"]: a for a in led["layers"][li]["arrays"]}
        start = min(a["offset"] for a in arrs.values())
        blob = b"".join(data[arrs[k]["offset"]:arrs[k]["offset"] +
                             4 * arrs[k]["count"]] for k in want)
        b = bytearray(data)
        b[start:start + len(blob)] = blob
        b = write(tmp("order%d.weights" % li), bytes(b))
        ok(not same(export(cfg, b, tmp("o.npz"), "-d", "pj"), clean,
                    list(clean)),
           "order %d: the broken file exports differently (control)" % li)
        g = diagnosis(cfg, b, "-d", "pj")
        top = (g.get("repairs") or [{}])[0]
        ok(g.get("fit") and not g.get("ambiguous") and
           top.get("kind") == "array-order" and top.get("layer") == li and
           top.get("order") == ",".join(want),
           "order %d: best repair %s" % (li, top))
        prof = tmp("order%d.profile" % li)
        r = run("fix", "-d", "pj", cfg, b, "-o", prof)
        got = export(cfg, b, tmp("order%d.npz" % li), "-d", "pj",
                     "--profile", prof)
        ok(r.returncode == 0 and same(got, clean, list(clean)),
           "order %d: the fix exports bit-exact (exit %d)" %
           (li, r.returncode))


def transposed():
    """Connected layer 12 of syn_pj_layers, its output rows given scales
    of their own as a trained layer's have, stored transposed without the
    header's flag: the 2-D structure finds it; the same file stored the
    right way gets no repair."""
    cfg = fixture("cfg/synthetic/pjreddie/syn_pj_layers.cfg")
    wts = fixture("weights/pjreddie/syn_pj_layers.weights")
    data = open(wts, "rb").read()
    led = ledger(cfg, wts, "-d", "pj", "--no-stats")
    wa = [a for a in led["layers"][12]["arrays"] if a["name"] == "weights"][0]
    n, c = wa["shape"]
    o = wa["offset"]
    w = np.frombuffer(data, "<f4", n * c, o).reshape(n, c)
    scale = np.linspace(0.2, 3.0, n).astype("<f4")
    np.random.RandomState(3).shuffle(scale)
    w = (w * scale[:, None]).astype("<f4")
    good = write(tmp("rows.weights"), data[:o] + w.tobytes() +
                 data[o + 4 * n * c:])
    bad = write(tmp("rowsT.weights"), data[:o] + w.T.copy().tobytes() +
                data[o + 4 * n * c:])
    clean = export(cfg, good, tmp("rows.npz"), "-d", "pj")
    g = diagnosis(cfg, good, "-d", "pj")
    ok(not g.get("repairs"), "transposed: the right way round gets no "
       "repair: %s" % g.get("repairs"))
    g = diagnosis(cfg, bad, "-d", "pj")
    top = (g.get("repairs") or [{}])[0]
    ok(g.get("fit") and top.get("kind") == "transposed" and
       top.get("layer") == 12, "transposed: best repair %s" % top)
    ok(not same(export(cfg, bad, tmp("rowsT0.npz"), "-d", "pj"), clean,
                list(clean)), "transposed: the control differs")
    prof = tmp("rowsT.profile")
    r = run("fix", "-d", "pj", cfg, bad, "-o", prof)
    got = export(cfg, bad, tmp("rowsT.npz"), "-d", "pj", "--profile", prof)
    ok(r.returncode == 0 and same(got, clean, list(clean)),
       "transposed: the fix exports bit-exact (exit %d)" % r.returncode)


def salvage():
    """yolov4-tiny-half cut inside layer 26: keeping layers 0-25 is the
    only repair, and it loses data, so fix takes it only when picked."""
    cfg, data, offs, clean = yolov4_tiny()
    s, e = offs[26]
    b = write(tmp("cut.weights"), data[:s + 1000])
    g = diagnosis(cfg, b)
    sal = [r for r in g.get("repairs", []) if r["kind"] == "salvage"]
    ok(len(sal) == 1 and sal[0]["lossy"] is True and sal[0]["layer"] == 25
       and sal[0]["plausible"] and not g.get("fit"),
       "salvage: one lossy repair keeping layers 0-25: %s" % g)
    ok("fix --pick %d" % (sal and sal[0]["number"]) in g.get("summary", ""),
       "salvage: the summary names the pick: %s" % g.get("summary"))
    prof = tmp("cut.profile")
    r = run("fix", cfg, b, "-o", prof)
    ok(r.returncode == 1 and not os.path.exists(prof),
       "salvage: fix does not pick a lossy repair by itself")
    r = run("fix", "--pick", sal[0]["number"] if sal else 1, cfg, b, "-o",
            prof)
    ok(r.returncode == 0 and b"loses data" in r.stderr,
       "salvage: --pick takes it, with a warning (exit %d)" % r.returncode)
    got = export(cfg, b, tmp("cut.npz"), "--profile", prof)
    ok(same(got, clean, [k for k in clean if layer_of(k) <= 25]),
       "salvage: layers 0-25 export bit-exact")


def classes():
    """yolov3-tiny-half weights trained for 3 classes, with the cfg for
    80: fix --write-cfg writes the cfg the weights fit, its changed lines
    marked."""
    cfg = fixture("cfg/reduced/AlexeyAB/yolov3-tiny-half.cfg")
    wts = fixture("weights/AlexeyAB/yolov3-tiny-half.weights")
    cfg3, b, nheads = dmcheck.three_classes(cfg, wts, TMP)
    clean3 = export(cfg3, b, tmp("clean3.npz"))
    ok(clean3 is not None, "classes: the crafted file fits the 3-class cfg")
    out = tmp("fixed.cfg")
    r = run("fix", "--write-cfg", out, cfg, b, "-o", tmp("classes.profile"))
    ok(r.returncode == 0 and os.path.exists(out),
       "classes: fix --write-cfg (exit %d) %s" % (r.returncode, r.stderr))
    # With the profile, the report shows the shapes the file holds.
    led_p = ledger(cfg, b, "-p", tmp("classes.profile"))
    heads = [l for l in led_p["layers"] if l["type"] == "yolo"]
    convs = [led_p["layers"][l["index"] - 1] for l in heads]
    ok(heads and all(l["out_c"] == 24 and l["classes"] == 3 for l in heads)
       and all(c["out_c"] == 24 for c in convs),
       "classes: the report shows the heads' new shapes: %s" %
       [(l["index"], l["out_c"], l.get("classes")) for l in heads])
    r = run("inspect", "-p", tmp("classes.profile"), cfg, b)
    ok(r.returncode == 0 and b" yolo            13x13x24 " in r.stdout,
       "classes: the text table shows them too")
    text = open(out).read() if os.path.exists(out) else ""
    marks = [ln for ln in text.split("\n") if ln.startswith("# darkmap: ")]
    ok(nheads == 2 and len(marks) == 2 * nheads and
       all("classes=3" in m for m in marks),
       "classes: each changed line is marked: %s" % marks)
    led_fixed = ledger(out, b)
    ok(led_fixed["verdict"]["kind"] == "exact" and
       not led_fixed["diagnosis"]["repairs"],
       "classes: the written cfg fits the file exactly")
    yolo = [l for l in led_fixed["layers"] if l["type"] == "yolo"]
    ok(yolo and all(l["out_c"] == 24 for l in yolo),
       "classes: the written cfg's heads have 24 channels")
    got = export(out, b, tmp("fixed.npz"))
    ok(same(got, clean3, list(clean3)),
       "classes: the written cfg exports bit-exact")
    # A repair that changes no cfg line writes no cfg, and no profile.
    v4 = fixture("cfg/reduced/AlexeyAB/yolov4-tiny-half.cfg")
    r = run("fix", "--write-cfg", tmp("no.cfg"), v4, tmp("tie.weights"),
            "--pick", 1, "-o", tmp("no.profile"))
    ok(r.returncode == 1 and not os.path.exists(tmp("no.cfg")) and
       not os.path.exists(tmp("no.profile")) and
       b"changes nothing in the cfg" in r.stderr,
       "classes: --write-cfg with another repair writes nothing")


def force():
    """Four junk bytes before layer 20 of yolov4-tiny-half: convert refuses
    and recommends fix first; --force writes, warning once per layer that
    reads implausibly and counting them."""
    cfg, data, offs, clean = yolov4_tiny()
    g20 = offs[20][0]
    b = write(tmp("gap20.weights"), data[:g20] + b"\x13\x37\xbe\xef" +
              data[g20:])
    out = tmp("force.npz")
    r = run("convert", cfg, b, "-o", out)
    err = r.stderr.decode()
    ok(r.returncode == 1 and not os.path.exists(out) and
       err.find("darkmap fix") < err.find("--force") and "-p" in err and
       "last resort" in err,
       "force: the refusal recommends fix and -p before --force: %s" % err)
    r = run("convert", "--force", cfg, b, "-o", out)
    lines = r.stderr.decode().splitlines()
    per = [ln for ln in lines if "reads implausibly:" in ln]
    ok(r.returncode == 0 and os.path.exists(out) and per and
       "layer 20 (convolutional) reads implausibly: biases:" in per[0] and
       all(int(ln.split("layer ")[1].split()[0]) >= 20 for ln in per),
       "force: one warning per implausible layer from layer 20: %s" % lines)
    ok(any("%d layers read implausibly" % len(per) in ln for ln in lines),
       "force: the warnings are counted: %s" % lines[-2:])
    # The same file exported with the repair warns of nothing.
    prof = tmp("gap20.profile")
    r = run("fix", cfg, b, "-o", prof)
    r = run("convert", "--force", "-p", prof, cfg, b, "-o", out)
    ok(r.returncode == 0 and b"implausibly" not in r.stderr and
       same(dict(np.load(out)), clean, list(clean)),
       "force: with the fix, no warning and a bit-exact export")


def absent_keys():
    """An export without layer 5 names the keys it lacks."""
    cfg, data, offs, clean = yolov4_tiny()
    r = run("convert", "--absent", "5", cfg,
            fixture("weights/AlexeyAB/yolov4-tiny-half.weights"),
            "--data-end", str(len(data) - (offs[5][1] - offs[5][0])), "--force",
            "-o", tmp("absent.npz"))
    lines = r.stderr.decode().splitlines()
    want = sorted(k for k in clean if layer_of(k) == 5)
    listed = sorted(ln.strip() for ln in lines if ln.startswith("  "))
    ok(r.returncode == 0 and listed == want and
       any("strict load_state_dict() will fail" in ln for ln in lines),
       "absent: the missing keys are listed: %s" % lines)
    got = dict(np.load(tmp("absent.npz")))
    ok(sorted(got) == sorted(k for k in clean if layer_of(k) != 5),
       "absent: the export lacks exactly those keys")


def main():
    tie()
    force()
    absent_keys()
    classes()
    absurd()
    other_network()
    order()
    transposed()
    salvage()
    return dmcheck.finish()


if __name__ == "__main__":
    sys.exit(main())
