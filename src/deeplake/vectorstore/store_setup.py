"""Creating or opening the dataset under a VectorStore."""

from __future__ import annotations

import copy
import logging
from typing import Dict, List, Optional

import deeplake
from deeplake.vectorstore.defaults import (
    DEFAULT_VECTORSTORE_DEEPLAKE_PATH,
    DEFAULT_VECTORSTORE_TENSORS,
    EMBEDDING_TENSOR_NAMES,
    ID_TENSOR_NAMES,
    ID_TENSOR_PARAMS,
)


def create_or_load(path: str, tensor_params: Optional[List[Dict]], embedding_function, read_only, overwrite: bool,
                   creds, branch: str, logger: logging.Logger, **kwargs):
    creds = creds or None
    if not overwrite and deeplake.exists(path, creds=creds):
        if tensor_params is not None and not _same_params(tensor_params, DEFAULT_VECTORSTORE_TENSORS):
            raise ValueError(
                "Vector Store is not empty. You shouldn't specify tensor_params if you're loading from existing dataset."
            )
        return load(path, read_only, creds, branch, logger, **kwargs)
    if read_only:
        raise ValueError(f"Cannot create a Vector Store at '{path}' with read_only=True: no dataset exists there.")
    ds = deeplake.empty(path, overwrite=overwrite, creds=creds, verbose=False, **kwargs)
    _checkout(ds, branch)
    create_tensors(ds, tensor_params if tensor_params is not None else DEFAULT_VECTORSTORE_TENSORS,
                   embedding_function, logger)
    return ds


def load(path: str, read_only, creds, branch: str, logger: logging.Logger, **kwargs):
    if path == DEFAULT_VECTORSTORE_DEEPLAKE_PATH:
        logger.warning(
            f"The default deeplake path location is used: {path} and it is not free. All additionally added "
            "data will be added on top of already existing deeplake dataset."
        )
    ds = deeplake.load(path, read_only=read_only, creds=creds, verbose=False, **kwargs)
    if branch and branch != ds.branch:
        ds.checkout(branch)
    check_tensors(ds)
    logger.warning(f"Deep Lake Dataset in {path} already exists, loading from the storage")
    return ds


def attach(ds, branch: Optional[str]):
    """A dataset handed to the VectorStore is used as it is (on ``branch``)."""
    if branch and not ds.is_view and branch != ds.branch:
        ds.checkout(branch)
    return ds


def check_tensors(ds) -> None:
    """An opened store needs an embedding tensor and an id tensor."""
    has_embedding = has_id = False
    for name, tensor in ds.tensors.items():
        if name in ID_TENSOR_NAMES:
            has_id = True
            if tensor.htype == "embedding":
                raise ValueError(
                    f"`{name}` is not valid name for embedding tensor, as the name is preserved for another tensor"
                )
        if name in EMBEDDING_TENSOR_NAMES or tensor.htype == "embedding":
            has_embedding = True
    if not has_embedding:
        raise ValueError("At least one embedding tensor should exist.")
    if not has_id:
        raise ValueError("`id` tensor was not found in the dataset.")


def create_tensors(ds, tensor_params: List[Dict], embedding_function, logger: logging.Logger) -> None:
    params = [dict(p) for p in copy.deepcopy(list(tensor_params))]  # never change the caller's list
    if not any(p.get("name") in ID_TENSOR_NAMES for p in params):
        params.append(dict(ID_TENSOR_PARAMS))
    with ds:
        for p in params:
            if "name" not in p:
                raise ValueError(f"Every entry of tensor_params needs a 'name': {p!r}")
            ds.create_tensor(**p)
        set_embedding_info(ds, embedding_function, logger)


def embedding_tensors(ds) -> List[str]:
    return [name for name, t in ds.tensors.items() if t.htype == "embedding" or name in EMBEDDING_TENSOR_NAMES]


def id_tensor(ds) -> str:
    return "ids" if "ids" in ds.tensors else "id"


def set_embedding_info(ds, embedding_function, logger: logging.Logger) -> None:
    """Record the embedding model's settings on the single embedding tensor."""
    names = embedding_tensors(ds)
    if len(names) != 1:
        logger.warning(
            f"{len(names)} embedding tensors were found, so the embedding function metadata will not be added to "
            "any tensor. Consider doing that manually using `vector_store.dataset.tensor_name.info = {...}`"
        )
        return
    tensor = ds[names[0]]
    if embedding_function is None or tensor.info.get("embedding"):
        return
    fields = getattr(embedding_function, "__dict__", {}) or {}
    tensor.info["embedding"] = {
        key: fields.get(key) for key in ("model", "deployment", "embedding_ctx_length", "chunk_size", "max_retries")
    }


def _checkout(ds, branch: str) -> None:
    if branch and branch != ds.branch:
        ds.checkout(branch, create=branch not in ds.branches)


def _same_params(a, b) -> bool:
    try:
        return list(a) == list(b)
    except Exception:  # noqa: BLE001 - exotic values: treat as different
        return False
