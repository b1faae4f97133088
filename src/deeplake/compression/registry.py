"""The documented compression names, their kinds, aliases and detection.

Kinds (what goes in and out of the codec):

* ``byte``: bytes -> bytes (``lz4``); any tensor may use it.
* ``image``: array <-> image file (Pillow; ``dcm`` is also an image kind, as
  in the reference, though pydicom decodes it).
* ``video``, ``audio``, ``nifti``, ``point_cloud``, ``mesh``: files read with
  ``deeplake.read``; raw arrays cannot be encoded into them.

Nothing here imports Pillow at module import time.
"""

from __future__ import annotations

import os
import zlib
from typing import Optional, Union

from deeplake.errors import UnsupportedCompressionError

BYTE_COMPRESSION = "byte"
IMAGE_COMPRESSION = "image"
VIDEO_COMPRESSION = "video"
AUDIO_COMPRESSION = "audio"
NIFTI_COMPRESSION = "nifti"
POINT_CLOUD_COMPRESSION = "point_cloud"
MESH_COMPRESSION = "mesh"

COMPRESSION_TYPES = (
    BYTE_COMPRESSION,
    IMAGE_COMPRESSION,
    AUDIO_COMPRESSION,
    VIDEO_COMPRESSION,
    POINT_CLOUD_COMPRESSION,
    MESH_COMPRESSION,
    NIFTI_COMPRESSION,
)

BYTE_COMPRESSIONS = ("lz4",)
# Spec §5.1 / §6 image list; "dcm" rides along as in the reference.
IMAGE_COMPRESSIONS = (
    "apng",
    "bmp",
    "dcm",
    "dib",
    "eps",
    "fli",
    "gif",
    "ico",
    "im",
    "jpeg",
    "jpeg2000",
    "mpo",
    "msp",
    "pcx",
    "png",
    "ppm",
    "sgi",
    "tga",
    "tiff",
    "webp",
    "wmf",
    "xbm",
)
VIDEO_COMPRESSIONS = ("mp4", "mkv", "avi")
AUDIO_COMPRESSIONS = ("mp3", "flac", "wav")
NIFTI_COMPRESSIONS = ("nii", "nii.gz")
POINT_CLOUD_COMPRESSIONS = ("las",)
MESH_COMPRESSIONS = ("ply",)

# Formats that can be read (from files) but into which arrays are never encoded.
READONLY_COMPRESSIONS = frozenset(
    ("mpo", "fli", "dcm", *NIFTI_COMPRESSIONS, *AUDIO_COMPRESSIONS, *VIDEO_COMPRESSIONS)
)

COMPRESSION_ALIASES = {"jpg": "jpeg", "tif": "tiff", "jp2": "jpeg2000"}

_KIND_OF: dict[str, str] = {}
for _names, _kind in (
    (BYTE_COMPRESSIONS, BYTE_COMPRESSION),
    (IMAGE_COMPRESSIONS, IMAGE_COMPRESSION),
    (VIDEO_COMPRESSIONS, VIDEO_COMPRESSION),
    (AUDIO_COMPRESSIONS, AUDIO_COMPRESSION),
    (NIFTI_COMPRESSIONS, NIFTI_COMPRESSION),
    (POINT_CLOUD_COMPRESSIONS, POINT_CLOUD_COMPRESSION),
    (MESH_COMPRESSIONS, MESH_COMPRESSION),
):
    for _name in _names:
        _KIND_OF[_name] = _kind

# What `deeplake.compressions` lists: sorted names, then None.
SUPPORTED_COMPRESSIONS: list = [*sorted(_KIND_OF), None]

# Pillow's format names for the image compressions Pillow handles.
PIL_FORMAT_OF = {
    name: name.upper()
    for name in IMAGE_COMPRESSIONS
    if name not in ("apng", "dcm")
}
PIL_FORMAT_OF["apng"] = "PNG"

_EXTENSIONS: dict[str, tuple[str, ...]] = {
    "apng": (".apng",),
    "bmp": (".bmp",),
    "dib": (".dib",),
    "eps": (".eps",),
    "fli": (".fli", ".flc"),
    "gif": (".gif",),
    "ico": (".ico",),
    "im": (".im",),
    "jpeg": (".jpg", ".jpeg", ".jfif", ".pjpeg", ".pjp", ".jpe"),
    "jpeg2000": (".jp2", ".j2k", ".jpf", ".jpm", ".jpg2", ".j2c", ".jpc", ".jpx", ".mj2"),
    "mpo": (".mpo",),
    "msp": (".msp",),
    "pcx": (".pcx",),
    "png": (".png",),
    "ppm": (".ppm", ".pbm", ".pgm", ".pnm"),
    "sgi": (".sgi", ".rgb", ".rgba", ".bw"),
    "tga": (".tga",),
    "tiff": (".tiff", ".tif"),
    "webp": (".webp",),
    "wmf": (".wmf", ".emf"),
    "xbm": (".xbm",),
    "dcm": (".dcm", ".dicom"),
    "mp4": (".mp4", ".m4v"),
    "mkv": (".mkv",),
    "avi": (".avi",),
    "mp3": (".mp3",),
    "flac": (".flac",),
    "wav": (".wav",),
    "nii": (".nii",),
    "nii.gz": (".nii.gz",),
    "las": (".las",),
    "ply": (".ply",),
    "lz4": (".lz4",),
}
_COMPRESSION_OF_EXTENSION = {
    ext: name for name, exts in _EXTENSIONS.items() for ext in exts
}


