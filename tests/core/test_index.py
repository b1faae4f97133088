"""Index / IndexEntry algebra: composition must equal indexing step by step."""

import json

import numpy as np
import pytest
from hypothesis import assume, given, settings
from hypothesis import strategies as st

from deeplake.core.index import (
    Index,
    IndexEntry,
    merge_slices,
    normalize_item,
    replace_ellipsis_with_slices,
    slice_at_int,
    slice_length,
)
from deeplake.errors import InvalidKeyTypeError

# ---------------------------------------------------------------- strategies

small_int = st.integers(-12, 12)
opt_int = st.none() | small_int
step = st.none() | st.integers(-4, 4).filter(bool)
slices = st.builds(slice, opt_int, opt_int, step)
int_lists = st.lists(small_int, max_size=5).map(tuple)
values = small_int | slices | int_lists
lengths = st.integers(0, 20)


def py_apply(seq, value):
    """Python list semantics of one IndexEntry value (raises IndexError)."""
    if isinstance(value, int):
        return seq[value]
    if isinstance(value, slice):
        return seq[value]
    return [seq[i] for i in value]


def entry_positions(entry, n):
    """What an entry selects from range(n), as a list (or an int)."""
    out = entry.numpy_indices(n).tolist()
    return out[0] if isinstance(entry.value, int) else out


# ---------------------------------------------------------------- documented examples


def test_entry_doc_examples():
    assert str(IndexEntry()[0:100]) == "IndexEntry(slice(0, 100, None))"
    assert IndexEntry()[100:200][5] == IndexEntry(105)
    assert IndexEntry()[(0, 1, 2, 3)] == IndexEntry((0, 1, 2, 3))
    assert IndexEntry()[1, 2, 3] == IndexEntry((1, 2, 3))
    assert IndexEntry(slice(5, 10)).length(100) == 5
    assert IndexEntry(slice(5, 100)).length(50) == 45
    assert IndexEntry(0).length(10) == 1


def test_index_doc_examples():
    assert Index([5, slice(None)])[5] == Index([5, 5])
    assert Index([5])[5:6] == Index([5, slice(5, 6)])
    assert Index()[0, 1, 2:5, 3] == Index([0, 1, slice(2, 5), 3])
    assert str(Index()[0, 1, 2:5, 3]) == "Index([0, 1, slice(2, 5, None), 3])"
    assert Index([slice(None), slice(None)]).compose_at(5) == Index([slice(None), slice(None), 5])
    assert Index([slice(None), slice(5, 10), slice(None)]).compose_at(3, 1) == Index(
        [slice(None), 8, slice(None)]
    )


def test_module_function_doc_examples():
    assert slice_at_int(slice(None), 10) == 10
    assert slice_at_int(slice(10, 20, 2), 3) == 16
    assert slice_length(slice(5, 10), 100) == 5
    assert slice_length(slice(None, None, -3), 10) == 4
    assert merge_slices(slice(2, 20, 3), slice(1, 4)) == slice(5, 14, 3)
    with pytest.raises(NotImplementedError):
        slice_at_int(slice(2, 9), -1)
    with pytest.raises(NotImplementedError):
        merge_slices(slice(2, 9), slice(None, None, -1))


# ---------------------------------------------------------------- entry composition


def test_entry_composition_cases():
    assert IndexEntry(slice(2, 20, 3))[1:4] == IndexEntry(slice(5, 14, 3))
    assert IndexEntry((4, 8, 9))[1:] == IndexEntry((8, 9))
    assert IndexEntry((4, 8, 9))[-1] == IndexEntry(9)
    assert IndexEntry(slice(10, 20))[[0, 2]] == IndexEntry((10, 12))
    assert IndexEntry(slice(None, None, -1))[0] == IndexEntry(-1)
    assert IndexEntry(slice(None, None, -2))[1:3] == IndexEntry(slice(-3, -7, -2))
    with pytest.raises(NotImplementedError):  # x[-5:] starts at 0 when len(x) < 5
        IndexEntry(slice(-5, None))[1:]
    assert IndexEntry(slice(1, 5))[:] == IndexEntry(slice(1, 5))


def test_entry_errors():
    with pytest.raises(TypeError):
        IndexEntry(3)[0]
    with pytest.raises(IndexError, match="out of range"):
        IndexEntry(slice(1, 3))[5]
    with pytest.raises(IndexError, match="out of range"):
        IndexEntry((1, 2))[2]
    with pytest.raises(IndexError, match="out of range"):
        IndexEntry((1, 2))[[0, 7]]
    with pytest.raises(NotImplementedError, match="parent_length"):
        IndexEntry(slice(5, None))[-1]
    with pytest.raises(TypeError):
        IndexEntry(1.5)
    with pytest.raises(TypeError):
        IndexEntry("a")
    with pytest.raises(ValueError):
        IndexEntry(slice(0, 5, 0))
    with pytest.raises(IndexError, match="length 20"):
        IndexEntry(25).validate(20)
    with pytest.raises(IndexError):
        IndexEntry((1, -21)).validate(20)
    IndexEntry(slice(100, 200)).validate(20)  # slices never fail
    IndexEntry(-20).validate(20)


