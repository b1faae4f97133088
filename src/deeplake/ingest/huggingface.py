"""deeplake.ingest_huggingface: a Hugging Face Dataset (or DatasetDict, one group per split) -> tensors.

Value(string) -> text, ClassLabel -> class_label with the feature's names, Image -> image,
Value / Array / Sequence of numbers -> generic, dict features -> one tensor per key under a group.
Sequences of strings and media other than images are skipped, as in the reference.
"""
from __future__ import annotations

import os
import pathlib
from typing import Dict, List, Optional

import numpy as np

from deeplake.ingest import _common as c

_STRING_DTYPES = ("string", "large_string")


def _feature_kind(feature) -> str:
    import datasets

    if isinstance(feature, dict):
        return "dict"
    if isinstance(feature, datasets.ClassLabel):
        return "class_label"
    if isinstance(feature, datasets.Image):
        return "image"
    inner = _sequence_inner(feature)
    if inner is not None:
        if isinstance(inner, dict):
            return "dict_sequence"
        inner_kind = _feature_kind(inner)
        if inner_kind in ("generic", "class_label", "sequence"):
            return "sequence" if inner_kind != "class_label" else "class_label_sequence"
        return "skip"
    if isinstance(feature, datasets.Value):
        return "text" if feature.dtype in _STRING_DTYPES else "generic"
    if type(feature).__name__.startswith("Array") and hasattr(feature, "dtype"):
        return "generic"
    return "skip"


def _sequence_inner(feature):
    import datasets

    if isinstance(feature, datasets.Sequence):
        return feature.feature
    list_type = getattr(datasets, "List", None)
    if list_type is not None and isinstance(feature, list_type):
        return feature.feature
    if isinstance(feature, list) and feature:
        return feature[0]
    return None


def _rows_of_dicts(values: list, keys) -> Dict[str, list]:
    """Column per key from rows that are dicts (or lists of dicts: the new-style List(dict))."""
    out: Dict[str, list] = {k: [] for k in keys}
    for row in values:
        if isinstance(row, dict):
            for k in keys:
                out[k].append(row.get(k))
        else:  # list of dicts -> one list per key for this row
            for k in keys:
                out[k].append([item.get(k) for item in (row or [])])
    return out


def _image_array(image) -> Optional[np.ndarray]:
    if image is None:
        return None
    if image.mode not in ("L", "RGB", "RGBA", "I;16", "I", "F", "1"):
        image = image.convert("RGB")
    arr = np.asarray(image)
    return arr[..., None] if arr.ndim == 2 else arr


def _image_compression(values: list) -> str:
    for image in values:
        fmt = getattr(image, "format", None)
        if fmt:
            return c.normalize_compression(fmt.lower())
    return "png"


def _add(ds, key: str, feature, values: list, skipped: List[str]) -> None:
    kind = _feature_kind(feature)
    if kind in ("dict", "dict_sequence"):
        inner = feature if kind == "dict" else _sequence_inner(feature)
        columns = _rows_of_dicts(values, list(inner))
        for sub, sub_feature in inner.items():
            sub_feature = sub_feature if kind == "dict" else _as_sequence(sub_feature)
            _add(ds, f"{key}/{sub}", sub_feature, columns[sub], skipped)
        return
    if kind == "skip":
        skipped.append(key)
        return
    if kind == "text":
        ds.create_tensor(key, htype="text")
        ds[key].extend(["" if v is None else v for v in values])
    elif kind in ("class_label", "class_label_sequence"):
        names = feature.names if kind == "class_label" else _sequence_inner(feature).names
        ds.create_tensor(key, htype="class_label", class_names=list(names))
        ds[key].extend([np.asarray(v if v is not None else [], dtype=np.int64) for v in values])
    elif kind == "image":
        ds.create_tensor(key, htype="image", sample_compression=_image_compression(values))
        ds[key].extend([_image_array(v) for v in values])
    else:
        ds.create_tensor(key)
        dtype = getattr(feature, "dtype", None)
        if type(feature).__name__.startswith("Array"):
            ds[key].extend([np.asarray(v, dtype=dtype) for v in values])
        else:
            ds[key].extend(values)


def _as_sequence(feature):
    import datasets

    return datasets.Sequence(feature)


def _convert_split(ds, prefix: str, src, progressbar: bool) -> List[str]:
    skipped: List[str] = []
    items = list(src.features.items())
    bar = None
    if progressbar:
        from tqdm import tqdm

        bar = tqdm(total=len(items), desc="Converting...(0 skipped)")
    try:
        for key, feature in items:
            _add(ds, f"{prefix}{key}", feature, list(src[key]), skipped)
            if bar is not None:
                bar.set_description(f"Converting...({len(skipped)} skipped)")
                bar.update(1)
    finally:
        if bar is not None:
            bar.close()
    return skipped


def ingest_huggingface(src, dest, use_progressbar: bool = True, token: Optional[str] = None,
                       connect_kwargs: Optional[Dict] = None, **dataset_kwargs):
    """Convert a Hugging Face Dataset or DatasetDict (splits become groups) to a Deep Lake dataset."""
    from deeplake.core.dataset import Dataset

    try:
        import datasets
    except ImportError as e:
        from deeplake import errors

        raise errors.ModuleNotInstalledException(
            "ingest_huggingface needs the 'datasets' package: pip install deeplake[huggingface] (or pip install datasets)"
        ) from e
    if not isinstance(src, (datasets.Dataset, datasets.DatasetDict)):
        raise TypeError(f"src must be a datasets.Dataset or DatasetDict, got {type(src).__name__}.")
    if isinstance(dest, Dataset):
        c.check_not_cloud(None, token, connect_kwargs)
        if dataset_kwargs.get("overwrite"):
            import deeplake

            ds = deeplake.empty(dest.path, token=token, **dataset_kwargs)
        else:
            ds = dest
        return _convert(ds, src, use_progressbar)
    if not isinstance(dest, (str, pathlib.Path, os.PathLike)):
        raise ValueError(f"Expected `dest` to be a path or deeplake Dataset object, got {type(dest)}.")
    c.check_not_cloud(dest, token, connect_kwargs)
    with c.new_dataset(dest, None, token, **dataset_kwargs) as ds:
        _convert(ds, src, use_progressbar)
    return ds


def _convert(ds, src, progressbar: bool):
    import datasets

    with ds:
        if isinstance(src, datasets.DatasetDict):
            for split, split_ds in src.items():
                _convert_split(ds, f"{split}/", split_ds, progressbar)
        else:
            _convert_split(ds, "", src, progressbar)
    return ds
