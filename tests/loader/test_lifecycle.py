"""Loader memory, local cache, persistent workers and shutdown (issue 5)."""
import gc
import os
import signal
import subprocess
import sys
import textwrap
import time

import numpy as np
import pytest

import deeplake
from deeplake.loader import chunk_reader
from loader_helpers import make_images_ds


def live_children(pid=None):
    """Pids of the running (not zombie) children of ``pid`` (this process by default), from /proc."""
    pid = os.getpid() if pid is None else pid
    out = set()
    for entry in os.listdir("/proc"):
        if not entry.isdigit():
            continue
        try:
            with open(f"/proc/{entry}/stat") as f:
                stat = f.read()
        except OSError:
            continue
        fields = stat[stat.rindex(")") + 2 :].split()
        if int(fields[1]) == pid and fields[0] != "Z":
            out.add(int(entry))
    return out


def wait_gone(pids, tries=100):
    for _ in range(tries):
        alive = {p for p in pids if os.path.exists(f"/proc/{p}") and not _zombie(p)}
        if not alive:
            return set()
        time.sleep(0.05)
    return alive


def _zombie(pid):
    try:
        with open(f"/proc/{pid}/stat") as f:
            stat = f.read()
    except OSError:
        return True
    return stat[stat.rindex(")") + 2 :].split()[0] == "Z"


def with_pid(sample):
    sample["pid"] = np.int64(os.getpid())
    return sample


def sources_of(loader):
    return list(loader._reader.sources.values())


# ------------------------------------------------------------------ memory


def test_chunk_cache_never_exceeds_its_budget(local_images_ds):
    ds = deeplake.load(local_images_ds.path, read_only=True)  # 120 images in ~20 KB chunks: ~100 KB of chunks
    deeplake.random.seed(1)
    try:
        loader = ds.dataloader().batch(7).shuffle(buffer_size=1).numpy()
    finally:
        deeplake.random.seed(None)
    src = loader._reader.sources["images"]
    budget = 2 * src.engine.max_chunk_size  # the smallest budget a source accepts
    for s in sources_of(loader):
        s.cache.budget = budget
        s.cache.peak = 0
    rows = []
    for b in loader:
        rows.extend(b["index"].tolist())
        np.testing.assert_array_equal(b["images"], np.stack([ds.images[int(i)].numpy() for i in b["index"]]))
        assert src.cache.used <= budget
    assert sorted(rows) == list(range(120))
    nchunks = len(np.unique(src.engine.chunk_ids.rows[:, 0]))
    assert nchunks * src.engine.max_chunk_size // 2 > budget
    assert src.cache.loads >= nchunks
    assert 0 < src.cache.peak <= budget


def test_unshuffled_epoch_keeps_only_the_current_chunks(local_images_ds):
    loader = local_images_ds.dataloader().batch(5).numpy()
    src = loader._reader.sources["images"]
    assert src.cache.budget >= 64 * 10**6  # the cap alone would keep every chunk
    for _ in loader:
        pass
    assert src.cache.peak <= 3 * src.engine.max_chunk_size
    assert src.cache.used == 0  # every chunk was released once its last sample was read


@pytest.mark.parametrize("buffer_mb", [0.002, 0.02])
def test_shuffled_reads_stay_exact_while_chunks_are_compacted(local_images_ds, buffer_mb):
    ds = local_images_ds
    ds.create_tensor("vec", dtype="float32", max_chunk_size=2000)  # fixed-shape rows, many small chunks
    ds.vec.extend(np.arange(120 * 6, dtype=np.float32).reshape(120, 6))
    deeplake.random.seed(5)
    try:
        loader = ds.dataloader().batch(9).shuffle(buffer_size=buffer_mb).numpy(num_workers=2)
    finally:
        deeplake.random.seed(None)
    seen = []
    for b in loader:
        idx = b["index"]
        seen.extend(idx.tolist())
        np.testing.assert_array_equal(b["vec"], ds.vec.numpy()[idx])
        np.testing.assert_array_equal(b["images"], np.stack([ds.images[int(i)].numpy() for i in idx]))
    assert sorted(seen) == list(range(120))
    assert seen != list(range(120))
    for s in sources_of(loader):
        assert s.cache.used == 0


# ------------------------------------------------------------- local cache


def count_base_reads(monkeypatch):
    calls = []
    real = chunk_reader.read_key

    def counting(storage, key):
        if "/chunks/" in key:
            calls.append(key)
        return real(storage, key)

    monkeypatch.setattr(chunk_reader, "read_key", counting)
    return calls


