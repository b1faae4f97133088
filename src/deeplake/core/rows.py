"""Checking the rows given to Dataset.append / Dataset.extend."""
from __future__ import annotations

from typing import Any, Dict, Tuple

import numpy as np

from deeplake.errors import TensorDoesNotExistError


def _row_count(values) -> int:
    if hasattr(values, "__len__"):
        return len(values)
    raise TypeError(f"Expected a sequence of samples, got {type(values).__name__}.")


def prepare_rows(ds, samples: Dict[str, Any], skip_ok: bool, append_empty: bool) -> Tuple[dict, dict]:
    """Resolve tensor names and check lengths; returns (tensors, rows)."""
    if not isinstance(samples, dict):
        raise TypeError(f"Dataset.extend expects a dict of tensor name -> samples, got {type(samples).__name__}.")
    tensors = {}
    for name in samples:
        try:
            t = ds[name]
        except TensorDoesNotExistError:
            raise TensorDoesNotExistError(f"Tensor '{name}' does not exist in dataset '{ds.path}'.") from None
        if not hasattr(t, "_engine"):
            raise TensorDoesNotExistError(f"'{name}' is a group, not a tensor.")
        tensors[name] = t
    counts = {k: _row_count(v) for k, v in samples.items()}
    if len(set(counts.values())) > 1:
        raise ValueError(f"All tensors must be extended by the same number of samples, got {counts}.")
    n = next(iter(counts.values()), 0)
    rows = dict(samples)
    missing = [k for k in ds.tensors if k not in samples]
    if not skip_ok:
        lengths = {k: len(ds[k]) if hasattr(ds[k], "_engine") else 0 for k in list(samples) + missing}
        if len(set(lengths.values())) > 1:
            raise ValueError(
                f"Cannot append rows: the tensors have unequal lengths {lengths}; "
                f"pass skip_ok=True to append anyway."
            )
    if missing:
        if append_empty:
            for k in missing:
                tensors[k] = ds[k]
                rows[k] = [None] * n
        elif not skip_ok:
            from deeplake.errors import TensorNotProvidedError

            raise TensorNotProvidedError(
                f"Tensors {sorted(missing)} were not given samples; pass skip_ok=True to leave them "
                f"shorter or append_empty=True to pad them with empty samples."
            )
    return tensors, rows
