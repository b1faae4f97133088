"""Stitch chunks written elsewhere onto the end of a tensor, without touching their bytes.

A transform worker writes its samples into fresh chunks of the output
tensor's chunk folder (random chunk ids never collide) and keeps its own
tensor-level index tables private. Merging a worker's output appends those
tables to the tensor's tables with every index shifted by the tensor's
length: chunk id rows, tiles, sequence and creds rows, shape statistics,
length and commit diff. Chunk and byte-position encoders live inside each
chunk and stay valid as they are; a partially filled last chunk is fine.
"""
from __future__ import annotations

import re
from dataclasses import dataclass, field
from typing import Dict, List, Optional

import numpy as np

from deeplake.constants import FIRST_COMMIT_ID
from deeplake.format import keys

# meta keys that describe the data appended, not the tensor's definition
_DATA_KEYS = ("length", "min_shape", "max_shape")


@dataclass
class TensorPart:
    """What one worker appended to one tensor, in the worker's own numbering."""

    key: str
    length: int  # stored items (flattened for sequences)
    chunk_rows: np.ndarray  # (chunk id, last item index) rows, uint64
    tiles: Dict[int, tuple] = field(default_factory=dict)
    sequence_rows: Optional[np.ndarray] = None  # (count, start item, last sequence)
    creds_rows: Optional[np.ndarray] = None  # (encoding, last item)
    meta: dict = field(default_factory=dict)  # the worker's tensor meta after writing
    class_names: Optional[List[str]] = None  # class_label names the worker ended with

    @property
    def num_sequences(self) -> int:
        rows = self.sequence_rows
        return 0 if rows is None or len(rows) == 0 else int(rows[-1, 2]) + 1


def part_from_engine(engine) -> TensorPart:
    """Snapshot of what a (cleared, then appended-to) worker engine holds."""
    seq = engine.sequences
    creds = engine.creds
    info = engine._info if engine._info is not None else None
    return TensorPart(
        key=engine.key,
        length=engine.meta.length,
        chunk_rows=engine.chunk_ids.rows.astype(np.uint64).copy(),
        tiles=dict(engine.tiles.entries),
        sequence_rows=None if seq is None else seq.rows.astype(np.int64).copy(),
        creds_rows=None if creds is None else creds.rows.astype(np.int64).copy(),
        meta=dict(engine.meta.d),
        class_names=list(info["class_names"]) if info and info.get("class_names") else None,
    )


def _adopt_definition(engine, part: TensorPart) -> None:
    """A tensor created without htype/dtype takes what the worker decided."""
    from deeplake.core.engine.codec import make_codec

    meta = engine.meta
    changed = False
    if meta.get("htype") is None and part.meta.get("htype") is not None:
        for k, v in part.meta.items():
            if k not in _DATA_KEYS:
                meta.d[k] = v
        changed = True
    if meta.get("dtype") is None and part.meta.get("dtype") is not None:
        meta["dtype"] = part.meta["dtype"]
        if part.meta.get("typestr") is not None:
            meta["typestr"] = part.meta["typestr"]
        changed = True
    if changed:
        meta.is_dirty = True
        engine.codec = make_codec(meta, engine.coerce)


def append_part(engine, part: TensorPart) -> int:
    """Append a worker's chunks to ``engine``; returns the first new item index."""
    engine.ctx.check_writable()
    engine._fast = None
    first = engine.meta.length
    if part.length == 0 and part.num_sequences == 0:
        return first
    _adopt_definition(engine, part)
    enc = engine.chunk_ids
    rows = part.chunk_rows
    if len(rows):
        shifted = rows.astype(np.uint64).copy()
        shifted[:, 1] += np.uint64(first)
        enc.set_rows(np.concatenate([enc.rows, shifted]) if len(enc) else shifted)
        for cid in np.unique(shifted[:, 0]):
            engine.ctx.claim_chunk(engine.key, keys.chunk_name_from_id(int(cid)))
    for idx, (shape, tile_shape) in part.tiles.items():
        engine.tiles.register(idx + first, shape, tile_shape)
    if part.sequence_rows is not None and len(part.sequence_rows):
        seqs = engine.sequences
        n_seq = seqs.num_sequences
        add = part.sequence_rows.astype(np.int64).copy()
        add[:, 1] += first
        add[:, 2] += n_seq
        seqs.set_rows(np.concatenate([seqs.rows.astype(np.int64), add]) if len(seqs) else add)
    if part.creds_rows is not None and len(part.creds_rows):
        creds = engine.creds
        add = part.creds_rows.astype(np.int64).copy()
        add[:, 1] += first
        creds.set_rows(np.concatenate([creds.rows.astype(np.int64), add]) if len(creds) else add)
    engine.meta["length"] = first + part.length
    lo, hi = part.meta.get("min_shape"), part.meta.get("max_shape")
    if lo and hi and part.length:
        engine.meta.update_shape_stats(np.asarray(lo, np.int64), np.asarray(hi, np.int64))
    engine.diff.add_data(part.length)
    engine._encoders_dirty = True
    engine.meta.is_dirty = True
    return first


