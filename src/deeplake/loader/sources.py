"""Reading one tensor's samples for a batch, chunk by chunk.

A ``TensorSource`` knows how one tensor of the dataset (or view) maps loader
rows to stored samples and how to turn stored bytes into what the loader
returns ('numpy', 'tobytes' or 'pil'). Fixed-shape numeric tensors are
gathered with numpy straight from chunk buffers; sample-compressed images
are decoded by a thread pool (Pillow releases the GIL) directly into the
batch array; everything else (links, text, tiles, polygons) goes through the
engine's codec, one chunk fetch per chunk.
"""
from __future__ import annotations

from io import BytesIO
from typing import Any, Callable, List, Optional

import numpy as np

from deeplake.errors import SampleDecompressionError
from deeplake.loader.chunk_reader import ChunkCache, ChunkIndex

DECODE_METHODS = ("numpy", "tobytes", "pil")
_PIL_COMPRESSIONS = ("jpeg", "jpg", "png")
_TEXT_LIKE = ("text", "json", "list", "tag")


class SampleError(Exception):
    """A sample could not be read or decoded; carries the tensor and index."""

    def __init__(self, tensor: str, index: int, cause: BaseException):
        super().__init__(f"Could not read sample {index} of tensor '{tensor}': {cause}")
        self.tensor, self.index, self.cause = tensor, index, cause


def _is_image_compression(name: Optional[str]) -> bool:
    if name is None:
        return False
    from deeplake.compression import get_compression_type

    try:
        return get_compression_type(name) == "image" and name not in ("dcm", "apng")
    except Exception:
        return False


def default_alloc(shape, dtype) -> np.ndarray:
    return np.empty(shape, dtype=dtype)


