"""Compression codecs and the registry of documented compression names.

Two codec families, typed by what goes in and out:

* byte codecs, bytes -> bytes: ``lz4`` (:mod:`.lz4`);
* media codecs, array <-> file bytes: Pillow images (:mod:`.image`), and the
  decode-only families dispatched by :mod:`.media`: video and audio over PyAV
  (:mod:`.video`, :mod:`.audio`), DICOM and NIfTI (:mod:`.medical`), LAS
  point clouds (:mod:`.pointcloud`) and PLY meshes (:mod:`.mesh`).

This module dispatches on the compression name. Pillow, PyAV, pydicom,
nibabel and laspy are imported on first use, not when this package is
imported; a missing one raises ModuleNotInstalledException naming the extra.

The API the engine and the Sample objects use:

* :func:`compress_array` / :func:`decompress_array` (video frame ranges via
  ``start``, ``stop``, ``step``);
* :func:`read_header_from_bytes` (shape and dtype) and
  :func:`read_shape_from_bytes`, both header-only;
* :func:`read_sample_info` (what ``tensor.sample_info`` holds for a file);
* :func:`video_timestamps`; :func:`verify_compressed` (full decode check).
"""

from __future__ import annotations

from typing import List, NamedTuple, Optional, Sequence, Tuple, Union

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
    "read_header_from_bytes",
    "SampleHeader",
    "read_sample_info",
    "video_timestamps",
    "verify_compressed",
    "compress",
    "decompress",
    "read_shape",
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
    *,
    start: Optional[int] = None,
    stop: Optional[int] = None,
    step: Optional[int] = None,
) -> np.ndarray:
    """Decode one sample into an array of ``shape`` and ``dtype``.

    ``shape`` and ``dtype`` are required for raw and byte codecs. For image
    codecs the decoded image is converted to the channel count ``shape``
    implies and reshaped to it (``(H, W)`` gray becomes ``(H, W, 1)``), and
    cast to ``dtype`` when given. Raw and lz4 results are read-only views.

    Media files decode as :mod:`.media` describes (video ``(frames, H, W,
    3)`` uint8, audio ``(samples, channels)`` float32, dcm, nifti float64,
    las ``(points, fields)`` float32, ply vertices ``(points, 3)``), then are
    cast to ``dtype`` and checked against ``shape`` when given. For video,
    ``start:stop:step`` (slice rules over the header's frame count) selects
    frames and only those are decoded; ``shape`` is then the selection's.

    Raises:
        SampleDecompressionError: corrupted bytes (the message names the
            format), or a shape that does not match what was decoded.
        ModuleNotInstalledException: the format's optional library is missing.
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
    from deeplake.compression import media

    if media.is_media_compression(name):
        array = media.decode_media(buf, name, start, stop, step)
        if dtype is not None and array.dtype != np.dtype(dtype):
            array = array.astype(dtype)
        return _reshape(array, shape)
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


class SampleHeader(NamedTuple):
    """What a file's header says: decoded shape, numpy type string, format."""

    shape: Tuple[int, ...]
    typestr: str
    compression: str


def read_header_from_bytes(buf: Buffer, compression: Optional[str] = None) -> SampleHeader:
    """Shape, dtype and format of a file from its header, without decoding.

    ``compression=None`` detects the format from the magic bytes. Shapes are
    those :func:`decompress_array` returns without a ``shape`` (natural
    ``(H, W)`` for single-band images). ``typestr`` is what the reference's
    ``Sample.dtype`` reports: for nifti the on-disk voxel type, although
    decoding gives float64.

    Raises:
        CorruptedSampleError: the header cannot be read (names the format).
        UnsupportedCompressionError: raw/byte codecs carry no header, or the
            format cannot be detected.
    """
    name = _media_name(buf, compression)
    from deeplake.compression import media

    if media.is_media_compression(name):
        shape, typestr = media.read_media_header(buf, name)
        return SampleHeader(tuple(shape), typestr, name)
    from deeplake.compression import image

    info = image.read_image_info(buf, name)
    return SampleHeader(info.shape, info.typestr, name)


