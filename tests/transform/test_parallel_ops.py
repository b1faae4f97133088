"""num_workers / scheduler of copy, deepcopy, rechunk, save_view(optimize) and
filter really use the transform schedulers; results equal the serial ones.
In-place transforms leave no unreferenced chunk files behind."""
import os

import numpy as np
import pytest
from PIL import Image

import deeplake
import deeplake.transform.parallel_ops as parallel_ops
from deeplake.errors import UnsupportedSchedulerError
from deeplake.transform.schedulers import run_ranges
from deeplake.transform.worker import WorkerResult

RNG = np.random.default_rng(11)
IMAGES = RNG.integers(0, 256, (40, 12, 10, 3), dtype=np.uint8)
SCHEDULERS = ["serial", "threaded", "processed"]


@pytest.fixture(autouse=True)
def small_work_is_split(monkeypatch):
    # test data is tiny: let every worker take a share anyway
    monkeypatch.setattr(parallel_ops, "MIN_BYTES_PER_WORKER", 1)


def build(path, n=40):
    ds = deeplake.empty(str(path), overwrite=True)
    with ds:
        ds.create_tensor("x", dtype="int64", max_chunk_size=256)
        ds.create_tensor("img", htype="image", sample_compression="png")
        ds.create_tensor("lab", htype="class_label", class_names=["a", "b", "c"])
        ds.create_tensor("txt", htype="text")
        ds.create_tensor("var", dtype="float32")
        ds.create_tensor("seq", htype="sequence[generic]", dtype="int16")
        ds.x.extend(np.arange(n, dtype=np.int64) * 3)
        ds.img.extend(IMAGES[:n])
        ds.lab.extend(np.arange(n) % 3)
        ds.txt.extend([f"row {i}" for i in range(n)])
        ds["var"].extend([np.full(i % 5 + 1, i, np.float32) for i in range(n)])
        ds.seq.extend([np.arange(i % 3 + 1, dtype=np.int16).reshape(-1, 1) + i for i in range(n)])
    return ds


def snapshot(ds):
    return {
        "x": ds.x.numpy().reshape(-1).tolist(),
        "img": [a.tobytes() for a in ds.img.numpy(aslist=True)],
        "lab": ds.lab.numpy().reshape(-1).tolist(),
        "txt": [str(s) for s in ds.txt.numpy().reshape(-1).tolist()],
        "var": [a.tolist() for a in ds["var"].numpy(aslist=True)],
        "seq": [np.asarray(a).tolist() for a in ds.seq.numpy(aslist=True)],
        "shapes": {k: ds[k].shape for k in ("x", "img", "lab")},
    }


def chunk_files(ds, tensor):
    folder = os.path.join(ds.path, tensor, "chunks")
    return sorted(os.listdir(folder)) if os.path.isdir(folder) else []


ROWS = [3, 17, 5, 5, 30, 1, 22, 39, 8, 11, 2]


# ------------------------------------------------------------------ schedulers
def _pid_runner(functions, data, spec, options, lo, hi, progress=None):
    if progress is not None:
        progress(hi - lo)
    return WorkerResult(parts={"pid": os.getpid(), "range": (lo, hi)}, processed=hi - lo)


def test_run_ranges_processed_runs_a_custom_runner_in_other_processes():
    ticks = []
    res = run_ranges("processed", 2, (None, None, None, {}), [(0, 3), (3, 5)], ticks.append, runner=_pid_runner)
    assert [r.parts["range"] for r in res] == [(0, 3), (3, 5)]
    assert all(r.parts["pid"] != os.getpid() for r in res)
    assert sum(ticks) == 5
    res = run_ranges("threaded", 2, (None, None, None, {}), [(0, 3), (3, 5)], ticks.append, runner=_pid_runner)
    assert all(r.parts["pid"] == os.getpid() for r in res)


# ------------------------------------------------------------------ copies
@pytest.mark.parametrize("scheduler", SCHEDULERS)
def test_view_copy_equals_the_rows(tmp_path, scheduler):
    src = build(tmp_path / "src")
    out = src[ROWS].copy(tmp_path / "out", num_workers=2, scheduler=scheduler, progressbar=False)
    assert snapshot(out) == snapshot(src[ROWS])
    assert out.lab.info.class_names == ["a", "b", "c"]
    parts = 1 if scheduler == "serial" else 2
    assert len(out.x._engine.chunk_ids) == parts  # one chunk per worker, stitched in order
    again = deeplake.load(str(tmp_path / "out"))
    assert snapshot(again) == snapshot(src[ROWS])
    assert len(again) == len(ROWS)


