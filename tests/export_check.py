#!/usr/bin/python3
"""Checks a tensor file written by darkmap against a description.

usage: export_check.py [--format pt|safetensors|npz] [--wrapped]
                       [--archive NAME] OUTPUT DESCRIPTION

OUTPUT is a .pt, .safetensors or .npz file (the format comes from the
extension unless --format is given).  DESCRIPTION lists the expected
tensors, in order, either as JSON:

    {"tensors": [{"key": "conv1.weight", "dtype": "F32", "shape": [16, 3],
                  "file": "demo.bin", "offset": 0}, ...]}

(a bare list works too) or as TSV, one tensor a line:

    key<TAB>dtype<TAB>shape<TAB>file<TAB>offset

with the shape as comma-separated integers (empty for a 0-d tensor).
dtype is F32, F16 or I64; the expected bytes of the tensor are the
numel * element-size bytes of "file" (relative to the description's
folder) starting at "offset", little-endian.

What is checked:
  .pt          the zip layout (one record folder, data.pkl first, version
               "3\\n", byteorder "little", stored records whose data start
               at multiples of 64, no .format_version), the pickle opcodes
               (protocol 2, nothing the 1.13 weights_only unpickler
               rejects), then torch.load() with weights_only=True (when
               this torch has it), plainly, and with mmap=True (when this
               torch has it); --wrapped expects the Ultralytics-style dict
               {'epoch': -1, ..., 'model': state_dict, 'optimizer': None}.
  .npz         stored members "<key>.npy" in order, .npy version 1.0
               headers padded to 64 bytes, numpy.load() of every array.
  .safetensors a reader written here (no safetensors package): the header
               length, JSON, dtypes, shapes, offsets tiling the data exactly,
               the file length, data starting at a multiple of 64.
In every case the keys, their order, dtypes, shapes and the data
(bit for bit) must match.  Exit status 0 when everything matches, 1 with
a message otherwise, 2 for a usage error.
"""

import collections
import gc
import inspect
import json
import os
import pickletools
import struct
import sys
import zipfile

import numpy as np

CHUNK = 64 << 20

DTYPES = {
    # name: (element size, numpy dtype, torch dtype name)
    "F32": (4, "<f4", "float32"),
    "F16": (2, "<f2", "float16"),
    "I64": (8, "<i8", "int64"),
}

# Every safetensors dtype code, for validating headers.
ST_DTYPE_SIZES = {
    "BOOL": 1, "U8": 1, "I8": 1, "F8_E5M2": 1, "F8_E4M3": 1, "I16": 2,
    "U16": 2, "F16": 2, "BF16": 2, "I32": 4, "U32": 4, "F32": 4, "I64": 8,
    "U64": 8, "F64": 8,
}

# Opcodes the writer may use (and the weights_only unpickler of 1.13 knows).
PICKLE_OPS = {
    "PROTO", "GLOBAL", "EMPTY_TUPLE", "REDUCE", "MARK", "TUPLE", "TUPLE1",
    "TUPLE2", "TUPLE3", "BINUNICODE", "BININT1", "BININT2", "BININT",
    "LONG1", "BINPERSID", "NEWFALSE", "NEWTRUE", "NONE", "EMPTY_DICT",
    "EMPTY_LIST", "SETITEM", "SETITEMS", "APPENDS", "BUILD", "BINPUT",
    "LONG_BINPUT", "BINGET", "LONG_BINGET", "STOP",
}

WRAP_KEYS = ["epoch", "best_fitness", "training_results", "model",
             "optimizer"]


class CheckError(Exception):
    pass


def fail(msg):
    raise CheckError(msg)


class Expected:
    def __init__(self, key, dtype, shape, path, offset):
        if dtype not in DTYPES:
            fail("description: %r: unknown dtype %r" % (key, dtype))
        self.key = key
        self.dtype = dtype
        self.shape = tuple(int(d) for d in shape)
        self.path = path
        self.offset = int(offset)
        self.esize = DTYPES[dtype][0]
        numel = 1
        for d in self.shape:
            numel *= d
        self.numel = numel
        self.nbytes = numel * self.esize


