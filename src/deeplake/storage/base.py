"""The storage contract: a mutable mapping of '/'-separated keys to bytes.

A backend implements five primitives (``__getitem__``, ``__setitem__``,
``__delitem__``, ``_all_keys`` and ``clear``); everything else here is derived
from them and may be overridden where the backend can do better (a ranged
read, a cheap existence check). Callers ask capability flags such as
``supports_ranged_reads`` instead of checking a provider's type.
"""

from __future__ import annotations

from abc import ABC, abstractmethod
from collections.abc import Iterable, Iterator, MutableMapping
from typing import Any, Dict, List, Optional, Set

from deeplake.errors import InvalidBytesRequestedError, ReadOnlyModeError

READ_ONLY_MESSAGE = "Modification when in read-only mode is not supported!"
BYTE_PADDING = b"\x00"


def check_byte_range(start_byte: Optional[int], end_byte: Optional[int]) -> None:
    """Raise InvalidBytesRequestedError unless ``[start_byte, end_byte)`` is a valid range."""
    start = start_byte or 0
    if start < 0:
        raise InvalidBytesRequestedError(f"start_byte must be >= 0, got {start_byte}.")
    if end_byte is not None and (end_byte < 0 or start > end_byte):
        raise InvalidBytesRequestedError(
            f"Invalid byte range: start_byte={start_byte}, end_byte={end_byte}."
        )


def normalize_prefix(prefix: str) -> str:
    """The folder a prefix names, without surrounding slashes ("" for the root)."""
    return prefix.strip("/") if prefix else ""


def key_is_under(key: str, folder: str) -> bool:
    """True if ``key`` is ``folder`` itself or lies inside it (``folder`` normalized)."""
    return not folder or key == folder or key.startswith(folder + "/")


