"""A write-back LRU cache layered over another provider.

The cache holds two kinds of entries:

* bytes, kept in ``cache_storage`` (any base provider);
* live Python objects (chunks, encoders, metas) kept as they are in memory.
  An object offers ``tobytes()``, an ``nbytes`` size estimate and an
  ``is_dirty`` flag; it is serialised only when a dirty one is flushed or
  evicted, so the engine never re-parses what it already has in memory.

Evictable entries are ordered least- to most-recently used and their sizes
add up to at most ``cache_size`` bytes. Objects given to ``register_object``
are pinned instead: never evicted, written on ``flush`` when dirty.

Writes land in the cache and are marked dirty; dirty data reaches
``next_storage`` when evicted or on ``flush()``, which cascades down a chain
of caches. ``flush`` writes meta files (``*.json``) after everything else so
that a crash part-way never leaves meta pointing at data not yet written.

Hits do not take the lock (each OrderedDict operation is atomic under the
GIL); inserts, evictions and flushes do, and no lock is held while reading
from the next layer, so threads can read different keys in parallel.
"""

from __future__ import annotations

import threading
from collections import OrderedDict
from typing import Any, Callable, Dict, Iterable, List, Optional, Protocol, Set, Tuple

from deeplake.storage.base import (
    StorageProvider,
    check_byte_range,
    key_is_under,
    normalize_prefix,
)
from deeplake.storage.memory import MemoryProvider

_BYTES_TYPES = (bytes, bytearray, memoryview)


class CacheableObject(Protocol):
    """What a live object must offer to be held by the cache."""

    is_dirty: bool

    @property
    def nbytes(self) -> int: ...

    def tobytes(self) -> bytes: ...


def _is_object(value: Any) -> bool:
    return not isinstance(value, _BYTES_TYPES) and hasattr(value, "is_dirty")


def _as_bytes(value: Any) -> bytes:
    if type(value) is bytes:
        return value
    if hasattr(value, "tobytes") and not isinstance(value, memoryview):
        return value.tobytes()
    return bytes(value)


def get_base_storage(storage: StorageProvider) -> StorageProvider:
    """The provider at the bottom of a chain of caches."""
    while isinstance(storage, LRUCache) and storage.next_storage is not None:
        storage = storage.next_storage
    return storage


