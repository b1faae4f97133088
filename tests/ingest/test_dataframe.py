import numpy as np
import pytest

import deeplake
from deeplake.ingest._common import IngestionError
from ingest_sources import make_class_tree

pd = pytest.importorskip("pandas")


def test_columns_become_tensors(tmp_path):
    make_class_tree(str(tmp_path / "cls"))
    paths = [str(tmp_path / "cls" / "dog" / f"{i}.jpg") for i in range(3)]
    df = pd.DataFrame({"i": [1, 2, 3], "f": [1.5, np.nan, 2.0], "s": ["a", "b", "c"], "b": [True, False, True],
                       "img col": paths, "lk": paths, "sn": ["x", None, "z"], "bad/name": [1.0, 2.0, 3.0],
                       "arr": [np.array([1, 2]), np.array([3]), np.array([4, 5, 6])]})
    ds = deeplake.ingest_dataframe(df, "mem://df_basic", progressbar=False, creds_key="local",
                                   column_params={"img col": {"htype": "image"},
                                                  "lk": {"name": "links", "htype": "link[image]"}})
    assert list(ds.tensors) == ["i", "f", "s", "b", "img col", "links", "sn", "bad_name", "arr"]
    assert (ds.i.meta.htype, str(ds.i.meta.dtype)) == ("generic", "int64")
    assert str(ds.b.meta.dtype) == "bool" and str(ds.f.meta.dtype) == "float64"
    assert ds.i.numpy().tolist() == [[1], [2], [3]]
    assert np.isnan(ds.f[1].numpy()[0])
    assert ds.s.meta.htype == "text" and ds.sn.numpy(aslist=True)[1].tolist() == [""]
    assert ds["img col"].meta.sample_compression == "jpeg" and ds["img col"][0].numpy().shape == (8, 10, 3)
    assert ds.links.meta.is_link and ds.links[2].numpy().shape == (8, 10, 3)
    assert ds.arr[2].numpy().tolist() == [4, 5, 6]


def test_into_existing_dataset():
    ds = deeplake.empty("mem://df_existing")
    out = deeplake.ingest_dataframe(pd.DataFrame({"x": [1.0, 2.0]}), ds, progressbar=False)
    assert out is ds and ds.x.numpy().reshape(-1).tolist() == [1.0, 2.0]


def test_bad_input(tmp_path):
    dest = str(tmp_path / "d")
    with pytest.raises(IngestionError, match="pandas dataframe"):
        deeplake.ingest_dataframe([1, 2], dest)
    df = pd.DataFrame({"a": [1, 2]})
    with pytest.raises(IngestionError, match="nope"):
        deeplake.ingest_dataframe(df, dest, column_params={"nope": {"htype": "image"}})
    with pytest.raises(IngestionError, match="different data types"):
        deeplake.ingest_dataframe(pd.DataFrame({"m": [1, "a", 2.0]}), dest, progressbar=False)
    with pytest.raises(IngestionError, match="not a supported image"):
        deeplake.ingest_dataframe(pd.DataFrame({"p": ["x.txt"]}), dest, column_params={"p": {"htype": "image"}})
    assert not deeplake.exists(dest)
