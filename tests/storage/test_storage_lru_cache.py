import pickle
import sys
import threading
from collections import OrderedDict

import pytest
from hypothesis import settings
from hypothesis import strategies as st
from hypothesis.stateful import RuleBasedStateMachine, invariant, precondition, rule

from deeplake.errors import ReadOnlyModeError
from deeplake.storage import LocalProvider, LRUCache, MemoryProvider, get_base_storage
from deeplake.testing.storage_tests import StorageProviderTests


class TestLRUCacheMemoryOverLocal(StorageProviderTests):
    def make_provider(self, tmp_path):
        return LRUCache(MemoryProvider(), LocalProvider(tmp_path / "base"), 10_000_000)


class TestTinyLRUCache(StorageProviderTests):
    """A 64-byte cache: most contract values are evicted or bypass it."""

    def make_provider(self, tmp_path):
        return LRUCache(MemoryProvider(), LocalProvider(tmp_path / "base"), 64)


class TestChainedLRUCache(StorageProviderTests):
    def make_provider(self, tmp_path):
        disk = LRUCache(LocalProvider(tmp_path / "cache"), LocalProvider(tmp_path / "base"), 300)
        return LRUCache(MemoryProvider(), disk, 100)


class Recorder(MemoryProvider):
    """A memory provider that logs the calls the cache makes to it."""

    def __init__(self, root=""):
        super().__init__(root)
        self.calls = []

    def __getitem__(self, path):
        self.calls.append(("get", path))
        return super().__getitem__(path)

    def get_bytes(self, path, start_byte=None, end_byte=None):
        self.calls.append(("range", path, start_byte, end_byte))
        return self._dict[path][start_byte:end_byte]

    def __setitem__(self, path, value):
        self.calls.append(("set", path))
        super().__setitem__(path, value)

    def writes(self):
        return [c[1] for c in self.calls if c[0] == "set"]


class Obj:
    """A live object as the engine keeps them (chunk, encoder, meta)."""

    def __init__(self, data=b"", dirty=True):
        self.data = bytearray(data)
        self.is_dirty = dirty
        self.serialized = 0

    @property
    def nbytes(self):
        return len(self.data)

    def tobytes(self):
        self.serialized += 1
        return bytes(self.data)

    @classmethod
    def frombuffer(cls, buffer):
        return cls(buffer, dirty=False)


# -- eviction ------------------------------------------------------------------


def test_eviction_is_least_recently_used_and_by_bytes():
    base = Recorder()
    cache = LRUCache(MemoryProvider(), base, 10)
    cache["a"] = b"aaaa"
    cache["b"] = b"bbbb"
    assert cache.cache_used == 8 and cache.cached_keys() == ["a", "b"]
    assert cache["a"] == b"aaaa"  # touch a: b becomes least recent
    cache["c"] = b"cccc"
    assert cache.cached_keys() == ["a", "c"]
    assert base.writes() == ["b"]  # the dirty evictee was written down
    assert cache["b"] == b"bbbb"  # a miss refills the cache
    assert cache.cached_keys() == ["c", "b"]
    assert cache.cache_used == 8


def test_clean_entries_are_not_written_on_eviction():
    base = MemoryProvider()
    base["x"] = b"xxxx"
    recorder = Recorder()
    cache = LRUCache(MemoryProvider(), recorder, 4)
    recorder["x"] = b"xxxx"
    recorder.calls.clear()
    cache["x"]
    cache["y"] = b"yyyy"  # evicts clean x
    assert recorder.writes() == []


def test_value_larger_than_cache_goes_straight_down():
    base = Recorder()
    cache = LRUCache(MemoryProvider(), base, 4)
    cache["small"] = b"ab"
    cache["big"] = b"too big"
    assert base.writes() == ["big"]
    assert cache.cached_keys() == ["small"]
    assert cache["big"] == b"too big"
    assert cache.cached_keys() == ["small"]  # not cached on read either


