"""Copies and rechunks on the transform schedulers.

Each job runs through ``schedulers.run_ranges`` exactly as a transform does
(serial, threads, forked processes or Ray tasks), with its own runner:

* key copies: a worker copies a contiguous slice of (source key, destination
  key) pairs from storage to storage; only the key names travel.
* row copies: a worker encodes a contiguous range of a view's rows into fresh
  chunks of the destination through a private worker handle (as a transform
  worker does); the driver stitches the parts on in range order.
* rechunk: a worker rewrites its share of every tensor's items into fresh
  chunks of the same dataset; the driver swaps the tensor's index for the
  stitched parts and deletes the chunks nobody references any more.

Runners never raise: failures come back in the WorkerResult.
"""
from __future__ import annotations

import traceback
from typing import List, Optional, Sequence, Tuple

import numpy as np

from deeplake.transform.schedulers import check_scheduler, run_ranges, split_range
from deeplake.transform.worker import OutputSpec, WorkerResult, open_worker_dataset

MB = 10**6
_WORKER_CACHE_BYTES = 256 * MB
# below this much data per worker, starting a worker costs more than it saves
# (and every worker leaves a partly filled chunk); tests lower it
MIN_BYTES_PER_WORKER = 8 * MB


def _describe(e: BaseException) -> str:
    return "".join(traceback.format_exception_only(type(e), e)).strip()


def _failure(e: BaseException) -> WorkerResult:
    return WorkerResult(error=e, error_text=_describe(e))


def _process_local(storage) -> bool:
    from deeplake.storage.lru_cache import get_base_storage

    base = get_base_storage(storage)
    return bool(getattr(base, "process_local", False)) or str(getattr(base, "root", "")).startswith("mem://")


def effective_scheduler(num_workers, scheduler: str, *storages) -> Tuple[str, int]:
    """(scheduler, workers) actually used. 0 workers or 'serial' is serial; memory
    storage is invisible to other processes, so there 'processed' and 'ray' do
    the same work on threads."""
    check_scheduler(scheduler)
    if not isinstance(num_workers, (int, np.integer)) or isinstance(num_workers, bool) or num_workers < 0:
        raise ValueError(f"num_workers must be an int >= 0, got {num_workers!r}")
    if scheduler == "serial" or num_workers == 0:
        return "serial", 0
    if scheduler in ("processed", "ray") and any(_process_local(s) for s in storages if s is not None):
        return "threaded", int(num_workers)
    return scheduler, int(num_workers)


def _bar(total: int, enabled: bool, desc: str, unit: str):
    if enabled and total:
        from tqdm import tqdm

        return tqdm(total=total, desc=desc, unit=unit, leave=False)
    return None


def _raise_first(results: List[WorkerResult]) -> None:
    failed = next((r for r in results if r.error is not None), None)
    if failed is None:
        return
    err = failed.error
    if isinstance(err, BaseException):
        raise err
    raise RuntimeError(failed.error_text)


def _run(scheduler: str, workers: int, job: tuple, ranges, runner, bar) -> List[WorkerResult]:
    tick = bar.update if bar is not None else (lambda n: None)
    try:
        return run_ranges(scheduler, workers, job, ranges, tick, runner=runner)
    finally:
        if bar is not None:
            bar.close()


# ------------------------------------------------------------------ key copies
def copy_key_slice(functions, pairs, spec, options, lo: int, hi: int, progress=None) -> WorkerResult:
    from deeplake.core.copying import file_copier

    try:
        copy = file_copier(*spec)
        for k in range(lo, hi):
            src_key, dst_key = pairs[k]
            copy(src_key, dst_key)
            if progress is not None:
                progress(1)
        return WorkerResult(processed=hi - lo)
    except Exception as e:
        return _failure(e)


def copy_keys(src_base, dst_base, pairs: Sequence[Tuple[str, str]], num_workers: int, scheduler: str,
              progressbar: bool = False, desc: str = "Copying") -> None:
    """Copy every (source key, destination key) between two base storages.
    Process and Ray workers reopen both storages from their roots (and creds),
    so the bytes go storage to storage, never through the driver."""
    pairs = list(pairs)
    if not pairs:
        return
    scheduler, workers = effective_scheduler(num_workers, scheduler, src_base, dst_base)
    # several slices per worker: even load when file sizes differ, steady progress
    ranges = [(0, len(pairs))] if workers == 0 else split_range(0, len(pairs), workers * 4)
    bar = _bar(len(pairs), progressbar, desc, "file")
    results = _run(scheduler, workers, (None, pairs, (src_base, dst_base), {}), ranges, copy_key_slice, bar)
    _raise_first(results)


