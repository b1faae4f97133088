"""Numeric sample casting and dtype inference shared by the numeric htypes.

Casting rule ("value-safe"): a sample is cast to the tensor dtype when every
value survives the cast; otherwise TensorDtypeMismatchError. Concretely:
* a cast numpy calls "safe" (int32 -> int64, uint8 -> float32, ...) is taken
  without looking at the values;
* integers (and bools) into a narrower integer dtype: every value in range;
* floats into an integer dtype: every value finite, integral and in range;
* floats into a narrower float dtype: no finite value overflows;
* anything into bool: every value is 0 or 1;
* integers into floats are accepted; strings/objects into numbers never.

The reference (numpy 1.26) checked Python and numpy scalars, size-1 arrays
and list elements by value, but larger arrays by type only, so it refused
e.g. ``np.zeros((3, 3))`` into an ``intrinsics`` (float32) tensor, which the
spec shows working. Checking values everywhere accepts what the spec shows
and still refuses lossy input (``-1`` into class_label, ``1.5`` into uint8).
"""

from __future__ import annotations

from functools import reduce
from typing import Any, Optional

import numpy as np

from deeplake.errors import (
    TensorDtypeMismatchError,
    TensorInvalidSampleShapeError,
    TensorUnsupportedSampleType,
)

_PY_SCALARS = (bool, int, float, complex)


def dtype_mismatch(expected, actual, htype: Optional[str] = None,
                   htype_dtype: Optional[str] = None) -> TensorDtypeMismatchError:
    """The reference's TensorDtypeMismatchError message."""
    msg = (
        f"Dtype was expected to be '{np.dtype(expected).name if not isinstance(expected, str) else expected}' "
        f"instead it was '{actual}'. If you called `create_tensor` explicitly with `dtype`, "
        "your samples should also be of that dtype."
    )
    if htype and htype_dtype is not None and htype_dtype == str(expected):
        msg += f" Htype '{htype}' expects samples to have dtype='{htype_dtype}'."
    return TensorDtypeMismatchError(msg)


def _dtype_name(dtype: np.dtype) -> str:
    return "str" if dtype.kind in "US" else dtype.name


def _values_fit(arr: np.ndarray, target: np.dtype) -> bool:
    """True when every value of ``arr`` survives ``arr.astype(target)``."""
    if arr.size == 0 or np.can_cast(arr.dtype, target, "safe"):
        return True
    src, dst = arr.dtype.kind, target.kind
    if src in "USO" or dst in "USOV" or src == "V":
        return False
    if src == "c":
        return dst == "c"
    if dst == "c":
        return True
    if dst == "b":
        return bool(np.all((arr == 0) | (arr == 1)))
    if dst in "ui":
        if src == "f":
            if not np.all(np.isfinite(arr)) or not np.all(np.floor(arr) == arr):
                return False
        info = np.iinfo(target)
        if src == "b":
            return True
        return int(arr.min()) >= info.min and int(arr.max()) <= info.max
    if dst == "f":
        if src != "f":
            return True
        finite = arr[np.isfinite(arr)]
        return finite.size == 0 or float(np.abs(finite).max()) <= float(np.finfo(target).max)
    return False


def to_array(sample: Any) -> np.ndarray:
    """A numpy view of a numeric user sample (array, scalar, nested list)."""
    if isinstance(sample, np.ndarray):
        return sample
    if isinstance(sample, (np.generic,) + _PY_SCALARS):
        return np.asarray(sample)
    if isinstance(sample, (list, tuple)):
        try:
            return np.asarray(sample)
        except ValueError as e:  # ragged nesting
            raise TensorInvalidSampleShapeError(
                f"Sample is a ragged nested sequence and cannot become an array: {e}"
            ) from None
    if hasattr(sample, "__array__") and not isinstance(sample, (str, bytes, dict)):
        return np.asarray(sample)
    raise TensorUnsupportedSampleType(
        f"Cannot serialize sample of type {type(sample)}. If you are appending data from a "
        "file, please pass deeplake.read(filename) to the append operation, instead of the "
        "filename string."
    )


def cast_to_dtype(sample: Any, dtype, htype: Optional[str] = None,
                  htype_dtype: Optional[str] = None) -> np.ndarray:
    """``sample`` as an array of ``dtype``, or TensorDtypeMismatchError.

    The result may share memory with an input array of the same dtype.
    """
    target = np.dtype(dtype)
    arr = to_array(sample)
    if arr.dtype == target:
        return arr
    if not _values_fit(arr, target):
        raise dtype_mismatch(target.name, _dtype_name(arr.dtype), htype, htype_dtype)
    return arr.astype(target)


def _bigger_dtype(a: np.dtype, b: np.dtype) -> np.dtype:
    if a == b or np.can_cast(b, a):
        return a
    if np.can_cast(a, b):
        return b
    try:
        return np.promote_types(a, b)
    except TypeError:
        return np.dtype(object)


def infer_dtype(sample: Any) -> Optional[np.dtype]:
    """dtype a generic tensor takes from its first sample; None if undecidable.

    Python ints -> int64, floats -> float64, bools -> bool (the reference
    made Python bools int64, an accident of ``isinstance(True, int)``).
    Lists take the widest dtype of their items.
    """
    if sample is None:
        return None
    dtype = getattr(sample, "dtype", None)
    if dtype is not None:
        try:
            return np.dtype(dtype)
        except TypeError:
            return None
    if isinstance(sample, bool):
        return np.dtype(bool)
    if isinstance(sample, int):
        return np.dtype(np.int64)
    if isinstance(sample, float):
        return np.dtype(np.float64)
    if isinstance(sample, complex):
        return np.dtype(np.complex128)
    if isinstance(sample, str):
        return np.dtype(str)
    if isinstance(sample, (list, tuple)):
        dtypes = [infer_dtype(item) for item in sample]
        if not dtypes or any(d is None for d in dtypes):
            return None
        return reduce(_bigger_dtype, dtypes)
    return None


def first_dtype(samples) -> Optional[np.dtype]:
    """dtype of the first sample whose dtype can be inferred."""
    if isinstance(samples, np.ndarray) and samples.dtype != object:
        return samples.dtype
    for sample in samples:
        dtype = infer_dtype(sample)
        if dtype is not None:
            return dtype
    return None


def dtype_meta_updates(dtype: np.dtype) -> dict:
    """tensor_meta keys set when a dtype is decided from data."""
    return {"dtype": _dtype_name(dtype), "typestr": dtype.str}
