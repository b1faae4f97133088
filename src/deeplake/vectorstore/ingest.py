"""VectorStore.add: map keyword arguments to tensors, embed, then one extend.

All embeddings are computed before anything is written, so a failing
embedding function or bad input leaves the store unchanged (one
Dataset.extend call is atomic).
"""

from __future__ import annotations

import uuid
from typing import Any, Dict, List, Optional, Tuple

import numpy as np

import deeplake
from deeplake.errors import ReadOnlyModeError
from deeplake.vectorstore.defaults import ID_TENSOR_NAMES, VECTORSTORE_EXTEND_BATCH_SIZE
from deeplake.vectorstore.embedder import as_embedder, embeddings_matrix
from deeplake.vectorstore.store_setup import embedding_tensors, id_tensor


def _is_func_data_pair(value) -> bool:
    return isinstance(value, tuple) and len(value) == 2 and callable(value[0])


def split_tuple_kwargs(tensors: Dict, embedding_function, embedding_data, embedding_tensor):
    """``tensor=(fn, data)`` keyword syntax -> the list form of the arguments."""
    pairs = {k: v for k, v in tensors.items() if _is_func_data_pair(v)}
    if not pairs:
        return embedding_function, embedding_data, embedding_tensor, tensors
    if embedding_function:
        raise ValueError("Cannot specify embedding functions in both `tensors` and `embedding_function`.")
    if embedding_data:
        raise ValueError("Cannot specify embedding data in both `tensors` and `embedding_data`.")
    if embedding_tensor:
        raise ValueError("Cannot specify embedding tensors in both `tensors` and `embedding_tensor`.")
    rest = {k: v for k, v in tensors.items() if k not in pairs}
    return [v[0] for v in pairs.values()], [v[1] for v in pairs.values()], list(pairs), rest


def _is_nested(data) -> bool:
    if isinstance(data, np.ndarray):
        return False
    first = next(iter(data), None)
    return isinstance(first, (list, tuple)) and not isinstance(first, str)


def resolve_embedding_targets(ds, tensors: Dict, embedding_function, initial_function, embedding_data,
                              embedding_tensor) -> Tuple[list, list, list]:
    """(embedders, data lists, target tensor names) for the embeddings add must compute."""
    if embedding_data is not None and len(embedding_data) and not _is_nested(embedding_data):
        embedding_data = [embedding_data]
    if embedding_tensor and not isinstance(embedding_tensor, list):
        embedding_tensor = [embedding_tensor]
    function = embedding_function or (initial_function if embedding_data else None)
    if not function:
        if embedding_tensor:
            raise ValueError(
                "`embedding_tensor` is specified while `embedding_function` is not specified. Either specify "
                "`embedding_function` during Vector Store initialization or during `add` call."
            )
        if embedding_data:
            raise ValueError(
                "`embedding_data` is specified while `embedding_function` is not specified. Either specify "
                "`embedding_function` during Vector Store initialization or during `add` call."
            )
        check_tensor_names(tensors, ds, [])
        return [], [], []
    if not embedding_data:
        raise ValueError(
            "embedding_data is not specified. When using embedding_function it is also necessary to specify "
            "the data that you want to embed"
        )
    functions = function if isinstance(function, list) else [function] * len(embedding_data)
    targets = embedding_tensor or _single_embedding_tensor(ds)
    for name in targets:
        if tensors.get(name) is not None:
            raise ValueError(
                f"{name} was specified as a tensor parameter for adding data, in addition to being specified as "
                f"an `embedding_tensor` for storing embedding from the embedding_function. Either "
                f"`embedding_function` or `embedding_data` shouldn't be specified or `{name}` shouldn't be "
                "specified as a tensor for appending data."
            )
    if len(functions) != len(embedding_data):
        raise ValueError("embedding_function and embedding_data must be of the same length")
    if len(functions) != len(targets):
        raise ValueError("embedding_function and embedding_tensor must be of the same length")
    check_tensor_names(tensors, ds, targets)
    return [as_embedder(f) for f in functions], list(embedding_data), list(targets)


def _single_embedding_tensor(ds) -> List[str]:
    found = embedding_tensors(ds)
    if not found:
        raise ValueError(
            "embedding_function is specified but no embedding tensors were found in the Vector Store, so the "
            "embeddings cannot be added. Please specify the `embedding_tensor` parameter for storing the embeddings."
        )
    if len(found) > 1:
        raise ValueError(
            "embedding_function is specified but multiple embedding tensors were found in the Vector Store, so it "
            "is not clear to which tensor the embeddings should be added. Please specify the `embedding_tensor` "
            "parameter for storing the embeddings."
        )
    return found


