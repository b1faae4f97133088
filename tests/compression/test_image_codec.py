"""Image codecs over Pillow: round trips, header reads, bad input."""

import io
import shutil
from concurrent.futures import ThreadPoolExecutor

import numpy as np
import pytest
from PIL import Image

import deeplake.compression as C
from deeplake.compression import image
from deeplake.errors import (
    CorruptedSampleError,
    SampleCompressionError,
    SampleDecompressionError,
    UnsupportedCompressionError,
)

pytestmark = pytest.mark.filterwarnings("ignore:IM image format is deprecated")

RNG = np.random.default_rng(7)
SAMPLES = {
    "gray": RNG.integers(0, 256, (6, 9), dtype=np.uint8),
    "gray1": RNG.integers(0, 256, (6, 9, 1), dtype=np.uint8),
    "rgb": RNG.integers(0, 256, (6, 9, 3), dtype=np.uint8),
    "rgba": RNG.integers(0, 256, (6, 9, 4), dtype=np.uint8),
    "bool": RNG.integers(0, 2, (6, 9)).astype(bool),
    "u16": RNG.integers(0, 65536, (6, 9), dtype=np.uint16),
    "f32": RNG.random((6, 9), dtype=np.float32),
}

# Exact round trips per format (Pillow 13 here). Lossy formats are listed apart.
LOSSLESS = {
    "bmp": ["gray", "gray1", "rgb", "bool"],
    "dib": ["gray", "gray1", "rgb", "bool"],
    "gif": ["gray", "gray1", "bool"],
    "ico": ["gray", "rgb", "rgba", "bool", "u16"],
    "jpeg2000": ["gray", "rgb", "rgba", "u16"],
    "pcx": ["gray", "rgb", "bool"],
    "png": ["gray", "gray1", "rgb", "rgba", "bool", "u16"],
    "ppm": ["gray", "rgb", "bool", "u16", "f32"],
    "sgi": ["gray", "rgb", "rgba"],
    "tga": ["gray", "rgb", "rgba", "bool"],
    "tiff": ["gray", "gray1", "rgb", "rgba", "bool", "u16", "f32"],
    "im": ["gray", "rgb", "rgba", "bool", "u16", "f32"],
    "xbm": ["bool"],
    "msp": ["bool"],
}
LOSSY = {"jpeg": ["gray", "gray1", "rgb"], "webp": ["gray", "rgb", "rgba"]}
# Arrays each format cannot hold: encoding must refuse rather than lose data.
REFUSED = {
    "bmp": ["rgba", "u16", "f32"],
    "gif": ["rgba", "u16"],
    "jpeg": ["rgba", "u16", "f32"],
    "pcx": ["rgba", "u16"],
    "sgi": ["bool", "u16"],
    "xbm": ["gray", "rgb"],
    "msp": ["gray", "rgb"],
    "png": ["f32"],
    "webp": ["u16"],
}
# Not writable in this environment: wmf has no save handler in Pillow, eps
# needs Ghostscript to decode; mpo, fli and dcm are read-only formats.
READONLY = ["mpo", "fli", "dcm"]


def _cases(table):
    return [(fmt, key) for fmt, keys in table.items() for key in keys]


@pytest.mark.parametrize("fmt, key", _cases(LOSSLESS))
def test_lossless_round_trip(fmt, key):
    array = SAMPLES[key]
    buf = C.compress_array(array, fmt)
    out = C.decompress_array(buf, fmt, array.shape, array.dtype)
    assert out.shape == array.shape and out.dtype == array.dtype
    np.testing.assert_array_equal(out, array)


@pytest.mark.parametrize("fmt, key", _cases(LOSSY))
def test_lossy_round_trip(fmt, key):
    smooth = np.linspace(0, 255, 6 * 9 * 4).reshape(6, 9, 4).astype(np.uint8)
    array = {"gray": smooth[..., 0], "gray1": smooth[..., :1], "rgb": smooth[..., :3],
             "rgba": smooth}[key]
    buf = C.compress_array(array, fmt)
    out = C.decompress_array(buf, fmt, array.shape, array.dtype)
    assert out.shape == array.shape and out.dtype == np.uint8
    assert np.abs(out.astype(int) - array.astype(int)).mean() < 12


@pytest.mark.parametrize("fmt, key", _cases(REFUSED))
def test_format_refuses_arrays_it_cannot_hold(fmt, key):
    with pytest.raises(SampleCompressionError) as info:
        C.compress_array(SAMPLES[key], fmt)
    assert fmt in str(info.value)


