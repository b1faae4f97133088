"""Link tensors: paths to files stored elsewhere, read on demand (spec 5.19).

Chunks of a ``link[...]`` tensor hold UTF-8 paths (shape rows ``(1,)``); a
``link_tiled`` sample holds its serialized path array, with the full sample
shape as its shape row and a tile-encoder entry (as the reference writes
them). Per-sample creds encodings live in the creds encoder. Appending reads
only file headers (shape, sample info), and only when the tensor verifies.
"""
from __future__ import annotations

import os
from typing import Any, List, Optional

import numpy as np

from deeplake.core.engine.codec import EncodedBatch, OwnChunk
from deeplake.core.linked_sample import LinkedSample
from deeplake.core.linked_tiled_sample import LinkedTiledSample
from deeplake.core.sample import Sample, path_kind
from deeplake.errors import BadLinkError, SampleReadError, TensorUnsupportedSampleType

_VERSION = b"3.8.22"


# ------------------------------------------------------------ path array blobs
def serialize_path_array(arr: np.ndarray) -> bytes:
    """version | ndim u8 | dims u32 LE | NUL-terminated paths (C order)."""
    parts = [bytes([len(_VERSION)]), _VERSION, bytes([arr.ndim])]
    parts += [int(d).to_bytes(4, "little") for d in arr.shape]
    parts += [p.encode("utf-8") + b"\x00" for p in arr.flat]
    return b"".join(parts)


def deserialize_path_array(buf) -> np.ndarray:
    buf = bytes(buf)
    off = 1 + buf[0]
    ndim = buf[off]
    off += 1
    shape = [int.from_bytes(buf[off + 4 * i : off + 4 * i + 4], "little") for i in range(ndim)]
    off += 4 * ndim
    paths = buf[off:].split(b"\x00")[: int(np.prod(shape))]
    out = np.empty(len(paths), dtype=object)
    out[:] = [p.decode("utf-8") for p in paths]
    return out.reshape(shape)


# ------------------------------------------------------------ reading targets
def open_link(ds, path: str, creds_key: Optional[str], verify: bool = False) -> Sample:
    """A lazy Sample of a linked file, with the dataset's creds for ``creds_key``."""
    from deeplake.core.creds import link_creds

    creds = link_creds(ds).get(creds_key) if creds_key is not None else None
    if path_kind(path) == "local" and not path.startswith("file://"):
        path = os.path.expanduser(path)
    return Sample(path, creds=creds, verify=verify)


def _stored(eng, index: int):
    """The stored path (str) or LinkedTiledSample of sample ``index``."""
    rows, local = eng._locate(np.asarray([index], dtype=np.int64))
    chunk = eng.get_chunk(int(eng.chunk_ids.rows[rows[0], 0]))
    raw = chunk.sample_bytes(int(local[0]))
    if index in eng.tiles:
        return LinkedTiledSample(deserialize_path_array(raw))
    return bytes(raw).decode("utf-8")


def _creds_key(tensor, index: int) -> Optional[str]:
    from deeplake.core.creds import link_creds

    enc = tensor._engine.creds
    if enc is None or enc.num_entries <= index:
        return None
    return link_creds(tensor.dataset).key_of(enc.encoding_of(index))


def _decode_linked(tensor, path: str, key: Optional[str]) -> np.ndarray:
    eng = tensor._engine
    sample = open_link(tensor.dataset, path, key)  # a missing creds key raises as is
    try:
        arr = sample.array
    except Exception as e:
        raise SampleReadError(f"Could not read linked sample '{path}' (creds_key={key!r}): {e}") from e
    dtype = eng.np_dtype
    if dtype is not None and arr.dtype != dtype:
        arr = arr.astype(dtype)
    if eng.meta.htype.startswith("image") and arr.ndim == 2:
        arr = arr[..., None]
    return arr


def read_linked_samples(tensor, indices) -> List[np.ndarray]:
    eng = tensor._engine
    out = []
    for idx in np.asarray(indices, dtype=np.int64):
        stored = _stored(eng, int(idx))
        key = _creds_key(tensor, int(idx))
        if isinstance(stored, LinkedTiledSample):
            out.append(_read_linked_tiled(tensor, int(idx), stored, key))
        elif not stored:
            ndim = max(1, len(eng.meta.max_shape))
            out.append(np.zeros((0,) * ndim, dtype=eng.np_dtype or np.uint8))
        else:
            out.append(_decode_linked(tensor, stored, key))
    return out


