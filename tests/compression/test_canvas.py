"""Image chunk compression: one encoded canvas per chunk (FORMAT.md §3.4.3)."""

import numpy as np
import pytest

import deeplake.compression as C
from deeplake.compression.canvas import canvas_shape
from deeplake.errors import SampleCompressionError, SampleDecompressionError

from compression_fixture_helpers import fixture_tensor, parse_chunk, sample_shapes

RNG = np.random.default_rng(3)


def test_fixture_png_chunk():
    record, chunk = fixture_tensor("images", "png_chunk")
    version, shape_rows, positions, data = parse_chunk(chunk)
    assert version == "3.8.22"
    assert len(positions) == 0  # image chunk compression has no byte positions
    assert data[:8] == b"\x89PNG\r\n\x1a\n"
    shapes = sample_shapes(shape_rows)
    assert shapes == [(4, 4, 3), (2, 6, 3)]
    assert C.read_shape_from_bytes(data, "png") == canvas_shape(shapes) == (4, 10, 3)
    samples = C.decode_canvas(data, "png", shapes, dtype="uint8")
    for got, expected in zip(samples, record["samples"]):
        np.testing.assert_array_equal(got, np.array(expected["value"], np.uint8))
    # the canvas is zero where no sample was pasted
    canvas = C.decompress_array(data, "png", (4, 10, 3), "uint8")
    assert not canvas[2:, 4:].any()


def test_fixture_canvas_reencodes_to_same_pixels():
    record, chunk = fixture_tensor("images", "png_chunk")
    arrays = [np.array(s["value"], np.uint8) for s in record["samples"]]
    _, _, _, data = parse_chunk(chunk)
    ours = C.encode_canvas(arrays, "png")
    np.testing.assert_array_equal(
        C.decompress_array(ours, "png", (4, 10, 3), "uint8"),
        C.decompress_array(data, "png", (4, 10, 3), "uint8"),
    )


@pytest.mark.parametrize("fmt", ["png", "tiff", "bmp"])
def test_round_trip_mixed_shapes_with_empties(fmt):
    arrays = [
        RNG.integers(0, 256, (5, 3, 3), dtype=np.uint8),
        np.zeros((0, 0, 3), np.uint8),
        RNG.integers(0, 256, (2, 7, 3), dtype=np.uint8),
        np.zeros((0, 4, 3), np.uint8),
        RNG.integers(0, 256, (6, 1, 3), dtype=np.uint8),
    ]
    shapes = [a.shape for a in arrays]
    assert canvas_shape(shapes) == (6, 15, 3)
    out = C.decode_canvas(C.encode_canvas(arrays, fmt), fmt, shapes)
    assert [o.shape for o in out] == shapes
    for a, o in zip(arrays, out):
        np.testing.assert_array_equal(a, o)


def test_gray_hw1_and_2d_samples():
    gray = [RNG.integers(0, 256, (3, 4, 1), dtype=np.uint8), RNG.integers(0, 256, (5, 2, 1), dtype=np.uint8)]
    out = C.decode_canvas(C.encode_canvas(gray, "png"), "png", [g.shape for g in gray])
    for a, o in zip(gray, out):
        np.testing.assert_array_equal(a, o)
    flat = [g[..., 0] for g in gray]
    out = C.decode_canvas(C.encode_canvas(flat, "png"), "png", [g.shape for g in flat])
    for a, o in zip(flat, out):
        np.testing.assert_array_equal(a, o)


def test_lossy_canvas_keeps_shapes():
    arrays = [np.full((8, 8, 3), 100, np.uint8), np.full((4, 16, 3), 200, np.uint8)]
    out = C.decode_canvas(C.encode_canvas(arrays, "jpg"), "jpg", [(8, 8, 3), (4, 16, 3)])
    assert [o.shape for o in out] == [(8, 8, 3), (4, 16, 3)]
    assert abs(int(out[1].mean()) - 200) < 5


def test_all_empty_chunk():
    assert C.encode_canvas([], "png") == b""
    assert C.encode_canvas([np.zeros((0, 0, 3), np.uint8)], "png") == b""
    out = C.decode_canvas(b"", "png", [(0, 0, 3), (0, 0, 3)], dtype="uint8")
    assert [o.shape for o in out] == [(0, 0, 3), (0, 0, 3)]


def test_channel_mismatch_is_refused():
    with pytest.raises(SampleCompressionError, match="channels"):
        C.encode_canvas([np.zeros((2, 2, 3), np.uint8), np.zeros((2, 2, 4), np.uint8)], "png")


def test_dtype_mismatch_is_refused():
    with pytest.raises(SampleCompressionError, match="dtype"):
        C.encode_canvas([np.zeros((2, 2), np.uint8), np.zeros((2, 2), np.uint16)], "png")


def test_non_image_codecs_are_refused():
    with pytest.raises(SampleCompressionError):
        C.encode_canvas([np.zeros((2, 2, 3), np.uint8)], "lz4")
    with pytest.raises(SampleCompressionError):
        C.encode_canvas([np.zeros((2, 2, 3), np.uint8)], "mp4")
    with pytest.raises(SampleDecompressionError):
        C.decode_canvas(b"x", "wav", [(2, 2)])


def test_shapes_that_do_not_fit_the_canvas():
    buf = C.encode_canvas([np.zeros((2, 2, 3), np.uint8)], "png")
    with pytest.raises(SampleDecompressionError):
        C.decode_canvas(buf, "png", [(2, 3, 3)])
