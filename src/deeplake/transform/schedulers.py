"""Run worker slices serially, in threads, in forked processes or as Ray tasks.

Every scheduler takes the same job: run ``run_slice`` over contiguous input
ranges and hand back one WorkerResult per range, in range order. Only small
index tables travel back; sample data goes through the output's storage.
"""
from __future__ import annotations

import os
import threading
from typing import Callable, List, Optional, Sequence, Tuple

from deeplake.errors import UnsupportedSchedulerError
from deeplake.transform.worker import WorkerResult, run_slice

SCHEDULERS = ("serial", "threaded", "processed", "ray")

Ranges = Sequence[Tuple[int, int]]


def check_scheduler(scheduler: str) -> None:
    if scheduler not in SCHEDULERS:
        raise UnsupportedSchedulerError(
            f"Scheduler '{scheduler}' is not supported; use one of {', '.join(SCHEDULERS)}."
        )


def split_range(start: int, end: int, parts: int) -> List[Tuple[int, int]]:
    """``parts`` contiguous, near-equal ranges covering start..end (empty ones dropped)."""
    n = end - start
    parts = max(1, min(parts, n)) if n else 1
    out, lo = [], start
    for k in range(parts):
        hi = lo + n // parts + (1 if k < n % parts else 0)
        if hi > lo:
            out.append((lo, hi))
        lo = hi
    return out


def run_ranges(scheduler: str, num_workers: int, job: tuple, ranges: Ranges,
               progress: Callable[[int], None], runner: Callable[..., WorkerResult] = run_slice
               ) -> List[WorkerResult]:
    """``job`` is (functions, data_in, spec, options); each range runs
    ``runner(*job, lo, hi, progress=...)``. Other parallel operations (copies,
    rechunk) pass their own module-level runner with the same signature: it
    must never raise, and report failures in the WorkerResult."""
    if scheduler == "serial" or num_workers <= 0:
        return [runner(*job, lo, hi, progress=progress) for lo, hi in ranges]
    if scheduler == "threaded":
        return _run_threads(num_workers, job, ranges, progress, runner)
    if scheduler == "processed":
        return _run_processes(num_workers, job, ranges, progress, runner)
    return _run_ray(job, ranges, progress, runner)


# ---------------------------------------------------------------- threads
def _run_threads(num_workers, job, ranges, progress, runner=run_slice) -> List[WorkerResult]:
    from concurrent.futures import ThreadPoolExecutor

    lock = threading.Lock()

    def report(n):
        with lock:
            progress(n)

    with ThreadPoolExecutor(max_workers=num_workers) as pool:
        futures = [pool.submit(runner, *job, lo, hi, progress=report) for lo, hi in ranges]
        return [f.result() for f in futures]


# ---------------------------------------------------------------- processes
# Forked children inherit the job (pipeline, input, output spec) from this
# global: user functions need not be picklable and the input is never copied.
_FORK_JOB: Optional[tuple] = None
_FORK_RUNNER: Callable[..., WorkerResult] = run_slice
_FORK_QUEUE = None


def _fork_entry(lo: int, hi: int) -> WorkerResult:
    q = _FORK_QUEUE

    def report(n):
        if n:
            q.put(n)

    res = _FORK_RUNNER(*_FORK_JOB, lo, hi, progress=report)
    return _picklable(res)


def _picklable(res: WorkerResult) -> WorkerResult:
    import pickle

    if res.error is not None:
        try:
            pickle.dumps(res.error)
        except Exception:
            res.error = RuntimeError(res.error_text)
    return res


def _result_or_error(future) -> WorkerResult:
    """A worker process that died (killed, out of memory) fails its range, not the driver."""
    try:
        return future.result()
    except Exception as e:
        return WorkerResult(error=e, error_text=f"worker process failed: {type(e).__name__}: {e}")


