"""Tensor API (spec 20.1): writes, reads, properties, indexing, chunking and tiling."""

import os

import numpy as np
import pytest

import deeplake
from deeplake.util.exceptions import (
    DynamicTensorNumpyError,
    InvalidKeyTypeError,
    SampleUpdateError,
    TensorInvalidSampleShapeError,
)


@pytest.fixture
def ds():
    return deeplake.empty("mem://tensor_ops", overwrite=True, verbose=False)


ARR = np.arange(5 * 4 * 3 * 2, dtype="int64").reshape(5, 4, 3, 2)


@pytest.fixture
def x(ds):
    t = ds.create_tensor("x", dtype="int64")
    t.extend(ARR)
    return t


# ------------------------------------------------------------------ append / extend / pop / clear


def test_append_and_len(ds):
    t = ds.create_tensor("t")
    assert len(t) == 0
    t.append(np.zeros((28, 28, 1)))
    assert len(t) == 1
    t.extend(np.zeros((100, 28, 28, 1)))
    assert len(t) == 101
    assert len(t[5:10]) == 5
    assert t.shape == (101, 28, 28, 1)


def test_extend_from_list_of_arrays_and_tensor(ds):
    a = ds.create_tensor("a", dtype="float32")
    a.extend([np.ones((2, 2), "float32"), np.zeros((2, 2), "float32")])
    b = ds.create_tensor("b", dtype="float32")
    b.extend(a)
    np.testing.assert_array_equal(b.numpy(), a.numpy())


def test_extend_empty_is_noop(ds):
    t = ds.create_tensor("t")
    t.extend([])
    assert len(t) == 0


def test_pop_variants(ds):
    t = ds.create_tensor("t")
    t.extend([1, 2, 3, 4, 5, 6])
    t.pop()
    assert t.numpy().ravel().tolist() == [1, 2, 3, 4, 5]
    t.pop(0)
    assert t.numpy().ravel().tolist() == [2, 3, 4, 5]
    t.pop([0, 2])
    assert t.numpy().ravel().tolist() == [3, 5]
    t.pop(1)
    assert t.numpy().ravel().tolist() == [3]
    with pytest.raises(IndexError):
        t.pop(5)
    t.pop()
    with pytest.raises(IndexError):
        t.pop()


def test_pop_updates_shape(ds):
    t = ds.create_tensor("t")
    t.append(np.zeros((2, 2)))
    t.append(np.zeros((3, 3)))
    assert t.shape == (2, None, None)
    t.pop(1)
    assert t.shape == (1, 2, 2)


def test_clear(ds):
    t = ds.create_tensor("t")
    t.extend(np.ones((3, 4)))
    t.clear()
    assert len(t) == 0
    assert t.shape == (0,)
    assert t.meta.max_shape == [] and t.meta.min_shape == []
    t.append([1, 2])
    assert t.numpy().tolist() == [[1, 2]]


def test_clear_persists(tmp_path):
    ds = deeplake.empty(str(tmp_path / "ds"), verbose=False)
    ds.create_tensor("t")
    ds.t.extend([1, 2])
    ds.t.clear()
    ds.flush()
    again = deeplake.load(str(tmp_path / "ds"), verbose=False)
    assert len(again.t) == 0


# ------------------------------------------------------------------ __setitem__


def test_setitem_shape_change(ds):
    t = ds.create_tensor("t")
    t.append(np.zeros((10, 10)))
    assert t.shape == (1, 10, 10)
    t[0] = np.zeros((3, 3))
    assert t.shape == (1, 3, 3)


def test_setitem_makes_tensor_dynamic(x):
    x[0] = np.zeros((2, 2, 2), "int64")
    assert x.shape == (5, None, None, 2)
    assert x.is_dynamic is True
    assert str(x.shape_interval) == "(5, 2:4, 2:3, 2)"
    assert x[0].numpy().tolist() == np.zeros((2, 2, 2)).tolist()
    np.testing.assert_array_equal(x[1].numpy(), ARR[1])
    x[1:3] = [np.ones((1, 1, 1), "int64"), np.ones((1, 1, 1), "int64")]
    assert x.shape == (5, None, None, None)
    assert x.shape_interval.lower == (5, 1, 1, 1)
    assert x.shape_interval.upper == (5, 4, 3, 2)


