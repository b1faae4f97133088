"""Turning a list of row positions into a finished batch.

``BatchReader`` holds one ``TensorSource`` per loaded tensor. For a batch it
reads each tensor's samples (every chunk once, images decoded in a thread
pool straight into the batch array), drops or reports samples that failed,
applies the user's transform per sample and collates. It is created in the
main process and inherited by forked workers.
"""
from __future__ import annotations

import threading
import warnings
from typing import Any, Callable, Dict, List, Optional, Sequence

import numpy as np

from deeplake.errors import TransformError
from deeplake.loader.collate import LoaderBatch, columns_to_rows, rows_to_columns, stack_column
from deeplake.loader.sources import SampleError, TensorSource, check_not_empty, default_alloc


def resolve_tensors(ds, tensors: Optional[Sequence[str]]) -> List[str]:
    """Tensor names relative to ``ds`` (group paths allowed), in the asked order."""
    from deeplake.errors import TensorDoesNotExistError

    available = list(ds.tensors)
    if tensors is None:
        return available
    if isinstance(tensors, str):
        tensors = [tensors]
    names = []
    for t in tensors:
        if t == "index":
            raise ValueError("'index' is not a tensor; pass return_index=True to get sample indices.")
        if t in available:
            names.append(t)
            continue
        prefix = t.rstrip("/") + "/"
        sub = [a for a in available if a.startswith(prefix)]  # a group: all of its tensors
        if not sub:
            raise TensorDoesNotExistError(f"Tensor '{t}' does not exist in the dataset.")
        names.extend(sub)
    return names


