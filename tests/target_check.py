#!/usr/bin/env python3
"""convert and inspect --target against models made here with torch and
against the ports' key lists: every well-formed target's export must
load with strict load_state_dict into a module built with exactly its
keys and shapes, with the values of the --names darkmap export carried
through the alignment; targets that do not fit are refused with the
reason; hostile checkpoints are refused with exit 3, nothing written and
nothing run.

usage: target_check.py DARKMAP TMPDIR (the fixtures: see dmcheck.py)
"""
import collections
import json
import os
import pickle
import struct
import sys
import zipfile

import numpy as np
import torch

sys.dont_write_bytecode = True
sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import dmcheck  # noqa: E402
from dmcheck import fixture, ok, run  # noqa: E402

TMP = dmcheck.args(sys.argv)
CFG = fixture("cfg/reduced/AlexeyAB/yolov3-tiny-half.cfg")
WTS = fixture("weights/AlexeyAB/yolov3-tiny-half.weights")


def tmp(name):
    return os.path.join(TMP, name)


def module_from(shapes):
    """An nn.Module whose state_dict has exactly the keys and shapes of
    shapes ({key: (shape, dtype)}): real Conv2d, BatchNorm2d and Linear
    where a module's entries are theirs, plain parameters otherwise."""
    groups = collections.OrderedDict()
    for k, v in shapes.items():
        mod, _, leaf = k.rpartition(".")
        groups.setdefault(mod, collections.OrderedDict())[leaf] = v
    root = torch.nn.Module()

    def parent(path):
        m = root
        for part in path.split(".")[:-1] if path else []:
            if not hasattr(m, part):
                m.add_module(part, torch.nn.Module())
            m = getattr(m, part)
        return m

    for mod, leaves in groups.items():
        names = set(leaves)
        w = leaves.get("weight")
        built = None
        if names == {"weight", "bias", "running_mean", "running_var",
                     "num_batches_tracked"}:
            built = torch.nn.BatchNorm2d(w[0][0])
        elif w is not None and len(w[0]) == 4 and names <= {"weight", "bias"}:
            built = torch.nn.Conv2d(w[0][1], w[0][0], w[0][2],
                                    bias="bias" in names)
        elif w is not None and len(w[0]) == 2 and names <= {"weight", "bias"}:
            built = torch.nn.Linear(w[0][1], w[0][0], bias="bias" in names)
        if built is not None and all(
                tuple(getattr(built, n).shape) == tuple(leaves[n][0])
                for n in names):
            target = built
        else:
            target = torch.nn.Module()
            for n, (shape, dtype) in leaves.items():
                t = torch.zeros(shape, dtype=getattr(torch, dtype))
                if dtype.startswith("float") or dtype == "bfloat16":
                    target.register_parameter(n, torch.nn.Parameter(t))
                else:
                    target.register_buffer(n, t)
        if mod == "":
            for n, p in target.named_parameters(recurse=False):
                root.register_parameter(n, p)
            for n, b in target.named_buffers(recurse=False):
                root.register_buffer(n, b)
            continue
        parent(mod).add_module(mod.split(".")[-1], target)
    return root


def sd_shapes(sd):
    return collections.OrderedDict(
        (k, (tuple(v.shape), str(v.dtype).replace("torch.", "")))
        for k, v in sd.items())


def strict(shapes, sd, what):
    """sd loads strictly into a module of exactly shapes."""
    try:
        module_from(shapes).load_state_dict(sd, strict=True)
        ok(True, what)
    except RuntimeError as e:
        ok(False, "%s: strict load: %s" % (what, str(e)[:400]))


def load_strict(out, shapes, nest, what, ordered=True):
    """The export at out loads strictly into a module of exactly shapes
    (in the target's order, unless it has none: safetensors)."""
    ck = torch.load(out, weights_only=True)
    sd = ck[nest] if nest else ck
    ok(isinstance(sd, dict), "%s: state_dict under %r" % (what, nest))
    strict(shapes, sd, what)
    ok(list(sd) == list(shapes) or (not ordered and sorted(sd) ==
       sorted(shapes)), "%s: keys in the target's order" % what)
    ok(all(str(sd[k].dtype).replace("torch.", "") == shapes[k][1]
           for k in sd), "%s: dtypes" % what)
    return sd