def test_setitem_wrong_ndim_rejected(x):
    with pytest.raises((TensorInvalidSampleShapeError, SampleUpdateError)):
        x[0] = np.zeros((4, 3), "int64")
    np.testing.assert_array_equal(x.numpy(), ARR)


def test_setitem_errors(x):
    with pytest.raises(Exception) as e:
        x[9] = np.zeros((4, 3, 2), "int64")
    assert not isinstance(e.value, AssertionError)
    with pytest.raises(Exception):
        x[0:2] = [np.zeros((4, 3, 2), "int64")]
    np.testing.assert_array_equal(x.numpy(), ARR)


def test_shape_after_update_equalises_samples(ds):
    ds.create_tensor("y")
    ds.y.append([1, 2])
    ds.y.append([1, 2, 3])
    ds.y[0] = [9, 9, 9]
    assert ds.y.numpy().tolist() == [[9, 9, 9], [1, 2, 3]]
    assert ds.y.shape == (2, 3)


def test_setitem_partial_sample(x):
    x[0, 1] = np.full((3, 2), -1, "int64")
    expected = ARR.copy()
    expected[0, 1] = -1
    np.testing.assert_array_equal(x.numpy(), expected)


def test_writes_through_views(ds):
    ds.create_tensor("y")
    ds.y.extend([[1, 2], [3, 4], [5, 6], [7, 8]])
    ds[1:4].y[1] = [50, 60]
    ds[1:4][0].y[0] = 30  # per-dimension write through a view of a view
    assert ds.y.numpy().tolist() == [[1, 2], [30, 4], [50, 60], [7, 8]]
    ds[::2].y[1] = [0, 0]
    assert ds.y.numpy().tolist() == [[1, 2], [30, 4], [0, 0], [7, 8]]


# ------------------------------------------------------------------ reading


def test_numpy_aslist_and_dynamic(ds):
    t = ds.create_tensor("t")
    t.append(np.zeros((10, 10)))
    t.append(np.zeros((10, 15)))
    assert t.shape == (2, 10, None)
    assert t.shape_interval.lower == (2, 10, 10)
    assert t.shape_interval.upper == (2, 10, 15)
    assert str(t.shape_interval) == "(2, 10, 10:15)"
    assert t.is_dynamic is True
    with pytest.raises(DynamicTensorNumpyError):
        t.numpy()
    lst = t.numpy(aslist=True)
    assert isinstance(lst, list) and [a.shape for a in lst] == [(10, 10), (10, 15)]
    assert t[1].numpy(aslist=True).shape == (10, 15)
    assert t.numpy(fetch_chunks=True, aslist=True)[0].shape == (10, 10)


def test_data_and_tobytes(x):
    d = x[0].data()
    assert list(d.keys()) == ["value"]
    np.testing.assert_array_equal(d["value"], ARR[0])
    np.testing.assert_array_equal(x.data()["value"], ARR)
    assert x[2].tobytes() == ARR[2].tobytes()
    with pytest.raises(ValueError):
        x[0:2].tobytes()
    with pytest.raises(ValueError):
        x.tobytes()


def test_tobytes_sample_compressed_returns_compressed_bytes(ds):
    t = ds.create_tensor("s", dtype="int16", sample_compression="lz4")
    t.extend(np.arange(40, dtype="int16").reshape(4, 10))
    raw = np.arange(10, 20, dtype="int16").tobytes()
    b = t[1].tobytes()
    assert isinstance(b, bytes) and b != raw
    import lz4.block

    assert lz4.block.decompress(b) == raw


def test_tobytes_chunk_compressed_raises(ds):
    t = ds.create_tensor("z", dtype="float32", chunk_compression="lz4")
    t.extend(np.zeros((2, 3), "float32"))
    with pytest.raises(ValueError):
        t[0].tobytes()


