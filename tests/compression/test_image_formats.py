"""Every documented image compression: header-only reads, detection, sample_info,
and the read-only formats (mpo, fli, wmf) read from files Pillow cannot write."""

import io
import struct

import numpy as np
import pytest
from PIL import Image

import deeplake.compression as C
from deeplake.compression import image
from deeplake.errors import CorruptedSampleError, SampleDecompressionError

pytestmark = pytest.mark.filterwarnings("ignore:IM image format is deprecated")

RNG = np.random.default_rng(3)
RGB = RNG.integers(0, 256, (10, 14, 3), dtype=np.uint8)
GRAY = RNG.integers(0, 256, (10, 14), dtype=np.uint8)
BITS = RNG.integers(0, 2, (10, 16)).astype(bool)

# format -> (sample it can hold, natural decoded shape, decoded typestr)
WRITABLE = {
    "bmp": (RGB, (10, 14, 3), "|u1"),
    "dib": (RGB, (10, 14, 3), "|u1"),
    "gif": (GRAY, (10, 14), "|u1"),
    "ico": (RGB, (10, 14, 3), "|u1"),
    "jpeg": (RGB, (10, 14, 3), "|u1"),
    "jpeg2000": (RGB, (10, 14, 3), "|u1"),
    "pcx": (RGB, (10, 14, 3), "|u1"),
    "png": (RGB, (10, 14, 3), "|u1"),
    "ppm": (RGB, (10, 14, 3), "|u1"),
    "sgi": (RGB, (10, 14, 3), "|u1"),
    "tga": (RGB, (10, 14, 3), "|u1"),
    "tiff": (RGB, (10, 14, 3), "|u1"),
    "webp": (RGB, (10, 14, 3), "|u1"),
    "im": (RGB, (10, 14, 3), "|u1"),
    "eps": (RGB, (10, 14, 3), "|u1"),
    "xbm": (BITS, (10, 16), "|b1"),
    "msp": (BITS, (10, 16), "|b1"),
}
# tga and dib (a headerless bitmap) have no magic number; extensions find them.
DETECTED_AS: dict = {}


@pytest.mark.parametrize("fmt", sorted(WRITABLE))
def test_header_read_matches_decode(fmt):
    array, shape, typestr = WRITABLE[fmt]
    buf = C.compress_array(array, fmt)
    header = C.read_header_from_bytes(buf, fmt)
    assert header.shape == shape and header.typestr == typestr and header.compression == fmt
    if fmt != "eps":  # decoding EPS needs Ghostscript
        decoded = C.decompress_array(buf, fmt)
        assert decoded.shape == shape


@pytest.mark.parametrize("fmt", sorted(set(WRITABLE) - {"tga", "dib"}))
def test_format_detected_from_bytes(fmt):
    array, shape, _ = WRITABLE[fmt]
    buf = C.compress_array(array, fmt)
    assert C.compression_from_bytes(buf) == DETECTED_AS.get(fmt, fmt)
    assert C.read_header_from_bytes(buf).shape == shape


@pytest.mark.parametrize("fmt", ["png", "bmp", "tiff", "webp", "gif"])
def test_sample_info_without_exif(fmt):
    # TIFF tags are not EXIF: like the reference, only EXIF-carrying formats report any.
    array, shape, _ = WRITABLE[fmt]
    info = C.read_sample_info(C.compress_array(array, fmt), fmt, filename=f"x.{fmt}")
    assert info == {"exif": {}, "shape": shape, "format": fmt, "filename": f"x.{fmt}"}


def test_jpeg_exif_in_sample_info():
    exif = Image.Exif()
    exif[0x010F] = "DeepLakeCam"  # Make
    exif[0x0112] = 6  # Orientation
    exif[0x011A] = 72  # XResolution
    out = io.BytesIO()
    Image.fromarray(RGB).save(out, "JPEG", exif=exif)
    info = C.read_sample_info(out.getvalue())
    assert info["format"] == "jpeg" and info["shape"] == (10, 14, 3)
    # As the reference: integers become floats, resolutions ints.
    assert info["exif"]["Make"] == "DeepLakeCam"
    assert info["exif"]["Orientation"] == 6.0
    assert info["exif"]["XResolution"] == 72


