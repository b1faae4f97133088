import os
import pickle
import threading
from pathlib import Path

import pytest

from deeplake.errors import (
    DirectoryAtPathException,
    FileAtPathException,
    InvalidPathException,
    PathNotEmptyException,
)
from deeplake.storage import LocalProvider
from deeplake.storage.local import TEMP_SUFFIX
from deeplake.testing.storage_tests import StorageProviderTests


class TestLocalProvider(StorageProviderTests):
    def make_provider(self, tmp_path):
        return LocalProvider(str(tmp_path / "ds"))

    def reopen_provider(self, provider):
        return LocalProvider(provider.root)


def all_files(folder):
    return sorted(
        os.path.relpath(os.path.join(d, f), folder) for d, _, fs in os.walk(folder) for f in fs
    )


def test_root_forms_are_made_absolute(tmp_path, monkeypatch):
    monkeypatch.chdir(tmp_path)
    assert LocalProvider("rel/ds").root == str(tmp_path / "rel" / "ds")
    assert LocalProvider(tmp_path / "p").root == str(tmp_path / "p")
    assert LocalProvider(str(tmp_path / "slash") + "/").root == str(tmp_path / "slash")
    assert LocalProvider("file://" + str(tmp_path / "f")).root == str(tmp_path / "f")
    monkeypatch.setenv("HOME", str(tmp_path))
    assert LocalProvider("~/home_ds").root == str(tmp_path / "home_ds")


def test_root_that_is_a_file_is_refused(tmp_path):
    (tmp_path / "file").write_bytes(b"x")
    with pytest.raises(FileAtPathException):
        LocalProvider(tmp_path / "file")


def test_root_folder_is_created_lazily(tmp_path):
    store = LocalProvider(tmp_path / "lazy")
    assert not (tmp_path / "lazy").exists()
    assert len(store) == 0
    store["a/b"] = b"1"
    assert (tmp_path / "lazy" / "a" / "b").read_bytes() == b"1"


def test_keys_are_files(tmp_path):
    store = LocalProvider(tmp_path)
    store["t/chunks/abc"] = b"data"
    assert (tmp_path / "t" / "chunks" / "abc").read_bytes() == b"data"
    (tmp_path / "outside.bin").write_bytes(b"written by someone else")
    assert store["outside.bin"] == b"written by someone else"


def test_directory_at_key(tmp_path):
    store = LocalProvider(tmp_path)
    store["dir/file"] = b"1"
    with pytest.raises(DirectoryAtPathException):
        store["dir"]
    with pytest.raises(DirectoryAtPathException):
        store.get_bytes("dir", 0, 1)
    with pytest.raises(DirectoryAtPathException):
        store["dir"] = b"2"
    with pytest.raises(DirectoryAtPathException):
        del store["dir"]
    assert store["dir/file"] == b"1"
    assert all_files(tmp_path) == ["dir/file"]


def test_file_in_the_way_of_a_folder(tmp_path):
    store = LocalProvider(tmp_path)
    store["a"] = b"file"
    with pytest.raises(FileAtPathException):
        store["a/b"] = b"x"
    with pytest.raises(FileAtPathException):
        store["a/b/c"] = b"x"
    with pytest.raises(KeyError):
        store["a/b"]
    assert "a/b" not in store
    assert all_files(tmp_path) == ["a"]


def test_writes_leave_no_temporary_files(tmp_path):
    store = LocalProvider(tmp_path)
    for i in range(20):
        store[f"k/{i % 3}"] = bytes([i]) * 100
    assert all_files(tmp_path) == ["k/0", "k/1", "k/2"]


def test_failed_write_keeps_old_value_and_cleans_up(tmp_path):
    store = LocalProvider(tmp_path)
    store["k"] = b"old"

    class Exploding:
        def __buffer__(self, flags):
            raise RuntimeError("boom")

    with pytest.raises((RuntimeError, TypeError)):
        store["k"] = Exploding()
    assert store["k"] == b"old"
    assert all_files(tmp_path) == ["k"]


