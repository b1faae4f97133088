"""Vector search over a store's dataset, two ways with the same results.

"python": numpy over the embedding column, read through the query engine's
column source so a whole decoded column is cached process-wide and dropped
as soon as the tensor is written (add, delete, update, commit or checkout).
"compute_engine": the same search as TQL run by deeplake.query.

Scores are float32 values returned as Python floats. Results are ordered by
score (descending for "cos", ascending for the distances), ties by row.
"""

from __future__ import annotations

import threading
import weakref
from typing import Callable, Dict, List, Optional, Union

import numpy as np

from deeplake.query.dataset_source import DatasetColumnSource

_TQL_METRIC = {"l1": "L1_NORM({t}-{q})", "l2": "L2_NORM({t}-{q})", "cos": "COSINE_SIMILARITY({t}, {q})",
               "max": "LINF_NORM({t}-{q})"}
_DESCENDING = {"cos"}
_BLOCK = 8192  # rows per block for the difference-based kernels


# ------------------------------------------------------------------ shared
def tensor_values(view, name: str) -> list:
    """The values a search returns for one tensor (the reference's data(aslist=True)["value"])."""
    return view[name].data(aslist=True)["value"]


def collect(view, tensors: List[str], scores: Optional[List[float]]) -> Dict[str, list]:
    out: Dict[str, list] = {}
    if scores is not None:
        out["score"] = scores
    for name in tensors:
        out[name] = tensor_values(view, name) if len(view) else []
    return out


def view_of_rows(ds, rows: np.ndarray):
    from deeplake.query.dataset_api import view_at

    return view_at(ds, rows)


# ------------------------------------------------------------------ filters
def filter_mask(ds, filter: Union[Dict, Callable, None]) -> Optional[np.ndarray]:
    """Rows of ``ds`` that pass a dict filter (json key/value equality, other
    tensors value equality, all ANDed) or a function of a row; None if no filter."""
    if filter is None:
        return None
    n = len(ds)
    if callable(filter) and not isinstance(filter, dict):
        mask = np.zeros(n, dtype=bool)
        mask[np.asarray(list(ds.filter(filter, progressbar=False).sample_indices), dtype=np.int64)] = True
        return mask
    source = DatasetColumnSource(ds)
    mask = np.ones(n, dtype=bool)
    for name, wanted in filter.items():
        values = source.read_column(name)
        if ds[name].htype == "json":
            items = list(wanted.items())
            mask &= np.fromiter(
                (isinstance(row, dict) and all(k in row and row[k] == v for k, v in items) for row in values),
                dtype=bool, count=n,
            )
        else:
            mask &= np.fromiter((_plain(row) == wanted for row in values), dtype=bool, count=n)
    return mask


def _plain(value):
    if isinstance(value, np.ndarray):
        return value.item() if value.size == 1 else value.tolist()
    return value.item() if isinstance(value, np.generic) else value


def tql_filter(ds, filter: Optional[Dict]) -> str:
    """A dict filter as a TQL condition."""
    if not filter:
        return ""
    parts = []
    for name, wanted in filter.items():
        if ds[name].htype == "json":
            parts += [f"{name}[{_literal(k)}] == {_literal(v)}" for k, v in wanted.items()]
        else:
            parts.append(f"{name} == {_literal(wanted)}")
    return " and ".join(parts)


def _literal(value) -> str:
    if isinstance(value, (str, np.str_)):
        return "'" + str(value).replace("'", "''") + "'"
    if isinstance(value, (bool, np.bool_)):
        return "true" if value else "false"
    return repr(value.item() if isinstance(value, np.generic) else value)


# ------------------------------------------------------------------ python
_NORMS_LOCK = threading.Lock()
_NORMS: dict = {}  # id(cached column) -> (weakref to it, squared row norms as float32)


def _squared_norms(x: np.ndarray) -> np.ndarray:
    """Squared L2 norm of each row; kept while a cached (read-only) column lives."""
    if x.flags.writeable:
        return np.einsum("ij,ij->i", x, x)
    key = id(x)
    with _NORMS_LOCK:
        hit = _NORMS.get(key)
    if hit is not None and hit[0]() is x:
        return hit[1]
    norms = np.einsum("ij,ij->i", x, x)

    def forget(_ref, key=key):
        with _NORMS_LOCK:
            entry = _NORMS.get(key)
            if entry is not None and entry[0]() is None:
                del _NORMS[key]

    with _NORMS_LOCK:
        _NORMS[key] = (weakref.ref(x, forget), norms)
    return norms


