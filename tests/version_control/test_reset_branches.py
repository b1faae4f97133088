"""reset, delete_branch (with its refusals) and fix_vc."""
import json

import pytest

import deeplake
from deeplake.constants import FIRST_COMMIT_ID
from deeplake.errors import CommitError, ReadOnlyModeError, VersionControlError
from deeplake.format import keys


def vals(t):
    return t.numpy().ravel().tolist()


@pytest.fixture
def ds(tmp_path):
    ds = deeplake.empty(tmp_path / "ds")
    ds.create_tensor("x", dtype="int64")
    ds.x.extend([1, 2, 3])
    ds.commit("first")
    return ds


def test_reset_discards_uncommitted_changes(ds, tmp_path):
    old_head = ds.pending_commit_id
    ds.x.append(4)
    ds.x[0] = 9
    ds.create_tensor("y")
    ds.reset()
    assert vals(ds.x) == [1, 2, 3] and "y" not in ds.tensors
    assert not ds.has_head_changes and ds.pending_commit_id != old_head
    assert old_head not in ds._ctx.vc_info["commits"]
    assert not ds._ctx.storage.list(keys.commit_prefix(old_head))
    reopened = deeplake.load(tmp_path / "ds", read_only=True)
    assert vals(reopened.x) == [1, 2, 3] and reopened.branches == ["main"]
    ds.x.append(5)  # the new head is writable
    assert vals(ds.x) == [1, 2, 3, 5]


def test_reset_without_changes_or_off_head(ds, capsys):
    ds.reset()
    assert "no uncommitted changes" in capsys.readouterr().out
    head = ds.pending_commit_id
    ds.reset(force=True)  # replaces the head anyway
    assert ds.pending_commit_id != head and vals(ds.x) == [1, 2, 3]
    ds.checkout(ds.commit_id)
    ds.reset()
    assert "not at the head node" in capsys.readouterr().out


def test_reset_of_never_committed_dataset_empties_it():
    ds = deeplake.empty("mem://reset_first", overwrite=True)
    ds.create_tensor("x")
    ds.x.append(1)
    ds.reset()
    assert list(ds.tensors) == [] and ds.pending_commit_id == FIRST_COMMIT_ID


def test_delete_branch(ds, tmp_path):
    first = ds.commit_id
    ds.checkout("alt", create=True)
    ds.x.append(4)
    alt = ds.commit("alt work")
    ds.checkout(first)
    ds.delete_branch("alt")
    assert ds.branches == ["main"] and alt not in ds._ctx.vc_info["commits"]
    assert not ds._ctx.storage.list(keys.commit_prefix(alt))
    info = json.loads(bytes(ds._ctx.storage[keys.VERSION_CONTROL_INFO]))
    assert "alt" not in info["branches"]
    assert all(alt not in n["children"] for n in info["commits"].values())
    assert vals(deeplake.load(tmp_path / "ds", read_only=True).x) == [1, 2, 3]


def test_delete_branch_refusals(ds):
    ds.checkout("alt", create=True)
    with pytest.raises(VersionControlError, match="currently checked out"):
        ds.delete_branch("alt")
    ds.checkout("main")
    with pytest.raises(VersionControlError, match="main"):
        ds.delete_branch("main")
    with pytest.raises(CommitError):
        ds.delete_branch("nope")
    ds.checkout("alt")
    ds.x.append(1)
    ds.commit("a")
    ds.checkout("sub", create=True)  # a branch off alt
    ds.checkout("main")
    with pytest.raises(VersionControlError, match="sub-branches"):
        ds.delete_branch("alt")
    ds.delete_branch("sub")
    ds.delete_branch("alt")
    assert ds.branches == ["main"]


def test_delete_branch_read_only(ds, tmp_path):
    ds.checkout("alt", create=True)
    ds.checkout("main")
    ds.close()
    ro = deeplake.load(tmp_path / "ds", read_only=True)
    with pytest.raises(ReadOnlyModeError):
        ro.delete_branch("alt")


def test_fix_vc_rebuilds_lost_version_info(ds, tmp_path):
    ds.checkout("dev", create=True)
    ds.x.append(4)
    ds.commit("dev work")
    ds.checkout("main")
    expected = json.loads(bytes(ds._ctx.storage[keys.VERSION_CONTROL_INFO]))
    ds._ctx.storage[keys.VERSION_CONTROL_INFO] = b"{broken"
    ds.fix_vc()
    rebuilt = json.loads(bytes(ds._ctx.storage[keys.VERSION_CONTROL_INFO]))
    assert rebuilt["branches"] == expected["branches"]
    assert set(rebuilt["commits"]) == set(expected["commits"])
    ds.close()
    assert vals(deeplake.load(f"{tmp_path / 'ds'}@dev", read_only=True).x) == [1, 2, 3, 4]


def test_fix_vc_replaces_a_lost_head(ds):
    st = ds._ctx.storage
    head = ds.pending_commit_id
    ds.flush()
    del st[keys.commit_info_key(head)]
    ds.fix_vc()
    info = ds._ctx.vc_info
    assert head not in info["commits"] and info["branches"]["main"] != head
    ds.checkout("main")
    assert vals(ds.x) == [1, 2, 3]
