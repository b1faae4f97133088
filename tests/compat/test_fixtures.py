"""Every fixture written by deeplake 3.8.22 reads back its expected values."""
import json
import os
import pathlib

import numpy as np
import pytest

import deeplake
from describe import sample_desc, to_plain

FIXTURES = pathlib.Path(__file__).parent / "fixtures"
NAMES = ["tiny", "basic", "groups", "images", "seq_link", "views", "version_control"]


def expected(name):
    return json.loads((FIXTURES / f"{name}.expected.json").read_text())


def cases():
    for name in NAMES:
        exp = expected(name)
        for cid in exp["commits"]:
            yield pytest.param(name, cid, id=f"{name}@{cid[:8]}")


@pytest.fixture
def in_fixture_dir(request):
    # link tensors hold paths relative to the fixture folder (as the reference resolves them)
    old = os.getcwd()
    yield lambda name: os.chdir(FIXTURES / name)
    os.chdir(old)


@pytest.mark.parametrize("name,commit_id", list(cases()))
def test_fixture_commit_reads_expected_values(name, commit_id, in_fixture_dir):
    in_fixture_dir(name)
    exp = expected(name)["commits"][commit_id]
    ds = deeplake.load(f"{FIXTURES / name}@{commit_id}", read_only=True)
    assert ds.meta.groups == exp["groups"]
    assert ds.meta.tensors == exp["tensor_order"]
    assert ds.meta.tensor_names == exp["tensor_names"]
    assert ds.meta.hidden_tensors == exp["hidden_tensors"]
    assert to_plain(dict(ds.info.items())) == exp["info"]
    for tname, texp in exp["tensors"].items():
        t = ds[tname]
        m = t.meta
        assert m.htype == texp["htype"], tname
        assert m.dtype == texp["dtype"], tname
        assert len(t) == texp["length"], tname
        assert m.length == texp["num_samples_flat"], tname
        assert m.min_shape == texp["min_shape"] and m.max_shape == texp["max_shape"], tname
        assert m.sample_compression == texp["sample_compression"], tname
        assert m.chunk_compression == texp["chunk_compression"], tname
        assert m.is_sequence == texp["is_sequence"] and m.is_link == texp["is_link"], tname
        assert to_plain(dict(t.info.items())) == texp["info"], tname
        if texp.get("samples") is None:
            continue
        if tname.split("/")[-1].startswith("_") and tname.endswith("_id"):
            continue  # ids are random; their count is checked through length
        got = [sample_desc(t, i) for i in range(len(t))]
        assert _normalise(got) == _normalise(texp["samples"]), tname


def _normalise(v):
    """JSON round trip so tuples/lists and int/float spellings compare equal."""
    return json.loads(json.dumps(to_plain(v), sort_keys=True))


def test_tiny_jpeg_bytes_are_the_source_files():
    exp = expected("tiny")
    ds = deeplake.load(FIXTURES / "tiny", read_only=True)
    got = [__import__("hashlib").sha256(ds.images[i].tobytes()).hexdigest() for i in range(2)]
    assert got == [exp["source_jpeg_sha256"]["img0.jpg"], exp["source_jpeg_sha256"]["img1.jpg"]]


def test_fixed_shape_numpy_matches_samples():
    ds = deeplake.load(FIXTURES / "basic", read_only=True)
    arr = ds.ints.numpy()
    assert arr.shape == (5, 3) and arr.dtype == np.int32
    np.testing.assert_array_equal(arr, np.arange(15, dtype=np.int32).reshape(5, 3))
    assert ds.big_ints.numpy().shape == (600, 2)
