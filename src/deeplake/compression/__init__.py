"""Compression codecs and the registry of documented compression names.

Two codec families, typed by what goes in and out:

* byte codecs, bytes -> bytes: ``lz4`` (:mod:`.lz4`);
* media codecs, array <-> file bytes: Pillow images (:mod:`.image`), and the
  placeholders for video/audio/medical/3-D formats (:mod:`.media`).

This module dispatches on the compression name. Pillow is imported on first
use of an image codec, not when this package is imported.
"""

from __future__ import annotations

from typing import List, Optional, Sequence, Tuple, Union

import numpy as np

from deeplake.compression import lz4
from deeplake.compression.registry import (
    AUDIO_COMPRESSION,
    AUDIO_COMPRESSIONS,
    BYTE_COMPRESSION,
    BYTE_COMPRESSIONS,
    COMPRESSION_ALIASES,
    COMPRESSION_TYPES,
    IMAGE_COMPRESSION,
    IMAGE_COMPRESSIONS,
    MESH_COMPRESSION,
    MESH_COMPRESSIONS,
    NIFTI_COMPRESSION,
    NIFTI_COMPRESSIONS,
    POINT_CLOUD_COMPRESSION,
    POINT_CLOUD_COMPRESSIONS,
    READONLY_COMPRESSIONS,
    SUPPORTED_COMPRESSIONS,
    VIDEO_COMPRESSION,
    VIDEO_COMPRESSIONS,
    compression_from_bytes,
    compression_from_path,
    get_compression_type,
    is_byte_compression,
    is_image_compression,
    is_readonly_compression,
    is_supported_compression,
    normalize_compression,
)
from deeplake.errors import SampleCompressionError, SampleDecompressionError

Buffer = Union[bytes, bytearray, memoryview]

__all__ = [
    "compress_bytes",
    "decompress_bytes",
    "compress_array",
    "decompress_array",
    "read_shape_from_bytes",
    "encode_canvas",
    "decode_canvas",
    "normalize_compression",
    "get_compression_type",
    "is_readonly_compression",
    "is_supported_compression",
    "is_byte_compression",
    "is_image_compression",
    "compression_from_bytes",
    "compression_from_path",
    "SUPPORTED_COMPRESSIONS",
    "COMPRESSION_ALIASES",
    "COMPRESSION_TYPES",
    "READONLY_COMPRESSIONS",
    "BYTE_COMPRESSION",
    "IMAGE_COMPRESSION",
    "VIDEO_COMPRESSION",
    "AUDIO_COMPRESSION",
    "NIFTI_COMPRESSION",
    "POINT_CLOUD_COMPRESSION",
    "MESH_COMPRESSION",
    "BYTE_COMPRESSIONS",
    "IMAGE_COMPRESSIONS",
    "VIDEO_COMPRESSIONS",
    "AUDIO_COMPRESSIONS",
    "NIFTI_COMPRESSIONS",
    "POINT_CLOUD_COMPRESSIONS",
    "MESH_COMPRESSIONS",
]


def compress_bytes(data: Buffer, compression: Optional[str]) -> bytes:
    """Compress raw bytes with a byte codec; ``None`` returns them unchanged."""
    if compression is None:
        return bytes(data)
    if not is_byte_compression(compression):
        raise SampleCompressionError(
            f"'{compression}' is not a byte compression; only {list(BYTE_COMPRESSIONS)} "
            "compress raw bytes."
        )
    return lz4.compress(data)


def decompress_bytes(data: Buffer, compression: Optional[str]) -> bytes:
    """Inverse of :func:`compress_bytes`."""
    if compression is None:
        return bytes(data)
    if not is_byte_compression(compression):
        raise SampleDecompressionError(
            f"'{compression}' is not a byte compression; only {list(BYTE_COMPRESSIONS)} "
            "decompress to raw bytes."
        )
    return lz4.decompress(data)


def _little_endian(array: np.ndarray) -> np.ndarray:
    if array.dtype.byteorder == ">":
        return array.astype(array.dtype.newbyteorder("<"))
    return array


