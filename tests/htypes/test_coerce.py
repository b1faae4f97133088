"""Sample coercion per htype family: dtype rules, class labels, bad input."""

import numpy as np
import pytest

from deeplake.errors import (
    InvalidImageDimensions,
    TensorDtypeMismatchError,
    TensorInvalidSampleShapeError,
    TensorUnsupportedSampleType,
)
from deeplake.htypes import (
    build_tensor_meta,
    cast_to_dtype,
    coerce_sample,
    coerce_samples,
    infer_dtype,
    infer_htype,
)


def meta_of(**kwargs):
    return build_tensor_meta("t", **kwargs)


def one(meta_info, sample):
    meta, info = meta_info
    batch = coerce_sample(None, meta, info, sample)
    return batch.samples[0]


# ---- numeric casting -----------------------------------------------------------------


@pytest.mark.parametrize("sample,dtype", [
    ([1, 2, 3], "uint8"), (np.int64(4), "uint8"), (np.array([1, 2, 3]), "uint8"),
    ([1.5, 2.0], "float32"), (np.array([1.5, 2.0]), "float32"),
    (np.array([1, 2], dtype=np.int32), "float32"), (np.zeros((3, 3)), "float32"),
    (np.zeros((2, 2)), "uint32"), (np.array([1.0, 2.0]), "int32"), (True, "int32"),
    ([True, False], "bool"), (np.array([0, 1]), "bool"), (1, "float16"),
    (np.array([np.nan, np.inf]), "float32"), (np.array([], dtype=np.float64), "uint8"),
])
def test_value_safe_casts_accepted(sample, dtype):
    out = cast_to_dtype(sample, dtype)
    assert out.dtype == np.dtype(dtype)
    np.testing.assert_array_equal(out, np.asarray(sample).astype(dtype))


@pytest.mark.parametrize("sample,dtype,actual", [
    (-1, "uint32", "int64"), (300, "uint8", "int64"), ([1, 2, 300], "uint8", "int64"),
    (1.5, "uint8", "float64"), (np.array([1.5]), "int32", "float64"),
    (np.array([1e39]), "float32", "float64"), (2, "bool", "int64"),
    (np.array([np.nan]), "int32", "float64"), (np.array(["abc"]), "int32", "str"),
    (np.array([1 + 1j]), "float64", "complex128"),
])
def test_lossy_casts_rejected(sample, dtype, actual):
    with pytest.raises(TensorDtypeMismatchError) as e:
        cast_to_dtype(sample, dtype)
    assert f"Dtype was expected to be '{dtype}' instead it was '{actual}'" in str(e.value)


def test_htype_hint_in_message():
    with pytest.raises(TensorDtypeMismatchError, match="Htype 'class_label' expects samples"):
        one(meta_of(htype="class_label"), -1)


def test_unsupported_sample_types():
    with pytest.raises(TensorUnsupportedSampleType):
        one(meta_of(dtype="int32"), {"a": 1})
    with pytest.raises(TensorUnsupportedSampleType, match="deeplake.read"):
        one(meta_of(dtype="int32"), "path/to/file.jpg")
    with pytest.raises(TensorUnsupportedSampleType):
        one(meta_of(dtype="int32"), object())
    with pytest.raises(TensorInvalidSampleShapeError):
        one(meta_of(dtype="int32"), [[1, 2], [3]])


def test_scalars_become_shape_1():
    s = one(meta_of(dtype="float64"), 1.5)
    assert s.shape == (1,) and s.value.tolist() == [1.5]
    s = one(meta_of(htype="class_label"), 0)
    assert s.shape == (1,) and s.value.dtype == np.uint32


def test_none_is_empty():
    assert one(meta_of(dtype="int32"), None) == (None, None)
    assert one(meta_of(htype="bbox"), None) == (None, None)


@pytest.mark.parametrize("sample,dtype", [
    (1, "int64"), (1.5, "float64"), (True, "bool"), ([1, 2.5], "float64"),
    ([[1, 2], [3, 4]], "int64"), (np.zeros(2, np.float32), "float32"), (np.uint8(3), "uint8"),
])
def test_infer_dtype(sample, dtype):
    assert infer_dtype(sample) == np.dtype(dtype)


def test_infer_dtype_undecidable():
    assert infer_dtype(None) is None
    assert infer_dtype([]) is None


def test_generic_dtype_decided_by_first_sample():
    meta, info = meta_of()
    batch = coerce_samples(None, meta, info, [None, 5, 6])
    assert batch.meta_updates == {"htype": "generic", "dtype": "int64", "typestr": "<i8"}
    assert [s.value.tolist() if s.value is not None else None for s in batch.samples] == \
        [None, [5], [6]]
    meta, info = meta_of(htype="image", sample_compression="png")
    batch = coerce_samples(None, meta, info, [np.zeros((2, 2, 3), np.uint8)])
    assert batch.meta_updates == {"dtype": "uint8", "typestr": "|u1"}
    # later float into the now-int64 generic tensor is refused, as in the reference
    meta["dtype"] = "int64"
    with pytest.raises(TensorDtypeMismatchError):
        one((meta, info), 1.5)


def test_batch_array_fast_path():
    meta, info = meta_of(dtype="uint16")
    batch = coerce_samples(None, meta, info, np.arange(6, dtype=np.int64).reshape(3, 2))
    assert [s.shape for s in batch.samples] == [(2,)] * 3
    assert all(s.value.dtype == np.uint16 for s in batch.samples)
    with pytest.raises(TensorDtypeMismatchError):
        coerce_samples(None, meta, info, np.array([[-1, 0]]))


