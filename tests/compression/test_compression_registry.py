"""Compression names, kinds, aliases and format detection."""

import subprocess
import sys

import numpy as np
import pytest

import deeplake.compression as C
from deeplake.compression import registry
from deeplake.errors import DeepLakeError, UnsupportedCompressionError

pytestmark = pytest.mark.filterwarnings("ignore:IM image format is deprecated")

SPEC_IMAGE = [
    "bmp", "dib", "gif", "ico", "jpeg", "jpeg2000", "pcx", "png", "ppm", "sgi",
    "tga", "tiff", "webp", "wmf", "xbm", "eps", "fli", "im", "msp", "mpo", "apng",
]


@pytest.mark.parametrize("name", SPEC_IMAGE + ["dcm"])
def test_image_names_are_image_kind(name):
    assert C.get_compression_type(name) == "image"
    assert C.normalize_compression(name) == name


@pytest.mark.parametrize(
    "name, kind",
    [
        ("lz4", "byte"),
        ("mp4", "video"), ("mkv", "video"), ("avi", "video"),
        ("mp3", "audio"), ("flac", "audio"), ("wav", "audio"),
        ("nii", "nifti"), ("nii.gz", "nifti"),
        ("las", "point_cloud"), ("ply", "mesh"),
    ],
)
def test_kinds(name, kind):
    assert C.get_compression_type(name) == kind


@pytest.mark.parametrize(
    "alias, canonical",
    [("jpg", "jpeg"), ("tif", "tiff"), ("jp2", "jpeg2000"), ("JPG", "jpeg"), ("PNG", "png")],
)
def test_aliases(alias, canonical):
    assert C.normalize_compression(alias) == canonical
    assert C.get_compression_type(alias) == "image"


def test_none_is_no_compression():
    assert C.normalize_compression(None) is None
    assert C.get_compression_type(None) is None
    assert not C.is_readonly_compression(None)


@pytest.mark.parametrize("bad", ["foo", "qoi", "zip", "", "jpeg ", 3, b"png"])
def test_unknown_compression_raises(bad):
    with pytest.raises(UnsupportedCompressionError) as info:
        C.normalize_compression(bad)
    assert isinstance(info.value, ValueError) and isinstance(info.value, DeepLakeError)
    assert "not supported" in str(info.value)
    with pytest.raises(UnsupportedCompressionError):
        C.get_compression_type(bad)
    assert not C.is_supported_compression(bad)


def test_supported_list_matches_reference_shape():
    names = C.SUPPORTED_COMPRESSIONS
    assert names[-1] is None
    assert names[:-1] == sorted(names[:-1])
    for name in SPEC_IMAGE + ["lz4", "mp4", "mkv", "avi", "mp3", "flac", "wav", "dcm",
                              "nii", "nii.gz", "las", "ply"]:
        assert name in names


@pytest.mark.parametrize("name", ["mpo", "fli", "dcm", "nii", "nii.gz", "mp3", "flac", "wav",
                                  "mp4", "mkv", "avi"])
def test_readonly(name):
    assert C.is_readonly_compression(name)


@pytest.mark.parametrize("name", ["png", "jpeg", "jpg", "lz4", "tiff", "las"])
def test_not_readonly(name):
    assert not C.is_readonly_compression(name)


@pytest.mark.parametrize(
    "path, expected",
    [
        ("a/b/cat.JPG", "jpeg"), ("x.jpeg", "jpeg"), ("x.tif", "tiff"), ("x.jp2", "jpeg2000"),
        ("x.png", "png"), ("x.pgm", "ppm"), ("scan.nii.gz", "nii.gz"), ("scan.nii", "nii"),
        ("v.mp4", "mp4"), ("a.wav", "wav"), ("c.las", "las"), ("m.ply", "ply"),
        ("d.dcm", "dcm"), ("noext", None), ("x.unknown", None),
    ],
)
def test_compression_from_path(path, expected):
    assert C.compression_from_path(path) == expected


@pytest.mark.parametrize("name", ["png", "jpeg", "gif", "bmp", "tiff", "webp", "jpeg2000",
                                  "ico", "pcx", "ppm", "sgi", "im"])
def test_compression_from_bytes_of_encoded_images(name):
    buf = C.compress_array(np.zeros((4, 5, 3), np.uint8), name)
    expected = "bmp" if name == "dib" else name
    assert C.compression_from_bytes(buf) == expected


@pytest.mark.parametrize(
    "head, expected",
    [
        (b"RIFF\x00\x00\x00\x00WAVEfmt ", "wav"),
        (b"RIFF\x00\x00\x00\x00AVI LIST", "avi"),
        (b"\x00\x00\x00\x20ftypisom", "mp4"),
        (b"\x1a\x45\xdf\xa3\x93", "mkv"),
        (b"ID3\x04\x00", "mp3"),
        (b"fLaC\x00\x00", "flac"),
        (b"\x00" * 128 + b"DICM", "dcm"),
        (b"LASF\x00\x00", "las"),
        (b"ply\nformat ascii 1.0\n", "ply"),
        (b"\x5c\x01" + b"\x00" * 342 + b"n+1\x00", "nii"),
        (b"not a known format", None),
        (b"", None),
    ],
)
def test_compression_from_bytes_magic(head, expected):
    assert C.compression_from_bytes(head) == expected


def test_gzipped_nifti_detected():
    import gzip

    header = (348).to_bytes(4, "little") + b"\x00" * 340 + b"n+1\x00" + b"\x00" * 4
    assert C.compression_from_bytes(gzip.compress(header)) == "nii.gz"
    assert C.compression_from_bytes(gzip.compress(b"hello")) is None


def test_pil_format_names_cover_pillow_codecs():
    for name in registry.IMAGE_COMPRESSIONS:
        if name != "dcm":
            assert registry.PIL_FORMAT_OF[name]


def test_import_is_light():
    code = (
        "import sys, deeplake.compression, deeplake._deps;"
        "heavy = {'PIL', 'torch', 'tensorflow', 'av', 'boto3', 'pydicom', 'nibabel', 'laspy'};"
        "print(sorted(heavy & set(sys.modules)))"
    )
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    assert out.stdout.strip() == "[]"