def test_entry_compose_with_length():
    e = IndexEntry(slice(5, None))
    assert e.compose(-1, 10) == IndexEntry(9)
    assert e.compose(slice(None, None, -1), 10) == IndexEntry(slice(9, 4, -1))
    assert IndexEntry(slice(0, 3)).compose(slice(None, None, -1), 10) == IndexEntry(
        slice(2, None, -1)
    )
    assert e.compose(slice(8, None), 10).length(10) == 0
    assert IndexEntry(slice(5, 9)).compose(slice(None, None, -1), 3).length(3) == 0
    with pytest.raises(IndexError):
        e.compose(-6, 10)
    with pytest.raises(NotImplementedError):
        e.compose(-1)


@settings(max_examples=600, deadline=None)
@given(values, values, st.lists(lengths, min_size=1, max_size=4))
def test_entry_getitem_matches_python(value, item, ns):
    entry = IndexEntry(value)
    assume(entry.subscriptable())
    try:
        result = entry[item]
    except NotImplementedError:
        assume(False)
    except IndexError:
        # only allowed when the composition fails for every parent length
        for n in range(0, 40):
            try:
                inner = py_apply(list(range(n)), value)
            except IndexError:
                continue
            with pytest.raises(IndexError):
                py_apply(inner, item)
        return
    for n in ns:
        try:
            inner = py_apply(list(range(n)), value)
        except IndexError:
            continue
        try:
            expected = py_apply(inner, item)
        except IndexError:
            with pytest.raises(IndexError):
                result.numpy_indices(n)
            continue
        assert entry_positions(result, n) == expected
        assert result.subscriptable() == (not isinstance(item, int))
        if result.subscriptable():
            assert result.length(n) == len(expected)
            assert list(result.indices(n)) == expected


@settings(max_examples=600, deadline=None)
@given(values, values, lengths)
def test_entry_compose_with_length_matches_python(value, item, n):
    entry = IndexEntry(value)
    assume(entry.subscriptable())
    try:
        inner = py_apply(list(range(n)), value)
    except IndexError:
        return
    try:
        expected = py_apply(inner, item)
    except IndexError:
        with pytest.raises(IndexError):
            entry.compose(item, n).numpy_indices(n)
        return
    result = entry.compose(item, n)
    assert entry_positions(result, n) == expected


def test_common_compositions_need_no_length():
    # forward slices and lists with non-negative items always compose directly
    for v in (slice(None), slice(3, None), slice(1, 30, 2), (5, 1, 9), slice(None, None, -1)):
        for it in (0, 2, slice(1, 4), slice(None, None, 2), [0, 1]):
            IndexEntry(v)[it]


def test_entry_numpy_indices():
    arr = IndexEntry(slice(2, 20, 3)).numpy_indices(15)
    assert arr.dtype == np.int64 and arr.tolist() == [2, 5, 8, 11, 14]
    assert IndexEntry((-1, 0)).numpy_indices(4).tolist() == [3, 0]
    assert IndexEntry(-2).numpy_indices(4).tolist() == [2]
    assert IndexEntry(()).numpy_indices(4).tolist() == []
    with pytest.raises(IndexError):
        IndexEntry((1, 9)).numpy_indices(4)
    # engine use: which chunk each index falls in
    chunk_ends = np.array([4, 9, 14])
    assert np.searchsorted(chunk_ends, arr, side="left").tolist() == [0, 1, 1, 2, 2]


def test_entry_queries():
    assert IndexEntry().is_trivial() and IndexEntry(slice(0, None, 1)).is_trivial()
    assert not IndexEntry(slice(1, None)).is_trivial()
    assert not IndexEntry(0).subscriptable() and IndexEntry(()).subscriptable()
    assert IndexEntry((1, 2, 3)).length(10) == 3
    assert IndexEntry((1, 2, 3)).length(0) == 0
    assert IndexEntry(slice(15, 5)).length(20) == 0
    assert list(IndexEntry(slice(None, None, -2)).indices(5)) == [4, 2, 0]
    assert IndexEntry(slice(10, 30)).downsample(2, 10) == IndexEntry(slice(5, 15, 1))
    assert IndexEntry(slice(None)).downsample(4, 7) == IndexEntry(slice(0, 7, 1))
    with pytest.raises(TypeError):
        IndexEntry(3).downsample(2, 1)
    with pytest.raises(TypeError):
        IndexEntry(slice(0, 10, 2)).downsample(2, 5)