def test_infer_htype():
    assert infer_htype(["a", "b"]) == "text"
    assert infer_htype([{"a": 1}]) == "json"
    assert infer_htype([1, 2]) == "generic"
    assert infer_htype(np.zeros(3)) == "generic"
    assert infer_htype([[1, "a"], None]) == "generic" or infer_htype([[1, "a"]]) == "json"
    assert infer_htype([None, "x"]) == "text"


def test_htypeless_tensor_gets_text_htype():
    meta, info = meta_of()
    batch = coerce_samples(None, meta, info, ["ab", "c"])
    assert batch.meta_updates == {"htype": "text", "dtype": "str"}
    assert [s.value for s in batch.samples] == [b"ab", b"c"]


# ---- htype families -----------------------------------------------------------------


def test_bbox_and_friends_cast_to_float32():
    s = one(meta_of(htype="bbox"), np.array([[462, 123, 238, 98]]))  # spec example (int64)
    assert s.value.dtype == np.float32 and s.shape == (1, 4)
    s = one(meta_of(htype="intrinsics"), np.zeros((3, 3)))  # spec example (float64)
    assert s.value.dtype == np.float32
    s = one(meta_of(htype="embedding"), np.random.uniform(-1, 1, size=8))  # spec example
    assert s.value.dtype == np.float32 and s.shape == (8,)
    s = one(meta_of(htype="segment_mask"), np.zeros((4, 4)))  # spec example
    assert s.value.dtype == np.uint32
    s = one(meta_of(htype="point"), [[0, 1], [1, 3]])
    assert s.value.dtype == np.int32 and s.shape == (2, 2)
    s = one(meta_of(htype="keypoints_coco"), np.zeros((9, 4), dtype=np.int64))
    assert s.value.dtype == np.int32 and s.shape == (9, 4)


def test_binary_mask():
    s = one(meta_of(htype="binary_mask"), np.zeros((2, 2, 5), dtype=bool))
    assert s.value.dtype == np.bool_ and s.shape == (2, 2, 5)
    with pytest.raises(TensorDtypeMismatchError):
        one(meta_of(htype="binary_mask"), np.full((2, 2), 7))


def test_image_modes():
    rgb = np.arange(2 * 3 * 3, dtype=np.uint8).reshape(2, 3, 3)
    s = one(meta_of(htype="image.gray", sample_compression="png"), rgb)
    expected = (rgb[..., 0] * 0.299).astype(np.uint8) + (rgb[..., 1] * 0.587).astype(
        np.uint8) + (rgb[..., 2] * 0.114).astype(np.uint8)
    assert s.shape == (2, 3, 1)
    np.testing.assert_array_equal(s.value[..., 0], expected)
    s = one(meta_of(htype="image.rgb", sample_compression="png"), rgb[..., 0])
    assert s.shape == (2, 3, 3)
    s = one(meta_of(htype="image.rgb", sample_compression="png"), np.zeros((2, 2, 4), np.uint8))
    assert s.shape == (2, 2, 3)
    with pytest.raises(InvalidImageDimensions):
        one(meta_of(htype="image.gray", sample_compression="png"), np.zeros((2, 2, 2), np.uint8))


def test_class_label_strings_extend_class_names():
    meta, info = meta_of(htype="class_label", class_names=["cat", "dog", "bird"])
    # the basic fixture's appends
    batch = coerce_samples(None, meta, info, [0, [1, 2], "bird", "fish"])
    assert [s.value.tolist() for s in batch.samples] == [[0], [1, 2], [2], [3]]
    assert [s.shape for s in batch.samples] == [(1,), (2,), (1,), (1,)]
    assert batch.info_updates == {"class_names": ["cat", "dog", "bird", "fish"]}
    assert info["class_names"] == ["cat", "dog", "bird"]  # input untouched


def test_class_label_inputs():
    meta, info = meta_of(htype="class_label")
    batch = coerce_samples(None, meta, info, [
        "a", ["b", "a"], np.array(["c", "a"]), [1, "d"], np.array([1, 2]), [], None,
        np.uint8(2),
    ])
    values = [None if s.value is None else s.value.tolist() for s in batch.samples]
    assert values == [[0], [1, 0], [2, 0], [1, 3], [1, 2], [], None, [2]]
    assert batch.info_updates["class_names"] == ["a", "b", "c", "d"]
    assert batch.samples[5].shape == (0,)


@pytest.mark.parametrize("bad", [-1, 1.5, 1.25, [0, -2], np.array([-1])])
def test_class_label_rejects_negative_and_fractional(bad):
    with pytest.raises(TensorDtypeMismatchError):
        one(meta_of(htype="class_label"), bad)


def test_class_label_no_info_update_without_new_names():
    meta, info = meta_of(htype="class_label", class_names=["a"])
    assert coerce_sample(None, meta, info, "a").info_updates == {}
    assert coerce_samples(None, meta, info, np.array([0, 0])).info_updates == {}


def test_gray_images_stored_with_channel_axis():
    # images/gray fixture: 2-D arrays appended, shapes (4, 5, 1) / (2, 2, 1)
    meta, info = meta_of(htype="image.gray", sample_compression="png")
    batch = coerce_samples(None, meta, info, [np.zeros((4, 5), np.uint8),
                                              np.zeros((2, 2, 3), np.uint8)])
    assert [s.shape for s in batch.samples] == [(4, 5, 1), (2, 2, 1)]
    s = one(meta_of(htype="image", sample_compression=None), np.zeros((2, 3), np.uint8))
    assert s.shape == (2, 3, 1)
    s = one(meta_of(sample_compression="png"), np.zeros((2, 3), np.uint8))
    assert s.shape == (2, 3, 1)
    s = one(meta_of(sample_compression="lz4"), np.zeros((2, 3), np.uint8))
    assert s.shape == (2, 3)
