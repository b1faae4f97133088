"""Property tests: lossless codecs return exactly what they were given."""

import numpy as np
from hypothesis import given, settings, strategies as st
from hypothesis.extra import numpy as hnp

import deeplake.compression as C
from deeplake.compression import lz4 as codec


@given(st.binary(max_size=5000))
def test_lz4_bytes_round_trip(data):
    assert codec.decompress(codec.compress(data)) == data


@settings(max_examples=50, deadline=None)
@given(
    hnp.arrays(
        dtype=st.sampled_from([np.uint8, np.uint16]),
        shape=st.tuples(st.integers(1, 12), st.integers(1, 12), st.sampled_from([1, 3, 4])),
    )
)
def test_png_array_round_trip(array):
    if array.dtype == np.uint16 and array.shape[2] != 1:
        array = array.astype(np.uint8)  # Pillow writes 16-bit PNGs for one band only
    buf = C.compress_array(array, "png")
    np.testing.assert_array_equal(C.decompress_array(buf, "png", array.shape, array.dtype), array)


@settings(max_examples=30, deadline=None)
@given(
    st.lists(
        st.tuples(st.integers(0, 6), st.integers(0, 6)).map(
            lambda hw: hw if 0 not in hw else (0, 0)
        ),
        min_size=1,
        max_size=6,
    ),
    st.integers(0, 2**32 - 1),
)
def test_png_canvas_round_trip(sizes, seed):
    rng = np.random.default_rng(seed)
    arrays = [rng.integers(0, 256, (h, w, 3), dtype=np.uint8) for h, w in sizes]
    shapes = [a.shape for a in arrays]
    out = C.decode_canvas(C.encode_canvas(arrays, "png"), "png", shapes, dtype="uint8")
    for a, o in zip(arrays, out):
        np.testing.assert_array_equal(a, o)
