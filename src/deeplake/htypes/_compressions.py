"""Compression name groups as the htypes use them (names from the codec registry)."""

from deeplake.compression.registry import (
    AUDIO_COMPRESSIONS,
    BYTE_COMPRESSIONS,
    IMAGE_COMPRESSIONS,
    MESH_COMPRESSIONS,
    NIFTI_COMPRESSIONS,
    POINT_CLOUD_COMPRESSIONS,
    VIDEO_COMPRESSIONS,
)

# Images take any image codec but dcm (that is the dicom htype), or lz4.
IMAGE_HTYPE_COMPRESSIONS = tuple(c for c in IMAGE_COMPRESSIONS if c != "dcm") + tuple(
    BYTE_COMPRESSIONS
)
BYTE_ONLY = tuple(BYTE_COMPRESSIONS)
VIDEO_ONLY = tuple(VIDEO_COMPRESSIONS)
AUDIO_ONLY = tuple(AUDIO_COMPRESSIONS)
NIFTI_ONLY = tuple(NIFTI_COMPRESSIONS)
POINT_CLOUD_ONLY = tuple(POINT_CLOUD_COMPRESSIONS)
MESH_ONLY = tuple(MESH_COMPRESSIONS)
DICOM_ONLY = ("dcm",)
