"""Storage in a folder of the local filesystem; every key is a file.

Writes are atomic with respect to readers and crashes of the writing
process: bytes go to a temporary file in the target's folder, which then
replaces the target with ``os.replace``. (No fsync: a power loss may still
lose recent writes, as with any unsynced file.)
"""

from __future__ import annotations

import itertools
import os
import shutil
import threading
from typing import Any, Dict, Optional, Set, Union

from deeplake.errors import (
    DirectoryAtPathException,
    FileAtPathException,
    InvalidPathException,
    PathNotEmptyException,
)
from deeplake.storage.base import (
    StorageProvider,
    check_byte_range,
    normalize_prefix,
)

# Temporary files end with this suffix; listings skip them.
TEMP_SUFFIX = ".dltmp"
_temp_counter = itertools.count()


def absolute_path(path: Union[str, "os.PathLike[str]"]) -> str:
    """``path`` with ``~`` expanded, made absolute, without a trailing separator."""
    return os.path.abspath(os.path.expanduser(os.fspath(path)))


def _check_key(path: str) -> None:
    """Refuse keys that would reach outside the root."""
    if ".." in path and ".." in path.replace("\\", "/").split("/"):
        raise InvalidPathException(f"Storage keys may not contain '..': {path!r}")


def _with_sep(folder: str) -> str:
    return folder if folder.endswith(os.sep) else folder + os.sep


