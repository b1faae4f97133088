"""ds.dataloader(): the builder of spec 11.1, numpy output."""
import numpy as np
import pytest

import deeplake
from deeplake.errors import SampleDecompressionError, TransformError
from loader_helpers import RawJpeg, make_images_ds


def all_rows(loader, key="index"):
    return np.concatenate([np.asarray(b[key]).reshape(-1) for b in loader])


@pytest.mark.parametrize(
    "call",
    [
        lambda d: d.batch(2).batch(3),
        lambda d: d.shuffle().shuffle(),
        lambda d: d.transform(lambda s: s).transform(lambda s: s),
        lambda d: d.offset(1).offset(2),
        lambda d: d.query("select * where labels == 1").query("select * where labels == 2"),
        lambda d: d.sample_by([1.0] * 50).sample_by([1.0] * 50),
        lambda d: d.numpy().numpy(),
    ],
)
def test_each_builder_method_once(images_ds, call):
    with pytest.raises(ValueError):
        call(images_ds.dataloader())


def test_terminal_methods_exclusive(images_ds):
    pytest.importorskip("torch")
    with pytest.raises(ValueError):
        images_ds.dataloader().numpy().pytorch()


def test_builder_returns_new_loaders(images_ds):
    base = images_ds.dataloader()
    batched = base.batch(4)
    assert base is not batched and len(base) == 50 and len(batched) == 13


def test_shuffle_on_view_raises(images_ds):
    with pytest.raises(ValueError):
        images_ds[0:10].dataloader().shuffle()
    images_ds[0:10].dataloader().shuffle(False)  # not shuffling a view is fine


def test_bad_arguments(images_ds):
    with pytest.raises(ValueError):
        images_ds.dataloader().batch(0)
    with pytest.raises(ValueError):
        images_ds.dataloader().offset(-1)
    with pytest.raises(TypeError):
        images_ds.dataloader().transform(5)
    with pytest.raises(ValueError):
        images_ds.dataloader().numpy(num_workers=-1)
    with pytest.raises(ValueError):
        images_ds.dataloader().numpy(decode_method={"images": "jpeg"})
    with pytest.raises(ValueError):
        images_ds.dataloader().numpy(decode_method={"labels": "pil"})  # pil needs jpeg/png
    with pytest.raises(KeyError):
        images_ds.dataloader().numpy(tensors=["nope"])
    with pytest.raises(ValueError):
        iter(images_ds.dataloader().batch(2))  # no terminal method yet


def test_numpy_batches_match_dataset(images_ds):
    loader = images_ds.dataloader().batch(8).numpy()
    assert len(loader) == 7
    batches = list(loader)
    assert [len(b["images"]) for b in batches] == [8] * 6 + [2]
    images = np.concatenate([b["images"] for b in batches])
    np.testing.assert_array_equal(images, images_ds.images.numpy())
    labels = np.concatenate([b["labels"] for b in batches])
    np.testing.assert_array_equal(labels, images_ds.labels.numpy())
    assert labels.dtype == np.uint32
    np.testing.assert_array_equal(all_rows(batches), np.arange(50))


def test_default_batch_is_one_and_unpacking(images_ds):
    loader = images_ds.dataloader().numpy(tensors=["labels", "images"])
    first = next(iter(loader))
    labels, images, index = first  # batches iterate over their values, in `tensors` order
    assert images.shape == (1, 16, 16, 3) and labels.shape == (1, 1) and index.tolist() == [0]


def test_drop_last(images_ds):
    loader = images_ds.dataloader().batch(8, drop_last=True).numpy()
    assert len(loader) == 6
    assert sum(len(b["labels"]) for b in loader) == 48


def test_offset_starts_there_and_wraps_around(images_ds):
    # the reference's enterprise loader: offset(4) over 10 rows visits 4..9 then 0..3
    loader = images_ds.dataloader().offset(45).batch(2).numpy()
    assert len(loader) == 25
    rows = all_rows(loader)
    assert rows.tolist() == list(range(45, 50)) + list(range(45))
    assert all_rows(images_ds.dataloader().offset(0).numpy()).tolist() == list(range(50))
    assert all_rows(images_ds.dataloader().offset(50).numpy()).tolist() == list(range(50))  # a full turn


def test_offset_with_shuffle_resumes_the_seeded_order(local_images_ds):
    ds = local_images_ds
    deeplake.random.seed(3)
    try:
        full = all_rows(ds.dataloader().shuffle(buffer_size=1).batch(8).numpy())
        resumed = all_rows(ds.dataloader().offset(40).shuffle(buffer_size=1).batch(8).numpy())
    finally:
        deeplake.random.seed(None)
    assert sorted(resumed.tolist()) == list(range(len(ds)))
    assert resumed.tolist() == full[40:].tolist() + full[:40].tolist()


def test_offset_shuffle_without_seed_warns(local_images_ds):
    deeplake.random.seed(None)
    with pytest.warns(UserWarning, match="seed"):
        local_images_ds.dataloader().offset(3).shuffle().numpy()


def test_offset_distributed_ranks_split_the_rotated_order(images_ds, monkeypatch):
    pytest.importorskip("torch")
    monkeypatch.setenv("WORLD_SIZE", "2")
    seen = []
    for rank in (0, 1):
        monkeypatch.setenv("RANK", str(rank))
        loader = images_ds.dataloader().offset(10).batch(5).pytorch(distributed=True)
        seen.append(all_rows(loader).tolist())
    assert seen[0] == list(range(10, 35))
    assert seen[1] == list(range(35, 50)) + list(range(10))


