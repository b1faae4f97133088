"""How a bound query runs: fused distance kernels and ordering strategies.

* ``L2_NORM(emb - ARRAY[q])`` and friends become a Distance node, computed in
  blocks of rows without materialising ``emb - q`` for the whole column, and
  ``COSINE_SIMILARITY(emb, ARRAY[q])`` one matrix-vector product.
* ``ORDER BY key LIMIT k`` selects the k first rows with np.argpartition and
  sorts only those; the result equals a stable full sort.
"""

from __future__ import annotations

from typing import Optional

import numpy as np

from deeplake.query import ast

_NORMS = {"L1_NORM": "L1", "L2_NORM": "L2", "LINF_NORM": "LINF"}


def fuse_distance(call: ast.Call) -> Optional[ast.Distance]:
    if call.name in _NORMS and len(call.args) == 1:
        arg = call.args[0]
        if isinstance(arg, ast.Binary) and arg.op == "-":
            return ast.Distance(_NORMS[call.name], arg.left, arg.right, pos=call.pos)
    if call.name == "COSINE_SIMILARITY" and len(call.args) == 2:
        return ast.Distance("COS", call.args[0], call.args[1], pos=call.pos)
    return None


def sortable(keys: np.ndarray, descending: bool) -> np.ndarray:
    """Map keys to numbers whose ascending order is the wanted order."""
    if keys.dtype.kind in "US" or keys.dtype == object:
        _, keys = np.unique(keys, return_inverse=True)
        keys = keys.astype(np.int64)
    elif keys.dtype.kind == "b":
        keys = keys.astype(np.int8)
    if not descending:
        return keys
    if keys.dtype.kind == "u":
        return np.iinfo(keys.dtype).max - keys
    if keys.dtype.kind == "i":
        return -keys.astype(np.int64)
    return -keys  # floats: NaN stays NaN and sorts last either way


def order_rows(keys: list, k: Optional[int] = None) -> np.ndarray:
    """Positions sorted by the keys (first key primary), ties in row order.

    With ``k`` only the first k positions are returned; a single numeric key
    takes the argpartition path.
    """
    n = len(keys[0]) if keys else 0
    if k is not None and k < n and len(keys) == 1 and k >= 0:
        return _top_k(keys[0], k)
    order = np.lexsort(keys[::-1]) if len(keys) > 1 else np.argsort(keys[0], kind="stable")
    return order if k is None else order[:k]


def _top_k(key: np.ndarray, k: int) -> np.ndarray:
    if k == 0:
        return np.empty(0, dtype=np.int64)
    if key.dtype.kind == "f" and np.isnan(key).any():
        return np.argsort(key, kind="stable")[:k]
    threshold = np.partition(key, k - 1)[k - 1]
    below = np.flatnonzero(key < threshold)
    ties = np.flatnonzero(key == threshold)[: k - len(below)]
    chosen = np.concatenate([below, ties])
    return chosen[np.argsort(key[chosen], kind="stable")]