def test_use_local_cache_reads_base_storage_once(monkeypatch, tmp_path):
    pytest.importorskip("torch")
    monkeypatch.setenv("LOCAL_CACHE_PREFIX", str(tmp_path / "cache"))
    make_images_ds("mem://local_cache", n=60, chunk=20_000)
    ds = deeplake.load("mem://local_cache", read_only=True)  # nothing parsed in memory yet
    calls = count_base_reads(monkeypatch)
    loader = ds.pytorch(batch_size=8, use_local_cache=True, tensors=["images", "labels"])
    first = [b["images"].numpy() for b in loader]
    n_first = len(calls)
    assert n_first >= 3
    cached = [p for p in (tmp_path / "cache").rglob("*") if p.is_file()]
    assert len(cached) == n_first and all(p.name.count(".") == 1 for p in cached)
    assert all(".session-" in str(p) for p in cached)  # a branch head's chunks: this loader's only
    second = [b["images"].numpy() for b in loader]
    assert len(calls) == n_first  # epoch 2 came from local disk
    for a, b in zip(first, second):
        np.testing.assert_array_equal(a, b)
    del loader
    gc.collect()
    assert not [p for p in (tmp_path / "cache").rglob("*") if p.is_file()]  # gone with its loader


def test_use_local_cache_keeps_committed_chunks_for_later_loaders(monkeypatch, tmp_path):
    pytest.importorskip("torch")
    monkeypatch.setenv("LOCAL_CACHE_PREFIX", str(tmp_path / "cache"))
    make_images_ds("mem://local_cache_committed", n=60, chunk=20_000)
    deeplake.load("mem://local_cache_committed").commit("data")
    ds = deeplake.load("mem://local_cache_committed", read_only=True)
    calls = count_base_reads(monkeypatch)
    first = np.concatenate([b["images"].numpy() for b in ds.pytorch(batch_size=8, use_local_cache=True)])
    n_first = len(calls)
    assert n_first >= 3
    again = np.concatenate([b["images"].numpy() for b in ds.pytorch(batch_size=8, use_local_cache=True)])
    assert len(calls) == n_first  # a new loader reuses the committed chunks' files
    np.testing.assert_array_equal(first, again)
    np.testing.assert_array_equal(again, ds.images.numpy())


def test_use_local_cache_refetches_a_chunk_that_grew(monkeypatch, tmp_path):
    pytest.importorskip("torch")
    monkeypatch.setenv("LOCAL_CACHE_PREFIX", str(tmp_path))
    make_images_ds("mem://local_cache_grow", n=10)
    ds = deeplake.load("mem://local_cache_grow")
    for _ in ds.pytorch(use_local_cache=True):
        pass
    ds.labels.append(np.uint32(3))
    ds.images.append(np.zeros((16, 16, 3), np.uint8))
    ds.flush()
    ds = deeplake.load("mem://local_cache_grow", read_only=True)  # chunks come from the caches again
    labels = np.concatenate([b["labels"].numpy().reshape(-1) for b in ds.pytorch(use_local_cache=True)])
    assert labels.tolist() == (np.arange(10) % 7).tolist() + [3]


def test_use_local_cache_never_serves_a_chunk_updated_in_place(monkeypatch, tmp_path):
    pytest.importorskip("torch")
    monkeypatch.setenv("LOCAL_CACHE_PREFIX", str(tmp_path))
    path = "mem://local_cache_update"
    make_images_ds(path, n=10)

    def labels_via_cache(commit=None):
        ds = deeplake.load(path, read_only=True)  # chunks come from the caches, not memory
        if commit:
            ds.checkout(commit)
        return np.concatenate([b["labels"].numpy().reshape(-1) for b in ds.pytorch(use_local_cache=True)])

    want = (np.arange(10) % 7).tolist()
    assert labels_via_cache().tolist() == want  # every chunk now cached
    ds = deeplake.load(path)
    ds.labels[2] = np.uint32(6)  # same chunk, same rows, same size: only the bytes differ
    ds.flush()
    want[2] = 6
    assert labels_via_cache().tolist() == want
    assert labels_via_cache().tolist() == want
    first = ds.commit("after the update")  # the update now belongs to a committed version
    ds.labels[2] = np.uint32(5)
    ds.flush()
    assert labels_via_cache()[2] == 5
    assert labels_via_cache(first)[2] == 6


def test_use_local_cache_is_a_no_op_for_local_datasets(monkeypatch, tmp_path, local_images_ds):
    pytest.importorskip("torch")
    monkeypatch.setenv("LOCAL_CACHE_PREFIX", str(tmp_path / "cache"))
    loader = local_images_ds.pytorch(batch_size=16, use_local_cache=True)
    assert sum(len(b["labels"]) for b in loader) == 120
    assert not (tmp_path / "cache").exists()


def test_local_cache_default_folder(monkeypatch):
    monkeypatch.delenv("LOCAL_CACHE_PREFIX", raising=False)
    assert chunk_reader.local_cache_root() == os.path.join(os.path.expanduser("~"), "activeloop", "cache")
    monkeypatch.setenv("LOCAL_CACHE_PREFIX", "/tmp/elsewhere")
    assert chunk_reader.local_cache_root() == "/tmp/elsewhere"