def read_description(path):
    base = os.path.dirname(os.path.abspath(path))
    with open(path, "rb") as f:
        text = f.read().decode("utf-8")
    out = []
    if text.lstrip().startswith(("{", "[")):
        doc = json.loads(text)
        items = doc["tensors"] if isinstance(doc, dict) else doc
        for it in items:
            out.append(Expected(it["key"], it["dtype"], it["shape"],
                                os.path.join(base, it["file"]),
                                it.get("offset", 0)))
    else:
        for lineno, line in enumerate(text.splitlines(), 1):
            if not line.strip() or line.startswith("#"):
                continue
            cols = line.split("\t")
            if len(cols) != 5:
                fail("description line %d: expected 5 columns" % lineno)
            key, dtype, shape, file, offset = cols
            dims = [int(d) for d in shape.split(",")] if shape else []
            out.append(Expected(key, dtype, dims, os.path.join(base, file),
                                offset))
    keys = [e.key for e in out]
    if len(set(keys)) != len(keys):
        fail("description: duplicate keys")
    return out


def compare_data(what, got, exp):
    """got: a flat numpy uint8 array holding the tensor's bytes."""
    if got.size != exp.nbytes:
        fail("%s: %d bytes of data, expected %d" % (what, got.size,
                                                     exp.nbytes))
    with open(exp.path, "rb") as f:
        f.seek(exp.offset)
        pos = 0
        while pos < exp.nbytes:
            want = f.read(min(CHUNK, exp.nbytes - pos))
            if not want:
                fail("%s: expected data file %s ends early" %
                     (what, exp.path))
            w = np.frombuffer(want, dtype=np.uint8)
            g = got[pos:pos + w.size]
            if not np.array_equal(g, w):
                bad = int(np.flatnonzero(g != w)[0])
                fail("%s: data differs at byte %d (0x%02x, expected 0x%02x)"
                     % (what, pos + bad, g[bad], w[bad]))
            pos += w.size


# ---------------------------------------------------------------- .pt

def local_data_offset(f, header_offset):
    f.seek(header_offset)
    h = f.read(30)
    if len(h) != 30 or h[:4] != b"PK\x03\x04":
        fail("no local header at byte %d" % header_offset)
    flags, method = struct.unpack("<HH", h[6:10])
    namelen, extralen = struct.unpack("<HH", h[26:30])
    return header_offset + 30 + namelen + extralen, flags, method


def check_pt_layout(path, expected, archive):
    with open(path, "rb") as f:
        if f.read(4) != b"PK\x03\x04":
            fail("does not start with a zip local header")
    zf = zipfile.ZipFile(path)
    infos = zf.infolist()
    if not infos:
        fail("empty archive")
    prefix = infos[0].filename.split("/", 1)[0]
    if "/" not in infos[0].filename:
        fail("first entry %r is not in a folder" % infos[0].filename)
    if archive is not None and prefix != archive:
        fail("record folder %r, expected %r" % (prefix, archive))
    if infos[0].filename != prefix + "/data.pkl":
        fail("first entry is %r, not data.pkl" % infos[0].filename)
    names = {}
    with open(path, "rb") as f:
        for info in infos:
            if not info.filename.startswith(prefix + "/"):
                fail("entry %r outside %s/" % (info.filename, prefix))
            rec = info.filename[len(prefix) + 1:]
            if rec in names:
                fail("duplicate record %r" % rec)
            names[rec] = info
            if info.compress_type != zipfile.ZIP_STORED:
                fail("record %r is compressed" % rec)
            off, flags, method = local_data_offset(f, info.header_offset)
            if method != 0 or flags & 0x08:
                fail("record %r: method %d flags 0x%x" % (rec, method, flags))
            if off % 64 != 0:
                fail("record %r: data at byte %d, not 64-aligned" % (rec, off))
    for bad in (".format_version", ".storage_alignment", "constants.pkl"):
        if bad in names:
            fail("record %r must not be written" % bad)
    if zf.read(prefix + "/version") != b"3\n":
        fail("version record is not '3\\n'")
    if "byteorder" in names and zf.read(prefix + "/byteorder") != b"little":
        fail("byteorder record is not 'little'")
    datarecs = sorted(r for r in names if r.startswith("data/"))
    if len(datarecs) != len(expected):
        fail("%d data records, expected %d" % (len(datarecs), len(expected)))
    for i, e in enumerate(expected):
        info = names.get("data/%d" % i)
        if info is None:
            fail("no record data/%d" % i)
        if info.file_size != e.nbytes:
            fail("record data/%d: %d bytes, expected %d" %
                 (i, info.file_size, e.nbytes))
    pkl = zf.read(prefix + "/data.pkl")
    proto = None
    for op, arg, pos in pickletools.genops(pkl):
        if op.name not in PICKLE_OPS:
            fail("data.pkl: opcode %s at byte %d is not allowed" %
                 (op.name, pos))
        if op.name == "PROTO":
            proto = arg
    if proto != 2:
        fail("data.pkl: protocol %r, expected 2" % proto)
    # A CRC check of the small records (the big ones are read by torch).
    for info in infos:
        if info.file_size <= CHUNK:
            zf.read(info)
    zf.close()


