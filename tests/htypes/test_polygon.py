"""Polygon bytes (FORMAT.md §3.8), byte-exact against fixtures/seq_link/poly."""

import numpy as np
import pytest

from deeplake.errors import TensorInvalidSampleShapeError
from deeplake.htypes import (
    Polygons,
    build_tensor_meta,
    coerce_samples,
    decode_polygons,
    encode_polygons,
)

from conftest import read_chunk, read_json

FIXTURE_VALUES = [
    [np.array([[0, 0], [1, 0], [1, 1]], dtype=np.float32),
     np.array([[2, 2], [3, 2], [3, 3], [2, 3]], dtype=np.float32)],
    [np.array([[5, 5], [6, 6], [5, 6]], dtype=np.float32)],
]


def test_encode_matches_fixture_chunk():
    shapes, stored = read_chunk("seq_link/poly")
    meta, info = build_tensor_meta("poly", htype="polygon", dtype="float32")
    batch = coerce_samples(None, meta, info, FIXTURE_VALUES)
    assert [s.value for s in batch.samples] == stored
    assert [s.shape for s in batch.samples] == shapes == [(2, 4, 2), (1, 3, 2)]
    assert stored[0][:6] == bytes.fromhex("020003000400") and len(stored[0]) == 62


def test_decode_fixture_chunk():
    _, stored = read_chunk("seq_link/poly")
    expected = read_json("seq_link.expected.json")["commits"][
        "firstdbf9474d461a19e9333c2fd19b46115348f"]["tensors"]["poly"]["samples"]
    decoded = [[p.tolist() for p in decode_polygons(b, "float32", 2)] for b in stored]
    assert decoded == expected
    poly = Polygons.frombuffer(stored[0], "float32", 2)
    assert poly.shape == (2, 4, 2) and len(poly) == 2 and poly[1].shape == (4, 2)


@pytest.mark.parametrize("sample,shape", [
    ([[(1, 2), (2, 3), (3, 4)], [(10, 12), (14, 19)]], (2, 3, 2)),
    ([[(10, 2, 9), (12, 3, 8), (12, 10, 4)], [(10, 1, 8), (5, 17, 11)]], (2, 3, 3)),
    (np.random.randint(0, 10, (5, 7, 2)), (5, 7, 2)),
    ([np.zeros((5, 2)), np.zeros((8, 2)), np.zeros((3, 2))], (3, 8, 2)),
    ([], (0, 0, 0)),
    (None, (0, 0, 0)),
])
def test_spec_inputs_round_trip(sample, shape):
    data = encode_polygons(sample, "float32")
    poly = Polygons(sample, "float32")
    assert poly.shape == shape
    back = decode_polygons(data, "float32", shape[2])
    assert len(back) == shape[0]
    for a, b in zip(back, poly):
        np.testing.assert_array_equal(a, b)
    if shape[0] == 0:
        assert data == b""


def test_other_dtypes():
    data = encode_polygons([[(1, 2), (3, 4)]], "int32")
    assert data == bytes.fromhex("01000200") + np.array([1, 2, 3, 4], "<i4").tobytes()
    assert decode_polygons(data, "int32", 2)[0].dtype == np.int32


@pytest.mark.parametrize("bad", [
    [[(1, 2), (3, 4)], [(1, 2, 3), (4, 5, 6)]],  # mixed ndim
    [[(1, 2)], []],                             # empty polygon
    [[(1, 2)], None],
    [[1, 2, 3]],                                # polygon not (points, ndim)
])
def test_bad_polygons(bad):
    with pytest.raises(TensorInvalidSampleShapeError):
        encode_polygons(bad, "float32")
