"""Batches from worker processes travel through /dev/shm (loader/shm.py)."""
import os

import numpy as np
import pytest

import deeplake
from deeplake.loader import shm
from deeplake.loader.collate import LoaderBatch
from loader_helpers import make_images_ds

pytestmark = pytest.mark.skipif(not shm.available(), reason="needs a writable /dev/shm")


def _on_shared_memory(arr) -> bool:
    """True if the array's memory is a mapped file (not a copy out of a pickle)."""
    import mmap

    b = arr
    while b is not None:
        if isinstance(b, mmap.mmap):
            return True
        b = getattr(b, "base", None) if not isinstance(b, memoryview) else b.obj
    return False


def _session_files(session):
    return [n for n in os.listdir(shm.SHM_DIR) if n.startswith(session)]


def test_pack_and_unpack_keep_every_value():
    session = shm.new_session()
    big = np.arange(200_000, dtype=np.float64).reshape(400, 500)
    odd = np.arange(300_001, dtype=np.uint8)  # not a multiple of the alignment
    batch = LoaderBatch({"a": big, "b": [odd, "text", 3], "c": (np.int16(4), np.zeros(3)), "d": {"e": big[::2]}})
    packed = shm.pack(batch, session)
    assert isinstance(packed, shm.SharedBatch) and len(_session_files(session)) == 1
    got = shm.unpack(packed)
    assert not _session_files(session)  # unlinked as soon as it is mapped
    assert type(got) is LoaderBatch and list(got) != []
    np.testing.assert_array_equal(got["a"], big)
    assert got["a"].dtype == np.float64 and got["a"].flags.writeable
    np.testing.assert_array_equal(got["b"][0], odd)
    assert got["b"][1:] == ["text", 3]
    assert got["c"][0] == 4 and got["c"][1].shape == (3,)
    np.testing.assert_array_equal(got["d"]["e"], big[::2])  # a strided view arrives contiguous
    got["a"][0, 0] = -1.0  # the mapping is private to this process now
    assert big[0, 0] == 0


def test_small_batches_travel_as_they_are():
    batch = {"labels": np.arange(10), "names": ["x"] * 10}
    assert shm.pack(batch, shm.new_session()) is batch


def test_unclaimed_files_are_removed():
    session = shm.new_session()
    for _ in range(3):
        shm.pack({"x": np.ones(400_000)}, session)
    assert len(_session_files(session)) == 3
    assert shm.remove_session(session) == 3
    assert not _session_files(session)


def test_files_of_a_dead_consumer_are_swept(tmp_path):
    import subprocess
    import sys

    code = ("import numpy as np; from deeplake.loader import shm; s = shm.new_session(); "
            "shm.pack({'x': np.ones(400_000)}, s); print(s)")
    session = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True).stdout.strip()
    assert len(_session_files(session)) == 1  # its consumer exited without taking it
    shm.new_session()
    assert not _session_files(session)


@pytest.mark.parametrize("persistent", [False, True])
def test_process_workers_hand_batches_over_shared_memory(persistent):
    make_images_ds("mem://shm_loader", n=96, side=64)
    ds = deeplake.load("mem://shm_loader", read_only=True)
    loader = ds.dataloader().transform(lambda s: {"images": s["images"].astype(np.float32), "labels": s["labels"]}) \
        .batch(32).numpy(num_workers=2, persistent_workers=persistent)
    want = ds.images.numpy().astype(np.float32)
    for _ in range(2):
        got = [b["images"] for b in loader]
        np.testing.assert_array_equal(np.concatenate(got), want)
        assert all(_on_shared_memory(g) for g in got)
    loader.close()
    assert not [n for n in os.listdir(shm.SHM_DIR) if n.startswith(f"deeplake-batch-{os.getpid()}-")]


def test_a_stopped_epoch_leaves_no_files():
    make_images_ds("mem://shm_loader_stop", n=256, side=64)
    ds = deeplake.load("mem://shm_loader_stop", read_only=True)
    loader = ds.dataloader().transform(lambda s: {"images": s["images"].astype(np.float32)}) \
        .batch(16).numpy(num_workers=2, prefetch_factor=4)
    for i, _ in enumerate(loader):
        if i == 2:
            break  # workers have batches made and queued
    loader.close()
    assert not [n for n in os.listdir(shm.SHM_DIR) if n.startswith(f"deeplake-batch-{os.getpid()}-")]