def test_readers_never_see_partial_writes(tmp_path):
    store = LocalProvider(tmp_path)
    values = [bytes([i]) * 200_000 for i in range(2)]
    store["k"] = values[0]
    stop = threading.Event()
    seen = set()

    def reader():
        while not stop.is_set():
            seen.add(store["k"])

    thread = threading.Thread(target=reader)
    thread.start()
    for i in range(60):
        store["k"] = values[i % 2]
    stop.set()
    thread.join()
    assert seen <= set(values)


def test_temporary_files_are_not_keys(tmp_path):
    store = LocalProvider(tmp_path)
    store["a"] = b"1"
    (tmp_path / f"a.123-4-5{TEMP_SUFFIX}").write_bytes(b"partial")
    assert set(store) == {"a"}


def test_ranged_read_reads_the_range(tmp_path):
    store = LocalProvider(tmp_path)
    data = bytes(range(256)) * 4096  # 1 MiB
    store["big"] = data
    assert store.get_bytes("big", 1000, 1010) == data[1000:1010]
    assert store.get_bytes("big", len(data) - 3) == data[-3:]
    assert store.supports_ranged_reads and store.is_local


def test_clear_prefix_removes_emptied_folders(tmp_path):
    store = LocalProvider(tmp_path / "ds")
    store["t/chunks/1"] = b"."
    store["t/meta.json"] = b"."
    store["u/deep/er/x"] = b"."
    store.clear("u/deep")
    assert not (tmp_path / "ds" / "u").exists()
    store.clear("t/chunks")
    assert not (tmp_path / "ds" / "t" / "chunks").exists()
    assert (tmp_path / "ds" / "t" / "meta.json").exists()
    store.clear("t/meta.json")
    assert set(store) == set()
    assert (tmp_path / "ds").exists()


def test_clear_removes_the_root(tmp_path):
    store = LocalProvider(tmp_path / "ds")
    store["a"] = b"1"
    store.clear()
    assert not (tmp_path / "ds").exists()


def test_rename(tmp_path):
    store = LocalProvider(tmp_path / "old")
    store["a/b"] = b"1"
    store.rename(tmp_path / "sub" / "new")
    assert store.root == str(tmp_path / "sub" / "new")
    assert store["a/b"] == b"1"
    assert not (tmp_path / "old").exists()
    (tmp_path / "busy").mkdir()
    (tmp_path / "busy" / "f").write_bytes(b"x")
    with pytest.raises(PathNotEmptyException):
        store.rename(tmp_path / "busy")
    (tmp_path / "empty").mkdir()
    store.rename(tmp_path / "empty")
    assert store["a/b"] == b"1"


def test_pickle_keeps_root_and_mode(tmp_path):
    store = LocalProvider(tmp_path)
    store["a"] = b"1"
    store.enable_readonly()
    restored = pickle.loads(pickle.dumps(store))
    assert restored.root == store.root
    assert restored.read_only
    assert restored["a"] == b"1"


def test_subdir(tmp_path):
    store = LocalProvider(tmp_path)
    store[".queries/v/x"] = b"1"
    sub = store.subdir(".queries/v", read_only=True)
    assert sub["x"] == b"1"
    assert sub.read_only
    assert Path(sub.root) == tmp_path / ".queries" / "v"


def test_keys_cannot_escape_the_root(tmp_path):
    store = LocalProvider(tmp_path / "ds")
    for key in ["../x", "a/../../x", "a/.."]:
        with pytest.raises(InvalidPathException):
            store[key] = b"1"
        with pytest.raises(ValueError):
            del store[key]
    with pytest.raises(InvalidPathException):
        store.clear("../")
    store["a..b/c..d"] = b"dots are fine inside names"
    assert store["a..b/c..d"] == b"dots are fine inside names"
    assert not (tmp_path / "x").exists()
