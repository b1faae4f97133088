"""Rewriting tensors' chunks to the target size (Dataset.rechunk).

After many updates and pops a tensor's samples are spread over many small or
half-empty chunks; rechunk rewrites every item, from its stored bytes, into
tightly packed new chunks. With workers, each rewrites its share of every
tensor and the shares are stitched in order (transform.parallel_ops).
Chunks of the current node that nothing references afterwards are deleted;
chunks of committed versions are never touched.
"""
from __future__ import annotations

from typing import List


def _tensor_keys(ds, tensors) -> List[str]:
    """Keys of the named tensors plus their companions (shape, id, info ...)."""
    names = [tensors] if isinstance(tensors, str) else (list(tensors) if tensors else list(ds.tensors))
    out: List[str] = []
    for name in names:
        eng = ds[name]._engine
        for key in [eng.key, *eng.meta.links]:
            if key not in out and key in ds._state.meta.tensors:
                out.append(key)
    return out


def rechunk(ds, tensors=None, progressbar: bool = False, num_workers: int = 0, scheduler: str = "threaded") -> None:
    from deeplake.transform.parallel_ops import effective_scheduler, rechunk_keys

    effective_scheduler(num_workers, scheduler)  # bad arguments fail before anything is written
    rechunk_keys(ds, _tensor_keys(ds, tensors), num_workers, scheduler, progressbar)