class StorageProvider(ABC, MutableMapping):
    """Abstract key -> bytes store.

    Keys are paths relative to ``root``, separated by '/'. A missing key raises
    ``KeyError`` in every backend. Prefix arguments (``list``, ``clear``) name a
    folder: ``"x"`` matches ``"x"`` and ``"x/..."`` but not ``"xy/..."``.
    """

    #: True when ``get_bytes`` with a range reads only that range.
    supports_ranged_reads: bool = True
    #: True when the data lives on this machine (no network round trips).
    is_local: bool = False
    #: True when no other process can see the data (in-memory stores).
    process_local: bool = False
    #: Caches flush on ``maybe_flush`` when this is set; base providers ignore it.
    autoflush: bool = False
    root: str = ""
    _read_only: bool = False
    _is_hub_path = False  # documented 3.8 attribute; no hub:// storage here

    # -- primitives -------------------------------------------------------

    @abstractmethod
    def __getitem__(self, path: str) -> bytes:
        """The bytes stored at ``path``; KeyError if there are none."""

    @abstractmethod
    def __setitem__(self, path: str, value: bytes) -> None:
        """Store ``value`` at ``path``; ReadOnlyModeError in read-only mode."""

    @abstractmethod
    def __delitem__(self, path: str) -> None:
        """Delete ``path``; KeyError if absent, ReadOnlyModeError if read-only."""

    @abstractmethod
    def _all_keys(self) -> Set[str]:
        """Every key in the provider."""

    @abstractmethod
    def clear(self, prefix: str = "") -> None:
        """Delete every key under the folder ``prefix`` (everything when empty)."""

    # -- derived mapping methods -------------------------------------------

    def __iter__(self) -> Iterator[str]:
        return iter(self._all_keys())

    def __len__(self) -> int:
        return len(self._all_keys())

    def __contains__(self, path: object) -> bool:
        try:
            self[path]  # type: ignore[index]
        except KeyError:
            return False
        return True

    def exists(self, path: str) -> bool:
        """True if a value is stored at ``path``."""
        return path in self

    def list(self, prefix: str = "") -> List[str]:
        """Sorted keys under the folder ``prefix``."""
        folder = normalize_prefix(prefix)
        return sorted(k for k in self._all_keys() if key_is_under(k, folder))

    def get_bytes(
        self,
        path: str,
        start_byte: Optional[int] = None,
        end_byte: Optional[int] = None,
    ) -> bytes:
        """Bytes ``[start_byte, end_byte)`` of the value at ``path``.

        Raises InvalidBytesRequestedError for a negative or inverted range and
        KeyError when ``path`` is missing.
        """
        check_byte_range(start_byte, end_byte)
        value = self[path]
        if start_byte is None and end_byte is None:
            return value
        return value[start_byte:end_byte]

    def set_bytes(
        self,
        path: str,
        value: bytes,
        start_byte: Optional[int] = None,
        overwrite: Optional[bool] = False,
    ) -> None:
        """Write ``value`` at offset ``start_byte`` of the object at ``path``.

        Existing bytes around the written span are kept unless ``overwrite``;
        gaps are zero-filled.
        """
        self.check_readonly()
        start = start_byte or 0
        end = start + len(value)
        check_byte_range(start, end)
        current = None
        if not overwrite:
            try:
                current = self[path]
            except KeyError:
                current = None
        if current is None:
            if start:
                value = BYTE_PADDING * start + bytes(value)
            self[path] = value
            return
        buffer = bytearray(current)
        if end > len(buffer):
            buffer.extend(BYTE_PADDING * (end - len(buffer)))
        buffer[start:end] = value
        self[path] = bytes(buffer)

    def write_parts(self, path: str, parts) -> None:
        """Store the concatenation of ``parts``; backends that can write
        several buffers at once override this to skip the join."""
        self[path] = b"".join(bytes(p) if not isinstance(p, (bytes, bytearray, memoryview)) else p for p in parts)

    def read_into(self, path: str, buffer, start_byte: int = 0) -> int:
        """Copy the object's bytes from ``start_byte`` into ``buffer`` (a writable
        buffer); returns the number of bytes copied. Backends that can read
        straight into memory override this to skip an intermediate copy."""
        data = self.get_bytes(path, start_byte or None, None)
        mv = memoryview(buffer).cast("B")
        n = min(len(mv), len(data))
        mv[:n] = data[:n]
        return n

    def get_items(self, keys: Iterable[str]) -> Dict[str, bytes]:
        """Read many keys at once; missing keys are left out of the result.

        The default reads them one by one; remote backends override it to
        fetch in parallel.
        """
        found: Dict[str, bytes] = {}
        for key in keys:
            try:
                found[key] = self[key]
            except KeyError:
                pass
        return found

    def delete_multiple(self, paths: Iterable[str]) -> None:
        """Delete every path in ``paths``; KeyError on the first missing one."""
        for path in paths:
            del self[path]

    def get_object_size(self, path: str) -> int:
        """Size in bytes of the value at ``path``."""
        return len(self[path])

    # -- read-only mode ----------------------------------------------------

    @property
    def read_only(self) -> bool:
        return self._read_only

    @read_only.setter
    def read_only(self, value: bool) -> None:
        if value:
            self.enable_readonly()
        else:
            self.disable_readonly()

    def enable_readonly(self) -> None:
        """Refuse writes from now on."""
        self._read_only = True

    def disable_readonly(self) -> None:
        """Accept writes again."""
        self._read_only = False

    def check_readonly(self) -> None:
        """Raise ReadOnlyModeError if the provider is read-only."""
        if self._read_only:
            raise ReadOnlyModeError(READ_ONLY_MESSAGE)

    # -- caching hooks (no-ops for base providers) ------------------------

    def flush(self) -> None:
        """Write buffered data to the next layer; nothing to do for base providers."""

    def maybe_flush(self) -> None:
        """Flush if ``autoflush`` is set."""
        if self.autoflush:
            self.flush()

    # -- handles -----------------------------------------------------------

    def copy(self) -> "StorageProvider":
        """A new handle on the same storage, with the same read-only state."""
        cls = self.__class__
        new = cls.__new__(cls)
        new.__setstate__(self.__getstate__())
        return new

    def rename(self, new_root: str) -> None:
        """Move the whole store to ``new_root``."""
        raise NotImplementedError(f"{type(self).__name__} cannot be renamed.")

    def subdir(self, path: str, read_only: bool = False) -> "StorageProvider":
        """A provider rooted at the folder ``path`` of this one."""
        raise NotImplementedError(f"{type(self).__name__} has no sub-directories.")

    def __getstate__(self) -> Dict[str, Any]:
        return {"root": self.root, "read_only": self._read_only}

    def __setstate__(self, state: Dict[str, Any]) -> None:
        self.__init__(state["root"])  # type: ignore[misc]
        self._read_only = state["read_only"]

    def __repr__(self) -> str:
        return f"{type(self).__name__}({self.root!r})"

    # MutableMapping defines __eq__ by contents; providers are handles, so
    # compare by identity (and stay hashable).
    __eq__ = object.__eq__
    __hash__ = object.__hash__