def tensor_bytes(t):
    t = t.detach()
    return t.reshape(-1).numpy().view(np.uint8).reshape(-1)


def check_state_dict(what, sd, expected):
    import torch
    if not isinstance(sd, collections.OrderedDict):
        fail("%s: state_dict is a %s, not an OrderedDict" %
             (what, type(sd).__name__))
    keys = list(sd.keys())
    if keys != [e.key for e in expected]:
        fail("%s: keys %r, expected %r" % (what, keys,
                                           [e.key for e in expected]))
    for e in expected:
        t = sd[e.key]
        w = "%s: %r" % (what, e.key)
        if not isinstance(t, torch.Tensor):
            fail("%s: a %s, not a tensor" % (w, type(t).__name__))
        want = getattr(torch, DTYPES[e.dtype][2])
        if t.dtype != want:
            fail("%s: dtype %s, expected %s" % (w, t.dtype, want))
        if tuple(t.shape) != e.shape:
            fail("%s: shape %s, expected %s" % (w, tuple(t.shape), e.shape))
        if not t.is_contiguous() or t.storage_offset() != 0:
            fail("%s: not contiguous from the start of its storage" % w)
        if t.requires_grad:
            fail("%s: requires_grad is set" % w)
        compare_data(w, tensor_bytes(t), e)


def check_pt(path, expected, wrapped, archive):
    import torch
    check_pt_layout(path, expected, archive)
    params = inspect.signature(torch.load).parameters
    modes = []
    if "weights_only" in params:
        modes.append(("weights_only=True", {"weights_only": True}))
    else:
        print("note: torch %s has no weights_only" % torch.__version__)
    # Plain loading: weights_only=False where the default became True.
    plain = {"weights_only": False} if "weights_only" in params else {}
    modes.append(("plain", plain))
    if "mmap" in params:
        modes.append(("mmap=True", dict(plain, mmap=True)))
        modes.append(("weights_only=True, mmap=True",
                      {"weights_only": True, "mmap": True}))
    else:
        print("note: torch %s has no mmap=True, skipped" % torch.__version__)
    done = []
    for name, kw in modes:
        what = "torch.load(%s)" % name
        try:
            obj = torch.load(path, map_location="cpu", **kw)
        except Exception as ex:  # noqa: BLE001 - any failure is a fail
            fail("%s failed: %s: %s" % (what, type(ex).__name__, ex))
        if wrapped:
            if not isinstance(obj, dict) or list(obj.keys()) != WRAP_KEYS:
                fail("%s: expected a dict with keys %r, got %r" %
                     (what, WRAP_KEYS, list(obj.keys())
                      if isinstance(obj, dict) else type(obj).__name__))
            if obj["epoch"] != -1 or type(obj["epoch"]) is not int:
                fail("%s: epoch is %r, expected -1" % (what, obj["epoch"]))
            for k in ("best_fitness", "training_results", "optimizer"):
                if obj[k] is not None:
                    fail("%s: %s is %r, expected None" % (what, k, obj[k]))
            sd = obj["model"]
        else:
            sd = obj
        check_state_dict(what, sd, expected)
        del obj, sd
        gc.collect()
        done.append(name)
    return "torch %s: %s" % (torch.__version__, "; ".join(done))


