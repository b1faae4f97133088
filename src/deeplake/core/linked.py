"""Link tensors (paths to files stored elsewhere) and per-sample info."""
from __future__ import annotations

import os
from typing import List

import numpy as np


class LinkedSample:
    """A path stored in a ``link[...]`` tensor (spec 18.2)."""

    def __init__(self, path: str, creds_key=None):
        self.path = path
        self.creds_key = creds_key

    def __repr__(self):
        return f"LinkedSample(path={self.path!r}, creds_key={self.creds_key!r})"


def _read_target(path: str) -> bytes:
    if path.startswith(("http://", "https://")):
        import urllib.request

        with urllib.request.urlopen(path) as r:
            return r.read()
    if "://" in path and not path.startswith("file://"):
        from deeplake.errors import BadLinkError

        raise BadLinkError(f"Linked path '{path}' needs a storage backend that is not available yet.")
    if path.startswith("file://"):
        path = path[len("file://"):]
    with open(os.path.expanduser(path), "rb") as f:
        return f.read()


def read_linked_samples(tensor, indices) -> List[np.ndarray]:
    from deeplake import compression as codecs

    eng = tensor._engine
    paths = eng.read_many(indices)
    out = []
    comp = eng.meta.sample_compression
    for p in paths:
        if not p:
            out.append(np.zeros((0,) * max(1, len(eng.meta.max_shape)), dtype=eng.np_dtype))
            continue
        buf = _read_target(p)
        arr = codecs.decompress_array(buf, comp or codecs.compression_from_path(p), None, eng.np_dtype)
        if eng.meta.htype.startswith("image") and arr.ndim == 2:
            arr = arr[..., None]
        out.append(arr)
    return out


def linked_sample(tensor) -> LinkedSample:
    if not tensor.is_link:
        raise ValueError(f"Tensor '{tensor.name}' is not a link tensor.")
    if not tensor._is_single():
        raise ValueError("_linked_sample() needs a single sample, e.g. tensor[0]._linked_sample().")
    idx = int(tensor._sample_indices()[0])
    return LinkedSample(tensor._engine.read_sample(idx))


def sample_info(tensor):
    """Per-sample info from the hidden ``_<t>_info`` companion ({} when absent)."""
    eng = tensor._engine
    info_key = next((k for k, l in eng.meta.links.items() if l.get("extend") == "extend_info"), None)
    indices = tensor._sample_indices()
    if info_key is None:
        values = [{} for _ in indices]
    else:
        ieng = tensor.dataset._engine_for_key(info_key)
        values = ieng.read_many(indices)
    return values[0] if tensor._is_single() else values