def test_properties(x):
    assert x.htype == "generic" and x.base_htype == "generic"
    assert x.dtype == np.dtype("int64")
    assert x.shape == (5, 4, 3, 2)
    assert x.ndim == 4
    assert x.num_samples == 5 and len(x) == 5
    assert x.is_dynamic is False and x.is_sequence is False and x.is_link is False
    assert x.hidden is False
    assert x.meta.htype == "generic" and x.meta.length == 5
    assert list(x.meta.max_shape) == [4, 3, 2] and list(x.meta.min_shape) == [4, 3, 2]
    assert x.info.keys() is not None and len(x.info) == 0


def test_num_samples_ignores_index(x):
    assert x[1:4].num_samples == 5
    assert len(x[1:4]) == 3


def test_sample_indices(x):
    assert [int(i) for i in x[[4, 0, 2]].sample_indices] == [4, 0, 2]
    assert [int(i) for i in x[::2].sample_indices] == [0, 2, 4]
    assert [int(i) for i in x.sample_indices] == [0, 1, 2, 3, 4]


# ------------------------------------------------------------------ indexing


def test_indexing(x):
    np.testing.assert_array_equal(x[0, 1:3, :, 1].numpy(), ARR[0, 1:3, :, 1])
    assert x[0, 1:3, :, 1].shape == (2, 3)
    np.testing.assert_array_equal(x[-1].numpy(), ARR[-1])
    np.testing.assert_array_equal(x[-5].numpy(), ARR[0])
    np.testing.assert_array_equal(x[::2].numpy(), ARR[::2])
    np.testing.assert_array_equal(x[4:0:-2].numpy(), ARR[4:0:-2])
    np.testing.assert_array_equal(x[::-1].numpy(), ARR[::-1])
    np.testing.assert_array_equal(x[[4, 0, 2]].numpy(), ARR[[4, 0, 2]])
    np.testing.assert_array_equal(x[1:4][1:].numpy(), ARR[1:4][1:])
    np.testing.assert_array_equal(x[1:5][::2][1].numpy(), ARR[3])
    np.testing.assert_array_equal(x[:, 0].numpy(), ARR[:, 0])
    assert x[1:4].shape == (3, 4, 3, 2)


def test_dataset_indexing_matches_tensor_indexing(ds, x):
    np.testing.assert_array_equal(ds[1:4].x.numpy(), ARR[1:4])
    np.testing.assert_array_equal(ds[[3, 1]].x.numpy(), ARR[[3, 1]])
    np.testing.assert_array_equal(ds[-1].x.numpy(), ARR[-1])
    np.testing.assert_array_equal(ds[1:4][-1].x.numpy(), ARR[3])
    np.testing.assert_array_equal(ds.x[2:].numpy(), ds[2:]["x"].numpy())
    assert len(ds[1:4]) == 3 and len(ds[::2]) == 3


def test_ellipsis_index(x):
    np.testing.assert_array_equal(x[..., 1].numpy(), ARR[..., 1])
    np.testing.assert_array_equal(x[0, ...].numpy(), ARR[0])


def test_empty_slice_shape(x):
    assert x[7:9].shape == (0, 4, 3, 2)
    assert len(x[7:9]) == 0


def test_out_of_range_and_bad_index_types(ds, x):
    with pytest.raises(IndexError):
        x[5].numpy()
    with pytest.raises(IndexError):
        x[-6].numpy()
    with pytest.raises(IndexError):
        ds[5]
    with pytest.raises(InvalidKeyTypeError):
        x[1.5]
    with pytest.raises(InvalidKeyTypeError):
        x["a"]
    with pytest.raises((InvalidKeyTypeError, TypeError)):
        x[None, 1.5]


# ------------------------------------------------------------------ scalars / dtypes


def test_generic_scalar_dtype_inference(ds):
    s = ds.create_tensor("s")
    s.append(5)
    assert s.dtype == np.dtype("int64")
    assert s.shape == (1, 1)
    with pytest.raises(Exception):
        s.append(3.5)  # would lose precision
    assert s.numpy().tolist() == [[5]]
    f = ds.create_tensor("f")
    f.append(1.5)
    assert f.dtype == np.dtype("float64")


