"""Producing an epoch's batches in parallel, in order, with bounded prefetch.

Worker ``w`` of ``n`` produces batches ``w, w + n, w + 2n, ...`` into its own
queue of ``prefetch_factor`` slots and the consumer takes them round robin,
so the order is the planned one whatever the timing. Workers are threads
when the work is native code that drops the GIL (reading chunks, Pillow and
lz4 decoding), and forked processes when a Python transform or collate
function would hold it; processes hand their batches over through shared
memory (:mod:`.shm`). Stopping the consumer (break, close(), garbage
collection, KeyboardInterrupt) stops the workers: threads see a stop flag,
processes are terminated.
"""
from __future__ import annotations

import os
import queue
import threading
from typing import Iterator, List

import numpy as np

from deeplake.loader import shm

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
    reader.begin_epoch(batches)  # the threads share one set of chunk caches
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
    session = shm.new_session() if shm.available() else None
    procs = [ctx.Process(target=_process_main, args=(reader, batches, w, n, queues[w], parent, session),
                         daemon=True) for w in range(n)]
    for p in procs:
        p.start()
    parent = os.getpid()

    def get(q):
        while True:
            try:
                return shm.unpack(q.get(timeout=1.0))
            except queue.Empty:
                dead = [p for p in procs if not p.is_alive() and p.exitcode not in (0, None)]
                if dead:
                    raise RuntimeError(f"a dataloader worker died (exit code {dead[0].exitcode})") from None

    try:
        yield from _consume(queues, len(batches), n, get)
    finally:
        if os.getpid() == parent:
            _stop_processes(procs, queues, session)


def _shared_put(put, session):
    """``put`` that sends batches' large arrays through shared memory (when there is a session)."""
    if session is None:
        return put
    return lambda item: put(shm.pack(item, session))


def _process_main(reader, batches, wid, n, q, parent=None, session=None) -> None:
    import signal

    from deeplake.util.processes import die_with_parent

    die_with_parent(parent)
    signal.signal(signal.SIGINT, signal.SIG_IGN)  # the parent handles Ctrl-C and terminates us
    reader.begin_epoch(batches[wid::n])
    _produce(reader, batches, wid, n, _shared_put(q.put, session), lambda: False)


def _stop_processes(procs, queues, session=None) -> None:
    for p in procs:
        if p.is_alive():
            p.terminate()
    for p in procs:
        p.join(timeout=5)
        if p.is_alive():  # stuck in uninterruptible I/O: make sure it goes
            p.kill()
            p.join(timeout=5)
    for q in queues:
        q.close()
        q.cancel_join_thread()
    shm.remove_session(session)  # batches made but never taken


class ProcessPool:
    """Forked workers kept between epochs (``persistent_workers=True``).

    Each worker waits for an epoch's batch list on its task queue and
    produces its share like a one-epoch worker. An epoch left early (break,
    error, KeyboardInterrupt) shuts the pool down, since its workers may
    still be busy with batches nobody will take; the next epoch starts a new one.
    """

    def __init__(self, reader, num_workers: int, prefetch: int):
        import multiprocessing as mp

        ctx = mp.get_context("fork")
        self.n = n = int(num_workers)
        self.tasks = [ctx.Queue() for _ in range(n)]
        self.results = [ctx.Queue(maxsize=max(1, prefetch)) for _ in range(n)]
        self.parent = parent = os.getpid()
        self.session = session = shm.new_session() if shm.available() else None
        self.procs = [ctx.Process(target=_pool_main,
                                  args=(reader, w, n, self.tasks[w], self.results[w], parent, session),
                                  daemon=True) for w in range(n)]
        for p in self.procs:
            p.start()
        self.closed = False

    @property
    def pids(self) -> List[int]:
        return [p.pid for p in self.procs]

    def usable(self) -> bool:
        return not self.closed and os.getpid() == self.parent and all(p.is_alive() for p in self.procs)

    def run_epoch(self, batches: List[np.ndarray]) -> Iterator:
        if not batches:
            return
        for q in self.tasks:
            q.put(batches)
        procs = self.procs

        def get(q):
            while True:
                try:
                    return shm.unpack(q.get(timeout=1.0))
                except queue.Empty:
                    if any(not p.is_alive() for p in procs):
                        code = next(p.exitcode for p in procs if not p.is_alive())
                        raise RuntimeError(f"a dataloader worker died (exit code {code})") from None

        finished = False
        try:
            yield from _consume(self.results, len(batches), self.n, get)
            for q in self.results:  # each worker ends its share with a done marker
                item = get(q)
                if isinstance(item, _Failure):
                    raise item.exc
            finished = True
        finally:
            if not finished:
                self.close()

    def close(self) -> None:
        if self.closed or os.getpid() != self.parent:
            return
        self.closed = True
        for q in self.tasks:
            try:
                q.put_nowait(None)
            except Exception:  # noqa: BLE001 - the queue is already broken
                pass
        _stop_processes(self.procs, self.tasks + self.results, self.session)


def _pool_main(reader, wid, n, tasks, results, parent, session=None) -> None:
    import signal

    from deeplake.util.processes import die_with_parent

    die_with_parent(parent)
    signal.signal(signal.SIGINT, signal.SIG_IGN)
    while True:
        batches = tasks.get()
        if batches is None:
            return
        reader.begin_epoch(batches[wid::n])
        _produce(reader, batches, wid, n, _shared_put(results.put, session), lambda: False)
