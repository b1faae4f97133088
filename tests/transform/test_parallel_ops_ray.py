"""copy / deepcopy / rechunk / save_view(optimize) / filter on a real local Ray runtime."""
import numpy as np
import pytest

import deeplake
import deeplake.transform.parallel_ops as parallel_ops

from test_parallel_ops import ROWS, build, chunk_files, fragment, label_is_one, snapshot

ray = pytest.importorskip("ray")


@pytest.fixture(scope="module")
def ray_runtime():
    started = not ray.is_initialized()
    if started:
        ray.init(num_cpus=2, include_dashboard=False, log_to_driver=False)
    yield
    if started:
        ray.shutdown()


@pytest.fixture(autouse=True)
def small_work_is_split(monkeypatch):
    monkeypatch.setattr(parallel_ops, "MIN_BYTES_PER_WORKER", 1)


def test_ray_copies_and_rechunk(tmp_path, ray_runtime):
    src = build(tmp_path / "src")
    view = src[ROWS].copy(tmp_path / "view", num_workers=2, scheduler="ray", progressbar=False)
    assert snapshot(view) == snapshot(src[ROWS])
    assert len(view.x._engine.chunk_ids) == 2
    src.commit("first")
    deep = deeplake.deepcopy(src.path, tmp_path / "deep", num_workers=2, scheduler="ray", progressbar=False)
    assert snapshot(deep) == snapshot(src) and [c["message"] for c in deep.commits] == ["first"]
    fragment(deep)
    before = snapshot(deep)
    deep.rechunk(num_workers=2, scheduler="ray", progressbar=False)
    assert snapshot(deep) == before
    assert snapshot(deeplake.load(deep.path)) == before
    deep.commit("rechunked")
    deep[3:20].save_view(id="part", optimize=True, num_workers=2, scheduler="ray")
    assert snapshot(deep.load_view("part")) == snapshot(deep[3:20])


def test_ray_filter(tmp_path, ray_runtime):
    ds = build(tmp_path / "ds")
    view = ds.filter(label_is_one, num_workers=2, scheduler="ray", progressbar=False)
    assert list(view.index.values[0].indices(len(ds))) == [i for i in range(40) if i % 3 == 1]
    view = ds.filter(lambda s: int(s.x.numpy()[0]) > 90, num_workers=2, scheduler="ray", progressbar=False)
    assert len(view) == 9
