"""image, image.rgb and image.gray htypes.

Sample dims (H, W, C) or (H, W). image.rgb / image.gray convert raw arrays
to 3 / 1 channels before storing (compressed Samples are converted by the
engine with the image codec).
"""

from __future__ import annotations

import numpy as np

from deeplake.errors import InvalidImageDimensions
from deeplake.htypes._compressions import IMAGE_HTYPE_COMPRESSIONS
from deeplake.htypes.base import (
    COMPRESSION_SAMPLE_OR_CHUNK_REQUIRED,
    HtypeSpec,
    info_meta_defaults,
)
from deeplake.htypes.generic import coerce_numeric

# ITU-R 601 luma weights, as the reference converts RGB to gray.
_LUMA = np.array([299 / 1000, 587 / 1000, 114 / 1000])


def to_grayscale(arr: np.ndarray) -> np.ndarray:
    """(H, W, 3|4) -> (H, W) uint8; each weighted channel truncated, then summed."""
    weighted = (arr[..., :3] * _LUMA).astype(np.uint8)
    return weighted.sum(axis=-1, dtype=np.uint8)


def convert_image_array(arr, mode: str) -> np.ndarray:
    """Convert a raw image array to mode "L" (gray, 2-D) or "RGB" (3 channels)."""
    arr = np.asarray(arr)
    if arr.ndim == 2:
        return arr if mode == "L" else np.repeat(arr[:, :, np.newaxis], 3, axis=2)
    if arr.ndim == 3:
        channels = arr.shape[-1]
        if channels == 1:
            return arr[:, :, 0] if mode == "L" else np.repeat(arr, 3, axis=2)
        if channels in (3, 4):
            return to_grayscale(arr) if mode == "L" else arr[:, :, :3]
    raise InvalidImageDimensions(
        f"Invalid image of shape {arr.shape}: expected (H, W), (H, W, 1), (H, W, 3) or (H, W, 4)."
    )


def _coerce_image(spec, meta, info, samples):
    return coerce_numeric(spec, meta, info, samples)


def _mode_coercer(mode: str):
    def coerce(spec, meta, info, samples):
        return coerce_numeric(
            spec, meta, info, samples, prepare=lambda s: convert_image_array(s, mode)
        )

    return coerce


IMAGE = HtypeSpec(
    name="image",
    default_dtype=None,
    coerce=_coerce_image,
    meta_defaults=info_meta_defaults(intrinsics=None),
    info_keys=("intrinsics",),
    allowed_user_keys=frozenset({"intrinsics"}),
    compression_rule=COMPRESSION_SAMPLE_OR_CHUNK_REQUIRED,
    allowed_compressions=IMAGE_HTYPE_COMPRESSIONS,
    has_sample_info=True,
    supports_downsampling=True,
)

IMAGE_RGB = HtypeSpec(
    name="image.rgb",
    default_dtype="uint8",
    coerce=_mode_coercer("RGB"),
    compression_rule=COMPRESSION_SAMPLE_OR_CHUNK_REQUIRED,
    allowed_compressions=IMAGE_HTYPE_COMPRESSIONS,
    supports_downsampling=True,
)

IMAGE_GRAY = HtypeSpec(
    name="image.gray",
    default_dtype="uint8",
    coerce=_mode_coercer("L"),
    compression_rule=COMPRESSION_SAMPLE_OR_CHUNK_REQUIRED,
    allowed_compressions=IMAGE_HTYPE_COMPRESSIONS,
    supports_downsampling=True,
)

SPECS = (IMAGE, IMAGE_RGB, IMAGE_GRAY)
