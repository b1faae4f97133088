"""Producing an epoch's batches in parallel, in order, with bounded prefetch.

Worker ``w`` of ``n`` produces batches ``w, w + n, w + 2n, ...`` into its own
queue of ``prefetch_factor`` slots and the consumer takes them round robin,
so the order is the planned one whatever the timing. Workers are threads
when the work is native code that drops the GIL (reading chunks, Pillow and
lz4 decoding), and forked processes when a Python transform or collate
function would hold it. Stopping the consumer (break, close(), garbage
collection, KeyboardInterrupt) stops the workers: threads see a stop flag,
processes are terminated.
"""
from __future__ import annotations

import os
import queue
import threading
from typing import Iterator, List

import numpy as np

_DONE = "__deeplake_loader_done__"


class _Failure:
    """An exception raised in a worker, re-raised by the consumer."""

    def __init__(self, exc: BaseException):
        self.exc = exc


def _produce(reader, batches: List[np.ndarray], wid: int, nworkers: int, put, stopped) -> None:
    try:
        for i in range(wid, len(batches), nworkers):
            if stopped():
                return
            put(reader.read_batch(batches[i]))
    except BaseException as e:  # noqa: BLE001 - handed to the consumer
        put(_Failure(e))
        return
    put(_DONE)


def iterate_threads(reader, batches: List[np.ndarray], num_workers: int, prefetch: int) -> Iterator:
    """Batches produced by ``max(1, num_workers)`` threads (0 workers: one prefetching thread)."""
    n = max(1, num_workers)
    if not batches:
        return
    stop = threading.Event()
    queues = [queue.Queue(maxsize=max(1, prefetch)) for _ in range(n)]

    def put_into(q):
        def put(item):
            while not stop.is_set():
                try:
                    q.put(item, timeout=0.1)
                    return
                except queue.Full:
                    continue

        return put

    threads = [
        threading.Thread(
            target=_produce, args=(reader, batches, w, n, put_into(queues[w]), stop.is_set),
            daemon=True, name=f"deeplake-loader-{w}",
        )
        for w in range(n)
    ]
    for t in threads:
        t.start()
    try:
        yield from _consume(queues, len(batches), n, lambda q: q.get())
    finally:
        stop.set()
        for q in queues:  # unblock producers waiting on a full queue
            while True:
                try:
                    q.get_nowait()
                except queue.Empty:
                    break


def _consume(queues, nbatches: int, n: int, get) -> Iterator:
    for i in range(nbatches):
        item = get(queues[i % n])
        if isinstance(item, _Failure):
            raise item.exc
        if isinstance(item, str) and item == _DONE:
            return
        yield item


def iterate_processes(reader, batches: List[np.ndarray], num_workers: int, prefetch: int) -> Iterator:
    """Batches produced by ``num_workers`` forked processes (results are pickled back)."""
    import multiprocessing as mp

    if not batches:
        return
    ctx = mp.get_context("fork")
    n = num_workers
    queues = [ctx.Queue(maxsize=max(1, prefetch)) for _ in range(n)]
    parent = os.getpid()
    procs = [ctx.Process(target=_process_main, args=(reader, batches, w, n, queues[w], parent), daemon=True)
             for w in range(n)]
    for p in procs:
        p.start()
    parent = os.getpid()

    def get(q):
        while True:
            try:
                return q.get(timeout=1.0)
            except queue.Empty:
                dead = [p for p in procs if not p.is_alive() and p.exitcode not in (0, None)]
                if dead:
                    raise RuntimeError(f"a dataloader worker died (exit code {dead[0].exitcode})") from None

    try:
        yield from _consume(queues, len(batches), n, get)
    finally:
        if os.getpid() == parent:
            for p in procs:
                if p.is_alive():
                    p.terminate()
            for p in procs:
                p.join(timeout=5)
            for q in queues:
                q.close()
                q.cancel_join_thread()


def _process_main(reader, batches, wid, n, q, parent=None) -> None:
    import signal

    from deeplake.util.processes import die_with_parent

    die_with_parent(parent)
    signal.signal(signal.SIGINT, signal.SIG_IGN)  # the parent handles Ctrl-C and terminates us
    _produce(reader, batches, wid, n, q.put, lambda: False)
