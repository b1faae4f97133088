"""Dataset.append / extend / update / pop, and all-or-nothing writes (spec 19.1)."""

import os

import numpy as np
import pytest

import deeplake
from deeplake.util.exceptions import TensorDoesNotExistError


@pytest.fixture
def ds():
    ds = deeplake.empty("mem://rows", overwrite=True, verbose=False)
    ds.create_tensor("a", dtype="int32")
    ds.create_tensor("t", htype="text")
    return ds


@pytest.fixture
def local(tmp_path):
    ds = deeplake.empty(str(tmp_path / "ds"), verbose=False)
    ds.create_tensor("a", dtype="int32")
    ds.create_tensor("lbl", htype="class_label", class_names=["cat"])
    ds.create_tensor("t", htype="text")
    ds.create_tensor("g/arr", dtype="float32", max_chunk_size=2000)
    ds.extend({"a": [1, 2], "lbl": [0, 0], "t": ["x", "y"], "g/arr": np.ones((2, 3), "float32")})
    ds.flush()
    return ds


def snapshot(root):
    """Every file under the dataset directory (lock files excluded) -> bytes."""
    out = {}
    for dirpath, _, files in os.walk(root):
        for f in files:
            if f.endswith(".lock"):
                continue
            p = os.path.join(dirpath, f)
            with open(p, "rb") as fh:
                out[os.path.relpath(p, root)] = fh.read()
    return out


def lengths(ds):
    return {k: len(v) for k, v in ds.tensors.items()}


# ------------------------------------------------------------------ append


def test_append_row(ds):
    ds.append({"a": 1, "t": "hello"})
    ds.append({"a": np.int32(2), "t": "x"})
    assert ds.a.numpy().tolist() == [[1], [2]]
    assert ds.t.text() == ["hello", "x"]
    assert len(ds) == 2


def test_append_missing_tensor_is_key_error(ds):
    with pytest.raises(KeyError):
        ds.append({"a": 1})
    assert lengths(ds) == {"a": 0, "t": 0}


def test_append_unknown_tensor(ds):
    with pytest.raises(TensorDoesNotExistError):
        ds.append({"a": 1, "t": "x", "nope": 3})
    assert lengths(ds) == {"a": 0, "t": 0}


def test_append_skip_ok(ds):
    ds.append({"a": 5}, skip_ok=True)
    assert lengths(ds) == {"a": 1, "t": 0}
    assert ds.a.numpy().tolist() == [[5]]


def test_append_empty_pads_other_tensors(ds):
    ds.append({"a": 5}, append_empty=True)
    assert lengths(ds) == {"a": 1, "t": 1}
    assert ds.t.text() == [""]
    ds.append({"t": "q"}, append_empty=True, skip_ok=False)
    assert lengths(ds) == {"a": 2, "t": 2}
    assert ds.a[1].numpy().shape == (0,)


def test_append_unequal_lengths_raises_value_error(ds):
    ds.a.append(1)
    with pytest.raises(ValueError):
        ds.append({"a": 2, "t": "x"})
    assert lengths(ds) == {"a": 1, "t": 0}


def test_append_empty_unequal_lengths_raises_value_error(ds):
    ds.a.append(1)
    with pytest.raises(ValueError):
        ds.append({"a": 2}, append_empty=True)


def test_append_without_tensor_names(ds):
    with pytest.raises(Exception) as e:
        ds.append([1, "x"])
    assert type(e.value).__name__ == "SampleAppendingError"


# ------------------------------------------------------------------ extend


def test_extend_rows(ds):
    ds.extend({"a": np.arange(3, dtype="int32"), "t": ["p", "q", "r"]})
    ds.extend({"a": [7], "t": ["s"]}, progressbar=False)
    assert ds.a.numpy().ravel().tolist() == [0, 1, 2, 7]
    assert ds.t.text() == ["p", "q", "r", "s"]


def test_extend_unequal_batch_raises_value_error(ds):
    with pytest.raises(ValueError):
        ds.extend({"a": [1], "t": ["x", "y"]})
    assert lengths(ds) == {"a": 0, "t": 0}


def test_extend_missing_tensor_is_key_error(ds):
    with pytest.raises(KeyError):
        ds.extend({"a": [1]})
    assert lengths(ds) == {"a": 0, "t": 0}


