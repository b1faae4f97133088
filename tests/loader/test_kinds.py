"""Groups, sequences, links, dynamic shapes, text/json, chunk cache and ordering helpers."""
import numpy as np
import pytest

import deeplake
from deeplake.errors import EmptyTensorError
from deeplake.loader.order import _buffer_shuffle, distributed_share, epoch_order, make_batches


def test_groups():
    ds = deeplake.empty("mem://groups", overwrite=True)
    ds.create_group("g")
    ds.g.create_tensor("x")
    ds.create_tensor("y")
    ds.g.x.extend(np.arange(10).reshape(10, 1).astype(np.int64))
    ds.y.extend(np.arange(10) * 2)
    b = next(iter(ds.dataloader().batch(10).numpy()))
    assert set(b.keys()) == {"g/x", "y", "index"}
    assert b["g/x"].reshape(-1).tolist() == list(range(10))
    b = next(iter(ds.dataloader().batch(10).numpy(tensors=["g"])))  # a group name loads its tensors
    assert set(b.keys()) == {"g/x", "index"}
    b = next(iter(ds.g.dataloader().batch(10).numpy()))  # a group as dataset
    assert set(b.keys()) == {"x", "index"}


def test_dynamic_shapes_give_lists():
    ds = deeplake.empty("mem://dyn", overwrite=True)
    ds.create_tensor("x", dtype="float32")
    ds.x.extend([np.ones((i + 1, 2), np.float32) for i in range(5)])
    b = next(iter(ds.dataloader().batch(5).numpy()))
    assert isinstance(b["x"], list) and [a.shape for a in b["x"]] == [(i + 1, 2) for i in range(5)]


def test_dynamic_image_shapes():
    ds = deeplake.empty("mem://dynimg", overwrite=True)
    ds.create_tensor("im", htype="image", sample_compression="png")
    arrays = [np.full((4 + i, 3, 3), i, np.uint8) for i in range(3)]
    ds.im.extend(arrays)
    b = next(iter(ds.dataloader().batch(3).numpy()))
    for got, want in zip(b["im"], arrays):
        np.testing.assert_array_equal(got, want)


def test_sequences():
    ds = deeplake.empty("mem://seq", overwrite=True)
    ds.create_tensor("s", htype="sequence[class_label]")
    ds.s.extend([[1, 2, 3], [4, 5], [6]])
    b = next(iter(ds.dataloader().batch(3).numpy()))
    assert [np.asarray(v).reshape(-1).tolist() for v in b["s"]] == [[1, 2, 3], [4, 5], [6]]


def test_text_and_json():
    ds = deeplake.empty("mem://text", overwrite=True)
    ds.create_tensor("t", htype="text")
    ds.create_tensor("j", htype="json")
    ds.t.extend(["a", "bb", "ccc"])
    ds.j.extend([{"k": 1}, {"k": 2}, {"k": 3}])
    b = next(iter(ds.dataloader().batch(3).numpy()))
    assert list(b["t"]) == ["a", "bb", "ccc"]
    assert list(b["j"]) == [{"k": 1}, {"k": 2}, {"k": 3}]


def test_links(tmp_path):
    from PIL import Image

    paths = []
    for i in range(3):
        p = tmp_path / f"{i}.png"
        Image.fromarray(np.full((5, 6, 3), i * 40, np.uint8)).save(p)
        paths.append(str(p))
    ds = deeplake.empty("mem://links", overwrite=True)
    ds.create_tensor("im", htype="link[image]", sample_compression="png")
    ds.im.extend([deeplake.link(p) for p in paths])
    b = next(iter(ds.dataloader().batch(3).numpy()))
    assert np.asarray(b["im"]).shape == (3, 5, 6, 3)
    assert [int(np.asarray(a).max()) for a in b["im"]] == [0, 40, 80]


def test_empty_tensor_raises():
    ds = deeplake.empty("mem://empty", overwrite=True)
    ds.create_tensor("x")
    ds.create_tensor("y")
    ds.y.extend([1, 2])
    with pytest.raises(EmptyTensorError):
        ds.dataloader().numpy()
    assert len(list(ds.dataloader().numpy(tensors=["y"]))) == 2


def test_chunk_cache_is_bounded(tmp_path):
    from loader_helpers import make_images_ds
    from deeplake.loader.sources import TensorSource

    ds = make_images_ds(str(tmp_path / "ds"), n=200, chunk=10_000)
    src = TensorSource("images", ds.images, cache_budget=1)
    assert len(ds.images._engine.chunk_ids) > 5
    out = src.read(np.arange(200))
    np.testing.assert_array_equal(out, ds.images.numpy())
    assert src.cache.used <= src.cache.budget + 3 * ds.images._engine.max_chunk_size


def test_epoch_order_is_a_permutation_grouped_by_chunk():
    rng = np.random.default_rng(0)
    chunks = np.repeat(np.arange(10), 100)
    order = epoch_order(1000, chunks, True, buffer_bytes=50, bytes_per_sample=1, rng=rng)
    assert sorted(order.tolist()) == list(range(1000))
    # a 50-sample buffer keeps the stream local: early outputs come from few chunks
    assert len(set(chunks[order[:50]].tolist())) <= 3
    assert epoch_order(5, None, False, 1, 1, rng).tolist() == [0, 1, 2, 3, 4]


def test_buffer_shuffle_and_shares():
    rng = np.random.default_rng(1)
    out = _buffer_shuffle(np.arange(100), 10, rng)
    assert sorted(out.tolist()) == list(range(100))
    order = np.arange(10)
    shares = [distributed_share(order, r, 3).tolist() for r in range(3)]
    assert sum(shares, []) == list(range(10))
    assert [len(b) for b in make_batches(np.arange(10), 4, False)] == [4, 4, 2]
    assert [len(b) for b in make_batches(np.arange(10), 4, True)] == [4, 4]


def test_grayscale_and_png_images_match_dataset():
    ds = deeplake.empty("mem://gray", overwrite=True)
    ds.create_tensor("g", htype="image", sample_compression="jpeg")
    ds.create_tensor("p", htype="image", sample_compression="png")
    rng = np.random.default_rng(2)
    ds.g.extend(rng.integers(0, 255, (6, 12, 10, 1), dtype=np.uint8))
    ds.p.extend(rng.integers(0, 255, (6, 12, 10, 4), dtype=np.uint8))
    b = next(iter(ds.dataloader().batch(6).numpy(num_workers=2)))
    np.testing.assert_array_equal(b["g"], ds.g.numpy())
    np.testing.assert_array_equal(b["p"], ds.p.numpy())