# -------------------------------------------------------- persistent workers


def pids_of_epoch(loader):
    return {int(p) for b in loader for p in np.asarray(b["pid"]).reshape(-1)}


def test_persistent_workers_survive_epochs_until_close(local_images_ds):
    loader = local_images_ds.dataloader().transform(with_pid).batch(10).numpy(num_workers=2, persistent_workers=True)
    first = pids_of_epoch(loader)
    assert len(first) == 2 and os.getpid() not in first
    assert set(loader.worker_pids) == first
    assert pids_of_epoch(loader) == first
    loader.close()
    assert loader.worker_pids == []
    assert not wait_gone(first)


def test_workers_are_new_each_epoch_without_persistence(local_images_ds):
    loader = local_images_ds.dataloader().transform(with_pid).batch(10).numpy(num_workers=2)
    first = pids_of_epoch(loader)
    assert loader.worker_pids == []
    assert not wait_gone(first)  # gone once the epoch ends
    second = pids_of_epoch(loader)
    assert len(second) == 2 and not first & second


def test_persistent_pool_restarts_after_an_early_break(local_images_ds):
    loader = local_images_ds.dataloader().transform(with_pid).batch(10).numpy(num_workers=2, persistent_workers=True)
    for b in loader:
        break
    assert loader.worker_pids == []  # workers busy with an abandoned epoch are not reused
    assert sum(len(b["index"]) for b in loader) == 120
    loader.close()


# ------------------------------------------------------------------ shutdown


def make_local(tmp_path, n=120):
    path = str(tmp_path / "ds")
    make_images_ds(path, n=n, chunk=20_000)
    return path


def reopen_and_write(path):
    ds = deeplake.load(path)
    ds.labels.append(np.uint32(1))
    ds.images.append(np.zeros((16, 16, 3), np.uint8))
    ds.flush()
    assert len(ds) == len(ds.labels)


@pytest.mark.parametrize("mode", ["numpy", "numpy-persistent", "pytorch"])
def test_keyboard_interrupt_in_the_loop_stops_every_worker(tmp_path, mode):
    if mode == "pytorch":
        pytest.importorskip("torch")
    path = make_local(tmp_path)
    ds = deeplake.load(path, read_only=True)
    base = ds.dataloader().transform(with_pid).batch(4)
    loader = base.pytorch(num_workers=2) if mode == "pytorch" else base.numpy(
        num_workers=2, persistent_workers=mode == "numpy-persistent")
    before = live_children()
    workers = set()
    with pytest.raises(KeyboardInterrupt):
        for i, b in enumerate(loader):
            workers |= live_children() - before
            if i == 3:
                raise KeyboardInterrupt
    assert workers
    loader.close()  # what a training loop's cleanup does; the generator already stopped them
    assert not wait_gone(workers)
    reopen_and_write(path)


def test_deleting_the_loader_mid_epoch_stops_every_worker(tmp_path):
    path = make_local(tmp_path)
    ds = deeplake.load(path, read_only=True)
    loader = ds.dataloader().transform(with_pid).batch(4).numpy(num_workers=2)
    before = live_children()
    it = iter(loader)
    next(it)
    workers = live_children() - before
    assert len(workers) == 2
    del it, loader
    gc.collect()
    assert not wait_gone(workers)
    reopen_and_write(path)


SIGINT_SCRIPT = textwrap.dedent(
    """
    import os, sys, time
    import numpy as np
    import deeplake

    def slow(sample):
        time.sleep(0.01)
        return sample

    ds = deeplake.load(sys.argv[1], read_only=True)
    loader = ds.dataloader().transform(slow).batch(2).numpy(num_workers=2)
    try:
        for epoch in range(1000):
            for i, b in enumerate(loader):
                if epoch == 0 and i == 1:
                    print("ready", flush=True)
    except KeyboardInterrupt:
        print("interrupted", flush=True)
        sys.exit(3)
    """
)


def test_sigint_to_a_process_iterating_a_loader_leaves_no_worker(tmp_path):
    path = make_local(tmp_path)
    proc = subprocess.Popen([sys.executable, "-c", SIGINT_SCRIPT, path], stdout=subprocess.PIPE, text=True,
                            env={**os.environ, "BUGGER_OFF": "true"})
    try:
        assert proc.stdout.readline().strip() == "ready"
        workers = live_children(proc.pid)
        assert len(workers) == 2
        proc.send_signal(signal.SIGINT)
        out, _ = proc.communicate(timeout=60)
    finally:
        if proc.poll() is None:
            proc.kill()
            proc.wait()
    assert proc.returncode == 3 and "interrupted" in out
    assert not wait_gone(workers)
    reopen_and_write(path)
