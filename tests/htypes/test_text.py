"""text / json / list / tag bytes, byte-exact against chunks the reference wrote."""

import json

import numpy as np
import pytest

from deeplake.errors import (
    SampleHtypeMismatchError,
    TensorDtypeMismatchError,
)
from deeplake.htypes import (
    build_tensor_meta,
    coerce_samples,
    decode_json,
    decode_list,
    decode_text,
    decode_text_batch,
    decode_text_sample,
    encode_json,
    encode_list,
    encode_text,
    encode_text_batch,
    encode_text_sample,
    json_dumps,
    json_loads,
    register_sample_factory,
    text_sample_to_array,
)

from conftest import read_chunk

# (fixture tensor, htype, the values the fixture script appended)
FIXTURE_SAMPLES = [
    ("tiny/captions", "text", ["a", "bb", "ccc"]),
    ("tiny/extra", "json", [{"k": 1}, {"list": [1, 2], "s": "x"}]),
    ("basic/text", "text", ["hello", "", "ünïcødé ✓"]),
    ("basic/js", "json", [{"a": 1, "b": [1, 2, 3]}, {}, {"nested": {"x": None, "y": 2.5, "z": "s"}},
                          None]),
    ("basic/lst", "list", [["a", "b"], [], [1, "two", 3.0]]),
    ("basic/tags", "tag", [["red", "big"], ["blue"]]),
    ("groups/a/y", "text", None),
    ("seq_link/seq_text", "text", ["x", "yy"]),
]


@pytest.mark.parametrize("tensor,htype,values", FIXTURE_SAMPLES, ids=[t for t, _, _ in FIXTURE_SAMPLES])
def test_bytes_equal_fixture_chunks(tensor, htype, values):
    shapes, stored = read_chunk(tensor)
    if values is None:  # only decode
        values = [decode_text_sample(htype, b) for b in stored]
    meta, info = build_tensor_meta("t", htype=htype)
    batch = coerce_samples(None, meta, info, values)
    assert [s.value for s in batch.samples] == stored
    assert [s.shape for s in batch.samples] == shapes
    decoded = [decode_text_sample(htype, b) for b in stored]
    expected = [({} if v is None else v) for v in values]
    assert decoded == expected


def test_decode_batch_and_arrays():
    values = ["a", "bb", "", "ccc"]
    data = b"".join(encode_text(v) for v in values)
    offsets = np.cumsum([0] + [len(v) for v in values])
    assert decode_text_batch("text", data, offsets) == values
    arr = text_sample_to_array("text", b"hi")
    assert arr.shape == (1,) and arr[0] == "hi"
    arr = text_sample_to_array("json", b'{"a": 1}')
    assert arr.shape == (1,) and arr.dtype == object and arr[0] == {"a": 1}
    arr = text_sample_to_array("list", b'["a", 2]')
    assert arr.shape == (2,) and arr.tolist() == ["a", 2]
    assert text_sample_to_array("list", b"").shape == (0,)


def test_json_format_details():
    # default separators, insertion order, ensure_ascii, NaN allowed
    assert encode_json({"b": 1, "a": [1, 2]}) == b'{"b": 1, "a": [1, 2]}'
    assert encode_json({"u": "é✓"}) == b'{"u": "\\u00e9\\u2713"}'
    assert encode_json(float("nan")) == b"NaN"
    assert encode_json({1: 2}) == b'{"1": 2}'
    assert decode_json(encode_json({"u": "é✓"})) == {"u": "é✓"}
    assert encode_list(["a", 1]) == b'["a", 1]'
    assert decode_list(b"") == []
    assert decode_text("ü".encode()) == "ü"