def test_apng_header_counts_frames():
    frames = RNG.integers(0, 256, (4, 6, 5, 3), dtype=np.uint8)
    buf = C.compress_array(frames, "apng")
    assert C.read_header_from_bytes(buf, "apng").shape == (4, 6, 5, 3)
    assert C.verify_compressed(buf, "apng").shape == (4, 6, 5, 3)


def test_verify_compressed_images():
    buf = C.compress_array(RGB, "png")
    assert C.verify_compressed(buf) == C.SampleHeader((10, 14, 3), "|u1", "png")
    with pytest.raises(CorruptedSampleError):
        C.verify_compressed(buf[: len(buf) // 2], "png")


# ------------------------------------------------------------- read-only


def test_mpo_reads_first_frame():
    smooth = np.linspace(0, 255, 10 * 14 * 3).reshape(10, 14, 3).astype(np.uint8)
    left, right = Image.fromarray(smooth), Image.fromarray(255 - smooth)
    out = io.BytesIO()
    left.save(out, "MPO", save_all=True, append_images=[right])
    buf = out.getvalue()
    assert C.read_header_from_bytes(buf, "mpo").shape == (10, 14, 3)
    decoded = C.decompress_array(buf, "mpo", (10, 14, 3), "uint8")
    assert np.abs(decoded.astype(int) - smooth.astype(int)).mean() < 12


def _fli(pixels: np.ndarray) -> bytes:
    """A one-frame FLC animation: a gray palette chunk and a byte-run chunk."""
    height, width = pixels.shape
    palette = struct.pack("<HBB", 1, 0, 0) + bytes(b for i in range(256) for b in (i, i, i))
    chunks = struct.pack("<IH", 6 + len(palette), 4) + palette
    runs = b"".join(bytes([1]) + struct.pack("b", -width) + row.tobytes() for row in pixels)
    chunks += struct.pack("<IH", 6 + len(runs), 15) + runs
    frame = struct.pack("<IHH", 16 + len(chunks), 0xF1FA, 2) + b"\x00" * 8 + chunks
    header = bytearray(struct.pack("<IHHHHHHI", 128 + len(frame), 0xAF12, 1, width, height, 8, 0, 100).ljust(128, b"\x00"))
    header[80:84] = struct.pack("<I", 128)
    return bytes(header) + frame


def test_fli_decodes_palette_indices():
    pixels = (np.arange(6 * 8) % 7).astype(np.uint8).reshape(6, 8)
    buf = _fli(pixels)
    assert C.compression_from_bytes(buf) == "fli"
    assert C.read_shape_from_bytes(buf, "fli") == (6, 8)
    np.testing.assert_array_equal(C.decompress_array(buf, "fli"), pixels)
    np.testing.assert_array_equal(C.decompress_array(buf, "fli", (6, 8, 1), "uint8")[..., 0], pixels)


def _placeable_wmf(width_px: int, height_px: int) -> bytes:
    inch = 72  # so that logical units are pixels at Pillow's 72 dpi
    head = b"\xd7\xcd\xc6\x9a\x00\x00" + struct.pack("<hhhhH", 0, 0, width_px, height_px, inch) + b"\x00" * 6
    return head + b"\x01\x00\x09\x00\x00\x03" + b"\x00" * 12


def test_wmf_header_is_read_but_pixels_need_a_windows_renderer():
    buf = _placeable_wmf(30, 20)
    assert C.compression_from_bytes(buf) == "wmf"
    assert C.read_header_from_bytes(buf, "wmf") == C.SampleHeader((20, 30, 3), "|u1", "wmf")
    with pytest.raises(SampleDecompressionError):
        C.decompress_array(buf, "wmf")


@pytest.mark.parametrize("fmt", sorted(set(WRITABLE) | {"mpo", "fli", "wmf", "apng"}))
def test_corrupt_image_bytes(fmt):
    with pytest.raises(SampleDecompressionError):
        C.decompress_array(b"\x00garbage" * 30, fmt)
    with pytest.raises(CorruptedSampleError):
        C.read_header_from_bytes(b"\x00garbage" * 30, fmt)


def test_raw_and_lz4_have_no_header():
    from deeplake.errors import UnsupportedCompressionError

    with pytest.raises(UnsupportedCompressionError):
        C.read_header_from_bytes(b"abc", "lz4")
    with pytest.raises(UnsupportedCompressionError):
        C.read_sample_info(b"unknown bytes")


def test_exif_helper_survives_corrupt_exif():
    assert image.read_exif(b"not an image") == {}