def test_entry_canonical_values():
    assert IndexEntry(np.int64(3)).value == 3 and type(IndexEntry(np.int64(3)).value) is int
    assert IndexEntry([1, 2]).value == (1, 2)
    assert IndexEntry(np.array([1, 2], dtype=np.uint8)).value == (1, 2)
    assert IndexEntry(np.array([True, False, True])).value == (0, 2)
    assert IndexEntry(range(2, 8, 2)).value == slice(2, 8, 2)
    assert IndexEntry(range(3, -1, -1)).value == (3, 2, 1, 0)
    assert IndexEntry(slice(np.int32(1), np.int64(4))).value == slice(1, 4, None)
    assert repr(IndexEntry((1, 2))) == "IndexEntry((1, 2))"
    assert hash(IndexEntry(slice(1, 2))) == hash(IndexEntry(slice(1, 2)))


# ---------------------------------------------------------------- Index


def test_views_of_views():
    assert Index()[1:10][2:5][0] == Index([3])
    assert Index()[1:10][2:5][0].values[0].subscriptable() is False
    idx = Index()[[1, 3, 5]][1]
    assert idx == Index([3])
    assert Index()[3:9:2][[0, 2]] == Index([(3, 7)])


def test_index_axes_after_int():
    # numpy semantics: x[:, 0:5][0, 1] == x[0, 1]
    assert Index([slice(None), slice(0, 5)])[0, 1] == Index([0, 1])
    assert Index([slice(None), 0])[:, 3] == Index([slice(None), 0, 3])
    assert Index(5)[2] == Index([5, 2])
    assert Index()[0, ...] == Index(0)
    assert Index()[...] == Index()


def test_index_compose_with_length():
    assert Index()[5:].compose(-1, 10) == Index(9)
    assert Index()[5:].compose((-1, 2), 10) == Index([9, 2])
    with pytest.raises(NotImplementedError):
        Index()[5:][-1]
    with pytest.raises(IndexError):
        Index()[5:].compose(7, 10).validate(10)


def test_index_init_and_queries():
    assert Index() == Index(slice(None)) == Index([]) == Index(()) == Index(None)
    assert Index(Index(3)) == Index(3)
    assert Index([IndexEntry(1), IndexEntry(slice(2))]) == Index((1, slice(2)))
    assert Index().is_trivial() and not Index([slice(None), 0]).is_trivial()
    idx = Index([slice(2, 8), 1, slice(None)])
    assert len(idx) == 3
    assert idx.length(5) == 3
    assert idx.find_axis() == 0 and idx.find_axis(1) == 2 and idx.find_axis(2) is None
    assert idx.subscriptable_at(0) and not idx.subscriptable_at(1) and idx.subscriptable_at(7)
    assert idx.length_at(1, 9) == 1 and idx.length_at(5, 9) == 9
    assert idx.trivial_at(2) and not idx.trivial_at(0) and idx.trivial_at(9)
    assert idx.sample_indices(5).tolist() == [2, 3, 4]
    assert idx.sub_index() == Index(1)
    assert Index()[2].sub_index() is None
    assert Index([0, slice(None)]).sub_index() is None
    with pytest.raises(IndexError):
        Index(12).validate(10)
    Index(slice(0, 100)).validate(10)


def test_index_downsample():
    idx = Index([slice(10, 20), slice(4, 8), 2])
    assert idx.downsample(2, (5, 2)) == Index([slice(5, 10, 1), slice(2, 4, 1), 2])


def test_index_type_errors():
    with pytest.raises(TypeError):
        Index()[1.5]
    with pytest.raises(TypeError):
        Index()["x"]
    with pytest.raises(TypeError):
        Index()[0, "x"]


def test_apply_and_squeeze():
    samples = [np.arange(24).reshape(4, 6) + 100 * i for i in range(3)]
    assert Index().apply(samples)[1] is samples[1]
    out = Index([slice(None), 1, slice(2, 4)]).apply(samples)
    assert [o.tolist() for o in out] == [[8, 9], [108, 109], [208, 209]]
    out = Index([slice(None), (0, 3), (1, 5)]).apply(samples)  # orthogonal lists
    assert out[0].tolist() == [[1, 5], [19, 23]]
    assert Index(1).apply_squeeze(["a"]) == "a"
    assert Index(slice(0, 1)).apply_squeeze(["a"]) == ["a"]


def _oracle(arr, subscripts):
    """Index an array one subscript at a time, per axis (orthogonally)."""
    for sub in subscripts:
        sub = sub if isinstance(sub, tuple) else (sub,)
        axis = 0
        for v in sub:
            if isinstance(v, list):
                if max(v) >= arr.shape[axis] or min(v) < -arr.shape[axis]:  # np.take skips the check on empty arrays
                    raise IndexError(v)
                arr = np.take(arr, v, axis=axis)
                axis += 1
            else:
                arr = arr[(slice(None),) * axis + (v,)]
                axis += isinstance(v, slice)
    return arr