class TensorSource:
    """Rows of one tensor as the loader sees them."""

    def __init__(self, name: str, tensor, decode_method: str = "numpy", cache_budget: int = 64 * 10**6,
                 disk_cache=None):
        if decode_method not in DECODE_METHODS:
            raise ValueError(
                f"decode_method for tensor '{name}' must be one of {DECODE_METHODS}, got {decode_method!r}."
            )
        self.name = name
        self.tensor = tensor
        self.engine = eng = tensor._engine
        meta = eng.meta
        self.meta = meta
        self.method = decode_method
        self.stored_len = tensor._stored_len()
        self.sub_index = tensor.index.values[1:]
        sc = meta.sample_compression
        if decode_method == "pil" and (sc or "").lower() not in _PIL_COMPRESSIONS:
            raise ValueError(
                f"decode_method 'pil' is only supported for tensors with sample_compression 'jpeg' or 'png'; "
                f"tensor '{name}' has sample_compression {sc!r}."
            )
        if decode_method == "tobytes" and meta.chunk_compression is not None:
            raise ValueError(
                f"decode_method 'tobytes' is not available for tensor '{name}': its samples are compressed "
                f"together per chunk ({meta.chunk_compression})."
            )
        self.cache = ChunkCache(eng, max(cache_budget, 2 * eng.max_chunk_size), disk_cache)
        self._index: Optional[ChunkIndex] = None
        if meta.is_link or self.sub_index:
            self.kind = "facade"
        elif meta.is_sequence:
            self.kind = "sequence"
        elif decode_method == "numpy" and eng.can_read_fast() and meta.chunk_compression is None:
            self.kind = "fixed"
        elif decode_method == "numpy" and _is_image_compression(sc) and not eng.tiles.entries:
            self.kind = "image"
        else:
            self.kind = "generic"
        self.fixed_shape = tuple(meta.min_shape) if eng.is_fixed_shape() else None
        dt = eng.np_dtype
        self.dtype = dt

    # ----------------------------------------------------------------- locate
    def locate(self, indices):
        if self._index is None:
            self._index = ChunkIndex(self.engine)
        return self._index.locate(indices)

    def global_indices(self, view_rows: np.ndarray) -> np.ndarray:
        return np.asarray(view_rows, dtype=np.int64)

    def chunk_of(self, indices: np.ndarray) -> np.ndarray:
        """Chunk id of each sample (for chunk-ordered shuffling); -1 where unknown."""
        if self.kind in ("facade", "sequence"):
            return np.zeros(len(indices), dtype=np.int64)
        inside = indices < self.engine.num_samples
        out = np.full(len(indices), -1, dtype=np.int64)
        if inside.any():
            got = self.locate(indices[inside])
            if got is not None:
                out[inside] = got[0].view(np.int64) if got[0].dtype == np.uint64 else got[0]
        return out

    def bytes_per_sample(self) -> int:
        """Decoded bytes of a sample (what a shuffle buffer of samples holds), estimated from metadata."""
        eng = self.engine
        n = max(eng.num_samples, 1)
        enc = eng.chunk_ids
        # chunks hold up to max_chunk_size; estimate the stored size from the chunk count
        try:
            if self.dtype.kind in "biuf" and self.meta.max_shape:
                return max(1, int(np.prod(self.meta.max_shape)) * self.dtype.itemsize)
        except (TypeError, ValueError, AttributeError):
            pass
        # no numeric shape (text, json, links): estimate the stored size from the chunk count
        return max(1, int(len(enc) * eng.max_chunk_size * 0.75 // n)) if len(enc) else 1

    # ------------------------------------------------------- cache planning
    def plannable(self) -> bool:
        """Whether reads go through the chunk cache by sample index (so an epoch can be announced)."""
        return self.kind in ("fixed", "image", "generic")

    def expect(self, view_rows: Optional[np.ndarray]) -> None:
        if not self.plannable():
            return
        if view_rows is None:
            self.cache.expect(None)
            return
        idx = np.asarray(view_rows, dtype=np.int64)
        self.cache.expect(idx[idx < self.stored_len])

    def release(self, view_rows: np.ndarray) -> None:
        if self.plannable():
            idx = np.asarray(view_rows, dtype=np.int64)
            self.cache.release(idx[idx < self.stored_len])

    # ------------------------------------------------------------------ reads
    def read(self, indices: np.ndarray, pool=None, alloc: Callable = default_alloc, errors=None):
        """Values of the global ``indices``: an array when stackable, else a list.

        ``errors`` (a list) collects positions that failed when errors are
        ignored; when it is None a failure raises ``SampleError``.
        """
        indices = np.asarray(indices, dtype=np.int64)
        padded = indices >= self.stored_len
        if padded.any():
            return self._read_padded(indices, padded, pool, errors)
        if self.kind == "fixed":
            return self._read_fixed(indices, alloc)
        if self.kind == "image":
            return self._read_images(indices, pool, alloc, errors)
        if self.kind == "sequence":
            return self._read_sequences(indices, pool, errors)
        if self.kind == "facade":
            return self._read_facade(indices, errors)
        return self._read_generic(indices, pool, errors)

    def _read_padded(self, indices, padded, pool, errors):
        inside = np.flatnonzero(~padded)
        got = self.read(indices[inside], pool, default_alloc, errors) if len(inside) else []
        empty = self.engine.codec.decode(b"", self.engine.codec.empty_shape())
        out: List[Any] = [empty] * len(indices)
        for j, v in zip(inside, got):
            out[int(j)] = v
        return out

    def _read_fixed(self, indices, alloc):
        shape = self.fixed_shape
        out = alloc((len(indices),) + shape, self.dtype)
        if not len(indices):
            return out
        cids, local = self.locate(indices)
        if len(indices) > 1 and np.all(cids == cids[0]):
            groups = [(int(cids[0]), slice(None))]
        else:
            groups = [(int(c), cids == c) for c in np.unique(cids)]
        for cid, sel in groups:
            arr, pos = self.cache.rows(cid, shape, self.dtype)
            out[sel] = arr[local[sel] if pos is None else pos[local[sel]]]
        return out

    def _locate_bytes(self, indices, as_bytes: bool = False):
        """(buffer, shape) of each sample (bytes when ``as_bytes``); tiled samples come back as None."""
        tiled = self.engine.tiles.entries
        cids, local = self.locate(indices)
        n = len(indices)
        bufs: List[Any] = [None] * n
        shapes: List[Any] = [None] * n
        cid_list = cids.tolist()
        loc_list = local.tolist()
        idx_list = indices.tolist() if tiled else None
        tables = {}
        for j in range(n):
            if tiled and idx_list[j] in tiled:
                continue
            cid = cid_list[j]
            t = tables.get(cid)
            if t is None:
                t = tables[cid] = self.cache.tables(cid)
            li = loc_list[j]
            mv = t[3][t[0][li] : t[1][li]]
            bufs[j] = mv.tobytes() if as_bytes else mv
            shapes[j] = t[2][li] if t[2] else (0,)
        return bufs, shapes

    def _fail(self, j, idx, e, errors):
        if errors is None:
            raise SampleError(self.name, int(idx), e) from e
        errors.append(j)

    def _read_images(self, indices, pool, alloc, errors):
        bufs, shapes = self._locate_bytes(indices)
        n = len(indices)
        shape0 = shapes[0] if n else None
        uniform = n > 0 and all(s == shape0 for s in shapes) and 0 not in shape0
        out = alloc((n,) + shape0, self.dtype) if uniform else [None] * n
        dtype = self.dtype
        channels = (shape0[2] if len(shape0) == 3 else 1) if uniform else None

        fast = _simplejpeg() if self.meta.sample_compression in ("jpeg", "jpg") and dtype == np.uint8 else None

        def decode(j):
            try:
                buf, shp = bufs[j], shapes[j]
                if 0 in shp:
                    out[j] = np.zeros(shp, dtype=dtype)
                    return None
                if fast is not None and uniform and _fast_jpeg(fast, buf, shp, out[j]):
                    return None
                img = _open(buf)
                ch = channels if uniform else (shp[2] if len(shp) == 3 else 1)
                if _bands(img) != ch:
                    img = img.convert(_MODES[ch])
                arr = np.asarray(img)
                if arr.ndim == 2:
                    arr = arr[..., None]
                if arr.shape != shp:
                    raise SampleDecompressionError(f"decoded shape {arr.shape} differs from stored shape {shp}")
                out[j] = arr
            except Exception as e:  # noqa: BLE001 - reported with tensor and index
                return (j, e)
            return None

        if pool is not None and n > 1:
            results = list(pool.map(decode, range(n)))
        else:
            results = [decode(j) for j in range(n)]
        bad = [r for r in results if r is not None]
        for j, e in bad:
            self._fail(j, indices[j], e, errors)
        return out

    def _decode_one(self, buf, shape):
        m = self.method
        if m == "tobytes":
            return bytes(buf)
        if m == "pil":
            return _open(buf)
        return self.engine.codec.decode(buf, shape)

    def _read_generic(self, indices, pool, errors):
        if self.method == "tobytes" and not self.engine.tiles.entries:
            return self._locate_bytes(indices, as_bytes=True)[0]
        bufs, shapes = self._locate_bytes(indices)
        out: List[Any] = [None] * len(indices)
        for j in range(len(indices)):
            try:
                if bufs[j] is None:
                    v = self.engine._read_tiled(int(indices[j]))
                    out[j] = self.engine.codec_encode_full(v) if self.method == "tobytes" else v
                else:
                    out[j] = self._decode_one(bufs[j], shapes[j])
            except Exception as e:  # noqa: BLE001
                self._fail(j, indices[j], e, errors)
        return out

    def _read_sequences(self, indices, pool, errors):
        enc = self.engine.sequences
        ranges = [enc.item_range(int(s)) for s in indices]
        flat = np.concatenate([np.arange(a, b, dtype=np.int64) for a, b in ranges]) if ranges else np.zeros(0, np.int64)
        item_src = _ItemView(self)
        items = item_src.read(flat, pool, default_alloc, errors)
        out, pos = [], 0
        for a, b in ranges:
            seq = [items[k] for k in range(pos, pos + b - a)]
            pos += b - a
            shapes = {getattr(v, "shape", None) for v in seq}
            out.append(np.stack(seq) if seq and len(shapes) == 1 and None not in shapes else seq)
        return out

    def _read_facade(self, indices, errors):
        from deeplake.core.tensor import Tensor
        from deeplake.core.index import Index

        t = self.tensor
        base = Tensor(t.key, t.dataset, Index())
        out: List[Any] = [None] * len(indices)
        for j, idx in enumerate(indices):
            try:
                if self.sub_index:
                    sample = base[(int(idx),) + tuple(e.value for e in self.sub_index)]
                else:
                    sample = base[int(idx)]
                if self.method == "tobytes":
                    out[j] = sample.tobytes() if not self.meta.is_link else _link_bytes(sample)
                elif self.method == "pil":
                    from PIL import Image

                    out[j] = Image.fromarray(np.asarray(sample.numpy()).squeeze())
                else:
                    out[j] = sample.numpy()
            except Exception as e:  # noqa: BLE001
                self._fail(j, idx, e, errors)
        return out


class _ItemView(TensorSource):
    """The items of a sequence tensor, read like a plain tensor."""

    def __init__(self, parent: TensorSource):  # noqa: D107 - shares the parent's state
        self.__dict__.update(parent.__dict__)
        self.stored_len = parent.engine.num_samples
        self.kind = "generic" if parent.method != "numpy" or parent.engine.tiles.entries else (
            "fixed" if parent.engine.can_read_fast() and parent.meta.chunk_compression is None else "generic"
        )

    def read(self, indices, pool=None, alloc=default_alloc, errors=None):
        if self.kind == "fixed":
            return list(self._read_fixed(indices, alloc))
        return self._read_generic(indices, pool, errors)


def _link_bytes(sample) -> bytes:
    linked = sample._linked_sample()
    return bytes(linked.compressed_bytes(linked.compression)) if hasattr(linked, "compressed_bytes") else bytes(linked)


_MODES = {1: "L", 3: "RGB", 4: "RGBA"}
_SIMPLEJPEG: list = []


def _simplejpeg():
    """libjpeg-turbo straight into a numpy buffer (GIL released), when installed."""
    if not _SIMPLEJPEG:
        try:
            import simplejpeg
        except ImportError:
            simplejpeg = None
        _SIMPLEJPEG.append(simplejpeg)
    return _SIMPLEJPEG[0]


_NATURAL = {"Gray": (1, "GRAY"), "YCbCr": (3, "RGB"), "RGB": (3, "RGB")}


def _fast_jpeg(sj, buf, shape, dest) -> bool:
    """Decode a JPEG into ``dest`` when no colour conversion is needed; False to fall back to Pillow."""
    try:
        h, w, space, _ = sj.decode_jpeg_header(buf)
    except ValueError:
        return False  # not a baseline JFIF libjpeg accepts: let Pillow report or handle it
    nat = _NATURAL.get(space)
    if nat is None or len(shape) != 3 or (h, w, nat[0]) != shape:
        return False
    try:
        sj.decode_jpeg(buf, colorspace=nat[1], buffer=dest, strict=True)
    except ValueError as e:
        raise SampleDecompressionError(f"the JPEG bytes are corrupt or truncated ({e})") from e
    return True


def _bands(img) -> int:
    return len(img.getbands())


def _open(buf):
    from PIL import Image

    try:
        img = Image.open(BytesIO(buf))
        img.load()
    except Exception as e:  # Pillow raises many kinds for corrupt input
        raise SampleDecompressionError(f"the image bytes are corrupt or truncated ({e})") from e
    return img


def check_not_empty(name: str, tensor) -> None:
    from deeplake.errors import EmptyTensorError

    if tensor._stored_len() == 0:
        raise EmptyTensorError(
            f"Tensor '{name}' is empty; the dataloader cannot be created. Populate it or pass `tensors` "
            f"without it."
        )


__all__ = ["TensorSource", "SampleError", "DECODE_METHODS", "check_not_empty"]