class LocalProvider(StorageProvider):
    """Keys are files under ``root`` (an absolute path)."""

    is_local = True

    def __init__(self, root: Union[str, "os.PathLike[str]"]):
        if isinstance(root, str) and root.startswith("file://"):
            root = root[len("file://") :]
        full = absolute_path(root)
        if os.path.isfile(full):
            raise FileAtPathException(f"Expected a directory at '{full}', found a file.")
        self.root = full
        self._read_only = False
        self._base = _with_sep(full)

    # -- reads -------------------------------------------------------------

    def __getitem__(self, path: str) -> bytes:
        try:
            with open(self._base + path, "rb") as f:
                return f.read()
        except (FileNotFoundError, NotADirectoryError):
            raise KeyError(path) from None
        except IsADirectoryError:
            raise DirectoryAtPathException(
                f"Expected a file at '{self._base + path}', found a directory."
            ) from None

    def get_bytes(
        self,
        path: str,
        start_byte: Optional[int] = None,
        end_byte: Optional[int] = None,
    ) -> bytes:
        check_byte_range(start_byte, end_byte)
        try:
            with open(self._base + path, "rb") as f:
                if start_byte:
                    f.seek(start_byte)
                if end_byte is None:
                    return f.read()
                return f.read(end_byte - (start_byte or 0))
        except (FileNotFoundError, NotADirectoryError):
            raise KeyError(path) from None
        except IsADirectoryError:
            raise DirectoryAtPathException(
                f"Expected a file at '{self._base + path}', found a directory."
            ) from None

    def read_into(self, path: str, buffer, start_byte: int = 0) -> int:
        # straight from the file into the caller's buffer: no intermediate
        # bytes object (large fresh allocations are slow to page in)
        mv = memoryview(buffer).cast("B")
        try:
            fd = os.open(self._base + path, os.O_RDONLY)
        except (FileNotFoundError, NotADirectoryError):
            raise KeyError(path) from None
        try:
            done = 0
            while done < len(mv):
                k = os.preadv(fd, [mv[done:]], start_byte + done)
                if k == 0:
                    break
                done += k
            return done
        finally:
            os.close(fd)

    def __contains__(self, path: object) -> bool:
        return isinstance(path, str) and os.path.isfile(self._base + path)

    def get_object_size(self, path: str) -> int:
        try:
            return os.stat(self._base + path).st_size
        except (FileNotFoundError, NotADirectoryError):
            raise KeyError(path) from None

    def _check_is_file(self, path: str) -> str:
        """The full path of ``path``; DirectoryAtPathException if it is a folder."""
        full = self._base + path
        if os.path.isdir(full):
            raise DirectoryAtPathException(f"Expected a file at '{full}', found a directory.")
        return full

    def _all_keys(self, refresh: bool = False) -> Set[str]:
        """Every key, read from disk each time (``refresh`` is accepted for 3.8 callers)."""
        keys: Set[str] = set()
        base_len = len(self._base)
        for folder, _dirs, files in os.walk(self.root):
            rel = folder[base_len:].replace(os.sep, "/")
            for name in files:
                if name.endswith(TEMP_SUFFIX):
                    continue
                keys.add(f"{rel}/{name}" if rel else name)
        return keys

    # -- writes ------------------------------------------------------------

    def __setitem__(self, path: str, value: bytes) -> None:
        self._write(path, (value,))

    def write_parts(self, path: str, parts) -> None:
        """Write the concatenation of ``parts`` (buffers) without joining them in memory."""
        self._write(path, parts)

    def _write(self, path: str, parts) -> None:
        if self._read_only:
            self.check_readonly()
        _check_key(path)
        full = self._base + path
        temp = f"{full}.{os.getpid()}-{threading.get_ident()}-{next(_temp_counter)}{TEMP_SUFFIX}"
        try:
            f = open(temp, "wb", buffering=0)
        except FileNotFoundError:
            self._make_parent(full)
            f = open(temp, "wb", buffering=0)
        except NotADirectoryError:
            raise FileAtPathException(
                f"Cannot write '{path}': a file stands where a folder of its path should be."
            ) from None
        try:
            with f:
                for part in parts:
                    view = memoryview(part).cast("B")
                    done = 0
                    while done < len(view):  # raw writes may be partial
                        done += f.write(view[done:])
            os.replace(temp, full)
        except BaseException as err:
            try:
                os.remove(temp)
            except OSError:
                pass
            if isinstance(err, IsADirectoryError) or os.path.isdir(full):
                raise DirectoryAtPathException(
                    f"Cannot write '{path}': a directory exists at '{full}'."
                ) from None
            raise

    def _make_parent(self, full: str) -> None:
        parent = os.path.dirname(full)
        try:
            os.makedirs(parent, exist_ok=True)
        except (FileExistsError, NotADirectoryError):
            raise FileAtPathException(
                f"Cannot create folder '{parent}': a file is in the way."
            ) from None

    def __delitem__(self, path: str) -> None:
        if self._read_only:
            self.check_readonly()
        _check_key(path)
        full = self._base + path
        try:
            os.remove(full)
        except (FileNotFoundError, NotADirectoryError):
            raise KeyError(path) from None
        except (IsADirectoryError, PermissionError):
            if os.path.isdir(full):
                raise DirectoryAtPathException(
                    f"Expected a file at '{full}', found a directory."
                ) from None
            raise

    def clear(self, prefix: str = "") -> None:
        """Delete every file under the folder ``prefix``, then the emptied folders.

        With no prefix the root folder itself is removed (it is recreated by
        the next write).
        """
        self.check_readonly()
        folder = normalize_prefix(prefix)
        if not folder:
            shutil.rmtree(self.root, ignore_errors=True)
            return
        _check_key(folder)
        target = self._base + folder.replace("/", os.sep)
        if os.path.isdir(target):
            shutil.rmtree(target, ignore_errors=True)
        elif os.path.isfile(target):
            os.remove(target)
        else:
            return
        self._remove_empty_parents(os.path.dirname(target))

    def _remove_empty_parents(self, folder: str) -> None:
        while len(folder) > len(self.root) and folder.startswith(self._base):
            try:
                os.rmdir(folder)
            except OSError:
                return
            folder = os.path.dirname(folder)

    def rename(self, new_root: Union[str, "os.PathLike[str]"]) -> None:
        """Move the root folder to ``new_root`` (which must be absent or empty)."""
        self.check_readonly()
        target = absolute_path(new_root)
        if os.path.isfile(target) or (os.path.isdir(target) and os.listdir(target)):
            raise PathNotEmptyException(
                f"Cannot rename to '{target}': the path is not empty."
            )
        if os.path.isdir(target):
            os.rmdir(target)
        parent = os.path.dirname(target)
        if parent:
            os.makedirs(parent, exist_ok=True)
        if os.path.exists(self.root):
            os.rename(self.root, target)
        self.root = target
        self._base = _with_sep(target)

    def subdir(self, path: str, read_only: bool = False) -> "LocalProvider":
        sub = LocalProvider(os.path.join(self.root, path))
        sub._read_only = read_only
        return sub

    def __getstate__(self) -> Dict[str, Any]:
        return {"root": self.root, "read_only": self._read_only}

    def __setstate__(self, state: Dict[str, Any]) -> None:
        self.root = state["root"]
        self._base = _with_sep(self.root)
        self._read_only = state["read_only"]