def test_custom_object_encoding():
    # byte-exact against what the reference wrote for these values
    a = np.arange(3, dtype=np.int16)
    assert encode_json({"a": a}) == (
        b'{"a": {"_hub_custom_type": "ndarray", "data": "AAABAAIA", "shape": [3], "dtype": "<i2"}}'
    )
    assert encode_json({"b": b"xy"}) == b'{"b": {"_hub_custom_type": "bytes", "data": "eHk="}}'
    assert encode_list([np.arange(2)]) == (
        b'[{"_hub_custom_type": "ndarray", "data": "AAAAAAAAAAABAAAAAAAAAA==", '
        b'"shape": [2], "dtype": "<i8"}]'
    )
    back = decode_json(encode_json({"a": a, "b": b"xy", "m": np.eye(2, dtype=np.float32)}))
    assert back["b"] == b"xy"
    np.testing.assert_array_equal(back["a"], a)
    assert back["m"].dtype == np.float32 and back["m"].shape == (2, 2)
    # numpy scalars become plain numbers (the reference failed on them)
    assert encode_json({"n": np.int64(3), "f": np.float32(0.5)}) == b'{"n": 3, "f": 0.5}'
    assert json_loads(json_dumps({"x": [1]})) == {"x": [1]}


class FakeSample:
    def __init__(self, buffer, compression):
        self.buffer, self.compression = buffer, compression


def test_sample_objects_round_trip():
    data = encode_json({"img": FakeSample(b"\x89PNG", "png")})
    assert json.loads(data)["img"] == {"_hub_custom_type": "Sample", "data": "iVBORw==",
                                       "compression": "png"}
    register_sample_factory(lambda buf, comp: ("sample", buf, comp))
    try:
        assert decode_json(data)["img"] == ("sample", b"\x89PNG", "png")
    finally:
        register_sample_factory(None)


@pytest.mark.parametrize("htype,sample,stored,shape", [
    ("text", None, b"", (1,)),
    ("text", 5, b"5", (1,)),
    ("text", 1.5, b"1.5", (1,)),
    ("text", np.array("hi"), b"hi", (1,)),
    ("text", np.str_("np"), b"np", (1,)),
    ("text", b"by", b"by", (1,)),
    ("json", None, b"{}", (1,)),
    ("json", [1, {"x": 2}], b'[1, {"x": 2}]', (1,)),
    ("json", "s", b'"s"', (1,)),
    ("json", np.array({"k": 1}), b'{"k": 1}', (1,)),
    ("json", (1, 2), b"[1, 2]", (1,)),
    ("list", None, b"[]", (0,)),
    ("list", (1, 2), b"[1, 2]", (2,)),
    ("list", np.array([1, 2]), b"[1, 2]", (2,)),
    ("list", np.array(["a", "b"]), b'["a", "b"]', (2,)),
    ("list", [np.int64(1)], b"[1]", (1,)),
    ("tag", "abc", b'["abc"]', (1,)),
    ("tag", 3, b"[3]", (1,)),
    ("tag", None, b"[]", (0,)),
    ("tag", ("z",), b'["z"]', (1,)),
    ("tag", np.array(["q"]), b'["q"]', (1,)),
])
def test_text_like_inputs(htype, sample, stored, shape):
    assert encode_text_sample(htype, sample) == (stored, shape)


@pytest.mark.parametrize("htype,sample,error", [
    ("text", ["a"], SampleHtypeMismatchError),
    ("text", np.array(["x", "y"]), SampleHtypeMismatchError),
    ("list", "abc", TensorDtypeMismatchError),
    ("list", {"a": 1}, TensorDtypeMismatchError),
    ("json", {"a": {1, 2}}, SampleHtypeMismatchError),
])
def test_text_like_bad_inputs(htype, sample, error):
    with pytest.raises(error):
        encode_text_sample(htype, sample)


def test_json_schema_validation():
    meta, info = build_tensor_meta("t", htype="json", dtype="Dict[str, int]")
    ok = coerce_samples(None, meta, info, [{"a": 1}, {}, None])
    assert [s.value for s in ok.samples] == [b'{"a": 1}', b"{}", b"{}"]
    with pytest.raises(TensorDtypeMismatchError):
        coerce_samples(None, meta, info, [{"a": "x"}])
    from typing import List, Optional

    meta, info = build_tensor_meta("t", htype="list", dtype=List[Optional[str]])
    coerce_samples(None, meta, info, [["a", None]])
    with pytest.raises(TensorDtypeMismatchError):
        coerce_samples(None, meta, info, [[1]])


def test_bulk_text_fast_path_matches_slow_path():
    values = ["a", "ü", "", "long " * 10]
    assert encode_text_batch("text", values) == encode_text_batch("text", values + [None])[:4]
    arr = np.array(values)
    assert [c.value for c in encode_text_batch("text", arr)] == [v.encode() for v in values]
