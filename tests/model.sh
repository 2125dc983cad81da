#!/bin/sh
# model: the PyTorch model of a cfg.  The command's options, refusals and
# atomic output; then, through Debian's torch, every fixture net of both
# forks against Darknet's own output (layer by layer where Darknet's
# per-layer outputs exist), jit.trace, a class-count profile and every cfg
# of both forks' catalogues (see tests/model_check.py).
. "$(dirname "$0")/lib.sh"

if ! "$PYTHON3" -c 'import torch' 2>"$tmp/err"; then
	[ "${CI:-}" = true ] &&
	    bail "$PYTHON3 cannot import torch in CI: $(tail -n 1 "$tmp/err")"
	skip_all "$PYTHON3 cannot import torch (install python3-torch)"
fi

cfg=$data/ab-small.cfg
good=$data/ab-small.weights

expect 0 "--help" -- "$DARKMAP" model --help
grep_out 'CFG -o MODEL\.py' "--help shows the usage"
expect 0 "darkmap --help lists the command" -- "$DARKMAP" --help
grep_out '^  model ' "the command is listed"
expect 2 "no -o" -- "$DARKMAP" model "$cfg"
grep_err '-o FILE is needed' "says -o is needed"
expect 2 "no cfg" -- "$DARKMAP" model -o "$tmp/m.py"
expect 2 "a weights operand is refused" -- "$DARKMAP" model "$cfg" "$good" -o "$tmp/m.py"
grep_err 'the model needs the cfg only' "says why"
expect 2 "unknown option" -- "$DARKMAP" model --names darkmap "$cfg" -o "$tmp/m.py"
expect 2 "bad dialect" -- "$DARKMAP" model -d xy "$cfg" -o "$tmp/m.py"
expect 2 "bad override" -- "$DARKMAP" model --gap=nope "$cfg" -o "$tmp/m.py"
expect 2 "writing onto the cfg refused" -- "$DARKMAP" model "$cfg" -o "$cfg"
expect 3 "a missing cfg" -- "$DARKMAP" model "$tmp/none.cfg" -o "$tmp/m.py"
expect 0 "writes a model" -- "$DARKMAP" model "$cfg" -o "$tmp/m.py"
head -1 "$tmp/m.py" | grep -q '^#!/usr/bin/env python3' && pass "a Python file" ||
    fail "not a Python file: $(head -c 80 "$tmp/m.py")"
grep -E '^(import|from) ' "$tmp/m.py" | grep -v -E '^import (math|sys|torch|torch\.nn\.functional as F)$' >"$tmp/imports"
grep -q -E '^ +import (argparse|os|warnings)$' "$tmp/m.py" && [ ! -s "$tmp/imports" ] &&
    pass "imports only torch, math and the standard library" ||
    fail "imports: $(cat "$tmp/imports")"
grep -q -i darkmap_ "$tmp/m.py" && fail "the model refers to darkmap's code" ||
    pass "the model is standalone"

# A layer the model cannot compute is refused with its line, and nothing
# is written (an existing output survives; no temporary is left).
printf '[net]\nwidth=8\nheight=8\nchannels=1\n[convolutional]\nfilters=2\nsize=3\npad=1\nxnor=1\n' >"$tmp/xnor.cfg"
echo previous >"$tmp/keep.py"
expect 3 "xnor=1 refused" -- "$DARKMAP" model "$tmp/xnor.cfg" -o "$tmp/keep.py"
grep_err 'xnor\.cfg:5: layer 0 \[convolutional\]: xnor=1 \(line 9\).*no model is written' "the refusal names the cfg line"
[ "$(cat "$tmp/keep.py")" = previous ] && pass "previous output kept" || fail "previous output lost"
[ "$(ls -A "$tmp" | grep -c -E '\.[A-Za-z0-9]{6}$')" -eq 0 ] && pass "no temporary files left" ||
    fail "temporary files left: $(ls -A "$tmp")"
printf '[net]\nwidth=8\nheight=8\nchannels=1\n[convolutional]\nfilters=2\nsize=3\n[frobnicate]\n' >"$tmp/unknown.cfg"
expect 3 "an unknown section refused" -- "$DARKMAP" model "$tmp/unknown.cfg" -o "$tmp/u.py"
grep_err 'unknown\.cfg:8: layer 1 \[frobnicate\]:' "the unknown section is named"
[ ! -e "$tmp/u.py" ] && pass "no output after a refusal" || fail "output written after a refusal"

# The bundled net: the model loads the convert strictly and runs.
expect 0 "convert the bundled net" -- "$DARKMAP" convert "$cfg" "$good" -o "$tmp/m.pt"
if "$PYTHON3" - "$tmp/m.py" "$tmp/m.pt" >"$tmp/out" 2>"$tmp/err" <<'PY'
import importlib.util, sys, torch
spec = importlib.util.spec_from_file_location("m", sys.argv[1])
m = importlib.util.module_from_spec(spec)
spec.loader.exec_module(m)
net = m.DarknetModel()
net.load_state_dict(torch.load(sys.argv[2]), strict=True)
with torch.no_grad():
    y = net(m.fixture_input(m.input_shape()))
assert torch.isfinite(y).all(), y
print(tuple(y.shape))
PY
then
	pass "the bundled net's model loads its convert (strict) and runs: $(cat "$tmp/out")"
else
	fail "the bundled net's model: $(tail -n 3 "$tmp/err")"
fi

checks "model_check.py" "$PYTHON3" "$srcdir/tests/model_check.py" \
    "$DARKMAP" "$tmp"
finish
