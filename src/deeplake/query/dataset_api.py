"""Dataset.query / filter / sample_by / random_split over the TQL engine.

Every function accepts a dataset, group or view and returns views of it: a
view's rows are the stored rows it selects, in result order (rows may repeat
after sampling with replacement). How a view was made is kept on it for
save_view (see _record_provenance): ``_tql_query`` after query(), ``_query``
after filter() / sample_by(), and ``_source_ds_idx``.
"""

from __future__ import annotations

import os
import time
import uuid
from concurrent.futures import ProcessPoolExecutor, ThreadPoolExecutor
from typing import Callable, Dict, List, Optional, Sequence, Union

import numpy as np

from deeplake.core.index import Index, IndexEntry, _array_entry
from deeplake.errors import (
    DatasetViewSavingError,
    FilterError,
    UnsupportedParameterException,
    UnsupportedSchedulerError,
)
from deeplake.query.dataset_source import DatasetColumnSource
from deeplake.query.engine import compile_query, evaluate_weights
from deeplake.query.random_state import get_rng
from deeplake.query.sampling import random_split_indices, weighted_sample

_SCHEDULERS = ("serial", "threaded", "processed", "ray")


# ---------------------------------------------------------------- views
def view_at(ds, positions: np.ndarray, source: Optional[DatasetColumnSource] = None):
    """The view of ``ds`` made of its rows ``positions`` (in that order).

    A run of consecutive rows becomes a slice; anything else an array-backed
    list entry, so a view of millions of rows costs no per-row Python object.
    """
    positions = np.asarray(positions, dtype=np.int64).reshape(-1)
    n = len(ds)
    highest = -1
    if len(positions):
        lowest, highest = int(positions.min()), int(positions.max())
        if lowest < 0 or highest >= n:
            raise IndexError(f"Row {highest if highest >= n else lowest} is out of range for a view of {n} rows.")
    if ds._index.values[0].is_trivial():
        absolute = positions  # rows of a whole dataset are its stored rows
    else:
        stored = source.sample_indices if source is not None else _sample_indices(ds)
        absolute = stored[positions]
        highest = int(absolute.max()) if len(absolute) else -1
    rest = list(ds._index.values[1:])
    count = len(absolute)
    if count > 1 and int(absolute[-1]) - int(absolute[0]) == count - 1 and np.all(np.diff(absolute) == 1):
        entry = IndexEntry(slice(int(absolute[0]), int(absolute[-1]) + 1))  # a run: keep it a slice
    else:
        entry = _array_entry(absolute, highest)  # takes the array over (made read-only)
    return ds._derive(Index([entry] + rest))


def _sample_indices(ds) -> np.ndarray:
    idx = ds._index.values[0].numpy_indices(ds._parent_len())
    return np.asarray(idx, dtype=np.int64)[: len(ds)]


def _record_provenance(view, source_ds, *, tql: Optional[str] = None, text: Optional[str] = None) -> None:
    """What save_view records about how a view was made (the reference's names):
    ``_tql_query`` the TQL of ds.query (re-run when the saved view is loaded),
    ``_query`` the condition or function source of filter / sample_by,
    ``_source_ds_idx`` the queried dataset's index as JSON (FORMAT.md 1.7),
    ``_created_at`` the time the view was made."""
    for attr, value in (("_tql_query", tql), ("_query", text)):
        if value is not None:
            object.__setattr__(view, attr, value)
    object.__setattr__(view, "_source_ds_idx", source_ds.index.to_json())
    object.__setattr__(view, "_created_at", time.time())


# ---------------------------------------------------------------- query
def query(ds, query_string: str, runtime: Optional[Dict] = None, return_data: bool = False):
    """Run TQL over the rows of ``ds``; returns a view of ``ds`` in result order.

    ``SELECT t1, t2`` keeps only those tensors; ``expr AS name`` columns are
    readable on the returned QueryView (see virtual_view.py). GROUP BY returns
    the rows of each group one group after another; UNGROUP BY returns each
    row once per item.
    """
    if not isinstance(query_string, str):
        raise TypeError(f"query_string must be a str, got {type(query_string).__name__}")
    _check_runtime(ds, runtime, return_data)
    view = _run_query(ds, query_string)
    _record_provenance(view, ds, tql=query_string)
    return view


