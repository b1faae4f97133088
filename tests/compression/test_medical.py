"""DICOM (pydicom) and NIfTI (nibabel) codecs: arrays, header reads, sample_info."""

import gzip
import sys

import numpy as np
import pytest

import deeplake.compression as C
from deeplake.errors import (
    CorruptedSampleError,
    ModuleNotInstalledException,
    SampleDecompressionError,
)
from media_samples import make_dicom, make_nifti

# ------------------------------------------------------------------ dicom


@pytest.fixture(scope="module")
def gray_dcm():
    pytest.importorskip("pydicom")
    return make_dicom(np.arange(20 * 30, dtype=np.uint16).reshape(20, 30))


def test_gray_dicom_gets_a_channel_axis(gray_dcm):
    array = C.decompress_array(gray_dcm, "dcm")
    assert array.shape == (20, 30, 1) and array.dtype == np.uint16
    np.testing.assert_array_equal(array[..., 0], np.arange(600).reshape(20, 30))
    assert C.read_header_from_bytes(gray_dcm) == C.SampleHeader((20, 30, 1), "<u2", "dcm")


@pytest.mark.parametrize("dtype", ["uint8", "int16", "uint16"])
def test_dicom_pixel_dtypes(dtype):
    pytest.importorskip("pydicom")
    pixels = (np.arange(12 * 10) % 100).astype(dtype).reshape(12, 10)
    buf = make_dicom(pixels)
    assert C.read_header_from_bytes(buf, "dcm").typestr == np.dtype(dtype).newbyteorder("<").str
    np.testing.assert_array_equal(C.decompress_array(buf, "dcm", (12, 10, 1), dtype)[..., 0], pixels)


def test_rgb_dicom():
    pytest.importorskip("pydicom")
    pixels = (np.arange(20 * 30 * 3) % 256).astype(np.uint8).reshape(20, 30, 3)
    buf = make_dicom(pixels)
    assert C.read_shape_from_bytes(buf, "dcm") == (20, 30, 3)
    np.testing.assert_array_equal(C.decompress_array(buf, "dcm"), pixels)


def test_dicom_sample_info_as_reference(gray_dcm):
    info = C.read_sample_info(gray_dcm, "dcm", filename="x.dcm")
    assert info["PatientName"] == {
        "name": "Patient's Name", "tag": "(0010,0010)", "value": [{"Alphabetic": "Test^Name"}], "vr": "PN",
    }
    assert info["Rows"] == {"name": "Rows", "tag": "(0028,0010)", "value": 20, "vr": "US"}
    assert info["PixelSpacing"]["value"] == [0.5, 0.5]
    assert info["Modality"]["value"] == "OT"
    assert "PixelData" not in info  # binary values are left out
    assert list(info)[-3:] == ["shape", "format", "filename"]
    assert info["shape"] == (20, 30, 1) and info["format"] == "dcm"


def test_dicom_is_detected_and_read_only(gray_dcm):
    assert C.compression_from_bytes(gray_dcm) == "dcm"
    with pytest.raises(Exception, match="deeplake.read"):
        C.compress_array(np.zeros((4, 4), np.uint8), "dcm")


def test_corrupt_dicom():
    pytest.importorskip("pydicom")
    with pytest.raises(SampleDecompressionError, match="dcm file"):
        C.decompress_array(b"\x00" * 200, "dcm")
    with pytest.raises(CorruptedSampleError, match="dcm file"):
        C.read_shape_from_bytes(b"\x00" * 200, "dcm")


def test_truncated_dicom_pixels(gray_dcm):
    with pytest.raises(SampleDecompressionError, match="dcm file"):
        C.decompress_array(gray_dcm[:-500], "dcm")


def test_missing_pydicom_names_the_extra(monkeypatch, gray_dcm):
    monkeypatch.setitem(sys.modules, "pydicom", None)
    with pytest.raises(ModuleNotInstalledException, match=r'deeplake\[medical\]'):
        C.decompress_array(gray_dcm, "dcm")


# ------------------------------------------------------------------ nifti

VOLUME = np.arange(4 * 5 * 6, dtype=np.int16).reshape(4, 5, 6)
AFFINE = np.diag([2.0, 2.0, 3.0, 1.0])


@pytest.fixture(scope="module", params=["nii", "nii.gz"])
def nifti(request):
    pytest.importorskip("nibabel")
    return request.param, make_nifti(VOLUME, AFFINE, gz=request.param == "nii.gz")


def test_nifti_decodes_to_float64(nifti):
    fmt, buf = nifti
    array = C.decompress_array(buf, fmt)
    assert array.dtype == np.float64 and array.shape == (4, 5, 6)
    np.testing.assert_array_equal(array, VOLUME)


def test_nifti_header_keeps_disk_dtype(nifti):
    fmt, buf = nifti
    assert C.read_header_from_bytes(buf, fmt) == C.SampleHeader((4, 5, 6), "<i2", fmt)
    assert C.compression_from_bytes(buf) == fmt


def test_nifti_sample_info(nifti):
    fmt, buf = nifti
    info = C.read_sample_info(buf, fmt)
    np.testing.assert_array_equal(info["affine"], AFFINE)
    assert info["zooms"] == (2.0, 2.0, 3.0)
    assert int(info["sizeof_hdr"]) == 348 and info["magic"].item() == b"n+1"
    np.testing.assert_array_equal(info["dim"], [3, 4, 5, 6, 1, 1, 1, 1])
    assert info["shape"] == (4, 5, 6) and info["format"] == fmt


def test_nifti2_and_4d():
    pytest.importorskip("nibabel")
    series = np.random.default_rng(0).random((3, 4, 5, 2)).astype(np.float32)
    buf = make_nifti(series, version=2)
    assert C.read_header_from_bytes(buf, "nii") == C.SampleHeader((3, 4, 5, 2), "<f4", "nii")
    np.testing.assert_allclose(C.decompress_array(buf, "nii"), series)
    assert int(C.read_sample_info(buf, "nii")["sizeof_hdr"]) == 540


def test_corrupt_nifti(nifti):
    fmt, buf = nifti
    with pytest.raises(CorruptedSampleError, match=f"{fmt} file"):
        C.read_shape_from_bytes(b"\x00" * 400, fmt)
    truncated = gzip.compress(gzip.decompress(buf)[:400]) if fmt == "nii.gz" else buf[:400]
    with pytest.raises(SampleDecompressionError, match=f"{fmt} file"):
        C.decompress_array(truncated, fmt)


def test_missing_nibabel_names_the_extra(monkeypatch, nifti):
    fmt, buf = nifti
    monkeypatch.setitem(sys.modules, "nibabel", None)
    with pytest.raises(ModuleNotInstalledException, match=r'deeplake\[medical\]'):
        C.read_shape_from_bytes(buf, fmt)
