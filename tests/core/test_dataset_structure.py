"""Dataset schema operations: create/delete/rename tensors and groups, info, summary, read-only."""

import os

import numpy as np
import pytest

import deeplake
from deeplake.util.exceptions import (
    DynamicTensorNumpyError,
    GroupInfoNotSupportedError,
    InvalidKeyTypeError,
    InvalidTensorNameError,
    ReadOnlyModeError,
    RenameError,
    TensorAlreadyExistsError,
    TensorDoesNotExistError,
    TensorGroupAlreadyExistsError,
    TensorGroupDoesNotExistError,
    TensorMetaInvalidHtype,
    TensorMetaInvalidHtypeOverwriteKey,
    TensorMetaInvalidHtypeOverwriteValue,
    TensorMetaMissingRequiredValue,
    TensorMetaMutuallyExclusiveKeysError,
    UnsupportedCompressionError,
)


@pytest.fixture
def ds():
    return deeplake.empty("mem://structure", overwrite=True, verbose=False)


@pytest.fixture
def local(tmp_path):
    return deeplake.empty(str(tmp_path / "ds"), verbose=False)


# ------------------------------------------------------------------ create_tensor


def test_create_tensor_returns_tensor_with_defaults(ds):
    t = ds.create_tensor("data")
    assert isinstance(t, deeplake.Tensor)
    assert repr(t) == "Tensor(key='data')"
    assert t.dtype is None
    assert t.meta.sample_compression is None and t.meta.chunk_compression is None
    assert t.shape == (0,)
    assert len(t) == 0 and t.num_samples == 0
    assert list(ds.tensors) == ["data"]
    assert ds.data.key == "data" and ds["data"].key == "data"
    t.append(1)
    assert t.htype == "generic"  # spec: htype defaults to "generic"


def test_create_tensor_all_parameters(ds):
    t = ds.create_tensor(
        "p",
        htype="generic",
        dtype="int16",
        sample_compression=None,
        chunk_compression="lz4",
        hidden=False,
        create_sample_info_tensor=False,
        create_shape_tensor=False,
        create_id_tensor=False,
        verify=True,
        exist_ok=False,
        verbose=False,
        downsampling=None,
        tiling_threshold=-1,
        max_chunk_size=4096,
    )
    assert t.dtype == np.dtype("int16")
    assert t.meta.chunk_compression == "lz4"
    assert t.meta.sample_compression is None
    t.extend(np.arange(10, dtype="int16").reshape(5, 2))
    np.testing.assert_array_equal(t.numpy(), np.arange(10).reshape(5, 2))


@pytest.mark.parametrize("dtype", [np.float16, "float64", np.dtype("uint64"), bool, int, float])
def test_create_tensor_dtype_forms(ds, dtype):
    t = ds.create_tensor("t", dtype=dtype)
    assert t.dtype == np.dtype(dtype)


def test_create_tensor_duplicate_raises(ds):
    ds.create_tensor("a")
    with pytest.raises(TensorAlreadyExistsError):
        ds.create_tensor("a")
    assert ds.create_tensor("a", exist_ok=True).key == "a"
    assert list(ds.tensors) == ["a"]


def test_create_tensor_invalid_htype(ds):
    with pytest.raises(TensorMetaInvalidHtype):
        ds.create_tensor("a", htype="not_an_htype")
    assert list(ds.tensors) == []


def test_wrong_dtype_for_text_htype(ds):
    with pytest.raises(TensorMetaInvalidHtypeOverwriteValue):
        ds.create_tensor("a", htype="text", dtype="int32")
    assert list(ds.tensors) == []


def test_unknown_dtype_raises(ds):
    with pytest.raises(TensorMetaInvalidHtypeOverwriteValue):
        ds.create_tensor("a", dtype="not_a_dtype")


def test_unknown_keyword_raises(ds):
    with pytest.raises(TensorMetaInvalidHtypeOverwriteKey):
        ds.create_tensor("a", nonsense=1)
    with pytest.raises(TensorMetaInvalidHtypeOverwriteKey):
        ds.create_tensor("b", htype="generic", class_names=["x"])