def _read_linked_tiled(tensor, index: int, lts: LinkedTiledSample, key) -> np.ndarray:
    sample_shape, tile_shape = tensor._engine.tiles.get(index)
    layout = lts.layout(tuple(tile_shape))
    out = np.zeros(tuple(sample_shape), dtype=tensor._engine.np_dtype or np.uint8)
    for pos in np.ndindex(*layout.shape):
        tile = _decode_linked(tensor, layout[pos], key)
        sl = tuple(slice(p * t, p * t + d) for p, t, d in zip(pos, tile_shape, tile.shape))
        out[sl] = tile
    return out


def link_paths(tensor) -> list:
    eng = tensor._engine
    out = []
    for i in tensor._sample_indices():
        s = _stored(eng, int(i))
        out.append(s.path_array if isinstance(s, LinkedTiledSample) else s)
    return out


def link_shapes(tensor, indices) -> np.ndarray:
    """Shapes of linked data: from the shape companion, else from file headers."""
    eng = tensor._engine
    indices = np.asarray(indices, dtype=np.int64)
    shape_key = next((k for k, l in eng.meta.links.items() if l.get("extend") == "extend_shape"), None)
    if shape_key is not None:
        seng = tensor.dataset._engine_for_key(shape_key)
        if seng.num_samples == eng.num_samples:
            return np.stack([np.asarray(s, dtype=np.int64) for s in seng.read_many(indices)]) if len(indices) \
                else np.zeros((0, len(eng.meta.max_shape)), np.int64)
    rows = []
    for i in indices:
        if int(i) in eng.tiles:
            rows.append(eng.tiles.get(int(i))[0])
            continue
        path = _stored(eng, int(i))
        rows.append(open_link(tensor.dataset, path, _creds_key(tensor, int(i))).shape if path else
                    (0,) * max(1, len(eng.meta.max_shape)))
    return np.asarray(rows, dtype=np.int64).reshape(len(indices), -1)


def link_bytes(tensor, index: int) -> bytes:
    stored = _stored(tensor._engine, index)
    if isinstance(stored, LinkedTiledSample):
        raise ValueError("Cannot read bytes of a link_tiled sample; read it with .numpy().")
    return open_link(tensor.dataset, stored, _creds_key(tensor, index)).buffer


def linked_sample(tensor):
    if not tensor.is_link:
        raise ValueError(f"Tensor '{tensor.name}' is not a link tensor.")
    if not tensor._is_single():
        raise ValueError("_linked_sample() needs a single sample, e.g. tensor[0]._linked_sample().")
    idx = int(tensor._sample_indices()[0])
    stored = _stored(tensor._engine, idx)
    key = _creds_key(tensor, idx)
    if isinstance(stored, LinkedTiledSample):
        stored.creds_key = key
        return stored
    return LinkedSample(stored, key)


def creds_key(tensor):
    if not tensor.is_link:
        raise ValueError(f"Tensor '{tensor.name}' is not a link tensor; only link tensors have creds keys.")
    keys_ = [_creds_key(tensor, int(i)) for i in tensor._sample_indices()]
    return keys_[0] if tensor._is_single() else keys_


