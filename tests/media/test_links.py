"""link[...] tensors, deeplake.link / link_tiled and creds keys (spec 5.19, 18.2, 18.4)."""
import json
import os
import pathlib
import shutil

import numpy as np
import pytest

import deeplake
from deeplake.core.linked_sample import LinkedSample
from deeplake.core.linked_tiled_sample import LinkedTiledSample
from deeplake.errors import BadLinkError, ManagedCredentialsNotFoundError, TensorUnsupportedSampleType

FIXTURES = pathlib.Path(__file__).parent.parent / "compat" / "fixtures"


@pytest.fixture
def linked_ds(tmp_path):
    ds = deeplake.empty(str(tmp_path / "ds"))
    ds.create_tensor("img", htype="link[image]", sample_compression="png")
    return ds


def test_link_local_files(linked_ds, image_files):
    ds = linked_ds
    ds.img.append(deeplake.link(str(image_files["png"])))
    ds.img.append(deeplake.link(str(image_files["jpg"])))
    assert ds.img.htype == "link[image]"
    assert ds.img.shape == (2, 12, 16, 3)
    np.testing.assert_array_equal(ds.img[0].numpy(), image_files["array"])
    assert ds.img.path() == [str(image_files["png"]), str(image_files["jpg"])]
    assert ds.img[1].creds_key() is None
    ls = ds.img[0]._linked_sample()
    assert isinstance(ls, LinkedSample) and ls.path == str(image_files["png"])
    assert ds.img[1].sample_info["format"] == "jpeg"
    assert ds._img_shape.numpy().tolist() == [[12, 16, 3], [12, 16, 3]]
    assert ds.img[0].tobytes() == open(image_files["png"], "rb").read()
    with pytest.raises(ValueError):
        ds.img._linked_sample()  # needs one sample


def test_relative_paths_resolve_against_cwd(linked_ds, image_files, monkeypatch):
    monkeypatch.chdir(image_files["png"].parent)
    linked_ds.img.append(deeplake.link("img.png"))
    assert linked_ds.img.path() == ["img.png"]
    assert linked_ds.img[0].numpy().shape == (12, 16, 3)


def test_link_http(linked_ds, http_root, image_files):
    base, root = http_root
    (root / "cat.png").write_bytes(open(image_files["png"], "rb").read())
    linked_ds.img.append(deeplake.link(f"{base}/cat.png"))
    np.testing.assert_array_equal(linked_ds.img[0].numpy(), image_files["array"])


def test_verify_rejects_missing_files(linked_ds, tmp_path):
    with pytest.raises(BadLinkError):
        linked_ds.img.append(deeplake.link(str(tmp_path / "nope.png")))
    assert len(linked_ds.img) == 0 and len(linked_ds._img_shape) == 0


def test_unverified_links_are_not_read(tmp_path):
    ds = deeplake.empty(str(tmp_path / "ds"))
    ds.create_tensor("img", htype="link[image]", sample_compression="png", verify=False,
                     create_shape_tensor=False, create_sample_info_tensor=False)
    ds.img.append(deeplake.link(str(tmp_path / "later.png")))
    assert ds.img.path() == [str(tmp_path / "later.png")]
    assert not any(l.get("extend") in ("extend_shape", "extend_info") for l in ds.img.meta.links.values())


def test_wrong_sample_types(linked_ds, image_files):
    with pytest.raises(TensorUnsupportedSampleType):
        linked_ds.img.append(np.zeros((2, 2, 3), np.uint8))
    with pytest.raises(TensorUnsupportedSampleType):
        linked_ds.img.append(deeplake.read(str(image_files["png"])))


def test_update_link(linked_ds, image_files):
    linked_ds.img.append(deeplake.link(str(image_files["png"])))
    linked_ds.img[0] = deeplake.link(str(image_files["gray_png"]))
    assert linked_ds.img.path() == [str(image_files["gray_png"])]
    assert linked_ds.img[0].numpy().shape == (12, 16, 1)
    assert linked_ds._img_shape[0].numpy().tolist() == [12, 16, 1]