# --------------------------------------------------------------- .npz

def check_npz(path, expected):
    zf = zipfile.ZipFile(path)
    infos = zf.infolist()
    names = [i.filename for i in infos]
    want = [e.key + ".npy" for e in expected]
    if names != want:
        fail("members %r, expected %r" % (names, want))
    with open(path, "rb") as f:
        for info in infos:
            if info.compress_type != zipfile.ZIP_STORED:
                fail("member %r is compressed" % info.filename)
            off, flags, method = local_data_offset(f, info.header_offset)
            f.seek(off)
            head = f.read(10)
            if head[:8] != b"\x93NUMPY\x01\x00":
                fail("member %r: not an .npy 1.0 file" % info.filename)
            hlen = struct.unpack("<H", head[8:10])[0]
            if (10 + hlen) % 64 != 0:
                fail("member %r: header of %d bytes is not padded to 64" %
                     (info.filename, hlen))
            f.seek(off + 10 + hlen - 1)
            if f.read(1) != b"\n":
                fail("member %r: header does not end with a newline" %
                     info.filename)
    zf.close()
    with np.load(path, allow_pickle=False) as z:
        if list(z.files) != [e.key for e in expected]:
            fail("numpy.load keys %r, expected %r" %
                 (list(z.files), [e.key for e in expected]))
        for e in expected:
            what = "numpy.load: %r" % e.key
            a = z[e.key]
            if a.dtype != np.dtype(DTYPES[e.dtype][1]):
                fail("%s: dtype %s, expected %s" %
                     (what, a.dtype.str, DTYPES[e.dtype][1]))
            if a.shape != e.shape:
                fail("%s: shape %s, expected %s" % (what, a.shape, e.shape))
            if not a.flags.c_contiguous:
                fail("%s: not C-contiguous" % what)
            compare_data(what, a.reshape(-1).view(np.uint8), e)
            del a
            gc.collect()
    return "numpy %s" % np.__version__


# -------------------------------------------------------- .safetensors

def no_duplicates(pairs):
    seen = set()
    for k, _ in pairs:
        if k in seen:
            fail("safetensors header: key %r appears twice" % k)
        seen.add(k)
    return pairs


