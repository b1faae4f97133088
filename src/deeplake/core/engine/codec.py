"""Turning user samples into stored bytes and back, per kind of tensor.

A codec is chosen once per tensor from its meta: numeric arrays (raw or
sample-compressed), text, json, list/tag, polygons and link paths. Encoding
validates everything before the engine writes a byte, so a bad sample in an
``extend`` leaves the tensor untouched.
"""
from __future__ import annotations

from typing import Any, List, Optional, Sequence, Tuple

import numpy as np

from deeplake.errors import (
    DeepLakeError,
    SampleCompressionError,
    TensorDtypeMismatchError,
    TensorInvalidSampleShapeError,
    TensorUnsupportedSampleType,
)

TEXT_LIKE = ("text", "json", "list", "tag")


class EncodedBatch:
    """Bytes and shapes of a batch of samples, ready to be appended."""

    __slots__ = ("buffers", "shapes", "uniform", "count", "extra")

    def __init__(self, buffers=None, shapes=None, uniform=None, count=0):
        self.buffers: List[bytes] = buffers if buffers is not None else []
        self.shapes: List[tuple] = shapes if shapes is not None else []
        # (one contiguous buffer, per-sample nbytes, shared shape) for fixed-shape numeric batches
        self.uniform: Optional[Tuple[memoryview, int, tuple]] = uniform
        self.count = count
        self.extra: dict = {}

    def __len__(self):
        return self.count

    def shape_array(self, ndim: int) -> np.ndarray:
        if self.uniform is not None:
            return np.tile(np.asarray(self.uniform[2], dtype=np.int64), (self.count, 1)).reshape(self.count, ndim)
        return np.asarray(self.shapes, dtype=np.int64).reshape(self.count, ndim)


def _is_sample_object(x) -> bool:
    # deeplake.read(...) / linked samples: anything offering compressed bytes
    return hasattr(x, "compressed_bytes") and hasattr(x, "shape")


class OwnChunk(bytes):
    """Bytes of a sample that must sit alone in its chunk (a link_tiled path array)."""


def _is_partial_sample(x) -> bool:
    # deeplake.tiled(...): a shape to allocate as tiles, no data yet
    return hasattr(x, "sample_shape") and hasattr(x, "tile_shape") and not hasattr(x, "path_array")


class Codec:
    """Base codec: subclasses know one storage representation."""

    numeric = False

    def __init__(self, meta):
        self.meta = meta

    def encode(self, samples: Sequence[Any]) -> EncodedBatch:
        raise NotImplementedError

    def decode(self, buf, shape) -> Any:
        raise NotImplementedError

    def empty_shape(self) -> tuple:
        return (0,)


class TextLikeCodec(Codec):
    """text / json / list / tag samples (and link paths): serialised by htypes.text."""

    def __init__(self, meta, htype: str):
        super().__init__(meta)
        self.htype = htype

    def encode(self, samples):
        from deeplake.htypes import encode_text_batch

        schema = self.meta.dtype if self.htype == "json" and self.meta.dtype not in (None, "Any") else "Any"
        if isinstance(samples, np.ndarray) and samples.dtype.kind not in "US":
            samples = list(samples)
        try:
            coerced = encode_text_batch(self.htype, samples, schema)
        except (TypeError, ValueError) as e:
            if isinstance(e, DeepLakeError):
                raise
            raise TensorUnsupportedSampleType(
                f"{self.htype} tensor '{self.meta.get('name')}' cannot store this sample: {e}"
            ) from e
        return EncodedBatch([c.value for c in coerced], [tuple(c.shape) for c in coerced], count=len(coerced))

    def decode(self, buf, shape):
        from deeplake.htypes import decode_text_sample

        return decode_text_sample(self.htype, buf)

    def empty_shape(self):
        return (1,) if self.htype in ("text", "json") else (0,)


class PolygonCodec(Codec):
    def encode(self, samples):
        from deeplake.htypes import Polygons

        dtype = self.meta.dtype or "float32"
        bufs, shapes = [], []
        for s in samples:
            polys = Polygons(s, dtype)
            bufs.append(polys.tobytes())
            shapes.append(tuple(polys.shape))
        return EncodedBatch(bufs, shapes, count=len(bufs))

    def decode(self, buf, shape):
        from deeplake.htypes import decode_polygons

        ndim = shape[-1] if len(shape) == 3 and shape[-1] else (self.meta.max_shape or [0, 0, 2])[-1]
        return decode_polygons(bytes(buf), np.dtype(self.meta.dtype or "float32"), ndim)

    def empty_shape(self):
        return (0, 0, 0)


