"""Writer locks stored as small binary records (FORMAT.md section 1.9).

Record layout, 18 bytes::

    0   6  node id of the writing machine (uuid.getnode()), u48 little endian
    6   8  expiry time, POSIX seconds, float64 (little endian: the native
           order of every host the reference runs on)
    14  4  process id of the writer, u32 little endian

A lock is held by someone else when its record exists, names another
(node, pid), and has not expired. Beyond the reference, a record written on
this machine by a process that no longer exists is taken at once instead of
after its expiry.
"""

from __future__ import annotations

import atexit
import os
import struct
import threading
import time
import uuid
import weakref
from typing import Callable, Dict, NamedTuple, Optional, Set, Tuple

from deeplake.constants import (
    DATASET_LOCK_REFRESH,
    DATASET_LOCK_VALIDITY,
    FIRST_COMMIT_ID,
)
from deeplake.errors import LockedException
from deeplake.storage.base import StorageProvider
from deeplake.storage.lru_cache import get_base_storage

DATASET_LOCK_KEY = "dataset_lock.lock"
_TAIL = struct.Struct("<dI")  # expiry, pid
RECORD_SIZE = 6 + _TAIL.size


class LockRecord(NamedTuple):
    node: int
    expiry: float
    pid: Optional[int]  # None when the record carries no 4-byte tag


def encode_lock_record(node: int, expiry: float, pid: int) -> bytes:
    return node.to_bytes(6, "little") + _TAIL.pack(expiry, pid)


def decode_lock_record(data: bytes) -> LockRecord:
    """Parse a record; ValueError if it is shorter than node + expiry."""
    if len(data) < 14:
        raise ValueError(f"A lock record has at least 14 bytes, got {len(data)}.")
    node = int.from_bytes(data[:6], "little")
    (expiry,) = struct.unpack_from("<d", data, 6)
    pid = int.from_bytes(data[14:18], "little") if len(data) >= 18 else None
    return LockRecord(node, expiry, pid)


def pid_alive(pid: int) -> bool:
    """Whether a process with this id exists on this machine (True when unsure)."""
    if pid <= 0 or os.name == "nt":  # os.kill(pid, 0) would terminate on Windows
        return True
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except (PermissionError, OverflowError):
        return True
    return True


def dataset_lock_key(version: Optional[str] = None) -> str:
    """Key of the writer lock of a commit node (FIRST's lives at the root)."""
    if version in (None, FIRST_COMMIT_ID):
        return DATASET_LOCK_KEY
    return f"versions/{version}/{DATASET_LOCK_KEY}"


class Lock:
    """A lock file at ``key`` of ``storage`` (cache layers are bypassed).

    ``acquire`` starts a daemon thread that rewrites the record every
    ``refresh_interval`` seconds (default: 40 % of ``duration``, i.e. 120 s
    for the 300 s dataset lock); ``refresh=False`` suits short locks.
    ``lock_lost_callback`` runs on that thread if another writer took over.
    """

    def __init__(
        self,
        storage: StorageProvider,
        key: str,
        duration: float = DATASET_LOCK_VALIDITY,
        refresh: bool = True,
        refresh_interval: Optional[float] = None,
        lock_lost_callback: Optional[Callable[[], None]] = None,
    ):
        self.storage = get_base_storage(storage)
        self.key = key
        self.duration = float(duration)
        self.refresh = refresh
        if refresh_interval is None:  # 120 s for the 300 s dataset lock
            refresh_interval = self.duration * DATASET_LOCK_REFRESH / DATASET_LOCK_VALIDITY
        self.refresh_interval = float(refresh_interval)
        self.lock_lost_callback = lock_lost_callback
        self.node = uuid.getnode()
        self.pid = os.getpid()
        self.acquired = False
        # wait before re-reading our record, so a racing writer's record shows
        if self.storage.process_local:
            self._verify_interval = 0.0
        else:
            self._verify_interval = 0.01 if self.storage.is_local else 0.5
        self._poll_interval = 0.01 if self.storage.is_local else 1.0
        self._stop = threading.Event()
        self._thread: Optional[threading.Thread] = None

    # -- record io -----------------------------------------------------------

    def _read(self) -> Optional[LockRecord]:
        try:
            return decode_lock_record(self.storage[self.key])
        except (KeyError, ValueError):
            return None

    def _write(self) -> None:
        data = encode_lock_record(self.node, time.time() + self.duration, self.pid)
        with _writable(self.storage):
            self.storage[self.key] = data

    def _is_mine(self, record: LockRecord) -> bool:
        return record.node == self.node and record.pid == self.pid

    def _is_free(self, record: Optional[LockRecord]) -> bool:
        if record is None or self._is_mine(record):
            return True
        if record.expiry <= time.time():
            return True
        # a writer on this machine that has died
        return record.node == self.node and record.pid is not None and not pid_alive(record.pid)

    # -- public ----------------------------------------------------------------

    def acquire(self, timeout: Optional[float] = 0) -> None:
        """Take the lock, waiting up to ``timeout`` seconds (None: forever).

        Raises LockedException if another live writer still holds it then.
        """
        if self.acquired:
            return
        deadline = None if timeout is None else time.monotonic() + timeout
        while True:
            record = self._read()
            if self._is_free(record):
                self._write()
                if self._verify_interval:
                    time.sleep(self._verify_interval)
                record = self._read()
                if record is not None and self._is_mine(record):
                    break
            if deadline is not None and time.monotonic() >= deadline:
                raise LockedException(
                    f"'{self.key}' is locked by another writer"
                    + (f" (process {record.pid})" if record and record.pid else "")
                    + ". Open the dataset read-only or wait for it to be released."
                )
            wait = self._poll_interval
            if deadline is not None:
                wait = min(wait, max(deadline - time.monotonic(), 0.0))
            time.sleep(wait)
        self.acquired = True
        _HELD.add(self)
        if self.refresh:
            self._stop.clear()
            self._thread = threading.Thread(
                target=self._refresh_loop, name=f"deeplake-lock:{self.key}", daemon=True
            )
            self._thread.start()

    def refresh_lock(self) -> None:
        """Extend the expiry; LockedException if the lock is no longer ours."""
        record = self._read()
        if record is None or not self._is_mine(record):
            raise LockedException(f"Lost the lock '{self.key}' to another writer.")
        self._write()

    def _refresh_loop(self) -> None:
        while not self._stop.wait(self.refresh_interval):
            try:
                self.refresh_lock()
            except LockedException:
                self.acquired = False
                _HELD.discard(self)
                if self.lock_lost_callback is not None:
                    self.lock_lost_callback()
                return
            except Exception:  # transient storage error: try again next round
                continue

    def release(self) -> None:
        """Stop refreshing and delete the record if it is still ours."""
        if not self.acquired:
            return
        self._stop.set()
        thread = self._thread
        if thread is not None and thread is not threading.current_thread():
            thread.join(timeout=1.0)
        self._thread = None
        self.acquired = False
        _HELD.discard(self)
        record = self._read()
        if record is not None and self._is_mine(record):
            try:
                with _writable(self.storage):
                    del self.storage[self.key]
            except KeyError:
                pass

    def __enter__(self) -> "Lock":
        self.acquire()
        return self

    def __exit__(self, *exc) -> None:
        self.release()