def test_creds_keys(linked_ds, image_files):
    ds = linked_ds
    ds.add_creds_key("k1")
    ds.add_creds_key("k2")
    assert ds.get_creds_keys() == {"k1", "k2"} and ds.get_managed_creds_keys() == []
    with pytest.raises(ValueError):
        ds.add_creds_key("k1")
    ds.populate_creds("k1", {"aws_access_key_id": "a", "aws_secret_access_key": "b"})
    ds.populate_creds("k2", from_environment=True)
    ds.img.append(deeplake.link(str(image_files["png"]), creds_key="k1"))
    ds.img.append(deeplake.link(str(image_files["png"])))
    assert ds.img.creds_key() == ["k1", None]
    ds.update_creds_key("k1", "renamed")
    assert ds.get_creds_keys() == {"renamed", "k2"}
    assert ds.img[0].creds_key() == "renamed"
    assert ds.img[0]._linked_sample().creds_key == "renamed"
    stored = json.loads((pathlib.Path(ds.path) / "linked_creds.json").read_text())
    assert stored == {"creds_keys": ["renamed", "k2"], "managed_creds_keys": [], "used_creds_keys": ["renamed"]}
    # creds live in memory only: after a reload the key must be populated again
    ds = deeplake.load(ds.path)
    assert ds.get_creds_keys() == {"renamed", "k2"}
    with pytest.raises(KeyError, match="populate"):
        ds.img[0].numpy()
    ds.populate_creds("renamed", {})
    assert ds.img[0].numpy().shape == (12, 16, 3)


def test_bad_creds_keys(linked_ds, image_files):
    ds = linked_ds
    with pytest.raises(KeyError):
        ds.populate_creds("missing", {})
    with pytest.raises(KeyError):
        ds.update_creds_key("missing", "x")
    ds.add_creds_key("k")
    with pytest.raises(ValueError):
        ds.update_creds_key("k")
    with pytest.raises(ManagedCredentialsNotFoundError, match="platform"):
        ds.add_creds_key("m", managed=True)
    with pytest.raises(ManagedCredentialsNotFoundError):
        ds.update_creds_key("k", managed=True)
    with pytest.raises(Exception, match="does not exist"):
        ds.img.append(deeplake.link(str(image_files["png"]), creds_key="nope"))
    with pytest.raises(BadLinkError, match="creds_key"):
        ds.img.append(deeplake.link("s3://bucket/cat.png"))
    assert len(ds.img) == 0


def test_link_tiled(linked_ds, image_files):
    paths = np.empty((2, 3), dtype=object)
    paths[:] = str(image_files["png"])
    linked_ds.img.append(deeplake.link(str(image_files["png"])))
    linked_ds.img.append(deeplake.link_tiled(paths))
    assert linked_ds.img.shape == (2, None, None, 3)
    big = linked_ds.img[1].numpy()
    assert big.shape == (24, 48, 3)
    np.testing.assert_array_equal(big, np.tile(image_files["array"], (2, 3, 1)))
    ls = linked_ds.img[1]._linked_sample()
    assert isinstance(ls, LinkedTiledSample) and ls.path_array.shape == (2, 3, 1)
    ds = deeplake.load(linked_ds.path)  # persists
    np.testing.assert_array_equal(ds.img[1].numpy(), big)
    with pytest.raises(ValueError):
        deeplake.link_tiled(np.array([["a.png", "s3://b/c.png"]], dtype=object))
    with pytest.raises(ValueError):
        deeplake.link_tiled(np.array([[1, 2]], dtype=object))


def test_link_tiled_rejects_tiles_of_different_shapes(linked_ds, image_files):
    paths = np.array([[str(image_files["png"]), str(image_files["gray_png"])]], dtype=object)
    with pytest.raises(ValueError):
        linked_ds.img.append(deeplake.link_tiled(paths))
    assert len(linked_ds.img) == 0


def test_fixture_seq_link_links_read_back(tmp_path, monkeypatch):
    shutil.copytree(FIXTURES / "seq_link", tmp_path / "seq_link")
    monkeypatch.chdir(tmp_path / "seq_link")
    ds = deeplake.load(".")
    paths = ds.links.path()
    assert all(p.endswith(".png") for p in paths)
    for i, p in enumerate(paths):
        np.testing.assert_array_equal(ds.links[i].numpy(), deeplake.read(p).array)
    assert ds.links.creds_key() == [None] * len(paths)


def test_pop_keeps_creds_aligned(linked_ds, image_files):
    ds = linked_ds
    ds.add_creds_key("k")
    ds.populate_creds("k", {})
    ds.img.extend([deeplake.link(str(image_files["png"])), deeplake.link(str(image_files["jpg"]), creds_key="k"),
                   deeplake.link(str(image_files["png"]))])
    ds.img.pop(0)
    assert ds.img.creds_key() == ["k", None]
    assert ds.img.path() == [str(image_files["jpg"]), str(image_files["png"])]
    assert ds.img.shape == (2, 12, 16, 3)