def _media_name(buf: Buffer, compression: Optional[str]) -> str:
    from deeplake.errors import UnsupportedCompressionError

    name = normalize_compression(compression) if compression else compression_from_bytes(buf)
    if name is None or get_compression_type(name) == BYTE_COMPRESSION:
        raise UnsupportedCompressionError(
            f"Cannot read a file header for compression {compression!r}: "
            "the format is unknown or carries no header."
        )
    return name


def read_shape_from_bytes(buf: Buffer, compression: Optional[str]) -> Optional[Tuple[int, ...]]:
    """Decoded shape from a file's header without decoding, or None if unknown.

    Image codecs report the natural shape (``(H, W)`` for single-band
    images); raw and byte codecs carry no shape and return None.

    Raises:
        CorruptedSampleError: the header cannot be read.
    """
    kind = get_compression_type(compression)
    if kind is None or kind == BYTE_COMPRESSION:
        return None
    return read_header_from_bytes(buf, compression).shape


def read_sample_info(
    buf: Buffer, compression: Optional[str] = None, filename: Optional[str] = None
) -> dict:
    """The ``sample_info`` dict of a file, as the reference records it.

    Format fields first: images ``exif``; video ``duration``, ``fps``,
    ``timebase``; audio ``duration``, ``time_base``, ``sample_rate``,
    ``frame_size``, ``nchannels``, ``sample_format``; dcm one entry per
    element keyword; nifti the header fields plus ``affine`` and ``zooms``
    (numpy values, as nibabel gives them); las ``dimension_names``,
    ``las_header``, ``vlrs``, ``dimensions_names_to_dtype``; ply the header
    keys plus ``faces``. Then ``shape`` (tuple), ``format`` (canonical name)
    and, when given, ``filename``. The tensor adds ``modified`` itself.

    Raises:
        CorruptedSampleError: the header cannot be read.
    """
    name = _media_name(buf, compression)
    from deeplake.compression import media

    if media.is_media_compression(name):
        info = media.read_media_sample_info(buf, name)
    else:
        from deeplake.compression import image

        info = image.read_image_sample_info(buf)
    info["shape"] = read_header_from_bytes(buf, name).shape
    info["format"] = name
    if filename is not None:
        info["filename"] = str(filename)
    return info


def video_timestamps(
    buf: Buffer,
    compression: str,
    start: Optional[int] = None,
    stop: Optional[int] = None,
    step: Optional[int] = None,
) -> np.ndarray:
    """Presentation time in seconds (float32) of frames ``[start:stop:step]``.

    Read from packet timestamps without decoding any frame.

    Raises:
        SampleDecompressionError: not a readable video.
    """
    name = normalize_compression(compression)
    if get_compression_type(name) != VIDEO_COMPRESSION:
        raise ValueError(f"Timestamps exist for video samples only, not '{name}'.")
    from deeplake.compression import video

    return video.timestamps(buf, name, start, stop, step)


def verify_compressed(buf: Buffer, compression: Optional[str] = None) -> SampleHeader:
    """Decode the whole file to prove it is intact (``deeplake.read(verify=True)``).

    Raises:
        CorruptedSampleError: the file is truncated or corrupted.
    """
    from deeplake.errors import CorruptedSampleError

    header = read_header_from_bytes(buf, compression)
    if header.compression in ("apng",):
        try:
            decompress_array(buf, "apng")
        except SampleDecompressionError as e:
            raise CorruptedSampleError(str(e)) from e
        return header
    from deeplake.compression import media

    if not media.is_media_compression(header.compression):
        from deeplake.compression import image

        image.verify_image(buf, header.compression)
        return header
    try:
        media.decode_media(buf, header.compression)
    except SampleDecompressionError as e:
        raise CorruptedSampleError(str(e)) from e
    return header


# Short names for the same functions.
compress = compress_array
decompress = decompress_array
read_shape = read_shape_from_bytes


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