class _writable:
    """Lift read-only mode for a lock write: locks are not dataset data."""

    def __init__(self, storage: StorageProvider):
        self.storage = storage

    def __enter__(self) -> None:
        self.was_read_only = self.storage.read_only
        if self.was_read_only:
            self.storage.disable_readonly()

    def __exit__(self, *exc) -> None:
        if self.was_read_only:
            self.storage.enable_readonly()


# Locks held by this process, released at interpreter exit.
_HELD: "weakref.WeakSet[Lock]" = weakref.WeakSet()


@atexit.register
def _release_all() -> None:
    for lock in list(_HELD):
        try:
            lock.release()
        except Exception:
            pass


# (provider type, root, key) -> (lock, ids of the owners sharing it)
_DATASET_LOCKS: Dict[Tuple[str, str, str], Tuple[Lock, Set[int]]] = {}
_REGISTRY_MUTEX = threading.Lock()


def _registry_key(storage: StorageProvider, key: str) -> Tuple[str, str, str]:
    base = get_base_storage(storage)
    root = base.root or f"<{id(base)}>"  # unnamed stores are distinct
    return (type(base).__name__, root, key)


def lock_dataset(
    storage: StorageProvider,
    version: Optional[str] = None,
    timeout: Optional[float] = 0,
    lock_lost_callback: Optional[Callable[[], None]] = None,
    owner: object = None,
) -> Lock:
    """Take the writer lock of ``version`` (FIRST when None) for ``owner``.

    Several owners in this process share one lock; it is released when the
    last of them calls ``unlock_dataset``. LockedException if another live
    writer holds it after ``timeout`` seconds.
    """
    key = dataset_lock_key(version)
    reg_key = _registry_key(storage, key)
    with _REGISTRY_MUTEX:
        entry = _DATASET_LOCKS.get(reg_key)
        if entry is None:
            lock = Lock(storage, key, lock_lost_callback=lock_lost_callback)
            owners: Set[int] = set()
        else:
            lock, owners = entry
        lock.acquire(timeout=timeout)
        owners.add(id(owner))
        _DATASET_LOCKS[reg_key] = (lock, owners)
    return lock


def unlock_dataset(
    storage: StorageProvider, version: Optional[str] = None, owner: object = None
) -> None:
    """Drop ``owner``'s claim on the writer lock; release it when none remain."""
    reg_key = _registry_key(storage, dataset_lock_key(version))
    with _REGISTRY_MUTEX:
        entry = _DATASET_LOCKS.get(reg_key)
        if entry is None:
            return
        lock, owners = entry
        owners.discard(id(owner))
        if not owners:
            del _DATASET_LOCKS[reg_key]
            lock.release()
