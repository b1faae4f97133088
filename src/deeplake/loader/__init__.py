"""The dataloader: ds.dataloader(), ds.pytorch(), ds.tensorflow().

Framework-free parts (planning, chunk reads, decoding, workers, collation)
live here; torch and tensorflow are imported only when their output is asked
for.
"""
from __future__ import annotations

import warnings
from typing import Any, Callable, Dict, Optional, Sequence

from deeplake.loader.builder import DeepLakeDataLoader

__all__ = ["DeepLakeDataLoader", "dataloader", "pytorch", "tensorflow"]


def _flush_if_writable(ds) -> None:
    # chunks written but not flushed are read from the engine; flushing keeps workers consistent
    try:
        if not ds.read_only:
            ds.flush()
    except Exception:  # noqa: BLE001 - a view or read-only storage: nothing to flush
        pass


def dataloader(ds, ignore_errors: bool = False, verbose: bool = False) -> DeepLakeDataLoader:
    _flush_if_writable(ds)
    return DeepLakeDataLoader(ds, ignore_errors=ignore_errors, verbose=verbose)


def pytorch(ds, transform: Optional[Callable] = None, tensors: Optional[Sequence[str]] = None,
            num_workers: int = 1, batch_size: Optional[int] = 1, drop_last: bool = False,
            collate_fn: Optional[Callable] = None, pin_memory: bool = False, shuffle: bool = False,
            buffer_size: int = 2048, use_local_cache: bool = False, progressbar: bool = False,
            return_index: bool = True, pad_tensors: bool = False,
            transform_kwargs: Optional[Dict[str, Any]] = None, decode_method: Optional[Dict[str, str]] = None,
            cache_size: int = 32 * 10**6, *args, **kwargs):
    """``ds.pytorch()``: a ``torch.utils.data.DataLoader`` over the dataset (spec: Dataset.pytorch)."""
    from deeplake._deps import require
    from deeplake.loader.fetch import BatchReader
    from deeplake.loader.plan import EpochPlan
    from deeplake.loader.torch_adapter import make_torch_loader

    require("torch")
    persistent_workers = bool(kwargs.pop("persistent_workers", False))
    prefetch_factor = int(kwargs.pop("prefetch_factor", 2))
    num_threads = kwargs.pop("num_threads", None)
    distributed = bool(kwargs.pop("distributed", False))
    ignore_errors = bool(kwargs.pop("ignore_errors", False))
    if kwargs or args:
        warnings.warn(f"ds.pytorch() ignores unknown arguments: {sorted(kwargs) or args}")
    if not isinstance(num_workers, int) or num_workers < 0:
        raise ValueError(f"num_workers must be a non-negative integer, got {num_workers!r}.")
    _flush_if_writable(ds)
    unbatched = batch_size is None
    if num_threads is None:
        num_threads = 1 if num_workers > 0 else 2
    cache_budget = max(int(cache_size), 32 * 10**6)
    if shuffle:
        cache_budget = max(cache_budget, int(buffer_size * 10**6))
    reader = BatchReader(
        ds, tensors=tensors, decode_method=decode_method, transform=transform,
        transform_kwargs=transform_kwargs, collate_fn=collate_fn, ignore_errors=ignore_errors,
        return_index=return_index, pad_tensors=pad_tensors, num_threads=num_threads,
        cache_budget=cache_budget, use_local_cache=use_local_cache,
    )
    reader.unbatched = unbatched
    plan = EpochPlan(reader, batch_size=1 if unbatched else batch_size, drop_last=drop_last, shuffle=shuffle,
                     buffer_size_mb=buffer_size, distributed=distributed, prefetch_factor=prefetch_factor)
    return make_torch_loader(plan, num_workers=num_workers, prefetch_factor=prefetch_factor, pin_memory=pin_memory,
                             persistent_workers=persistent_workers and num_workers > 0, progressbar=progressbar)


def tensorflow(ds, tensors: Optional[Sequence[str]] = None, tobytes=False, fetch_chunks: bool = True):
    """``ds.tensorflow()``: a ``tf.data.Dataset`` of per-sample dicts."""
    from deeplake.loader.tf_adapter import dataset_to_tensorflow

    _flush_if_writable(ds)
    return dataset_to_tensorflow(ds, tensors=tensors, tobytes=tobytes)
