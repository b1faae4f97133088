"""Merging samples into batches: numpy by default, torch and tensorflow on request.

Batches are dicts keyed by tensor name (plus 'index'). ``LoaderBatch``
iterates over its values, as the reference's batches do, so
``for images, labels in loader`` unpacks in the order of ``tensors``.
"""
from __future__ import annotations

from typing import Any, Dict, List

import numpy as np

# PyTorch has no unsigned types wider than uint8 (documented casts)
TORCH_CASTS = {np.dtype("uint16"): np.int32, np.dtype("uint32"): np.int64, np.dtype("uint64"): np.int64}


class LoaderBatch(dict):
    """A dict of columns whose iteration yields the values (tuple-style unpacking)."""

    def __iter__(self):
        return iter(self.values())

    def __reduce__(self):
        return (LoaderBatch, (dict(self),))


def stack_column(values: List[Any]):
    """One array when the values are arrays of one shape and dtype, else the list."""
    if not values:
        return values
    first = values[0]
    if isinstance(first, np.ndarray) and first.dtype != object:
        shape, dtype = first.shape, first.dtype
        if all(isinstance(v, np.ndarray) and v.shape == shape and v.dtype == dtype for v in values):
            return np.stack(values)
        return values
    if isinstance(first, (int, float, np.number, bool)) and not isinstance(first, str):
        try:
            return np.asarray(values)
        except ValueError:
            return values
    return values


def rows_to_columns(samples: List[Any]):
    """Default collation of per-sample outputs (dicts, tuples or single values)."""
    if not samples:
        return samples
    first = samples[0]
    if isinstance(first, dict):
        return LoaderBatch((k, rows_to_columns([s[k] for s in samples])) for k in first.keys())
    if isinstance(first, tuple):
        return tuple(rows_to_columns([s[i] for s in samples]) for i in range(len(first)))
    if _is_torch_tensor(first):
        import torch

        if all(t.shape == first.shape for t in samples):
            return torch.stack(samples)
        return samples
    return stack_column(samples)


def columns_to_rows(batch: Dict[str, Any], n: int) -> List[Dict[str, Any]]:
    return [{k: v[i] for k, v in batch.items()} for i in range(n)]


def _is_torch_tensor(x) -> bool:
    return type(x).__module__.startswith("torch") and hasattr(x, "dim")


def to_torch(value):
    """numpy columns (and nested dicts/lists of them) as torch tensors, with the documented casts."""
    import torch

    if isinstance(value, LoaderBatch):
        return LoaderBatch((k, to_torch(v)) for k, v in value.items())
    if isinstance(value, dict):
        return {k: to_torch(v) for k, v in value.items()}
    if isinstance(value, tuple):
        return tuple(to_torch(v) for v in value)
    if isinstance(value, np.ndarray):
        if value.dtype == object or value.dtype.kind in "USV":
            return value.tolist()
        cast = TORCH_CASTS.get(value.dtype)
        if cast is not None:
            value = value.astype(cast)
        if not value.flags.writeable:
            value = value.copy()  # torch warns on read-only buffers
        return torch.from_numpy(value)
    if isinstance(value, np.generic):
        return to_torch(np.asarray(value))
    if isinstance(value, list):
        return [to_torch(v) for v in value]
    return value


def to_tensorflow(value):
    import tensorflow as tf

    if isinstance(value, dict):
        return LoaderBatch((k, to_tensorflow(v)) for k, v in value.items())
    if isinstance(value, tuple):
        return tuple(to_tensorflow(v) for v in value)
    if isinstance(value, np.ndarray) and value.dtype != object:
        return tf.convert_to_tensor(value)
    if isinstance(value, list):
        try:
            return tf.ragged.constant(value) if value and isinstance(value[0], np.ndarray) else value
        except (ValueError, TypeError):
            return value
    return value