def test_view_copy_with_workers_writes_from_child_processes(tmp_path, monkeypatch):
    src = build(tmp_path / "src")
    seen = tmp_path / "pids"
    seen.mkdir()
    original = parallel_ops.copy_rows_slice

    def recording(*args, **kwargs):
        (seen / f"{os.getpid()}-{len(os.listdir(seen))}-{id(args)}").touch()
        return original(*args, **kwargs)

    monkeypatch.setattr(parallel_ops, "copy_rows_slice", recording)
    out = src[5:35].copy(tmp_path / "out", num_workers=2, scheduler="processed", progressbar=False)
    calls = os.listdir(seen)
    pids = {int(name.split("-")[0]) for name in calls}
    # two ranges, each in a child; a quick child may take both, so the pids are 1 or 2
    assert len(calls) == 2 and 1 <= len(pids) <= 2 and os.getpid() not in pids
    assert snapshot(out) == snapshot(src[5:35])


def test_copy_and_deepcopy_processed_use_child_processes(tmp_path, monkeypatch):
    src = build(tmp_path / "src")
    src.commit("first")
    src.x[0] = 99
    seen = tmp_path / "pids"
    seen.mkdir()
    original = parallel_ops.copy_key_slice

    def recording(*args, **kwargs):
        (seen / str(os.getpid())).touch()
        return original(*args, **kwargs)

    monkeypatch.setattr(parallel_ops, "copy_key_slice", recording)
    full = deeplake.copy(src, tmp_path / "full", num_workers=2, scheduler="processed", progressbar=False)
    deep = deeplake.deepcopy(src.path, tmp_path / "deep", num_workers=2, scheduler="processed", progressbar=False)
    assert os.getpid() not in {int(p) for p in os.listdir(seen)} and os.listdir(seen)
    assert snapshot(full) == snapshot(src) == snapshot(deep)
    assert [c["message"] for c in deep.commits] == ["first"]
    deep.checkout(deep.commits[0]["commit"])
    assert deep.x[0].numpy()[0] == 0


@pytest.mark.parametrize("scheduler", ["threaded", "processed"])
def test_memory_sources_copy_on_threads(scheduler):
    src = build("mem://parallel_copy_src")
    out = src[ROWS].copy("mem://parallel_copy_out", num_workers=2, scheduler=scheduler, progressbar=False,
                         overwrite=True)
    assert snapshot(out) == snapshot(src[ROWS])


def test_bad_scheduler_and_workers(tmp_path):
    src = build(tmp_path / "src", n=6)
    with pytest.raises(UnsupportedSchedulerError):
        src[1:3].copy(tmp_path / "a", num_workers=2, scheduler="gpu", progressbar=False)
    with pytest.raises(UnsupportedSchedulerError):
        deeplake.deepcopy(src.path, tmp_path / "b", num_workers=2, scheduler="gpu", progressbar=False)
    with pytest.raises(UnsupportedSchedulerError):
        src.rechunk(num_workers=2, scheduler="gpu", progressbar=False)
    with pytest.raises(ValueError):
        src.rechunk(num_workers=-1, progressbar=False)
    with pytest.raises(ValueError):
        src[1:3].copy(tmp_path / "c", num_workers=-2, progressbar=False)
    assert snapshot(src) == snapshot(deeplake.load(src.path))


# ------------------------------------------------------------------ rechunk
def fragment(ds):
    """Many small chunks: appends in separate flushes, updates and pops."""
    for i in range(12):
        ds.x.append(1000 + i)
        ds.img.append(IMAGES[i])
        ds.lab.append(i % 3)
        ds.txt.append(f"late {i}")
        ds["var"].append(np.full(2, -i, np.float32))
        ds.seq.append(np.full((2, 1), i, np.int16))
        ds.flush()
    ds.x[3] = -3
    ds.img[5] = IMAGES[0]
    ds.pop(7)


@pytest.mark.parametrize("scheduler", SCHEDULERS)
def test_rechunk_keeps_the_data_and_packs_chunks(tmp_path, scheduler):
    ds = build(tmp_path / "ds")
    fragment(ds)
    before = snapshot(ds)
    n_before = len(ds.x._engine.chunk_ids)
    ds.rechunk(num_workers=2, scheduler=scheduler, progressbar=False)
    assert snapshot(ds) == before
    for t in ("x", "img", "seq", "_x_id"):
        rows = ds[t]._engine.chunk_ids.rows if not t.startswith("_") else ds._state.engine(t).chunk_ids.rows
        # the old chunks are gone: the files on disk are exactly the referenced ones
        assert chunk_files(ds, t) == sorted(format(int(c), "x") for c in np.unique(rows[:, 0]))
    assert len(ds.x._engine.chunk_ids) <= n_before
    if scheduler != "serial":
        assert len(ds.x._engine.chunk_ids) >= 2  # each worker wrote its own share
    reopened = deeplake.load(ds.path)
    assert snapshot(reopened) == before
    reopened.x.append(7)  # still appendable after the stitch
    assert reopened.x[-1].numpy()[0] == 7 and len(reopened.x) == len(before["x"]) + 1


