"""Tiled samples (FORMAT.md §3.5): cutting, pasting, and reading or writing sub-regions.

The geometry is pure numpy; the engine operations at the bottom take a
TensorEngine and touch only the tile chunks a region covers.
"""
from __future__ import annotations

import itertools
import math
from typing import Iterator, List, Sequence

import numpy as np


def choose_tile_shape(shape: Sequence[int], itemsize: int, threshold: int, compressed: bool, stored_nbytes: int) -> tuple:
    """Halve the largest splittable axis until a tile is under ``threshold``.

    For compressed samples the tile size is estimated from the compression
    ratio of the whole sample, and the channel axis is never split.
    """
    tile = [int(s) for s in shape]
    raw = itemsize * math.prod(tile) or 1
    ratio = (stored_nbytes / raw) if compressed else 1.0
    splittable = list(range(len(tile) - 1)) if compressed and len(tile) >= 3 else list(range(len(tile)))

    def size(t):
        return itemsize * math.prod(t) * ratio

    while size(tile) > threshold:
        axis = max(splittable, key=lambda a: tile[a])
        if tile[axis] <= 1:
            break
        tile[axis] = math.ceil(tile[axis] / 2)
    return tuple(tile)


def tile_grid(shape: Sequence[int], tile_shape: Sequence[int]) -> tuple:
    return tuple(math.ceil(s / t) if t else 1 for s, t in zip(shape, tile_shape))


def split_into_tiles(sample: np.ndarray, tile_shape: Sequence[int]) -> Iterator[np.ndarray]:
    """Tiles in C order of the tile grid; edge tiles may be smaller."""
    grid = tile_grid(sample.shape, tile_shape)
    for pos in itertools.product(*(range(g) for g in grid)):
        sl = tuple(slice(p * t, (p + 1) * t) for p, t in zip(pos, tile_shape))
        yield sample[sl]


def join_tiles(tiles: List[np.ndarray], sample_shape, tile_shape, dtype) -> np.ndarray:
    out = np.empty(tuple(sample_shape), dtype=dtype if dtype is not None else tiles[0].dtype)
    grid = tile_grid(sample_shape, tile_shape)
    for tile, pos in zip(tiles, itertools.product(*(range(g) for g in grid))):
        sl = tuple(slice(p * t, p * t + d) for p, t, d in zip(pos, tile_shape, tile.shape))
        out[sl] = tile.reshape(out[sl].shape)
    return out


