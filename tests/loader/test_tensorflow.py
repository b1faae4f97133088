"""ds.tensorflow() and .dataloader().tensorflow() with real TensorFlow."""
import numpy as np
import pytest

import deeplake

tf = pytest.importorskip("tensorflow")


def test_ds_tensorflow_is_a_tf_dataset(images_ds):
    tds = images_ds.tensorflow()
    assert isinstance(tds, tf.data.Dataset)
    samples = list(tds)
    assert len(samples) == 50
    np.testing.assert_array_equal(samples[3]["images"].numpy(), images_ds.images[3].numpy())
    assert samples[3]["labels"].numpy().tolist() == [3]
    batched = next(iter(tds.batch(5)))
    assert tuple(batched["images"].shape) == (5, 16, 16, 3)


def test_ds_tensorflow_tobytes_and_tensors(images_ds):
    tds = images_ds.tensorflow(tensors=["images"], tobytes=True)
    first = next(iter(tds))
    assert set(first.keys()) == {"images"}
    assert first["images"].numpy() == images_ds.images[0].tobytes()


def test_ds_tensorflow_text():
    ds = deeplake.empty("mem://tftext", overwrite=True)
    ds.create_tensor("t", htype="text")
    ds.t.extend(["x", "yy"])
    assert [s["t"].numpy() for s in ds.tensorflow()] == [b"x", b"yy"]


def test_builder_tensorflow(images_ds):
    loader = images_ds.dataloader().batch(10).tensorflow()
    batches = list(loader)
    assert len(batches) == 5
    assert isinstance(batches[0]["images"], tf.Tensor)
    assert tuple(batches[0]["images"].shape) == (10, 16, 16, 3)