@pytest.mark.parametrize("kw", ["sample_compression", "chunk_compression"])
def test_bad_compression(ds, kw):
    with pytest.raises(UnsupportedCompressionError):
        ds.create_tensor("a", **{kw: "zzz"})
    assert list(ds.tensors) == []


def test_both_compressions_rejected(ds):
    with pytest.raises(TensorMetaMutuallyExclusiveKeysError):
        ds.create_tensor("a", sample_compression="lz4", chunk_compression="lz4")


def test_image_requires_compression(ds):
    with pytest.raises(TensorMetaMissingRequiredValue):
        ds.create_tensor("img", htype="image")


@pytest.mark.parametrize("name", ["tensors", "info", "append", "extend", "groups", "summary"])
def test_reserved_names(ds, name):
    with pytest.raises(InvalidTensorNameError):
        ds.create_tensor(name)
    assert list(ds.tensors) == []


def test_empty_name_invalid(ds):
    with pytest.raises(InvalidTensorNameError):
        ds.create_tensor("")


def test_hidden_tensor(ds):
    ds.create_tensor("shown")
    h = ds.create_tensor("secret", hidden=True)
    assert h.hidden is True and h.meta.hidden is True
    assert list(ds.tensors) == ["shown"]


def test_hidden_tensor_accessible_by_key(ds):
    ds.create_tensor("secret", hidden=True)
    ds["secret"].append(1)
    assert ds["secret"].hidden is True
    assert ds["secret"].numpy().tolist() == [[1]]


def test_hidden_tensor_not_required_by_append(ds):
    ds.create_tensor("a")
    ds.create_tensor("secret", hidden=True)
    ds.append({"a": 1})
    assert ds.a.numpy().tolist() == [[1]]


# ------------------------------------------------------------------ groups


def test_nested_groups(ds):
    g = ds.create_group("a/b/c")
    assert isinstance(g, deeplake.Dataset)
    assert list(ds.groups) == ["a"]
    assert list(ds.a.groups) == ["b"]
    assert list(ds["a/b"].groups) == ["c"]
    ds["a/b"].create_tensor("t")
    assert list(ds.tensors) == ["a/b/t"]
    assert ds.a.b.t.key == "a/b/t"
    assert ds["a"]["b/t"].key == "a/b/t"
    assert ds["a/b/t"].key == "a/b/t"
    assert list(ds.a.tensors) == ["b/t"]
    assert list(ds.a.b.tensors) == ["t"]


def test_tensor_in_group_repr_uses_full_key(ds):
    ds.create_group("a/b").create_tensor("t")
    assert repr(ds.a.b.t) == "Tensor(key='a/b/t')"


def test_create_tensor_with_slash_creates_groups(ds):
    ds.create_tensor("x/y/z")
    assert list(ds.groups) == ["x"]
    assert list(ds.x.y.tensors) == ["z"]


def test_group_errors(ds):
    ds.create_group("a/b")
    with pytest.raises(TensorGroupAlreadyExistsError):
        ds.create_group("a/b")
    assert ds.create_group("a/b", exist_ok=True).group_index == "a/b"
    with pytest.raises(TensorGroupAlreadyExistsError):
        ds.create_tensor("a")
    ds.create_tensor("a/b/t")
    with pytest.raises(TensorAlreadyExistsError):
        ds.create_group("a/b/t")


def test_group_has_no_info(ds):
    ds.create_group("g")
    with pytest.raises(GroupInfoNotSupportedError):
        ds.g.info


def test_missing_key_errors(ds):
    with pytest.raises(TensorDoesNotExistError):
        ds["nope"]
    with pytest.raises(AttributeError):
        ds.nope
    with pytest.raises(InvalidKeyTypeError):
        ds[1.5]


# ------------------------------------------------------------------ create_tensor_like


def test_create_tensor_like_copies_meta_and_info(ds):
    src = ds.create_tensor("x", htype="class_label", class_names=["p", "q"], chunk_compression="lz4")
    src.extend([0, 1, 1])
    src.info.update(extra=3)
    y = ds.create_tensor_like("y", src)
    assert y.htype == "class_label"
    assert y.dtype == np.dtype("uint32")
    assert y.meta.chunk_compression == "lz4"
    assert y.info.class_names == ["p", "q"]
    assert y.info.extra == 3
    assert len(y) == 0