@pytest.mark.parametrize("fmt", READONLY)
def test_readonly_formats_refuse_arrays(fmt):
    with pytest.raises(SampleCompressionError, match="deeplake.read"):
        C.compress_array(SAMPLES["rgb"], fmt)


def test_wmf_has_no_writer_here():
    with pytest.raises(SampleCompressionError, match="wmf"):
        C.compress_array(SAMPLES["rgb"], "wmf")


@pytest.mark.skipif(shutil.which("gs") is None, reason="EPS decoding needs Ghostscript")
def test_eps_round_trip():
    buf = C.compress_array(SAMPLES["rgb"], "eps")
    assert C.decompress_array(buf, "eps", (6, 9, 3), "uint8").shape == (6, 9, 3)


def test_eps_encodes_without_ghostscript():
    buf = C.compress_array(SAMPLES["rgb"], "eps")
    assert C.compression_from_bytes(buf) == "eps"
    assert C.read_shape_from_bytes(buf, "eps") == (6, 9, 3)


def test_alias_accepted_for_encoding():
    buf = C.compress_array(SAMPLES["rgb"], "jpg")
    assert buf[:3] == b"\xff\xd8\xff"
    assert C.compress_array(SAMPLES["rgb"], "tif")[:2] in (b"II", b"MM")


def test_unknown_compression():
    with pytest.raises(UnsupportedCompressionError):
        C.compress_array(SAMPLES["rgb"], "heic")
    with pytest.raises(UnsupportedCompressionError):
        C.decompress_array(b"x", "heic", (1,), "uint8")


@pytest.mark.parametrize(
    "bad_shape", [(6, 9, 5), (2, 6, 9, 3), (9,)]
)
def test_bad_image_shapes(bad_shape):
    with pytest.raises(SampleCompressionError):
        C.compress_array(np.zeros(bad_shape, np.uint8), "png")


def test_unsupported_dtype():
    with pytest.raises(SampleCompressionError):
        C.compress_array(np.zeros((4, 4, 3), np.float64), "png")


def test_empty_sample_is_zero_bytes():
    assert C.compress_array(np.zeros((0, 0, 3), np.uint8), "png") == b""
    out = C.decompress_array(b"", "png", (0, 0, 3), "uint8")
    assert out.shape == (0, 0, 3)


def test_jpeg_default_quality_is_pillows_75():
    array = SAMPLES["rgb"]
    default = C.compress_array(array, "jpeg")
    out = io.BytesIO()
    Image.fromarray(array).save(out, "JPEG", quality=75)
    assert default == out.getvalue()
    assert len(image.encode_image(array, "jpeg", quality=95)) > len(default)


def test_gray_decodes_as_hw_and_reshapes_to_hw1():
    buf = C.compress_array(SAMPLES["gray1"], "png")
    assert image.decode_image(buf).shape == (6, 9)
    assert C.read_shape_from_bytes(buf, "png") == (6, 9)
    assert C.decompress_array(buf, "png", (6, 9, 1), "uint8").shape == (6, 9, 1)


def test_channel_conversion_on_decode():
    gray = C.compress_array(SAMPLES["gray"], "png")
    rgb = C.decompress_array(gray, "png", (6, 9, 3), "uint8")
    assert (rgb == SAMPLES["gray"][..., None]).all()
    rgba = C.compress_array(SAMPLES["rgba"], "png")
    np.testing.assert_array_equal(image.decode_image(rgba, channels=3), SAMPLES["rgba"][..., :3])


def test_decoded_arrays_are_writable():
    out = C.decompress_array(C.compress_array(SAMPLES["rgb"], "png"), "png", (6, 9, 3), "uint8")
    out[0, 0, 0] = 1


@pytest.mark.parametrize("fmt", ["png", "jpeg", "bmp", "tiff", "webp", "gif", "jpeg2000"])
def test_header_shape_matches_decode(fmt):
    buf = C.compress_array(SAMPLES["rgb"], fmt)
    info = image.read_image_info(buf)
    assert info.shape == image.decode_image(buf).shape
    assert info.compression == fmt
    assert info.typestr == "|u1"


