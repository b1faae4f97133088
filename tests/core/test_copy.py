"""deeplake.copy / Dataset.copy (rows, no history) and deeplake.deepcopy (whole history):
values, tensor subsets, overwrite rules, workers/schedulers, bad input, interop with 3.8.22."""
import json
import os
import pathlib
import subprocess
import textwrap

import numpy as np
import pytest

import deeplake
from deeplake.errors import DatasetHandlerError, TensorDoesNotExistError, UnsupportedSchedulerError

REPO = pathlib.Path(__file__).resolve().parents[2]


def reference_python():
    env = os.environ.get("DEEPLAKE_REFERENCE_PYTHON")
    for cand in (env, REPO / ".refvenv" / "bin" / "python", "/work/refvenv/venv/bin/python"):
        if cand and pathlib.Path(cand).exists():
            return str(cand)
    return None


RNG = np.random.default_rng(7)
IMAGES = RNG.integers(0, 256, (12, 16, 16, 3), dtype=np.uint8)


def build(path):
    ds = deeplake.empty(path)
    ds.create_tensor("x", dtype="int32")
    ds.create_tensor("g/img", htype="image", sample_compression="png")
    ds.create_tensor("g/h/lab", htype="class_label", class_names=["a", "b"])
    ds.create_tensor("t", htype="text")
    ds.create_tensor("var", dtype="float32")
    with ds:
        ds.x.extend(np.arange(12, dtype=np.int32))
        ds["g/img"].extend(IMAGES)
        ds["g/h/lab"].extend(np.arange(12) % 2)
        ds.t.extend([f"s{i}" for i in range(12)])
        ds["var"].extend([np.ones(i % 4 + 1, np.float32) * i for i in range(12)])
    ds.info["about"] = "copy test"
    ds.x.info["unit"] = "m"
    return ds


def snapshot(ds):
    return {
        "x": ds.x.numpy().reshape(-1).tolist(),
        "img": ds["g/img"].numpy().tobytes(),
        "lab": ds["g/h/lab"].numpy().reshape(-1).tolist(),
        "t": [str(s) for s in ds.t.numpy().reshape(-1).tolist()],
        "var": [a.tolist() for a in ds["var"].numpy(aslist=True)],
    }


@pytest.fixture
def src(tmp_path):
    return build(tmp_path / "src")


# ------------------------------------------------------------------ copy: whole dataset
@pytest.mark.parametrize("num_workers,scheduler", [(0, "threaded"), (2, "threaded"), (2, "serial"), (2, "processed")])
def test_full_copy_reads_the_same(src, tmp_path, num_workers, scheduler):
    out = deeplake.copy(src, tmp_path / "dst", num_workers=num_workers, scheduler=scheduler, progressbar=False)
    assert snapshot(out) == snapshot(src)
    assert sorted(out.tensors) == sorted(src.tensors)
    assert out.meta.tensors == src.meta.tensors and out.meta.hidden_tensors == src.meta.hidden_tensors
    assert sorted(out.meta.groups) == sorted(src.meta.groups)
    assert dict(out.info.items()) == {"about": "copy test"}
    assert dict(out.x.info.items()) == {"unit": "m"}
    assert out["g/h/lab"].info.class_names == ["a", "b"]
    # the copy is a fresh dataset: writable, no history, appends work
    assert out.commits == [] and out.branches == ["main"]
    out.x.append(99)
    assert deeplake.load(tmp_path / "dst").x.numpy()[-1].tolist() in (99, [99])


def test_copy_of_a_commit_in_the_past(src, tmp_path):
    first = src.commit("v1")
    src.x[0] = 1000
    src.commit("v2")
    old = deeplake.load(f"{src.path}@{first}")
    out = old.copy(tmp_path / "dst", progressbar=False)
    assert out.x.numpy().reshape(-1).tolist()[0] == 0
    out2 = src.copy(tmp_path / "dst2", progressbar=False)
    assert out2.x.numpy().reshape(-1).tolist()[0] == 1000


def test_copy_by_path_and_tensor_subset(src, tmp_path):
    out = deeplake.copy(src.path, tmp_path / "dst", tensors=["x", "g/h"], progressbar=False)
    assert sorted(out.tensors) == ["g/h/lab", "x"]
    assert out.x.numpy().reshape(-1).tolist() == list(range(12))
    assert "g/img" not in out.meta.tensor_names
    with pytest.raises(TensorDoesNotExistError):
        deeplake.copy(src, tmp_path / "dst3", tensors=["nope"], progressbar=False)


