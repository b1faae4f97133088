"""Per-node change records: ``commit_diff`` (tensor) and ``dataset_diff``
(FORMAT.md §4.3, §1.10). Both are big-endian binary."""
from __future__ import annotations

import struct
from typing import Dict, List, Optional

import numpy as np


class CommitDiff:
    """What happened to one tensor inside one commit node."""

    def __init__(self, first_index: int = 0, created: bool = False):
        self.created = created
        self.info_updated = False
        self.data_transformed = False
        self.data_added = [first_index, first_index]
        self.data_updated: set = set()
        self.cleared = False
        self.data_deleted: List[int] = []
        self.data_deleted_ids: List[int] = []
        self.is_dirty = False

    def tobytes(self) -> bytes:
        upd = sorted(self.data_updated)
        parts = [
            bytes([int(self.created), int(self.info_updated), int(self.data_transformed)]),
            struct.pack(">QQ", *self.data_added),
            struct.pack(">Q", len(upd)),
            np.asarray(upd, dtype=">u8").tobytes(),
            bytes([int(self.cleared)]),
            struct.pack(">Q", len(self.data_deleted)),
            np.asarray(self.data_deleted, dtype=">u8").tobytes(),
            np.asarray(self.data_deleted_ids[: len(self.data_deleted)], dtype=">u8").tobytes()
            if len(self.data_deleted_ids) >= len(self.data_deleted) and self.data_deleted
            else b"",
        ]
        return b"".join(parts)

    @classmethod
    def frombuffer(cls, buf) -> "CommitDiff":
        buf = bytes(buf)
        d = cls()
        d.created, d.info_updated, d.data_transformed = (bool(x) for x in buf[:3])
        d.data_added = list(struct.unpack_from(">QQ", buf, 3))
        (m,) = struct.unpack_from(">Q", buf, 19)
        d.data_updated = set(int(x) for x in np.frombuffer(buf, ">u8", m, 27))
        off = 27 + 8 * m
        d.cleared = bool(buf[off]) if off < len(buf) else False
        off += 1
        if off + 8 <= len(buf):
            (n,) = struct.unpack_from(">Q", buf, off)
            off += 8
            d.data_deleted = [int(x) for x in np.frombuffer(buf, ">u8", n, off)]
            off += 8 * n
            if off + 8 * n <= len(buf):
                d.data_deleted_ids = [int(x) for x in np.frombuffer(buf, ">u8", n, off)]
        return d

    # --- recording ---------------------------------------------------------
    def add_data(self, count: int) -> None:
        self.data_added[1] += count
        self.is_dirty = True

    def update_data(self, index: int) -> None:
        if not (self.data_added[0] <= index < self.data_added[1]):
            self.data_updated.add(int(index))
        self.is_dirty = True

    def pop(self, index: int, sample_id: Optional[int] = None) -> None:
        lo, hi = self.data_added
        if lo <= index < hi:
            self.data_added[1] -= 1
        else:
            if index < lo:
                self.data_added = [lo - 1, hi - 1]
            self.data_deleted.append(int(index))
            self.data_deleted_ids.append(int(sample_id or 0))
            self.data_updated = {i - 1 if i > index else i for i in self.data_updated if i != index}
        self.is_dirty = True

    def clear(self) -> None:
        self.cleared = True
        self.data_added = [0, 0]
        self.data_updated = set()
        self.is_dirty = True

    def modify_info(self) -> None:
        self.info_updated = True
        self.is_dirty = True


class DatasetDiff:
    """Dataset-level changes of one node: info, renames, deletions."""

    def __init__(self):
        self.info_updated = False
        self.renamed: Dict[str, str] = {}
        self.deleted: List[str] = []
        self.is_dirty = False

    def tobytes(self) -> bytes:
        out = [bytes([int(self.info_updated)]), struct.pack(">Q", len(self.renamed))]
        for old, new in self.renamed.items():
            o, n = old.encode(), new.encode()
            out.append(struct.pack(">QQ", len(o), len(n)) + o + n)
        out.append(struct.pack(">Q", len(self.deleted)))
        for name in self.deleted:
            b = name.encode()
            out.append(struct.pack(">Q", len(b)) + b)
        return b"".join(out)

    @classmethod
    def frombuffer(cls, buf) -> "DatasetDiff":
        buf = bytes(buf)
        d = cls()
        d.info_updated = bool(buf[0])
        (r,) = struct.unpack_from(">Q", buf, 1)
        off = 9
        for _ in range(r):
            lo, ln = struct.unpack_from(">QQ", buf, off)
            off += 16
            old = buf[off : off + lo].decode()
            off += lo
            new = buf[off : off + ln].decode()
            off += ln
            d.renamed[old] = new
        (n,) = struct.unpack_from(">Q", buf, off)
        off += 8
        for _ in range(n):
            (ln,) = struct.unpack_from(">Q", buf, off)
            off += 8
            d.deleted.append(buf[off : off + ln].decode())
            off += ln
        return d

    def rename(self, old: str, new: str) -> None:
        origin = next((o for o, n in self.renamed.items() if n == old), old)
        self.renamed.pop(origin, None)
        if origin != new:
            self.renamed[origin] = new
        self.is_dirty = True

    def delete(self, name: str) -> None:
        origin = next((o for o, n in self.renamed.items() if n == name), name)
        self.renamed.pop(origin, None)
        self.deleted.append(origin)
        self.is_dirty = True

    def modify_info(self) -> None:
        self.info_updated = True
        self.is_dirty = True