def compress_array(array: np.ndarray, compression: Optional[str], quality: Optional[int] = None) -> bytes:
    """Serialize one sample: raw C-order bytes, lz4 of them, or an encoded file.

    Empty samples (``0`` in the shape) are always b''.

    Raises:
        UnsupportedCompressionError: unknown compression name.
        SampleCompressionError: the codec cannot hold this array (including
            any raw array for video/audio/medical/3-D formats).
    """
    array = np.asarray(array)
    kind = get_compression_type(compression)
    if array.size == 0:
        return b""
    if kind is None:
        return _little_endian(array).tobytes()
    if kind == BYTE_COMPRESSION:
        return lz4.compress(_little_endian(array).tobytes())
    name = normalize_compression(compression)
    if kind == IMAGE_COMPRESSION and name != "dcm":
        from deeplake.compression import image

        return image.encode_image(array, name, quality=quality)
    from deeplake.compression import media

    raise media.media_encode_error(array.shape, name)


def decompress_array(
    buf: Buffer,
    compression: Optional[str],
    shape: Optional[Sequence[int]] = None,
    dtype=None,
) -> np.ndarray:
    """Decode one sample into an array of ``shape`` and ``dtype``.

    ``shape`` and ``dtype`` are required for raw and byte codecs. For image
    codecs the decoded image is converted to the channel count ``shape``
    implies and reshaped to it (``(H, W)`` gray becomes ``(H, W, 1)``), and
    cast to ``dtype`` when given. Raw and lz4 results are read-only views.

    Raises:
        SampleDecompressionError: corrupted bytes, or a shape that does not
            match what was decoded.
    """
    kind = get_compression_type(compression)
    if shape is not None:
        shape = tuple(int(d) for d in shape)
        if 0 in shape:
            return np.zeros(shape, dtype=dtype or np.uint8)
    if kind is None or kind == BYTE_COMPRESSION:
        if shape is None or dtype is None:
            raise ValueError("shape and dtype are required to decode raw or lz4 samples.")
        raw = lz4.decompress(buf) if kind == BYTE_COMPRESSION else buf
        return _frombuffer(raw, shape, dtype)
    name = normalize_compression(compression)
    if kind == IMAGE_COMPRESSION and name != "dcm":
        from deeplake.compression import image

        if name == "apng":
            array = image.decode_apng(buf)
            if dtype is not None:
                array = array.astype(dtype, copy=False)
        else:
            channels = None
            if shape is not None:
                channels = shape[2] if len(shape) == 3 else 1
            array = image.decode_image(buf, dtype=dtype, channels=channels)
        return _reshape(array, shape)
    from deeplake.compression import media

    return _reshape(media.decode_media(buf, name), shape)


def _frombuffer(raw: Buffer, shape: Tuple[int, ...], dtype) -> np.ndarray:
    dtype = np.dtype(dtype)
    expected = int(np.prod(shape)) * dtype.itemsize
    if len(raw) != expected:
        raise SampleDecompressionError(
            f"Sample has {len(raw)} bytes but shape {shape} of {dtype} needs {expected}."
        )
    return np.frombuffer(raw, dtype=dtype.newbyteorder("<")).reshape(shape)


def _reshape(array: np.ndarray, shape: Optional[Tuple[int, ...]]) -> np.ndarray:
    if shape is None or array.shape == shape:
        return array
    if array.size != int(np.prod(shape)):
        raise SampleDecompressionError(
            f"Sample decoded to shape {array.shape}, which does not fit the recorded "
            f"shape {shape}."
        )
    return array.reshape(shape)


def read_shape_from_bytes(buf: Buffer, compression: Optional[str]) -> Optional[Tuple[int, ...]]:
    """Decoded shape from a file's header without decoding, or None if unknown.

    Image codecs report the natural shape (``(H, W)`` for single-band
    images); raw and byte codecs carry no shape and return None.

    Raises:
        CorruptedSampleError: the header of an image cannot be read.
    """
    kind = get_compression_type(compression)
    if kind is None or kind == BYTE_COMPRESSION:
        return None
    name = normalize_compression(compression)
    if kind == IMAGE_COMPRESSION and name != "dcm":
        from deeplake.compression import image

        return image.read_image_shape(buf, name)
    from deeplake.compression import media

    return media.read_media_shape(buf, name)


def encode_canvas(arrays: Sequence[np.ndarray], compression: str) -> bytes:
    """Encode a chunk's samples as one image canvas (FORMAT.md §3.4.3)."""
    from deeplake.compression import canvas

    return canvas.encode_canvas(arrays, compression)


def decode_canvas(
    buf: Buffer, compression: str, shapes: Sequence[Tuple[int, ...]], dtype=None
) -> List[np.ndarray]:
    """Crop a chunk's image canvas back into samples of ``shapes``."""
    from deeplake.compression import canvas

    return canvas.decode_canvas(buf, compression, shapes, dtype=dtype)