class BatchReader:
    """Reads, decodes, transforms and collates batches of rows."""

    def __init__(
        self,
        ds,
        tensors: Optional[Sequence[str]] = None,
        decode_method: Optional[Dict[str, str]] = None,
        transform: Optional[Callable] = None,
        transform_kwargs: Optional[dict] = None,
        collate_fn: Optional[Callable] = None,
        ignore_errors: bool = False,
        return_index: bool = True,
        pad_tensors: bool = False,
        num_threads: int = 1,
        cache_budget: int = 64 * 10**6,
        verbose: bool = False,
        use_local_cache: bool = False,
    ):
        decode_method = dict(decode_method or {})
        transform_dict = transform if isinstance(transform, dict) else None
        if transform_dict is not None and tensors is None:
            tensors = [k for k in transform_dict if k != "index"]
        self.names = resolve_tensors(ds, tensors)
        unknown = set(decode_method) - set(self.names)
        if unknown:
            raise ValueError(f"decode_method names tensors that are not loaded: {sorted(unknown)}")
        view_tensors = ds.tensors
        self.sources: Dict[str, TensorSource] = {}
        for name in self.names:
            t = view_tensors[name]
            check_not_empty(name, t)
            disk = _disk_cache(ds, t) if use_local_cache else None
            self.sources[name] = TensorSource(name, t, decode_method.get(name, "numpy"), cache_budget, disk)
        lens = [s.stored_len for s in self.sources.values()]
        base_len = (max(lens) if pad_tensors else min(lens)) if lens else 0
        self.rows = np.asarray(ds.index.values[0].numpy_indices(base_len), dtype=np.int64)
        self.transform_dict = transform_dict
        self.transform = None if transform_dict is not None else transform
        self.transform_kwargs = transform_kwargs or {}
        self.collate_fn = collate_fn
        self.ignore_errors = ignore_errors
        self.return_index = return_index
        self.num_threads = max(1, int(num_threads or 1))
        self.verbose = verbose
        self.error_count = 0
        self.unbatched = False  # ds.pytorch(batch_size=None): single samples, no batch axis
        self._pool = None
        self._pool_pid = None
        self._lock = threading.Lock()

    def __len__(self) -> int:
        return len(self.rows)

    # ---------------------------------------------------------- scheduling
    def primary(self) -> Optional[TensorSource]:
        """The tensor with the most bytes per sample: its chunks drive shuffling."""
        srcs = [s for s in self.sources.values() if s.kind not in ("facade",)]
        if not srcs:
            return None
        return max(srcs, key=lambda s: s.bytes_per_sample())

    def chunk_of_rows(self) -> Optional[np.ndarray]:
        p = self.primary()
        return None if p is None else p.chunk_of(self.rows)

    def bytes_per_row(self) -> int:
        return sum(s.bytes_per_sample() for s in self.sources.values()) or 1

    def _thread_pool(self):
        import os
        from concurrent.futures import ThreadPoolExecutor

        if self.num_threads <= 1:
            return None
        if self._pool is None or self._pool_pid != os.getpid():  # a forked worker needs its own threads
            self._pool = ThreadPoolExecutor(self.num_threads, thread_name_prefix="deeplake-decode")
            self._pool_pid = os.getpid()
        return self._pool

    def begin_epoch(self, batches: Sequence[np.ndarray]) -> None:
        """Tell the chunk caches which rows this process reads this epoch (they free chunks once done)."""
        positions = np.concatenate(batches) if len(batches) else np.zeros(0, np.int64)
        gidx = self.rows[np.asarray(positions, dtype=np.int64)]
        for src in self.sources.values():
            src.expect(gidx)

    def close(self) -> None:
        if self._pool is not None:
            self._pool.shutdown(wait=False, cancel_futures=True)
            self._pool = None
        for s in self.sources.values():
            s.cache.clear()

    # ---------------------------------------------------------------- reads
    def read_columns(self, positions: np.ndarray, alloc: Callable = default_alloc) -> Dict[str, Any]:
        """Decoded columns of the rows at ``positions`` (failed rows dropped when ignoring errors)."""
        positions = np.asarray(positions, dtype=np.int64)
        gidx = self.rows[positions]
        pool = self._thread_pool()
        cols: Dict[str, Any] = {}
        failed: set = set()
        for name, src in self.sources.items():
            errs: Optional[list] = [] if self.ignore_errors else None
            try:
                cols[name] = src.read(gidx, pool, alloc, errs)
            except SampleError as e:
                raise _read_error(e) from e.cause
            src.release(gidx)
            if errs:
                failed.update(errs)
                if self.verbose:
                    warnings.warn(f"skipped {len(errs)} unreadable sample(s) of tensor '{name}'")
        if self.return_index:
            cols["index"] = gidx.copy()
        if failed:
            with self._lock:
                self.error_count += len(failed)
            keep = np.asarray([j for j in range(len(gidx)) if j not in failed], dtype=np.int64)
            cols = {k: (v[keep] if isinstance(v, np.ndarray) else [v[int(j)] for j in keep]) for k, v in cols.items()}
        return cols

    def read_batch(self, positions: np.ndarray, alloc: Callable = default_alloc):
        cols = self.read_columns(positions, alloc)
        n = len(cols[next(iter(cols))]) if cols else 0
        plain = self.transform is None and self.transform_dict is None and self.collate_fn is None
        if plain and not self.unbatched:
            return LoaderBatch((k, stack_column(v) if isinstance(v, list) else v) for k, v in cols.items())
        samples = self._apply_transform(columns_to_rows(cols, n), cols.get("index"))
        if self.unbatched:
            return samples[0] if samples else None
        if self.collate_fn is not None:
            return self.collate_fn(samples)
        return rows_to_columns(samples)

    def _apply_transform(self, samples: List[dict], index) -> List[Any]:
        if self.transform is None and self.transform_dict is None:
            return [LoaderBatch(s) for s in samples]
        out = []
        for j, s in enumerate(samples):
            idx = int(index[j]) if index is not None else None
            try:
                if self.transform_dict is not None:
                    r = LoaderBatch()
                    for k, fn in self.transform_dict.items():
                        if k in s:
                            r[k] = s[k] if fn is None else fn(s[k])
                    if "index" in s:
                        r["index"] = s["index"]
                else:
                    r = self.transform(LoaderBatch(s), **self.transform_kwargs)
            except Exception as e:
                where = f"sample {idx}" if idx is not None else f"sample {j} of the batch"
                if self.ignore_errors:
                    with self._lock:
                        self.error_count += 1
                    if self.verbose:
                        warnings.warn(f"transform failed on {where}: {e}")
                    continue
                raise TransformError(message=f"The transform failed on {where}: {type(e).__name__}: {e}") from e
            out.append(r)
        return out


def _disk_cache(ds, tensor):
    from deeplake.loader.chunk_reader import local_chunk_cache_for

    try:
        commit = ds.commit_id
    except Exception:  # noqa: BLE001 - a dataset without version control
        commit = None
    return local_chunk_cache_for(tensor._engine, ds.path, commit)


def _read_error(e: SampleError):
    from deeplake.errors import SampleDecompressionError, SampleReadError

    cls = SampleDecompressionError if isinstance(e.cause, SampleDecompressionError) else SampleReadError
    return cls(str(e))
