"""Embedding functions: plain callables (list of data -> list of vectors) or
objects with LangChain-style ``embed_documents`` / ``embed_query`` methods."""

from __future__ import annotations

import functools
import time
import types
from typing import Any, Dict, List, Optional

import numpy as np

from deeplake.errors import IncorrectEmbeddingShapeError

_FUNCTION_TYPES = (types.FunctionType, types.MethodType, types.LambdaType, types.BuiltinFunctionType,
                   functools.partial)


class Embedder:
    """Calls the user's embedding function the way its kind expects."""

    def __init__(self, function: Any):
        self.function = function

    def _method(self, name: str):
        if isinstance(self.function, _FUNCTION_TYPES) or not hasattr(self.function, name):
            if not callable(self.function):
                raise ValueError(
                    f"Invalid `embedding_function` {self.function!r}: it must be callable or have an `{name}` method."
                )
            return self.function
        return getattr(self.function, name)

    def embed_documents(self, documents: List[Any], rate_limiter: Optional[Dict] = None):
        fn = self._method("embed_documents")
        if rate_limiter and rate_limiter.get("enabled"):
            return _rate_limited(fn, documents, rate_limiter)
        return fn(documents)

    def embed_query(self, query: Any):
        return self._method("embed_query")(query)


def as_embedder(function: Any) -> Optional[Embedder]:
    if function is None or isinstance(function, Embedder):
        return function
    return Embedder(function)


def embeddings_matrix(vectors) -> np.ndarray:
    """The output of an embedding function as an (n, d) float32 array."""
    try:
        out = np.vstack([np.asarray(v, dtype=np.float32).reshape(1, -1) for v in vectors]) if len(vectors) else None
    except (ValueError, TypeError):
        out = None
    if out is None:
        raise IncorrectEmbeddingShapeError(
            "The embedding function returned embeddings of different shapes (or none). Please either use a "
            "different embedding function or exclude the data it cannot embed."
        )
    return out


def _rate_limited(fn, documents, rate_limiter: Dict) -> list:
    """Calls fn on batches of about batch_byte_size bytes, pausing so that no
    more than bytes_per_minute are sent (the time of each call counts)."""
    target = float(rate_limiter["batch_byte_size"])
    pause = 60.0 / (float(rate_limiter["bytes_per_minute"]) / target)
    out: list = []
    for batch in _batches_by_bytes(documents, target):
        start = time.monotonic()
        out.extend(fn(batch))
        left = pause - (time.monotonic() - start)
        if left > 0:
            time.sleep(left)
    return out


def _batches_by_bytes(documents, target: float):
    batch, size = [], 0
    for doc in documents:
        n = len(str(doc).encode("utf-8"))
        if batch and size + n > target:
            yield batch
            batch, size = [], 0
        batch.append(doc)
        size += n
    if batch:
        yield batch