def alignment(target, cfg=CFG, *extra):
    r = run("inspect", "--target", target, "-f", "json", *extra, cfg)
    ok(r.returncode in (0, 1), "inspect --target %s: exit %d %s"
       % (target, r.returncode, r.stderr.decode()[:300]))
    return json.loads(r.stdout) if r.returncode in (0, 1) else None


def values_through(sd, al, ref, what):
    """Every exported tensor equals the darkmap export's array it is
    paired with (cast to the target's dtype, transposed when flagged)."""
    n = 0
    for a in al["arrays"]:
        k = a["target_key"]
        if k is None or k not in sd:
            continue
        want = ref[a["key"]]
        if "transposed" in a["flags"]:
            want = want.t()
        want = want.reshape(sd[k].shape).to(sd[k].dtype)
        if not torch.equal(sd[k], want):
            ok(False, "%s: %s differs from %s" % (what, k, a["key"]))
            return
        n += 1
    ok(n > 0 and n == len(sd), "%s: %d of %d tensors checked through the "
       "alignment" % (what, n, len(sd)))


def convert(target, out, cfg=CFG, wts=WTS, *extra):
    if os.path.exists(out):
        os.unlink(out)
    return run("convert", "--target", target, *extra, cfg, wts, "-o", out)


def reference(cfg=CFG, wts=WTS, name="ref.pt"):
    r = run("convert", cfg, wts, "-o", tmp(name))
    ok(r.returncode == 0, "--names darkmap reference: %s" % r.stderr)
    return torch.load(tmp(name), weights_only=True)


def scheme_sd(scheme, cfg=CFG, wts=WTS):
    r = run("convert", "--names", scheme, cfg, wts, "-o", tmp("s.pt"))
    ok(r.returncode == 0, "--names %s: %s" % (scheme, r.stderr))
    return torch.load(tmp("s.pt"), weights_only=True)


def write_keys(path, shapes):
    with open(path, "w") as f:
        f.write("key\tshape\tdtype\n")
        for k, (s, d) in shapes.items():
            f.write("%s\t%s\t%s\n" % (k, ",".join(map(str, s)), d))


def good_target(name, target, shapes, nest, ref, cfg=CFG, wts=WTS,
                fmt="pt"):
    """A target that fits: converted, loaded strictly, values checked."""
    out = tmp("%s.out.%s" % (name, fmt))
    r = convert(target, out, cfg, wts)
    ok(r.returncode == 0, "%s: convert exit %d: %s" % (name, r.returncode,
                                                        r.stderr.decode()[:600]))
    if r.returncode != 0:
        return None
    al = alignment(target, cfg)
    ok(al is not None and al["complete"], "%s: alignment complete" % name)
    if fmt == "pt":
        sd = load_strict(out, shapes, nest, name,
                         not target.endswith(".safetensors"))
    else:
        from_st = read_safetensors(out)
        sd = collections.OrderedDict((k, from_st[k]) for k in shapes)
        strict(shapes, sd, name)
    values_through(sd, al, ref, name)
    return al


def read_safetensors(path):
    b = open(path, "rb").read()
    n = struct.unpack("<Q", b[:8])[0]
    hdr = json.loads(b[8:8 + n])
    res = {}
    for k, v in hdr.items():
        if k == "__metadata__":
            continue
        dt = {"F32": torch.float32, "F16": torch.float16,
              "BF16": torch.bfloat16, "I64": torch.int64}[v["dtype"]]
        s, e = v["data_offsets"]
        raw = bytearray(b[8 + n + s:8 + n + e])
        res[k] = torch.frombuffer(raw, dtype=dt).reshape(v["shape"]) \
            if raw else torch.zeros(v["shape"], dtype=dt)
    return res