def _materialize(index, arr):
    rows = index.sample_indices(len(arr))
    samples = index.apply([arr[i] for i in rows])
    out = index.apply_squeeze(samples)
    if isinstance(out, list):
        return np.stack(out) if out else None
    return out


chain_slices = st.builds(
    slice, st.none() | st.integers(-8, 8), st.none() | st.integers(-8, 8), st.none() | st.integers(-3, 3).filter(bool)
)
axis_items = st.integers(-3, 3) | chain_slices | st.lists(st.integers(-3, 3), min_size=1, max_size=3)


@settings(max_examples=400, deadline=None)
@given(
    st.lists(
        st.lists(axis_items, min_size=1, max_size=3).map(tuple) | axis_items,
        min_size=1,
        max_size=4,
    )
)
def test_index_chain_matches_sequential_numpy(subscripts):
    arr = np.arange(8 * 4 * 5).reshape(8, 4, 5)
    try:
        expected = _oracle(arr, subscripts)
    except IndexError:
        assume(False)
    idx = Index()
    try:
        for sub in subscripts:
            try:
                idx = idx.compose(sub, len(arr))
            except NotImplementedError:  # length-dependent inside a sample
                assume(False)
        idx.validate(len(arr))
        got = _materialize(idx, arr)
    except IndexError:
        # composing may only fail where sequential numpy indexing fails too
        raise AssertionError(f"composed index {idx} failed where numpy did not")
    if got is None:
        assert expected.shape[0] == 0
    else:
        np.testing.assert_array_equal(got, expected)


# ---------------------------------------------------------------- JSON (FORMAT.md 1.7)


def test_json_format():
    assert Index().to_json() == [{"start": None, "stop": None, "step": None}]
    assert Index()[[1, 3, 5]].to_json() == [[1, 3, 5]]
    assert Index()[2:8:2].to_json() == [{"start": 2, "stop": 8, "step": 2}]
    assert Index()[7].to_json() == [7]
    assert Index()[[1, 2], 1].to_json() == [[1, 2], 1]
    assert Index.from_json([{"start": None, "step": None, "stop": None}]).is_trivial()
    assert Index.from_json([[1, 3, 5]]) == Index([(1, 3, 5)])
    assert Index.from_json([7]).values[0].subscriptable() is False
    assert IndexEntry.from_json({"start": 2, "stop": 8, "step": 2}) == IndexEntry(slice(2, 8, 2))


@given(st.lists(values, min_size=1, max_size=4))
def test_json_round_trip(vals):
    idx = Index([IndexEntry(v) for v in vals])
    text = json.dumps(idx.to_json())
    assert Index.from_json(json.loads(text)) == idx


# ---------------------------------------------------------------- normalize_item


def test_normalize_item_accepts():
    assert normalize_item(np.int64(3)) == Index(3)
    assert normalize_item(np.array(3)) == Index(3)
    assert normalize_item(range(2, 5)) == Index(slice(2, 5, 1))
    assert normalize_item(np.array([1, 2])) == Index([(1, 2)])
    assert normalize_item([True, False, True]) == Index([(0, 2)])
    assert normalize_item([1, 3, 5]) == Index([(1, 3, 5)])
    assert normalize_item((0, slice(1, 3))) == Index([0, slice(1, 3)])
    assert normalize_item((Ellipsis, 1), ndim=3) == Index([slice(None), slice(None), 1])
    assert normalize_item(Ellipsis, ndim=2) == Index([slice(None), slice(None)])
    assert normalize_item((0, Ellipsis)) == Index(0)
    assert normalize_item(Index(4)) == Index(4)
    assert Index()[2:9][normalize_item([0, 2])] == Index([(2, 4)])


def test_normalize_item_rejects():
    for bad in ("x", 1.5, None, True, {1: 2}, [[1, 2], [3, 4]], [1.5]):
        with pytest.raises(InvalidKeyTypeError):
            normalize_item(bad)
    with pytest.raises(TypeError):  # InvalidKeyTypeError is a TypeError
        normalize_item(object())
    with pytest.raises(IndexError):
        normalize_item((Ellipsis, 0, Ellipsis), ndim=3)
    with pytest.raises(IndexError):
        normalize_item((Ellipsis, 0))


def test_replace_ellipsis():
    assert replace_ellipsis_with_slices((0, Ellipsis), 3) == (0, slice(None), slice(None))
    assert replace_ellipsis_with_slices((0, 1), 3) == (0, 1)
    assert replace_ellipsis_with_slices(5, 3) == 5