def _run_query(ds, query_string: str):
    source = DatasetColumnSource(ds)
    result = compile_query(query_string).run(source, rng=get_rng())
    view = view_at(ds, result.indices, source)
    return _project(view, result, source)


def _check_runtime(ds, runtime, return_data: bool) -> None:
    runtime = dict(runtime or {})
    if runtime.get("tensor_db") or runtime.get("db_engine"):
        raise UnsupportedParameterException(
            f"runtime={{'tensor_db': True}} runs the query on the Deep Lake Managed Tensor Database, "
            f"which is not available here (dataset '{ds.path}'); call query() without runtime to run it locally."
        )
    if return_data:
        raise UnsupportedParameterException(
            "`return_data` is only applicable when running queries using the Managed Tensor Database. "
            "Please specify `runtime = {'tensor_db': True}`; locally, read the data from the returned view "
            "(e.g. view.numpy())."
        )


def _project(view, result, source: DatasetColumnSource):
    kept = result.tensors
    all_names = source.column_names()
    if result.virtual_columns:
        from deeplake.query.virtual_view import QueryView

        return QueryView(view, result.virtual_columns, kept)
    if kept is not None and list(kept) != all_names:
        subset = view[list(kept)] if kept else view
        if not kept:
            from deeplake.query.virtual_view import QueryView

            return QueryView(view, {}, [])
        return subset
    return view


# ---------------------------------------------------------------- filter
def filter_dataset(ds, function: Union[Callable, str], num_workers: int = 0, scheduler: str = "threaded",
                   progressbar: bool = True, save_result: bool = False, result_path: Optional[str] = None,
                   result_ds_args: Optional[dict] = None):
    """Rows of ``ds`` where ``function(row_view)`` is true, or that match a TQL
    condition (a string); returns a view in row order."""
    if isinstance(function, str):
        view = _run_query(ds, function)
        _record_provenance(view, ds, text=function)
    elif callable(function):
        positions = _run_filter(ds, function, int(num_workers or 0), scheduler, progressbar)
        view = view_at(ds, positions)
        _record_provenance(view, ds, text=_describe_function(function))
    else:
        raise TypeError(
            f"filter expects a function of one sample or a TQL condition string, got {type(function).__name__}"
        )
    if save_result:
        _save_filter_result(view, result_path, result_ds_args)
    return view


def _describe_function(function) -> str:
    import inspect

    try:
        return inspect.getsource(function).strip()
    except (OSError, TypeError):
        # the name alone would give two different functions the same saved-view id
        return "UDF: " + getattr(function, "__name__", type(function).__name__) + "@" + uuid.uuid4().hex


def _save_filter_result(view, result_path, result_ds_args) -> None:
    save_view = getattr(type(view), "save_view", None)
    if save_view is None:
        raise DatasetViewSavingError(
            "filter(save_result=True) needs saved views (Dataset.save_view), which this build does not "
            "provide yet; call filter() without save_result and keep the returned view."
        )
    save_view(view, path=result_path, **dict(result_ds_args or {}))


def _run_filter(ds, function, num_workers: int, scheduler: str, progressbar: bool) -> np.ndarray:
    n = len(ds)
    if num_workers < 0:
        raise ValueError(f"num_workers must not be negative; got {num_workers}")
    if num_workers > 0 and scheduler not in _SCHEDULERS:
        raise UnsupportedSchedulerError(
            f"Scheduler '{scheduler}' is not supported; use one of {', '.join(_SCHEDULERS)}."
        )
    bar = _progress(n, progressbar)
    try:
        if num_workers == 0 or scheduler == "serial" or n == 0:
            keep = _filter_rows(ds, function, range(n), bar)
        else:
            keep = _filter_parallel(ds, function, n, num_workers, scheduler, bar)
    finally:
        if bar is not None:
            bar.close()
    return np.flatnonzero(np.asarray(keep, dtype=bool)) if n else np.empty(0, dtype=np.int64)