def test_overwrite_with_bigger_value_replaces_cached_one():
    base = MemoryProvider()
    cache = LRUCache(MemoryProvider(), base, 4)
    cache["k"] = b"ab"
    cache["k"] = b"abcdef"
    assert cache["k"] == b"abcdef"
    assert cache.cached_keys() == [] and cache.cache_used == 0
    cache.flush()
    assert base["k"] == b"abcdef"


def test_zero_size_cache_writes_through():
    base = MemoryProvider()
    cache = LRUCache(MemoryProvider(), base, 0)
    cache["k"] = b"v"
    assert base["k"] == b"v"


# -- dirty data and flush -----------------------------------------------------------


def test_writes_reach_next_storage_only_on_flush():
    base = MemoryProvider()
    cache = LRUCache(MemoryProvider(), base, 100)
    cache["k"] = b"v"
    assert "k" not in base
    assert "k" in cache and set(cache) == {"k"} and len(cache) == 1
    assert list(cache.dirty_keys) == ["k"]
    cache.flush()
    assert base["k"] == b"v"
    assert not cache.dirty_keys
    cache.flush()  # nothing left to write


def test_flush_cascades_through_chained_caches(tmp_path):
    base = LocalProvider(tmp_path / "base")
    disk = LRUCache(LocalProvider(tmp_path / "cache"), base, 1000)
    top = LRUCache(MemoryProvider(), disk, 1000)
    top["t/chunks/1"] = b"chunk"
    assert "t/chunks/1" not in base
    top.flush()
    assert base["t/chunks/1"] == b"chunk"
    assert get_base_storage(top) is base
    assert top.root == base.root


def test_flush_writes_meta_files_last():
    base = Recorder()
    cache = LRUCache(MemoryProvider(), base, 1000)
    cache["dataset_meta.json"] = b"{}"
    cache["t/tensor_meta.json"] = b"{}"
    cache["t/chunks/1"] = b"c1"
    encoder = Obj(b"enc")
    cache.register_object("t/chunks_index/unsharded", encoder)
    cache["t/chunks/2"] = b"c2"
    cache.flush()
    assert base.writes() == [
        "t/chunks/1",
        "t/chunks/2",
        "t/chunks_index/unsharded",
        "dataset_meta.json",
        "t/tensor_meta.json",
    ]


def test_maybe_flush_follows_autoflush():
    base = MemoryProvider()
    cache = LRUCache(MemoryProvider(), base, 100)
    cache["k"] = b"v"
    cache.maybe_flush()
    assert "k" not in base
    cache.autoflush = True
    cache.maybe_flush()
    assert base["k"] == b"v"


def test_delete_of_unflushed_key():
    base = MemoryProvider()
    cache = LRUCache(MemoryProvider(), base, 100)
    cache["k"] = b"v"
    del cache["k"]
    assert "k" not in cache
    cache.flush()
    assert "k" not in base
    with pytest.raises(KeyError):
        del cache["k"]


def test_delete_removes_from_every_layer():
    base = MemoryProvider()
    base["k"] = b"v"
    cache = LRUCache(MemoryProvider(), base, 100)
    assert cache["k"] == b"v"
    del cache["k"]
    assert "k" not in base and "k" not in cache


def test_clear_cache_flushes_and_empties():
    base = MemoryProvider()
    cache_layer = MemoryProvider()
    cache = LRUCache(cache_layer, base, 100)
    cache["k"] = b"v"
    cache.clear_cache()
    assert base["k"] == b"v"
    assert cache.cached_keys() == [] and len(cache_layer) == 0 and cache.cache_used == 0
    cache["j"] = b"w"
    cache.clear_cache_without_flush()
    assert "j" not in cache


def test_clear_prefix_reaches_cache_and_base():
    base = MemoryProvider()
    cache = LRUCache(MemoryProvider(), base, 100)
    base["t/chunks/1"] = b"1"
    cache["t/chunks/2"] = b"2"
    cache["t/chunks_index/u"] = b"3"
    cache.clear("t/chunks")
    assert set(cache) == {"t/chunks_index/u"}
    cache.flush()
    assert set(base) == {"t/chunks_index/u"}
    assert cache.cache_used == 1


