"""deeplake.dataset / empty / load / exists / delete / rename / copy / like (spec section 16)."""

import os
import pathlib
import signal
import subprocess
import sys
import textwrap

import numpy as np
import pytest

import deeplake
from deeplake.util.exceptions import (
    CheckoutError,
    DatasetHandlerError,
    LockedException,
    ReadOnlyModeError,
    RenameError,
)


def _make(path, n=3, **kwargs):
    ds = deeplake.empty(path, verbose=False, **kwargs)
    ds.create_tensor("x")
    ds.x.extend(list(range(n)))
    ds.flush()
    return ds


# ------------------------------------------------------------------ empty


def test_empty_creates_dataset_with_no_tensors(tmp_path):
    ds = deeplake.empty(str(tmp_path / "ds"), verbose=False)
    assert list(ds.tensors) == []
    assert len(ds) == 0
    assert ds.read_only is False
    assert deeplake.exists(str(tmp_path / "ds"))


def test_empty_existing_raises_dataset_handler_error(tmp_path):
    _make(str(tmp_path / "ds"))
    with pytest.raises(DatasetHandlerError):
        deeplake.empty(str(tmp_path / "ds"), verbose=False)
    # nothing was lost
    assert deeplake.load(str(tmp_path / "ds"), verbose=False).x.numpy().tolist() == [[0], [1], [2]]


def test_empty_overwrite_discards_existing(tmp_path):
    _make(str(tmp_path / "ds"))
    ds = deeplake.empty(str(tmp_path / "ds"), overwrite=True, verbose=False)
    assert list(ds.tensors) == []
    assert list(deeplake.load(str(tmp_path / "ds"), verbose=False).tensors) == []


def test_empty_with_version_in_path_is_value_error(tmp_path):
    with pytest.raises(ValueError):
        deeplake.empty(str(tmp_path / "ds") + "@main", verbose=False)


def test_empty_memory_path():
    ds = deeplake.empty("mem://api_empty_mem", overwrite=True, verbose=False)
    ds.create_tensor("a")
    ds.a.append(1)
    assert ds.path == "mem://api_empty_mem"
    assert ds.a.numpy().tolist() == [[1]]


@pytest.mark.parametrize("flag", [True, False])
def test_empty_accepts_cache_and_lock_parameters(tmp_path, flag):
    ds = deeplake.empty(
        str(tmp_path / "ds"),
        memory_cache_size=16,
        local_cache_size=0,
        lock_enabled=flag,
        lock_timeout=0,
        verbose=False,
    )
    ds.create_tensor("a")
    ds.a.extend([1, 2])
    ds.flush()
    assert deeplake.load(str(tmp_path / "ds"), read_only=True, verbose=False).a.numpy().tolist() == [[1], [2]]


# ------------------------------------------------------------------ paths


def test_pathlib_path_is_accepted(tmp_path):
    p = tmp_path / "ds"
    _make(p)
    assert deeplake.exists(p)
    ds = deeplake.load(p, verbose=False)
    assert ds.x.numpy().tolist() == [[0], [1], [2]]


def test_relative_path(tmp_path, monkeypatch):
    monkeypatch.chdir(tmp_path)
    _make("rel/ds")
    assert os.path.isfile(tmp_path / "rel" / "ds" / "dataset_meta.json")
    assert deeplake.exists("rel/ds")
    assert deeplake.load("./rel/ds", verbose=False).x.numpy().tolist() == [[0], [1], [2]]


def test_home_path_is_expanded(tmp_path, monkeypatch):
    monkeypatch.setenv("HOME", str(tmp_path))
    _make("~/home_ds")
    assert os.path.isfile(tmp_path / "home_ds" / "dataset_meta.json")
    assert deeplake.exists("~/home_ds")
    assert len(deeplake.load("~/home_ds", verbose=False)) == 3


def test_hub_path_raises_clear_error():
    with pytest.raises(Exception) as e:
        deeplake.empty("hub://someone/some_dataset", verbose=False)
    assert not isinstance(e.value, (AssertionError, NameError, AttributeError))
    assert str(e.value)


