"""One ``eval`` call: argument checks, rounds, workers, chunk-level merge, checkpoints."""
from __future__ import annotations

import contextlib
import logging
from typing import List

from deeplake.errors import (
    InvalidInputDataError,
    InvalidOutputDatasetError,
    TransformError,
)
from deeplake.transform.schedulers import check_scheduler, run_ranges, split_range
from deeplake.transform.worker import OutputSpec, WorkerResult

logger = logging.getLogger("deeplake")
MB = 10**6


def _is_dataset(obj) -> bool:
    return hasattr(obj, "_state") and hasattr(obj, "tensors") and hasattr(obj, "_ctx")


def _is_memory(ds) -> bool:
    from deeplake.storage import get_base_storage

    base = get_base_storage(ds._ctx.storage)
    return bool(getattr(base, "process_local", False)) or ds.path.startswith("mem://")


class Evaluation:
    def __init__(self, pipeline, data_in, ds_out, *, num_workers, scheduler, progressbar, skip_ok,
                 check_lengths, pad_data_in, read_only_ok, cache_size, checkpoint_interval,
                 ignore_errors, verbose, **kwargs):
        self.pipeline = pipeline
        self.data_in = data_in
        self.ds_out = ds_out
        self.num_workers = int(num_workers or 0)
        self.scheduler = scheduler
        self.progressbar = progressbar
        self.skip_ok = skip_ok
        self.check_lengths = check_lengths
        self.pad_data_in = pad_data_in
        self.read_only_ok = read_only_ok
        self.cache_size = cache_size
        self.checkpoint_interval = int(checkpoint_interval or 0)
        self.ignore_errors = ignore_errors
        self.verbose = verbose
        self.inplace = ds_out is None
        self.skipped = 0

    # ------------------------------------------------------------ checks
    def _validate(self) -> None:
        check_scheduler(self.scheduler)
        if self.num_workers < 0:
            raise ValueError(f"num_workers must be >= 0, got {self.num_workers}.")
        if self.num_workers == 0:
            self.scheduler = "serial"
        data_in = self.data_in
        if not (hasattr(data_in, "__getitem__") and hasattr(data_in, "__len__")) or isinstance(data_in, (str, bytes, dict)):
            raise InvalidInputDataError(
                f"data_in must support __getitem__ and __len__ (a list, array or Deep Lake dataset), "
                f"got {type(data_in).__name__}."
            )
        if self.checkpoint_interval > 0:
            if self.inplace:
                raise ValueError("checkpoint_interval needs ds_out: in-place transforms cannot be checkpointed.")
            if self.num_workers > 0 and self.checkpoint_interval % self.num_workers:
                raise ValueError(
                    f"checkpoint_interval ({self.checkpoint_interval}) must be a multiple of "
                    f"num_workers ({self.num_workers})."
                )
        if _is_dataset(data_in):
            if self.pad_data_in:
                self.data_in = data_in = data_in.max_view
            if self.scheduler in ("processed", "ray") and _is_memory(data_in):
                raise InvalidInputDataError(
                    f"Transforms with the '{self.scheduler}' scheduler cannot read a memory dataset "
                    f"(other processes cannot see it); use scheduler='threaded' or a local path."
                )
        if self.inplace:
            if not _is_dataset(data_in):
                raise InvalidOutputDatasetError(
                    "ds_out is required when data_in is not a Deep Lake dataset (only datasets can be "
                    "transformed in place)."
                )
            if data_in.is_view:
                raise InvalidOutputDatasetError("In-place transforms need a whole dataset, not a view; pass ds_out.")
            self.ds_out = data_in
        ds = self.ds_out
        if not _is_dataset(ds):
            raise InvalidOutputDatasetError(f"ds_out must be a Deep Lake dataset, got {type(ds).__name__}.")
        if ds.is_view and not self.inplace:
            raise InvalidOutputDatasetError("ds_out cannot be a view; pass the dataset (or group) itself.")
        if ds.read_only and not (self.read_only_ok and ds is self.data_in):
            raise InvalidOutputDatasetError("The output Dataset to transform should not be `read_only`.")
        if self.check_lengths and not self.inplace:
            lengths = {k: t.num_samples for k, t in ds.tensors.items()}
            if len(set(lengths.values())) > 1:
                raise InvalidOutputDatasetError(
                    f"All tensors of ds_out must have the same length before a transform, got {lengths}."
                )
        if self.scheduler in ("processed", "ray") and _is_memory(ds):
            raise InvalidOutputDatasetError(
                f"Transforms with the '{self.scheduler}' scheduler cannot write a memory dataset "
                f"(other processes cannot see it); use scheduler='threaded' or a local path."
            )

    # ------------------------------------------------------------ running
    def _spec(self) -> OutputSpec:
        import copy

        from deeplake.storage import get_base_storage

        ctx = self.ds_out._ctx
        return OutputSpec(
            base=get_base_storage(ctx.storage), path=ctx.path, commit_id=ctx.commit_id, branch=ctx.branch,
            vc_info=copy.deepcopy(ctx.vc_info), group=self.ds_out.group_index,
            cache_bytes=int(max(self.cache_size, 1) * MB),
        )

    def run(self) -> int:
        self._validate()
        total = len(self.data_in)
        with contextlib.suppress(Exception):
            self.ds_out.flush()
        if _is_dataset(self.data_in) and self.data_in._state is not self.ds_out._state:
            with contextlib.suppress(Exception):
                self.data_in.flush()
        interval = self.checkpoint_interval if self.checkpoint_interval > 0 else max(total, 1)
        workers = max(self.num_workers, 1) if self.scheduler != "serial" else 1
        options = dict(skip_ok=self.skip_ok, ignore_errors=self.ignore_errors,
                       cache_bytes=int(max(self.cache_size, 1) * MB))
        bar = _progress_bar(total, self.progressbar, f"Evaluating {self.pipeline.name}")
        done = 0
        try:
            for r0 in range(0, total, interval):
                r1 = min(total, r0 + interval)
                ranges = split_range(r0, r1, workers)
                job = (self.pipeline.functions, self.data_in, self._spec(), options)
                results = run_ranges(self.scheduler, workers, job, ranges, bar.update)
                failed = next((r for r in results if r.error is not None), None)
                if failed is not None:
                    self._discard(results)
                    self._raise(failed, done)
                self._merge(results)
                self.skipped += sum(r.skipped for r in results)
                done = r1
                if self.checkpoint_interval > 0 and r1 < total:
                    pct = round(100 * r1 / total, 2)
                    self.ds_out.commit(f"Auto-commit during deeplake.compute of {self.pipeline.name} "
                                       f"after {pct}% progress", allow_empty=True)
        finally:
            bar.close()
        if self.skipped and self.verbose:
            msg = f"{self.skipped} of {total} input samples were skipped because the transform failed on them."
            print(msg)
            logger.info(msg)
        return self.skipped

    def _merge(self, results: List[WorkerResult]) -> None:
        from deeplake.core.engine.chunk_merge import delete_unreferenced_chunks, merge_parts

        state = self.ds_out._state
        cleared = set()
        with self.ds_out._write_context("write the transform's output"):
            if self.inplace:
                cleared = self._clear_for_inplace(results)
            merge_parts(state, results)
        if cleared:
            # the replaced data's chunks of this (uncommitted) node are now garbage
            with self.ds_out._write_context("remove the replaced chunks"):
                delete_unreferenced_chunks(state, sorted(cleared))

    def _clear_for_inplace(self, results: List[WorkerResult]) -> set:
        state = self.ds_out._state
        meta = state.meta
        if self.skip_ok:
            written = {k for r in results for k in r.parts}
            keys = [k for k in written if k not in meta.hidden_tensors]
        else:
            keys = [t.key for t in self.ds_out.tensors.values()]
        cleared = set()
        for key in keys:
            eng = state.engine(key)
            for k in [key, *eng.meta.links]:
                if k not in cleared:
                    state.engine(k).clear()
                    cleared.add(k)
        return cleared

    def _discard(self, results: List[WorkerResult]) -> None:
        """Delete chunks that finished workers wrote for a round that failed."""
        from deeplake.core.engine.chunk_merge import discard_parts

        spec = self._spec()
        discard_parts(spec.base, spec.commit_id, results)

    def _raise(self, failed: WorkerResult, done: int) -> None:
        err = failed.error
        if isinstance(err, TransformError) and failed.error_index is None:
            raise err
        if failed.error_index is None:
            raise TransformError(message=f"Transform failed: {failed.error_text}") from err
        idx = failed.error_index
        msg = f"Transform failed at index {idx} of the input data. Original error: {failed.error_text}"
        if self.checkpoint_interval > 0:
            if done:
                msg += (f"\nThe dataset is at the last checkpoint: the first {done} input samples were "
                        f"transformed and committed. Resume with eval(data_in[{done}:], ds_out, ...).")
            else:
                msg += "\nNo checkpoint was reached; the output dataset is unchanged."
        raise TransformError(idx, None, done, message=msg) from err


def _progress_bar(total: int, enabled: bool, desc: str):
    if enabled:
        try:
            from tqdm import tqdm

            return tqdm(total=total, desc=desc, unit=" samples", leave=False)
        except ImportError:  # pragma: no cover - tqdm is a dependency
            pass
    return _NoBar()


class _NoBar:
    def update(self, n: int = 1) -> None:
        pass

    def close(self) -> None:
        pass
