"""The 'ray' scheduler on a real local Ray runtime (ray.init(num_cpus=2))."""
import numpy as np
import pytest

import deeplake
from deeplake.errors import TransformError

ray = pytest.importorskip("ray")


@pytest.fixture(scope="module")
def ray_runtime():
    started = not ray.is_initialized()
    if started:
        ray.init(num_cpus=2, include_dashboard=False, log_to_driver=False)
    yield
    if started:
        ray.shutdown()


@deeplake.compute
def square(x, samples_out, offset=0):
    samples_out.labels.append(np.int64(x * x + offset))
    samples_out.images.append(np.full((4, 6, 3), x % 256, np.uint8))


@deeplake.compute
def copy_row(row, samples_out):
    samples_out.labels.append(row.labels.numpy() + 1)
    samples_out.images.append(row.images.numpy())


@deeplake.compute
def fail_at(x, samples_out, bad):
    if x == bad:
        raise KeyError(f"no {x}")
    samples_out.labels.append(np.int64(x))
    samples_out.images.append(np.zeros((1, 1, 3), np.uint8))


def make(path):
    ds = deeplake.empty(str(path), overwrite=True)
    ds.create_tensor("labels", dtype="int64")
    ds.create_tensor("images", htype="image", sample_compression="jpeg")
    return ds


def test_ray_list_input(tmp_path, ray_runtime):
    ds = make(tmp_path / "r")
    square(offset=1).eval(list(range(30)), ds, num_workers=2, scheduler="ray", progressbar=False)
    np.testing.assert_array_equal(ds.labels.numpy().reshape(-1), np.arange(30) ** 2 + 1)
    assert len(ds.labels._engine.chunk_ids) == 2  # each task wrote its own chunk


def test_ray_dataset_input_and_compose(tmp_path, ray_runtime):
    src = make(tmp_path / "src")
    square().eval(list(range(12)), src, progressbar=False)
    out = make(tmp_path / "out")
    deeplake.compose([copy_row()]).eval(src, out, num_workers=2, scheduler="ray", progressbar=False)
    np.testing.assert_array_equal(out.labels.numpy().reshape(-1), np.arange(12) ** 2 + 1)
    assert out.images.shape == (12, 4, 6, 3)


def test_ray_error_and_checkpoint(tmp_path, ray_runtime):
    ds = make(tmp_path / "e")
    with pytest.raises(TransformError) as info:
        fail_at(bad=9).eval(list(range(16)), ds, num_workers=2, scheduler="ray", checkpoint_interval=4,
                            progressbar=False)
    assert info.value.index == 9
    assert isinstance(info.value.__cause__, KeyError)
    np.testing.assert_array_equal(ds.labels.numpy().reshape(-1), np.arange(8))
