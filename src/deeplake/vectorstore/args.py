"""Argument checks of the VectorStore: every bad combination fails here, before any write."""

from __future__ import annotations

import os
import warnings
from typing import Any, Dict, List, Optional

import numpy as np

from deeplake.errors import CloudServiceUnavailableError, TensorDoesNotExistError
from deeplake.vectorstore.defaults import (
    DEFAULT_RATE_LIMITER,
    DEFAULT_VECTORSTORE_INDEX_PARAMS,
    EXEC_OPTIONS,
)

# Public metric names (case-insensitive) -> the internal key used by the kernels and TQL.
METRICS = {"l1": "l1", "l2": "l2", "cos": "cos", "max": "max"}
_BAD_EXEC = "Invalid `exec_option` it should be either `python`, `compute_engine` or `tensor_db`."


def cloud_unavailable(what: str) -> CloudServiceUnavailableError:
    return CloudServiceUnavailableError(
        f"{what} needs the Deep Lake cloud service (Managed Tensor Database / Activeloop backend), "
        f"which this offline implementation cannot reach. Store the Vector Store at a local path, "
        f"mem:// or an object store (s3://, gcs://, az://) and use exec_option='python' or 'compute_engine'."
    )


def check_offline(path: Optional[str], token, org_id, runtime, exec_option) -> None:
    """Refuse every argument that only the cloud service can honour."""
    if path is not None and str(path).startswith("hub://"):
        raise cloud_unavailable(f"The path '{path}'")
    if token is not None:
        raise cloud_unavailable("An Activeloop `token`")
    if org_id is not None:
        raise cloud_unavailable("`org_id`")
    if runtime and (runtime.get("tensor_db") or runtime.get("db_engine")):
        raise cloud_unavailable("runtime={'tensor_db': True}")
    if exec_option == "tensor_db":
        raise cloud_unavailable("exec_option='tensor_db'")


def check_init_exec_option(exec_option) -> str:
    if exec_option is None:
        return "auto"
    if exec_option != "auto" and exec_option not in EXEC_OPTIONS:
        raise ValueError(
            "Invalid `exec_option` it should be either `auto`, `python`, `compute_engine` or `tensor_db`."
        )
    return exec_option


def resolve_exec_option(exec_option: Optional[str], default: str, *, query: Optional[str] = None) -> str:
    """The option a call runs with. "auto" is "python" (numpy over the cached
    embedding column), or "compute_engine" when a TQL query must be run."""
    option = exec_option or default
    if option == "auto":
        option = "compute_engine" if query is not None else "python"
    if option not in EXEC_OPTIONS:
        raise ValueError(_BAD_EXEC)
    if option == "tensor_db":
        raise cloud_unavailable("exec_option='tensor_db'")
    return option


def parse_index_params(index_params: Optional[Dict]) -> Dict:
    params = {**DEFAULT_VECTORSTORE_INDEX_PARAMS}
    for key, value in (index_params or {}).items():
        if key not in params:
            raise ValueError(f"Invalid key '{key}' in index_params. Valid keys are: {list(params)}")
        params[key] = value
    return params


def parse_distance_metric(distance_metric: str) -> str:
    if not isinstance(distance_metric, str) or distance_metric.lower() not in METRICS:
        raise ValueError(
            f"Invalid distance_metric {distance_metric!r}; use one of 'L1', 'L2', 'COS' or 'MAX'."
        )
    return METRICS[distance_metric.lower()]


def index_metric(index_params: Dict) -> str:
    """DistanceType names ('L2_NORM', 'COSINE_SIMILARITY') or the short ones."""
    metric = str(index_params.get("distance_metric") or "COS")
    return {"L2_NORM": "L2", "COSINE_SIMILARITY": "COS"}.get(metric.upper(), metric)


def check_search_args(*, embedding_data, embedding_function, initial_embedding_function, embedding, k,
                      query, filter, exec_option, return_tensors) -> None:
    if embedding is not None and query is not None:
        raise ValueError("Both `embedding` and `query` were specified. Please specify either one or the other.")
    if (embedding_function is None and initial_embedding_function is None and embedding is None
            and query is None and filter is None):
        raise ValueError("Either an `embedding`, `embedding_function`, `filter`, or `query` must be specified.")
    if embedding is not None and embedding_function is not None:
        warnings.warn("Both `embedding` and `embedding_function` were specified. Already computed `embedding` will be used.")
    if embedding_data is None and embedding_function is not None:
        raise ValueError("When an `embedding_function` is specified, `embedding_data` must also be specified.")
    if embedding_data is not None and embedding_function is None and initial_embedding_function is None:
        raise ValueError("When an `embedding_data` is specified, `embedding_function` must also be specified.")
    if isinstance(k, bool) or not isinstance(k, (int, np.integer)) or k <= 0:
        raise ValueError(f"`k` must be a positive integer, got {k!r}.")
    if exec_option == "python":
        if query is not None:
            raise ValueError(f"User-specified TQL queries are not support for exec_option={exec_option}.")
        return
    if query and filter:
        raise ValueError("`query` and `filter` parameters cannot be specified simultaneously.")
    if return_tensors and query:
        raise ValueError(
            "return_tensors and query parameters cannot be specified simultaneously, because the data that "
            "is returned is directly specified in the query."
        )
    if callable(filter):
        raise ValueError(f"UDF filter functions are not supported with the current `exec_option`={exec_option}. ")


def parse_return_tensors(ds, return_tensors, embedding_tensor: str, return_view: bool) -> List[str]:
    """Tensors a search returns: all but the embedding by default, all for "*" or a view."""
    if return_view:
        return_tensors = "*"
    if not return_tensors or return_tensors == "*":
        return [t for t in ds.tensors if t != embedding_tensor or return_tensors == "*"]
    if isinstance(return_tensors, str):
        return_tensors = [return_tensors]
    for name in return_tensors:
        if name not in ds.tensors:
            raise TensorDoesNotExistError(name)
    return list(return_tensors)


def check_filter_tensors(ds, filter) -> None:
    if isinstance(filter, dict):
        for name in filter:
            if name not in ds.tensors:
                raise ValueError(f"Tensor '{name}' is not present in the Vector Store.")
    elif filter is not None and not callable(filter):
        raise ValueError(f"`filter` must be a dict or a function, got {type(filter).__name__}.")


def query_embedding_array(embedding) -> np.ndarray:
    """The query vector as a 1-D float32 array (a (1, d) row is accepted)."""
    arr = np.asarray(embedding, dtype=np.float32)
    if arr.ndim == 2 and arr.shape[0] == 1:
        arr = arr[0]
    if arr.ndim != 1:
        raise ValueError(
            "Query embedding must be 1-dimensional. Please consider using another embedding function for "
            "converting query string to embedding."
        )
    return arr


def populate_rate_limiter(rate_limiter: Optional[Dict]) -> Dict:
    limiter = dict(DEFAULT_RATE_LIMITER)
    for key, value in (rate_limiter or {}).items():
        if key not in limiter:
            raise ValueError(
                f"Invalid rate_limiter key: {key}. Valid keys are: 'enabled', 'bytes_per_minute', 'batch_byte_size'."
            )
        limiter[key] = value
    return limiter


def check_selection_args(ids, row_ids, filter, query, delete_all) -> None:
    if ids is None and row_ids is None and filter is None and query is None and not delete_all:
        raise ValueError("Either ids, row_ids, filter, query, or select_all must be specified.")


def path_string(path: Any) -> Optional[str]:
    return None if path is None else os.fspath(path) if not isinstance(path, str) else path
