"""deeplake.ingest_dataframe: one tensor per pandas column.

Numeric and bool columns keep their dtype (one value per row, no shape tensor); string columns
become text; object columns are inspected (strings -> text, anything else -> generic arrays).
``column_params[column]`` gives the tensor's name and create_tensor arguments; an image htype
reads the column's file paths, a link[...] htype stores them as links.
"""
from __future__ import annotations

from typing import Dict, List, Optional

import numpy as np

from deeplake.ingest import _common as c
from deeplake.ingest._common import IngestionError

_INVALID_NAME_CHARS = set("[]@.,?!/\\#'\"")
INSPECT_LIMIT = 1000


def sanitize_tensor_name(name) -> str:
    return "".join("_" if ch in _INVALID_NAME_CHARS else ch for ch in str(name))


def _is_missing(value) -> bool:
    if value is None:
        return True
    if isinstance(value, (float, np.floating)):
        return bool(np.isnan(value))
    try:
        import pandas as pd

        return value is pd.NA or value is pd.NaT
    except ImportError:  # pragma: no cover - pandas is needed to get here
        return False


def _column_values(series) -> list:
    return [None if _is_missing(v) else v for v in series.tolist()]


def _image_compression(column: str, values: List[Optional[str]]) -> Optional[str]:
    paths = [v for v in values if v is not None]
    if not paths:
        raise IngestionError(f"Column '{column}' has no file paths to infer the image compression from.")
    for p in paths:
        if not isinstance(p, str) or not c.is_image_file(p):
            raise IngestionError(f"Column '{column}': the following file is not a supported image: {p}")
    return c.most_common_compression(paths)


def _is_numeric(series) -> bool:
    import pandas as pd

    return pd.api.types.is_bool_dtype(series.dtype) or pd.api.types.is_numeric_dtype(series.dtype)


def _tensor_params(series, column: str, params: Dict) -> Dict:
    """create_tensor kwargs for a column, inferring what the user left out."""
    import pandas as pd

    params = dict(params)
    htype = str(params.get("htype", ""))
    if not htype:
        if _is_numeric(series):
            if series.isna().any() and not pd.api.types.is_float_dtype(series.dtype):
                params["dtype"] = "float64"  # nullable ints/bools: missing values need NaN
            else:
                params["dtype"] = np.dtype(series.dtype.numpy_dtype if hasattr(series.dtype, "numpy_dtype")
                                           else series.dtype).name
            params.setdefault("create_shape_tensor", False)
        elif pd.api.types.is_string_dtype(series.dtype) or series.dtype == object:
            kinds = {type(v) for v in _column_values(series.iloc[:INSPECT_LIMIT]) if v is not None}
            if len(kinds) > 1:
                raise IngestionError(
                    f"Dataframe has different data types inside '{column}' column ({', '.join(sorted(k.__name__ for k in kinds))}). "
                    f"Make sure a column holds a single kind of value, or give its htype in column_params."
                )
            if kinds == {str}:
                params["htype"] = "text"
        else:
            params["htype"] = "text"  # datetimes, categoricals, ...: stored as their text
    htype = str(params.get("htype", ""))
    if "image" in htype and "sample_compression" not in params and "chunk_compression" not in params:
        params["sample_compression"] = _image_compression(column, _column_values(series))
    return params


def _samples(series, params: Dict, src_creds, creds_key):
    import deeplake

    htype = str(params.get("htype", ""))
    if "dtype" in params and not htype and _is_numeric(series):
        dtype = np.dtype(params["dtype"])
        extra = {"na_value": np.nan} if dtype.kind == "f" else {}
        return series.to_numpy(dtype=dtype, **extra).reshape(-1, 1)
    values = _column_values(series)
    if htype.startswith("link["):
        return [None if v is None else deeplake.link(v, creds_key=creds_key) for v in values]
    if "image" in htype:
        creds = src_creds if isinstance(src_creds, dict) else None
        return [None if v is None else deeplake.read(v, creds=creds) for v in values]
    if htype == "text":
        return [None if v is None else str(v) for v in values]
    return values


def ingest_dataframe(src, dest, column_params: Optional[Dict] = None, src_creds=None, dest_creds=None,
                     creds_key: Optional[str] = None, progressbar: bool = True, token: Optional[str] = None,
                     connect_kwargs: Optional[Dict] = None, **dataset_kwargs):
    """Convert a pandas DataFrame into a dataset with one tensor per column."""
    import pandas as pd

    from deeplake.core.dataset import Dataset

    if not isinstance(src, pd.DataFrame):
        raise IngestionError(f"Source provided is not a valid pandas dataframe object (got {type(src).__name__}).")
    if not isinstance(dest, Dataset):
        c.check_not_cloud(dest, token, connect_kwargs)
    elif connect_kwargs is not None:
        c.check_not_cloud(None, token, connect_kwargs)
    column_params = dict(column_params or {})
    unknown = [k for k in column_params if k not in src.columns]
    if unknown:
        raise IngestionError(f"column_params names columns that are not in the dataframe: {unknown}. "
                             f"Columns: {list(src.columns)}.")
    if len(set(map(str, src.columns))) != len(src.columns):
        raise IngestionError("The dataframe has duplicate column names; rename them first.")
    plan = []
    for column in src.columns:
        params = dict(column_params.get(column) or {})
        params.setdefault("name", sanitize_tensor_name(column))
        plan.append((column, _tensor_params(src[column], str(column), params)))
    names = [p["name"] for _, p in plan]
    if len(set(names)) != len(names):
        raise IngestionError(f"Two columns map to the same tensor name: {names}.")

    if isinstance(dest, Dataset):
        _fill(dest, src, plan, src_creds, creds_key, progressbar)
        return dest
    with c.new_dataset(dest, dest_creds, token, **dataset_kwargs) as ds:
        _fill(ds, src, plan, src_creds, creds_key, progressbar)
    return ds


def _fill(ds, frame, plan, src_creds, creds_key, progressbar) -> None:
    if any(str(p.get("htype", "")).startswith("link[") for _, p in plan):
        c.prepare_creds_key(ds, creds_key, src_creds)
    bar = None
    if progressbar:
        from tqdm import tqdm

        bar = tqdm(total=len(plan), desc="Ingesting columns", unit=" columns")
    try:
        with ds:
            for column, params in plan:
                if params["name"] not in ds.tensors:
                    ds.create_tensor(**params)
                ds[params["name"]].extend(_samples(frame[column], params, src_creds, creds_key))
                if bar is not None:
                    bar.update(1)
    finally:
        if bar is not None:
            bar.close()