def _unsupported(name) -> UnsupportedCompressionError:
    return UnsupportedCompressionError(
        f"Compression '{name}' is not supported. "
        f"Supported compressions: {SUPPORTED_COMPRESSIONS}."
    )


def normalize_compression(name: Optional[str]) -> Optional[str]:
    """Canonical name of a compression: aliases resolved, lower case.

    ``None`` stays ``None``. Raises UnsupportedCompressionError for names
    that are not documented compressions.
    """
    if name is None:
        return None
    if not isinstance(name, str):
        raise _unsupported(name)
    lowered = name.lower()
    lowered = COMPRESSION_ALIASES.get(lowered, lowered)
    if lowered not in _KIND_OF:
        raise _unsupported(name)
    return lowered


def is_supported_compression(name: Optional[str]) -> bool:
    try:
        normalize_compression(name)
    except UnsupportedCompressionError:
        return False
    return True


def get_compression_type(name: Optional[str]) -> Optional[str]:
    """Kind of a compression (one of COMPRESSION_TYPES); ``None`` for ``None``."""
    canonical = normalize_compression(name)
    if canonical is None:
        return None
    return _KIND_OF[canonical]


def is_readonly_compression(name: Optional[str]) -> bool:
    """True for formats that samples can come from but arrays never go into."""
    if name is None:
        return False
    return normalize_compression(name) in READONLY_COMPRESSIONS


def is_byte_compression(name: Optional[str]) -> bool:
    return name is not None and get_compression_type(name) == BYTE_COMPRESSION


def is_image_compression(name: Optional[str]) -> bool:
    return name is not None and get_compression_type(name) == IMAGE_COMPRESSION


def compression_from_path(path: Union[str, os.PathLike]) -> Optional[str]:
    """Compression implied by a file name's extension, or None if unknown."""
    lowered = os.fspath(path).lower()
    if lowered.endswith(".nii.gz"):
        return "nii.gz"
    ext = os.path.splitext(lowered)[1]
    return _COMPRESSION_OF_EXTENSION.get(ext)


def _is_gzipped_nifti(buf: bytes) -> bool:
    try:
        head = zlib.decompressobj(16 + zlib.MAX_WBITS).decompress(buf[:4096], 352)
    except zlib.error:
        return False
    return head[344:348] in (b"n+1\x00", b"ni1\x00", b"n+2\x00", b"ni2\x00") or (
        len(head) >= 4 and int.from_bytes(head[:4], "little") in (348, 540)
    )


def compression_from_bytes(buf: Union[bytes, bytearray, memoryview]) -> Optional[str]:
    """Compression of a file from its first bytes (magic numbers), or None.

    Animated PNGs are reported as ``png`` (a PNG decoder reads their first
    frame); TGA has no magic number and is only found by extension.
    """
    head = bytes(buf[:4096])
    if head.startswith(b"\xff\xd8\xff"):
        return "jpeg"
    if head.startswith(b"\x89PNG\r\n\x1a\n"):
        return "png"
    if head[:6] in (b"GIF87a", b"GIF89a"):
        return "gif"
    if head.startswith(b"BM"):
        return "bmp"
    if head[:4] in (b"II*\x00", b"MM\x00*"):
        return "tiff"
    if head.startswith(b"RIFF"):
        return {b"WEBP": "webp", b"WAVE": "wav", b"AVI ": "avi"}.get(head[8:12])
    if head.startswith(b"\x00\x00\x00\x0cjP  \r\n\x87\n") or head.startswith(b"\xffO\xffQ"):
        return "jpeg2000"
    if head.startswith(b"\x00\x00\x01\x00"):
        return "ico"
    if head.startswith(b"\x01\xda"):
        return "sgi"
    if head[:4] in (b"%!PS", b"\xc5\xd0\xd3\xc6"):
        return "eps"
    if head[:4] in (b"DanM", b"LinS"):
        return "msp"
    if head.startswith(b"Image type"):
        return "im"
    if head[:4] in (b"\xd7\xcd\xc6\x9a", b"\x01\x00\x09\x00"):
        return "wmf"
    if head.startswith(b"#define"):
        return "xbm"
    if len(head) >= 3 and head[0:1] == b"P" and head[1:2] in b"123456" and head[2:3].isspace():
        return "ppm"
    if len(head) >= 6 and head[4:6] in (b"\x11\xaf", b"\x12\xaf"):
        return "fli"
    if len(head) >= 4 and head[0] == 0x0A and head[1] in (0, 2, 3, 4, 5) and head[2] == 1:
        return "pcx"
    if head[128:132] == b"DICM":
        return "dcm"
    if head[4:8] == b"ftyp":
        return "mp4"
    if head.startswith(b"\x1a\x45\xdf\xa3"):
        return "mkv"
    if head.startswith(b"fLaC"):
        return "flac"
    if head.startswith(b"ID3") or (len(head) >= 2 and head[0] == 0xFF and head[1] & 0xE0 == 0xE0):
        return "mp3"
    if head.startswith(b"LASF"):
        return "las"
    if head.startswith(b"ply\n") or head.startswith(b"ply\r\n"):
        return "ply"
    if head[344:348] in (b"n+1\x00", b"ni1\x00"):
        return "nii"
    if head.startswith(b"\x1f\x8b") and _is_gzipped_nifti(bytes(buf[:4096])):
        return "nii.gz"
    return None