def test_header_read_does_not_decode_pixels():
    buf = C.compress_array(np.zeros((300, 200, 3), np.uint8), "jpeg")
    truncated = buf[: len(buf) // 2]  # header intact, scan data cut
    assert C.read_shape_from_bytes(truncated, "jpeg") == (300, 200, 3)
    with pytest.raises(SampleDecompressionError):
        C.decompress_array(truncated, "jpeg", (300, 200, 3), "uint8")
    with pytest.raises(CorruptedSampleError):
        image.verify_image(truncated, "jpeg")
    assert image.verify_image(buf, "jpeg").shape == (300, 200, 3)


def test_u16_header_typestr():
    info = image.read_image_info(C.compress_array(SAMPLES["u16"], "png"))
    assert info.typestr == "<u2" and info.shape == (6, 9)


@pytest.mark.parametrize("garbage", [b"", b"not an image at all", b"\x89PNG\r\n\x1a\n" + b"\x00" * 20])
def test_bad_bytes(garbage):
    with pytest.raises(SampleDecompressionError):
        image.decode_image(garbage)
    with pytest.raises(CorruptedSampleError):
        image.read_image_shape(garbage)


def test_shape_mismatch_raises():
    buf = C.compress_array(SAMPLES["rgb"], "png")
    with pytest.raises(SampleDecompressionError):
        C.decompress_array(buf, "png", (7, 9, 3), "uint8")


def test_draft_reduces_jpeg():
    buf = C.compress_array(np.zeros((256, 256, 3), np.uint8), "jpeg")
    assert image.decode_image(buf, draft=(64, 64)).shape == (64, 64, 3)


def test_apng_round_trip():
    frames = RNG.integers(0, 256, (3, 5, 4, 3), dtype=np.uint8)
    buf = C.compress_array(frames, "apng")
    assert b"acTL" in buf
    np.testing.assert_array_equal(C.decompress_array(buf, "apng", frames.shape, "uint8"), frames)
    assert C.read_shape_from_bytes(buf, "apng") == (3, 5, 4, 3)
    gray = RNG.integers(0, 256, (5, 4, 2), dtype=np.uint8)
    buf = C.compress_array(gray, "apng")
    np.testing.assert_array_equal(C.decompress_array(buf, "apng", gray.shape, "uint8"), gray)
    assert C.read_shape_from_bytes(buf, "apng") == (5, 4, 2)


@pytest.mark.parametrize("fmt", ["mp4", "mkv", "avi", "mp3", "flac", "wav", "nii", "nii.gz",
                                 "las", "ply", "dcm"])
def test_media_codecs_refuse_arrays_and_name_the_format_on_garbage(fmt):
    with pytest.raises(SampleCompressionError, match="deeplake.read"):
        C.compress_array(np.zeros((2, 2, 3), np.uint8), fmt)
    with pytest.raises(SampleDecompressionError, match=f"{fmt} file"):
        C.decompress_array(b"\x00" * 16, fmt, (2, 2, 3), "uint8")
    with pytest.raises(CorruptedSampleError, match=f"{fmt} file"):
        C.read_shape_from_bytes(b"\x00" * 16, fmt)


def test_raw_and_byte_codecs_have_no_header_shape():
    assert C.read_shape_from_bytes(b"abc", None) is None
    assert C.read_shape_from_bytes(C.compress_bytes(b"abc", "lz4"), "lz4") is None


def test_threaded_decode_matches_serial():
    bufs = [C.compress_array(RNG.integers(0, 256, (64, 48, 3), dtype=np.uint8), "png")
            for _ in range(16)]
    serial = [image.decode_image(b) for b in bufs]
    with ThreadPoolExecutor(2) as pool:
        threaded = list(pool.map(image.decode_image, bufs))
    for a, b in zip(serial, threaded):
        np.testing.assert_array_equal(a, b)


def test_fixture_gray_png_samples():
    """images/gray: image.gray png, stored as H x W x 1."""
    from compression_fixture_helpers import fixture_tensor, parse_chunk, sample_shapes

    record, chunk = fixture_tensor("images", "gray")
    _, shape_rows, positions, data = parse_chunk(chunk)
    shapes = sample_shapes(shape_rows)
    for (size, start, _), shape, sample in zip(positions, shapes, record["samples"]):
        buf = data[start : start + size]
        assert C.read_shape_from_bytes(buf, "png") == shape[:2]
        out = C.decompress_array(buf, "png", shape, "uint8")
        np.testing.assert_array_equal(out, np.array(sample["value"], np.uint8))
