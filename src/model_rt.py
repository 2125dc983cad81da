
# ---------------------------------------------------------------------------
# What follows is the same for every network: Darknet's inference forward
# in whole-tensor torch operations, driven by NET, LAYERS and TENSORS above.
# ---------------------------------------------------------------------------


def _cdiv(a, b):
    """C's integer division, which truncates toward zero."""
    q = abs(a) // abs(b)
    return q if (a >= 0) == (b > 0) else -q


def _dims(t):
    """t's shape as Python ints (constants when traced)."""
    return [int(v) for v in t.shape]


def _sig(x):
    return torch.sigmoid(x)


def _act(x, a, own=False):
    """Darknet's activation a applied to x (in place when own: x is a
    tensor this layer made).  The mathematical functions, also where
    Darknet's CPU code outputs zeros (relu6, swish, mish, hard_mish and
    normalize_channels* outside convolutions)."""
    if a == "linear":
        return x
    if a in ("leaky", "revleaky"):
        return F.leaky_relu(x, 0.1, inplace=own)
    if a == "relu":
        return F.relu(x, inplace=own)
    if a == "logistic":
        return x.sigmoid_() if own else x.sigmoid()
    if a == "mish":
        return F.mish(x, inplace=own)
    if a == "swish":
        return F.silu(x, inplace=own)
    if a == "tanh":
        return x.tanh_() if own else x.tanh()
    if a == "relu6":
        return F.hardtanh(x, 0.0, 6.0, inplace=own)
    if a == "hardtan":
        return F.hardtanh(x, -1.0, 1.0, inplace=own)
    if a == "relie":
        return F.leaky_relu(x, 0.01, inplace=own)
    if a == "ramp":
        return F.relu(x) + 0.1 * x
    if a == "loggy":
        return 2.0 * torch.sigmoid(x) - 1.0
    if a == "elu":
        return torch.where(x >= 0, x, torch.exp(x) - 1.0)
    if a == "selu":
        return torch.where(x >= 0, 1.0507 * x,
                           1.0507 * 1.6732 * (torch.exp(x) - 1.0))
    if a == "gelu":
        return 0.5 * x * (1.0 + torch.tanh(0.797885 * x +
                                           0.035677 * x * x * x))
    if a == "hard_mish":
        return torch.where(x > 0, x, torch.where(x > -2, x * x / 2 + x,
                                                 torch.zeros_like(x)))
    if a == "plse":
        return torch.where(x < -4, 0.01 * (x + 4),
                           torch.where(x > 4, 0.01 * (x - 4) + 1,
                                       0.125 * x + 0.5))
    if a == "lhtan":
        return torch.where(x < 0, 0.001 * x,
                           torch.where(x > 1, 0.001 * (x - 1) + 1, x))
    if a == "stair":
        n = torch.floor(x)
        h = torch.floor(x / 2)
        return torch.where(torch.remainder(n, 2) == 0, h, (x - n) + h)
    if a == "normalize_channels":
        p = F.relu(x)
        return p / (p.sum(1, keepdim=True) + 0.0001)
    if a in ("normalize_channels_softmax",
             "normalize_channels_softmax_maxval"):
        m = (x.amax(1, keepdim=True)
             if a.endswith("maxval") else torch.zeros_like(x[:, :1]))
        e = torch.exp(x - m)
        return e / (e.sum(1, keepdim=True) + 0.0001)
    raise ValueError("unknown activation " + a)


def _chan(v, x):
    """A per-channel vector shaped to broadcast over x's dimension 1."""
    return v.reshape((1, -1) + (1,) * (x.dim() - 2))


def _pads(n, k, s, p, d=1):
    """Darknet's output length for input length n, kernel k, stride s and
    padding p (dilation d), and the padding then needed after the input
    for PyTorch to give that length (negative: crop)."""
    o = _cdiv(n + 2 * p - k, s) + 1
    return o, (o - 1) * s + d * (k - 1) + 1 - n - p * d


