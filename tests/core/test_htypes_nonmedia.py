"""Non-media htypes (spec section 5): defaults, sample shapes, readers and bad samples."""

import numpy as np
import pytest

import deeplake
from deeplake.util.exceptions import TensorMetaInvalidHtypeOverwriteKey


@pytest.fixture
def ds():
    return deeplake.empty("mem://htypes_nonmedia", overwrite=True, verbose=False)


# Table 1 of the spec: htype -> default dtype (None: decided by the first sample).
DEFAULT_DTYPES = {
    "generic": None,
    "class_label": "uint32",
    "bbox": "float32",
    "bbox.3d": "float32",
    "intrinsics": "float32",
    "segment_mask": "uint32",
    "binary_mask": "bool",
    "keypoints_coco": "int32",
    "point": "int32",
    "polygon": "float32",
    "instance_label": "uint32",
    "embedding": "float32",
}

DEFAULT_INFO = {
    "class_label": {"class_names": []},
    "segment_mask": {"class_names": []},
    "bbox": {"coords": {}},
    "bbox.3d": {"coords": {}},
    "keypoints_coco": {"keypoints": [], "connections": []},
}


@pytest.mark.parametrize("htype", sorted(DEFAULT_DTYPES))
def test_default_dtype_and_empty_shape(ds, htype):
    t = ds.create_tensor("t", htype=htype)
    assert t.htype == htype and t.base_htype == htype
    expected = DEFAULT_DTYPES[htype]
    assert t.dtype == (None if expected is None else np.dtype(expected))
    assert t.meta.sample_compression is None and t.meta.chunk_compression is None
    assert t.shape == (0,)
    assert len(t) == 0
    assert dict(t.info.items()) == DEFAULT_INFO.get(htype, {})


@pytest.mark.parametrize("htype, meta_dtype", [("text", "str"), ("json", "Any"), ("list", "List"), ("tag", "List")])
def test_string_htypes_meta_dtype(ds, htype, meta_dtype):
    t = ds.create_tensor("t", htype=htype)
    assert t.meta.dtype == meta_dtype
    assert t.htype == htype


@pytest.mark.parametrize(
    "dtype",
    ["bool", "int8", "int16", "int32", "int64", "uint8", "uint16", "uint32", "uint64", "float16", "float32", "float64"],
)
def test_generic_every_numeric_dtype_roundtrip(tmp_path, dtype):
    ds = deeplake.empty(str(tmp_path / "ds"), verbose=False)
    t = ds.create_tensor("t", dtype=dtype)
    data = (np.arange(12) % 2 if dtype == "bool" else np.arange(12)).astype(dtype).reshape(3, 4)
    t.extend(data)
    t.append(np.array(1, dtype=dtype))  # scalar sample
    ds.flush()
    again = deeplake.load(str(tmp_path / "ds"), verbose=False).t
    assert again.dtype == np.dtype(dtype)
    got = again.numpy(aslist=True)
    assert [g.dtype for g in got] == [np.dtype(dtype)] * 4
    np.testing.assert_array_equal(np.stack(got[:3]), data)
    assert got[3].shape == (1,)  # scalars are stored as 1-element samples
    assert again.shape == (4, None)


def test_generic_dtype_set_by_first_sample(ds):
    t = ds.create_tensor("t")
    t.append(np.zeros((2, 3), dtype="uint16"))
    assert t.dtype == np.dtype("uint16")
    t.append(np.ones((2, 3), dtype="uint8"))  # safely castable
    assert t[1].numpy().dtype == np.dtype("uint16")


def test_generic_scalars_and_empty_samples(ds):
    t = ds.create_tensor("t", dtype="float32")
    t.extend([1.0, 2.5, None])
    assert len(t) == 3
    assert t[0].numpy().tolist() == [1.0]
    assert t[2].numpy().shape == (0,)
    assert t.shape == (3, None)


# ------------------------------------------------------------------ class_label


