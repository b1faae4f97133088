"""Everything an open dataset shares between its views and groups.

One DatasetState per opened dataset: the storage context, the dataset meta
and info of the current node, the tensor engines, the writer lock and the
flush policy. Dataset objects (root, groups, views) are thin handles on it.
"""
from __future__ import annotations

import json
import time
from typing import Dict, Optional

from deeplake.core.context import DatasetContext
from deeplake.core.engine.tensor_engine import TensorEngine
from deeplake.errors import TensorDoesNotExistError
from deeplake.format import keys
from deeplake.format.diff import DatasetDiff
from deeplake.format.meta import DatasetMeta, dumps_compact, dumps_pretty


class DatasetState:
    def __init__(self, ctx: DatasetContext, *, memory_cache_bytes: int = 2_000_000_000):
        self.ctx = ctx
        self.meta: DatasetMeta = DatasetMeta()
        self._info: Optional[dict] = None
        self._info_dirty = False
        self._diff: Optional[DatasetDiff] = None
        self._meta_dirty = False
        self.memory_cache_bytes = memory_cache_bytes
        self.lock = None
        self.user_read_only = False  # opened with read_only=True: never becomes writable
        self.lock_enabled = True
        self.write_depth = 0
        self.last_flush = 0.0
        self.pending_version_info = False

    # ------------------------------------------------------------ loading
    def load(self) -> None:
        st = self.ctx.storage
        self.meta = DatasetMeta.frombuffer(st[keys.dataset_meta_key(self.ctx.commit_id)])
        self._info = None
        self._diff = None
        self._meta_dirty = self._info_dirty = False
        for eng in list(self.ctx.engines.values()):
            eng._chunks.clear()
        self.ctx.engines.clear()
        self.ctx.forget_chunk_sets()

    @property
    def info(self) -> dict:
        if self._info is None:
            try:
                self._info = json.loads(bytes(self.ctx.storage[keys.dataset_info_key(self.ctx.commit_id)]))
            except KeyError:
                self._info = {}
        return self._info

    def set_info(self, d: dict) -> None:
        self._info = d
        self._info_dirty = True
        self.diff.modify_info()

    @property
    def diff(self) -> DatasetDiff:
        if self._diff is None:
            try:
                self._diff = DatasetDiff.frombuffer(self.ctx.storage[keys.dataset_diff_key(self.ctx.commit_id)])
            except KeyError:
                self._diff = DatasetDiff()
        return self._diff

    def mark_meta_dirty(self) -> None:
        self._meta_dirty = True

    # ------------------------------------------------------------ engines
    def engine(self, key: str) -> TensorEngine:
        eng = self.ctx.engines.get(key)
        if eng is None:
            if key not in self.meta.tensors:
                raise TensorDoesNotExistError(f"Tensor '{key}' does not exist.")
            eng = TensorEngine(self.ctx, key)
            self._engines_strong[key] = eng
        return eng

    @property
    def _engines_strong(self) -> Dict[str, TensorEngine]:
        d = self.__dict__.get("_strong")
        if d is None:
            d = self.__dict__["_strong"] = {}
        return d

    def register_engine(self, eng: TensorEngine) -> None:
        self._engines_strong[eng.key] = eng

    def drop_engine(self, key: str) -> None:
        self._engines_strong.pop(key, None)
        self.ctx.engines.pop(key, None)

    # ------------------------------------------------------------ flushing
    @property
    def is_dirty(self) -> bool:
        return (
            self._meta_dirty
            or self._info_dirty
            or (self._diff is not None and self._diff.is_dirty)
            or any(e.is_dirty for e in self._engines_strong.values())
            or bool(self.ctx._dirty_chunk_sets)
        )

    def flush(self) -> None:
        """Persist everything: chunks, encoders and tensor metas first, the
        dataset meta and version info last."""
        if self.ctx.read_only:
            return
        st = self.ctx.storage
        cid = self.ctx.commit_id
        for eng in list(self._engines_strong.values()):
            if eng.is_dirty:
                eng.flush()
        self.ctx.flush_chunk_sets()
        if self._info_dirty:
            st[keys.dataset_info_key(cid)] = dumps_pretty(self._info)
            self._info_dirty = False
        if self._diff is not None and self._diff.is_dirty:
            st[keys.dataset_diff_key(cid)] = self._diff.tobytes()
            self._diff.is_dirty = False
        if self._meta_dirty:
            st[keys.dataset_meta_key(cid)] = self.meta.tobytes()
            self._meta_dirty = False
        if self.pending_version_info:
            st[keys.VERSION_CONTROL_INFO] = dumps_compact(self.ctx.vc_info)
            self.pending_version_info = False
        st.flush()
        self.last_flush = time.monotonic()
        budget = self.memory_cache_bytes
        for eng in self._engines_strong.values():
            eng.invalidate_cache(budget)

    def relock(self) -> None:
        """Hold the writer lock of the node now being written (FORMAT.md §1.9)."""
        if not self.lock_enabled:
            return
        from deeplake.api.dataset import _release_lock, _take_lock

        _release_lock(self)
        _take_lock(self, 0, False)

    def maybe_flush(self) -> None:
        """After a top-level write outside ``with ds:``, persist it."""
        if self.write_depth == 0:
            self.flush()
