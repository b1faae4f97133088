"""``ds.dataloader()``: the chainable loader builder of spec section 11.1.

Every builder method returns a new loader and may be used once per chain
(a second call raises ValueError, as documented). One of ``numpy()``,
``pytorch()`` or ``tensorflow()`` fixes the output format; iterating then
runs one epoch, and iterating again runs the next (reshuffled) epoch.
"""
from __future__ import annotations

import copy
import warnings
from typing import Any, Callable, Dict, List, Optional, Union

import numpy as np


class DeepLakeDataLoader:
    """Chain batch/shuffle/transform/query/sample_by/offset, then numpy/pytorch/tensorflow."""

    def __init__(self, dataset, ignore_errors: bool = False, verbose: bool = False):
        self.dataset = dataset
        self._orig_dataset = dataset
        self.ignore_errors = bool(ignore_errors)
        self.verbose = bool(verbose)
        self._batch_size: Optional[int] = None
        self._drop_last = False
        self._shuffle: Optional[bool] = None
        self._buffer_size = 2048
        self._transform: Any = None
        self._transform_kwargs: Dict[str, Any] = {}
        self._query: Optional[str] = None
        self._sample_by = None
        self._offset: Optional[int] = None
        self._mode: Optional[str] = None
        self._options: Dict[str, Any] = {}
        self._plan = None
        self._reader = None
        self._torch_loader = None
        self._epoch_iter = None
        self._pool = None  # persistent worker processes of numpy()/tensorflow()

    # -------------------------------------------------------------- builder
    def _clone(self, **changes) -> "DeepLakeDataLoader":
        new = copy.copy(self)
        new.__dict__.update(changes)
        new._plan = new._reader = new._torch_loader = new._epoch_iter = new._pool = None
        return new

    def batch(self, batch_size: int, drop_last: bool = False) -> "DeepLakeDataLoader":
        if self._batch_size is not None:
            raise ValueError("batch size is already set")
        if not isinstance(batch_size, (int, np.integer)) or isinstance(batch_size, bool) or batch_size < 1:
            raise ValueError(f"batch_size must be a positive integer, got {batch_size!r}.")
        return self._clone(_batch_size=int(batch_size), _drop_last=bool(drop_last))

    def shuffle(self, shuffle: bool = True, buffer_size: int = 2048) -> "DeepLakeDataLoader":
        if self._shuffle is not None:
            raise ValueError("shuffle is already set")
        if shuffle and self._orig_dataset.is_view:
            raise ValueError(
                "shuffle is not supported on a dataset view: call .dataloader() on the full dataset and "
                "select rows with .query() or .sample_by(), or use ds.pytorch(shuffle=True)."
            )
        if not isinstance(buffer_size, (int, float)) or isinstance(buffer_size, bool) or buffer_size < 0:
            raise ValueError(f"buffer_size must be a non-negative number of MB, got {buffer_size!r}.")
        return self._clone(_shuffle=bool(shuffle), _buffer_size=buffer_size)

    def transform(self, transform: Union[Callable, Dict[str, Optional[Callable]]], **kwargs) -> "DeepLakeDataLoader":
        if self._transform is not None:
            raise ValueError("transform is already set")
        if isinstance(transform, dict):
            bad = [k for k, f in transform.items() if f is not None and not callable(f)]
            if bad:
                raise TypeError(f"transform values must be callables or None; not for {bad}.")
        elif not callable(transform):
            raise TypeError(f"transform must be a callable or a dict of callables, got {type(transform).__name__}.")
        return self._clone(_transform=transform, _transform_kwargs={} if isinstance(transform, dict) else kwargs)

    def query(self, query_string: str) -> "DeepLakeDataLoader":
        if self._query is not None:
            raise ValueError("query is already set")
        view = self.dataset.query(query_string)
        return self._clone(_query=query_string, dataset=view)

    def sample_by(self, weights, replace: Optional[bool] = True, size: Optional[int] = None) -> "DeepLakeDataLoader":
        if self._sample_by is not None:
            raise ValueError("sample_by is already set")
        view = self.dataset.sample_by(weights, replace=replace, size=size)
        return self._clone(_sample_by=(weights, replace, size), dataset=view)

    def offset(self, off: int = 0) -> "DeepLakeDataLoader":
        """Start each epoch at row ``off`` of its order and wrap around (every row still comes once)."""
        if self._offset is not None:
            raise ValueError("offset is already set")
        if not isinstance(off, (int, np.integer)) or isinstance(off, bool) or off < 0:
            raise ValueError(f"offset must be a non-negative integer, got {off!r}.")
        return self._clone(_offset=int(off))

    # ------------------------------------------------------------- terminal
    def _terminal(self, mode: str, **options) -> "DeepLakeDataLoader":
        if self._mode is not None:
            raise ValueError(f"already called .{self._mode}(); .pytorch(), .tensorflow() and .numpy() are exclusive")
        nw = options.get("num_workers", 0)
        if not isinstance(nw, (int, np.integer)) or nw < 0:
            raise ValueError(f"num_workers must be a non-negative integer, got {nw!r}.")
        dm = options.get("decode_method")
        if dm is not None and not isinstance(dm, dict):
            raise TypeError("decode_method must be a dict of tensor name -> 'numpy' | 'tobytes' | 'pil'.")
        new = self._clone(_mode=mode, _options=options)
        new._build()
        return new

    def numpy(self, num_workers: int = 0, tensors: Optional[List[str]] = None, num_threads: Optional[int] = None,
              prefetch_factor: int = 2, decode_method: Optional[Dict[str, str]] = None,
              persistent_workers: bool = False) -> "DeepLakeDataLoader":
        return self._terminal("numpy", num_workers=num_workers, tensors=tensors, num_threads=num_threads,
                              prefetch_factor=prefetch_factor, decode_method=decode_method,
                              persistent_workers=persistent_workers)

    def pytorch(self, num_workers: int = 0, collate_fn: Optional[Callable] = None, tensors: Optional[List[str]] = None,
                num_threads: Optional[int] = None, prefetch_factor: int = 2, distributed: bool = False,
                return_index: bool = True, decode_method: Optional[Dict[str, str]] = None,
                persistent_workers: bool = False) -> "DeepLakeDataLoader":
        from deeplake._deps import require

        require("torch")
        return self._terminal("pytorch", num_workers=num_workers, collate_fn=collate_fn, tensors=tensors,
                              num_threads=num_threads, prefetch_factor=prefetch_factor, distributed=distributed,
                              return_index=return_index, decode_method=decode_method,
                              persistent_workers=persistent_workers)

    def tensorflow(self, num_workers: int = 0, collate_fn: Optional[Callable] = None,
                   tensors: Optional[List[str]] = None, num_threads: Optional[int] = None, prefetch_factor: int = 2,
                   return_index: bool = True, decode_method: Optional[Dict[str, str]] = None,
                   persistent_workers: bool = False) -> "DeepLakeDataLoader":
        from deeplake._deps import require

        require("tensorflow")
        return self._terminal("tensorflow", num_workers=num_workers, collate_fn=collate_fn, tensors=tensors,
                              num_threads=num_threads, prefetch_factor=prefetch_factor, return_index=return_index,
                              decode_method=decode_method, persistent_workers=persistent_workers)

    def _build(self) -> None:
        from deeplake.loader.fetch import BatchReader
        from deeplake.loader.plan import EpochPlan
        from deeplake.random import get_seed

        o = self._options
        if self._offset and self._shuffle and get_seed() is None:
            warnings.warn(
                "offset and shuffle are set without a random seed: the shuffled order differs between loaders, so "
                "the offset does not resume at a predictable sample. Set one with deeplake.random.seed()."
            )
        nw = int(o.get("num_workers", 0))
        threads = o.get("num_threads")
        if threads is None:
            threads = 1 if nw > 0 else 2  # with workers, each decodes its own batches
        tensors = o.get("tensors")
        if isinstance(self._transform, dict) and tensors:
            raise ValueError("tensors are given by the transform dict; do not pass `tensors` as well.")
        self._reader = BatchReader(
            self.dataset, tensors=tensors, decode_method=o.get("decode_method"),
            transform=self._transform, transform_kwargs=self._transform_kwargs, collate_fn=o.get("collate_fn"),
            ignore_errors=self.ignore_errors, return_index=o.get("return_index", True),
            num_threads=threads, cache_budget=max(64 * 10**6, int((self._buffer_size or 0) * 10**6)),
            verbose=self.verbose,
        )
        self._plan = EpochPlan(
            self._reader, batch_size=self._batch_size or 1, drop_last=self._drop_last,
            shuffle=bool(self._shuffle), buffer_size_mb=self._buffer_size, offset=self._offset or 0,
            distributed=bool(o.get("distributed", False)), prefetch_factor=int(o.get("prefetch_factor", 2)),
        )
        if self._mode == "pytorch":
            from deeplake.loader.torch_adapter import make_torch_loader

            self._torch_loader = make_torch_loader(
                self._plan, num_workers=nw, prefetch_factor=int(o.get("prefetch_factor", 2)),
                persistent_workers=bool(o.get("persistent_workers", False)),
            )

    # ------------------------------------------------------------ iteration
    @property
    def batch_size(self) -> int:
        return self._batch_size or 1

    @property
    def error_count(self) -> int:
        """Samples skipped so far because they could not be read, decoded or transformed."""
        return self._reader.error_count if self._reader is not None else 0

    def __len__(self) -> int:
        if self._plan is None:
            from deeplake.loader.order import num_batches

            return num_batches(len(self.dataset), self.batch_size, self._drop_last)
        return self._plan.num_batches()

    def __iter__(self):
        if self._mode is None:
            raise ValueError("call .numpy(), .pytorch() or .tensorflow() before iterating the dataloader")
        if self._mode == "pytorch":
            return self._iter_torch()
        return self._iter_numpy()

    def _iter_torch(self):
        yield from self._torch_loader  # holds the loader while the epoch runs

    def _iter_numpy(self):
        from deeplake.loader.workers import iterate_processes, iterate_threads

        o = self._options
        nw = int(o.get("num_workers", 0))
        batches = self._plan.next_epoch_batches()
        prefetch = int(o.get("prefetch_factor", 2))
        python_work = self._transform is not None or o.get("collate_fn") is not None
        if nw > 0 and python_work and o.get("persistent_workers"):
            from deeplake.loader.workers import ProcessPool

            if self._pool is None or not self._pool.usable():
                self._pool = ProcessPool(self._reader, nw, prefetch)
            it = self._pool.run_epoch(batches)
        elif nw > 0 and python_work:
            it = iterate_processes(self._reader, batches, nw, prefetch)
        else:
            # threads pay off only for GIL-free decoding; pure-Python reads run best in one producer
            decodes = any(src.kind == "image" for src in self._reader.sources.values())
            it = iterate_threads(self._reader, batches, nw if decodes else min(nw, 1), prefetch)
        self._epoch_iter = it
        convert = None
        if self._mode == "tensorflow":
            from deeplake.loader.collate import to_tensorflow as convert
        try:  # this generator holds the loader: it cannot be collected mid-epoch
            for b in it:
                yield b if convert is None else convert(b)
        finally:
            it.close()

    def close(self) -> None:
        """Stop the workers and release chunk caches and thread pools."""
        it, self._epoch_iter = self._epoch_iter, None
        if it is not None:
            it.close()
        tl = self._torch_loader
        if tl is not None:
            workers = getattr(tl, "_iterator", None)
            if workers is not None and hasattr(workers, "_shutdown_workers"):
                workers._shutdown_workers()
            tl._iterator = None
        pool, self._pool = self._pool, None
        if pool is not None:
            pool.close()
        if self._reader is not None:
            self._reader.close()

    @property
    def worker_pids(self) -> List[int]:
        """Process ids of the persistent worker pool (empty when there is none)."""
        return list(self._pool.pids) if self._pool is not None and self._pool.usable() else []

    def __del__(self):
        try:
            self.close()
        except Exception:  # noqa: BLE001 - interpreter shutdown
            pass

    def __repr__(self) -> str:
        return (f"DeepLakeDataLoader(len={len(self.dataset)}, batch_size={self.batch_size}, "
                f"shuffle={bool(self._shuffle)}, mode={self._mode})")