def test_class_label(ds):
    classes = ["airplanes", "cars"]
    c = ds.create_tensor("labels", htype="class_label", class_names=classes, chunk_compression="lz4")
    assert c.info.class_names == classes
    assert c.meta.chunk_compression == "lz4"
    c.append(0)
    c.append(np.zeros((5,), dtype=np.uint32))
    c.extend([[0, 1, 2], [1, 3]])
    c.append(["cars", "airplanes"])
    c.append("dogs")  # a new string label extends class_names
    c.extend(["cars", "zebras"])
    assert c.info.class_names == ["airplanes", "cars", "dogs", "zebras"]
    got = [a.tolist() for a in c.numpy(aslist=True)]
    assert got == [[0], [0, 0, 0, 0, 0], [0, 1, 2], [1, 3], [1, 0], [2], [1], [3]]
    assert all(a.dtype == np.dtype("uint32") for a in c.numpy(aslist=True))
    assert c.shape == (8, None)


def test_class_label_data_returns_value_and_text(ds):
    c = ds.create_tensor("labels", htype="class_label", class_names=["a", "b"])
    c.extend([0, [1, 0], 1])
    d = c[0].data()
    assert set(d) == {"value", "text"}
    assert d["value"].tolist() == [0] and d["text"] == ["a"]
    d1 = c[1].data()
    assert d1["value"].tolist() == [1, 0] and d1["text"] == ["b", "a"]
    d2 = c[[0, 2]].data()
    assert d2["value"].tolist() == [[0], [1]]
    assert d2["text"] == [["a"], ["b"]]


def test_class_names_set_after_creation(tmp_path):
    ds = deeplake.empty(str(tmp_path / "ds"), verbose=False)
    ds.create_tensor("labels", htype="class_label")
    ds.labels.info.update(class_names=["x", "y"])
    ds.labels.append("y")
    ds.flush()
    again = deeplake.load(str(tmp_path / "ds"), verbose=False)
    assert again.labels.info.class_names == ["x", "y"]
    assert again.labels.numpy().tolist() == [[1]]


def test_class_label_string_labels_persist(tmp_path):
    ds = deeplake.empty(str(tmp_path / "ds"), verbose=False)
    ds.create_tensor("labels", htype="class_label")
    ds.labels.extend(["cat", "dog", "cat"])
    ds.flush()
    again = deeplake.load(str(tmp_path / "ds"), verbose=False)
    assert again.labels.info.class_names == ["cat", "dog"]
    assert again.labels.numpy().ravel().tolist() == [0, 1, 0]


def test_class_label_bad_samples(ds):
    c = ds.create_tensor("labels", htype="class_label")
    with pytest.raises(Exception):
        c.append(1.5)
    with pytest.raises(Exception):
        c.append(np.zeros((2, 2)))
    assert len(c) == 0


def test_class_label_negative_rejected(ds):
    c = ds.create_tensor("labels", htype="class_label")
    with pytest.raises(Exception):
        c.append(-1)
    assert len(c) == 0


def test_class_names_only_for_label_htypes(ds):
    with pytest.raises(TensorMetaInvalidHtypeOverwriteKey):
        ds.create_tensor("t", htype="bbox", class_names=["a"])


# ------------------------------------------------------------------ tag


def test_tag(ds):
    t = ds.create_tensor("tags", htype="tag", chunk_compression="lz4")
    t.append("verified")
    t.extend(["verified", "unverified"])
    t.append(["a", "b"])
    assert t.list() == [["verified"], ["verified"], ["unverified"], ["a", "b"]]
    assert t[3].list() == ["a", "b"]
    assert t[3].data() == {"value": ["a", "b"]}
    assert t.shape == (4, None)


# ------------------------------------------------------------------ bbox / bbox.3d / intrinsics


def test_bbox(ds):
    b = ds.create_tensor("boxes", htype="bbox", coords={"type": "fractional", "mode": "CCWH"})
    assert b.info.coords == {"type": "fractional", "mode": "CCWH"}
    b.append(np.array([[462, 123, 238, 98]], dtype="float32"))
    b.append(np.array([[965, 110, 262, 77], [462, 123, 238, 98], [688, 108, 279, 116]], dtype="float32"))
    b.append(np.zeros((0, 4), "float32"))
    assert b.shape == (3, None, 4)
    assert b[1].numpy().dtype == np.dtype("float32")
    np.testing.assert_array_equal(b[0].numpy(), [[462, 123, 238, 98]])
    b.info.update(coords={"type": "pixel", "mode": "LTRB"})
    assert b.info.coords == {"type": "pixel", "mode": "LTRB"}