# ------------------------------------------------------------------ load


def test_load_missing_raises_dataset_handler_error(tmp_path):
    with pytest.raises(DatasetHandlerError):
        deeplake.load(str(tmp_path / "nope"), verbose=False)
    assert not os.path.exists(tmp_path / "nope" / "dataset_meta.json")


def test_load_missing_memory_raises():
    with pytest.raises(DatasetHandlerError):
        deeplake.load("mem://api_never_created", verbose=False)


def test_load_unknown_version_raises_checkout_error(tmp_path):
    _make(str(tmp_path / "ds"))
    with pytest.raises(CheckoutError):
        deeplake.load(str(tmp_path / "ds") + "@no_such_branch", verbose=False)


def test_load_main_branch_address(tmp_path):
    _make(str(tmp_path / "ds"))
    ds = deeplake.load(str(tmp_path / "ds") + "@main", verbose=False)
    assert len(ds) == 3


def test_load_read_only_flag(tmp_path):
    _make(str(tmp_path / "ds"))
    ds = deeplake.load(str(tmp_path / "ds"), read_only=True, verbose=False)
    assert ds.read_only is True
    with pytest.raises(ReadOnlyModeError):
        ds.x.append(5)


@pytest.mark.parametrize("check", [None, True, False])
def test_load_check_integrity(tmp_path, check):
    _make(str(tmp_path / "ds"))
    ds = deeplake.load(str(tmp_path / "ds"), check_integrity=check, verbose=False)
    assert ds.x.numpy().tolist() == [[0], [1], [2]]


def test_load_with_caches(tmp_path):
    _make(str(tmp_path / "ds"))
    ds = deeplake.load(str(tmp_path / "ds"), memory_cache_size=1, local_cache_size=0, verbose=False)
    assert ds.x.numpy().tolist() == [[0], [1], [2]]


def test_data_persists_across_reload(tmp_path):
    p = str(tmp_path / "ds")
    ds = deeplake.empty(p, verbose=False)
    ds.create_tensor("a", dtype="int16")
    ds.create_tensor("t", htype="text")
    with ds:
        ds.a.extend(np.arange(6, dtype="int16").reshape(3, 2))
        ds.t.extend(["x", "yy", "zzz"])
    ds2 = deeplake.load(p, verbose=False)
    assert ds2.a.dtype == np.dtype("int16")
    np.testing.assert_array_equal(ds2.a.numpy(), np.arange(6).reshape(3, 2))
    assert ds2.t.text() == ["x", "yy", "zzz"]


# ------------------------------------------------------------------ dataset()


def test_dataset_creates_then_loads(tmp_path):
    p = str(tmp_path / "ds")
    ds = deeplake.dataset(p, verbose=False)
    assert list(ds.tensors) == []
    ds.create_tensor("x")
    ds.x.append(7)
    ds.flush()
    again = deeplake.dataset(p, verbose=False)
    assert again.x.numpy().tolist() == [[7]]


def test_dataset_overwrite(tmp_path):
    p = str(tmp_path / "ds")
    _make(p)
    ds = deeplake.dataset(p, overwrite=True, verbose=False)
    assert list(ds.tensors) == []


def test_dataset_read_only_on_missing_path_raises(tmp_path):
    with pytest.raises(Exception) as e:
        deeplake.dataset(str(tmp_path / "nope"), read_only=True, verbose=False)
    assert not isinstance(e.value, (AssertionError, NameError, AttributeError))
    assert not os.path.exists(tmp_path / "nope" / "dataset_meta.json")


def test_dataset_read_only_existing(tmp_path):
    p = str(tmp_path / "ds")
    _make(p)
    ds = deeplake.dataset(p, read_only=True, verbose=False)
    assert ds.read_only is True
    assert len(ds) == 3


# ------------------------------------------------------------------ exists / delete