class LRUCache(StorageProvider):
    """LRU cache of ``cache_size`` bytes in ``cache_storage`` over ``next_storage``.

    ``next_storage`` may be a base provider or another LRUCache (a chain);
    ``None`` makes a stand-alone cache whose evicted entries are dropped.
    """

    def __init__(
        self,
        cache_storage: StorageProvider,
        next_storage: Optional[StorageProvider],
        cache_size: int,
    ):
        self.cache_storage = cache_storage
        self.next_storage = next_storage
        self.cache_size = int(cache_size)
        self.autoflush = False
        # set by the factory over persistent storage: flushes land whole
        self.journaled = False
        self._read_only = bool(next_storage is not None and next_storage.read_only)
        self._reset()

    def _reset(self) -> None:
        # evictable key -> size, least recently used first
        self._lru: "OrderedDict[str, int]" = OrderedDict()
        self.cache_used = 0
        # keys whose cached value is newer than next_storage's (insertion order)
        self.dirty_keys: Dict[str, None] = {}
        # live objects: evictable ones (also in _lru) and pinned ones
        self._objects: Dict[str, Any] = {}
        self._pinned: Dict[str, None] = {}
        self._mutex = threading.RLock()

    # -- capabilities --------------------------------------------------------

    @property
    def root(self) -> str:  # type: ignore[override]
        return self.next_storage.root if self.next_storage is not None else self.cache_storage.root

    @property
    def is_local(self) -> bool:  # type: ignore[override]
        layer = self.next_storage if self.next_storage is not None else self.cache_storage
        return layer.is_local

    @property
    def base_storage(self) -> StorageProvider:
        return get_base_storage(self)

    def cached_keys(self) -> List[str]:
        """Evictable cached keys, least recently used first (pinned objects excluded)."""
        return list(self._lru)

    def enable_readonly(self) -> None:
        """Flush pending writes, then refuse writes here and in the layers below."""
        if not self._read_only and self.next_storage is not None:
            self.flush()
        self._read_only = True
        if self.next_storage is not None:
            self.next_storage.enable_readonly()

    def disable_readonly(self) -> None:
        self._read_only = False
        if self.next_storage is not None:
            self.next_storage.disable_readonly()

    # -- reads -----------------------------------------------------------------

    def _cached(self, path: str, start_byte=None, end_byte=None) -> Optional[bytes]:
        """The cached bytes (or range) at ``path``, or None on a miss.

        Lock-free: a racing writer may make a hit look like a miss, so callers
        confirm misses with ``_cached_locked`` before going to the next layer.
        """
        obj = self._objects.get(path)
        if obj is not None:
            if path in self._lru:
                try:
                    self._lru.move_to_end(path)
                except KeyError:
                    pass
            data = _as_bytes(obj)
            return data if start_byte is None and end_byte is None else data[start_byte:end_byte]
        try:
            self._lru.move_to_end(path)
            if start_byte is None and end_byte is None:
                return self.cache_storage[path]
            return self.cache_storage.get_bytes(path, start_byte, end_byte)
        except KeyError:
            return None

    def _cached_locked(self, path: str, start_byte=None, end_byte=None) -> Optional[bytes]:
        with self._mutex:
            return self._cached(path, start_byte, end_byte)

    def _fill(self, path: str, value: bytes) -> None:
        """Cache a clean value just read from the next layer, unless newer data arrived."""
        size = len(value)
        if size <= self.cache_size:
            with self._mutex:
                if path not in self._lru and path not in self._objects:
                    self._insert(path, value, size, False, False)

    def __getitem__(self, path: str) -> bytes:
        value = self._cached(path)
        if value is None:
            value = self._cached_locked(path)
            if value is None:
                if self.next_storage is None:
                    raise KeyError(path)
                value = self.next_storage[path]
                self._fill(path, value)
        return value

    def get_bytes(
        self,
        path: str,
        start_byte: Optional[int] = None,
        end_byte: Optional[int] = None,
    ) -> bytes:
        """A byte range, from the cache when held there, else from the next layer.

        A ranged miss is forwarded as a ranged read and does not fill the cache.
        """
        check_byte_range(start_byte, end_byte)
        if start_byte is None and end_byte is None:
            return self[path]
        value = self._cached(path, start_byte, end_byte)
        if value is None:
            value = self._cached_locked(path, start_byte, end_byte)
            if value is None:
                if self.next_storage is None:
                    raise KeyError(path)
                value = self.next_storage.get_bytes(path, start_byte, end_byte)
        return value

    def write_parts(self, path: str, parts) -> None:
        """Written through to the next layer (large chunk data is not kept in memory)."""
        self.check_readonly()
        if self.next_storage is None:
            self[path] = b"".join(parts)
            return
        if path in self._lru or path in self._objects:
            self[path] = b"".join(parts)
            return
        self.next_storage.write_parts(path, parts)

    def read_into(self, path: str, buffer, start_byte: int = 0) -> int:
        """From the cache when held (or dirty) there, else forwarded without filling the cache."""
        value = self._cached(path, start_byte or None, None)
        if value is None:
            value = self._cached_locked(path, start_byte or None, None)
        if value is not None:
            mv = memoryview(buffer).cast("B")
            n = min(len(mv), len(value))
            mv[:n] = value[:n]
            return n
        if self.next_storage is None:
            raise KeyError(path)
        return self.next_storage.read_into(path, buffer, start_byte)

    def get_items(self, keys: Iterable[str]) -> Dict[str, bytes]:
        """Cached values plus one batched read of the misses from the next layer."""
        found: Dict[str, bytes] = {}
        misses: List[str] = []
        for key in keys:
            value = self._cached(key)
            if value is None:
                value = self._cached_locked(key)
            if value is None:
                misses.append(key)
            else:
                found[key] = value
        if misses and self.next_storage is not None:
            fetched = self.next_storage.get_items(misses)
            for key, value in fetched.items():
                self._fill(key, value)
            found.update(fetched)
        return found

    def __contains__(self, path: object) -> bool:
        if path in self._lru or path in self._objects:
            return True
        with self._mutex:  # confirm the miss against a writer mid-update
            if path in self._lru or path in self._objects:
                return True
        return self.next_storage is not None and path in self.next_storage

    def _all_keys(self) -> Set[str]:
        keys = set(self.next_storage._all_keys()) if self.next_storage is not None else set()
        keys.update(self._lru)
        keys.update(self._pinned)
        return keys

    def get_object_size(self, path: str) -> int:
        obj = self._objects.get(path)
        if obj is not None:
            return obj.nbytes
        size = self._lru.get(path)
        if size is not None:
            return size
        if self.next_storage is None:
            raise KeyError(path)
        return self.next_storage.get_object_size(path)

    # -- writes ----------------------------------------------------------------

    def __setitem__(self, path: str, value: Any) -> None:
        """Cache ``value`` (bytes or a live object) as dirty.

        A value larger than the whole cache goes straight to the next layer.
        """
        if self._read_only:
            self.check_readonly()
        if isinstance(value, _BYTES_TYPES):
            is_object = False
            if type(value) is not bytes:
                value = bytes(value)
            size = len(value)
        elif hasattr(value, "is_dirty"):
            is_object = True
            size = value.nbytes
        else:  # e.g. a numpy buffer
            is_object = False
            value = _as_bytes(value)
            size = len(value)
        with self._mutex:
            if path in self._objects:
                if is_object and path in self._pinned and self._objects[path] is value:
                    value.is_dirty = True  # stays pinned; written on flush
                    return
                self._drop(path)
            elif path in self._lru:
                # bytes over bytes: the cache layer's value is overwritten below
                self.cache_used -= self._lru.pop(path)
                if size > self.cache_size or is_object:
                    del self.cache_storage[path]
                    self.dirty_keys.pop(path, None)
            if size <= self.cache_size:
                self._insert(path, value, size, True, is_object)
            elif self.next_storage is not None:
                self.next_storage[path] = value.tobytes() if is_object else value
                if is_object:
                    value.is_dirty = False

    def __delitem__(self, path: str) -> None:
        """Delete ``path`` from the cache and every layer below."""
        self.check_readonly()
        with self._mutex:
            was_cached = self._drop(path)
        try:
            if self.next_storage is None:
                raise KeyError(path)
            del self.next_storage[path]
        except KeyError:
            if not was_cached:
                raise

    def clear(self, prefix: str = "") -> None:
        """Delete everything under the folder ``prefix`` in every layer (irreversible)."""
        self.check_readonly()
        folder = normalize_prefix(prefix)
        with self._mutex:
            if not folder:
                self._reset_contents()
            else:
                held = [k for k in (*self._lru, *self._pinned) if key_is_under(k, folder)]
                for key in held:
                    self._drop(key)
        if self.next_storage is not None:
            self.next_storage.clear(prefix)

    def _drop(self, path: str) -> bool:
        """Forget the cached value at ``path`` without writing it. Caller holds the lock."""
        obj = self._objects.pop(path, None)
        if obj is not None:
            self._pinned.pop(path, None)
        size = self._lru.pop(path, None)
        if size is not None:
            self.cache_used -= size
            if obj is None:
                del self.cache_storage[path]
        self.dirty_keys.pop(path, None)
        return obj is not None or size is not None

    def _reset_contents(self) -> None:
        self._lru.clear()
        self.cache_used = 0
        self.dirty_keys.clear()
        self._objects.clear()
        self._pinned.clear()
        self.cache_storage.clear()

    # -- eviction --------------------------------------------------------------

    def _insert(
        self, path: str, value: Any, size: int, dirty: bool, is_object: Optional[bool] = None
    ) -> None:
        """Add an entry, evicting least recently used ones to make room. Caller holds the lock."""
        if self.cache_used + size > self.cache_size:
            self._free_up_space(size)
        if is_object is None:
            is_object = _is_object(value)
        if is_object:
            self._objects[path] = value
        else:
            self.cache_storage[path] = value
        self._lru[path] = size
        self.cache_used += size
        if dirty:
            self.dirty_keys[path] = None

    def _free_up_space(self, extra_size: int) -> None:
        while self._lru and self.cache_used + extra_size > self.cache_size:
            self._pop_from_cache()

    def _pop_from_cache(self) -> None:
        """Evict the least recently used entry, writing it down first if dirty."""
        path, size = self._lru.popitem(last=False)
        obj = self._objects.pop(path, None)
        if obj is not None:
            if path in self.dirty_keys or obj.is_dirty:
                self._forward_value(path, obj)
        else:
            if path in self.dirty_keys:
                self._forward_value(path, self.cache_storage[path])
            del self.cache_storage[path]
        self.dirty_keys.pop(path, None)
        self.cache_used -= size

    def _forward(self, path: str) -> None:
        """Write the cached value at ``path`` to the next layer and mark it clean."""
        obj = self._objects.get(path)
        self._forward_value(path, obj if obj is not None else self.cache_storage[path])

    def _forward_value(self, path: str, value: Any) -> None:
        """Write a value to the next layer and mark it clean."""
        if self.next_storage is None:
            return
        if _is_object(value):
            self.next_storage[path] = value.tobytes()
            value.is_dirty = False
        else:
            self.next_storage[path] = value
        self.dirty_keys.pop(path, None)

    def update_size(self, path: str, nbytes: Optional[int] = None) -> None:
        """Re-account an evictable object whose size changed (default: its ``nbytes``)."""
        with self._mutex:
            old = self._lru.get(path)
            if old is None:
                return
            if nbytes is None:
                obj = self._objects.get(path)
                nbytes = obj.nbytes if obj is not None else old
            if nbytes < 0:
                raise ValueError(f"nbytes must be >= 0, got {nbytes}.")
            self._lru[path] = nbytes
            self.cache_used += nbytes - old
            if self.cache_used > self.cache_size:
                self._lru.move_to_end(path)
                # evict others first; the resized entry goes last if still too big
                while len(self._lru) > 1 and self.cache_used > self.cache_size:
                    self._pop_from_cache()

    # -- flushing --------------------------------------------------------------

    def _dirty_entries(self) -> List[Tuple[str, Any]]:
        """Everything to write on flush, meta (``*.json``) last."""
        entries: List[Tuple[str, Any]] = []
        for path in self.dirty_keys:
            obj = self._objects.get(path)
            entries.append((path, obj if obj is not None else self.cache_storage[path]))
        for path, obj in self._objects.items():
            if obj.is_dirty and path not in self.dirty_keys:
                entries.append((path, obj))
        data = [e for e in entries if not e[0].endswith(".json")]
        meta = [e for e in entries if e[0].endswith(".json")]
        return data + meta

    def flush(self) -> None:
        """Write every dirty entry to the next layer, then flush that layer.

        Over persistent storage (``journaled``), a flush lands as a whole:
        see ``deeplake.storage.journal``.
        """
        with self._mutex:
            entries = self._dirty_entries()
            if entries:
                self.check_readonly()
                if self.journaled and not isinstance(self.next_storage, LRUCache):
                    self._flush_journaled(entries)
                else:
                    for path, value in entries:
                        self._forward_value(path, value)
        if self.next_storage is not None:
            self.next_storage.flush()

    def _flush_journaled(self, entries) -> None:
        from deeplake.storage import journal

        below = self.next_storage
        direct, together = [], []
        for path, value in entries:
            if journal.needs_journal(path, value, below.__contains__):
                together.append((path, value))
            else:
                direct.append((path, value))
        for path, value in direct:
            self._forward_value(path, value)
        journal.write_journaled(below, [(p, _as_bytes(v)) for p, v in together])
        for path, value in together:
            if _is_object(value):
                value.is_dirty = False
            self.dirty_keys.pop(path, None)
        for _, value in entries:
            if hasattr(value, "grown_only"):
                value.grown_only = True

    def clear_cache(self) -> None:
        """Flush (unless read-only), then empty every cache layer; base data is kept."""
        if not self._read_only:
            self.flush()
        self.clear_cache_without_flush()

    def clear_cache_without_flush(self) -> None:
        """Empty every cache layer, dropping unflushed writes."""
        with self._mutex:
            self._reset_contents()
        clear_next = getattr(self.next_storage, "clear_cache_without_flush", None)
        if clear_next is not None:
            clear_next()

    # -- live objects ----------------------------------------------------------

    def register_object(self, path: str, obj: CacheableObject) -> None:
        """Pin ``obj`` as the value at ``path``: kept until flushed and cleared.

        Any other cached value at ``path`` is replaced; if it had unwritten
        changes, ``obj`` is marked dirty so that the key still gets written.
        """
        with self._mutex:
            if path in self.dirty_keys:
                obj.is_dirty = True
            if self._objects.get(path) is obj:
                size = self._lru.pop(path, None)
                if size is not None:  # promote an evictable object to pinned
                    self.cache_used -= size
                self.dirty_keys.pop(path, None)
            else:
                self._drop(path)
                self._objects[path] = obj
            self._pinned[path] = None

    def get_object(
        self,
        path: str,
        factory: Callable[[bytes], Any],
        pin: bool = False,
    ) -> Any:
        """The live object at ``path``, built with ``factory(bytes)`` if not held.

        A built object is cached as an evictable entry (or pinned when ``pin``)
        in the state the factory returns it (normally clean). KeyError if
        ``path`` holds nothing.
        """
        obj = self._objects.get(path)
        if obj is not None:
            if path in self._lru:
                try:
                    self._lru.move_to_end(path)
                except KeyError:
                    pass
            if pin and path not in self._pinned:
                self.register_object(path, obj)
            return obj
        with self._mutex:
            obj = self._objects.get(path)
            if obj is not None:  # built meanwhile by another thread
                return obj
            data = self._cached(path)
        if data is None:
            if self.next_storage is None:
                raise KeyError(path)
            data = self.next_storage[path]
        obj = factory(data)
        with self._mutex:
            if path in self._objects:  # another thread built it first
                return self._objects[path]
            if pin:
                self.register_object(path, obj)
            elif obj.nbytes <= self.cache_size:
                was_dirty = path in self.dirty_keys
                self._drop(path)
                self._insert(path, obj, obj.nbytes, dirty=was_dirty)
        return obj

    def remove_object(self, path: str) -> None:
        """Forget the live object at ``path`` without writing it."""
        with self._mutex:
            if path in self._objects:
                self._drop(path)

    def clear_objects(self) -> None:
        """Forget every live object without writing (call ``flush`` first to keep changes)."""
        with self._mutex:
            for path in list(self._objects):
                self._drop(path)

    # -- the documented 3.8 names ---------------------------------------------

    def register_deeplake_object(self, path: str, obj: CacheableObject) -> None:
        """Same as ``register_object``."""
        self.register_object(path, obj)

    def remove_deeplake_object(self, path: str) -> None:
        """Same as ``remove_object``."""
        self.remove_object(path)

    def clear_deeplake_objects(self) -> None:
        """Same as ``clear_objects``."""
        self.clear_objects()

    def get_deeplake_object(
        self,
        path: str,
        expected_class: Any,
        meta: Optional[Dict] = None,
        url: bool = False,
        partial_bytes: int = 0,
    ) -> Any:
        """The object at ``path``, built with ``expected_class.frombuffer``.

        ValueError if the cached object at ``path`` is of another class.
        Presigned URLs and partial chunk reads are not supported here.
        """
        if url or partial_bytes:
            raise NotImplementedError("url and partial_bytes reads are not supported.")
        if meta is None:
            factory = expected_class.frombuffer
        else:
            def factory(data: bytes) -> Any:
                return expected_class.frombuffer(data, meta)
        obj = self.get_object(path, factory)
        if type(obj) is not expected_class:
            raise ValueError(
                f"'{path}' was expected to hold a '{expected_class.__name__}', "
                f"got '{type(obj).__name__}'."
            )
        return obj

    def _insert_in_cache(self, path: str, value: Any) -> None:
        """Cache ``value`` as a clean entry (the documented helper)."""
        with self._mutex:
            self._drop(path)
            size = value.nbytes if _is_object(value) else len(value)
            self._insert(path, value, size, dirty=False)

    def _flush_if_not_read_only(self) -> None:
        if not self._read_only:
            self.flush()

    # -- handles -----------------------------------------------------------------

    def copy(self) -> "LRUCache":
        """A fresh, empty cache of the same configuration over the same data.

        Pending writes are flushed first so the copy sees them.
        """
        if not self._read_only:
            self.flush()
        cache_storage = (
            MemoryProvider(self.cache_storage.root)
            if isinstance(self.cache_storage, MemoryProvider)
            else self.cache_storage
        )
        next_storage = self.next_storage.copy() if self.next_storage is not None else None
        new = LRUCache(cache_storage, next_storage, self.cache_size)
        new._read_only = self._read_only
        new.autoflush = self.autoflush
        return new

    def rename(self, new_root: str) -> None:
        """Flush, then move the underlying data to ``new_root``; cached keys stay valid."""
        self.check_readonly()
        self.flush()
        if self.next_storage is None:
            raise NotImplementedError("A cache without next storage cannot be renamed.")
        self.next_storage.rename(new_root)

    def __getstate__(self) -> Dict[str, Any]:
        """Configuration only: pending writes are flushed, cached contents are not kept."""
        if not self._read_only:
            self.flush()
        return {
            "cache_storage": self.cache_storage,
            "next_storage": self.next_storage,
            "cache_size": self.cache_size,
            "read_only": self._read_only,
            "autoflush": self.autoflush,
        }

    def __setstate__(self, state: Dict[str, Any]) -> None:
        """Rebuild with the same configuration and empty contents."""
        self.cache_storage = state["cache_storage"]
        self.next_storage = state["next_storage"]
        self.cache_size = state["cache_size"]
        self._read_only = state["read_only"]
        self.autoflush = state["autoflush"]
        self._reset()

    def __repr__(self) -> str:
        return (
            f"LRUCache({self.cache_storage!r} -> {self.next_storage!r}, "
            f"cache_size={self.cache_size})"
        )
