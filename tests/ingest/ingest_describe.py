"""Describe a dataset as plain JSON (tensor meta + rows) so ours and the reference's compare.

Imports nothing from the package under test: runs in either interpreter.
"""
import json
import sys

import numpy as np


def _round(v):
    return v.round(4) if v.dtype.kind == "f" else v


def _value(tensor, i, htype):
    if htype in ("text", "json", "list", "tag"):
        return tensor[i].data()["value"]
    v = tensor[i].numpy(aslist=True)
    if isinstance(v, list):
        return [_round(np.asarray(x)).tolist() for x in v]
    v = np.asarray(v)
    if htype == "class_label":
        names = tensor.info.class_names
        return sorted(names[int(x)] for x in v.reshape(-1)) if names else v.reshape(-1).tolist()
    if htype == "image":
        return {"shape": list(v.shape), "sum": int(v.astype(np.int64).sum())}
    if v.size == 0:
        return []
    return _round(v).tolist()


def describe(ds):
    tensors = {}
    for key in ds.tensors:
        if key.split("/")[-1].startswith("__") or "/__" in key or key.startswith("_"):
            continue
        t = ds[key]
        m = t.meta
        info = dict(t.info)
        tensors[key] = {
            "htype": m.htype, "dtype": str(np.dtype(m.dtype)) if m.dtype else None,
            "sample_compression": m.sample_compression, "is_link": bool(m.is_link),
            "class_names": sorted(info.get("class_names") or []), "coords": info.get("coords"),
            "values": [_value(t, i, m.htype) for i in range(len(t))],
        }
    return tensors


def run(script):
    """Execute ``script`` (defines ``ds``) and print its description."""
    scope = {}
    exec(script, scope)
    print("@@JSON@@" + json.dumps(describe(scope["ds"]), default=str))


if __name__ == "__main__":
    run(sys.stdin.read())
