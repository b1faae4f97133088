"""Dispatch for the decode-only media codecs (everything Pillow does not read).

Families and their modules (each imports its optional library on first use
and names the deeplake extra when it is missing):

=============  ===============  ==========================  ============
compressions   module           decoded array               library
=============  ===============  ==========================  ============
mp4 mkv avi    :mod:`.video`    (frames, H, W, 3) uint8     av
mp3 flac wav   :mod:`.audio`    (samples, channels) float32 av
dcm            :mod:`.medical`  (rows, cols, channels)      pydicom
nii nii.gz     :mod:`.medical`  volume, float64             nibabel
las            :mod:`.pointcloud` (points, fields) float32  laspy
ply            :mod:`.mesh`     (vertices, 3)               none
=============  ===============  ==========================  ============

Raw arrays are never encoded into these formats: samples come from files.
"""

from __future__ import annotations

from typing import NamedTuple, Optional, Tuple

import numpy as np

from deeplake.compression.registry import (
    AUDIO_COMPRESSION,
    MESH_COMPRESSION,
    NIFTI_COMPRESSION,
    POINT_CLOUD_COMPRESSION,
    VIDEO_COMPRESSION,
    get_compression_type,
    normalize_compression,
)
from deeplake.errors import SampleCompressionError


class MediaHeader(NamedTuple):
    """What a file header says without decoding the data."""

    shape: Tuple[int, ...]
    typestr: str  # numpy type string, as the reference's Sample.dtype reports


def media_encode_error(shape, compression: str) -> SampleCompressionError:
    name = normalize_compression(compression)
    kind = get_compression_type(name)
    what = "dicom" if name == "dcm" else kind.replace("_", " ")
    return SampleCompressionError(
        f"Could not compress a sample with shape {tuple(shape)} into '{name}': "
        f"raw arrays cannot be compressed into {what} formats. Append the file "
        f"with deeplake.read(path), or create the tensor with "
        f"sample_compression=None."
    )


def is_media_compression(compression: Optional[str]) -> bool:
    """True for compressions decoded here rather than by Pillow or lz4."""
    if compression is None:
        return False
    name = normalize_compression(compression)
    return name == "dcm" or get_compression_type(name) in (
        VIDEO_COMPRESSION,
        AUDIO_COMPRESSION,
        NIFTI_COMPRESSION,
        POINT_CLOUD_COMPRESSION,
        MESH_COMPRESSION,
    )


def decode_media(buf, compression: str, start=None, stop=None, step=None) -> np.ndarray:
    """Decode a media file; ``start/stop/step`` select video frames only.

    Raises:
        SampleDecompressionError: corrupt bytes (the message names the format).
        ModuleNotInstalledException: the family's library is missing.
        ValueError: a frame range was given for a non-video format.
    """
    name = normalize_compression(compression)
    kind = get_compression_type(name)
    if kind == VIDEO_COMPRESSION:
        from deeplake.compression import video

        return video.decompress(buf, name, start, stop, step)
    if (start, stop, step) != (None, None, None):
        raise ValueError(f"Frame ranges apply to video only, not to '{name}' samples.")
    if kind == AUDIO_COMPRESSION:
        from deeplake.compression import audio

        return audio.decompress(buf, name)
    if name == "dcm":
        from deeplake.compression import medical

        return medical.decompress_dicom(buf)
    if kind == NIFTI_COMPRESSION:
        from deeplake.compression import medical

        return medical.decompress_nifti(buf, name)
    if kind == POINT_CLOUD_COMPRESSION:
        from deeplake.compression import pointcloud

        return pointcloud.decompress(buf)
    if kind == MESH_COMPRESSION:
        from deeplake.compression import mesh

        return mesh.decompress(buf)
    raise ValueError(f"'{name}' is not a media compression.")


def read_media_header(buf, compression: str) -> MediaHeader:
    """Shape and dtype from the header only.

    Raises:
        CorruptedSampleError: the header cannot be read (names the format).
    """
    name = normalize_compression(compression)
    kind = get_compression_type(name)
    if kind == VIDEO_COMPRESSION:
        from deeplake.compression import video

        return MediaHeader(video.read_shape(buf, name), "|u1")
    if kind == AUDIO_COMPRESSION:
        from deeplake.compression import audio

        return MediaHeader(audio.read_shape(buf, name), "<f4")
    if name == "dcm":
        from deeplake.compression import medical

        return MediaHeader(*medical.read_dicom_header(buf))
    if kind == NIFTI_COMPRESSION:
        from deeplake.compression import medical

        return MediaHeader(*medical.read_nifti_header(buf, name))
    if kind == POINT_CLOUD_COMPRESSION:
        from deeplake.compression import pointcloud

        return MediaHeader(pointcloud.read_shape(buf), "<f4")
    if kind == MESH_COMPRESSION:
        from deeplake.compression import mesh

        return MediaHeader(*mesh.read_shape_and_dtype(buf))
    raise ValueError(f"'{name}' is not a media compression.")


def read_media_shape(buf, compression: str) -> Tuple[int, ...]:
    return read_media_header(buf, compression).shape


def read_media_sample_info(buf, compression: str) -> dict:
    """The format-specific sample_info fields (see each module)."""
    name = normalize_compression(compression)
    kind = get_compression_type(name)
    if kind == VIDEO_COMPRESSION:
        from deeplake.compression import video

        return video.read_sample_info(buf, name)
    if kind == AUDIO_COMPRESSION:
        from deeplake.compression import audio

        return audio.read_sample_info(buf, name)
    if name == "dcm":
        from deeplake.compression import medical

        return medical.read_dicom_sample_info(buf)
    if kind == NIFTI_COMPRESSION:
        from deeplake.compression import medical

        return medical.read_nifti_sample_info(buf, name)
    if kind == POINT_CLOUD_COMPRESSION:
        from deeplake.compression import pointcloud

        return pointcloud.read_sample_info(buf)
    if kind == MESH_COMPRESSION:
        from deeplake.compression import mesh

        return mesh.read_sample_info(buf)
    raise ValueError(f"'{name}' is not a media compression.")