# htypes whose samples always have this many dimensions: an empty sample
# appended first takes it (the reference reads it back as zeros of that rank)
_NONE_NDIM = {
    "bbox": 2, "bbox.3d": 2, "point": 2, "keypoints_coco": 2, "intrinsics": 2, "point_cloud": 2,
    "binary_mask": 3, "instance_label": 3, "video": 4, "audio": 2, "class_label": 1, "embedding": 1,
}


def _np_dtype(meta) -> Optional[np.dtype]:
    dt = meta.dtype
    if dt in (None, "str", "Any", "List"):
        return None
    return np.dtype(dt)


class NumericCodec(Codec):
    """Numeric arrays: raw little-endian bytes, or one compressed blob per sample."""

    numeric = True

    def __init__(self, meta, coerce=None):
        super().__init__(meta)
        self.coerce = coerce  # htype hook: (sample) -> array-like, may raise
        from deeplake.compression import get_compression_type

        sc = meta.sample_compression or meta.chunk_compression
        self._pad_gray = meta.htype.startswith("image") or (
            sc is not None and get_compression_type(sc) == "image"
        )
        # image.rgb / image.gray convert every sample to 3 / 1 channels
        self._mode = {"image.rgb": "RGB", "image.gray": "L"}.get(meta.htype)
        # dimensionality of an empty (None) sample appended before any other
        self._none_ndim = 3 if self._pad_gray else _NONE_NDIM.get(meta.htype)

    def _target_dtype(self, arr: np.ndarray, from_numpy: bool) -> np.dtype:
        dtype = _np_dtype(self.meta)
        if dtype is None:
            if arr.dtype == object:
                raise TensorUnsupportedSampleType(
                    f"tensor '{self.meta.get('name')}' got a ragged or non-numeric sample"
                )
            if arr.dtype.kind in "US":
                raise TensorUnsupportedSampleType(
                    f"tensor '{self.meta.get('name')}' of htype '{self.meta.htype}' cannot store strings"
                )
            return arr.dtype.newbyteorder("=") if arr.dtype.byteorder == ">" else arr.dtype
        if arr.dtype != dtype and from_numpy and arr.size:
            if dtype.kind in "iu" and arr.dtype.kind in "iu" and not np.can_cast(arr.dtype, dtype):
                info = np.iinfo(dtype)
                if arr.min() < info.min or arr.max() > info.max:
                    raise TensorDtypeMismatchError(
                        f"Tensor '{self.meta.get('name')}' has dtype {dtype.name}; the sample holds values "
                        f"outside [{info.min}, {info.max}]."
                    )
            elif not np.can_cast(arr.dtype, dtype, casting="same_kind") and not (
                arr.dtype.kind in "biu" and dtype.kind in "f"
            ):
                raise TensorDtypeMismatchError(
                    f"Tensor '{self.meta.get('name')}' has dtype {dtype.name} but the sample's dtype is "
                    f"{arr.dtype.name} (htype '{self.meta.htype}'); cast it first with "
                    f"sample.astype('{dtype.name}')."
                )
        return dtype

    def _as_array(self, s) -> Tuple[np.ndarray, bool]:
        if self.coerce is not None:
            s = self.coerce(s)
        if isinstance(s, np.ndarray):
            return s, True
        if isinstance(s, np.generic):
            return np.asarray(s), True
        dtype = _np_dtype(self.meta)
        if isinstance(s, (list, tuple)) and dtype is not None:
            try:
                return np.asarray(s, dtype=dtype), False
            except (ValueError, TypeError) as e:
                raise TensorUnsupportedSampleType(
                    f"tensor '{self.meta.get('name')}' cannot store {s!r}: {e}"
                ) from e
        try:
            arr = np.asarray(s)
        except ValueError as e:
            raise TensorUnsupportedSampleType(
                f"tensor '{self.meta.get('name')}' got a ragged sample: {e}"
            ) from e
        if dtype is not None and arr.dtype != dtype and arr.dtype.kind in "biuf" and arr.size:
            # python scalars/lists take the tensor's dtype when every value survives the cast
            with np.errstate(all="ignore"):
                cast = arr.astype(dtype)
            if dtype.kind in "biu" and not np.array_equal(cast, arr):
                raise TensorDtypeMismatchError(
                    f"Tensor '{self.meta.get('name')}' has dtype {dtype.name}; {s!r} does not fit in it."
                )
            return cast, False
        return arr, False

    def _check_ndim(self, shape: tuple, ndim: Optional[int]) -> None:
        if ndim is not None and len(shape) != ndim:
            raise TensorInvalidSampleShapeError(
                f"Sample shape {shape} has {len(shape)} dimensions but tensor "
                f"'{self.meta.get('name')}' holds {ndim}-dimensional samples."
            )

    def tensor_ndim(self) -> Optional[int]:
        """Rank every sample must have; None while it is open (nothing stored, or
        only empty samples, whose rank follows the first real one)."""
        ms = self.meta.max_shape
        if not ms or (not any(ms) and self._none_ndim is None and not self.meta.is_sequence):
            return None
        return len(ms)

    def encode(self, samples) -> EncodedBatch:
        sc = self.meta.sample_compression
        ndim = self.tensor_ndim()
        if isinstance(samples, np.ndarray) and samples.dtype != object and self.coerce is None and not self._mode:
            return self._encode_ndarray(samples, ndim)
        if sc is not None and self.coerce is None and isinstance(samples, list):
            batch = self._encode_files(samples, sc, ndim)
            if batch is not None:
                return batch
        bufs, shapes = [], []
        dtype_seen = None
        for s in samples:
            if s is None:
                if ndim is None and dtype_seen is None and not shapes:
                    nd = self._none_ndim
                else:
                    nd = ndim if ndim is not None else len(shapes[0]) if shapes else None
                shape = (0,) * (nd if nd is not None else 1)
                bufs.append(b"")
                shapes.append(shape)
                continue
            if _is_partial_sample(s):
                dtype_seen = self._partial_dtype(s, dtype_seen)
                self._check_ndim(s.sample_shape, ndim)
                bufs.append(s)  # the engine allocates its tiles
                shapes.append(s.sample_shape)
                continue
            if _is_sample_object(s):
                b, shape = self._encode_sample_object(s)
                if dtype_seen is None:
                    dtype_seen = _np_dtype(self.meta) or np.dtype(s.dtype)
                self._check_ndim(shape, ndim)
                bufs.append(b)
                shapes.append(shape)
                continue
            arr, from_numpy = self._as_array(s)
            if self._mode:
                from deeplake.htypes.image import convert_image_array

                arr = convert_image_array(arr, self._mode)
            if self._pad_gray and arr.ndim == 2:
                arr = arr[..., None]  # image tensors store gray as (H, W, 1)
            dtype = self._target_dtype(arr, from_numpy)
            if dtype_seen is None:
                dtype_seen = dtype
            if arr.ndim == 0:
                arr = arr.reshape(1)
            arr = np.ascontiguousarray(arr, dtype=dtype_seen)
            self._check_ndim(arr.shape, ndim)
            if ndim is None:
                ndim = arr.ndim
            shape = arr.shape
            if arr.size == 0:
                bufs.append(b"")
            elif sc is not None:
                bufs.append(self._compress(arr, sc))
            else:
                bufs.append(arr.data.cast("B") if arr.flags.c_contiguous else arr.tobytes())
            shapes.append(shape)
        # shapes of leading None samples take the dimensionality found later
        if ndim is not None:
            shapes = [s if len(s) == ndim or any(s) else (0,) * ndim for s in shapes]
        batch = EncodedBatch(bufs, shapes, count=len(bufs))
        batch.extra["dtype"] = dtype_seen
        return batch

    def _encode_files(self, samples: list, sc: str, ndim: Optional[int]) -> Optional[EncodedBatch]:
        """Local files stored as they are, read in one go (see engine.file_batch)."""
        from deeplake.core.engine.file_batch import read_file_batch

        fb = read_file_batch(samples, sc)
        if fb is None:
            return None
        if self._mode:
            channels = 3 if self._mode == "RGB" else 1
            if any(len(s) != 3 or s[-1] != channels for s in fb.shapes):
                return None  # needs conversion: the general path re-encodes
        for shape in fb.shapes:
            self._check_ndim(shape, ndim)
        batch = EncodedBatch(fb.views(), fb.shapes, count=len(fb))
        batch.extra["dtype"] = _np_dtype(self.meta) or fb.dtype
        batch.extra["file_batch"] = fb
        return batch

    def _encode_ndarray(self, arr: np.ndarray, ndim: Optional[int]) -> EncodedBatch:
        if arr.ndim == 0:
            raise TensorInvalidSampleShapeError("extend expects a sequence of samples, got a 0-d array")
        if arr.ndim == 1:
            arr = arr.reshape(-1, 1)
        if self._pad_gray and arr.ndim == 3:
            arr = arr[..., None]
        dtype = self._target_dtype(arr, True)
        arr = np.ascontiguousarray(arr, dtype=dtype)
        shape = tuple(arr.shape[1:])
        self._check_ndim(shape, ndim)
        n = arr.shape[0]
        sc = self.meta.sample_compression
        if sc is not None:
            bufs = [self._compress(a, sc) if a.size else b"" for a in arr]
            batch = EncodedBatch(bufs, [shape] * n, count=n)
        else:
            per = arr.itemsize * int(np.prod(shape, dtype=np.int64))
            batch = EncodedBatch(uniform=(memoryview(arr.reshape(-1)).cast("B") if arr.size else memoryview(b""), per, shape), count=n)
        batch.extra["dtype"] = dtype
        return batch

    def _compress(self, arr: np.ndarray, compression: str) -> bytes:
        from deeplake import compression as codecs

        try:
            return codecs.compress_array(arr, compression)
        except SampleCompressionError:
            raise
        except Exception as e:  # codec libraries raise assorted errors
            raise SampleCompressionError(
                f"Could not compress a sample of shape {arr.shape} and dtype {arr.dtype} as {compression}: {e}"
            ) from e

    def _partial_dtype(self, s, dtype_seen):
        dtype = _np_dtype(self.meta)
        if dtype is not None and s.dtype != dtype:
            raise TensorDtypeMismatchError(
                f"Tensor '{self.meta.get('name')}' has dtype {dtype.name} but deeplake.tiled(...) "
                f"was given dtype {s.dtype.name}."
            )
        return dtype_seen or s.dtype

    def _encode_sample_object(self, s) -> Tuple[bytes, tuple]:
        sc = self.meta.sample_compression
        shape = tuple(int(x) for x in s.shape)
        if self._mode and len(shape) == 3 and shape[-1] != (3 if self._mode == "RGB" else 1):
            from deeplake.htypes.image import convert_image_array

            arr = convert_image_array(s.array, self._mode)
            arr = arr[..., None] if arr.ndim == 2 else arr
            return (self._compress(arr, sc) if sc else arr.tobytes()), tuple(arr.shape)
        if sc is not None:
            return bytes(s.compressed_bytes(sc)), shape
        arr = np.asarray(s.array)
        dtype = _np_dtype(self.meta) or arr.dtype
        arr = np.ascontiguousarray(arr, dtype=dtype)
        if arr.ndim == 0:
            arr = arr.reshape(1)
        return arr.tobytes(), tuple(arr.shape)

    def decode(self, buf, shape):
        dtype = _np_dtype(self.meta)
        sc = self.meta.sample_compression
        if len(buf) == 0:
            return np.zeros(shape, dtype=dtype)
        if sc is None:
            return np.frombuffer(buf, dtype=dtype).reshape(shape)
        from deeplake import compression as codecs

        return codecs.decompress_array(bytes(buf), sc, shape, dtype)

    def empty_shape(self):
        ndim = self.tensor_ndim()
        return (0,) * (ndim or 1)


def make_codec(meta, coerce=None) -> Codec:
    htype = meta.htype
    if meta.is_link:
        return TextLikeCodec(meta, "text")
    if htype in TEXT_LIKE:
        return TextLikeCodec(meta, htype)
    if htype == "polygon":
        return PolygonCodec(meta)
    return NumericCodec(meta, coerce)
