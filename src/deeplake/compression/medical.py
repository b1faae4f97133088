"""Medical image codecs: DICOM (pydicom) and NIfTI (nibabel), decode-only.

* ``dcm`` decodes to ``(rows, columns, samples_per_pixel)`` in the pixel
  dtype the file declares (2-D images gain a trailing 1). Its sample_info
  maps each element's keyword to ``{"name", "tag", "value", "vr"}``, as the
  reference does; binary values are left out.
* ``nii`` / ``nii.gz`` decode to the volume's scaled float64 data
  (``get_fdata``), shaped as the header says. The header's own dtype is what
  :func:`read_nifti_header` reports, as the reference's ``Sample.dtype`` does.
  sample_info holds every header field (numpy values, as nibabel gives them),
  plus ``affine`` (4x4 ndarray) and ``zooms`` (tuple of floats).
"""

from __future__ import annotations

import gzip
from io import BytesIO
from typing import NamedTuple, Tuple, Union

import numpy as np

from deeplake._deps import require
from deeplake.errors import CorruptedSampleError, SampleDecompressionError

Buffer = Union[bytes, bytearray, memoryview]

# (7FE0,0008) FloatPixelData and (7FE0,0009) DoubleFloatPixelData, little endian.
_FLOAT_PIXEL_TAGS = (b"\xe0\x7f\x08\x00", b"\xe0\x7f\x09\x00")


class MedicalHeader(NamedTuple):
    shape: Tuple[int, ...]
    typestr: str


# ---------------------------------------------------------------- DICOM


def _dcmread(buf: Buffer, error, *, header_only: bool):
    """The parsed dataset; header-only reads stop at the pixel data element,
    whose tag is kept in ``_pixel_tag`` (it tells float pixels apart)."""
    pydicom = require("pydicom", "medical", purpose="dicom files")
    stream = BytesIO(bytes(buf))
    try:
        dcm = pydicom.dcmread(stream, stop_before_pixels=header_only)
        position = stream.tell()
        dcm._pixel_tag = stream.getvalue()[position : position + 4] if header_only else b""
        return dcm
    except Exception as e:  # pydicom raises InvalidDicomError, EOFError, ...
        raise error(f"Unable to decompress dcm file: it is not readable DICOM ({e}).") from e


def _dicom_typestr(dcm) -> str:
    bits = int(dcm.BitsAllocated)
    if getattr(dcm, "_pixel_tag", b"") in _FLOAT_PIXEL_TAGS and bits in (32, 64):
        return np.dtype(f"<f{bits // 8}").str
    if bits == 1:
        return "|u1"
    kind = "i" if int(getattr(dcm, "PixelRepresentation", 0)) == 1 else "u"
    size = {8: 1, 16: 2, 32: 4, 64: 8}.get(bits, (bits + 7) // 8)
    return np.dtype(f"<{kind}{size}").str


def read_dicom_header(buf: Buffer) -> MedicalHeader:
    """``(rows, columns, samples_per_pixel)`` and pixel dtype, pixels unread.

    Raises:
        CorruptedSampleError: not a readable DICOM file, or no image in it.
    """
    dcm = _dcmread(buf, CorruptedSampleError, header_only=True)
    try:
        shape = (int(dcm.Rows), int(dcm.Columns), int(getattr(dcm, "SamplesPerPixel", 1)))
        return MedicalHeader(shape, _dicom_typestr(dcm))
    except AttributeError as e:
        raise CorruptedSampleError(f"Unable to decompress dcm file: it holds no image ({e}).") from e


def decompress_dicom(buf: Buffer) -> np.ndarray:
    """The pixel array; 2-D images get a trailing channel axis.

    Raises:
        SampleDecompressionError: unreadable file, or pixel data that the
            installed pixel handlers cannot decode.
    """
    dcm = _dcmread(buf, SampleDecompressionError, header_only=False)
    try:
        array = dcm.pixel_array
    except Exception as e:
        raise SampleDecompressionError(f"Unable to decompress dcm file: its pixels cannot be decoded ({e}).") from e
    return array[..., None] if array.ndim == 2 else array


def _element_value(element):
    value = element.value
    if isinstance(value, (str, int, float)):
        return str(value) if isinstance(value, str) else value
    return element.to_json_dict(None, 1024).get("Value", "")


def read_dicom_sample_info(buf: Buffer) -> dict:
    """Every non-binary element: keyword -> {name, tag, value, vr}."""
    dcm = _dcmread(buf, CorruptedSampleError, header_only=True)
    info = {}
    for element in dcm:
        if isinstance(element.value, (bytes, bytearray)):
            continue
        info[element.keyword] = {
            "name": element.name,
            "tag": str(element.tag),
            "value": _element_value(element),
            "vr": element.VR,
        }
    return info


# ---------------------------------------------------------------- NIfTI


def _open_nifti(buf: Buffer, compression: str, error):
    nib = require("nibabel", "medical", purpose="nifti files")
    raw = BytesIO(bytes(buf))
    fileobj = gzip.GzipFile(fileobj=raw) if compression == "nii.gz" else raw
    try:
        sizeof_hdr = fileobj.read(4)
        fileobj.seek(0)
        nifti2 = 540 in (int.from_bytes(sizeof_hdr, "little"), int.from_bytes(sizeof_hdr, "big"))
        holder = nib.FileHolder(fileobj=fileobj)
        image_class = nib.Nifti2Image if nifti2 else nib.Nifti1Image
        return image_class.from_file_map({"header": holder, "image": holder})
    except Exception as e:  # nibabel raises HeaderDataError, OSError, EOFError...
        raise error(f"Unable to decompress {compression} file: it is not readable NIfTI ({e}).") from e


def read_nifti_header(buf: Buffer, compression: str) -> MedicalHeader:
    """Volume shape and on-disk dtype; the voxel data is not read.

    Raises:
        CorruptedSampleError: not a readable NIfTI file.
    """
    img = _open_nifti(buf, compression, CorruptedSampleError)
    return MedicalHeader(tuple(int(d) for d in img.shape), img.header.get_data_dtype().str)


def decompress_nifti(buf: Buffer, compression: str) -> np.ndarray:
    """The scaled voxel data as float64."""
    img = _open_nifti(buf, compression, SampleDecompressionError)
    try:
        return np.asarray(img.get_fdata())
    except Exception as e:
        raise SampleDecompressionError(
            f"Unable to decompress {compression} file: its voxel data is truncated or corrupt ({e})."
        ) from e


def read_nifti_sample_info(buf: Buffer, compression: str) -> dict:
    img = _open_nifti(buf, compression, CorruptedSampleError)
    info = dict(img.header)
    info["affine"] = img.affine
    info["zooms"] = tuple(float(z) for z in img.header.get_zooms())
    return info
