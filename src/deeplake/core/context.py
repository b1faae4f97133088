"""State shared by a dataset and all its tensor engines.

Holds the storage chain, the commit node being read or written, and the
rules that turn a (tensor key, chunk name) into the storage key of the node
that physically holds the chunk (FORMAT.md §4.4).
"""
from __future__ import annotations

import json
import weakref
from typing import Dict, Optional

from deeplake.constants import FIRST_COMMIT_ID
from deeplake.errors import ReadOnlyModeError
from deeplake.format import keys
from deeplake.format.meta import empty_version_control_info


def parse_chunk_set(buf) -> Dict[str, tuple]:
    """chunk_set text -> {chunk_name: (commit_id or None, tensor_key or None)}."""
    text = bytes(buf).decode("utf-8").strip()
    out: Dict[str, tuple] = {}
    if not text:
        return out
    for entry in text.split(","):
        parts = entry.split(":", 2)
        name = parts[0]
        commit = parts[1] if len(parts) > 1 and parts[1] else None
        tkey = parts[2] if len(parts) > 2 and parts[2] else None
        out[name] = (commit, tkey)
    return out


def format_chunk_set(entries: Dict[str, tuple]) -> bytes:
    items = []
    for name, (commit, tkey) in entries.items():
        if commit is None:
            items.append(name)
        elif tkey is None:
            items.append(f"{name}:{commit}")
        else:
            items.append(f"{name}:{commit}:{tkey}")
    return ",".join(items).encode("utf-8")


class DatasetContext:
    """Storage + version position of an open dataset."""

    def __init__(self, storage, path: str, read_only: bool = False):
        self.storage = storage
        self.path = path
        self.read_only = read_only
        self.vc_info: dict = empty_version_control_info()
        self.commit_id: str = FIRST_COMMIT_ID
        self.branch: str = "main"
        self._chunk_sets: Dict[tuple, Dict[str, tuple]] = {}
        self._dirty_chunk_sets: set = set()
        self.engines: "weakref.WeakValueDictionary" = weakref.WeakValueDictionary()
        self.autoflush_depth = 0  # > 0 inside `with ds:`

    # --- version graph ----------------------------------------------------
    def load_version_info(self) -> None:
        try:
            self.vc_info = json.loads(bytes(self.storage[keys.VERSION_CONTROL_INFO]))
        except KeyError:
            self.vc_info = empty_version_control_info()

    def parent_of(self, commit_id: str) -> Optional[str]:
        node = self.vc_info["commits"].get(commit_id)
        return node.get("parent") if node else None

    def is_head(self, commit_id: Optional[str] = None) -> bool:
        cid = commit_id or self.commit_id
        return cid in self.vc_info["branches"].values()

    # --- chunk location ---------------------------------------------------
    def chunk_set(self, commit_id: str, tensor_key: str) -> Dict[str, tuple]:
        ck = (commit_id, tensor_key)
        cs = self._chunk_sets.get(ck)
        if cs is None:
            try:
                cs = parse_chunk_set(self.storage[keys.chunk_set_key(commit_id, tensor_key)])
            except KeyError:
                cs = {}
            self._chunk_sets[ck] = cs
        return cs

    def locate_chunk(self, tensor_key: str, chunk_name: str) -> tuple:
        """(commit_id, tensor_key) of the node that holds ``chunk_name``."""
        node = self.commit_id
        while node is not None and node != FIRST_COMMIT_ID:
            entry = self.chunk_set(node, tensor_key).get(chunk_name)
            if entry is not None:
                commit, tkey = entry
                return (commit or node, tkey or tensor_key)
            node = self.parent_of(node)
        return (FIRST_COMMIT_ID, tensor_key)

    def chunk_storage_key(self, tensor_key: str, chunk_name: str) -> str:
        commit, tkey = self.locate_chunk(tensor_key, chunk_name)
        return keys.chunk_key(commit, tkey, chunk_name)

    def chunk_is_local(self, tensor_key: str, chunk_name: str) -> bool:
        """True if the chunk lives in the node being written."""
        return self.locate_chunk(tensor_key, chunk_name) == (self.commit_id, tensor_key)

    def claim_chunk(self, tensor_key: str, chunk_name: str) -> None:
        """Record that ``chunk_name`` now lives in the current node."""
        if self.commit_id == FIRST_COMMIT_ID:
            return
        cs = self.chunk_set(self.commit_id, tensor_key)
        if cs.get(chunk_name) != (None, None):
            cs[chunk_name] = (None, None)
            self._dirty_chunk_sets.add((self.commit_id, tensor_key))

    def flush_chunk_sets(self) -> None:
        for commit_id, tensor_key in sorted(self._dirty_chunk_sets):
            cs = self._chunk_sets.get((commit_id, tensor_key), {})
            self.storage[keys.chunk_set_key(commit_id, tensor_key)] = format_chunk_set(cs)
        self._dirty_chunk_sets.clear()

    def forget_chunk_sets(self) -> None:
        self._chunk_sets.clear()
        self._dirty_chunk_sets.clear()

    # --- guards -------------------------------------------------------------
    def check_writable(self, what: str = "modify the dataset") -> None:
        if self.read_only:
            raise ReadOnlyModeError(
                f"Cannot {what}: the dataset at '{self.path}' is open in read-only mode."
            )
