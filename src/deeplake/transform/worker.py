"""One transform worker: runs the pipeline over a slice of the input and writes chunks.

The worker opens its own handle on the output dataset whose storage sends
chunk objects straight to the shared storage (they land in the output
tensors' chunk folders under fresh random names) and keeps every other key
(encoders, metas, diffs) private. What it returns is therefore small: the
private index tables per tensor (``TensorPart``), which the driver appends
to the output in input order (``deeplake.core.engine.chunk_merge``).
"""
from __future__ import annotations

import copy
import re
import traceback
from dataclasses import dataclass, field
from typing import Any, Callable, Dict, List, Optional, Set

import numpy as np

from deeplake.storage.base import StorageProvider, key_is_under, normalize_prefix

_CHUNK_KEY = re.compile(r"(^|/)chunks/[0-9a-f]+$")


class ChunkRoutingStorage(StorageProvider):
    """Chunks go to ``shared``; every other key stays in a private dict."""

    def __init__(self, shared: StorageProvider):
        self.shared = shared
        self.private: Dict[str, bytes] = {}
        self.root = getattr(shared, "root", "")
        self._read_only = False

    @staticmethod
    def is_chunk(path: str) -> bool:
        return _CHUNK_KEY.search(path) is not None

    def __getitem__(self, path: str):
        v = self.private.get(path)
        if v is not None:
            return v
        return self.shared[path]

    def __setitem__(self, path: str, value) -> None:
        if self.is_chunk(path):
            self.shared[path] = value
        else:
            self.private[path] = bytes(value)

    def __delitem__(self, path: str) -> None:
        if path in self.private:
            del self.private[path]
        else:
            raise KeyError(path)

    def write_parts(self, path: str, parts) -> None:
        if self.is_chunk(path):
            self.shared.write_parts(path, parts)
        else:
            super().write_parts(path, parts)

    def get_bytes(self, path: str, start_byte=None, end_byte=None):
        if path in self.private:
            return super().get_bytes(path, start_byte, end_byte)
        return self.shared.get_bytes(path, start_byte, end_byte)

    def read_into(self, path: str, buffer, start_byte: int = 0) -> int:
        if path in self.private:
            return super().read_into(path, buffer, start_byte)
        return self.shared.read_into(path, buffer, start_byte)

    def _all_keys(self) -> Set[str]:
        return set(self.private) | set(self.shared._all_keys())

    def clear(self, prefix: str = "") -> None:
        folder = normalize_prefix(prefix)
        for k in [k for k in self.private if key_is_under(k, folder)]:
            del self.private[k]


@dataclass
class OutputSpec:
    """Enough to open a worker handle on the output dataset in any process."""

    base: Any  # the output's base StorageProvider (pickles as its root)
    path: str
    commit_id: str
    branch: str
    vc_info: dict
    group: str
    cache_bytes: int


@dataclass
class WorkerResult:
    parts: Dict[str, Any] = field(default_factory=dict)  # tensor key -> TensorPart
    processed: int = 0
    skipped: int = 0
    error_index: Optional[int] = None
    error: Optional[BaseException] = None
    error_text: str = ""


def open_worker_dataset(spec: OutputSpec):
    """A private handle on the output whose tensors all start empty."""
    from deeplake.core.context import DatasetContext
    from deeplake.core.dataset import Dataset
    from deeplake.core.state import DatasetState

    ctx = DatasetContext(ChunkRoutingStorage(spec.base), spec.path, read_only=False)
    ctx.vc_info = copy.deepcopy(spec.vc_info)
    ctx.commit_id = spec.commit_id
    ctx.branch = spec.branch
    state = DatasetState(ctx, memory_cache_bytes=spec.cache_bytes)
    state.lock_enabled = False
    state.load()
    for key in state.meta.tensors:
        state.engine(key).clear()
    return Dataset(state, spec.group)


class TransformAbort(Exception):
    """Carries the failing input index out of the worker loop."""

    def __init__(self, index: int, cause: BaseException):
        super().__init__(index, cause)
        self.index = index
        self.cause = cause


