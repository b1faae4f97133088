"""Describe datasets as the reference deeplake 3.8.22 reads them, as JSON.

Runs INSIDE the reference venv (not under pytest):

    DEEPLAKE_REFERENCE_PYTHON tests/compat/reference_dump.py PATH [PATH ...]

prints ``{PATH: description}`` on stdout. Every read is wrapped so that one
failing tensor or sample is reported as ``{"error": "Type: message"}`` in the
JSON instead of aborting the dump. The same encoding helpers are imported by
tests/compat/test_reference_reads_ours.py to describe what OUR library reads,
so the two sides are compared value by value.
"""
import contextlib
import hashlib
import json
import os
import sys
import warnings

os.environ.setdefault("DEEPLAKE_DISABLE_VERSION_CHECK", "1")
os.environ.setdefault("BUGGER_OFF", "true")  # the reference's opt-out of its usage reporting
warnings.filterwarnings("ignore")

TEXT_LIKE = ("text", "json", "list", "tag")
META_FIELDS = (
    "htype", "dtype", "sample_compression", "chunk_compression", "max_chunk_size",
    "tiling_threshold", "is_sequence", "is_link", "hidden", "min_shape", "max_shape",
)


def error_of(exc):
    return {"error": f"{type(exc).__name__}: {exc}"}


def attempt(fn):
    """Run ``fn``; a raised exception becomes an ``{"error": ...}`` record."""
    try:
        return fn()
    except Exception as exc:  # noqa: BLE001 - every failure is data here
        return error_of(exc)


def encode(v):
    """JSON-able description of a read value; arrays keep dtype and shape."""
    import numpy as np

    if isinstance(v, np.ndarray):
        if v.dtype == object:
            return {"shape": list(v.shape), "dtype": "object", "value": [encode(x) for x in v.tolist()]}
        if v.dtype.kind == "U":  # str arrays: the dtype width is not part of the format
            return {"shape": list(v.shape), "dtype": "str", "value": v.tolist()}
        return {"shape": list(v.shape), "dtype": v.dtype.name, "value": v.tolist()}
    if isinstance(v, np.generic):
        return encode(v.item()) if not isinstance(v, np.str_) else str(v)
    if isinstance(v, dict):
        return {str(k): encode(x) for k, x in v.items()}
    if isinstance(v, (list, tuple)):
        return [encode(x) for x in v]
    if isinstance(v, bytes):
        return {"bytes_hex": v.hex()}
    return v


def sha(b):
    return hashlib.sha256(bytes(b)).hexdigest()


def plain(v):
    """Tensor info / dataset info as plain JSON."""
    return json.loads(json.dumps(encode(dict(v.items())), default=str))


def sample_record(t, i, base_htype):
    s = t[i]
    rec = {
        "numpy": attempt(lambda: encode(s.numpy(aslist=True))),
        "data": attempt(lambda: encode(s.data())),
        "shape": attempt(lambda: [d for d in s.shape]),
    }
    if base_htype in TEXT_LIKE and not t.meta.is_sequence:
        reader = {"text": "text", "json": "dict", "list": "list", "tag": "list"}[base_htype]
        rec["value"] = attempt(lambda: encode(getattr(s, reader)()))
    if t.meta.sample_compression and not t.meta.is_sequence:
        rec["tobytes_sha256"] = attempt(lambda: sha(s.tobytes()))
    return rec


def full_reads(t):
    return {
        "numpy_aslist": attempt(lambda: encode(t.numpy(aslist=True))),
        "numpy": attempt(lambda: encode(t.numpy())),
        "data": attempt(lambda: encode(t.data())),
        "shape": attempt(lambda: list(t.shape)),
    }


def meta_field(m, f):
    if hasattr(m, f):
        return getattr(m, f)
    return m.get(f) if hasattr(m, "get") else None


def tensor_record(ds, name):
    t = ds[name]
    m = t.meta
    rec = {"meta": {f: meta_field(m, f) for f in META_FIELDS}}
    rec["meta"]["length"] = len(t)
    rec["meta"]["num_samples_flat"] = m.length
    rec["base_htype"] = t.base_htype
    rec["info"] = attempt(lambda: plain(t.info))
    base = t.base_htype
    rec["samples"] = [attempt(lambda i=i: sample_record(t, i, base)) for i in range(len(t))]
    rec["full"] = full_reads(t)
    return rec


def all_tensor_names(ds):
    """Visible and hidden tensor names (the reference's own listing)."""
    return list(ds._tensors(include_hidden=True))


def dataset_record(ds, list_all=all_tensor_names):
    """Describe an open dataset; ``list_all(ds)`` names every tensor, hidden included."""
    out = {
        "len": attempt(lambda: len(ds)),
        "tensor_names": attempt(lambda: list(ds.tensors)),
        "all_tensor_names": attempt(lambda: list_all(ds)),
        "groups": attempt(lambda: sorted(ds.groups)),
        "meta_groups": attempt(lambda: list(ds.meta.groups)),
        "hidden_tensors": attempt(lambda: list(ds.meta.hidden_tensors)),
        "info": attempt(lambda: plain(ds.info)),
        "tensors": {},
    }
    names = out["all_tensor_names"]
    for name in names if isinstance(names, list) else []:
        out["tensors"][name] = attempt(lambda name=name: tensor_record(ds, name))
    return out


def load_and_describe(path):
    import deeplake

    return dataset_record(deeplake.load(path, read_only=True, verbose=False))


def main(paths):
    result = {}
    # the reference prints progress lines on stdout; keep stdout for the JSON only
    with contextlib.redirect_stdout(sys.stderr):
        for p in paths:
            result[p] = attempt(lambda p=p: load_and_describe(p))
    json.dump(result, sys.stdout, default=str)
    sys.stdout.write("\n")


if __name__ == "__main__":
    main(sys.argv[1:])