def test_create_tensor_like_from_other_dataset(ds):
    other = deeplake.empty("mem://structure_other", overwrite=True, verbose=False)
    other.create_tensor("b", htype="bbox", dtype="float64", coords={"type": "pixel", "mode": "LTWH"})
    t = ds.create_tensor_like("b2", other.b)
    assert t.htype == "bbox" and t.dtype == np.dtype("float64")
    assert t.info.coords == {"type": "pixel", "mode": "LTWH"}


# ------------------------------------------------------------------ delete / rename


def test_delete_tensor(local):
    local.create_tensor("a")
    local.create_tensor("g/b")
    local.a.extend([1, 2])
    local.delete_tensor("a")
    assert list(local.tensors) == ["g/b"]
    with pytest.raises(TensorDoesNotExistError):
        local.delete_tensor("a")
    local.delete_tensor("g/b")
    assert list(local.tensors) == []
    local.flush()
    assert list(deeplake.load(local.path, verbose=False).tensors) == []
    # the name is free again
    local.create_tensor("a")
    assert len(local.a) == 0


def test_delete_group(local):
    local.create_tensor("a/b/t1")
    local.create_tensor("a/t2")
    local.create_tensor("keep")
    local.delete_group("a/b")
    assert sorted(local.tensors) == ["a/t2", "keep"]
    local.delete_group("a")
    assert list(local.tensors) == ["keep"]
    assert list(local.groups) == []
    with pytest.raises(TensorGroupDoesNotExistError):
        local.delete_group("a")
    with pytest.raises(TensorGroupDoesNotExistError):
        local.delete_group("keep")


def test_rename_tensor(local):
    local.create_tensor("x")
    local.x.extend([1, 2])
    local.x.info.update(u=1)
    t = local.rename_tensor("x", "y")
    assert isinstance(t, deeplake.Tensor)
    assert sorted(local.tensors) == ["y"]
    assert local.y.numpy().tolist() == [[1], [2]]
    local.flush()
    again = deeplake.load(local.path, verbose=False)
    assert list(again.tensors) == ["y"] and again.y.info.u == 1


def test_rename_tensor_errors(ds):
    ds.create_tensor("x")
    ds.create_tensor("y")
    ds.create_tensor("g/t")
    with pytest.raises(TensorAlreadyExistsError):
        ds.rename_tensor("x", "y")
    with pytest.raises(TensorDoesNotExistError):
        ds.rename_tensor("nope", "z")
    with pytest.raises(InvalidTensorNameError):
        ds.rename_tensor("x", "tensors")
    with pytest.raises(RenameError):
        ds.rename_tensor("x", "g/x")
    assert sorted(ds.tensors) == ["g/t", "x", "y"]


def test_rename_group(ds):
    ds.create_tensor("a/b/t")
    ds.a.b.t.append(1)
    ds.rename_group("a", "z")
    assert list(ds.tensors) == ["z/b/t"]
    assert list(ds.groups) == ["z"]
    assert ds.z.b.t.numpy().tolist() == [[1]]
    with pytest.raises(TensorGroupDoesNotExistError):
        ds.rename_group("nope", "w")


def test_rename_group_to_other_parent_raises(ds):
    ds.create_tensor("a/b/t")
    with pytest.raises(RenameError):
        ds.rename_group("a/b", "q/b")
    assert list(ds.tensors) == ["a/b/t"]


def test_rename_group_onto_existing_name(ds):
    ds.create_tensor("g/t")
    ds.create_tensor("x")
    with pytest.raises((TensorAlreadyExistsError, TensorGroupAlreadyExistsError)):
        ds.rename_group("g", "x")


# ------------------------------------------------------------------ lengths / views / iteration