def _progress(total: int, enabled: bool):
    if not enabled:
        return None
    from tqdm import tqdm

    return tqdm(total=total, desc="filter", unit="sample")


def _filter_rows(ds, function, rows, bar=None) -> List[bool]:
    """Apply function to each row view; FilterError names the failing row."""
    out = []
    for i in rows:
        try:
            out.append(bool(function(ds[i])))
        except Exception as exc:
            err = FilterError(f"The filter function raised {type(exc).__name__} on sample {i}: {exc}")
            err.sample_index = i
            raise err from exc
        if bar is not None:
            bar.update(1)
    return out


def _filter_block(ds, function, start: int, stop: int) -> List[bool]:
    for attr, default in (("_only", None), ("_pad", False)):
        # an unpickled Dataset (process workers) may lack the view attributes
        if attr not in vars(ds):
            object.__setattr__(ds, attr, default)
    return _filter_rows(ds, function, range(start, stop))


def _filter_parallel(ds, function, n: int, num_workers: int, scheduler: str, bar) -> List[bool]:
    block = max(1, min(1024, -(-n // (num_workers * 4))))
    bounds = [(s, min(s + block, n)) for s in range(0, n, block)]
    if scheduler == "ray":
        return _filter_on_ray(ds, function, bounds, bar)
    if scheduler == "processed":
        _check_picklable(ds, function)
        from deeplake.util.processes import die_with_parent

        pool = ProcessPoolExecutor(max_workers=num_workers, initializer=die_with_parent,
                                   initargs=(os.getpid(),))
    else:
        pool = ThreadPoolExecutor(max_workers=num_workers)
    keep: List[bool] = []
    with pool:
        futures = [pool.submit(_filter_block, ds, function, s, e) for s, e in bounds]
        try:
            for future, (s, e) in zip(futures, bounds):  # in order, so results stay in row order
                keep.extend(future.result())
                if bar is not None:
                    bar.update(e - s)
        except BaseException:
            for f in futures:
                f.cancel()
            raise
    return keep


def _check_picklable(ds, function, scheduler: str = "processed") -> None:
    import pickle

    for what, obj in (("the dataset", ds), ("the filter function", function)):
        if scheduler == "ray" and obj is function:
            continue  # Ray ships functions with cloudpickle (lambdas and closures too)
        try:
            pickle.dumps(obj)
        except Exception as exc:
            raise FilterError(
                f"scheduler='{scheduler}' sends {what} to worker processes, but it cannot be pickled "
                f"({type(exc).__name__}: {exc}); use scheduler='threaded' or a module-level function "
                "on a dataset stored on disk."
            ) from exc


def _filter_task(functions, ds, spec, options, start: int, stop: int, progress=None):
    """Runner for transform.schedulers: one block of rows in a Ray task."""
    from deeplake.transform.worker import WorkerResult

    try:
        keep = _filter_block(ds, functions[0], start, stop)
    except Exception as exc:
        return WorkerResult(error=exc, error_text=str(exc))
    return WorkerResult(parts={"keep": keep}, processed=stop - start)


def _filter_on_ray(ds, function, bounds, bar) -> List[bool]:
    """Blocks of rows as Ray tasks; each task reopens the dataset from its path."""
    from deeplake.transform.schedulers import run_ranges

    _check_picklable(ds, function, "ray")
    tick = bar.update if bar is not None else (lambda k: None)
    results = run_ranges("ray", len(bounds), ([function], ds, None, {}), bounds, tick, runner=_filter_task)
    keep: List[bool] = []
    for res in results:
        if res.error is not None:
            raise res.error
        keep.extend(res.parts["keep"])
    return keep


# ------------------------------------------------------------- sampling
def sample_by(ds, weights: Union[str, list, tuple, np.ndarray], replace: Optional[bool] = True,
              size: Optional[int] = None):
    """A view of ``size`` rows drawn with P(row) proportional to its weight: a
    TQL expression (e.g. ``max_weight(labels == 5: 10, labels == 6: 5)``) or
    one number per row. Rows keep draw order; with ``replace`` rows may repeat.
    ``size`` defaults to len(ds), or without replacement to the number of rows
    with a positive weight. Reproducible with ``deeplake.random.seed``."""
    source = DatasetColumnSource(ds)
    rng = get_rng()
    if isinstance(weights, str):
        values = evaluate_weights(source, weights, rng=rng)
        text = weights
    elif isinstance(weights, (list, tuple, np.ndarray)):
        values = np.asarray(weights)
        if isinstance(weights, np.ndarray) and values.ndim != 1:
            raise ValueError("weights should be 1 dimensional array.")
        if values.ndim != 1 or values.dtype.kind not in "biuf":
            raise ValueError("weights must be a sequence of numbers, one per sample")
        if len(values) != len(ds):
            raise ValueError(
                f"weights must have one value per sample: got {len(values)} weights for {len(ds)} samples"
            )
        text = None
    else:
        raise TypeError(f"weights must be a TQL string or a list, tuple or ndarray; got {type(weights).__name__}")
    if size is not None and (isinstance(size, bool) or not isinstance(size, (int, np.integer))):
        raise TypeError(f"size must be an int; got {size!r}")
    if size is None and not replace:
        # without replacement zero-weight rows are never drawn: by default draw all the others
        size = int(np.count_nonzero(np.asarray(values, dtype=np.float64).ravel() > 0))
    if size is None and len(ds) == 0:
        positions = np.empty(0, dtype=np.int64)
    else:
        positions = weighted_sample(values, replace=bool(replace), size=size, rng=rng)
    view = view_at(ds, positions, source)
    if text is not None:
        _record_provenance(view, ds, text=f"SAMPLE BY {text}")
    return view


def random_split(ds, lengths: Sequence[Union[int, float]]) -> list:
    """Split the rows of ``ds`` into non-overlapping random views.

    ``lengths`` are row counts adding up to len(ds), or fractions adding up to
    1: each gets floor(fraction * len(ds)) rows and the remainder is given one
    row at a time round robin from the first split (a warning names any split
    left empty). Rows are shuffled a chunk of the largest tensor at a time, so
    iterating a split reads each chunk once. Reproducible with
    ``deeplake.random.seed``.
    """
    if ds.max_len != ds.min_len:
        raise ValueError("Random_split is not supported for datasets with variable length tensors.")
    if isinstance(lengths, (str, bytes)) or not hasattr(lengths, "__len__"):
        raise TypeError(f"lengths must be a sequence of ints or floats; got {lengths!r}")
    source = DatasetColumnSource(ds)
    n = len(source)
    order, chunk_ends = _chunk_order(ds, source)
    pieces = random_split_indices(n, list(lengths), rng=get_rng(), chunk_ends=chunk_ends)
    return [view_at(ds, order[p] if order is not None else p, source) for p in pieces]


def _chunk_order(ds, source: DatasetColumnSource):
    """View rows grouped by chunk of the primary tensor: (order, chunk ends)."""
    primary = _primary_tensor(source)
    n = len(source)
    if primary is None or n == 0:
        return None, None
    indices = source.sample_indices
    engine = primary._engine
    if len(engine.chunk_ids) == 0 or int(indices.max()) >= engine.num_samples:
        return None, None
    rows = np.asarray(engine.chunk_ids.find_rows(indices), dtype=np.int64)
    order = np.argsort(rows, kind="stable")
    grouped = rows[order]
    ends = np.flatnonzero(np.diff(grouped)) + 1
    return order, np.concatenate([ends, [n]])


def _primary_tensor(source: DatasetColumnSource):
    """The tensor with the largest samples: its chunks dominate loading."""
    best, best_size = None, 0
    for name in source.column_names():
        tensor = source._tensors[name]
        meta = tensor.meta
        if meta.is_sequence or tensor.is_link or not meta.max_shape:
            continue
        size = int(np.prod(meta.max_shape))
        if size > best_size:
            best, best_size = tensor, size
    return best