def embedding_matrix(view, embedding_tensor: str) -> np.ndarray:
    """The embeddings of ``view`` as one (n, d) float array (cached column when whole)."""
    values = DatasetColumnSource(view).read_column(embedding_tensor)
    if isinstance(values, np.ndarray) and values.ndim == 2:
        return values
    rows = [np.asarray(v).reshape(-1) for v in values]
    widths = {len(r) for r in rows}
    if len(widths) > 1:
        raise ValueError(
            f"The embeddings in tensor '{embedding_tensor}' have different lengths {sorted(widths)}; "
            "cannot search them with one query embedding."
        )
    width = widths.pop() if widths else 0
    return np.stack(rows).astype(np.float32, copy=False) if rows else np.zeros((0, width), np.float32)


def scores_for(x: np.ndarray, q: np.ndarray, metric: str, rows: Optional[np.ndarray] = None) -> np.ndarray:
    """Exact score of rows ``rows`` (all when None) of ``x`` against ``q`` (float32)."""
    sub = x if rows is None else x[rows]
    if metric == "cos":
        norms = np.sqrt(_squared_norms(x) if rows is None else _squared_norms(x)[rows])
        with np.errstate(divide="ignore", invalid="ignore"):
            out = (sub @ q) / (norms * np.float32(np.sqrt(q @ q)))
        return np.nan_to_num(out.astype(np.float32, copy=False), nan=0.0)
    out = np.empty(len(sub), dtype=np.float32)
    for start in range(0, len(sub), _BLOCK):
        diff = sub[start:start + _BLOCK] - q
        if metric == "l2":
            out[start:start + _BLOCK] = np.sqrt(np.einsum("ij,ij->i", diff, diff))
        elif metric == "l1":
            out[start:start + _BLOCK] = np.abs(diff).sum(axis=1)
        else:
            out[start:start + _BLOCK] = np.abs(diff).max(axis=1, initial=0)
    return out


def _l2_candidates(x: np.ndarray, q: np.ndarray, k: int, rows: Optional[np.ndarray]) -> np.ndarray:
    """Rows that can be among the k nearest in L2, found with one matrix-vector
    product (|x|^2 - 2 x.q + |q|^2); a margin covers float32 rounding, and the
    exact distances of the candidates are computed afterwards."""
    sq = _squared_norms(x)
    sub_sq = sq if rows is None else sq[rows]
    sub = x if rows is None else x[rows]
    qq = float(q @ q)
    approx = sub_sq - 2.0 * (sub @ q) + np.float32(qq)
    kth = np.partition(approx, k - 1)[k - 1]
    margin = 1e-5 * (float(sub_sq.max(initial=0.0)) + qq) + 1e-6 * x.shape[1]
    picked = np.flatnonzero(approx <= kth + margin)
    return picked if rows is None else rows[picked]


def top_k(x: np.ndarray, q: np.ndarray, metric: str, k: int, rows: Optional[np.ndarray] = None):
    """(row positions in x, float32 scores) of the k best rows among ``rows``."""
    n = len(x) if rows is None else len(rows)
    if n == 0:
        return np.zeros(0, np.int64), np.zeros(0, np.float32)
    if q.shape[0] != x.shape[1]:
        raise ValueError(
            f"Query embedding has {q.shape[0]} dimensions but the stored embeddings have {x.shape[1]}."
        )
    q = q.astype(x.dtype if x.dtype.kind == "f" else np.float32, copy=False)
    if x.dtype.kind != "f":
        x = x.astype(np.float32)
    k = min(k, n)
    if metric == "l2" and k < n:
        candidates = _l2_candidates(x, q, k, rows)
    else:
        candidates = rows  # None: score the whole matrix without a gathering copy
    scores = scores_for(x, q, metric, candidates)
    if candidates is None:
        candidates = np.arange(n)
    key = -scores if metric in _DESCENDING else scores
    if k < len(candidates):
        part = np.argpartition(key, k - 1)
        kth = key[part[k - 1]]
        keep = np.flatnonzero(key <= kth)  # every tie of the k-th, then order them all
        candidates, scores, key = candidates[keep], scores[keep], key[keep]
    order = np.lexsort((candidates, key))[:k]
    return np.asarray(candidates[order], dtype=np.int64), scores[order]


def python_search(ds, query_embedding: Optional[np.ndarray], k: int, metric: str, filter, embedding_tensor: str,
                  return_tensors: List[str], return_view: bool):
    mask = filter_mask(ds, filter)
    rows = None if mask is None else np.flatnonzero(mask)
    if query_embedding is None:
        picked = np.arange(len(ds)) if rows is None else rows
        picked = picked[:k]
        view = view_of_rows(ds, picked)
        return view if return_view else collect(view, return_tensors, None)
    if len(ds) == 0:
        picked, scores = np.zeros(0, np.int64), np.zeros(0, np.float32)
    else:
        x = embedding_matrix(ds, embedding_tensor)
        picked, scores = top_k(x, query_embedding, metric, k, rows)
    view = view_of_rows(ds, picked)
    if return_view:
        return view
    return collect(view, return_tensors, scores.astype(np.float32).tolist())


