"""Dataset.diff (spec: every case of its notes) and Tensor.modified_samples.

The record shapes and values asserted here are the ones deeplake 3.8.22
returns for the same sequence of operations."""
import pytest

import deeplake
from deeplake.errors import TensorModifiedError

NO_CHANGE = {"created": False, "cleared": False, "info_updated": False, "data_added": [0, 0],
             "data_updated": set(), "data_deleted": set(), "data_transformed_in_place": False}


def _change(**kw):
    return dict(NO_CHANGE, **kw)


@pytest.fixture
def hist():
    ds = deeplake.empty("mem://diff", overwrite=True)
    ds.create_tensor("x", dtype="int64")
    ds.x.extend([1, 2, 3])
    first_head = ds.diff(as_dict=True)
    a = ds.commit("a")
    ds.x.append(4)
    ds.x[0] = 10
    ds.info["k"] = 1
    ds.create_tensor("y")
    ds.y.extend([1, 2])
    head_b = ds.diff(as_dict=True)
    b = ds.commit("b")
    ds.checkout("dev", create=True)
    ds.x[1] = 5
    ds.x.pop(2)
    ds.rename_tensor("y", "z")
    ds.create_tensor("w")
    ds.delete_tensor("w")  # created and deleted in one node: no record
    c = ds.commit("c")
    ds.x.append(7)
    return ds, {"a": a, "b": b, "c": c, "first_head": first_head, "head_b": head_b}


def test_no_ids_first_node(hist):
    _, ids = hist
    d = ids["first_head"]
    assert set(d) == {"dataset", "tensors"}
    assert d["dataset"] == [{"commit_id": deeplake.constants.FIRST_COMMIT_ID, "author": None, "message": None,
                             "date": None, "info_updated": False, "renamed": {}, "deleted": []}]
    assert d["tensors"] == [{"commit_id": deeplake.constants.FIRST_COMMIT_ID,
                             "x": _change(created=True, data_added=[0, 3])}]
    assert d["tensor"] is d["tensors"]  # the reference's key name still works


def test_no_ids_head_with_changes(hist):
    _, ids = hist
    d = ids["head_b"]
    assert d["dataset"][0]["info_updated"] is True
    rec = d["tensors"][0]
    assert rec["x"] == _change(data_added=[3, 4], data_updated={0})
    assert rec["y"] == _change(created=True, data_added=[0, 2])


def test_no_ids_at_a_commit_shows_that_commit(hist):
    ds, ids = hist
    ds.checkout(ids["b"])
    d = ds.diff(as_dict=True)
    assert d["dataset"][0]["commit_id"] == ids["b"]
    assert d["dataset"][0]["author"] == "public" and d["dataset"][0]["message"] == "b"
    assert d["tensors"][0]["x"] == _change(data_added=[3, 4], data_updated={0})


def test_one_id_lists_current_side_down_to_common_ancestor(hist):
    ds, ids = hist
    d = ds.diff(ids["a"], as_dict=True)
    ours, theirs = d["tensors"]
    assert theirs == [] and d["dataset"][1] == []
    assert [r["commit_id"] for r in ours] == [ds.pending_commit_id, ids["c"], ids["b"]]
    assert ours[0]["x"] == _change(data_added=[3, 4])
    assert ours[1]["x"] == _change(data_added=[3, 3], data_updated={1}, data_deleted={2})
    assert d["dataset"][0][1]["renamed"] == {"y": "z"} and d["dataset"][0][1]["deleted"] == []


def test_two_ids_branch_names_resolve_to_heads(hist):
    ds, ids = hist
    d = ds.diff("main", ids["c"], as_dict=True)
    (left,), (right,) = d["tensors"]
    assert left["commit_id"] == ds._ctx.vc_info["branches"]["main"]
    assert left["x"] == NO_CHANGE and left["y"] == NO_CHANGE
    assert right["commit_id"] == ids["c"]
    assert right["x"] == _change(data_added=[3, 3], data_updated={1}, data_deleted={2})
    assert d["dataset"][1][0]["renamed"] == {"y": "z"}


def test_printed_diff(hist, capsys):
    ds, ids = hist
    assert ds.diff() is None
    out = capsys.readouterr().out
    assert "Diff in HEAD relative to the previous commit:" in out
    assert "commit UNCOMMITTED HEAD" in out and "* Added 1 sample: [3-4]" in out
    ds.diff("main", ids["c"])
    out = capsys.readouterr().out
    assert f"most recent common ancestor ({ids['b']}) of the two commits passed." in out
    assert "- Renamed:\ty -> z" in out and "* Updated 1 sample: [1]" in out and "* Deleted 1 sample: [2]" in out
    ds.diff(ids["a"])
    out = capsys.readouterr().out
    assert "of the current state and the commit passed." in out
    assert "* Created tensor" in out and "- Updated dataset info" in out
    assert f"Diff in {ids['a']} (target id):" in out and "No changes were made." in out


def test_bad_arguments(hist):
    ds, ids = hist
    with pytest.raises(ValueError, match="Can't specify id_2 without specifying id_1"):
        ds.diff(None, ids["a"])
    with pytest.raises(KeyError):
        ds.diff("nope", as_dict=True)


def test_modified_samples(hist):
    ds, ids = hist
    view, idx = ds.x.modified_samples(return_indexes=True)
    assert idx == [3] and view.numpy().ravel().tolist() == [7]
    view, idx = ds.x.modified_samples(ids["a"], return_indexes=True)
    assert idx == [0, 1, 3]
    assert ds.x.modified_samples(ids["a"]).numpy().ravel().tolist() == [10, 5, 7]
    with pytest.raises(TensorModifiedError):
        ds.x.modified_samples("main")
    with pytest.raises(KeyError):
        ds.x.modified_samples("nope")