def _pool_pads(x, k, pad, sy, sx):
    """Darknet's pooling output size for x, and the padding (left, right,
    top, bottom) that makes PyTorch's windows Darknet's: the window of
    output (y, x) starts at (y sy - pad/2, x sx - pad/2)."""
    h, w = int(x.shape[2]), int(x.shape[3])
    oh = _cdiv(h + pad - k, sy) + 1
    ow = _cdiv(w + pad - k, sx) + 1
    t = pad // 2
    return oh, ow, (t, max(0, (ow - 1) * sx + k - w - t), t,
                    max(0, (oh - 1) * sy + k - h - t))


class DarknetModel(torch.nn.Module):
    """The network of the cfg, computing what Darknet's inference forward
    computes.  Its state_dict is the one `darkmap convert --names darkmap`
    writes for the cfg."""

    def __init__(self):
        super().__init__()
        self._loc = {}
        for key, shape, kind in TENSORS:
            mod = self
            parts = key.split(".")
            for part in parts[:-1]:
                if part not in mod._modules:
                    mod.add_module(part, torch.nn.Module())
                mod = mod._modules[part]
            if kind == "n":
                mod.register_buffer(parts[-1],
                                    torch.zeros((), dtype=torch.long))
            elif kind == "b":
                mod.register_buffer(parts[-1], torch.zeros(shape))
            else:
                mod.register_parameter(parts[-1], torch.nn.Parameter(
                    torch.zeros(shape), requires_grad=False))
            self._loc[key] = (mod, parts[-1])
        self._fwd = {s["t"]: getattr(self, "_" + s["t"]) for s in LAYERS}

    def _t(self, s, name):
        mod, attr = self._loc[s["p"][name]]
        return getattr(mod, attr)

    # Building blocks ----------------------------------------------------

    def _bn(self, y, s, sub):
        """Darknet's batch normalization (y: N x C [x H x W])."""
        mean = self._t(s, sub + "rolling_mean")
        var = self._t(s, sub + "rolling_variance")
        scale = self._t(s, sub + "scales")
        # pjreddie's [batchnorm] keeps a bias of zeros, neither saved nor
        # loaded.
        bias = (self._t(s, sub + "biases") if sub + "biases" in s["p"]
                else None)
        if DIALECT == "ab":
            return F.batch_norm(y, mean, var, scale, bias, False, 0.0, 1e-5)
        a = scale / (torch.sqrt(var) + 0.000001)
        shift = -mean * a if bias is None else bias - mean * a
        return torch.addcmul(_chan(shift, y), y, _chan(a, y))

    def _conv_block(self, s, x, sub="", act=None, stride=None):
        """Convolution, batch norm or bias; the activation when act."""
        w = self._t(s, sub + "weights")
        k = int(w.shape[-1])
        sy, sx = stride if stride is not None else (s["sy"], s["sx"])
        p, d, g = s["pad"], s.get("dil", 1), s.get("groups", 1)
        oh, fh = _pads(int(x.shape[2]), k, sy, p, d)
        ow, fw = _pads(int(x.shape[3]), k, sx, p, d)
        if fh == p * d and fw == p * d:
            y = F.conv2d(x, w, None, (sy, sx), (p * d, p * d), (d, d), g)
        else:
            y = F.conv2d(F.pad(x, (p * d, fw, p * d, fh)), w, None,
                         (sy, sx), 0, (d, d), g)
        if s["bn"]:
            y = self._bn(y, s, sub)
        else:
            y = y + _chan(self._t(s, sub + "biases"), y)
        return y if act is None else _act(y, act, True)

    def _fc_block(self, s, x, sub="", act=None):
        """Darknet's connected layer: N x inputs to N x outputs."""
        y = F.linear(x.reshape(int(x.shape[0]), -1), self._t(s, sub + "weights"))
        if s["bn"]:
            y = self._bn(y, s, sub)
        else:
            y = y + self._t(s, sub + "biases")
        return y if act is None else _act(y, act, True)

    def _blur(self, y, s):
        """AlexeyAB's antialiasing: a fixed depthwise blur, strided."""
        c = int(y.shape[1])
        if s["aa"] == 1:
            kb, p = 3, 1
            k = torch.tensor([[1., 2., 1.], [2., 4., 2.], [1., 2., 1.]],
                             dtype=y.dtype, device=y.device) / 16.0
        else:
            kb, p = 2, 0
            k = torch.full((2, 2), 0.25, dtype=y.dtype, device=y.device)
        oh, fh = _pads(int(y.shape[2]), kb, s["sy"], p)
        ow, fw = _pads(int(y.shape[3]), kb, s["sx"], p)
        return F.conv2d(F.pad(y, (p, fw, p, fh)), k.expand(c, 1, kb, kb),
                        None, (s["sy"], s["sx"]), 0, 1, c)

    # Layers -------------------------------------------------------------

    def _conv(self, s, x, outs):
        if s["share"] >= 0:
            s = dict(s, p=LAYERS[s["share"]]["p"])
        if s["aa"]:
            y = self._conv_block(s, x, act=s["act"], stride=(1, 1))
            return self._blur(y, s)
        return self._conv_block(s, x, act=s["act"])

    def _connected(self, s, x, outs):
        y = self._fc_block(s, x, act=s["act"])
        return y.reshape(int(y.shape[0]), -1, 1, 1)

    def _local(self, s, x, outs):
        n, c, h, w = _dims(x)
        k, st, p = s["size"], s["stride"], s["pad"]
        oc, oh, ow = s["out"]
        cols = F.unfold(x, k, 1, p, st)             # N x (c k k) x L
        if int(cols.shape[2]) >= oh * ow:
            cols = cols[:, :, :oh * ow]
        else:
            cols = F.pad(cols, (0, oh * ow - int(cols.shape[2])))
        wt = self._t(s, "weights").reshape(oh * ow, oc, c * k * k)
        y = torch.einsum("nkl,lok->nol", cols, wt).reshape(n, oc, oh, ow)
        y = y + self._t(s, "biases").reshape(1, oc, oh, ow)
        return _act(y, s["act"], True)

    def _batchnorm(self, s, x, outs):
        return self._bn(x, s, "")

    def _shortcut(self, s, x, outs):
        """AlexeyAB's shortcut: several inputs, optional weights."""
        n = int(x.shape[0])
        if "weights" not in s["p"]:
            srcs = [outs[j] for j in s["from"]]
            if all(_dims(t) == _dims(x) for t in srcs):
                y = x + srcs[0]
                for t in srcs[1:]:
                    y = y + t
                return _act(y, s["act"], True)
        xf = x.reshape(n, -1)
        size = int(xf.shape[1])
        nin = len(s["from"]) + 1
        if "weights" in s["p"]:
            wt = self._t(s, "weights").reshape(nin, -1)
            if s["norm"] == "relu":
                wt = F.relu(wt)
                wt = wt / (wt.sum(0, keepdim=True) + 0.0001)
            elif s["norm"] == "softmax":
                e = torch.exp(wt - wt.amax(0, keepdim=True))
                wt = e / (e.sum(0, keepdim=True) + 0.0001)
            step = size // int(wt.shape[1])
            wt = wt.repeat_interleave(step, 1)
            y = xf * wt[0]
        else:
            wt = None
            y = xf.clone()
        for i, j in enumerate(s["from"]):
            t = outs[j].reshape(n, -1)
            m = min(int(t.shape[1]), size)
            add = t[:, :m] if wt is None else t[:, :m] * wt[i + 1, :m]
            if m == size:
                y = y + add
            else:
                y = torch.cat([y[:, :m] + add, y[:, m:]], 1)
        return _act(y.reshape(x.shape), s["act"], True)

    def _pj_shortcut(self, s, x, outs):
        """pjreddie's shortcut: alpha * own + beta * from over the common
        region, sampled by the ratio of the widths."""
        f = outs[s["from"][0]]
        a, b = s["alpha"], s["beta"]
        if _dims(f) == _dims(x) and a == 1 and b == 1:
            return _act(x + f, s["act"], True)
        w1, h1, c1 = int(f.shape[3]), int(f.shape[2]), int(f.shape[1])
        w2, h2, c2 = int(x.shape[3]), int(x.shape[2]), int(x.shape[1])
        stride = max(1, w1 // w2)
        sample = max(1, w2 // w1)
        mw, mh, mc = min(w1, w2), min(h1, h2), min(c1, c2)
        y = x.clone()
        src = f[:, :mc, ::stride, ::stride][:, :, :mh, :mw]
        dst = y[:, :mc, ::sample, ::sample][:, :, :mh, :mw]
        dst.copy_(a * dst + b * src)
        return _act(y, s["act"], True)

    def _implicit(self, s, x, outs):
        w = self._t(s, "weights")
        n = int(x.shape[0]) if x is not None else 1
        return w.reshape(1, w.shape[0], -1, 1).expand(n, -1, -1, -1)

    def _maxpool(self, s, x, outs):
        if s["depth"]:
            oc = s["out_c"]
            c = int(x.shape[1])
            groups = -(-c // oc)
            if groups * oc != c:
                x = F.pad(x, (0, 0, 0, 0, 0, groups * oc - c),
                          value=-math.inf)
            n, _, h, w = _dims(x)
            return x.reshape(n, groups, oc, h, w).amax(1)
        k = s["size"]
        sy, sx = (1, 1) if s["aa"] else (s["sy"], s["sx"])
        oh, ow, pads = _pool_pads(x, k, s["padding"], sy, sx)
        if any(pads):
            x = F.pad(x, pads, value=-math.inf)
        y = F.max_pool2d(x, k, (sy, sx))[:, :, :oh, :ow]
        return self._blur(y, s) if s["aa"] else y

    def _local_avgpool(self, s, x, outs):
        k, sy, sx = s["size"], s["sy"], s["sx"]
        oh, ow, pads = _pool_pads(x, k, s["padding"], sy, sx)
        ones = torch.ones((1, 1) + tuple(_dims(x)[2:]), dtype=x.dtype,
                          device=x.device)
        # Means over whole windows of the zero-padded input, divided by
        # the share of each window that lies inside the input.
        sums = F.avg_pool2d(F.pad(x, pads), k, (sy, sx))
        cnt = F.avg_pool2d(F.pad(ones, pads), k, (sy, sx))
        return (sums / cnt)[:, :, :oh, :ow]

    def _avgpool(self, s, x, outs):
        return x.mean((2, 3), keepdim=True)

    def _route(self, s, x, outs):
        srcs = [outs[j] for j in s["layers"]]
        g, gid = s["groups"], s["group_id"]
        n = int(srcs[0].shape[0])
        img = all(t.dim() == 4 and _dims(t)[2:] == _dims(srcs[0])[2:]
                  for t in srcs)
        if img and all(int(t.shape[1]) % g == 0 for t in srcs):
            parts = [t if g == 1 else
                     t.narrow(1, gid * (int(t.shape[1]) // g), int(t.shape[1]) // g)
                     for t in srcs]
            return parts[0] if len(parts) == 1 else torch.cat(parts, 1)
        parts = []
        for t in srcs:
            t = t.reshape(n, -1)
            m = int(t.shape[1]) // g
            parts.append(t[:, gid * m:(gid + 1) * m])
        y = torch.cat(parts, 1)
        if img:
            c = sum(int(t.shape[1]) for t in srcs) // g
            return y[:, :c * int(srcs[0].shape[2]) * int(srcs[0].shape[3])].reshape(
                n, c, int(srcs[0].shape[2]), int(srcs[0].shape[3]))
        return y

    def _upsample(self, s, x, outs):
        st, scale = s["stride"], s["scale"]
        if st > 0:
            n, c, h, w = _dims(x)
            y = x.reshape(n, c, h, 1, w, 1).expand(n, c, h, st, w, st)
            y = y.reshape(n, c, h * st, w * st)
        else:
            # A sum over each block, scaled: Darknet's downsampling.
            return F.avg_pool2d(x, -st, -st) * (st * st * scale)
        return y * scale if scale != 1 else y

    def _reorg(self, s, x, outs):
        """Darknet's reorg_cpu() over the dimensions (w, h, c): a gather
        (forward=0) or a scatter (forward=1) of the flat buffer."""
        n = int(x.shape[0])
        c, h, w = s["dims"]
        st = s["stride"]
        cc = c // (st * st)
        if s["mode"] == "flatten":
            c0, hw = int(x.shape[1]), int(x.shape[2]) * int(x.shape[3])
            y = x.reshape(n, c0, hw).transpose(1, 2)
        elif s["mode"] == "unflatten":
            c0, hw = int(x.shape[1]), int(x.shape[2]) * int(x.shape[3])
            y = x.reshape(n, hw, c0).transpose(1, 2)
        elif s["mode"] == "extra":
            y = F.pad(x.reshape(n, -1), (0, s["extra"]))
            return y
        elif s["mode"] == "scatter":
            y = x.reshape(n, st, st, cc, h, w).permute(0, 3, 4, 1, 5, 2)
        else:
            y = x.reshape(n, cc, h, st, w, st).permute(0, 3, 5, 1, 2, 4)
        return y.reshape((n,) + tuple(s["out"]))

    def _scale_channels(self, s, x, outs):
        f = outs[s["from"]]
        n = int(f.shape[0])
        if s["scale_wh"]:
            y = f * x.reshape(n, 1, int(f.shape[2]), int(f.shape[3]))
        else:
            y = f * x.reshape(n, int(f.shape[1]), 1, 1)
        return _act(y, s["act"], True)

    def _sam(self, s, x, outs):
        return _act(x * outs[s["from"]], s["act"], True)

    def _identity(self, s, x, outs):
        return x

    def _activation(self, s, x, outs):
        return _act(x, s["act"])

    def _l2norm(self, s, x, outs):
        return x / torch.sqrt((x * x).sum(1, keepdim=True))

    def _normalization(self, s, x, outs):
        """Darknet's LRN with its window quirk (spec 9.10)."""
        size, alpha = s["size"], s["alpha"]
        beta, kappa = s["beta"], s["kappa"]
        c = int(x.shape[1])
        sq = x * x
        pre = torch.cat([torch.zeros_like(sq[:, :1]), sq.cumsum(1)], 1)
        half, lo = size // 2, (size - 1) // 2

        def at(idx):
            return pre.index_select(1, torch.tensor(
                [max(0, min(i, c)) for i in idx], device=x.device))
        ks = range(c)
        norm = kappa + alpha * (at([half] * c) +
                                at([k + half + 1 if k else half + 1
                                    for k in ks]) -
                                at([half + 1] * c) -
                                at([k - lo if k else 0 for k in ks]))
        return x * norm.pow(-beta)

    def _crop(self, s, x, outs):
        ch, cw = s["crop"]
        h, w = int(x.shape[2]), int(x.shape[3])
        dh, dw = (h - ch) // 2, (w - cw) // 2
        y = x[:, :, dh:dh + ch, dw:dw + cw]
        return y if s["noadjust"] else y * 2.0 - 1.0

    def _softmax(self, s, x, outs):
        n = int(x.shape[0])
        g = s["groups"]
        y = x.reshape(n, g, -1)
        if s["temperature"] != 1:
            y = y / s["temperature"]
        return torch.softmax(y, 2).reshape(n, -1)

    def _cost(self, s, x, outs):
        return torch.zeros_like(x.reshape(int(x.shape[0]), -1))

    def _yolo(self, s, x, outs):
        n, c, h, w = _dims(x)
        a = s["nmask"]
        v = x.reshape(n, a, c // a, h, w)
        xy, wh, rest = v[:, :, :2], v[:, :, 2:4], v[:, :, 4:]
        if not s["new_coords"]:
            xy, rest = _sig(xy), _sig(rest)
        k = s["scale_x_y"]
        if k != 1:
            xy = xy * k + (-0.5 * (k - 1))
        return torch.cat([xy, wh, rest], 2).reshape(n, c, h, w)

    def _gaussian_yolo(self, s, x, outs):
        n, c, h, w = _dims(x)
        a = s["nmask"]
        v = x.reshape(n, a, c // a, h, w)
        k = s["scale_x_y"]
        e = [v[:, :, i:i + 1] for i in range(8)] + [v[:, :, 8:]]
        for i in (0, 1, 2, 3, 5, 7, 8):
            e[i] = _sig(e[i])
        if k != 1:
            for i in (0, 2):
                e[i] = e[i] * k + (-0.5 * (k - 1))
        return torch.cat(e, 2).reshape(n, c, h, w)

    def _region(self, s, x, outs):
        n, c, h, w = _dims(x)
        num, coords = s["num"], s["coords"]
        size = c // num
        if DIALECT == "ab":
            # Darknet's flatten(): [a][e][y][x] becomes [y][x][a][e].
            v = x.reshape(n, num * size, h * w).transpose(1, 2)
            v = v.reshape(n, h * w, num, size)
            parts = [v[..., :4], _sig(v[..., 4:5]), v[..., 5:]]
            if s["softmax"]:
                parts[2] = torch.softmax(parts[2], -1)
            return torch.cat(parts, -1).reshape(n, -1)
        v = x.reshape(n, num, size, h, w)
        bg = s["background"]
        parts = [_sig(v[:, :, :2]), v[:, :, 2:coords]]
        parts.append(v[:, :, coords:coords + 1] if bg else
                     _sig(v[:, :, coords:coords + 1]))
        cls = v[:, :, coords + 1:]
        if s["softmax"]:
            start = coords + (0 if bg else 1)
            sm = torch.softmax(v[:, :, start:start + s["classes"] + bg], 2)
            if bg:
                parts[2] = sm[:, :, :1]
                sm = sm[:, :, 1:]
            cls = torch.cat([sm, cls[:, :, int(sm.shape[2]):]], 2)
        else:
            cls = _sig(cls)
        return torch.cat(parts + [cls], 2).reshape(n, c, h, w)

    def _detection(self, s, x, outs):
        n = int(x.shape[0])
        y = x.reshape(n, -1)
        if s["softmax"]:
            m = s["side"] * s["side"] * s["classes"]
            sm = torch.softmax(y[:, :m].reshape(n, -1, s["classes"]), 2)
            y = torch.cat([sm.reshape(n, m), y[:, m:]], 1)
        return y

    def _iseg(self, s, x, outs):
        n, c, h, w = _dims(x)
        k = s["classes"]
        return torch.cat([_sig(x[:, :k]), x[:, k:]], 1)

    # Recurrent layers: one time step from a zero state, as Darknet's
    # network_predict() runs them on a freshly loaded network. ------------

    def _rnn(self, s, x, outs):
        n = int(x.shape[0])
        xf = x.reshape(n, -1)
        a = s["act"]
        zero = xf.new_zeros((n, s["hidden"]))
        i = self._fc_block(s, xf, "input_layer.", s["act_in"])
        st = self._fc_block(s, zero, "self_layer.", s["act_self"])
        h = i + st
        y = self._fc_block(s, h, "output_layer.", a)
        return y if DIALECT == "pj" else y.reshape(n, -1, 1, 1)

    def _gru(self, s, x, outs):
        n = int(x.shape[0])
        xf = x.reshape(n, -1)
        h0 = xf.new_zeros((n, s["output"]))
        names = s["names"]
        uz = self._fc_block(s, xf, names["uz"])
        ur = self._fc_block(s, xf, names["ur"])
        uh = self._fc_block(s, xf, names["uh"])
        wz = self._fc_block(s, h0, names["wz"])
        wr = self._fc_block(s, h0, names["wr"])
        z = torch.sigmoid(uz + wz)
        r = torch.sigmoid(ur + wr)
        wh = self._fc_block(s, r * h0, names["wh"])
        hh = uh + wh
        hh = torch.tanh(hh) if s["tanh"] else torch.sigmoid(hh)
        return z * h0 + (1 - z) * hh

    def _lstm(self, s, x, outs):
        n = int(x.shape[0])
        xf = x.reshape(n, -1)
        h0 = xf.new_zeros((n, s["output"]))
        c0 = xf.new_zeros((n, s["output"]))
        g = {}
        for gate in ("f", "i", "g", "o"):
            g[gate] = (self._fc_block(s, h0, "w" + gate + ".") +
                       self._fc_block(s, xf, "u" + gate + "."))
        f, i = torch.sigmoid(g["f"]), torch.sigmoid(g["i"])
        gg, o = torch.tanh(g["g"]), torch.sigmoid(g["o"])
        c = f * c0 + i * gg
        h = o * torch.tanh(c)
        return h if DIALECT == "pj" else h.reshape(n, -1, 1, 1)

    def _crnn(self, s, x, outs):
        n = int(x.shape[0])
        i = self._conv_block(s, x, "input_layer.", s["act"])
        zero = i.new_zeros(i.shape)
        st = self._conv_block(s, zero, "self_layer.", s["act"])
        return self._conv_block(s, i + st, "output_layer.", s["act"])

    def _conv_lstm(self, s, x, outs):
        """AlexeyAB's conv_lstm as its CPU forward runs it: tanh for the
        cell (whatever lstm_activation says), the layer's activation in
        every convolution."""
        a = s["act"]
        u = {g: self._conv_block(s, x, "u" + g + ".", a)
             for g in ("f", "i", "g", "o")}
        h0 = torch.zeros_like(u["f"])
        c0 = torch.zeros_like(u["f"])
        pre = {g: u[g] + self._conv_block(s, h0, "w" + g + ".", a)
               for g in ("f", "i", "g", "o")}
        if s["peephole"]:
            for g in ("f", "i"):
                pre[g] = pre[g] + self._conv_block(s, c0, "v" + g + ".", a)
        f, i = torch.sigmoid(pre["f"]), torch.sigmoid(pre["i"])
        c = f * c0 + i * torch.tanh(pre["g"])
        o = pre["o"]
        if s["peephole"]:
            o = o + self._conv_block(s, c, "vo.", a)
        return torch.sigmoid(o) * torch.tanh(c)

    def _history(self, s, x, outs):
        k = s["size"]
        return torch.cat([x] + [torch.zeros_like(x)] * (k - 1), 1)

    # The network ----------------------------------------------------------

    def forward(self, x, all_layers=False):
        """Darknet's network output for x (N x C x H x W float32, or
        N x inputs for a net without spatial input): the output of the
        last layer that is not [cost], in Darknet's memory order and
        shape.  With all_layers, the list of every layer's output."""
        outs = []
        for s in LAYERS:
            x = self._fwd[s["t"]](s, x, outs)
            outs.append(x if all_layers or s["i"] in KEEP else None)
        return outs if all_layers else outs[OUTPUT]


def fixture_input(shape):
    """Darknet's fixture input x[i] = ((37*i + 11) % 256) / 256."""
    n = 1
    for d in shape:
        n *= d
    i = torch.arange(n, dtype=torch.int64)
    return (((37 * i + 11) % 256).to(torch.float32) / 256.0).reshape(
        (1,) + tuple(shape))


def input_shape():
    if NET["w"] > 0 and NET["h"] > 0 and NET["c"] > 0:
        return (NET["c"], NET["h"], NET["w"])
    return (NET["inputs"],)


def read_f32(path):
    with open(path, "rb") as fp:
        data = fp.read()
    if len(data) % 4:
        raise ValueError("%s: %d bytes, not a whole number of float32"
                         % (path, len(data)))
    t = torch.frombuffer(bytearray(data), dtype=torch.float32)
    if sys.byteorder != "little":
        t = t.view(torch.int32).byteswap().view(torch.float32)
    return t


def compare(got, ref, tol):
    """Largest absolute error, it relative to the reference's largest
    magnitude, and whether it is within tol of that magnitude."""
    got = got.detach().reshape(-1).to(torch.float64)
    ref = ref.reshape(-1).to(torch.float64)
    if got.numel() != ref.numel():
        return None
    scale = float(ref.abs().max()) if ref.numel() else 0.0
    err = (got - ref).abs()
    err = torch.where(torch.isfinite(got), err,
                      torch.full_like(err, math.inf))
    m = float(err.max()) if err.numel() else 0.0
    rel = m / scale if scale else (0.0 if m == 0 else math.inf)
    return m, rel, m <= tol * scale


def main(argv):
    import argparse
    import os
    ap = argparse.ArgumentParser(
        description="Run the Darknet network of " + CFG + " on a checkpoint "
        "and compare its output with Darknet's.")
    ap.add_argument("checkpoint", help="state_dict written by darkmap "
                    "convert --names darkmap (.pt)")
    ap.add_argument("--compare", metavar="OUT.bin", required=True,
                    help="Darknet's network output, raw float32")
    ap.add_argument("--input", metavar="IN.bin", help="raw float32 input "
                    "(default: Darknet's fixture input)")
    ap.add_argument("--layers", metavar="DIR", help="folder of Darknet's "
                    "per-layer outputs, layer_NNN_<type>.bin")
    ap.add_argument("--tolerance", type=float, default=1e-4,
                    help="allowed error, a fraction of the reference's "
                    "largest magnitude (default 1e-4)")
    a = ap.parse_args(argv)
    model = DarknetModel()
    sd = torch.load(a.checkpoint, map_location="cpu")
    if isinstance(sd, dict) and isinstance(sd.get("model"), dict):
        sd = sd["model"]
    model.load_state_dict(sd, strict=True)
    model.eval()
    shape = input_shape()
    if a.input:
        x = read_f32(a.input)
        n = 1
        for d in shape:
            n *= d
        if x.numel() % n:
            sys.exit("%s: %d floats, not a multiple of the input size %d"
                     % (a.input, x.numel(), n))
        x = x.reshape((-1,) + shape)
    else:
        x = fixture_input(shape)
    ok = True
    with torch.no_grad():
        outs = model(x, all_layers=True)
    out = outs[OUTPUT]
    if a.layers:
        files = sorted(os.listdir(a.layers))
        for name in files:
            parts = name.split("_")
            if (len(parts) < 3 or not name.endswith(".bin") or
                    not parts[1].isdigit()):
                continue
            i = int(parts[1])
            if i >= len(outs):
                print("%s: no layer %d in this network" % (name, i))
                ok = False
                continue
            ref = read_f32(os.path.join(a.layers, name))
            if LAYERS[i]["t"] == "cost":
                print("layer %3d %-16s not compared (Darknet's [cost] "
                      "writes no output at inference)" % (i, name))
                continue
            r = compare(outs[i], ref, a.tolerance)
            if r is None:
                print("layer %3d %-28s %d values, Darknet's has %d: FAIL"
                      % (i, name, outs[i].numel(), ref.numel()))
                ok = False
                continue
            print("layer %3d %-28s max abs err %.3g  rel %.3g  %s"
                  % (i, name, r[0], r[1], "ok" if r[2] else "FAIL"))
            ok = ok and r[2]
    ref = read_f32(a.compare)
    r = compare(out, ref, a.tolerance)
    if r is None:
        print("output: %d values, %s has %d" % (out.numel(), a.compare,
                                                ref.numel()))
        return 1
    print("output: max abs err %.3g  rel %.3g (tolerance %g)  %s"
          % (r[0], r[1], a.tolerance, "ok" if r[2] else "FAIL"))
    return 0 if ok and r[2] else 1


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