class Region:
    """A sub-region of a tiled sample: which tiles it touches and where each lands.

    ``inner`` holds one entry per leading sample dimension (int, slice, or an
    integer sequence); missing entries select the whole dimension. Integer
    entries drop their dimension from the result, as numpy does.
    """

    def __init__(self, sample_shape: Sequence[int], tile_shape: Sequence[int], inner: Sequence):
        self.sample_shape = tuple(int(x) for x in sample_shape)
        self.tile_shape = tuple(int(x) for x in tile_shape)
        if len(inner) > len(self.sample_shape):
            raise IndexError(f"Too many indices for a sample of shape {self.sample_shape}.")
        self.per_dim: List[np.ndarray] = []
        self.keep: List[bool] = []
        for d, n in enumerate(self.sample_shape):
            e = inner[d] if d < len(inner) else slice(None)
            if isinstance(e, tuple):
                e = list(e)
            if isinstance(e, (int, np.integer)):
                i = int(e) + (n if e < 0 else 0)
                if not 0 <= i < n:
                    raise IndexError(f"Index {int(e)} is out of range for dimension {d} of size {n}.")
                self.per_dim.append(np.asarray([i], dtype=np.int64))
                self.keep.append(False)
            else:
                self.per_dim.append(np.arange(n, dtype=np.int64)[e].reshape(-1))
                self.keep.append(True)
        self.grid = tile_grid(self.sample_shape, self.tile_shape)

    @property
    def full_shape(self) -> tuple:
        """Region shape with dropped dimensions kept as length 1."""
        return tuple(len(p) for p in self.per_dim)

    @property
    def shape(self) -> tuple:
        return tuple(len(p) for p, k in zip(self.per_dim, self.keep) if k)

    def tiles(self) -> Iterator[tuple]:
        """(linear tile index, positions in the region, positions in the tile) per touched tile."""
        per_dim_tiles = [np.unique(p // t) for p, t in zip(self.per_dim, self.tile_shape)]
        for pos in itertools.product(*per_dim_tiles):
            out_pos, local = [], []
            for p, t, tp in zip(self.per_dim, self.tile_shape, pos):
                sel = np.flatnonzero(p // t == tp)
                out_pos.append(sel)
                local.append(p[sel] - tp * t)
            yield int(np.ravel_multi_index(pos, self.grid)), np.ix_(*out_pos), np.ix_(*local)


# ------------------------------------------------------------ engine operations
def append_partial(eng, ps, index: int) -> None:
    """deeplake.tiled(...): zero tiles in their own chunks, each distinct edge shape encoded once."""
    shape = ps.sample_shape
    tile_shape = ps.tile_shape
    if tile_shape is None:
        threshold = eng.tiling_threshold if eng.tiling_threshold != -1 else eng.max_chunk_size // 2
        nbytes = ps.dtype.itemsize * int(np.prod(shape, dtype=np.int64))
        tile_shape = choose_tile_shape(shape, ps.dtype.itemsize, threshold, False, nbytes)
    encoded = {}
    ids = []
    for pos in np.ndindex(*tile_grid(shape, tile_shape)):
        tshape = tuple(min(t, s - p * t) for p, t, s in zip(pos, tile_shape, shape))
        if tshape not in encoded:
            encoded[tshape] = eng._encode_tile(np.zeros(tshape, dtype=ps.dtype))
        cid, chunk = eng._new_chunk()
        chunk.append_samples([encoded[tshape]], [tshape])
        chunk.is_tile = True
        ids.append(cid)
    eng.chunk_ids.register_tiles(ids)
    eng.tiles.register(index, shape, tuple(tile_shape))


def read_region(eng, index: int, inner: Sequence) -> np.ndarray:
    sample_shape, tile_shape = eng.tiles.get(index)
    region = Region(sample_shape, tile_shape, inner)
    out = np.zeros(region.full_shape, dtype=eng.np_dtype)
    for linear, out_pos, local in region.tiles():
        out[out_pos] = eng._decode_tile(eng._tile_chunk_id(index, linear))[local]
    return out.reshape(region.shape)


def write_region(eng, index: int, inner: Sequence, value) -> None:
    """Validate first, then decode, patch and re-encode each touched tile in place."""
    from deeplake.errors import TensorDtypeMismatchError, TensorInvalidSampleShapeError

    eng._fast = None
    eng.ctx.check_writable()
    sample_shape, tile_shape = eng.tiles.get(index)
    region = Region(sample_shape, tile_shape, inner)
    value = np.asarray(value)
    dtype = eng.np_dtype
    if dtype is not None and value.dtype != dtype and not np.can_cast(value.dtype, dtype, "same_kind"):
        raise TensorDtypeMismatchError(
            f"Cannot write {value.dtype.name} values into tensor '{eng.key}' of dtype {dtype.name}."
        )
    try:
        value = np.broadcast_to(value, region.shape).reshape(region.full_shape)
    except ValueError:
        raise TensorInvalidSampleShapeError(
            f"Cannot write a value of shape {value.shape} into a region of shape {region.shape} "
            f"of a sample of shape {tuple(sample_shape)}."
        ) from None
    for linear, out_pos, local in region.tiles():
        cid = eng._tile_chunk_id(index, linear)
        tile = np.array(eng._decode_tile(cid))
        tile[local] = value[out_pos]
        eng._writable_chunk(cid).replace_samples({0: eng._encode_tile(tile)}, {0: tuple(tile.shape)})
    eng.diff.update_data(index)
    eng._encoders_dirty = True
