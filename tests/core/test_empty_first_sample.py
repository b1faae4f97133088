"""An empty (None) sample appended before any real one takes the rank of the
samples that follow, as in the reference (it reads back as zeros of that rank)."""
import numpy as np
import pytest

import deeplake
from deeplake.errors import TensorInvalidSampleShapeError


@pytest.mark.parametrize("htype,kwargs,sample,empty", [
    ("image", {"sample_compression": "png"}, np.ones((4, 5, 3), np.uint8), (0, 0, 0)),
    ("bbox", {}, np.ones((2, 4), np.float32), (0, 0)),
    ("generic", {}, np.ones((2, 3)), (0, 0)),
    ("generic", {"dtype": "int32"}, np.ones((2, 3, 4), np.int32), (0, 0, 0)),
])
def test_none_then_real_samples(tmp_path, htype, kwargs, sample, empty):
    ds = deeplake.empty(str(tmp_path / "ds"))
    ds.create_tensor("t", htype=htype, **kwargs)
    ds.t.append(None)
    ds.t.extend([None, sample])
    ds = deeplake.load(str(tmp_path / "ds"), read_only=True)
    assert ds.t[0].numpy().shape == empty and ds.t[1].numpy().shape == empty
    np.testing.assert_array_equal(ds.t[2].numpy(), sample)
    assert [a.shape for a in ds.t.numpy(aslist=True)] == [empty, empty, sample.shape]


def test_the_rank_is_fixed_once_a_real_sample_is_stored(tmp_path):
    ds = deeplake.empty(str(tmp_path / "ds"))
    ds.create_tensor("t")
    ds.t.extend([None, np.ones((2, 3))])
    with pytest.raises(TensorInvalidSampleShapeError):
        ds.t.append(np.ones((2, 3, 4)))
    assert len(ds.t) == 2
    ds.t.append(None)
    assert ds.t[2].numpy().shape == (0, 0)