def test_extend_unknown_tensor_and_skip_ok(ds):
    with pytest.raises(TensorDoesNotExistError):
        ds.extend({"zz": [1]}, skip_ok=True)
    ds.extend({"a": [1, 2]}, skip_ok=True)
    assert lengths(ds) == {"a": 2, "t": 0}


def test_extend_append_empty(ds):
    ds.extend({"t": ["a", "b"]}, append_empty=True)
    assert lengths(ds) == {"a": 2, "t": 2}
    assert ds.t.text() == ["a", "b"]


def test_extend_ignore_errors_skips_bad_rows(ds):
    ds.extend({"a": [1, 2, "bad", 4], "t": ["p", "q", "r", "s"]}, ignore_errors=True)
    assert ds.a.numpy().ravel().tolist() == [1, 2, 4]
    assert ds.t.text() == ["p", "q", "s"]


def test_extend_with_non_dict_raises(ds):
    with pytest.raises(Exception) as e:
        ds.extend([1, 2])
    assert not isinstance(e.value, (AssertionError, NameError))
    assert lengths(ds) == {"a": 0, "t": 0}


# ------------------------------------------------------------------ failed writes change nothing


def _bad_batches():
    return [
        # third row fails in class_label (a float array)
        {"a": [3, 4, 5], "lbl": [0, 0, np.zeros((2, 2))], "t": ["p", "q", "r"], "g/arr": np.zeros((3, 3), "float32")},
        # last tensor fails
        {"a": [3, 4], "lbl": [0, 0], "t": ["p", "q"], "g/arr": [np.zeros(3, "float32"), "oops"]},
        # first tensor fails on the second row
        {"a": [3, "bad"], "lbl": [0, 0], "t": ["p", "q"], "g/arr": np.zeros((2, 3), "float32")},
        # a new class name would be added before the failing tensor
        {"a": [3, 4], "lbl": ["dog", "cow"], "t": ["p", "q"], "g/arr": [np.zeros(3, "float32"), object()]},
    ]


@pytest.mark.parametrize("which", range(4))
def test_failed_extend_changes_nothing_on_disk(local, which):
    before = snapshot(local.path)
    before_len = lengths(local)
    with pytest.raises(Exception):
        local.extend(_bad_batches()[which])
    assert lengths(local) == before_len
    assert local.lbl.info.class_names == ["cat"]
    local.flush()
    assert snapshot(local.path) == before
    again = deeplake.load(local.path, read_only=True, verbose=False)
    assert lengths(again) == before_len
    assert again.a.numpy().ravel().tolist() == [1, 2]
    assert again.lbl.info.class_names == ["cat"]


def test_failed_append_changes_nothing_on_disk(local):
    before = snapshot(local.path)
    with pytest.raises(Exception):
        local.append({"a": 3, "lbl": "dog", "t": "z", "g/arr": "not numbers"})
    assert lengths(local) == {"a": 2, "lbl": 2, "t": 2, "g/arr": 2}
    assert local.lbl.info.class_names == ["cat"]
    local.flush()
    assert snapshot(local.path) == before


def test_failed_tensor_extend_changes_nothing_on_disk(local):
    before = snapshot(local.path)
    with pytest.raises(Exception):
        local.a.extend([5, 6, "bad"])
    with pytest.raises(Exception):
        local["g/arr"].extend([np.zeros(3, "float32"), np.zeros((2, 2, 2), "float32")[0, 0, 0:1], "x"])
    assert len(local.a) == 2 and len(local["g/arr"]) == 2
    local.flush()
    assert snapshot(local.path) == before


def test_dataset_usable_after_failed_extend(local):
    with pytest.raises(Exception):
        local.extend(_bad_batches()[0])
    local.extend({"a": [3], "lbl": ["dog"], "t": ["z"], "g/arr": np.full((1, 3), 2, "float32")})
    local.flush()
    again = deeplake.load(local.path, read_only=True, verbose=False)
    assert again.a.numpy().ravel().tolist() == [1, 2, 3]
    assert again.lbl.info.class_names == ["cat", "dog"]
    assert again.lbl.numpy().ravel().tolist() == [0, 0, 1]
    assert again.t.text() == ["x", "y", "z"]
    np.testing.assert_array_equal(again["g/arr"][2].numpy(), [2, 2, 2])


# ------------------------------------------------------------------ update