def write_safetensors(path, shapes):
    """As the reference writer lays it out: data sorted by element size,
    then name; the header lists the tensors in that order."""
    size = {"float32": 4, "int64": 8, "float16": 2, "bfloat16": 2}
    code = {"float32": "F32", "int64": "I64", "float16": "F16",
            "bfloat16": "BF16"}
    keys = sorted(shapes, key=lambda k: (-size[shapes[k][1]], k))
    hdr = collections.OrderedDict()
    at = 0
    for k in keys:
        s, d = shapes[k]
        nb = int(np.prod(s, dtype=np.int64)) * size[d]
        hdr[k] = {"dtype": code[d], "shape": list(s),
                  "data_offsets": [at, at + nb]}
        at += nb
    hdr["__metadata__"] = {"format": "pt"}
    h = json.dumps(hdr).encode()
    with open(path, "wb") as f:
        f.write(struct.pack("<Q", len(h)) + h + b"\0" * at)


def refused(name, target, status, want, cfg=CFG, wts=WTS):
    out = tmp(name + ".refused.pt")
    r = convert(target, out, cfg, wts)
    err = r.stderr.decode()
    ok(r.returncode == status, "%s: exit %d, expected %d: %s"
       % (name, r.returncode, status, err[:400]))
    ok(want in err, "%s: stderr lacks %r: %s" % (name, want, err[:600]))
    ok(not os.path.exists(out), "%s: output written" % name)
    left = [f for f in os.listdir(TMP) if f.startswith(name + ".refused")]
    ok(not left, "%s: temporary files left: %s" % (name, left))
    return err


def port_key_lists():
    """Each port's key list of the fixture nets, full size."""
    made = {}
    for scheme, cfgname, cfg, kpath in dmcheck.key_lists():
        wpath = tmp(cfgname + ".weights")
        if cfgname not in made:
            dmcheck.synthetic_weights(cfg, wpath)
            made[cfgname] = reference(cfg, wpath, cfgname + ".ref.pt")
        ref = made[cfgname]
        shapes = collections.OrderedDict()
        for line in open(kpath).read().splitlines()[1:]:
            k, s, d = line.split("\t")
            shapes[k] = (tuple(int(x) for x in s.split(",") if x), d)
        # The anchors of eriklindernoren's port are left out.
        al = alignment(kpath, cfg)
        if al is None:
            continue
        left = [e["key"] for e in al["left_out"]]
        ok(all(k.endswith(("anchors", "anchor_grid")) for k in left),
           "%s %s: left out %s" % (scheme, cfgname, left[:4]))
        params = collections.OrderedDict(
            (k, v) for k, v in shapes.items() if k not in left)
        good_target("%s-%s" % (scheme, cfgname), kpath, params, None, ref,
                    cfg, wpath)
        os.unlink(tmp("%s-%s.out.pt" % (scheme, cfgname)))
    for cfgname in made:
        os.unlink(tmp(cfgname + ".weights"))
        os.unlink(tmp(cfgname + ".ref.pt"))


def save_pt(path, obj, **kw):
    torch.save(obj, path, **kw)


