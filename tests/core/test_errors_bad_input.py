"""Bad input is rejected with a deeplake error and leaves the dataset as it was."""

import numpy as np
import pytest

import deeplake
from deeplake.util.exceptions import (
    DatasetHandlerError,
    InvalidKeyTypeError,
    SampleAppendError,
    SampleExtendError,
    TensorDoesNotExistError,
    TensorDtypeMismatchError,
    TensorInvalidSampleShapeError,
    TensorUnsupportedSampleType,
)

# Errors a rejected sample may surface as: the reference wraps the cause in
# SampleAppendError; a more specific documented class is just as good.
SAMPLE_ERRORS = (
    SampleAppendError,
    SampleExtendError,
    TensorDtypeMismatchError,
    TensorInvalidSampleShapeError,
    TensorUnsupportedSampleType,
)


@pytest.fixture
def ds():
    ds = deeplake.empty("mem://bad_input", overwrite=True, verbose=False)
    ds.create_tensor("a", dtype="int16")
    ds.a.append(np.zeros((2, 2), "int16"))
    return ds


def _unchanged(ds):
    assert len(ds.a) == 1
    assert ds.a.shape == (1, 2, 2)
    np.testing.assert_array_equal(ds.a.numpy(), np.zeros((1, 2, 2)))


@pytest.mark.parametrize(
    "sample",
    [
        pytest.param(np.zeros((2,), "int16"), id="fewer-dims"),
        pytest.param(np.zeros((2, 2, 2), "int16"), id="more-dims"),
        pytest.param([[1, 2], [3]], id="ragged-list"),
        pytest.param("abc", id="string"),
        pytest.param({"x": 1}, id="dict"),
        pytest.param(np.zeros((2, 2), "float32"), id="float-into-int"),
    ],
)
def test_bad_sample_rejected(ds, sample):
    with pytest.raises(SAMPLE_ERRORS):
        ds.a.append(sample)
    _unchanged(ds)


@pytest.mark.parametrize("samples", [5, None])
def test_extend_with_non_sequence(ds, samples):
    with pytest.raises(SAMPLE_ERRORS + (TypeError,)):
        ds.a.extend(samples)
    _unchanged(ds)


def test_extend_batch_with_one_bad_sample_adds_nothing(ds):
    with pytest.raises(SAMPLE_ERRORS):
        ds.a.extend([np.ones((2, 2), "int16"), np.ones((2, 2), "int16"), "bad"])
    _unchanged(ds)


def test_castable_dtype_accepted(ds):
    ds.a.append(np.ones((2, 2), "uint8"))
    assert ds.a[1].numpy().dtype == np.dtype("int16")
    assert ds.a[1].numpy().tolist() == [[1, 1], [1, 1]]


def test_explicit_dtype_enforced_for_float_data():
    ds = deeplake.empty("mem://bad_input_float", overwrite=True, verbose=False)
    t = ds.create_tensor("f", dtype="float32")
    t.append(np.ones(3, "float32"))
    with pytest.raises(SAMPLE_ERRORS):
        t.append(np.array(["x", "y"]))
    assert len(t) == 1


# ------------------------------------------------------------------ paths


def test_path_is_a_file(tmp_path):
    f = tmp_path / "afile"
    f.write_text("x")
    with pytest.raises(Exception) as e:
        deeplake.empty(str(f), verbose=False)
    assert not isinstance(e.value, (AssertionError, NameError))
    with pytest.raises(Exception):
        deeplake.load(str(f), verbose=False)
    assert f.read_text() == "x"


def test_path_below_a_file(tmp_path):
    f = tmp_path / "afile"
    f.write_text("x")
    with pytest.raises(Exception):
        deeplake.empty(str(f / "sub"), verbose=False)
    assert f.read_text() == "x"


def test_invalid_access_method(tmp_path):
    deeplake.empty(str(tmp_path / "ds"), verbose=False)
    with pytest.raises(ValueError):
        deeplake.load(str(tmp_path / "ds"), access_method="nope", verbose=False)


def test_load_plain_directory_is_not_a_dataset(tmp_path):
    (tmp_path / "plain").mkdir()
    with pytest.raises(DatasetHandlerError):
        deeplake.load(str(tmp_path / "plain"), verbose=False)


# ------------------------------------------------------------------ indexes


@pytest.mark.parametrize("index", [1.5, {}, object()])
def test_bad_dataset_index_types(ds, index):
    with pytest.raises(InvalidKeyTypeError):
        ds[index]


@pytest.mark.parametrize("index", [1.5, "x", {}])
def test_bad_tensor_index_types(ds, index):
    with pytest.raises(InvalidKeyTypeError):
        ds.a[index]


def test_bad_index_type_on_setitem(ds):
    with pytest.raises((InvalidKeyTypeError, TypeError)):
        ds.a["x"] = 1
    _unchanged(ds)


def test_out_of_range_indexes(ds):
    with pytest.raises(IndexError):
        ds[5]
    with pytest.raises(IndexError):
        ds[-5]
    with pytest.raises(IndexError):
        ds.a[[0, 9]].numpy()
    with pytest.raises(IndexError):
        ds.a[3].numpy()
    with pytest.raises(IndexError):
        ds.a.pop(7)
    _unchanged(ds)


def test_slice_past_end_is_empty(ds):
    assert len(ds.a[3:10]) == 0
    assert len(ds[3:10]) == 0


def test_unknown_tensor_in_update(ds):
    with pytest.raises(TensorDoesNotExistError):
        ds[0].update({"nope": 1})
    _unchanged(ds)


def test_failed_update_leaves_sample(ds):
    with pytest.raises(Exception):
        ds[0].update({"a": "bad"})
    _unchanged(ds)
