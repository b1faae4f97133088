"""What the object-store providers (S3, GCS, Azure) share.

Requests go over the network, so several keys are fetched at once on a
thread pool, and a process-bound client and pool are rebuilt in a forked
child (which inherits the parent's sockets but not its threads).
"""
from __future__ import annotations

import os
import threading
from concurrent.futures import ThreadPoolExecutor
from typing import Dict, Iterable, Iterator, List, Set

from deeplake.storage.base import StorageProvider, key_is_under, normalize_prefix

#: Parallel requests in ``get_items``; providers size their connection pools to match.
MAX_PARALLEL_REQUESTS = 32


class RemoteStorageProvider(StorageProvider):
    """Base of providers whose every call is a network request.

    Subclasses set ``_client``, ``_pool``, ``_lock`` and ``_pid`` in
    ``__init__`` (see :meth:`_after_fork`), name their pool threads with
    ``pool_name``, keep their object-name prefix in ``path`` and provide
    ``_key(path)`` and ``_iter_objects(name_prefix)`` (paginated listing).
    """

    pool_name = "deeplake-remote"

    def read_into(self, path: str, buffer, start_byte: int = 0) -> int:
        mv = memoryview(buffer).cast("B")
        if not len(mv):
            return 0
        data = self.get_bytes(path, start_byte or None, (start_byte or 0) + len(mv))
        n = len(data)
        mv[:n] = data
        return n

    def get_items(self, keys: Iterable[str]) -> Dict[str, bytes]:
        """Fetch ``keys`` in parallel; missing keys are left out."""
        keys = list(keys)
        if len(keys) <= 1:
            return super().get_items(keys)

        def one(key):
            try:
                return key, self[key]
            except KeyError:
                return key, None

        return {k: v for k, v in self._executor().map(one, keys) if v is not None}

    # -- listing ---------------------------------------------------------------
    def _iter_objects(self, name_prefix: str) -> Iterator[str]:  # pragma: no cover - abstract
        raise NotImplementedError

    def _keys_under(self, folder: str) -> List[str]:
        """Keys (relative to the root) in the folder ``folder`` ("" for all)."""
        n = len(self.path)
        keys = (k[n:] for k in self._iter_objects(self._key(folder)))
        return [k for k in keys if k and key_is_under(k, folder)]

    def _all_keys(self) -> Set[str]:
        return set(self._keys_under(""))

    def list(self, prefix: str = "") -> List[str]:
        return sorted(self._keys_under(normalize_prefix(prefix)))

    def __len__(self) -> int:
        return len(self._keys_under(""))

    def _after_fork(self) -> None:
        """Forget the parent's client and pool: this process builds its own."""
        self._client = None
        self._pool = None
        self._lock = threading.Lock()
        self._pid = os.getpid()

    def _executor(self) -> ThreadPoolExecutor:
        if self._pid != os.getpid():
            self._after_fork()
        if self._pool is None:
            with self._lock:
                if self._pool is None:
                    self._pool = ThreadPoolExecutor(MAX_PARALLEL_REQUESTS, thread_name_prefix=self.pool_name)
        return self._pool

    def __del__(self):
        pool = getattr(self, "_pool", None)
        if pool is not None and getattr(self, "_pid", None) == os.getpid():
            pool.shutdown(wait=False)
