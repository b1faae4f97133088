"""Dataset.merge: combining both sides, conflicts, renames (force), deletions."""
import itertools

import numpy as np
import pytest

import deeplake
from deeplake.errors import MergeConflictError, MergeMismatchError, MergeNotSupportedError, ReadOnlyModeError

_N = itertools.count()


def vals(t):
    return np.asarray(t.numpy()).ravel().tolist()


def texts(t):
    return [str(np.asarray(v).reshape(-1)[0]) for v in t.numpy(aslist=True)]


@pytest.fixture
def ds():
    ds = deeplake.empty(f"mem://merge{next(_N)}")
    ds.create_tensor("x", dtype="int64")
    ds.create_tensor("t", htype="text")
    ds.x.extend([0, 1, 2, 3, 4])
    ds.t.extend(list("abcde"))
    ds.commit("base")
    return ds


def test_non_conflicting_changes_combine(ds):
    ds.checkout("dev", create=True)
    ds.x.append(50)
    ds.t.append("f")
    ds.x[1] = 11
    ds.t[1] = "B"
    ds.x.pop(4)
    ds.t.pop(4)
    ds.create_tensor("extra")
    ds.extra.extend([7, 8])
    dev_commit = ds.commit("dev work")
    ds.checkout("main")
    ds.x[2] = 22
    ds.x.append(60)
    ds.t.append("g")
    ds.commit("main work")
    ds.merge("dev")
    assert vals(ds.x) == [0, 11, 22, 3, 60, 50]
    assert texts(ds.t) == ["a", "B", "c", "d", "g", "f"]
    assert vals(ds.extra) == [7, 8]
    assert ds.commits[0]["message"] == f"Merge {dev_commit} into main"
    assert ds.branch == "main" and not ds.has_head_changes
    # ids travel with the appended samples: merging again changes nothing
    before = vals(ds.x)
    ds.merge("dev")
    assert vals(ds.x) == before


def test_conflict_raises_and_changes_nothing(ds):
    ds.checkout("dev", create=True)
    ds.x[0] = 100
    ds.t[3] = "D"
    ds.commit("dev")
    ds.checkout("main")
    ds.x[0] = 200
    ds.t[3] = "Q"
    ds.x.append(9)
    ds.commit("main")
    head = ds.pending_commit_id
    with pytest.raises(MergeConflictError) as err:
        ds.merge("dev")
    assert err.value.conflicts == {"t": [(3, 3)], "x": [(0, 0)]}
    assert "'t', 'x'" in str(err.value)
    assert ds.pending_commit_id == head and vals(ds.x) == [200, 1, 2, 3, 4, 9]
    ds.merge("dev", conflict_resolution="ours")
    assert vals(ds.x) == [200, 1, 2, 3, 4, 9] and texts(ds.t)[3] == "Q"


def test_conflict_resolved_with_theirs(ds):
    ds.checkout("dev", create=True)
    ds.x[0] = 100
    ds.commit("dev")
    ds.checkout("main")
    ds.x[0] = 200
    ds.commit("main")
    ds.merge("dev", conflict_resolution="theirs")
    assert vals(ds.x) == [100, 1, 2, 3, 4]


def test_bad_conflict_resolution(ds):
    with pytest.raises(ValueError):
        ds.merge("main", conflict_resolution="mine")


def test_target_ancestor_needs_no_merge(ds, capsys):
    ds.checkout("dev", create=True)
    ds.checkout("main")
    ds.x.append(5)
    ds.commit("more")
    ds.merge("dev")
    assert "No merge needed" in capsys.readouterr().out


def test_uncommitted_target_head_is_auto_committed(ds):
    ds.checkout("dev", create=True)
    ds.x.append(70)
    ds.checkout("main")  # auto-commits dev's change
    ds.merge("dev")
    assert vals(ds.x) == [0, 1, 2, 3, 4, 70]


def test_deleted_tensors_kept_unless_asked(ds):
    ds.checkout("dev", create=True)
    ds.delete_tensor("t")
    ds.commit("drop t")
    ds.checkout("main")
    ds.x.append(5)
    ds.commit("m")
    ds.merge("dev")
    assert "t" in ds.tensors
    ds.checkout("dev")
    ds.x.append(6)
    ds.commit("d2")
    ds.checkout("main")
    ds.merge("dev", delete_removed_tensors=True)
    assert "t" not in ds.tensors and vals(ds.x) == [0, 1, 2, 3, 4, 5, 6]