def test_lengths_and_views(ds):
    ds.create_tensor("a")
    ds.create_tensor("b", htype="text")
    ds.a.extend([1, 2, 3, 4])
    ds.b.extend(["x", "y"])
    assert ds.num_samples == 2
    assert ds.min_len == 2 and ds.max_len == 4
    assert len(ds) == 2
    assert len(list(ds)) == 2
    assert [s.a.numpy().tolist() for s in ds] == [[1], [2]]


def test_min_and_max_view(ds):
    ds.create_tensor("a")
    ds.create_tensor("c")
    ds.a.extend([1, 2, 3])
    ds.c.extend([7])
    mn = ds.min_view
    assert len(mn) == 1 and mn.a.numpy().tolist() == [[1]]
    mx = ds.max_view
    assert len(mx) == 3
    assert mx.a.numpy().tolist() == [[1], [2], [3]]


def test_max_view_rows_are_padded_with_empty_samples(ds):
    ds.create_tensor("a")
    ds.create_tensor("c")
    ds.a.extend([1, 2, 3])
    ds.c.extend([7])
    rows = list(ds.max_view)
    assert [r.a.numpy().tolist() for r in rows] == [[1], [2], [3]]
    assert [r.c.numpy().size for r in rows] == [1, 0, 0]


# ------------------------------------------------------------------ info


def test_info_api(ds):
    info = ds.info
    info.update(a=1, b=[1, 2])
    assert info.a == 1 and info["b"] == [1, 2]
    assert info.get("c", 9) == 9 and info.get("c") is None
    assert list(info.keys()) == ["a", "b"]
    assert list(info.values()) == [1, [1, 2]]
    assert list(info.items()) == [("a", 1), ("b", [1, 2])]
    assert len(info) == 2
    assert isinstance(info.nbytes, int) and info.nbytes > 0
    assert info.setdefault("c", 3) == 3 and info.c == 3
    assert info.setdefault("c", 4) == 3
    assert info.pop("c") == 3
    assert info.pop("nope", 5) == 5
    assert info.popitem() == ("b", [1, 2])
    with pytest.raises(AttributeError):
        info.nope
    with pytest.raises(KeyError):
        info["nope"]
    info.replace_with({"k": "v"})
    assert dict(info.items()) == {"k": "v"}
    info.m = 5
    info["n"] = 6
    assert dict(info.items()) == {"k": "v", "m": 5, "n": 6}
    info.update({"q": 1}, r=2)
    assert info.q == 1 and info.r == 2
    info.clear()
    assert len(info) == 0 and list(info.keys()) == []


def test_info_assignment_and_persistence(local):
    local.create_tensor("x")
    local.info = {"w": 1}
    local.x.info = {"complete": True}
    local.info.update(name="ds", nested={"a": [1, 2]})
    local.x.info.update(large=True, gray=False)
    local.flush()
    again = deeplake.load(local.path, verbose=False)
    assert dict(again.info.items()) == {"w": 1, "name": "ds", "nested": {"a": [1, 2]}}
    assert dict(again.x.info.items()) == {"complete": True, "large": True, "gray": False}


def test_info_survives_reload_after_pop_and_clear(local):
    local.info.update(a=1, b=2)
    local.info.pop("a")
    local.flush()
    assert dict(deeplake.load(local.path, verbose=False).info.items()) == {"b": 2}
    local.info.clear()
    local.flush()
    assert dict(deeplake.load(local.path, verbose=False).info.items()) == {}


# ------------------------------------------------------------------ summary / size


def test_summary_lists_every_tensor(ds, capsys):
    ds.create_tensor("images", dtype="uint8")
    ds.create_tensor("labels", htype="class_label")
    ds.images.extend(np.zeros((3, 4, 5), dtype="uint8"))
    ds.images.append(np.zeros((2, 5), dtype="uint8"))
    ds.labels.extend([1, 2])
    ds.summary()
    out = capsys.readouterr().out
    assert out.splitlines()[0] == "Dataset(path='mem://structure', tensors=['images', 'labels'])"
    for word in ["tensor", "htype", "shape", "dtype", "compression", "images", "labels", "generic", "class_label",
                 "(4, 2:4, 5)", "(2, 1)", "uint8", "uint32"]:
        assert word in out