# ------------------------------------------------------------------ row copies
def output_spec(ds, cache_bytes: int = _WORKER_CACHE_BYTES) -> OutputSpec:
    import copy

    from deeplake.storage.lru_cache import get_base_storage

    ctx = ds._ctx
    return OutputSpec(base=get_base_storage(ctx.storage), path=ctx.path, commit_id=ctx.commit_id,
                      branch=ctx.branch, vc_info=copy.deepcopy(ctx.vc_info), group=ds.group_index,
                      cache_bytes=cache_bytes)


def _parts_of(wds) -> dict:
    from deeplake.core.engine.chunk_merge import part_from_engine

    wds._state.flush()
    parts = {}
    for key, eng in wds._state._engines_strong.items():
        part = part_from_engine(eng)
        if part.length or part.num_sequences or part.class_names:
            parts[key] = part
    return parts


def copy_rows_slice(names, view, spec: OutputSpec, options, lo: int, hi: int, progress=None) -> WorkerResult:
    from deeplake.core.copying import copy_tensor_rows

    try:
        wds = open_worker_dataset(spec)
        sub = view[lo:hi]
        for name in names:
            copy_tensor_rows(sub[name], wds[name], wds)
        parts = _parts_of(wds)
        if progress is not None:
            progress(hi - lo)
        return WorkerResult(parts=parts, processed=hi - lo)
    except Exception as e:
        return _failure(e)


def copy_rows_parallel(view, out, names: List[str], num_workers: int, scheduler: str,
                       progressbar: bool = False) -> None:
    """Append the rows of ``view`` to the (already created, empty) tensors
    ``names`` of ``out``: contiguous row ranges are encoded by the workers and
    stitched in order, so the result equals a serial copy row for row."""
    from deeplake.core.engine.chunk_merge import discard_parts, merge_parts

    scheduler, workers = effective_scheduler(num_workers, scheduler, view._ctx.storage, out._ctx.storage)
    n = len(view)
    ranges = split_range(0, n, worthwhile_workers(workers, view_bytes(view, names)))
    out._state.flush()
    if not view._ctx.read_only and view._state.is_dirty:
        view._state.flush()
    spec = output_spec(out)
    bar = _bar(n, progressbar, "Copying rows", "row")
    results = _run(scheduler, workers, (list(names), view, spec, {}), ranges, copy_rows_slice, bar)
    if any(r.error is not None for r in results):
        discard_parts(spec.base, spec.commit_id, results)
        _raise_first(results)
    with out:
        merge_parts(out._state, results)


# ------------------------------------------------------------------ rechunk
def _share(n: int, k: int, parts: int) -> Tuple[int, int]:
    return n * k // parts, n * (k + 1) // parts