def test_update_single_row(ds):
    ds.extend({"a": [1, 2, 3], "t": ["a", "b", "c"]})
    ds[1].update({"a": 20, "t": "B"})
    assert ds.a.numpy().ravel().tolist() == [1, 20, 3]
    assert ds.t.text() == ["a", "B", "c"]


def test_update_slice(ds):
    ds.extend({"a": [1, 2, 3], "t": ["a", "b", "c"]})
    ds[:2].update({"a": [7, 8], "t": ["x", "y"]})
    assert ds.a.numpy().ravel().tolist() == [7, 8, 3]
    assert ds.t.text() == ["x", "y", "c"]


def test_update_subset_of_tensors_and_shape_change(ds):
    ds.extend({"a": [1, 2], "t": ["a", "b"]})
    ds[0].update({"a": [5, 6, 7]})
    assert ds.a[0].numpy().tolist() == [5, 6, 7]
    assert ds.t.text() == ["a", "b"]
    assert ds.a.shape == (2, None)


def test_failed_update_changes_nothing(local):
    before = snapshot(local.path)
    with pytest.raises(Exception):
        local[0].update({"a": 9, "t": {"not": "text"}, "g/arr": "bad"})
    assert local.a.numpy().ravel().tolist() == [1, 2]
    local.flush()
    assert snapshot(local.path) == before


# ------------------------------------------------------------------ pop


def test_pop_int_and_list():
    ds = deeplake.empty("mem://rows_pop", overwrite=True, verbose=False)
    ds.create_tensor("a")
    ds.a.extend([1, 2, 3, 4, 5])
    ds.pop(1)
    assert ds.a.numpy().ravel().tolist() == [1, 3, 4, 5]
    ds.pop([0, 2])
    assert ds.a.numpy().ravel().tolist() == [3, 5]
    ds.pop()
    assert ds.a.numpy().ravel().tolist() == [3]


def test_pop_errors():
    ds = deeplake.empty("mem://rows_pop_err", overwrite=True, verbose=False)
    ds.create_tensor("a")
    with pytest.raises(IndexError):
        ds.pop()
    ds.a.extend([1, 2, 3])
    with pytest.raises(IndexError):
        ds.pop(3)
    assert ds.a.numpy().ravel().tolist() == [1, 2, 3]


def test_pop_duplicate_indices():
    ds = deeplake.empty("mem://rows_pop_dup", overwrite=True, verbose=False)
    ds.create_tensor("a")
    ds.a.extend([1, 2, 3])
    with pytest.raises(ValueError):
        ds.pop([1, 1])
    assert ds.a.numpy().ravel().tolist() == [1, 2, 3]


def test_pop_with_unequal_tensor_lengths():
    ds = deeplake.empty("mem://rows_pop_unequal", overwrite=True, verbose=False)
    ds.create_tensor("a")
    ds.create_tensor("b")
    ds.a.extend([1, 2, 3, 4])
    ds.b.extend([10, 20])
    ds.pop()  # index = longest - 1 = 3; b is shorter and keeps its samples
    assert ds.a.numpy().ravel().tolist() == [1, 2, 3]
    assert ds.b.numpy().ravel().tolist() == [10, 20]
    ds.pop(2)
    assert ds.a.numpy().ravel().tolist() == [1, 2]
    assert ds.b.numpy().ravel().tolist() == [10, 20]
    ds.pop(1)
    assert ds.a.numpy().ravel().tolist() == [1]
    assert ds.b.numpy().ravel().tolist() == [10]


def test_pop_persists(local):
    local.pop(0)
    local.flush()
    again = deeplake.load(local.path, read_only=True, verbose=False)
    assert again.a.numpy().ravel().tolist() == [2]
    assert again.t.text() == ["y"]
    assert lengths(again) == {"a": 1, "lbl": 1, "t": 1, "g/arr": 1}


def test_view_tensors_are_sliced(ds):
    ds.extend({"a": [1, 2, 3, 4], "t": ["a", "b", "c", "d"]})
    view = ds[1:3]
    assert len(view) == 2
    assert {k: len(v) for k, v in view.tensors.items()} == {"a": 2, "t": 2}
    assert view.tensors["a"].numpy().ravel().tolist() == [2, 3]
    assert view.t.text() == ["b", "c"]
    assert ds[[3, 0]].t.text() == ["d", "a"]