def test_shuffle_covers_every_row_once_and_reproducible(local_images_ds):
    ds = local_images_ds
    deeplake.random.seed(7)
    try:
        a = ds.dataloader().batch(16).shuffle(buffer_size=1).numpy()
        e1, e2 = all_rows(a), all_rows(a)
        b = ds.dataloader().batch(16).shuffle(buffer_size=1).numpy()
        f1 = all_rows(b)
    finally:
        deeplake.random.seed(None)
    assert sorted(e1.tolist()) == list(range(120)) and sorted(e2.tolist()) == list(range(120))
    assert e1.tolist() != list(range(120))
    assert e1.tolist() != e2.tolist()  # each epoch reshuffles
    np.testing.assert_array_equal(e1, f1)  # same seed, same order


def test_shuffled_values_follow_their_rows(local_images_ds):
    ds = local_images_ds
    full = ds.images.numpy()
    for b in ds.dataloader().batch(10).shuffle(buffer_size=1).numpy(num_workers=2):
        np.testing.assert_array_equal(b["images"], full[b["index"]])


def test_query_and_sample_by(images_ds):
    rows = all_rows(images_ds.dataloader().query("select * where labels == 3").batch(4).numpy())
    assert rows.tolist() == [i for i in range(50) if i % 7 == 3]
    weights = np.zeros(50)
    weights[[5, 9]] = 1.0
    rows = all_rows(images_ds.dataloader().sample_by(weights, replace=True, size=20).numpy())
    assert len(rows) == 20 and set(rows.tolist()) <= {5, 9}


def test_view_dataloader(images_ds):
    view = images_ds[[10, 3, 7]]
    out = list(view.dataloader().batch(3).numpy())
    assert out[0]["index"].tolist() == [10, 3, 7]
    np.testing.assert_array_equal(out[0]["images"], images_ds.images.numpy()[[10, 3, 7]])


def test_transform_callable_and_kwargs(images_ds):
    def tf(sample, scale):
        return {"x": sample["images"].mean() * scale, "y": int(sample["labels"][0])}

    out = list(images_ds.dataloader().transform(tf, scale=2).batch(5).numpy())
    assert len(out) == 10
    assert out[0]["y"].tolist() == [0, 1, 2, 3, 4]
    np.testing.assert_allclose(out[0]["x"][0], images_ds.images[0].numpy().mean() * 2)


def test_transform_dict(images_ds):
    loader = images_ds.dataloader().transform({"images": lambda a: a[:2], "labels": None}).batch(4).numpy()
    b = next(iter(loader))
    assert b["images"].shape == (4, 2, 16, 3) and b["labels"].shape == (4, 1)


def test_transform_error_names_the_sample(images_ds):
    def tf(sample):
        if int(sample["labels"][0]) == 3:
            raise RuntimeError("boom")
        return sample

    with pytest.raises(TransformError, match="sample 3"):
        list(images_ds.dataloader().transform(tf).batch(4).numpy())
    loader = images_ds.dataloader(ignore_errors=True).transform(tf).batch(4).numpy()
    rows = all_rows(loader)
    assert 3 not in rows.tolist() and len(rows) == 50 - 7  # labels 3 at rows 3, 10, ..., 45
    assert loader.error_count == 7


def test_transform_in_worker_processes(images_ds):
    loader = images_ds.dataloader().transform(lambda s: {"m": float(s["images"].mean())}).batch(8).numpy(num_workers=2)
    got = np.concatenate([b["m"] for b in loader])
    np.testing.assert_allclose(got, images_ds.images.numpy().reshape(50, -1).mean(axis=1))


def test_decode_methods(images_ds):
    loader = images_ds.dataloader().batch(3).numpy(decode_method={"images": "tobytes"})
    b = next(iter(loader))
    assert b["images"][1] == images_ds.images[1].tobytes()
    loader = images_ds.dataloader().batch(3).numpy(decode_method={"images": "pil"})
    img = next(iter(loader))["images"][0]
    assert img.size == (16, 16)
    np.testing.assert_array_equal(np.asarray(img), images_ds.images[0].numpy())


def corrupt_ds():
    ds = make_images_ds(n=6)
    good = ds.images[0].tobytes()
    ds.images.append(RawJpeg(good[: len(good) // 3], (16, 16, 3)))
    ds.labels.append(np.uint32(1))
    return ds


def test_corrupt_sample_raises_with_tensor_and_index():
    ds = corrupt_ds()
    with pytest.raises(SampleDecompressionError, match=r"sample 6 of tensor 'images'"):
        list(ds.dataloader().batch(4).numpy())


def test_corrupt_sample_skipped_and_counted():
    ds = corrupt_ds()
    loader = ds.dataloader(ignore_errors=True).batch(4).numpy()
    rows = all_rows(loader)
    assert rows.tolist() == [0, 1, 2, 3, 4, 5] and loader.error_count == 1


def test_close_and_break_stop_workers(local_images_ds):
    import threading

    before = threading.active_count()
    loader = local_images_ds.dataloader().batch(4).numpy(num_workers=2, prefetch_factor=1)
    it = iter(loader)
    next(it)
    loader.close()
    it.close()
    for t in threading.enumerate():
        if t.name.startswith("deeplake-loader"):
            t.join(timeout=5)
    assert not any(t.is_alive() and t.name.startswith("deeplake-loader") for t in threading.enumerate())
    assert threading.active_count() <= before + 2  # at most an idle decode pool


def test_worker_processes_end_on_garbage_collection(local_images_ds):
    import gc
    import multiprocessing as mp

    loader = local_images_ds.dataloader().transform(lambda s: s).batch(4).numpy(num_workers=2, prefetch_factor=1)
    it = iter(loader)
    next(it)
    assert len(mp.active_children()) == 2
    del it, loader
    gc.collect()
    assert mp.active_children() == []