def _rewrite_items(src, dst, start: int, stop: int, batch_bytes: int) -> None:
    """Append items start..stop-1 of engine ``src`` to engine ``dst`` from their
    stored bytes (no decoding); tiled samples are joined and tiled again."""
    from deeplake.core.engine.codec import EncodedBatch

    if stop <= start:
        return
    tiled = src.tiles.entries
    if not tiled and src.can_read_fast():
        arr = src.read_fixed_range(start, stop)
        step = max(1, batch_bytes // max(arr[:1].nbytes, 1))
        for lo in range(0, len(arr), step):
            piece = np.ascontiguousarray(arr[lo:lo + step])
            per = piece.itemsize * int(np.prod(piece.shape[1:], dtype=np.int64))
            batch = EncodedBatch(uniform=(memoryview(piece.reshape(-1)).cast("B"), per, piece.shape[1:]),
                                 count=len(piece))
            batch.extra["dtype"] = piece.dtype
            dst.append_encoded(batch)
        return
    bufs: list = []
    shapes: list = []
    size = 0

    def flush():
        nonlocal bufs, shapes, size
        if bufs:
            batch = EncodedBatch(bufs, shapes, count=len(bufs))
            if src.np_dtype is not None:
                batch.extra["dtype"] = src.np_dtype
            dst.append_encoded(batch)
        bufs, shapes, size = [], [], 0

    for i in range(start, stop):
        if i in tiled:
            flush()
            dst.append_encoded(dst.encode([src.read_sample(i)]))
            continue
        b = src.read_bytes(i)
        bufs.append(b)
        shapes.append(tuple(int(x) for x in src.read_shape(i)))
        size += len(b)
        if size >= batch_bytes:
            flush()
    flush()


def rechunk_slice(tensor_keys, ds, spec: OutputSpec, options, lo: int, hi: int, progress=None) -> WorkerResult:
    try:
        shares = options["shares"]
        wds = open_worker_dataset(spec)
        src_state = ds._state
        for k in range(lo, hi):
            for key in tensor_keys:
                if k >= shares[key]:
                    continue
                src = src_state.engine(key)
                a, b = _share(src.num_samples, k, shares[key])
                _rewrite_items(src, wds._state.engine(key), a, b, options["batch_bytes"])
            if progress is not None:
                progress(1)
        return WorkerResult(parts=_parts_of(wds), processed=hi - lo)
    except Exception as e:
        return _failure(e)


def rechunk_keys(ds, tensor_keys: List[str], num_workers: int, scheduler: str, progressbar: bool) -> None:
    """Rewrite every item of the tensors ``tensor_keys`` of the writable dataset
    ``ds`` into tightly packed chunks. Worker k rewrites the k-th share of each
    tensor; the shares are stitched in order, so the data read back is the same."""
    from deeplake.core.engine.chunk_merge import append_part, delete_unreferenced_chunks, discard_parts

    state = ds._state
    tensor_keys = [k for k in tensor_keys if state.engine(k).num_samples]
    if not tensor_keys:
        return
    scheduler, workers = effective_scheduler(num_workers, scheduler, ds._ctx.storage)
    parts = max(workers, 1)
    state.flush()
    spec = output_spec(ds)
    # a small tensor is not split: every share ends in a partly filled chunk
    shares = {k: worthwhile_workers(parts, _stored_bytes(state.engine(k))) for k in tensor_keys}
    options = {"shares": shares, "batch_bytes": 16 * MB}
    bar = _bar(parts, progressbar, "Rechunking", "share")
    results = _run(scheduler, workers, (list(tensor_keys), ds, spec, options),
                   [(k, k + 1) for k in range(parts)], rechunk_slice, bar)
    if any(r.error is not None for r in results):
        discard_parts(spec.base, spec.commit_id, results)
        _raise_first(results)
    for key in tensor_keys:
        eng = state.engine(key)
        kept = _KeptIndex(eng)
        eng.clear()
        for res in results:
            part = res.parts.get(key)
            if part is not None:
                append_part(eng, part)
        kept.restore(eng)
    delete_unreferenced_chunks(state, tensor_keys)


def worthwhile_workers(workers: int, nbytes: int) -> int:
    if workers <= 1:
        return 1
    return int(min(workers, max(1, nbytes // max(MIN_BYTES_PER_WORKER, 1))))


def view_bytes(view, names) -> int:
    """Approximate stored bytes of the rows of ``view`` in tensors ``names``."""
    total = 0
    rows = len(view)
    for name in names:
        eng = view[name]._engine
        if eng.num_samples:
            total += _stored_bytes(eng) * min(rows, eng.num_samples) // eng.num_samples
    return total


def _stored_bytes(eng) -> int:
    from deeplake.format import keys

    base = eng.ctx.storage
    total = 0
    for cid in np.unique(eng.chunk_ids.rows[:, 0]) if len(eng.chunk_ids) else ():
        try:
            total += base.get_object_size(eng.ctx.chunk_storage_key(eng.key, keys.chunk_name_from_id(int(cid))))
        except Exception:
            total += eng.max_chunk_size
    return total


class _KeptIndex:
    """What a rechunk must not change: item grouping into sequences, link creds,
    shape statistics and the commit diff (the data is the same)."""

    def __init__(self, eng):
        self.sequences = None if eng.sequences is None else eng.sequences.rows.copy()
        self.creds = None if eng.creds is None else eng.creds.rows.copy()
        self.min_shape = list(eng.meta.min_shape)
        self.max_shape = list(eng.meta.max_shape)
        diff = eng.diff
        self.data_added = list(diff.data_added)
        self.cleared = diff.cleared
        self.data_updated = set(diff.data_updated)
        self.length = eng.meta.length

    def restore(self, eng) -> None:
        if eng.meta.length != self.length:  # pragma: no cover - a worker lost items
            raise RuntimeError(f"rechunk of '{eng.key}' produced {eng.meta.length} items, "
                               f"expected {self.length}")
        if self.sequences is not None:
            eng.sequences.set_rows(self.sequences)
        if self.creds is not None:
            eng.creds.set_rows(self.creds)
        eng.meta["min_shape"], eng.meta["max_shape"] = self.min_shape, self.max_shape
        diff = eng.diff
        diff.cleared = self.cleared
        diff.data_added = self.data_added
        diff.data_updated = self.data_updated
        diff.data_transformed = True
        diff.is_dirty = True
        eng._encoders_dirty = True
        eng.meta.is_dirty = True