def test_repr_of_dataset_and_view(ds):
    ds.create_tensor("a")
    ds.a.extend([1, 2, 3])
    assert repr(ds) == "Dataset(path='mem://structure', tensors=['a'])"
    assert repr(ds[1:3]) == "Dataset(path='mem://structure', index=Index([slice(1, 3, None)]), tensors=['a'])"


def test_size_approx_grows_with_data(local):
    assert local.size_approx() == 0
    local.create_tensor("a", dtype="float64")
    local.a.extend(np.ones((100, 10)))
    s1 = local.size_approx()
    local.a.extend(np.ones((100, 10)))
    s2 = local.size_approx()
    assert isinstance(s1, int) and 0 < s1 <= s2


# ------------------------------------------------------------------ read-only


def _snapshot(root):
    out = {}
    for dirpath, _, files in os.walk(root):
        for f in files:
            p = os.path.join(dirpath, f)
            if f.endswith(".lock"):
                continue
            with open(p, "rb") as fh:
                out[os.path.relpath(p, root)] = fh.read()
    return out


def test_read_only_writes_raise_and_change_nothing(local):
    local.create_tensor("x")
    local.create_tensor("g/t", htype="text")
    local.x.extend([1, 2, 3])
    local.g.t.extend(["a", "b", "c"])
    local.info.update(k=1)
    local.flush()
    before = _snapshot(local.path)
    r = deeplake.load(local.path, read_only=True, verbose=False)
    assert r.read_only is True
    attempts = [
        lambda: r.x.append(4),
        lambda: r.x.extend([4]),
        lambda: r.x.__setitem__(0, 9),
        lambda: r.x.pop(),
        lambda: r.x.clear(),
        lambda: r.append({"x": 1, "g/t": "d"}),
        lambda: r.extend({"x": [1], "g/t": ["d"]}),
        lambda: r[0].update({"x": 5, "g/t": "z"}),
        lambda: r.pop(0),
        lambda: r.create_tensor("y"),
        lambda: r.create_group("h"),
        lambda: r.info.update(a=2),
        lambda: r.x.info.update(a=2),
        lambda: r.rename_tensor("x", "z"),
        lambda: r.delete_tensor("x"),
        lambda: r.delete_group("g"),
        lambda: r.rename_group("g", "h"),
        lambda: r.delete(),
    ]
    for i, attempt in enumerate(attempts):
        with pytest.raises(ReadOnlyModeError):
            attempt()
    r.flush()
    assert _snapshot(local.path) == before
    assert sorted(r.tensors) == ["g/t", "x"]
    assert r.x.numpy().tolist() == [[1], [2], [3]]
    assert r.g.t.text() == ["a", "b", "c"]


# ------------------------------------------------------------------ flush / with


def test_with_block_flushes(local):
    with local:
        local.create_tensor("x")
        local.x.extend([1, 2])
    assert deeplake.load(local.path, read_only=True, verbose=False).x.numpy().tolist() == [[1], [2]]


def test_flush_persists(local):
    local.create_tensor("x")
    local.x.append(3)
    local.flush()
    assert deeplake.load(local.path, read_only=True, verbose=False).x.numpy().tolist() == [[3]]


def test_dynamic_numpy_error_on_dataset_tensor(ds):
    ds.create_tensor("x")
    ds.x.append([1, 2])
    ds.x.append([1])
    with pytest.raises(DynamicTensorNumpyError):
        ds.x.numpy()


# ------------------------------------------------------------------ hidden companion tensors


def test_shape_and_id_companion_tensors(tmp_path):
    ds = deeplake.empty(str(tmp_path / "ds"), verbose=False)
    ds.create_tensor("x")
    ds.create_tensor("y", create_shape_tensor=False, create_id_tensor=False, create_sample_info_tensor=False)
    ds.x.extend([1, 2])
    ds.y.extend([1, 2])
    ds.flush()
    entries = set(os.listdir(tmp_path / "ds"))
    assert {"x", "_x_shape", "_x_id", "y"} <= entries
    assert "_y_shape" not in entries and "_y_id" not in entries
    assert sorted(ds.tensors) == ["x", "y"]
