import pickle
import uuid

import pytest

from deeplake.errors import PathNotEmptyException
from deeplake.storage import MemoryProvider
from deeplake.storage.memory import forget_memory_store
from deeplake.testing.storage_tests import StorageProviderTests


def unique_root():
    return f"mem://test-{uuid.uuid4().hex}"


class TestPrivateMemoryProvider(StorageProviderTests):
    def make_provider(self, tmp_path):
        return MemoryProvider()


class TestSharedMemoryProvider(StorageProviderTests):
    def make_provider(self, tmp_path):
        return MemoryProvider(unique_root())

    def reopen_provider(self, provider):
        return MemoryProvider(provider.root)


def test_same_mem_root_shares_contents():
    root = unique_root()
    first = MemoryProvider(root)
    first["k"] = b"v"
    second = MemoryProvider(root + "/")  # trailing slash names the same store
    assert second["k"] == b"v"
    second.clear()
    assert "k" not in first
    forget_memory_store(root)


def test_plain_roots_are_private():
    a, b = MemoryProvider("xyz"), MemoryProvider("xyz")
    a["k"] = b"v"
    assert "k" not in b
    assert MemoryProvider().root == ""


def test_pickle_drops_private_contents_but_reattaches_mem_roots():
    private = MemoryProvider("xyz")
    private["k"] = b"v"
    restored = pickle.loads(pickle.dumps(private))
    assert restored.root == "xyz" and len(restored) == 0

    root = unique_root()
    shared = MemoryProvider(root)
    shared["k"] = b"v"
    shared.enable_readonly()
    restored = pickle.loads(pickle.dumps(shared))
    assert restored["k"] == b"v"
    assert restored.read_only
    forget_memory_store(root)


def test_rename_moves_shared_contents():
    old, new = unique_root(), unique_root()
    store = MemoryProvider(old)
    store["k"] = b"v"
    store.rename(new)
    assert store.root == new
    assert MemoryProvider(new)["k"] == b"v"
    assert len(MemoryProvider(old)) == 0
    occupied = MemoryProvider(unique_root())
    occupied["x"] = b"1"
    with pytest.raises(PathNotEmptyException):
        store.rename(occupied.root)
    forget_memory_store(new)


def test_values_are_stored_as_immutable_bytes():
    store = MemoryProvider()
    store["k"] = bytearray(b"ab")
    assert type(store["k"]) is bytes


def test_subdir_is_rooted_below():
    store = MemoryProvider("mem://parent")
    sub = store.subdir(".queries/v1", read_only=True)
    assert sub.root == "mem://parent/.queries/v1"
    assert sub.read_only
    forget_memory_store("mem://parent")
    forget_memory_store("mem://parent/.queries/v1")