def check_tensor_names(tensors: Dict, ds, embedding_targets: List[str]) -> None:
    """Every given tensor exists; every tensor not given is the id or an embedding target."""
    stored = list(ds.tensors)
    for name in tensors:
        if name not in stored:
            raise ValueError(f"Tensor {name} does not exist in dataset")
    optional = {id_tensor(ds), *embedding_targets}
    missing = [n for n in stored if n not in tensors and n not in optional]
    if missing:
        raise ValueError(", ".join(f"`{n}`" for n in missing) + " tensor(s) is/are missing.")


def build_columns(ds, tensors: Dict, embedders: list, embedding_data: list, targets: list,
                  rate_limiter: Dict) -> Tuple[Dict[str, Any], List[str]]:
    """The samples of every tensor (ids generated when missing), embeddings computed."""
    given = {k: v for k, v in tensors.items() if v is not None}
    lengths = {k: len(v) for k, v in given.items()}
    for name, data in zip(targets, embedding_data):
        lengths[name] = len(data)
    if len(set(lengths.values())) > 1:
        raise ValueError(f"Incoming samples are not of equal lengths. Incoming sample sizes: {lengths}")
    n = next(iter(lengths.values()), 0)
    id_name = id_tensor(ds)
    given_ids = next((given[k] for k in ID_TENSOR_NAMES if k in given), None)
    ids = [str(uuid.uuid1()) for _ in range(n)] if given_ids is None else [
        str(x) if isinstance(x, uuid.UUID) else x for x in given_ids
    ]
    columns: Dict[str, Any] = {id_name: ids}
    for name, data in tensors.items():
        if name in ID_TENSOR_NAMES:
            continue
        columns[name] = [None] * n if data is None else _column(ds, name, data)
    for embedder, data, name in zip(embedders, embedding_data, targets):
        columns[name] = _embed_all(embedder, list(data), rate_limiter)
    for name in targets + [k for k in tensors if k in embedding_tensors(ds)]:
        columns[name] = _check_embeddings(ds, name, columns[name])
    return columns, ids


def _column(ds, name: str, data):
    if isinstance(data, np.ndarray):
        return data
    data = data if isinstance(data, list) else list(data)
    if ds[name].htype == "image":
        return [deeplake.read(x) if isinstance(x, str) else x for x in data]
    return data


def _embed_all(embedder, data: list, rate_limiter: Dict) -> np.ndarray:
    parts = []
    for start in range(0, len(data), VECTORSTORE_EXTEND_BATCH_SIZE):
        batch = data[start:start + VECTORSTORE_EXTEND_BATCH_SIZE]
        parts.append(embeddings_matrix(embedder.embed_documents(batch, rate_limiter=rate_limiter)))
        if len(parts[-1]) != len(batch):
            raise ValueError(
                f"The embedding function returned {len(parts[-1])} embeddings for {len(batch)} inputs."
            )
    return np.concatenate(parts) if parts else np.zeros((0, 0), dtype=np.float32)


def _check_embeddings(ds, name: str, values):
    """Embeddings as one float32 matrix whose width matches what the tensor holds."""
    if isinstance(values, np.ndarray) and values.ndim == 2:
        matrix = values.astype(np.float32, copy=False)
    else:
        try:
            matrix = np.asarray(values, dtype=np.float32)
        except (ValueError, TypeError):
            return values  # ragged input: the tensor decides
        if matrix.ndim != 2:
            return values
    tensor = ds[name]
    if len(tensor) and len(matrix):
        stored = tensor.meta.max_shape
        if stored and tensor.meta.min_shape == stored and len(stored) == 1 and stored[0] != matrix.shape[1]:
            raise ValueError(
                f"Embedding dimension mismatch for tensor '{name}': the store holds {stored[0]}-dimensional "
                f"embeddings, got {matrix.shape[1]}."
            )
    return matrix


def extend(ds, columns: Dict[str, Any]) -> None:
    if ds.read_only:
        raise ReadOnlyModeError("Cannot add to a read-only Vector Store; open it with read_only=False.")
    if not columns or not len(next(iter(columns.values()))):
        return
    ds.extend(columns)