def test_bbox_wrong_ndim(ds):
    b = ds.create_tensor("boxes", htype="bbox")
    b.append(np.zeros((1, 4), "float32"))
    with pytest.raises(Exception):
        b.append(np.zeros((4,), "float32"))
    assert len(b) == 1


def test_bbox_3d(ds):
    b = ds.create_tensor("b3", htype="bbox.3d", coords={"mode": "center"})
    b.append(np.zeros((2, 9), "float32"))
    assert b.info.coords == {"mode": "center"}
    assert b.shape == (1, 2, 9)
    v = ds.create_tensor("b3v", htype="bbox.3d", coords={"mode": "vertex"})
    v.append(np.zeros((1, 8, 3), "float32"))
    assert v.shape == (1, 1, 8, 3)


def test_intrinsics(ds):
    i = ds.create_tensor("intrinsics", htype="intrinsics")
    i.append(np.eye(3, dtype="float32"))
    assert i.shape == (1, 3, 3)
    assert i.dtype == np.dtype("float32")
    np.testing.assert_array_equal(i[0].numpy(), np.eye(3))


# ------------------------------------------------------------------ masks


def test_segment_mask(ds):
    m = ds.create_tensor("masks", htype="segment_mask", class_names=["bg", "x"], sample_compression="lz4")
    m.append(np.zeros((5, 6), "uint32"))
    m.append(np.ones((4, 4), "uint32"))
    assert m.shape == (2, None, None)
    assert m.info.class_names == ["bg", "x"]
    assert int(m[1].numpy().sum()) == 16
    with pytest.raises(Exception):
        m.append(np.zeros((4, 4, 2), "uint32"))
    assert len(m) == 2


def test_binary_mask(ds):
    m = ds.create_tensor("masks", htype="binary_mask", sample_compression="lz4")
    m.append(np.zeros((5, 6, 3), dtype="bool"))
    m.append(np.ones((5, 6, 1), dtype=bool))
    assert m.shape == (2, 5, 6, None)
    assert m.dtype == np.dtype("bool")
    assert m[1].numpy().all()
    with pytest.raises(Exception):
        m.append(np.zeros((5, 6, 3), "int32"))
    assert len(m) == 2


# ------------------------------------------------------------------ keypoints / point / polygon


def test_keypoints_coco(ds):
    k = ds.create_tensor("kp", htype="keypoints_coco", keypoints=["knee", "elbow", "head"], connections=[[0, 1], [1, 2]])
    assert k.info.keypoints == ["knee", "elbow", "head"]
    assert k.info.connections == [[0, 1], [1, 2]]
    arr = np.arange(36, dtype="int32").reshape(9, 4)
    k.append(arr)
    assert k.shape == (1, 9, 4)
    np.testing.assert_array_equal(k[0].numpy(), arr)


def test_point(ds):
    p = ds.create_tensor("points", htype="point", sample_compression=None)
    p.append([[0, 1], [1, 3]])
    p.append(np.zeros((2, 3), "int32"))
    assert p.dtype == np.dtype("int32")
    assert p.shape == (2, 2, None)
    assert p[0].numpy().tolist() == [[0, 1], [1, 3]]


def test_polygon(ds):
    pg = ds.create_tensor("polygons", htype="polygon", sample_compression=None)
    sample = [[(1, 2), (2, 3), (3, 4)], [(10, 12), (14, 19)], [(33, 32), (54, 67), (67, 43), (56, 98)]]
    pg.append(sample)
    pg.append(np.zeros((5, 7, 2), "float32"))
    assert pg.shape == (2, None, None, 2)
    got = pg[0].numpy()  # polygons are always returned as lists
    assert isinstance(got, list)
    assert [a.tolist() for a in got] == [[list(p) for p in poly] for poly in sample]
    assert all(a.dtype == np.dtype("float32") for a in got)
    both = pg.numpy()
    assert isinstance(both, list) and len(both) == 2 and len(both[1]) == 5
    with pytest.raises(Exception):
        pg.append([[(1, 2, 3)], [(1, 2)]])  # mixing 2-D and 3-D points
    assert len(pg) == 2