def test_copy_of_views_and_groups(src, tmp_path):
    view = src[[5, 1, 7]]
    out = view.copy(tmp_path / "v", progressbar=False)
    assert out.x.numpy().reshape(-1).tolist() == [5, 1, 7]
    np.testing.assert_array_equal(out["g/img"].numpy(), IMAGES[[5, 1, 7]])
    assert [str(s) for s in out.t.numpy().reshape(-1)] == ["s5", "s1", "s7"]
    grp = src["g"].copy(tmp_path / "grp", progressbar=False)
    assert sorted(grp.tensors) == ["h/lab", "img"]
    sl = src[2:10:3].copy(tmp_path / "sl", tensors=["var"], progressbar=False)
    assert [a.tolist() for a in sl["var"].numpy(aslist=True)] == [[2.0] * 3, [5.0] * 2, [8.0]]


def test_copy_overwrite_rules(src, tmp_path):
    dst = tmp_path / "dst"
    deeplake.copy(src, dst, progressbar=False)
    with pytest.raises(DatasetHandlerError):
        deeplake.copy(src, dst, progressbar=False)
    out = deeplake.copy(src[:3], dst, overwrite=True, progressbar=False)
    assert len(out) == 3
    with pytest.raises(DatasetHandlerError):
        src.copy(src.path, overwrite=True, progressbar=False)  # never onto itself
    assert len(src) == 12


def test_copy_into_an_empty_dataset_object(src, tmp_path):
    target = deeplake.empty(tmp_path / "obj")
    out = src.copy(target, progressbar=False)
    assert snapshot(out) == snapshot(src)
    with pytest.raises(DatasetHandlerError):
        src.copy(out, progressbar=False)  # not empty any more


def test_bad_workers_and_scheduler(src, tmp_path):
    with pytest.raises(UnsupportedSchedulerError):
        src.copy(tmp_path / "a", num_workers=2, scheduler="gpu", progressbar=False)
    with pytest.raises(ValueError):
        src.copy(tmp_path / "b", num_workers=-1, progressbar=False)


def test_progressbar_is_shown(src, tmp_path, capsys):
    src.copy(tmp_path / "p", progressbar=True)
    assert "Copying" in capsys.readouterr().err


def test_memory_to_local_and_back(tmp_path):
    m = build("mem://copy_test_src")
    out = m.copy(tmp_path / "from_mem", progressbar=False)
    assert snapshot(out) == snapshot(m)
    back = out.copy("mem://copy_test_back", overwrite=True, progressbar=False)
    assert snapshot(back) == snapshot(m)


# ------------------------------------------------------------------ deepcopy
@pytest.fixture
def history(src):
    c1 = src.commit("one")
    src.checkout("alt", create=True)
    src.x[0] = 100
    src.x.append(12)
    src["g/img"].append(IMAGES[0])
    src["g/h/lab"].append(1)
    src.t.append("alt")
    src["var"].append(np.zeros(2, np.float32))
    c2 = src.commit("two")
    src.checkout("main")
    src.x[1] = 55
    src.rename_tensor("t", "text")
    c3 = src.commit("three")
    src[2:4].save_view(id="v", message="kept")
    src.x[2] = -1  # uncommitted head changes are copied too
    src.flush()
    return src, (c1, c2, c3)


def _read_all(ds):
    return {name: [np.asarray(a).tolist() for a in t.numpy(aslist=True)] for name, t in ds.tensors.items()}


@pytest.mark.parametrize("num_workers", [0, 3])
def test_deepcopy_keeps_every_branch_and_commit(history, tmp_path, num_workers):
    src, commits = history
    out = deeplake.deepcopy(src.path, tmp_path / "deep", num_workers=num_workers, progressbar=False)
    assert out.branches == src.branches
    assert [c["commit"] for c in out.commits] == [c["commit"] for c in src.commits]
    assert [c["message"] for c in out.commits] == ["three", "one"]
    for address in (*commits, "main", "alt"):
        a = deeplake.load(f"{tmp_path / 'deep'}@{address}", read_only=True)
        b = deeplake.load(f"{src.path}@{address}", read_only=True)
        assert _read_all(a) == _read_all(b), address
    assert out.x.numpy().reshape(-1).tolist()[2] == -1
    assert out.load_view("v").x.numpy().reshape(-1).tolist() == [2, 3]
    assert out.get_view("v").message == "kept"
    assert out.diff(commits[0], commits[2], as_dict=True) == src.diff(commits[0], commits[2], as_dict=True)


def _files(root):
    root = pathlib.Path(root)
    return sorted(str(p.relative_to(root)) for p in root.rglob("*") if p.is_file())