# ------------------------------------------------------------------ TQL
def array_literal(q: np.ndarray) -> str:
    return "ARRAY[" + ", ".join(str(np.float32(v)) for v in q) + "]"


def build_tql(metric: Optional[str], embedding_tensor: str, query_embedding: Optional[np.ndarray], where: str,
              k: int, tensors: List[str]) -> str:
    """The reference's search query: inner select scores, filters, orders and
    limits; the outer one keeps the returned tensors and the score."""
    where_str = f" where {where}" if where else ""
    tensor_list = ", ".join(tensors) if tensors else "*"
    if query_embedding is None:
        return f"select {tensor_list} from (select *{where_str} limit {k})"
    expr = _TQL_METRIC[metric].format(t=embedding_tensor, q=array_literal(query_embedding))
    order = "DESC" if metric in _DESCENDING else "ASC"
    return (f"select {tensor_list}, score from (select *, {expr} as score{where_str} "
            f"order by {expr} {order} limit {k})")


def engine_search(ds, query_embedding: Optional[np.ndarray], k: int, metric: str, filter: Optional[Dict],
                  query: Optional[str], embedding_tensor: str, return_tensors: List[str], return_view: bool,
                  return_tql: bool):
    if query is not None:
        tql = query
    else:
        if query_embedding is not None and len(ds):
            width = _stored_width(ds, embedding_tensor)
            if width is not None and width != query_embedding.shape[0]:
                raise ValueError(
                    f"Query embedding has {query_embedding.shape[0]} dimensions but the stored embeddings have {width}."
                )
        tql = build_tql(metric, embedding_tensor, query_embedding, tql_filter(ds, filter), k,
                        None if return_view else return_tensors)
    if query is None and (len(ds) == 0 or (filter and query_embedding is not None and _no_match(ds, filter))):
        # the query engine cannot reshape an empty embedding column (reported); nothing to rank anyway
        view = view_of_rows(ds, np.zeros(0, np.int64))
        if return_view:
            return view
        data = {"score": []} if query_embedding is not None else {}
        data.update({name: [] for name in return_tensors})
        return {"data": data, "tql": tql} if return_tql else data
    view = ds.query(tql)
    if return_view:
        return view
    data = {}
    if "score" in view.tensors:
        data["score"] = np.asarray(view["score"].numpy(), dtype=np.float32).reshape(-1).tolist()
    for name in view.tensors:
        if name != "score":
            data[name] = tensor_values(view, name) if len(view) else []
    return {"data": data, "tql": tql} if return_tql else data


def _no_match(ds, filter: Dict) -> bool:
    # Work-around: the query engine fails ranking zero rows (reshape of an empty column).
    return len(ds.query(f"select * where {tql_filter(ds, filter)}")) == 0


def _stored_width(ds, name: str) -> Optional[int]:
    meta = ds[name].meta
    if meta.max_shape and meta.min_shape == meta.max_shape and len(meta.max_shape) == 1:
        return int(meta.max_shape[0])
    return None


# ------------------------------------------------------------------ row selection
def select_rows(ds, ids=None, filter=None, query=None, exec_option: str = "python",
                id_tensor: str = "id") -> np.ndarray:
    """Stored rows chosen by ids, a filter or a TQL query (delete and update_embedding)."""
    if ids is not None:
        values = DatasetColumnSource(ds).read_column(id_tensor)
        stored = np.asarray([str(v) for v in np.asarray(values).reshape(-1)], dtype=str)
        wanted = np.asarray([str(i) for i in ids], dtype=str)
        return np.flatnonzero(np.isin(stored, wanted)) if len(stored) and len(wanted) else np.zeros(0, np.int64)
    if query is not None:
        if exec_option == "python":
            raise ValueError(f"User-specified TQL queries are not support for exec_option={exec_option}.")
        return np.unique(np.asarray(list(ds.query(query).sample_indices), dtype=np.int64))
    if exec_option != "python" and isinstance(filter, dict):
        condition = tql_filter(ds, filter)
        view = ds.query(f"select * where {condition}") if condition else ds
        return np.unique(np.asarray(list(view.sample_indices), dtype=np.int64))
    mask = filter_mask(ds, filter)
    return np.arange(len(ds)) if mask is None else np.flatnonzero(mask)