# -- ranged reads and batches ----------------------------------------------------------


def test_ranged_miss_is_forwarded_without_filling_the_cache():
    base = Recorder()
    base["k"] = b"0123456789"
    base.calls.clear()
    cache = LRUCache(MemoryProvider(), base, 100)
    assert cache.get_bytes("k", 2, 5) == b"234"
    assert base.calls == [("range", "k", 2, 5)]
    assert cache.cached_keys() == []
    assert cache["k"] == b"0123456789"
    base.calls.clear()
    assert cache.get_bytes("k", 7) == b"789"
    assert base.calls == []  # served from the cache


def test_get_items_fills_the_cache_with_misses():
    base = MemoryProvider()
    base["a"], base["b"] = b"1", b"2"
    cache = LRUCache(MemoryProvider(), base, 100)
    cache["c"] = b"3"
    assert cache.get_items(["a", "b", "c", "zz"]) == {"a": b"1", "b": b"2", "c": b"3"}
    assert set(cache.cached_keys()) == {"a", "b", "c"}


# -- read-only and handles ----------------------------------------------------------------


def test_read_only_passes_down_the_chain(tmp_path):
    base = MemoryProvider()
    disk = LRUCache(MemoryProvider(), base, 100)
    top = LRUCache(MemoryProvider(), disk, 100)
    top["k"] = b"v"
    top.enable_readonly()  # pending writes are flushed first
    assert base["k"] == b"v"
    assert disk.read_only and base.read_only
    assert top["k"] == b"v"
    with pytest.raises(ReadOnlyModeError):
        top["j"] = b"w"
    top.disable_readonly()
    assert not base.read_only
    top["j"] = b"w"


def test_cache_over_read_only_base_starts_read_only():
    base = MemoryProvider()
    base["k"] = b"v"
    base.enable_readonly()
    cache = LRUCache(MemoryProvider(), base, 100)
    assert cache.read_only
    assert cache["k"] == b"v"  # reads still fill the cache layer
    assert cache.cached_keys() == ["k"]


def test_pickle_flushes_and_resets_contents(tmp_path):
    base = LocalProvider(tmp_path)
    cache = LRUCache(MemoryProvider(), base, 100)
    cache["k"] = b"v"
    restored = pickle.loads(pickle.dumps(cache))
    assert base["k"] == b"v"
    assert restored.cached_keys() == [] and restored.cache_used == 0
    assert restored.cache_size == 100
    assert restored["k"] == b"v"


def test_copy_is_an_independent_cache_over_the_same_data():
    base = MemoryProvider()
    cache = LRUCache(MemoryProvider(), base, 100)
    cache["k"] = b"v"
    clone = cache.copy()
    assert clone.cache_storage is not cache.cache_storage
    clone["j"] = b"w"
    assert "j" not in cache.cached_keys()
    clone.flush()
    assert cache["j"] == b"w"


# -- live objects ------------------------------------------------------------------------


def test_get_object_builds_once_and_keeps_the_object():
    base = MemoryProvider()
    base["chunk"] = b"abc"
    cache = LRUCache(MemoryProvider(), base, 100)
    built = []

    def factory(data):
        built.append(data)
        return Obj.frombuffer(data)

    first = cache.get_object("chunk", factory)
    assert cache.get_object("chunk", factory) is first
    assert built == [b"abc"]
    assert cache["chunk"] == b"abc"
    assert cache.cache_used == 3
    with pytest.raises(KeyError):
        cache.get_object("missing", factory)