def merge_class_names(engine, part: TensorPart, first: int) -> None:
    """Reconcile class names a worker added on its own: names new to the tensor
    are appended; labels whose index differs from the merged list are rewritten
    (only those few bytes are re-encoded)."""
    if part.class_names is None:
        return
    names = list(engine.info.get("class_names") or [])
    if part.class_names == names[: len(part.class_names)]:
        return  # the worker only used names the tensor already has, in the same places
    mapping = {}
    for i, name in enumerate(part.class_names):
        if name not in names:
            names.append(name)
        mapping[i] = names.index(name)
    new_info = dict(engine.info)
    new_info["class_names"] = names
    engine.set_info(new_info)
    if all(k == v for k, v in mapping.items()) or part.length == 0:
        return
    table = np.arange(max(mapping) + 1, dtype=np.int64)
    for k, v in mapping.items():
        table[k] = v
    indices = np.arange(first, first + part.length, dtype=np.int64)
    values = engine.read_many(indices)
    remapped = []
    for v in values:
        arr = np.asarray(v)
        ok = (arr >= 0) & (arr < len(table))
        out = arr.astype(np.int64).copy()
        out[ok] = table[arr[ok].astype(np.int64)]
        remapped.append(out.astype(arr.dtype))
    coerce = engine.coerce
    engine.coerce = None
    try:
        engine.update_encoded(indices, engine.encode(remapped))
    finally:
        engine.coerce = coerce


# ------------------------------------------------------------------ worker results
def merge_parts(state, results, class_names: bool = True) -> None:
    """Append every worker's parts, in worker order, to the tensors of ``state``."""
    for res in results:
        for key, part in res.parts.items():
            eng = state.engine(key)
            first = append_part(eng, part)
            if class_names:
                merge_class_names(eng, part, first)


def discard_parts(base, commit_id: str, results) -> None:
    """Delete the chunks workers wrote for an operation that is being abandoned."""
    for res in results:
        for key, part in res.parts.items():
            ids = {int(c) for c in part.chunk_rows[:, 0]} if len(part.chunk_rows) else set()
            for cid in ids:
                try:
                    del base[keys.chunk_key(commit_id, key, keys.chunk_name_from_id(cid))]
                except KeyError:
                    pass


# ------------------------------------------------------------------ garbage
_CHUNK_NAME = re.compile(r"[0-9a-f]+")


def _chunk_files(base, folder: str) -> List[str]:
    """Names of the chunk files stored under ``folder`` (one directory listing when local)."""
    import os

    root = getattr(base, "is_local", False) and getattr(base, "root", None)
    if root:
        try:
            names = os.listdir(os.path.join(root, folder))
        except (FileNotFoundError, NotADirectoryError):
            return []
    else:
        names = [k[len(folder):] for k in base.list(folder)]
    return [n for n in names if _CHUNK_NAME.fullmatch(n)]  # skips temp files of atomic writes


def delete_unreferenced_chunks(state, tensor_keys) -> int:
    """Delete chunk files of the node being written that its tensors no longer
    reference (what clear + rewrite leaves behind); returns how many went.

    Only the current node's own folder is looked at: chunks of committed
    ancestors live in their nodes' folders and are never touched. Everything
    is flushed first, so the new encoders are on disk before a file goes.
    """
    from deeplake.storage.lru_cache import get_base_storage

    ctx = state.ctx
    if ctx.read_only:
        return 0
    state.flush()
    storage = ctx.storage
    base = get_base_storage(storage)
    commit = ctx.commit_id
    removed = 0
    for key in tensor_keys:
        eng = state.engine(key)
        used = {keys.chunk_name_from_id(int(c)) for c in np.unique(eng.chunk_ids.rows[:, 0])} \
            if len(eng.chunk_ids) else set()
        folder = keys.chunk_key(commit, key, "")
        cs = ctx.chunk_set(commit, key) if commit != FIRST_COMMIT_ID else None
        for name in _chunk_files(base, folder):
            if name in used:
                continue
            try:
                del storage[folder + name]
                removed += 1
            except KeyError:
                pass
            if cs is not None and cs.get(name) == (None, None):
                del cs[name]
                ctx._dirty_chunk_sets.add((commit, key))
    ctx.flush_chunk_sets()
    storage.flush()
    return removed