# ------------------------------------------------------------------ text / json / list


def test_text(ds):
    t = ds.create_tensor("t", htype="text")
    t.append("hello")
    t.extend(["a", ""])
    assert t.text() == ["hello", "a", ""]
    assert t[0].text() == "hello"
    assert t[0].data() == {"value": "hello"}
    assert t.data() == {"value": ["hello", "a", ""]}
    assert t.shape == (3, 1)
    arr = t.numpy()
    assert arr.shape == (3, 1) and arr[0, 0] == "hello"
    assert [a.tolist() for a in t.numpy(aslist=True)] == [["hello"], ["a"], [""]]


def test_text_unicode_persists(tmp_path):
    ds = deeplake.empty(str(tmp_path / "ds"), verbose=False)
    ds.create_tensor("t", htype="text", chunk_compression="lz4")
    words = ["héllo wörld", "日本語", "emoji 🙂", ""]
    ds.t.extend(words)
    ds.flush()
    assert deeplake.load(str(tmp_path / "ds"), verbose=False).t.text() == words


def test_json(tmp_path):
    ds = deeplake.empty(str(tmp_path / "ds"), verbose=False)
    j = ds.create_tensor("j", htype="json")
    j.append({"a": 1, "b": [1, 2]})
    j.extend([{"x": None}, [1, 2]])
    ds.flush()
    j = deeplake.load(str(tmp_path / "ds"), verbose=False).j
    assert j.dict() == [{"a": 1, "b": [1, 2]}, {"x": None}, [1, 2]]
    assert j[0].dict() == {"a": 1, "b": [1, 2]}
    assert j[0].data() == {"value": {"a": 1, "b": [1, 2]}}
    assert j.shape == (3, 1)
    with pytest.raises(Exception):
        j.append({"a": object()})
    assert len(j) == 3


def test_list(ds):
    lst = ds.create_tensor("l", htype="list")
    lst.append([1, "a", {"b": 2}])
    lst.extend([[], ["x"]])
    assert lst.list() == [[1, "a", {"b": 2}], [], ["x"]]
    assert lst[0].list() == [1, "a", {"b": 2}]
    assert lst[0].data() == {"value": [1, "a", {"b": 2}]}
    assert lst.shape == (3, None)
    with pytest.raises(Exception):
        lst.append("not a list")
    with pytest.raises(Exception):
        lst.append({"a": 1})
    assert len(lst) == 3


@pytest.mark.parametrize(
    "htype, method",
    [("class_label", "text"), ("text", "dict"), ("json", "text"), ("generic", "list")],
)
def test_readers_only_for_their_htype(ds, htype, method):
    t = ds.create_tensor("t", htype=htype)
    with pytest.raises(Exception):
        getattr(t, method)()


# ------------------------------------------------------------------ embedding / instance_label


def test_embedding(ds):
    e = ds.create_tensor("embedding", htype="embedding")
    e.append(np.random.uniform(low=-1, high=1, size=(1024)).astype("float32"))
    e.extend([np.ones(1024, "float32") for _ in range(3)])
    assert e.shape == (4, 1024)
    assert e.dtype == np.dtype("float32")
    assert e.numpy().dtype == np.dtype("float32")
    emb_lz4 = ds.create_tensor("e2", htype="embedding", chunk_compression="lz4")
    emb_lz4.extend(np.ones((2, 8), "float32"))
    assert emb_lz4.numpy().tolist() == np.ones((2, 8)).tolist()


def test_instance_label(ds):
    i = ds.create_tensor("il", htype="instance_label")
    i.append([1, 2])
    assert i.shape == (1, 2)
    assert i.dtype == np.dtype("uint32")
