#!/usr/bin/python3
"""Checks the JSON of `darkmap identify` (tests/identify.sh).

usage: identify_check.py JSON top|tied|none|closest [KEY=VALUE]...
       identify_check.py JSON sketch CFG-LAYOUT.json

top:   the first candidate has every KEY=VALUE;
tied:  some candidate scoring as high as the first has them;
none:  no candidate is plausible;
closest: the first of the layouts that do not fit has them.
KEY is name (a suffix of one of the candidate's names), or any field of a
candidate (classes, dialect, fit, cutoff, plausible_layers, layers), or
header.FIELD, or change (a "key:from:to" one of its changes has).

sketch: prints how many leading conv layers of the net laid out in
CFG-LAYOUT.json (darkmap inspect -f json CFG) the sketch rebuilds exactly
(filters, size, input channels, batch norm), then the net's conv count.
"""

import json
import sys


def matches(doc, cand, cond):
    key, _, want = cond.partition("=")
    if key == "name":
        return any(n.endswith(want) for n in cand["names"])
    if key == "change":
        return any("%s:%s:%s" % (c["key"], c["from"], c["to"]) == want
                   for c in cand["changes"])
    if key.startswith("header."):
        return str(doc["header"][key[7:]]).lower() == want
    got = cand.get(key)
    if isinstance(got, bool):
        got = str(got).lower()
    return str(got) == want


def sketch(doc, layout):
    convs = []
    for layer in layout["layers"]:
        if layer["type"] != "convolutional":
            continue
        arrays = {a["name"]: a for a in layer["arrays"]}
        n, c, k, _ = arrays["weights"]["shape"]
        convs.append((n, k, c, 1 if "scales" in arrays else 0))
    got = [(l["filters"], l["size"], l["channels"], l["batch_normalize"])
           for l in doc["sketch"]["layers"]]
    n = 0
    while n < len(convs) and n < len(got) and convs[n] == got[n]:
        n += 1
    print(n, len(convs))


def main():
    with open(sys.argv[1]) as f:
        doc = json.load(f)
    mode, conds = sys.argv[2], sys.argv[3:]
    cands = doc["candidates"]
    if mode == "sketch":
        with open(conds[0]) as f:
            sketch(doc, json.load(f))
        return 0
    if mode == "none":
        return 1 if any(c["plausible"] for c in cands) else 0
    if mode == "closest":
        cands = doc["closest"]
    if not cands:
        print("no candidates", file=sys.stderr)
        return 1
    pool = cands[:1] if mode in ("top", "closest") else \
        [c for c in cands if c["score"] == cands[0]["score"]]
    for c in pool:
        if all(matches(doc, c, cond) for cond in conds):
            return 0
    print("no candidate with %s among %s" % (conds, json.dumps(pool)[:600]),
          file=sys.stderr)
    return 1


sys.exit(main())
