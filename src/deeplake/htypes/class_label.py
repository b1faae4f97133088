"""class_label htype: (k,) uint32 indices into tensor.info.class_names.

Samples may be ints, strings, numpy arrays or (nested) lists of either.
Strings become indices; names not yet in class_names are appended in the
order met (the grown list is returned as an info update). Indices must fit
the tensor dtype: negative or fractional labels raise
TensorDtypeMismatchError, as in the reference.
"""

from __future__ import annotations

from typing import Any, Dict, List, Tuple

import numpy as np

from deeplake.errors import TensorMetaInvalidHtypeOverwriteValue
from deeplake.htypes.base import CoercedBatch, HtypeSpec, info_meta_defaults
from deeplake.htypes.generic import coerce_numeric


def validate_class_names(value) -> List[str]:
    """class_names must be a list of strings (tuples / string arrays accepted)."""
    if isinstance(value, np.ndarray):
        value = value.tolist()
    if not isinstance(value, (list, tuple)) or not all(isinstance(v, str) for v in value):
        raise TensorMetaInvalidHtypeOverwriteValue(
            f"Invalid value '{value}' for tensor meta key 'class_names'. "
            "class_names must be a list of strings."
        )
    return list(value)


def _validate_class_names_kwarg(spec: HtypeSpec, kwargs: dict) -> dict:
    if "class_names" in kwargs:
        kwargs = dict(kwargs, class_names=validate_class_names(kwargs["class_names"]))
    return kwargs


def validate_index_dtype(spec: HtypeSpec, dtype: str) -> None:
    """Label tensors store indices: only integer dtypes make sense."""
    if np.dtype(dtype).kind not in "ui":
        raise TensorMetaInvalidHtypeOverwriteValue(
            f"Invalid value '{dtype}' for tensor meta key 'dtype'. "
            f"dtype for tensors with {spec.name} htype must be an integer type."
        )


def labels_to_indices(sample: Any, index: Dict[str, int], names: List[str]) -> Any:
    """Replace every string in ``sample`` by its class index, growing ``names``."""
    if isinstance(sample, np.ndarray):
        if sample.dtype.kind not in "USO":
            return sample
        sample = sample.tolist()
    if isinstance(sample, (str, np.str_)):
        idx = index.get(sample)
        if idx is None:
            idx = index[sample] = len(names)
            names.append(str(sample))
        return idx
    if isinstance(sample, (list, tuple)):
        return [labels_to_indices(item, index, names) for item in sample]
    return sample


def convert_labels(samples, class_names: List[str]) -> Tuple[list, List[str]]:
    """(samples with strings replaced by indices, class_names grown as needed)."""
    names = list(class_names)
    index = {name: i for i, name in enumerate(names)}
    converted = [
        None if s is None else labels_to_indices(s, index, names) for s in samples
    ]
    return converted, names


def _coerce_class_label(spec, meta, info, samples) -> CoercedBatch:
    if isinstance(samples, np.ndarray) and samples.dtype.kind not in "USO":
        return coerce_numeric(spec, meta, info, samples)
    class_names = list((info or {}).get("class_names") or [])
    converted, names = convert_labels(samples, class_names)
    batch = coerce_numeric(spec, meta, info, converted)
    if len(names) != len(class_names):
        batch.info_updates["class_names"] = names
    return batch


CLASS_LABEL = HtypeSpec(
    name="class_label",
    default_dtype="uint32",
    coerce=_coerce_class_label,
    meta_defaults={
        **info_meta_defaults(class_names=[]),
        "_disable_temp_transform": False,
    },
    info_keys=("class_names",),
    allowed_user_keys=frozenset({"class_names", "_disable_temp_transform"}),
    validate_kwargs=_validate_class_names_kwarg,
    validate_dtype=validate_index_dtype,
)

SPECS = (CLASS_LABEL,)