class SliceRunner:
    """Runs the pipeline over inputs ``start..end-1`` into a worker dataset."""

    FLUSH_CHECK_EVERY = 64
    MAX_BUFFERED_VALUES = 200_000

    def __init__(self, functions, data_in, spec: OutputSpec, *, skip_ok: bool, ignore_errors: bool,
                 cache_bytes: int, progress: Optional[Callable[[int], None]] = None):
        self.functions = functions
        self.data_in = data_in
        self.spec = spec
        self.skip_ok = skip_ok
        self.ignore_errors = ignore_errors
        self.cache_bytes = max(int(cache_bytes), 1 << 20)
        self.progress = progress or (lambda n: None)
        self.ds = None
        self.skipped = 0
        self._known: Optional[Set[str]] = None

    # ------------------------------------------------------------ running
    def run(self, start: int, end: int) -> WorkerResult:
        from deeplake.core.engine.chunk_merge import part_from_engine
        from deeplake.transform.samples_out import SamplesOut

        self.ds = open_worker_dataset(self.spec)
        out = SamplesOut()
        batch_start = start
        reported = start
        single = len(self.functions) == 1
        for i in range(start, end):
            marks = {k: len(t._items) for k, t in out.tensors.items()} if self.ignore_errors else None
            try:
                sample = self.data_in[i]
                if single:
                    self.functions[0].run(sample, out)
                else:
                    self._run_chain(sample, out)
            except Exception as e:
                if not self.ignore_errors:
                    raise TransformAbort(i, e) from e
                for k, t in out.tensors.items():
                    del t._items[marks.get(k, 0):]
                self.skipped += 1
                continue
            if (i - start) % self.FLUSH_CHECK_EVERY == self.FLUSH_CHECK_EVERY - 1:
                if self._full(out):
                    self._flush(out, batch_start, i + 1)
                    out = SamplesOut()
                    batch_start = i + 1
                self.progress(i + 1 - reported)
                reported = i + 1
        self._flush(out, batch_start, end)
        self.progress(end - reported)
        self.ds._state.flush()
        parts = {}
        for key, eng in self.ds._state._engines_strong.items():
            part = part_from_engine(eng)
            if part.length or part.num_sequences or part.class_names:
                parts[key] = part
        return WorkerResult(parts=parts, processed=end - start, skipped=self.skipped)

    def _run_chain(self, sample, out) -> None:
        from deeplake.transform.samples_out import run_pipeline

        res = run_pipeline(self.functions, sample)
        for k, vals in res.written().items():
            out[k]._items.extend(vals)

    def _full(self, out) -> bool:
        total = 0
        count = 0
        for t in out.tensors.values():
            n = len(t._items)
            if n:
                count += n
                total += n * _approx_nbytes(t._items[-1])
        return total >= self.cache_bytes or count >= self.MAX_BUFFERED_VALUES

    # ------------------------------------------------------------ writing
    def _check_tensors(self, names) -> None:
        from deeplake.errors import TensorMismatchError

        if self._known is None:
            self._known = set(self.ds.tensors)
        names = set(names)
        unknown = names - self._known
        if unknown or (not self.skip_ok and names != self._known):
            raise TensorMismatchError(
                f"The transform wrote tensors {sorted(names)} but the output dataset has tensors "
                f"{sorted(self._known)}"
                + ("; every written tensor must exist in the output." if self.skip_ok or unknown
                   else "; pass skip_ok=True to leave some tensors out.")
            )

    def _flush(self, out, lo: int, hi: int) -> None:
        written = out.written()
        if not written:
            return
        self._check_tensors(written)
        if not self.skip_ok:
            out.num_rows()  # equal counts per tensor, or InvalidTransformDataset
        try:
            self._write(written)
        except Exception:
            # find the failing input: replay this batch one input at a time
            self._write_one_by_one(lo, hi)

    def _write(self, written: Dict[str, List[Any]]) -> None:
        tensors = {k: self.ds[k] for k in written}
        batches = {}
        for k, vals in written.items():
            meta = tensors[k].meta
            plain = not (meta.is_sequence or meta.is_link or meta.htype == "class_label")
            batches[k] = _stack_uniform(vals) if plain else vals
        self.ds._writer.extend_dataset(tensors, batches)

    def _write_one_by_one(self, lo: int, hi: int) -> None:
        from deeplake.transform.samples_out import SamplesOut

        for i in range(lo, hi):
            try:
                sample = self.data_in[i]
                out = SamplesOut()
                if len(self.functions) == 1:
                    self.functions[0].run(sample, out)
                else:
                    self._run_chain(sample, out)
            except Exception:
                continue  # counted (or raised) when it first failed
            written = out.written()
            if not written:
                continue
            try:
                self._check_tensors(written)
                self._write(written)
            except Exception as e:
                if not self.ignore_errors or _is_schema_error(e):
                    raise TransformAbort(i, e) from e
                self.skipped += 1


def _is_schema_error(e: BaseException) -> bool:
    from deeplake.errors import TensorMismatchError, InvalidTransformDataset

    return isinstance(e, (TensorMismatchError, InvalidTransformDataset))


_SCALARS = (int, float, bool, np.generic)


def _stack_uniform(vals: List[Any]):
    """One array for a run of numeric scalars, or of arrays sharing shape and dtype:
    the writer then takes its whole-batch path instead of one sample at a time."""
    if len(vals) < 2:
        return vals
    first = vals[0]
    if isinstance(first, np.ndarray):
        shape, dtype = first.shape, first.dtype
        if dtype.kind not in "biuf":
            return vals
        for v in vals:
            if type(v) is not np.ndarray or v.shape != shape or v.dtype != dtype:
                return vals
        return np.stack(vals)
    if isinstance(first, _SCALARS):
        kinds = {type(v) for v in vals}
        if all(issubclass(t, _SCALARS) for t in kinds) and len(kinds) == 1:
            arr = np.asarray(vals)
            if arr.dtype.kind in "biuf":
                return arr
    return vals


def _approx_nbytes(v) -> int:
    n = getattr(v, "nbytes", None)
    if isinstance(n, int):
        return max(n, 8)
    if isinstance(v, (bytes, str)):
        return len(v) + 8
    return 64


def run_slice(functions, data_in, spec: OutputSpec, options: dict, start: int, end: int,
              progress: Optional[Callable[[int], None]] = None) -> WorkerResult:
    """Entry point of every scheduler; never raises, failures come back as data."""
    runner = SliceRunner(functions, data_in, spec, progress=progress, **options)
    try:
        return runner.run(start, end)
    except TransformAbort as abort:
        return WorkerResult(processed=abort.index - start, skipped=runner.skipped, error_index=abort.index,
                            error=abort.cause, error_text=_describe(abort.cause))
    except Exception as e:
        return WorkerResult(processed=0, skipped=runner.skipped, error_index=None, error=e, error_text=_describe(e))


def _describe(e: BaseException) -> str:
    return "".join(traceback.format_exception_only(type(e), e)).strip()
