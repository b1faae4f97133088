"""Array-backed list entries: the Index of a query result without per-row Python objects."""

import copy
import pickle

import numpy as np
import pytest

from deeplake.core.index import Index, IndexEntry


def entry(positions):
    return IndexEntry.from_positions(np.asarray(positions, dtype=np.int64))


def test_array_entry_behaves_like_the_tuple_entry():
    arr, tup = entry([7, 3, 9, 3]), IndexEntry((7, 3, 9, 3))
    assert arr == tup and hash(arr) == hash(tup)
    assert arr.value == (7, 3, 9, 3)
    assert arr.length(20) == 4
    assert list(arr.indices(20)) == [7, 3, 9, 3]
    assert arr.numpy_indices(20).tolist() == [7, 3, 9, 3]
    assert arr.to_json() == [7, 3, 9, 3]
    assert arr.subscriptable() and not arr.is_trivial()


@pytest.mark.parametrize("item", [0, -1, 2, slice(1, 3), slice(None, None, -1), slice(None), (3, 0, -2), ()])
def test_array_entry_composes_like_the_tuple_entry(item):
    positions = [7, 3, 9, 3]
    assert entry(positions)[item] == IndexEntry(tuple(positions))[item]


def test_array_entry_bad_positions():
    with pytest.raises(IndexError):
        entry([1, 2])[5]
    with pytest.raises(IndexError):
        entry([1, 2])[(0, 4)]
    with pytest.raises(IndexError):
        entry([1, 30]).numpy_indices(10)
    with pytest.raises(IndexError):
        IndexEntry.from_positions(np.array([-1, 2]))


def test_array_entry_is_read_only_and_not_aliased():
    source = np.array([4, 1, 8], dtype=np.int64)
    e = IndexEntry.from_positions(source)
    with pytest.raises(ValueError):
        e.numpy_indices(10)[0] = 5
    sliced = e[0:2]
    assert sliced.numpy_indices(10).tolist() == [4, 1]


def test_array_entry_survives_pickle_and_copy():
    e = entry(range(1000))
    for other in (pickle.loads(pickle.dumps(e)), copy.deepcopy(e), copy.copy(e), IndexEntry(e)):
        assert other == e
        assert other.numpy_indices(1000).tolist() == list(range(1000))
    index = Index([e, IndexEntry(2)])
    assert pickle.loads(pickle.dumps(index)) == index
    assert Index.from_json(index.to_json()) == index


def test_long_array_entry_prints_briefly():
    text = str(entry(np.arange(10_000)))
    assert "10000 positions" in text and len(text) < 200