def _run_processes(num_workers, job, ranges, progress, runner=run_slice) -> List[WorkerResult]:
    import multiprocessing as mp
    from concurrent.futures import ProcessPoolExecutor, wait, FIRST_COMPLETED

    from deeplake.util.processes import die_with_parent

    global _FORK_JOB, _FORK_QUEUE, _FORK_RUNNER
    method = "fork" if "fork" in mp.get_all_start_methods() else None
    if method is None:  # no fork (Windows, macOS spawn-only builds): same work in threads
        return _run_threads(num_workers, job, ranges, progress, runner)
    ctx = mp.get_context(method)
    _FORK_JOB = job
    _FORK_RUNNER = runner
    _FORK_QUEUE = ctx.SimpleQueue()
    try:
        with ProcessPoolExecutor(max_workers=min(num_workers, len(ranges)), mp_context=ctx,
                                 initializer=die_with_parent, initargs=(os.getpid(),)) as pool:
            futures = [pool.submit(_fork_entry, lo, hi) for lo, hi in ranges]
            pending = set(futures)
            while pending:
                _, pending = wait(pending, timeout=0.2, return_when=FIRST_COMPLETED)
                while not _FORK_QUEUE.empty():
                    progress(_FORK_QUEUE.get())
            while not _FORK_QUEUE.empty():
                progress(_FORK_QUEUE.get())
            return [_result_or_error(f) for f in futures]
    finally:
        _FORK_JOB = None
        _FORK_QUEUE = None
        _FORK_RUNNER = run_slice


# ---------------------------------------------------------------- ray
def _ray_task(payload: bytes, lo: int, hi: int) -> WorkerResult:
    from ray import cloudpickle

    runner, functions, data_in, spec, options, offset = cloudpickle.loads(payload)
    res = runner(functions, data_in, spec, options, lo - offset, hi - offset)
    if res.error_index is not None:
        res.error_index += offset
    return _picklable(res)


def _run_ray(job, ranges, progress, runner=run_slice) -> List[WorkerResult]:
    import sys

    import ray
    from ray import cloudpickle

    if not ray.is_initialized():
        # a cluster joined earlier with ray.init(address=...) is used as is
        ray.init(address=os.environ.get("RAY_ADDRESS"), ignore_reinit_error=True, log_to_driver=False)
    functions, data_in, spec, options = job
    # user modules (tests, notebooks) may not be importable on the workers: ship them by value
    registered = []
    for fn in functions or ():
        mod = sys.modules.get(getattr(getattr(fn, "func", fn), "__module__", None) or "", None)
        if mod is not None and not mod.__name__.startswith(("deeplake", "ray", "numpy")) \
                and mod.__name__ != "__main__":
            try:
                cloudpickle.register_pickle_by_value(mod)
                registered.append(mod)
            except Exception:
                pass
    try:
        remote = ray.remote(_ray_task)
        refs = []
        for lo, hi in ranges:
            piece, offset = _input_piece(data_in, lo, hi)
            payload = cloudpickle.dumps((runner, functions, piece, spec, options, offset))
            refs.append(remote.remote(payload, lo, hi))
        results: List[Optional[WorkerResult]] = [None] * len(refs)
        index = {r: k for k, r in enumerate(refs)}
        pending = list(refs)
        while pending:
            done, pending = ray.wait(pending, num_returns=1)
            for r in done:
                k = index[r]
                results[k] = ray.get(r)
                progress(ranges[k][1] - ranges[k][0])
        return results  # type: ignore[return-value]
    finally:
        for mod in registered:
            try:
                cloudpickle.unregister_pickle_by_value(mod)
            except Exception:
                pass


def _input_piece(data_in, lo: int, hi: int):
    """(what a Ray task gets as input, index offset): datasets travel as their path."""
    if hasattr(data_in, "_state") and hasattr(data_in, "tensors"):
        return data_in, 0
    try:
        piece = data_in[lo:hi]
        if len(piece) == hi - lo:
            return piece, lo
    except Exception:
        pass
    return [data_in[i] for i in range(lo, hi)], lo
