"""Video, audio, DICOM, NIfTI, point-cloud and mesh codecs (placeholders).

Their names are registered (so tensors can be created with them and files
stored verbatim), but decoding and header reads are not implemented yet;
they raise a clear error instead. Raw arrays are never encoded into these
formats: samples must come from files (``deeplake.read``).
"""

from __future__ import annotations

from deeplake.compression.registry import get_compression_type, normalize_compression
from deeplake.errors import SampleCompressionError, SampleDecompressionError

# The optional package (and deeplake extra) each family will need once implemented.
_BACKEND = {
    "video": "PyAV (pip install \"deeplake[av]\")",
    "audio": "PyAV (pip install \"deeplake[av]\")",
    "nifti": "nibabel (pip install \"deeplake[medical]\")",
    "point_cloud": "laspy (pip install \"deeplake[point_cloud]\")",
    "mesh": "a ply reader",
    "image": "pydicom (pip install \"deeplake[medical]\")",  # dcm
}


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


def _not_implemented(name: str, what: str) -> SampleDecompressionError:
    kind = get_compression_type(name)
    return SampleDecompressionError(
        f"{what} '{name}' samples is not implemented yet in this deeplake "
        f"(it will use {_BACKEND[kind]}). The stored bytes are intact and can be "
        f"read with tensor.tobytes()."
    )


def decode_media(buf, compression: str):
    name = normalize_compression(compression)
    raise _not_implemented(name, "Decoding")


def read_media_shape(buf, compression: str):
    name = normalize_compression(compression)
    raise _not_implemented(name, "Reading the shape of")
