"""Copying the rows of a dataset or view into a new dataset (no history)."""
from __future__ import annotations

import numpy as np

from deeplake.core.engine.codec import EncodedBatch


def _encoded_rows(eng, indices: np.ndarray) -> EncodedBatch:
    """Stored bytes and shapes of samples, so compressed data is not re-encoded."""
    if eng.can_read_fast():
        arr = eng.read_fixed(indices)
        per = arr.itemsize * int(np.prod(arr.shape[1:], dtype=np.int64))
        batch = EncodedBatch(uniform=(memoryview(arr.reshape(-1)).cast("B") if arr.size else memoryview(b""), per, arr.shape[1:]), count=len(indices))
    else:
        bufs = [eng.read_bytes(int(i)) for i in indices]
        shapes = [tuple(int(x) for x in eng.read_shape(int(i))) for i in indices]
        batch = EncodedBatch(bufs, shapes, count=len(indices))
    if eng.np_dtype is not None:
        batch.extra["dtype"] = eng.np_dtype
    return batch


def copy_rows(ds, dest, tensors=None, overwrite=False, creds=None, progressbar=True):
    import deeplake

    out = deeplake.empty(dest, overwrite=overwrite, creds=creds)
    names = list(tensors) if tensors else list(ds.tensors)
    with out:
        for g in ds._state.meta.groups:
            if not ds._group or g.startswith(ds._group + "/"):
                rel = g[len(ds._group) + 1 :] if ds._group else g
                if rel:
                    out.create_group(rel, exist_ok=True)
        for name in names:
            src = ds[name]
            dst = out.create_tensor_like(name, src)
            _copy_tensor(src, dst, out)
        if not ds._group and dict(ds.info.items()):
            out.info.update(dict(ds.info.items()))
    return out


def _copy_tensor(src, dst, out) -> None:
    seng = src._engine
    deng = dst._engine
    indices = src._sample_indices()
    if src._is_single():
        indices = indices[:1]
    if seng.meta.is_sequence:
        values = src.numpy(aslist=True)
        values = [values] if src._is_single() else values
        out._writer.extend_tensor(dst, values)
        return
    if len(indices) == 0:
        return
    batch = _encoded_rows(seng, indices)
    from deeplake.core.writer import _Plan

    plan = _Plan()
    plan.steps.append((deng, batch))
    infos = None
    info_key = next((k for k, l in seng.meta.links.items() if l.get("extend") == "extend_info"), None)
    if info_key is not None:
        infos = src.dataset._engine_for_key(info_key).read_many(indices)
    out._writer._plan_companions(dst, batch, batch.count, plan, infos if infos is not None else [None] * batch.count)
    plan.apply()