def test_integer_overflow_rejected(ds):
    t = ds.create_tensor("a", dtype="int32")
    with pytest.raises(Exception):
        t.append(2**40)
    assert len(t) == 0


def test_none_appends_empty_sample(ds):
    t = ds.create_tensor("a", dtype="int32")
    t.append([1, 2])
    t.append(None)
    assert len(t) == 2
    assert t[1].numpy().shape == (0,)
    assert t[1].numpy().dtype == np.dtype("int32")


# ------------------------------------------------------------------ chunking / tiling / compression


def test_small_max_chunk_size_makes_several_chunks(tmp_path):
    ds = deeplake.empty(str(tmp_path / "ds"), verbose=False)
    c = ds.create_tensor("c", dtype="uint8", max_chunk_size=4000)
    arr = np.random.RandomState(0).randint(0, 255, (40, 30, 10)).astype("uint8")
    c.extend(arr)
    ds.flush()
    assert len(os.listdir(tmp_path / "ds" / "c" / "chunks")) >= 3
    np.testing.assert_array_equal(c[5:35:3].numpy(), arr[5:35:3])
    c[10] = np.zeros((30, 10), "uint8")
    c[20:23] = np.ones((3, 30, 10), "uint8")
    arr[10] = 0
    arr[20:23] = 1
    ds.flush()
    np.testing.assert_array_equal(deeplake.load(str(tmp_path / "ds"), verbose=False).c.numpy(), arr)


def test_tiling_threshold_tiles_large_samples(tmp_path):
    ds = deeplake.empty(str(tmp_path / "ds"), verbose=False)
    t = ds.create_tensor("t", dtype="uint8", tiling_threshold=1000, max_chunk_size=2000)
    big = np.random.RandomState(1).randint(0, 255, (100, 80, 3)).astype("uint8")
    t.append(big)
    t.append(np.zeros((2, 2, 3), "uint8"))
    ds.flush()
    assert len(os.listdir(tmp_path / "ds" / "t" / "chunks")) > 10  # one sample became many tiles
    np.testing.assert_array_equal(t[0].numpy(), big)
    np.testing.assert_array_equal(t[0, 10:60, 5:70].numpy(), big[10:60, 5:70])
    assert t.shape == (2, None, None, 3)
    big2 = big[::-1].copy()
    t[0] = big2
    ds.flush()
    again = deeplake.load(str(tmp_path / "ds"), verbose=False)
    np.testing.assert_array_equal(again.t[0].numpy(), big2)
    np.testing.assert_array_equal(again.t[1].numpy(), np.zeros((2, 2, 3)))


def test_tiling_disabled(tmp_path):
    ds = deeplake.empty(str(tmp_path / "ds"), verbose=False)
    t = ds.create_tensor("t", dtype="uint8", tiling_threshold=-1)
    big = np.ones((200, 200, 3), "uint8")
    t.append(big)
    ds.flush()
    assert len(os.listdir(tmp_path / "ds" / "t" / "chunks")) == 1
    np.testing.assert_array_equal(t[0].numpy(), big)


@pytest.mark.parametrize("kind", ["sample_compression", "chunk_compression"])
def test_lz4_roundtrip(tmp_path, kind):
    ds = deeplake.empty(str(tmp_path / "ds"), verbose=False)
    t = ds.create_tensor("z", dtype="float32", max_chunk_size=3000, **{kind: "lz4"})
    za = np.zeros((20, 200), "float32")
    za[:, ::7] = 3
    t.extend(za)
    t.append(np.ones(5, "float32"))
    t[3] = np.full(7, 2, "float32")
    ds.flush()
    again = deeplake.load(str(tmp_path / "ds"), verbose=False).z
    assert getattr(again.meta, kind) == "lz4"
    got = again.numpy(aslist=True)
    assert len(got) == 21
    np.testing.assert_array_equal(got[0], za[0])
    np.testing.assert_array_equal(got[3], np.full(7, 2))
    np.testing.assert_array_equal(got[20], np.ones(5))