def test_dirty_object_is_serialised_only_on_flush():
    base = MemoryProvider()
    cache = LRUCache(MemoryProvider(), base, 100)
    obj = Obj(b"v1")
    cache["chunk"] = obj
    obj.data += b"+more"
    cache["chunk"] = obj
    assert obj.serialized == 0
    cache.flush()
    assert base["chunk"] == b"v1+more"
    assert obj.serialized == 1 and not obj.is_dirty
    cache.flush()
    assert obj.serialized == 1


def test_object_modified_after_flush_is_written_again():
    base = MemoryProvider()
    cache = LRUCache(MemoryProvider(), base, 100)
    obj = Obj(b"a")
    cache["k"] = obj
    cache.flush()
    obj.data += b"b"
    obj.is_dirty = True
    cache.flush()
    assert base["k"] == b"ab"


def test_evicted_dirty_object_is_written_clean_one_is_not():
    base = Recorder()
    base["clean"] = b"cc"
    base.calls.clear()
    cache = LRUCache(MemoryProvider(), base, 4)
    clean = cache.get_object("clean", Obj.frombuffer)
    dirty = Obj(b"dd")
    cache["dirty"] = dirty
    cache["other"] = b"oooo"  # evicts both
    assert cache.cached_keys() == ["other"]
    assert base.writes() == ["dirty"]
    assert base["dirty"] == b"dd" and clean.serialized == 0


def test_registered_objects_are_pinned_and_flushed_when_dirty():
    base = MemoryProvider()
    cache = LRUCache(MemoryProvider(), base, 4)
    meta = Obj(b"meta-bigger-than-cache")
    cache.register_object("t/tensor_meta.json", meta)
    for i in range(5):
        cache[f"c{i}"] = b"1234"
    assert cache.get_object("t/tensor_meta.json", Obj.frombuffer) is meta
    assert "t/tensor_meta.json" in cache and "t/tensor_meta.json" in set(cache)
    cache.flush()
    assert base["t/tensor_meta.json"] == b"meta-bigger-than-cache"
    meta.serialized = 0
    cache.flush()
    assert meta.serialized == 0  # clean: not rewritten
    cache["t/tensor_meta.json"] = meta  # setting the pinned object marks it dirty
    cache.flush()
    assert meta.serialized == 1


def test_register_over_dirty_bytes_keeps_the_write():
    base = MemoryProvider()
    cache = LRUCache(MemoryProvider(), base, 100)
    cache["k"] = b"old"
    obj = Obj(b"new", dirty=False)
    cache.register_object("k", obj)
    assert obj.is_dirty
    cache.flush()
    assert base["k"] == b"new"


def test_get_object_over_dirty_cached_bytes_stays_dirty():
    base = MemoryProvider()
    cache = LRUCache(MemoryProvider(), base, 100)
    cache["k"] = b"bytes"
    obj = cache.get_object("k", Obj.frombuffer)
    assert cache.get_object("k", Obj.frombuffer) is obj
    cache.flush()
    assert base["k"] == b"bytes"


def test_get_object_pin_and_remove():
    base = MemoryProvider()
    base["k"] = b"v"
    cache = LRUCache(MemoryProvider(), base, 100)
    obj = cache.get_object("k", Obj.frombuffer, pin=True)
    assert cache.cached_keys() == [] and cache.cache_used == 0
    obj.data += b"!"
    obj.is_dirty = True
    cache.remove_object("k")
    cache.flush()
    assert base["k"] == b"v"  # removed without writing
    assert cache.get_object("k", Obj.frombuffer) is not obj


def test_object_larger_than_cache():
    base = MemoryProvider()
    cache = LRUCache(MemoryProvider(), base, 2)
    obj = Obj(b"large")
    cache["k"] = obj
    assert base["k"] == b"large" and not obj.is_dirty
    got = cache.get_object("k", Obj.frombuffer)
    assert got.data == b"large" and cache.cached_keys() == []


def test_update_size_evicts_others():
    base = MemoryProvider()
    cache = LRUCache(MemoryProvider(), base, 10)
    cache["a"] = b"aaa"
    obj = Obj(b"ooo")
    cache["o"] = obj
    obj.data += b"1234567"
    cache.update_size("o")
    assert cache.cached_keys() == ["o"] and cache.cache_used == 10
    assert base["a"] == b"aaa"