def check_safetensors(path, expected):
    size = os.path.getsize(path)
    with open(path, "rb") as f:
        raw = f.read(8)
        if len(raw) != 8:
            fail("shorter than 8 bytes")
        n = struct.unpack("<Q", raw)[0]
        if n > 100000000 or 8 + n > size:
            fail("bad header length %d" % n)
        header = f.read(n)
    try:
        text = header.decode("utf-8")
    except UnicodeDecodeError as ex:
        fail("header is not UTF-8: %s" % ex)
    if not text.startswith("{"):
        fail("header does not start with '{'")
    if text.rstrip(" ") != text.rstrip():
        fail("header padded with something other than spaces")
    pairs = json.loads(text, object_pairs_hook=no_duplicates)
    if not isinstance(pairs, list):
        fail("header is not a JSON object")
    if (8 + n) % 64 != 0:
        fail("data starts at byte %d, not a multiple of 64" % (8 + n))
    base = 8 + n
    entries = []
    for key, val in pairs:
        if key == "__metadata__":
            meta = dict(val) if isinstance(val, list) else None
            if meta is None or not all(isinstance(k, str) and
                                       isinstance(v, str)
                                       for k, v in meta.items()):
                fail("__metadata__ is not an object of strings")
            continue
        info = dict(val)
        if set(info) != {"dtype", "shape", "data_offsets"}:
            fail("%r: fields %r" % (key, sorted(info)))
        if info["dtype"] not in ST_DTYPE_SIZES:
            fail("%r: unknown dtype %r" % (key, info["dtype"]))
        shape = info["shape"]
        if not isinstance(shape, list) or not all(
                type(d) is int and d >= 0 for d in shape):
            fail("%r: bad shape %r" % (key, shape))
        offs = info["data_offsets"]
        if (not isinstance(offs, list) or len(offs) != 2 or
                not all(type(o) is int and o >= 0 for o in offs) or
                offs[0] > offs[1]):
            fail("%r: bad data_offsets %r" % (key, offs))
        numel = 1
        for d in shape:
            numel *= d
        if offs[1] - offs[0] != numel * ST_DTYPE_SIZES[info["dtype"]]:
            fail("%r: %d bytes for shape %r" %
                 (key, offs[1] - offs[0], shape))
        entries.append((key, info["dtype"], tuple(shape), offs[0], offs[1]))
    pos = 0
    for e in sorted(entries, key=lambda x: (x[3], x[4])):
        if e[3] != pos:
            fail("%r: data at %d, expected %d (hole or overlap)" %
                 (e[0], e[3], pos))
        pos = e[4]
    if base + pos != size:
        fail("file is %d bytes, header covers %d" % (size, base + pos))
    if [e[0] for e in entries] != [x.key for x in expected]:
        fail("keys %r, expected %r" % ([e[0] for e in entries],
                                       [x.key for x in expected]))
    with open(path, "rb") as f:
        for (key, dtype, shape, begin, end), exp in zip(entries, expected):
            what = "safetensors: %r" % key
            if dtype != exp.dtype:
                fail("%s: dtype %s, expected %s" % (what, dtype, exp.dtype))
            if shape != exp.shape:
                fail("%s: shape %s, expected %s" % (what, shape, exp.shape))
            if (base + begin) % exp.esize != 0:
                fail("%s: data not aligned to its element size" % what)
            got = np.memmap(f, dtype=np.uint8, mode="r", offset=base + begin,
                            shape=(end - begin,)) if end > begin else \
                np.zeros(0, dtype=np.uint8)
            compare_data(what, got, exp)
            del got
    return "own safetensors reader"


def main(argv):
    fmt = None
    wrapped = False
    archive = None
    args = []
    it = iter(argv)
    for a in it:
        if a == "--format":
            fmt = next(it, None)
        elif a == "--wrapped":
            wrapped = True
        elif a == "--archive":
            archive = next(it, None)
        elif a.startswith("--"):
            args = []
            break
        else:
            args.append(a)
    if len(args) != 2:
        sys.stderr.write(__doc__.split("\n\n")[1] + "\n")
        return 2
    out, desc = args
    if fmt is None:
        fmt = {".pt": "pt", ".pth": "pt", ".safetensors": "safetensors",
               ".npz": "npz"}.get(os.path.splitext(out)[1])
    if fmt not in ("pt", "safetensors", "npz"):
        sys.stderr.write("export_check: unknown format for %s\n" % out)
        return 2
    try:
        expected = read_description(desc)
        if fmt == "pt":
            how = check_pt(out, expected, wrapped, archive)
        elif fmt == "npz":
            how = check_npz(out, expected)
        else:
            how = check_safetensors(out, expected)
    except CheckError as ex:
        print("not ok - %s: %s" % (out, str(ex).replace("#", "\\#")))
        return 1
    except Exception as ex:  # noqa: BLE001 - report, do not trace back
        print("not ok - %s: %s: %s" % (out, type(ex).__name__,
                                       str(ex).replace("#", "\\#")))
        return 1
    print("ok - %s: %d tensors (%s)" % (out, len(expected), how))
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
