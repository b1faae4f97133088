"""In-process storage backed by a dict.

Providers whose root starts with ``mem://`` share one dict per root for the
life of the process, so a dataset created at ``mem://x`` can be loaded again
from ``mem://x``. Any other root (the default ``""``, or the names the cache
chain uses) gets a private dict.
"""

from __future__ import annotations

import posixpath
from typing import Any, Dict, Set

from deeplake.errors import PathNotEmptyException
from deeplake.storage.base import (
    StorageProvider,
    check_byte_range,
    key_is_under,
    normalize_prefix,
)

MEMORY_SCHEME = "mem://"

# root -> contents, shared by every MemoryProvider opened on a mem:// root.
_SHARED_STORES: Dict[str, Dict[str, bytes]] = {}


def _normalize_root(root: str) -> str:
    root = str(root)
    if root.startswith(MEMORY_SCHEME):
        root = root.rstrip("/")
    return root


def _is_shared(root: str) -> bool:
    return root.startswith(MEMORY_SCHEME)


class MemoryProvider(StorageProvider):
    """Keys and bytes in a dict. Not persistent; pickling keeps only the root."""

    is_local = True
    process_local = True

    def __init__(self, root: str = ""):
        root = _normalize_root(root)
        self.root = root
        self._read_only = False
        if _is_shared(root):
            self._dict = _SHARED_STORES.setdefault(root, {})
        else:
            self._dict: Dict[str, bytes] = {}

    def __getitem__(self, path: str) -> bytes:
        return self._dict[path]

    def __setitem__(self, path: str, value: bytes) -> None:
        if self._read_only:
            self.check_readonly()
        if type(value) is not bytes:
            # keep callers' later mutations of a bytearray out of the store
            value = bytes(value)
        self._dict[path] = value

    def __delitem__(self, path: str) -> None:
        if self._read_only:
            self.check_readonly()
        del self._dict[path]

    def __contains__(self, path: object) -> bool:
        return path in self._dict

    def __iter__(self):
        return iter(list(self._dict))

    def __len__(self) -> int:
        return len(self._dict)

    def _all_keys(self) -> Set[str]:
        return set(self._dict)

    def get_bytes(self, path, start_byte=None, end_byte=None) -> bytes:
        if start_byte is None and end_byte is None:
            return self._dict[path]
        check_byte_range(start_byte, end_byte)
        return self._dict[path][start_byte:end_byte]

    def get_object_size(self, path: str) -> int:
        return len(self._dict[path])

    def clear(self, prefix: str = "") -> None:
        """Delete every key under the folder ``prefix``; everything when empty.

        The dict is emptied in place so other handles on a mem:// root see it.
        """
        self.check_readonly()
        folder = normalize_prefix(prefix)
        if not folder:
            self._dict.clear()
            return
        for key in [k for k in self._dict if key_is_under(k, folder)]:
            del self._dict[key]

    def rename(self, new_root: str) -> None:
        """Re-root the store; for mem:// roots the contents move to ``new_root``."""
        self.check_readonly()
        new_root = _normalize_root(new_root)
        if _is_shared(new_root):
            if _SHARED_STORES.get(new_root):
                raise PathNotEmptyException(
                    f"Cannot rename to '{new_root}': it already holds data."
                )
            if _is_shared(self.root):
                _SHARED_STORES.pop(self.root, None)
            _SHARED_STORES[new_root] = self._dict
        elif _is_shared(self.root):
            _SHARED_STORES.pop(self.root, None)
        self.root = new_root

    def subdir(self, path: str, read_only: bool = False) -> "MemoryProvider":
        sub = MemoryProvider(posixpath.join(self.root, path))
        sub._read_only = read_only
        return sub

    def copy(self) -> "MemoryProvider":
        """Another handle on the same dict (private stores included)."""
        new = MemoryProvider.__new__(MemoryProvider)
        new.root = self.root
        new._read_only = self._read_only
        new._dict = self._dict
        return new

    def __getstate__(self) -> Dict[str, Any]:
        # Contents are not pickled; a mem:// root reattaches to the shared
        # store when unpickled in the same process.
        return {"root": self.root, "read_only": self._read_only}


def forget_memory_store(root: str) -> None:
    """Drop a mem:// store from the process registry (frees its memory)."""
    _SHARED_STORES.pop(_normalize_root(root), None)