def test_deepcopy_copies_every_data_file(history, tmp_path):
    src, _ = history
    deeplake.deepcopy(src, tmp_path / "deep", progressbar=False)
    want = [f for f in _files(src.path) if not f.endswith(".lock")]
    got = [f for f in _files(tmp_path / "deep") if not f.endswith(".lock")]
    assert got == want
    for f in want:
        assert (pathlib.Path(src.path) / f).read_bytes() == (tmp_path / "deep" / f).read_bytes(), f


def test_deepcopy_tensor_subset(history, tmp_path):
    src, (c1, c2, c3) = history
    out = deeplake.deepcopy(src, tmp_path / "deep", tensors=["x"], progressbar=False)
    assert list(out.tensors) == ["x"]
    assert out.meta.groups == []
    assert not (tmp_path / "deep" / "g").exists()
    out.checkout("alt")
    assert out.x.numpy().reshape(-1).tolist()[:2] == [100, 1]
    old = deeplake.load(f"{tmp_path / 'deep'}@{c1}", read_only=True)
    assert list(old.tensors) == ["x"]


def test_deepcopy_overwrite_and_errors(history, tmp_path):
    src, _ = history
    dst = tmp_path / "deep"
    deeplake.deepcopy(src, dst, progressbar=False)
    with pytest.raises(DatasetHandlerError):
        deeplake.deepcopy(src, dst, progressbar=False)
    locked = deeplake.load(dst)
    locked.allow_delete = False
    locked.close()
    with pytest.raises(DatasetHandlerError):
        deeplake.deepcopy(src, dst, overwrite=True, progressbar=False)
    locked = deeplake.load(dst)
    locked.allow_delete = True
    locked.close()
    out = deeplake.deepcopy(src, dst, overwrite=True, tensors=["x"], progressbar=False)
    assert list(out.tensors) == ["x"]
    with pytest.raises(TypeError):
        deeplake.deepcopy(src[1:3], tmp_path / "v")
    with pytest.raises(TypeError):
        deeplake.deepcopy(src["g"], tmp_path / "grp")
    with pytest.raises(DatasetHandlerError):
        deeplake.deepcopy(src, src.path, overwrite=True)
    with pytest.raises(UnsupportedSchedulerError):
        deeplake.deepcopy(src, tmp_path / "s", scheduler="nope")
    with pytest.raises(DatasetHandlerError):
        deeplake.deepcopy(tmp_path / "no_such_dataset", tmp_path / "z")


def test_deepcopy_from_memory(tmp_path):
    m = build("mem://deepcopy_mem_src")
    m.commit("c")
    m.x[0] = 7
    out = deeplake.deepcopy(m, tmp_path / "d", progressbar=False)
    assert out.x.numpy().reshape(-1).tolist()[0] == 7
    assert len(out.commits) == 1


# ------------------------------------------------------------------ interop with deeplake 3.8.22
@pytest.mark.reference
def test_reference_reads_our_copies(history, tmp_path):
    py = reference_python()
    if py is None:
        pytest.skip("reference deeplake 3.8.22 side venv not found")
    src, (c1, c2, c3) = history
    deep = tmp_path / "deep"
    flat = tmp_path / "flat"
    deeplake.deepcopy(src, deep, progressbar=False)
    deeplake.copy(src, flat, progressbar=False)
    script = textwrap.dedent(f"""
        import json, deeplake
        out = {{}}
        for addr in ("main", "alt", {c1!r}):
            d = deeplake.load({str(deep)!r} + "@" + addr, read_only=True, verbose=False)
            out[addr] = d.x.numpy().reshape(-1).tolist()
        f = deeplake.load({str(flat)!r}, read_only=True, verbose=False)
        out["flat"] = f.x.numpy().reshape(-1).tolist()
        out["flat_text"] = [str(s) for s in f.text.numpy().reshape(-1).tolist()]
        print("RESULT" + json.dumps(out))
    """)
    run = subprocess.run([py, "-c", script], capture_output=True, text=True, timeout=300)
    line = next((l for l in run.stdout.splitlines() if l.startswith("RESULT")), None)
    assert line is not None, run.stderr[-3000:]
    got = json.loads(line[len("RESULT"):])
    for addr in ("main", "alt", c1):
        want = deeplake.load(f"{src.path}@{addr}", read_only=True).x.numpy().reshape(-1).tolist()
        assert got[addr] == want, addr
    assert got["flat"] == src.x.numpy().reshape(-1).tolist()
    assert got["flat_text"] == [f"s{i}" for i in range(12)]