# ------------------------------------------------------------ writing links
def encode_links(tensor, samples, plan=None) -> EncodedBatch:
    """Validate links (reading headers when the tensor verifies) and serialise their paths.

    ``batch.shapes`` are the linked data's shapes (for meta and the shape
    companion); ``extra['chunk_shapes']`` are the rows the chunks store.
    """
    from deeplake.core.creds import link_creds

    ds = tensor.dataset
    eng = tensor._engine
    lc = link_creds(ds)
    verify = bool(eng.meta.get("verify", True))
    needs_data = verify or bool(eng.meta.links and any(
        l.get("extend") in ("extend_shape", "extend_info") for l in eng.meta.links.values()))
    bufs, shapes, chunk_shapes, encodings, resolved, tiles = [], [], [], [], [], {}
    dtype_seen = None
    for j, s in enumerate(samples):
        if hasattr(s, "_linked_sample") and getattr(s, "is_link", False):
            s = s._linked_sample()
        if s is None:
            s = LinkedSample("")
        if not isinstance(s, (LinkedSample, LinkedTiledSample)):
            raise TensorUnsupportedSampleType(
                f"Link tensor '{tensor.name}' takes deeplake.link(path) or deeplake.link_tiled(paths) samples, "
                f"got {type(s).__name__}."
            )
        encodings.append(lc.encoding(s.creds_key, s.path))
        if isinstance(s, LinkedTiledSample):
            tile_shape = _check_tiles(ds, s, verify)
            shape = s.sample_shape(tile_shape)
            tiles[j] = (shape, tile_shape)
            bufs.append(OwnChunk(serialize_path_array(s.layout(tile_shape))))
            shapes.append(shape)
            chunk_shapes.append(shape)
            resolved.append(None)
            continue
        bufs.append(s.path.encode("utf-8"))
        chunk_shapes.append((1,))
        if not s.path or not needs_data:
            shapes.append(None)
            resolved.append(None)
            continue
        try:
            obj = open_link(ds, s.path, s.creds_key, verify=False)
            shape = tuple(obj.shape)
            dtype_seen = dtype_seen or obj.dtype
        except Exception as e:
            raise BadLinkError(
                f"Verification of link failed. Make sure that the link you are trying to append is correct."
                f"\n\nFailed link: {s.path}\ncreds_key used: {s.creds_key}\n({e})"
            ) from e
        shapes.append(shape)
        resolved.append(obj)
    ndim = next((len(x) for x in shapes if x is not None), len(eng.meta.max_shape) or 1)
    data_shapes = [x if x is not None else (0,) * ndim for x in shapes]
    batch = EncodedBatch(bufs, data_shapes, count=len(bufs))
    batch.extra["chunk_shapes"] = chunk_shapes
    batch.extra["resolved"] = resolved
    batch.extra["tiles"] = tiles
    batch.extra["creds_encodings"] = encodings
    if eng.meta.dtype is None and dtype_seen is not None:
        batch.extra["dtype"] = np.dtype(dtype_seen)
    if all(x is None for x in shapes) and not tiles:
        batch.extra["skip_shape_stats"] = True
    used = {s for s in (lc.key_of(e) for e in encodings) if s is not None}
    if plan is not None:
        plan.after.append(lambda: [_mark_used(ds, k) for k in used])
    return batch


def _mark_used(ds, key) -> None:
    from deeplake.core.creds import mark_used

    mark_used(ds, key)


def _check_tiles(ds, s: LinkedTiledSample, verify: bool) -> tuple:
    tile_shape = None
    for path in s.path_array.flat:
        try:
            shape = tuple(open_link(ds, path, s.creds_key).shape)
        except Exception as e:
            raise BadLinkError(f"Verification of link failed.\n\nFailed link: {path}\ncreds_key used: "
                               f"{s.creds_key}\n({e})") from e
        if tile_shape is None:
            tile_shape = shape
            if not verify:
                break
        elif shape != tile_shape:
            raise ValueError(f"Path array contains paths with different shapes ({tile_shape} and {shape}).")
    s.tile_shape = tile_shape
    s.layout(tile_shape)  # checks dimensionality
    return tile_shape


def sample_info(tensor):
    """Per-sample info from the hidden ``_<t>_info`` companion ({} when absent)."""
    eng = tensor._engine
    info_key = next((k for k, l in eng.meta.links.items() if l.get("extend") == "extend_info"), None)
    indices = tensor._sample_indices()
    if info_key is None:
        values = [{} for _ in indices]
    else:
        ieng = tensor.dataset._engine_for_key(info_key)
        if eng.meta.is_sequence:
            values = []
            for start, end in (eng.sequences.item_range(int(s)) for s in indices):
                values.append(ieng.read_many(np.arange(start, end, dtype=np.int64)))
        else:
            values = ieng.read_many(indices)
    return values[0] if tensor._is_single() else values