def test_rechunk_never_touches_committed_chunks(tmp_path):
    ds = build(tmp_path / "ds")
    first = snapshot(ds)
    c1 = ds.commit("base")
    fragment(ds)
    after = snapshot(ds)
    committed = chunk_files(ds, "x")
    ds.rechunk(["x", "img"], num_workers=2, scheduler="processed", progressbar=False)
    assert chunk_files(ds, "x") == committed  # FIRST node's files stay
    assert snapshot(ds) == after
    ds.checkout(c1)
    assert snapshot(ds) == first


def test_rechunk_tiled_and_link_samples(tmp_path):
    paths = []
    for i in range(4):
        p = tmp_path / f"im{i}.png"
        Image.fromarray(IMAGES[i]).save(p)
        paths.append(str(p))
    ds = deeplake.empty(str(tmp_path / "ds"))
    ds.create_tensor("big", dtype="uint8", tiling_threshold=20_000)
    ds.create_tensor("lk", htype="link[image]", sample_compression="png")
    big = [RNG.integers(0, 255, (200, 200, 3), dtype=np.uint8), np.ones((4, 4, 3), np.uint8),
           RNG.integers(0, 255, (150, 220, 3), dtype=np.uint8), np.zeros((3, 3, 3), np.uint8)]
    for b, p in zip(big, paths):
        ds.big.append(b)
        ds.lk.append(deeplake.link(p))
        ds.flush()
    assert ds.big._engine.tiles.entries  # really tiled
    ds.rechunk(num_workers=2, scheduler="threaded", progressbar=False)
    for a, b in zip(ds.big.numpy(aslist=True), big):
        np.testing.assert_array_equal(a, b)
    np.testing.assert_array_equal(ds.lk.numpy(aslist=True)[2], IMAGES[2])
    assert list(ds.lk.path()) == paths
    assert len(ds.big._engine.tiles.entries) == 2  # tiled again


# ------------------------------------------------------------------ saved views
@pytest.mark.parametrize("scheduler", ["threaded", "processed"])
def test_save_view_optimize_with_workers(tmp_path, scheduler):
    ds = build(tmp_path / "ds")
    ds.commit("data")
    ds[ROWS].save_view(id="picked", optimize=True, num_workers=2, scheduler=scheduler)
    view = ds.load_view("picked")
    assert len(view.x._engine.chunk_ids) == 2  # rows encoded by two workers
    assert snapshot(view) == snapshot(ds[ROWS])
    ds[2:30].save_view(id="lazy")
    entry = ds.get_view("lazy")
    assert entry.virtual
    entry.optimize(num_workers=2, scheduler=scheduler, progressbar=False)
    assert not ds.get_view("lazy").virtual
    assert snapshot(ds.load_view("lazy")) == snapshot(ds[2:30])


def test_load_view_optimize_with_processes(tmp_path):
    ds = build(tmp_path / "ds")
    ds.commit("data")
    ds[::3].save_view(id="thirds")
    view = ds.load_view("thirds", optimize=True, num_workers=2, scheduler="processed", progressbar=False)
    assert snapshot(view) == snapshot(ds[::3])
    with pytest.raises(UnsupportedSchedulerError):
        ds[::2].save_view(id="bad", optimize=True, num_workers=2, scheduler="gpu")


# ------------------------------------------------------------------ filter
def label_is_one(sample):
    return int(sample.lab.numpy()[0]) == 1


@pytest.mark.parametrize("scheduler", SCHEDULERS)
def test_filter_schedulers_agree(tmp_path, scheduler):
    ds = build(tmp_path / "ds")
    view = ds.filter(label_is_one, num_workers=2, scheduler=scheduler, progressbar=False)
    assert list(view.index.values[0].indices(len(ds))) == [i for i in range(40) if i % 3 == 1]