def test_exists(tmp_path):
    p = str(tmp_path / "ds")
    assert deeplake.exists(p) is False
    _make(p)
    assert deeplake.exists(p) is True
    assert deeplake.exists(pathlib.Path(p)) is True


def test_exists_on_plain_directory_is_false(tmp_path):
    (tmp_path / "plain").mkdir()
    (tmp_path / "plain" / "file.txt").write_text("hi")
    assert deeplake.exists(str(tmp_path / "plain")) is False


def test_delete(tmp_path):
    p = str(tmp_path / "ds")
    _make(p)
    deeplake.delete(p)
    assert deeplake.exists(p) is False
    with pytest.raises(DatasetHandlerError):
        deeplake.load(p, verbose=False)


def test_delete_missing_raises(tmp_path):
    with pytest.raises(DatasetHandlerError):
        deeplake.delete(str(tmp_path / "nope"))


def test_delete_force_on_non_dataset(tmp_path):
    d = tmp_path / "junk"
    d.mkdir()
    (d / "a.bin").write_bytes(b"123")
    deeplake.delete(str(d), force=True)
    assert not (d / "a.bin").exists()


def test_dataset_delete_method(tmp_path):
    p = str(tmp_path / "ds")
    ds = _make(p)
    ds.delete()
    assert deeplake.exists(p) is False


# ------------------------------------------------------------------ rename


def test_rename(tmp_path):
    old, new = str(tmp_path / "old"), str(tmp_path / "new")
    _make(old)
    ds = deeplake.rename(old, new)
    assert ds.x.numpy().tolist() == [[0], [1], [2]]
    assert deeplake.exists(new) and not deeplake.exists(old)


def test_rename_missing_raises(tmp_path):
    with pytest.raises(DatasetHandlerError):
        deeplake.rename(str(tmp_path / "nope"), str(tmp_path / "new"))


def test_rename_to_other_directory_raises(tmp_path):
    old = str(tmp_path / "a" / "old")
    _make(old)
    with pytest.raises((RenameError, DatasetHandlerError)):
        deeplake.rename(old, str(tmp_path / "b" / "new"))
    assert deeplake.exists(old)


def test_dataset_rename_method(tmp_path):
    old, new = str(tmp_path / "old"), str(tmp_path / "new")
    ds = _make(old)
    ds.rename(new)
    assert deeplake.exists(new) and not deeplake.exists(old)
    assert ds.x.numpy().tolist() == [[0], [1], [2]]


# ------------------------------------------------------------------ copy / like


def test_copy_copies_data_and_info(tmp_path):
    src = _make(str(tmp_path / "src"))
    src.create_tensor("t", htype="text")
    src.t.extend(["a", "b", "c"])
    src.info.update(title="hello")
    src.x.info.update(unit="m")
    src.flush()
    dst = deeplake.copy(str(tmp_path / "src"), str(tmp_path / "dst"))
    assert sorted(dst.tensors) == ["t", "x"]
    assert dst.x.numpy().tolist() == [[0], [1], [2]]
    assert dst.t.text() == ["a", "b", "c"]
    assert dst.info.title == "hello"
    assert dst.x.info.unit == "m"


def test_copy_subset_of_tensors_and_overwrite(tmp_path):
    src = _make(str(tmp_path / "src"))
    src.create_tensor("y")
    src.y.extend([5, 6, 7])
    src.flush()
    _make(str(tmp_path / "dst"))
    with pytest.raises(DatasetHandlerError):
        deeplake.copy(src, str(tmp_path / "dst"))
    dst = deeplake.copy(src, str(tmp_path / "dst"), tensors=["y"], overwrite=True)
    assert list(dst.tensors) == ["y"]
    assert dst.y.numpy().tolist() == [[5], [6], [7]]


def test_copy_of_view(tmp_path):
    src = _make(str(tmp_path / "src"), n=5)
    dst = src[1:4].copy(str(tmp_path / "dst"))
    assert dst.x.numpy().tolist() == [[1], [2], [3]]


