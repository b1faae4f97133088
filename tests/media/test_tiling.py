"""deeplake.tiled, partial writes, automatic tiling and region reads (spec deeplake.tiled, FORMAT.md §3.5)."""
import pathlib
import shutil

import numpy as np
import pytest

import deeplake
from deeplake.core.engine.tensor_engine import TensorEngine
from deeplake.core.partial_sample import PartialSample
from deeplake.errors import TensorDtypeMismatchError, TensorInvalidSampleShapeError

FIXTURES = pathlib.Path(__file__).parent.parent / "compat" / "fixtures"


def test_tiled_returns_partial_sample():
    p = deeplake.tiled(sample_shape=(30, 40, 3), tile_shape=(10, 10, 3))
    assert isinstance(p, PartialSample) and p.shape == (30, 40, 3) and p.dtype == np.uint8
    with pytest.raises(ValueError):
        deeplake.tiled((30, 40, 3), tile_shape=(10, 10))


@pytest.mark.parametrize("compression", ["png", None])
def test_partial_writes_into_tiled_sample(tmp_path, compression):
    rng = np.random.default_rng(0)
    path = str(tmp_path / "ds")
    ds = deeplake.empty(path)
    with ds:
        ds.create_tensor("image", htype="image", sample_compression=compression)
        ds.image.append(deeplake.tiled(sample_shape=(103, 113, 3), tile_shape=(10, 10, 3)))
        patch = rng.integers(0, 256, (27, 21, 2), dtype=np.uint8)
        ds.image[0][-27:, :21, 1:] = patch
    expected = np.zeros((103, 113, 3), np.uint8)
    expected[-27:, :21, 1:] = patch
    assert ds.image.shape == (1, 103, 113, 3)
    ds = deeplake.load(path)
    np.testing.assert_array_equal(ds.image[0].numpy(), expected)
    np.testing.assert_array_equal(ds.image[0, 90:, 5:30].numpy(), expected[90:, 5:30])
    np.testing.assert_array_equal(ds.image[0, 100, :, 2].numpy(), expected[100, :, 2])
    eng = ds.image._engine
    assert eng.tiles.get(0) == ((103, 113, 3), (10, 10, 3))


def test_region_read_fetches_only_touched_tiles(monkeypatch):
    ds = deeplake.empty("mem://region")
    ds.create_tensor("image", htype="image", sample_compression="png")
    ds.image.append(deeplake.tiled((40, 40, 3), (10, 10, 3)))
    ds.image[0][12:18, 12:18] = np.full((6, 6, 3), 9, np.uint8)  # one tile
    decoded = []
    real = TensorEngine._decode_tile
    monkeypatch.setattr(TensorEngine, "_decode_tile", lambda self, cid: decoded.append(cid) or real(self, cid))
    out = ds.image[0, 12:18, 5:15].numpy()
    assert out.shape == (6, 10, 3) and len(decoded) == 2  # tiles (1,0) and (1,1) of 16
    assert (out[:, 7:] == 9).all() and (out[:, :7] == 0).all()


def test_partial_write_rewrites_only_touched_tiles(monkeypatch):
    ds = deeplake.empty("mem://touch")
    ds.create_tensor("x", dtype="int32", sample_compression=None)
    ds.x.append(deeplake.tiled((20, 20), (5, 5), dtype="int32"))
    rewritten = []
    real = TensorEngine._encode_tile
    monkeypatch.setattr(TensorEngine, "_encode_tile", lambda self, t: rewritten.append(t.shape) or real(self, t))
    ds.x[0][3, 4:7] = np.array([1, 2, 3], dtype=np.int32)
    assert len(rewritten) == 2
    np.testing.assert_array_equal(ds.x[0, 3, 3:8].numpy(), [0, 1, 2, 3, 0])


def test_partial_write_bad_input_changes_nothing():
    ds = deeplake.empty("mem://bad")
    ds.create_tensor("image", htype="image", sample_compression="png")
    ds.image.append(deeplake.tiled((30, 30, 3), (10, 10, 3)))
    with pytest.raises(TensorInvalidSampleShapeError):
        ds.image[0][:5, :5] = np.ones((4, 5, 3), np.uint8)
    with pytest.raises(TensorDtypeMismatchError):
        ds.image[0][:5, :5] = np.ones((5, 5, 3), np.float32)
    with pytest.raises(IndexError):
        ds.image[0][40, 0] = np.ones(3, np.uint8)
    assert not ds.image[0].numpy().any()
    with pytest.raises(TensorDtypeMismatchError):
        ds.create_tensor("f", dtype="float32")
        ds.f.append(deeplake.tiled((4, 4), dtype="uint8"))
    assert len(ds.f) == 0


def test_partial_write_into_untiled_sample_checks_shape():
    ds = deeplake.empty("mem://untiled")
    ds.create_tensor("x", dtype="uint8")
    ds.x.append(np.zeros((4, 4), np.uint8))
    ds.x[0][1:3, 1:3] = np.ones((2, 2), np.uint8)
    assert ds.x[0].numpy().sum() == 4
    with pytest.raises(TensorInvalidSampleShapeError):
        ds.x[0][1:3, 1:3] = np.ones((3, 3), np.uint8)


def test_automatic_tiling_above_threshold():
    rng = np.random.default_rng(1)
    ds = deeplake.empty("mem://auto")
    ds.create_tensor("x", dtype="uint8", tiling_threshold=1000)
    big = rng.integers(0, 256, (60, 50), dtype=np.uint8)
    ds.x.extend([big, np.ones((5, 5), np.uint8)])
    assert 0 in ds.x._engine.tiles and 1 not in ds.x._engine.tiles
    np.testing.assert_array_equal(ds.x[0].numpy(), big)
    np.testing.assert_array_equal(ds.x[0, 10:20, 40:].numpy(), big[10:20, 40:])
    ds.create_tensor("y", dtype="uint8", tiling_threshold=-1)
    ds.y.append(big)
    assert not ds.y._engine.tiles.entries


@pytest.mark.parametrize("name", ["tiled", "tiled_png"])
def test_fixture_tiled_images_read_back_and_regions(tmp_path, name):
    import json

    import hashlib

    expected = json.loads((FIXTURES / "images.expected.json").read_text())
    head = next(iter(expected["commits"].values()))
    desc = head["tensors"][name]["samples"][0]
    shutil.copytree(FIXTURES / "images", tmp_path / "images")
    ds = deeplake.load(str(tmp_path / "images"))
    assert 0 in ds[name]._engine.tiles
    want = ds[name][0].numpy()
    assert list(want.shape) == desc["shape"]
    assert hashlib.sha256(want.astype(want.dtype.newbyteorder("<")).tobytes()).hexdigest() == desc["sha256_le_c_order"]
    np.testing.assert_array_equal(ds[name][0, 3:21, 5:].numpy(), want[3:21, 5:])
    # a partial write into the reference's tiles
    ds[name][0][0:2, 0:2] = np.zeros((2, 2, want.shape[2]), np.uint8)
    want[0:2, 0:2] = 0
    np.testing.assert_array_equal(deeplake.load(str(tmp_path / "images"))[name][0].numpy(), want)