def torch_targets():
    ref = reference()
    ul = scheme_sd("ultralytics")
    ul_shapes = sd_shapes(ul)

    # module. prefix, nested under 'model' with an epoch and a float.
    sd = collections.OrderedDict(("module." + k, v) for k, v in ul.items())
    save_pt(tmp("dp.pt"), {"model": sd, "epoch": 3, "lr": 0.01,
                           "optimizer": None})
    shapes = sd_shapes(sd)
    al = good_target("module-prefix", tmp("dp.pt"), shapes, "model", ref)
    if al:
        ok(al["target"]["state_dict"] == "model"
           and al["target"]["prefix"].startswith("module."),
           "module-prefix: state_dict and prefix reported: %s"
           % al["target"])

    # A naming of its own: no layer numbers, 'norm' for batch norms.
    own = collections.OrderedDict()
    names = {}
    for k, v in ul.items():
        mod, _, leaf = k.rpartition(".")
        layer, kind = mod.split(".")[1], mod.split(".")[2]
        unit = names.setdefault(layer, "unit_" + chr(97 + len(names) // 26)
                                + chr(97 + len(names) % 26))
        own["body.%s.%s.%s" % (unit, "norm" if kind == "BatchNorm2d"
                               else "conv", leaf)] = v
    save_pt(tmp("own.pt"), own)
    good_target("own-naming", tmp("own.pt"), sd_shapes(own), None, ref)

    # A profiler's counters (thop), beside every module and at the top.
    prof = collections.OrderedDict()
    for k, v in ul.items():
        prof[k] = v
        if k.endswith(".weight") and "Conv2d" in k:
            prof[k[:-len("weight")] + "total_ops"] = torch.zeros(
                1, dtype=torch.float64)
            prof[k[:-len("weight")] + "total_params"] = torch.zeros(
                1, dtype=torch.float64)
    prof["total_ops"] = torch.zeros(1, dtype=torch.float64)
    prof["total_params"] = torch.zeros(1, dtype=torch.float64)
    save_pt(tmp("prof.pt"), prof)
    al = good_target("profiler", tmp("prof.pt"), ul_shapes, None, ref)
    if al:
        ok(len(al["left_out"]) == len(prof) - len(ul)
           and all("profiler" in e["reason"] for e in al["left_out"]),
           "profiler: the counters are reported and left out")

    # Heads for another class count: refused with the reason.
    heads = collections.OrderedDict()
    for k, v in ul.items():
        if v.dim() >= 1 and v.shape[0] == 255:
            v = torch.zeros((24,) + tuple(v.shape[1:]))
        heads[k] = v
    save_pt(tmp("classes.pt"), heads)
    err = refused("classes", tmp("classes.pt"), 1,
                  "the target's heads are for classes=3, the file's for 80")
    ok("class-count repair" in err, "classes: points to the repair")
    al = alignment(tmp("classes.pt"))
    if al:
        ok(al["classes"] == {"file": 80, "target": 3},
           "classes in the JSON: %s" % al["classes"])
        flagged = [a for a in al["arrays"] if "classes" in a["flags"]]
        ok(len(flagged) == 4 and all(a["confidence"] < 0.7 and a["reason"]
                                     for a in flagged),
           "classes: the 4 head tensors flagged: %s" % flagged[:1])
    r = convert(tmp("classes.pt"), tmp("classes.force.pt"), CFG, WTS,
                "--force")
    ok(r.returncode == 0, "classes --force: %s" % r.stderr[:300])
    if r.returncode == 0:
        got = torch.load(tmp("classes.force.pt"), weights_only=True)
        ok(len(got) == len(heads) - 4, "classes --force leaves the heads "
           "out: %d keys" % len(got))

    # One missing and one extra layer.
    drop = "module_list.4."
    mis = collections.OrderedDict()
    for k, v in ul.items():
        if k.startswith(drop):
            continue
        mis[k] = v
        if k == "module_list.8.BatchNorm2d.num_batches_tracked":
            mis["module_list.8.extra.weight"] = torch.zeros(7, 5, 3, 3)
    save_pt(tmp("gaps.pt"), mis)
    err = refused("gaps", tmp("gaps.pt"), 1, "unmatched target key: "
                  "module_list.8.extra.weight")
    ok("unmatched array: layer 4 " in err, "gaps: the missing layer is "
       "listed: %s" % err[:300])
    al = alignment(tmp("gaps.pt"))
    full = alignment(os.path.join(TMP, "s.pt"))  # noqa: the plain port
    if al and full:
        want = [a["target_key"] if not a["target_key"].startswith(drop)
                else None for a in full["arrays"]]
        got = [a["target_key"] for a in al["arrays"]]
        ok(got == want, "gaps: every other array keeps its key")
        ok([u["key"] for u in al["unmatched_target"]] ==
           ["module_list.8.extra.weight"], "gaps: the extra key is listed")
    r = convert(tmp("gaps.pt"), tmp("gaps.force.pt"), CFG, WTS, "--force")
    ok(r.returncode == 0, "gaps --force: %s" % r.stderr[:300])
    if r.returncode == 0 and al:
        part = collections.OrderedDict((k, v) for k, v in sd_shapes(mis)
                                       .items() if "extra" not in k)
        sd = load_strict(tmp("gaps.force.pt"), part, None, "gaps --force")
        values_through(sd, al, ref, "gaps --force")

    # safetensors, in the reference writer's order (not the model's).
    write_safetensors(tmp("t.safetensors"), ul_shapes)
    good_target("safetensors", tmp("t.safetensors"), ul_shapes, None, ref)
    good_target("safetensors-out", tmp("t.safetensors"), ul_shapes, None,
                ref, fmt="safetensors")

    # float16 and bfloat16 targets are written in their dtype.
    for dt in (torch.float16, torch.bfloat16):
        half = collections.OrderedDict(
            (k, v.to(dt) if v.is_floating_point() else v)
            for k, v in ul.items())
        save_pt(tmp("half.pt"), half)
        good_target("dtype-%s" % dt, tmp("half.pt"), sd_shapes(half), None,
                    ref)

    # A keys list of the same model.
    write_keys(tmp("ul.keys.tsv"), ul_shapes)
    good_target("keys-list", tmp("ul.keys.tsv"), ul_shapes, None, ref)

    # The legacy format, before 1.6.
    save_pt(tmp("legacy.pt"), ul, _use_new_zipfile_serialization=False)
    refused("legacy", tmp("legacy.pt"), 3,
            "_use_new_zipfile_serialization=True")
    r = run("inspect", "--target", tmp("legacy.pt"), CFG)
    ok(r.returncode == 3, "legacy: inspect exit %d" % r.returncode)

    # Profiles record the target; another target warns.
    r = run("convert", "--target", tmp("dp.pt"), "--save-profile",
            tmp("t.profile"), CFG, WTS, "-o", tmp("p.pt"))
    prof_text = open(tmp("t.profile")).read() if r.returncode == 0 else ""
    ok("target=dp.pt\n" in prof_text and "target_hash=fnv1a64:" in
       prof_text, "the profile records the target: %s" % prof_text[-200:])
    r = run("convert", "-p", tmp("t.profile"), "--target", tmp("own.pt"),
            CFG, WTS, "-o", tmp("p2.pt"))
    ok(r.returncode == 0 and b"was made for the target dp.pt" in r.stderr,
       "another target warns: %s" % r.stderr[:300])
    r = run("convert", "-p", tmp("t.profile"), "--target", tmp("dp.pt"),
            CFG, WTS, "-o", tmp("p3.pt"))
    ok(r.returncode == 0 and b"was made for" not in r.stderr,
       "the same target does not warn: %s" % r.stderr[:300])


def transposed_connected():
    """A [connected] whose target holds the matrix [in][out]."""
    cfg = tmp("fc.cfg")
    open(cfg, "w").write("[net]\nwidth=4\nheight=4\nchannels=2\n\n"
                         "[convolutional]\nfilters=4\nsize=3\npad=1\n"
                         "batch_normalize=1\nactivation=leaky\n\n"
                         "[connected]\noutput=5\nactivation=linear\n")
    led = json.loads(run("inspect", "-f", "json", cfg).stdout)
    n = (led["expected_size"] - 20) // 4
    w = tmp("fc.weights")
    open(w, "wb").write(struct.pack("<iiiQ", 0, 2, 5, 0) + (
        (np.arange(n, dtype="<f4") * 0.37) % 3 - 1.5).astype("<f4")
        .tobytes())
    ref = reference(cfg, w, "fc.ref.pt")
    sd = collections.OrderedDict([
        ("features.0.weight", torch.zeros(4, 2, 3, 3)),
        ("features.1.weight", torch.zeros(4)),
        ("features.1.bias", torch.zeros(4)),
        ("features.1.running_mean", torch.zeros(4)),
        ("features.1.running_var", torch.zeros(4)),
        ("features.1.num_batches_tracked", torch.zeros((), dtype=torch.int64)),
        ("head.weight", torch.zeros(64, 5)),
        ("head.bias", torch.zeros(5))])
    save_pt(tmp("fc.pt"), sd)
    al = good_target("transposed", tmp("fc.pt"), sd_shapes(sd), None, ref,
                     cfg, w)
    if al:
        fl = [a for a in al["arrays"] if a["target_key"] == "head.weight"]
        ok(fl and "transposed" in fl[0]["flags"], "transposed flagged: %s"
           % fl)


def pt_with_pickle(path, data, compress=zipfile.ZIP_STORED):
    with zipfile.ZipFile(path, "w", compress) as z:
        z.writestr("archive/data.pkl", data)
        z.writestr("archive/version", "3\n")


def hostile():
    pwned = tmp("pwned")
    cmd = ("touch " + pwned).encode()
    cases = [
        ("os-system", b"\x80\x02cos\nsystem\nX" + struct.pack("<I", len(cmd))
         + cmd + b"\x85R.", "refused the global os.system"),
        ("posix-system", b"\x80\x02cposix\nsystem\nX" +
         struct.pack("<I", len(cmd)) + cmd + b"\x85R.",
         "refused the global posix.system"),
        ("eval", b"\x80\x02cbuiltins\neval\nX\x04\x00\x00\x001+1\x85R.",
         "refused the global builtins.eval"),
        ("reduce-storage", b"\x80\x02ctorch\nFloatStorage\n)R.",
         "refused a REDUCE"),
        ("reduce-dict", b"\x80\x02ccollections\nOrderedDict\n}\x85R.",
         "OrderedDict() with arguments"),
        ("memo", b"\x80\x02}r\xff\xff\xff\xff.", "memo index 4294967295"),
        ("deep", b"\x80\x02" + b"]" * 200 + b"a" * 199 + b".",
         "nested more than"),
        ("marks", b"\x80\x02" + b"(" * 100000 + b".", "MARKs open"),
        ("truncated", pickle.dumps(collections.OrderedDict(a=1), 2)[:-3],
         "truncated"),
    ]
    for name, data, want in cases:
        pt_with_pickle(tmp(name + ".pt"), data)
        refused("hostile-" + name, tmp(name + ".pt"), 3, want)
        r = run("inspect", "--target", tmp(name + ".pt"), "-f", "json", CFG)
        ok(r.returncode == 3 and want.encode() in r.stderr,
           "hostile %s: inspect exit %d" % (name, r.returncode))
    ok(not os.path.exists(pwned), "nothing ran")
    # A zip bomb: 200 MiB of zeros deflated into data.pkl.
    with zipfile.ZipFile(tmp("bomb.pt"), "w", zipfile.ZIP_DEFLATED) as z:
        with z.open("archive/data.pkl", "w", force_zip64=True) as f:
            block = b"\0" * (1 << 20)
            for _ in range(200):
                f.write(block)
    ok(os.path.getsize(tmp("bomb.pt")) < (1 << 20), "the bomb is small")
    refused("bomb", tmp("bomb.pt"), 3, "a zip bomb?")
    # A checkpoint cut in the middle.
    save_pt(tmp("whole.pt"), scheme_sd("ultralytics"))
    b = open(tmp("whole.pt"), "rb").read()
    open(tmp("cut.pt"), "wb").write(b[:len(b) // 2])
    refused("cut", tmp("cut.pt"), 3, "cut.pt")
    # A whole pickled model (not a state_dict) names its class.
    m = torch.nn.Linear(2, 2)
    save_pt(tmp("module.pt"), {"model": m})
    refused("module", tmp("module.pt"), 3, "refused the global "
            "torch.nn.modules.linear.Linear")


torch_targets()
transposed_connected()
hostile()
port_key_lists()
sys.exit(dmcheck.finish())