def test_like_copies_structure_only(tmp_path):
    src = deeplake.empty(str(tmp_path / "src"), verbose=False)
    src.create_tensor("lbl", htype="class_label", class_names=["a", "b"])
    src.create_tensor("g/box", htype="bbox", coords={"type": "pixel", "mode": "LTRB"})
    src.lbl.extend([0, 1])
    src.g.box.extend(np.zeros((2, 1, 4), "float32"))
    src.info.update(k=1)
    src.flush()
    dst = deeplake.like(str(tmp_path / "dst"), src)
    assert sorted(dst.tensors) == ["g/box", "lbl"]
    assert len(dst.lbl) == 0 and len(dst["g/box"]) == 0
    assert dst.lbl.htype == "class_label"
    assert dst.lbl.info.class_names == ["a", "b"]
    assert dst["g/box"].info.coords == {"type": "pixel", "mode": "LTRB"}
    assert dst.info.k == 1


def test_like_from_path_and_existing_dest(tmp_path):
    _make(str(tmp_path / "src"))
    _make(str(tmp_path / "dst"))
    with pytest.raises(DatasetHandlerError):
        deeplake.like(str(tmp_path / "dst"), str(tmp_path / "src"))
    dst = deeplake.like(str(tmp_path / "dst"), str(tmp_path / "src"), overwrite=True)
    assert list(dst.tensors) == ["x"] and len(dst.x) == 0


# ------------------------------------------------------------------ locking

_HOLDER = textwrap.dedent(
    """
    import sys, time, deeplake
    ds = deeplake.load(sys.argv[1], verbose=False)
    ds.x.append(100)
    ds.flush()
    print("ready", flush=True)
    time.sleep(60)
    """
)


@pytest.fixture
def locked_by_other_process(tmp_path):
    p = str(tmp_path / "ds")
    _make(p, lock_enabled=False)  # this process must not hold the lock itself
    env = dict(os.environ)
    env["PYTHONPATH"] = os.pathsep.join(sys.path)
    proc = subprocess.Popen([sys.executable, "-c", _HOLDER, p], stdout=subprocess.PIPE, text=True, env=env)
    try:
        assert proc.stdout.readline().strip() == "ready"
        yield p, proc
    finally:
        if proc.poll() is None:
            proc.kill()
        proc.wait()


def test_second_writer_falls_back_to_read_only(locked_by_other_process):
    p, _ = locked_by_other_process
    ds = deeplake.load(p, verbose=False)
    assert ds.read_only is True
    assert ds.x.numpy().tolist() == [[0], [1], [2], [100]]
    with pytest.raises(ReadOnlyModeError):
        ds.x.append(1)


def test_second_writer_explicit_write_raises_locked(locked_by_other_process):
    p, _ = locked_by_other_process
    with pytest.raises(LockedException):
        deeplake.load(p, read_only=False, verbose=False)


def test_read_only_open_of_locked_dataset(locked_by_other_process):
    p, _ = locked_by_other_process
    ds = deeplake.load(p, read_only=True, verbose=False)
    assert ds.read_only is True
    assert len(ds) == 4


def test_lock_disabled_ignores_lock(locked_by_other_process):
    p, _ = locked_by_other_process
    ds = deeplake.load(p, lock_enabled=False, verbose=False)
    assert ds.read_only is False


def test_killed_writer_does_not_block(locked_by_other_process):
    p, proc = locked_by_other_process
    proc.send_signal(signal.SIGKILL)
    proc.wait()
    ds = deeplake.load(p, read_only=False, verbose=False)
    assert ds.read_only is False
    ds.x.append(5)
    ds.flush()
    assert deeplake.load(p, read_only=True, verbose=False).x.numpy().tolist() == [[0], [1], [2], [100], [5]]


def test_lock_timeout_waits_then_raises(locked_by_other_process):
    import time

    p, _ = locked_by_other_process
    start = time.monotonic()
    with pytest.raises(LockedException):
        deeplake.load(p, read_only=False, lock_timeout=1, verbose=False)
    assert time.monotonic() - start >= 0.9
