"""Rewriting a tensor's chunks to the target size (Dataset.rechunk)."""
from __future__ import annotations

import numpy as np


def rechunk_tensor(eng) -> None:
    n = eng.num_samples
    if n == 0:
        return
    indices = np.arange(n, dtype=np.int64)
    tiled = dict(eng.tiles.entries)
    samples = []
    for i in indices:
        i = int(i)
        if i in tiled:
            samples.append((None, eng.read_sample(i)))
        else:
            samples.append((eng.read_bytes(i), tuple(eng.read_shape(i))))
    meta_lo, meta_hi = list(eng.meta.min_shape), list(eng.meta.max_shape)
    diff = eng.diff
    saved_added = list(diff.data_added)
    eng.clear()
    diff.cleared = False
    from deeplake.core.engine.codec import EncodedBatch

    for k, (buf, val) in enumerate(samples):
        if buf is None:
            batch = eng.encode([val])
        else:
            batch = EncodedBatch([buf], [val], count=1)
            if eng.np_dtype is not None:
                batch.extra["dtype"] = eng.np_dtype
        eng.append_encoded(batch)
    eng.meta["min_shape"], eng.meta["max_shape"] = meta_lo, meta_hi
    diff.data_added = saved_added
    diff.data_transformed = True


def rechunk(ds, tensors=None, progressbar=False) -> None:
    names = [tensors] if isinstance(tensors, str) else (list(tensors) if tensors else list(ds.tensors))
    for name in names:
        t = ds[name]
        rechunk_tensor(t._engine)
        for ckey in t._engine.meta.links:
            rechunk_tensor(ds._engine_for_key(ckey))
