"""The storage contract as a pytest mixin every provider's tests inherit.

Usage::

    class TestMyProvider(StorageProviderTests):
        def make_provider(self, tmp_path):
            return MyProvider(...)

Each test gets a fresh, empty, writable provider from ``make_provider``.
``reopen_provider`` must return a second handle on the same data (default:
``provider.copy()``); data written and flushed through the first handle must
be readable through it.
"""

from __future__ import annotations


import pytest

from deeplake.errors import InvalidBytesRequestedError, ReadOnlyModeError
from deeplake.storage.base import StorageProvider

ALL_BYTES = bytes(range(256))


class StorageProviderTests:
    """Contract tests shared by every StorageProvider."""

    def make_provider(self, tmp_path) -> StorageProvider:  # pragma: no cover
        raise NotImplementedError("subclasses return a fresh, empty provider")

    def reopen_provider(self, provider: StorageProvider) -> StorageProvider:
        return provider.copy()

    @pytest.fixture
    def provider(self, tmp_path):
        store = self.make_provider(tmp_path)
        yield store
        if store.read_only:
            store.disable_readonly()

    # -- basic mapping -------------------------------------------------------

    def test_is_a_storage_provider(self, provider):
        assert isinstance(provider, StorageProvider)
        assert isinstance(provider.root, str)
        assert isinstance(provider.is_local, bool)
        assert isinstance(provider.supports_ranged_reads, bool)

    def test_starts_empty(self, provider):
        assert len(provider) == 0
        assert list(provider) == []
        assert provider.list() == []

    def test_set_then_get(self, provider):
        provider["a"] = b"hello"
        assert provider["a"] == b"hello"
        assert isinstance(provider["a"], (bytes, bytearray, memoryview))

    def test_overwrite_replaces_value(self, provider):
        provider["a"] = b"long value"
        provider["a"] = b"x"
        assert provider["a"] == b"x"

    def test_empty_value(self, provider):
        provider["empty"] = b""
        assert provider["empty"] == b""
        assert "empty" in provider
        assert provider.get_bytes("empty", 0, 0) == b""

    def test_binary_value_round_trips(self, provider):
        provider["bin"] = ALL_BYTES * 3
        assert bytes(provider["bin"]) == ALL_BYTES * 3

    def test_large_value(self, provider):
        data = bytes(range(251)) * 8000  # ~2 MB, not a multiple of page sizes
        provider["big"] = data
        assert bytes(provider["big"]) == data

    def test_bytearray_and_memoryview_values(self, provider):
        source = bytearray(b"mutable")
        provider["ba"] = source
        source[0:1] = b"X"
        assert bytes(provider["ba"]) == b"mutable"
        provider["mv"] = memoryview(b"view")
        assert bytes(provider["mv"]) == b"view"

    def test_missing_key_raises_key_error(self, provider):
        with pytest.raises(KeyError):
            provider["missing"]
        with pytest.raises(KeyError):
            provider.get_bytes("missing", 0, 2)
        with pytest.raises(KeyError):
            del provider["missing"]

    def test_mapping_get_returns_default(self, provider):
        assert provider.get("missing") is None
        assert provider.get("missing", b"d") == b"d"

    def test_delete(self, provider):
        provider["a"] = b"1"
        provider["b"] = b"2"
        del provider["a"]
        assert "a" not in provider
        assert not provider.exists("a")
        assert provider["b"] == b"2"
        assert set(provider) == {"b"}
        with pytest.raises(KeyError):
            del provider["a"]

    def test_contains_and_exists(self, provider):
        assert "k" not in provider
        provider["k"] = b"v"
        assert "k" in provider
        assert provider.exists("k")
        assert not provider.exists("k/child")

    def test_iter_and_len(self, provider):
        keys = {"a", "b/c", "b/d/e", ".hidden", "x.json"}
        for key in keys:
            provider[key] = key.encode()
        assert set(provider) == keys
        assert len(provider) == len(keys)
        assert set(provider.keys()) == keys
        assert {k: bytes(v) for k, v in provider.items()} == {k: k.encode() for k in keys}

    def test_nested_keys(self, provider):
        provider["t/chunks/0001"] = b"chunk"
        provider["t/tensor_meta.json"] = b"{}"
        assert provider["t/chunks/0001"] == b"chunk"
        assert provider["t/tensor_meta.json"] == b"{}"
        assert "t" not in provider  # folders are not keys

    def test_list_prefix_is_a_folder(self, provider):
        # no key is also a folder: filesystems cannot hold both "x" and "x/1"
        for key in ["x/1", "x/2/3", "xy/1", "xz", "y"]:
            provider[key] = b"."
        assert provider.list() == ["x/1", "x/2/3", "xy/1", "xz", "y"]
        assert provider.list("x") == ["x/1", "x/2/3"]
        assert provider.list("x/") == ["x/1", "x/2/3"]
        assert provider.list("x/2") == ["x/2/3"]
        assert provider.list("y") == ["y"]
        assert provider.list("nope") == []

    def test_delete_multiple(self, provider):
        for key in ["a", "b", "c"]:
            provider[key] = b"."
        provider.delete_multiple(["a", "c"])
        assert set(provider) == {"b"}

    def test_get_items(self, provider):
        provider["a"] = b"1"
        provider["b/c"] = b"2"
        got = provider.get_items(["a", "missing", "b/c"])
        assert {k: bytes(v) for k, v in got.items()} == {"a": b"1", "b/c": b"2"}

    def test_get_object_size(self, provider):
        provider["s"] = b"12345"
        assert provider.get_object_size("s") == 5

    # -- byte ranges -----------------------------------------------------------

    @pytest.mark.parametrize(
        "start,end,expected",
        [
            (None, None, b"0123456789"),
            (0, None, b"0123456789"),
            (3, None, b"3456789"),
            (None, 4, b"0123"),
            (2, 5, b"234"),
            (5, 5, b""),
            (8, 20, b"89"),
            (12, None, b""),
            (12, 15, b""),
        ],
    )
    def test_get_bytes_ranges(self, provider, start, end, expected):
        provider["r"] = b"0123456789"
        assert bytes(provider.get_bytes("r", start, end)) == expected

    @pytest.mark.parametrize("start,end", [(-1, None), (0, -1), (5, 2), (-3, -1)])
    def test_get_bytes_invalid_range(self, provider, start, end):
        provider["r"] = b"0123456789"
        with pytest.raises(InvalidBytesRequestedError):
            provider.get_bytes("r", start, end)

    def test_invalid_range_is_value_error(self, provider):
        provider["r"] = b"0"
        with pytest.raises(ValueError):
            provider.get_bytes("r", 3, 1)

    def test_set_bytes_new_key_pads_with_zeros(self, provider):
        provider.set_bytes("n", b"ab", start_byte=3)
        assert bytes(provider["n"]) == b"\x00\x00\x00ab"

    def test_set_bytes_patches_existing(self, provider):
        provider["p"] = b"0123456789"
        provider.set_bytes("p", b"ab", start_byte=2)
        assert bytes(provider["p"]) == b"01ab456789"
        provider.set_bytes("p", b"XYZ", start_byte=9)
        assert bytes(provider["p"]) == b"01ab45678XYZ"
        provider.set_bytes("p", b"--", start_byte=14)
        assert bytes(provider["p"]) == b"01ab45678XYZ\x00\x00--"

    def test_set_bytes_overwrite(self, provider):
        provider["o"] = b"0123456789"
        provider.set_bytes("o", b"ab", start_byte=1, overwrite=True)
        assert bytes(provider["o"]) == b"\x00ab"
        provider.set_bytes("o", b"cd", overwrite=True)
        assert bytes(provider["o"]) == b"cd"

    def test_set_bytes_negative_start(self, provider):
        with pytest.raises(InvalidBytesRequestedError):
            provider.set_bytes("neg", b"ab", start_byte=-1)
        assert "neg" not in provider

    # -- clear -----------------------------------------------------------------

    def test_clear_everything(self, provider):
        for key in ["a", "b/c", "b/d/e"]:
            provider[key] = b"."
        provider.clear()
        assert len(provider) == 0
        assert "a" not in provider
        provider["again"] = b"ok"  # still usable afterwards
        assert provider["again"] == b"ok"

    def test_clear_prefix_removes_only_that_folder(self, provider):
        for key in ["t/chunks/1", "t/chunks/2", "t/chunks_index/u", "t/meta.json", "u/x"]:
            provider[key] = b"."
        provider.clear(prefix="t/chunks")
        assert set(provider) == {"t/chunks_index/u", "t/meta.json", "u/x"}
        provider.clear(prefix="t/")
        assert set(provider) == {"u/x"}
        provider.clear(prefix="absent")
        assert set(provider) == {"u/x"}

    # -- read-only mode ----------------------------------------------------------

    def test_read_only_refuses_writes(self, provider):
        provider["a"] = b"1"
        provider.flush()
        assert provider.read_only is False
        provider.enable_readonly()
        assert provider.read_only is True
        with pytest.raises(ReadOnlyModeError):
            provider["b"] = b"2"
        with pytest.raises(ReadOnlyModeError):
            del provider["a"]
        with pytest.raises(ReadOnlyModeError):
            provider.clear()
        with pytest.raises(ReadOnlyModeError):
            provider.set_bytes("a", b"x")
        with pytest.raises(ReadOnlyModeError):
            provider.check_readonly()
        assert provider["a"] == b"1"
        assert provider.get_bytes("a", 0, 1) == b"1"
        assert "b" not in provider
        provider.disable_readonly()
        provider["b"] = b"2"
        assert provider["b"] == b"2"

    def test_read_only_error_is_permission_error(self, provider):
        provider.read_only = True
        with pytest.raises(PermissionError):
            provider["x"] = b"1"
        provider.read_only = False
        provider["x"] = b"1"

    def test_flush_in_read_only_mode_without_changes(self, provider):
        provider.enable_readonly()
        provider.flush()
        provider.maybe_flush()

    # -- flush, copies -------------------------------------------------------------

    def test_flush_keeps_data(self, provider):
        provider["a"] = b"1"
        provider.flush()
        provider.maybe_flush()
        assert provider["a"] == b"1"

    def test_reopened_handle_sees_flushed_data(self, provider):
        provider["a"] = b"1"
        provider["d/e"] = b"2"
        provider.flush()
        other = self.reopen_provider(provider)
        assert bytes(other["a"]) == b"1"
        assert set(other) == {"a", "d/e"}

    def test_copy_keeps_root_and_read_only(self, provider):
        provider["a"] = b"1"
        provider.flush()
        provider.enable_readonly()
        clone = provider.copy()
        assert type(clone) is type(provider)
        assert clone.root == provider.root
        assert clone.read_only is True
        assert bytes(clone["a"]) == b"1"
        clone.disable_readonly()

    def test_providers_compare_by_identity(self, provider):
        assert provider == provider
        assert provider != self.reopen_provider(provider)
        assert hash(provider) == hash(provider)
