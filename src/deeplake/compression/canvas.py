"""Image chunk compression: all samples of a chunk share one encoded image.

Layout (FORMAT.md §3.4.3): samples are pasted left to right, top aligned,
into a zero canvas of height ``max(H)`` and width ``sum(W)``; the canvas is
encoded once. Sample *i* is the crop of rows ``[0, H_i)`` and columns
``[sum(W_0..W_{i-1}), + W_i)``. Every sample advances the column offset by its
width, so empty samples (``0`` in the shape) occupy ``W_i`` zero columns when
``W_i > 0`` and nothing otherwise.
"""

from __future__ import annotations

from typing import List, Optional, Sequence, Tuple

import numpy as np

from deeplake.compression import image as _image
from deeplake.compression.registry import (
    IMAGE_COMPRESSION,
    get_compression_type,
    normalize_compression,
)
from deeplake.errors import SampleCompressionError, SampleDecompressionError


def _check_image_codec(compression: str, error_class) -> str:
    name = normalize_compression(compression)
    if get_compression_type(name) != IMAGE_COMPRESSION or name in ("apng", "dcm"):
        raise error_class(
            f"'{name}' cannot compress a chunk canvas; use lz4 or a Pillow image format."
        )
    return name


def canvas_shape(shapes: Sequence[Tuple[int, ...]]) -> Tuple[int, ...]:
    """Shape of the canvas holding samples of ``shapes`` side by side."""
    if not shapes:
        return (0, 0)
    trailing: Optional[Tuple[int, ...]] = None
    for shape in shapes:
        if 0 not in shape:
            if trailing is None:
                trailing = tuple(shape[2:])
            elif tuple(shape[2:]) != trailing:
                raise SampleCompressionError(
                    "All samples of an image-compressed chunk need the same number "
                    f"of channels; got shapes {list(map(tuple, shapes))}."
                )
    if trailing is None:
        trailing = tuple(shapes[0][2:])
    height = max((shape[0] for shape in shapes if len(shape) >= 1), default=0)
    width = sum(shape[1] for shape in shapes if len(shape) >= 2)
    return (height, width) + trailing


def encode_canvas(arrays: Sequence[np.ndarray], compression: str) -> bytes:
    """Encode the samples of one chunk as a single image (b'' if all are empty)."""
    name = _check_image_codec(compression, SampleCompressionError)
    arrays = [np.asarray(a) for a in arrays]
    filled = [a for a in arrays if a.size]
    if not filled:
        return b""
    dtype = filled[0].dtype
    if any(a.dtype != dtype for a in filled):
        raise SampleCompressionError(
            "All samples of an image-compressed chunk need the same dtype; got "
            f"{sorted({str(a.dtype) for a in filled})}."
        )
    if any(a.ndim not in (2, 3) for a in filled):
        raise SampleCompressionError(
            f"Image chunk compression needs 2-D or 3-D samples; got shapes "
            f"{[a.shape for a in filled]}."
        )
    canvas = np.zeros(canvas_shape([a.shape for a in arrays]), dtype=dtype)
    x = 0
    for a in arrays:
        if a.size:
            canvas[: a.shape[0], x : x + a.shape[1]] = a
        if a.ndim >= 2:
            x += a.shape[1]
    return _image.encode_image(canvas, name)


def decode_canvas(
    buf, compression: str, shapes: Sequence[Tuple[int, ...]], dtype=None
) -> List[np.ndarray]:
    """Split a chunk's canvas back into samples of ``shapes``.

    Empty samples come back as zero-filled arrays of their shape (of ``dtype``,
    else the canvas dtype, else uint8). The crops are views of one canvas.
    """
    _check_image_codec(compression, SampleDecompressionError)
    shapes = [tuple(int(d) for d in shape) for shape in shapes]
    if len(buf) == 0 or not any(0 not in shape for shape in shapes):
        return [np.zeros(shape, dtype=dtype or np.uint8) for shape in shapes]
    full = canvas_shape(shapes)
    channels = full[2] if len(full) == 3 else 1
    canvas = _image.decode_image(buf, dtype=dtype, channels=channels)
    if canvas.size != int(np.prod(full)):
        raise SampleDecompressionError(
            f"Chunk canvas decoded to shape {canvas.shape}, expected {full}."
        )
    canvas = canvas.reshape(full)
    out = []
    x = 0
    for shape in shapes:
        if 0 in shape:
            out.append(np.zeros(shape, dtype=canvas.dtype))
        else:
            out.append(canvas[: shape[0], x : x + shape[1]].reshape(shape))
        x += shape[1] if len(shape) >= 2 else 0
    return out