def test_clear_objects_drops_live_objects():
    cache = LRUCache(MemoryProvider(), MemoryProvider(), 100)
    cache.register_object("p", Obj(b"1"))
    cache["o"] = Obj(b"2")
    cache["b"] = b"3"
    cache.clear_objects()
    assert set(cache) == {"b"}


# -- concurrency smoke test -----------------------------------------------------------------


def test_threads_reading_and_writing_distinct_keys():
    base = MemoryProvider()
    cache = LRUCache(MemoryProvider(), base, 200)
    errors = []

    def worker(n):
        try:
            for i in range(300):
                key = f"w{n}/{i % 17}"
                cache[key] = bytes([n]) * (i % 23)
                assert cache[key] == bytes([n]) * (i % 23)
        except Exception as err:  # pragma: no cover - reported below
            errors.append(err)

    threads = [threading.Thread(target=worker, args=(n,)) for n in range(4)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert not errors
    cache.flush()
    assert cache.cache_used == sum(len(cache.cache_storage[k]) for k in cache.cached_keys())
    for n in range(4):
        for j in range(17):
            last = max(i for i in range(300) if i % 17 == j)
            assert base[f"w{n}/{j}"] == bytes([n]) * (last % 23)


def test_readers_never_miss_a_key_a_writer_is_overwriting():
    base = MemoryProvider()
    cache = LRUCache(MemoryProvider(), base, 100)
    keys = [f"k{i}" for i in range(10)]
    for key in keys:
        cache[key] = b"0" * 10  # dirty: held only by the cache, base is empty
    stop = threading.Event()
    errors = []

    def writer():
        i = 0
        while not stop.is_set():
            i += 1
            cache[keys[i % 10]] = str(i % 10).encode() * 10

    def reader():
        i = 0
        try:
            while not stop.is_set():
                i += 1
                key = keys[(i * 7) % 10]
                assert len(cache[key]) == 10
                assert len(cache.get_bytes(key, 2, 5)) == 3
                assert key in cache
        except Exception as err:  # pragma: no cover - reported below
            errors.append(err)

    threads = [threading.Thread(target=writer)] + [threading.Thread(target=reader) for _ in range(2)]
    interval = sys.getswitchinterval()
    sys.setswitchinterval(1e-6)  # switch threads often to hit the races
    try:
        for t in threads:
            t.start()
        threading.Event().wait(0.5)
        stop.set()
        for t in threads:
            t.join()
    finally:
        sys.setswitchinterval(interval)
    assert not errors


# -- model-based test against a plain dict ----------------------------------------------------

KEYS = st.sampled_from(["a", "b", "c", "d/e", "d/f", "g"])
VALUES = st.binary(max_size=12)
CACHE_SIZE = 20


class LRUCacheMachine(RuleBasedStateMachine):
    """The cache must read like a dict and evict exactly like a textbook LRU."""

    def __init__(self):
        super().__init__()
        self.base = MemoryProvider()
        self.cache = LRUCache(MemoryProvider(), self.base, CACHE_SIZE)
        self.model = {}
        self.order = OrderedDict()  # key -> size, least recent first

    def _make_room(self, size):
        while self.order and sum(self.order.values()) + size > CACHE_SIZE:
            self.order.popitem(last=False)

    def _cache_in_model(self, key, size):
        self.order.pop(key, None)
        if size <= CACHE_SIZE:
            self._make_room(size)
            self.order[key] = size

    @rule(key=KEYS, value=VALUES)
    def set(self, key, value):
        self.cache[key] = value
        self.model[key] = value
        self._cache_in_model(key, len(value))

    @rule(key=KEYS)
    def get(self, key):
        if key in self.model:
            assert self.cache[key] == self.model[key]
            if key in self.order:
                self.order.move_to_end(key)
            else:
                self._cache_in_model(key, len(self.model[key]))
        else:
            with pytest.raises(KeyError):
                self.cache[key]

    @rule(key=KEYS, start=st.integers(0, 14), length=st.integers(0, 14))
    def get_range(self, key, start, length):
        if key not in self.model:
            return
        end = start + length
        assert self.cache.get_bytes(key, start, end) == self.model[key][start:end]
        if key in self.order:
            self.order.move_to_end(key)

    @rule(key=KEYS)
    def delete(self, key):
        if key in self.model:
            del self.cache[key]
            del self.model[key]
            self.order.pop(key, None)
        else:
            with pytest.raises(KeyError):
                del self.cache[key]

    @rule()
    def flush(self):
        self.cache.flush()
        assert dict(self.base._dict) == self.model

    @rule()
    def clear_cache(self):
        self.cache.clear_cache()
        self.order.clear()

    @precondition(lambda self: self.model)
    @rule(prefix=st.sampled_from(["d", "a", "g"]))
    def clear_prefix(self, prefix):
        self.cache.clear(prefix)
        for key in [k for k in self.model if k == prefix or k.startswith(prefix + "/")]:
            del self.model[key]
            self.order.pop(key, None)

    @invariant()
    def lru_matches_model(self):
        assert self.cache.cached_keys() == list(self.order)
        assert self.cache.cache_used == sum(self.order.values()) <= CACHE_SIZE

    @invariant()
    def clean_keys_are_in_next_storage(self):
        assert set(self.cache) == set(self.model)
        for key, value in self.model.items():
            if key not in self.cache.dirty_keys:
                assert self.base[key] == value
        assert set(self.base._dict) <= set(self.model) | set(self.cache.dirty_keys)


TestLRUCacheStateMachine = LRUCacheMachine.TestCase
TestLRUCacheStateMachine.settings = settings(max_examples=150, stateful_step_count=40, deadline=None)


# -- the documented 3.8 method names -----------------------------------------------------------


class Meta(Obj):
    @classmethod
    def frombuffer(cls, buffer, meta=None):
        obj = cls(buffer, dirty=False)
        obj.meta = meta
        return obj


def test_documented_object_methods():
    base = MemoryProvider()
    base["m"] = b"{}"
    cache = LRUCache(MemoryProvider(), base, 100)
    meta = cache.get_deeplake_object("m", Meta)
    assert type(meta) is Meta and meta.meta is None
    assert cache.get_deeplake_object("m", Meta) is meta
    with pytest.raises(ValueError):
        cache.get_deeplake_object("m", Obj)
    base["c"] = b"chunk"
    chunk = cache.get_deeplake_object("c", Meta, meta={"htype": "generic"})
    assert chunk.meta == {"htype": "generic"}
    with pytest.raises(NotImplementedError):
        cache.get_deeplake_object("c", Meta, partial_bytes=10)

    pinned = Obj(b"p")
    cache.register_deeplake_object("p", pinned)
    assert cache.get_object("p", Obj.frombuffer) is pinned
    cache.remove_deeplake_object("p")
    assert "p" not in cache
    cache.register_deeplake_object("q", Obj(b"q"))
    cache.clear_deeplake_objects()
    assert "q" not in cache


def test_documented_helpers():
    base = Recorder()
    cache = LRUCache(MemoryProvider(), base, 10)
    cache._insert_in_cache("k", b"12345")
    assert cache.cached_keys() == ["k"] and not cache.dirty_keys
    cache["d"] = b"dd"
    cache._forward("d")
    assert base.writes() == ["d"] and not cache.dirty_keys
    cache._pop_from_cache()
    assert cache.cached_keys() == ["d"]
    cache._free_up_space(10)
    assert cache.cached_keys() == [] and cache.cache_used == 0
    cache["e"] = b"e"
    cache.enable_readonly()
    cache._flush_if_not_read_only()
    cache.disable_readonly()
    assert base["e"] == b"e"