# ------------------------------------------------------------------ in-place transforms
@deeplake.compute
def scale(row, samples_out):
    samples_out.x.append(row.x.numpy() * 2)
    samples_out.img.append(row.img.numpy())
    samples_out.lab.append(row.lab.numpy())
    samples_out.txt.append(row.txt.numpy())
    samples_out["var"].append(row["var"].numpy())
    samples_out.seq.append(row.seq.numpy())


@pytest.mark.parametrize("scheduler,workers", [("serial", 0), ("processed", 2)])
def test_inplace_transforms_leave_no_garbage_chunks(tmp_path, scheduler, workers):
    ds = build(tmp_path / "ds", n=20)
    counts = []
    for _ in range(3):
        scale().eval(ds, num_workers=workers, scheduler=scheduler, progressbar=False)
        counts.append({t: len(chunk_files(ds, t)) for t in ("x", "img", "seq", "_x_id")})
    assert counts[0] == counts[1] == counts[2]
    assert counts[0]["x"] == len(np.unique(ds.x._engine.chunk_ids.rows[:, 0]))
    assert ds.x.numpy().reshape(-1).tolist() == [i * 3 * 8 for i in range(20)]
    reopened = deeplake.load(ds.path)
    assert reopened.img.numpy().tobytes() == IMAGES[:20].tobytes()


def test_inplace_transform_keeps_committed_chunks(tmp_path):
    ds = build(tmp_path / "ds", n=10)
    c1 = ds.commit("base")
    committed = chunk_files(ds, "x")
    scale().eval(ds, num_workers=0, progressbar=False)
    scale().eval(ds, num_workers=0, progressbar=False)
    node = os.path.join(ds.path, "versions", ds.pending_commit_id, "x", "chunks")
    assert len(os.listdir(node)) == 1
    assert chunk_files(ds, "x") == committed
    assert ds.x.numpy().reshape(-1).tolist() == [i * 12 for i in range(10)]
    ds.checkout(c1)
    assert ds.x.numpy().reshape(-1).tolist() == [i * 3 for i in range(10)]


# ------------------------------------------------------------------ reference interop
def reference_python():
    import pathlib

    repo = pathlib.Path(__file__).resolve().parents[2]
    for cand in (os.environ.get("DEEPLAKE_REFERENCE_PYTHON"), repo / ".refvenv" / "bin" / "python",
                 "/work/refvenv/venv/bin/python"):
        if cand and pathlib.Path(cand).exists():
            return str(cand)
    return None


@pytest.mark.reference
def test_reference_reads_parallel_rechunk_and_copies(tmp_path):
    import json
    import subprocess
    import textwrap

    py = reference_python()
    if py is None:
        pytest.skip("reference deeplake 3.8.22 side venv not found")
    ds = build(tmp_path / "ds")
    fragment(ds)
    ds.rechunk(num_workers=2, scheduler="processed", progressbar=False)
    inplace = build(tmp_path / "inplace", n=20)
    scale().eval(inplace, num_workers=2, scheduler="processed", progressbar=False)
    view = ds[ROWS].copy(tmp_path / "view", num_workers=2, scheduler="processed", progressbar=False)
    script = textwrap.dedent(f"""
        import json, deeplake
        import numpy as np
        out = {{}}
        for key, path in (("ds", {ds.path!r}), ("inplace", {inplace.path!r}), ("view", {view.path!r})):
            d = deeplake.load(path, read_only=True, verbose=False)
            out[key] = {{
                "x": d.x.numpy().reshape(-1).tolist(),
                "img": [a.tobytes().hex() for a in d.img.numpy(aslist=True)],
                "txt": [str(s) for s in d.txt.numpy().reshape(-1).tolist()],
                "var": [a.tolist() for a in d["var"].numpy(aslist=True)],
                "seq": [np.asarray(a).tolist() for a in d.seq.numpy(aslist=True)],
                "len": len(d),
            }}
        print("RESULT" + json.dumps(out))
    """)
    run = subprocess.run([py, "-c", script], capture_output=True, text=True, timeout=300)
    line = next((l for l in run.stdout.splitlines() if l.startswith("RESULT")), None)
    assert line is not None, run.stderr[-3000:]
    got = json.loads(line[len("RESULT"):])
    for key, d in (("ds", ds), ("inplace", inplace), ("view", view)):
        want = snapshot(deeplake.load(d.path, read_only=True))
        assert got[key]["x"] == want["x"], key
        assert [bytes.fromhex(h) for h in got[key]["img"]] == want["img"], key
        assert got[key]["txt"] == want["txt"] and got[key]["var"] == want["var"], key
        assert got[key]["seq"] == want["seq"] and got[key]["len"] == len(want["x"]), key
