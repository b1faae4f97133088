"""lz4 byte codec: block format with size prefix, frame input, edge cases."""

import os

import lz4.block
import lz4.frame
import numpy as np
import pytest

import deeplake.compression as C
from deeplake.compression import lz4 as codec
from deeplake.errors import SampleCompressionError, SampleDecompressionError

from compression_fixture_helpers import fixture_tensor, parse_chunk, sample_shapes


@pytest.mark.parametrize("size", [1, 7, 1000, 1 << 20])
def test_round_trip(size):
    data = os.urandom(size // 2) + bytes(size - size // 2)
    packed = codec.compress(data)
    assert codec.decompress(packed) == data
    assert codec.uncompressed_size(packed) == size


def test_writes_block_with_le_size_prefix_like_reference():
    data = b"abcabcabcabc" * 50
    packed = codec.compress(data)
    assert packed == lz4.block.compress(data)
    assert packed[:4] == len(data).to_bytes(4, "little")


def test_accepts_memoryview_and_bytearray():
    data = bytes(range(256)) * 4
    assert codec.decompress(memoryview(codec.compress(memoryview(data)))) == data
    assert codec.decompress(bytearray(codec.compress(bytearray(data)))) == data


def test_empty_is_not_compressed():
    assert codec.compress(b"") == b""
    assert codec.decompress(b"") == b""
    assert C.compress_bytes(b"", "lz4") == b""


def test_five_zero_bytes_decode_to_empty():
    assert codec.decompress(b"\x00\x00\x00\x00\x00") == b""
    assert lz4.block.compress(b"") == b"\x00" * 5  # what that input is


def test_frame_input_is_accepted():
    data = b"frame " * 1000
    frame = lz4.frame.compress(data)
    assert frame[:4] == b"\x04\x22\x4d\x18"
    assert codec.decompress(frame) == data
    assert codec.uncompressed_size(frame) == len(data)


@pytest.mark.parametrize(
    "bad", [b"\x10\x00\x00\x00garbage", b"\x04\x22\x4d\x18xx", b"ab", b"\xff\xff\xff\x7f\x00"]
)
def test_corrupt_input_raises(bad):
    with pytest.raises(SampleDecompressionError):
        codec.decompress(bad)


def test_dispatch_and_non_byte_codec_errors():
    data = b"hello" * 10
    assert C.decompress_bytes(C.compress_bytes(data, "lz4"), "lz4") == data
    assert C.compress_bytes(data, None) == data
    with pytest.raises(SampleCompressionError):
        C.compress_bytes(data, "png")
    with pytest.raises(SampleDecompressionError):
        C.decompress_bytes(data, "jpeg")


@pytest.mark.parametrize(
    "array",
    [
        np.arange(24, dtype=np.float32).reshape(2, 3, 4),
        np.array([True, False, True]),
        np.arange(10, dtype=np.uint64),
        np.array([[1, 2], [3, 4]], dtype=">i4"),
    ],
)
def test_array_round_trip(array):
    buf = C.compress_array(array, "lz4")
    out = C.decompress_array(buf, "lz4", array.shape, array.dtype.newbyteorder("="))
    np.testing.assert_array_equal(out, array)


def test_empty_array_is_zero_bytes():
    assert C.compress_array(np.zeros((0, 3), np.float32), "lz4") == b""
    out = C.decompress_array(b"", "lz4", (0, 3), "float32")
    assert out.shape == (0, 3) and out.dtype == np.float32


def test_wrong_size_raises():
    buf = C.compress_array(np.arange(6, dtype=np.uint8), "lz4")
    with pytest.raises(SampleDecompressionError):
        C.decompress_array(buf, "lz4", (7,), "uint8")


def test_fixture_raw_lz4_chunk():
    """images/raw_lz4: lz4 chunk compression; byte positions index the decompressed data."""
    record, chunk = fixture_tensor("images", "raw_lz4")
    version, shape_rows, positions, data = parse_chunk(chunk)
    assert version == "3.8.22"
    assert positions.tolist() == [[48, 0, 3], [30, 192, 4]]
    assert data[:4] == bytes.fromhex("de000000")
    raw = C.decompress_bytes(data, "lz4")
    assert len(raw) == 222
    shapes = sample_shapes(shape_rows)
    starts = [0, 48, 96, 144, 192]
    for sample, shape, start in zip(record["samples"], shapes, starts):
        n = int(np.prod(shape))
        got = np.frombuffer(raw[start : start + n], np.uint8).reshape(shape)
        assert list(shape) == sample["shape"]
        np.testing.assert_array_equal(got, np.array(sample["value"], np.uint8))
