"""The generic htype and the numeric coercion every array htype shares."""

from __future__ import annotations

from typing import Any, Callable, List, Optional

import numpy as np

from deeplake.compression.registry import is_image_compression
from deeplake.htypes.base import Coerced, CoercedBatch, HtypeSpec, as_shape
from deeplake.htypes.casting import cast_to_dtype, dtype_meta_updates, first_dtype


def _coerced_array(arr: np.ndarray, min_ndim: int = 1) -> Coerced:
    if arr.ndim < min_ndim:
        arr = arr.reshape(arr.shape + (1,) * (min_ndim - arr.ndim))
    return Coerced(np.ascontiguousarray(arr), as_shape(arr))


def _min_ndim(spec: HtypeSpec, meta: dict) -> int:
    """Image data is stored (H, W, C): the reference pads (H, W) to (H, W, 1)
    for the image htype and for any tensor with an image codec."""
    if spec.name == "image" or is_image_compression(
        meta.get("sample_compression") or meta.get("chunk_compression")
    ):
        return 3
    return 1


def coerce_numeric(
    spec: HtypeSpec,
    meta: dict,
    info: dict,
    samples,
    prepare: Optional[Callable[[Any], Any]] = None,
) -> CoercedBatch:
    """Cast every sample to the tensor dtype (deciding it from data if unset).

    ``prepare`` lets a family adjust a non-None sample first (image mode
    conversion, ...). None samples stay None (empty samples).
    """
    meta_updates: dict = {}
    dtype = meta.get("dtype")
    if dtype is None:
        inferred = first_dtype([s for s in samples if s is not None] if not isinstance(
            samples, np.ndarray) else samples)
        if inferred is not None:
            meta_updates = dtype_meta_updates(inferred)
            dtype = inferred
        elif any(s is not None for s in samples):
            raise ValueError("Could not determine dtype of samples")
    htype = meta.get("htype") or spec.name
    min_ndim = _min_ndim(spec, meta)
    if (
        prepare is None
        and isinstance(samples, np.ndarray)
        and samples.dtype != object
        and samples.ndim > 0
    ):
        # A whole batch array: one cast, then row views.
        batch = cast_to_dtype(samples, dtype, htype, spec.default_dtype)
        return CoercedBatch([_coerced_array(row, min_ndim) for row in batch], meta_updates)
    out: List[Coerced] = []
    for sample in samples:
        if sample is None:
            out.append(Coerced(None, None))
            continue
        if prepare is not None:
            sample = prepare(sample)
        arr = cast_to_dtype(sample, dtype, htype, spec.default_dtype)
        out.append(_coerced_array(arr, min_ndim))
    return CoercedBatch(out, meta_updates)


def _coerce_generic(spec, meta, info, samples) -> CoercedBatch:
    return coerce_numeric(spec, meta, info, samples)


GENERIC = HtypeSpec(name="generic", default_dtype=None, coerce=_coerce_generic)

SPECS = (GENERIC,)