def test_rename_on_target_is_applied(ds):
    ds.checkout("dev", create=True)
    ds.rename_tensor("t", "title")
    ds.title.append("z")
    ds.commit("rename")
    ds.checkout("main")
    ds.t.append("y")
    ds.commit("m")
    ds.merge("dev")
    assert "t" not in ds.tensors
    assert texts(ds.title) == ["a", "b", "c", "d", "e", "y", "z"]


def test_rename_on_both_sides_needs_force(ds):
    ds.checkout("dev", create=True)
    ds.rename_tensor("t", "dev_t")
    ds.commit("r1")
    ds.checkout("main")
    ds.rename_tensor("t", "main_t")
    ds.commit("r2")
    with pytest.raises(MergeConflictError, match="renamed in both branches"):
        ds.merge("dev")
    ds.merge("dev", force=True)  # target's tensor registered as a new tensor
    assert texts(ds.dev_t) == texts(ds.main_t) == list("abcde")


def test_rename_on_target_of_tensor_deleted_here_needs_force(ds):
    ds.checkout("dev", create=True)
    ds.rename_tensor("t", "dev_t")
    ds.commit("r1")
    ds.checkout("main")
    ds.delete_tensor("t")
    ds.commit("del")
    with pytest.raises(MergeConflictError, match="missing from current branch"):
        ds.merge("dev")
    ds.merge("dev", force=True)
    assert texts(ds.dev_t) == list("abcde") and "t" not in ds.tensors


def test_rename_onto_a_tensor_created_here_needs_force(ds):
    ds.checkout("dev", create=True)
    ds.rename_tensor("t", "u")
    ds.u.append("from-dev")
    ds.commit("r1")
    ds.checkout("main")
    ds.create_tensor("u", htype="text")
    ds.u.append("from-main")
    ds.commit("new u")
    with pytest.raises(MergeConflictError, match="another u exists"):
        ds.merge("dev")
    ds.merge("dev", force=True)  # the two u tensors are merged
    assert texts(ds.u) == ["from-main", "a", "b", "c", "d", "e", "from-dev"]


def test_mismatched_htype_refused(ds):
    ds.checkout("dev", create=True)
    ds.create_tensor("m", htype="text")
    ds.m.append("a")
    ds.commit("d")
    ds.checkout("main")
    ds.create_tensor("m", dtype="int64")
    ds.m.append(1)
    ds.commit("m")
    with pytest.raises(MergeMismatchError):
        ds.merge("dev")


def test_tensor_without_ids_refused():
    ds = deeplake.empty(f"mem://merge{next(_N)}")
    ds.create_tensor("x", create_id_tensor=False)
    ds.x.append(1)
    ds.commit("a")
    ds.checkout("dev", create=True)
    ds.x.append(2)
    ds.commit("b")
    ds.checkout("main")
    with pytest.raises(MergeNotSupportedError):
        ds.merge("dev")


def test_class_labels_remapped_by_name(ds):
    ds.create_tensor("lab", htype="class_label")
    ds.lab.extend(["cat", "dog"])
    ds.commit("labels")
    ds.checkout("dev", create=True)
    ds.lab.append("bird")
    ds.commit("d")
    ds.checkout("main")
    ds.lab.append("fish")
    ds.commit("m")
    ds.merge("dev")
    names = ds.lab.info.class_names
    assert [names[i] for i in vals(ds.lab)] == ["cat", "dog", "fish", "bird"]


def test_read_only_refused(tmp_path):
    ds = deeplake.empty(tmp_path / "ro")
    ds.create_tensor("x")
    ds.x.append(1)
    ds.commit("a")
    ds.close()
    ro = deeplake.load(tmp_path / "ro", read_only=True)
    with pytest.raises(ReadOnlyModeError):
        ro.merge("main")


def test_target_head_with_pending_changes_is_committed_first(tmp_path):
    path = tmp_path / "pending"
    ds = deeplake.empty(path)
    ds.create_tensor("x", dtype="int64")
    ds.x.extend([1, 2])
    ds.commit("a")
    ds.checkout("dev", create=True)
    ds.x.append(3)  # left uncommitted on dev's head
    other = deeplake.load(path, lock_enabled=False)  # a second handle, on main
    other.merge("dev")
    assert vals(other.x) == [1, 2, 3]
    dev = deeplake.load(f"{path}@dev", read_only=True)
    assert dev.commits[0]["message"] == "Auto commit before merging into main"
    assert other.commits[0]["message"] == f"Merge {dev.commits[0]['commit']} into main"
