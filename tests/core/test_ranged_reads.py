"""A few samples of a chunk that is not in memory are read by byte range
(core/engine/fast_reads.py): the chunk's header once, then each sample's
bytes, instead of fetching the whole chunk."""
import numpy as np
import pytest

import deeplake
from deeplake.core.engine import fast_reads


@pytest.fixture
def stored(tmp_path):
    path = str(tmp_path / "ds")
    ds = deeplake.empty(path)
    ds.create_tensor("x", dtype="int32", sample_compression="lz4", max_chunk_size=256 * 1024)
    rng = np.random.default_rng(0)
    arrays = [rng.integers(0, 1000, int(rng.integers(100, 400)), dtype=np.int32) for _ in range(600)]
    ds.x.extend(arrays)
    ds.close()
    return path, arrays


def _spy_storage(monkeypatch, eng):
    calls = []
    storage = eng._storage
    real_get_bytes, real_getitem = storage.get_bytes, type(storage).__getitem__

    monkeypatch.setattr(storage, "get_bytes", lambda k, s=None, e=None: calls.append(("range", k, s, e))
                        or real_get_bytes(k, s, e))
    monkeypatch.setattr(type(storage), "__getitem__", lambda self, k: calls.append(("whole", k))
                        or real_getitem(self, k))
    return calls


def test_random_reads_fetch_byte_ranges_not_chunks(stored, monkeypatch):
    path, arrays = stored
    ds = deeplake.load(path, read_only=True)
    eng = ds.x._engine
    assert len(eng.chunk_ids) > 3
    calls = _spy_storage(monkeypatch, eng)
    for i in (5, 300, 599, 6, 301):
        np.testing.assert_array_equal(ds.x[i].numpy(), arrays[i])
        assert ds.x[i].tobytes() == eng.read_bytes(i)
    chunk_reads = [c for c in calls if "/chunks/" in c[1]]
    assert chunk_reads and all(c[0] == "range" for c in chunk_reads)
    assert not eng._chunks  # nothing fetched whole
    sample_reads = [c for c in chunk_reads if c[2]]
    assert all(c[3] - c[2] < 2000 for c in sample_reads)  # one sample's bytes, not a chunk


def test_a_chunk_read_often_is_fetched_whole(stored):
    path, arrays = stored
    ds = deeplake.load(path, read_only=True)
    eng = ds.x._engine
    first_chunk_len = int(eng.chunk_ids.rows[0, 1]) + 1
    for k in range(fast_reads.RANGED_READS_PER_CHUNK + 2):
        i = k % first_chunk_len
        np.testing.assert_array_equal(ds.x[i].numpy(), arrays[i])
    assert len(eng._chunks) == 1


def test_ranged_reads_see_updates(stored):
    path, arrays = stored
    ds = deeplake.load(path)
    eng = ds.x._engine
    np.testing.assert_array_equal(ds.x[10].numpy(), arrays[10])  # header now cached
    bigger = np.arange(900, dtype=np.int32)
    ds.x[10] = bigger  # the sample grows: byte positions after it move
    ds.flush()
    eng._chunks.clear()  # as if evicted from memory
    np.testing.assert_array_equal(ds.x[10].numpy(), bigger)
    np.testing.assert_array_equal(ds.x[11].numpy(), arrays[11])
    ds.close()
    again = deeplake.load(path, read_only=True)
    np.testing.assert_array_equal(again.x[11].numpy(), arrays[11])


def test_ranged_reads_follow_checkouts(stored):
    path, arrays = stored
    ds = deeplake.load(path)
    first = ds.commit("first")
    np.testing.assert_array_equal(ds.x[0].numpy(), arrays[0])  # header of the first commit's chunk
    ds.x[0] = np.zeros(5, np.int32)  # copied into the new node's folder
    second = ds.commit("second")
    for commit, want in ((first, arrays[0]), (second, np.zeros(5, np.int32)), (first, arrays[0])):
        ds.checkout(commit)
        ds.x._engine._chunks.clear()
        np.testing.assert_array_equal(ds.x[0].numpy(), want)
        np.testing.assert_array_equal(ds.x[1].numpy(), arrays[1])


def test_on_remote_storage_a_chunk_is_fetched_whole_after_two_ranged_reads(stored, monkeypatch):
    path, arrays = stored
    ds = deeplake.load(path, read_only=True)
    eng = ds.x._engine
    monkeypatch.setattr(type(eng._storage), "is_local", property(lambda self: False))
    assert fast_reads.ranged_read_budget(eng) == fast_reads.REMOTE_RANGED_READS_PER_CHUNK == 2
    for i in (1, 2, 3):
        np.testing.assert_array_equal(ds.x[i].numpy(), arrays[i])
    assert len(eng._chunks) == 1  # the third read fetched the chunk


def test_fixed_shape_reads_stop_ranging_after_the_budget(tmp_path, monkeypatch):
    ds = deeplake.empty(str(tmp_path / "f"))
    ds.create_tensor("x", dtype="float32", max_chunk_size=1 << 20)
    data = np.arange(200 * 512, dtype=np.float32).reshape(200, 512)
    ds.x.extend(data)
    ds.close()
    ds = deeplake.load(str(tmp_path / "f"), read_only=True)
    eng = ds.x._engine
    monkeypatch.setattr(type(eng._storage), "is_local", property(lambda self: False))
    for i in (3, 4, 5, 6):
        np.testing.assert_array_equal(ds.x[i].numpy(), data[i])
    assert eng._range_reads and max(eng._range_reads.values()) == 2
    assert eng.chunk_ids.rows[0, 0] in eng._chunks  # fetched whole after two ranged reads
