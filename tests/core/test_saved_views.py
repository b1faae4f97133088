"""Saved views (spec: Dataset.save_view / get_view / load_view / delete_view / get_views, ViewEntry;
FORMAT.md §1.7): layout, values, errors, and interop with deeplake 3.8.22 both ways."""
import json
import os
import pathlib
import subprocess
import textwrap

import numpy as np
import pytest

import deeplake
from deeplake.constants import FIRST_COMMIT_ID
from deeplake.core.dataset import ViewEntry
from deeplake.errors import DatasetViewSavingError, ReadOnlyModeError

REPO = pathlib.Path(__file__).resolve().parents[2]
FIXTURE = REPO / "tests" / "compat" / "fixtures" / "views"


def reference_python():
    env = os.environ.get("DEEPLAKE_REFERENCE_PYTHON")
    for cand in (env, REPO / ".refvenv" / "bin" / "python", "/work/refvenv/venv/bin/python"):
        if cand and pathlib.Path(cand).exists():
            return str(cand)
    return None


@pytest.fixture
def ds(tmp_path):
    d = deeplake.empty(tmp_path / "src")
    d.create_tensor("x", dtype="int32")
    d.x.extend(np.arange(10, dtype=np.int32) * 10)
    d.create_tensor("t", htype="text")
    d.t.extend([f"s{i}" for i in range(10)])
    d.commit("data")
    return d


def queries(ds):
    return json.loads((pathlib.Path(ds.path) / "queries.json").read_text())


def values(view):
    return view.x.numpy().reshape(-1).tolist(), [str(s) for s in view.t.numpy().reshape(-1).tolist()]


# ------------------------------------------------------------------ saving inside the dataset
def test_virtual_view_layout_and_record(ds):
    path = ds[[1, 3, 5]].save_view(id="odd3", message="samples 1,3,5")
    assert path == str(pathlib.Path(ds.path, ".queries", "odd3"))
    [rec] = queries(ds)
    assert rec["id"] == "odd3" and rec["message"] == "samples 1,3,5"
    assert rec["virtual-datasource"] is True and rec["first-index-subscriptable"] is True
    assert rec["source-dataset"] == os.path.abspath(ds.path)
    assert rec["source-dataset-version"] == FIRST_COMMIT_ID  # the last commit
    assert rec["source-dataset-index"] == [[1, 3, 5]]
    assert isinstance(rec["created_at"], float)
    folder = pathlib.Path(path)
    assert json.loads((folder / "dataset_info.json").read_text()) == rec
    meta = json.loads((folder / "dataset_meta.json").read_text())
    assert meta["tensors"] == ["VDS_INDEX"] and meta["hidden_tensors"] == []
    tmeta = json.loads((folder / "VDS_INDEX" / "tensor_meta.json").read_text())
    assert (tmeta["dtype"], tmeta["htype"], tmeta["length"], tmeta["max_shape"]) == ("uint64", "generic", 3, [1])
    assert tmeta["links"] == {}
    assert (folder / "version_control_info.json").exists()


def test_index_kinds_round_trip(ds):
    ds[2:8:2].save_view(id="stride")
    ds[7].save_view(id="single")
    ds[4, 0:1].save_view(id="sub")
    recs = {r["id"]: r for r in queries(ds)}
    assert recs["stride"]["source-dataset-index"] == [{"start": 2, "stop": 8, "step": 2}]
    assert recs["single"]["first-index-subscriptable"] is False
    assert recs["sub"]["sub-sample-index"] == [{"start": 0, "stop": 1, "step": None}]
    assert values(ds.load_view("stride")) == ([20, 40, 60], ["s2", "s4", "s6"])
    single = ds.load_view("single")
    assert values(single) == ([70], ["s7"])
    assert ds.load_view("sub").x.numpy().tolist() == ds[4, 0:1].x.numpy().tolist()


def test_default_id_is_a_stable_hash(ds):
    p1 = ds[:4].save_view()
    view_id = pathlib.Path(p1).name
    assert len(view_id) == 64 and int(view_id, 16) >= 0
    assert ds[:4].save_view() == p1  # same view, same commit -> same id, replaced
    assert [r["id"] for r in queries(ds)] == [view_id]


def test_same_id_replaces_the_record(ds):
    ds[:2].save_view(id="v", message="a")
    ds[3:5].save_view(id="v", message="b")
    assert [(r["id"], r["message"]) for r in queries(ds)] == [("v", "b")]
    assert values(ds.load_view("v"))[0] == [30, 40]


def test_get_views_and_entries(ds):
    ds[:3].save_view(id="a", message="first")
    ds.x.append(1)
    ds.t.append("z")
    c2 = ds.commit("more")
    ds[5:].save_view(id="b")
    entries = ds.get_views()
    assert [e.id for e in entries] == ["a", "b"]
    assert all(isinstance(e, ViewEntry) for e in entries)
    assert [e.id for e in ds.get_views(FIRST_COMMIT_ID)] == ["a"]
    assert [e.id for e in ds.get_views(c2)] == ["b"]
    assert ds.get_views("no-such-commit") == []
    e = ds.get_view("a")
    assert (e.id, e.message, e.virtual, e.commit_id, e.query) == ("a", "first", True, FIRST_COMMIT_ID, None)
    assert e["source-dataset-index"] == [{"start": None, "stop": 3, "step": None}]
    assert ds.get_view("b").message == ""
    assert "id='a'" in repr(e)
    # views of older commits read the data of that commit
    assert values(e.load()) == ([0, 10, 20], ["s0", "s1", "s2"])
    assert len(ds.load_view("b")) == 6


def test_loaded_view_is_a_read_only_view(ds):
    ds[[2, 4]].save_view(id="v")
    v = ds.load_view("v")
    assert v.is_view and v.read_only and len(v) == 2
    with pytest.raises(ReadOnlyModeError):
        v.x[0] = 5
    # saving the loaded view again with no new id returns where it lives
    assert v.save_view() == str(pathlib.Path(ds.path, ".queries", "v"))


def test_query_and_filter_views_keep_their_text(ds):
    q = ds.query("select * where x > 50")
    q.save_view(id="q")
    f = ds.filter("x < 20", progressbar=False)
    f.save_view(id="f")
    q_entry = ds.get_view("q")
    assert (q_entry.tql_query, q_entry.query) == ("select * where x > 50", None)
    assert ds.get_view("f").query == "x < 20"
    assert values(ds.load_view("q"))[0] == [60, 70, 80, 90]  # rows from VDS_INDEX, query re-run on them
    assert values(ds.load_view("f"))[0] == [0, 10]
    rec = {r["id"]: r for r in queries(ds)}
    assert rec["q"]["source-dataset-index"] == ds.index.to_json()  # the queried dataset's index
    with pytest.raises(Exception, match="not supported"):
        q_entry.optimize()
    sel = ds.query("select x where x < 30")
    sel.save_view(id="sel")
    loaded = ds.load_view("sel")
    assert list(loaded.tensors) == ["x"] and values_x(loaded) == [0, 10, 20]
    ds.query("select * where x > 70").save_view(id="qopt", optimize=True)
    assert values(ds.load_view("qopt"))[0] == [80, 90]


def values_x(view):
    return view.x.numpy().reshape(-1).tolist()


def test_optimized_view(ds):
    ds[[0, 9]].save_view(id="copied", optimize=True)
    [rec] = queries(ds)
    assert rec["virtual-datasource"] is False and "first-index-subscriptable" not in rec
    folder = pathlib.Path(ds.path, ".queries", "copied")
    meta = json.loads((folder / "dataset_meta.json").read_text())
    assert "VDS_INDEX" in meta["hidden_tensors"] and {"x", "t"} <= set(meta["tensors"])
    v = ds.load_view("copied")
    assert values(v) == ([0, 90], ["s0", "s9"])
    assert v.path == str(folder) and v.read_only
    assert v["VDS_INDEX"].numpy().reshape(-1).tolist() == [0, 9]


def test_optimize_later_and_load_view_optimize(ds):
    ds[1:4].save_view(id="later")
    e = ds.get_view("later")
    assert e.tensors is None
    assert e.optimize(progressbar=False) is e
    assert e.virtual is False and e.info["path"] == "later_OPTIMIZED"
    assert sorted(os.listdir(pathlib.Path(ds.path, ".queries"))) == ["later_OPTIMIZED"]
    assert values(ds.load_view("later")) == ([10, 20, 30], ["s1", "s2", "s3"])
    assert e.optimize() is e  # already optimized: nothing to do
    ds[5:7].save_view(id="x_only")
    v = ds.load_view("x_only", optimize=True, tensors=["x"], progressbar=False)
    assert list(v.tensors) == ["x"] and v.x.numpy().reshape(-1).tolist() == [50, 60]
    assert ds.get_view("x_only").tensors == ["x"]


def test_delete_view(ds):
    ds[:2].save_view(id="a")
    ds[:3].save_view(id="b")
    ds.delete_view("a")
    assert [e.id for e in ds.get_views()] == ["b"]
    assert not pathlib.Path(ds.path, ".queries", "a").exists()
    ds.get_view("b").delete()
    assert ds.get_views() == [] and queries(ds) == []
    with pytest.raises(KeyError):
        ds.delete_view("a")


# ------------------------------------------------------------------ external views
def test_external_view_opens_with_load(ds, tmp_path):
    target = tmp_path / "ext"
    assert ds[[3, 1]].save_view(path=str(target), id="ext", message="m") == str(target)
    assert not (pathlib.Path(ds.path) / "queries.json").exists()  # not listed in the source
    info = json.loads((target / "dataset_info.json").read_text())
    assert info["id"] == "ext" and info["virtual-datasource"] is True
    v = deeplake.load(target)
    assert v.is_view and values(v) == ([30, 10], ["s3", "s1"])
    with pytest.raises(KeyError):
        ds.get_view("ext")
    single = ds[4].save_view(path=tmp_path / "ext_single")
    assert deeplake.load(single).x.numpy().reshape(-1).tolist() == [40]
    opt = ds[5:7].save_view(path=tmp_path / "ext_opt", optimize=True)
    o = deeplake.load(opt)
    assert o.path == str(tmp_path / "ext_opt") and values(o)[0] == [50, 60]


def test_external_view_refusals(ds, tmp_path):
    with pytest.raises(DatasetViewSavingError):
        ds[:2].save_view(path=ds.path)
    ds[:2].save_view(path=tmp_path / "e")
    with pytest.raises(DatasetViewSavingError):
        ds[:2].save_view(path=tmp_path / "e")  # a dataset exists there
    ds[:3].save_view(path=tmp_path / "e", overwrite=True)  # ds_args reach deeplake.empty
    assert len(deeplake.load(tmp_path / "e")) == 3


# ------------------------------------------------------------------ refusals and bad input
def test_uncommitted_changes_refuse(ds, tmp_path):
    ds.x.append(1)
    ds.t.append("x")
    with pytest.raises(DatasetViewSavingError):
        ds[:2].save_view(id="v")
    with pytest.raises(DatasetViewSavingError):
        ds[:2].save_view(path=tmp_path / "e")
    assert not (pathlib.Path(ds.path) / "queries.json").exists()


def test_bad_ids(ds):
    with pytest.raises(TypeError):
        ds[:2].save_view(id=5)
    for bad in ("", "a/b", ".."):
        with pytest.raises(ValueError):
            ds[:2].save_view(id=bad)
    with pytest.raises(KeyError):
        ds.get_view("missing")
    with pytest.raises(KeyError):
        ds.load_view("missing")
    with pytest.raises(TypeError):
        ds.get_view(3)


def test_read_only_dataset(ds, tmp_path):
    ds[:2].save_view(id="v")
    ro = deeplake.load(ds.path, read_only=True)
    with pytest.raises(ReadOnlyModeError):
        ro[:3].save_view(id="w")
    with pytest.raises(ReadOnlyModeError):
        ro.delete_view("v")
    assert values(ro.load_view("v"))[0] == [0, 10]  # reading is fine
    ro[:3].save_view(path=tmp_path / "elsewhere")  # and saving elsewhere too
    assert len(deeplake.load(tmp_path / "elsewhere")) == 3


def test_memory_dataset_cannot_hold_views(tmp_path):
    m = deeplake.empty("mem://saved_views_test")
    m.create_tensor("x")
    m.x.extend([1, 2, 3])
    m.commit()
    with pytest.raises(NotImplementedError):
        m[:2].save_view(id="v")
    m[:2].save_view(path=tmp_path / "from_mem")
    assert m.get_views() == []


# ------------------------------------------------------------------ the reference's fixture
def test_reference_fixture_views_load():
    exp = json.loads((FIXTURE.parent / "views.expected.json").read_text())
    src = deeplake.load(FIXTURE, read_only=True)
    assert [e.id for e in src.get_views()] == [q["id"] for q in exp["queries_json"]]
    assert [e.id for e in src.get_views(exp["source_commit"])] == ["odd3", "stride", "single", "copied"]
    for vid, want in exp["view_values"].items():
        v = src.load_view(vid)
        assert v.x.numpy().reshape(-1).tolist() == want["x"], vid
        assert [str(s) for s in v.t.numpy().reshape(-1).tolist()] == want["t"], vid
    assert src.get_view("odd3").message == "samples 1,3,5"
    assert src.get_view("copied").virtual is False


# ------------------------------------------------------------------ interop with deeplake 3.8.22
@pytest.mark.reference
def test_reference_loads_our_views(ds, tmp_path):
    py = reference_python()
    if py is None:
        pytest.skip("reference deeplake 3.8.22 side venv not found")
    ds[[1, 3, 5]].save_view(id="odd3", message="hello")
    ds[7].save_view(id="single")
    ds[[0, 9]].save_view(id="copied", optimize=True)
    ds[2:4].save_view(id="later")
    ds.get_view("later").optimize(progressbar=False)
    ext = ds[[8, 2]].save_view(path=tmp_path / "ext")
    script = textwrap.dedent(f"""
        import json, deeplake
        ds = deeplake.load({ds.path!r}, read_only=True, verbose=False)
        out = {{}}
        for v in ds.get_views():
            vv = v.load(verbose=False)
            out[v.id] = [vv.x.numpy().reshape(-1).tolist(), [str(s) for s in vv.t.numpy().reshape(-1).tolist()], v.message]
        e = deeplake.load({str(ext)!r}, verbose=False)
        out["ext"] = [e.x.numpy().reshape(-1).tolist(), [], ""]
        print("RESULT" + json.dumps(out))
    """)
    run = subprocess.run([py, "-c", script], capture_output=True, text=True, timeout=300)
    line = next((l for l in run.stdout.splitlines() if l.startswith("RESULT")), None)
    assert line is not None, run.stderr[-3000:]
    got = json.loads(line[len("RESULT"):])
    assert got["odd3"] == [[10, 30, 50], ["s1", "s3", "s5"], "hello"]
    assert got["single"][:2] == [[70], ["s7"]]
    assert got["copied"][:2] == [[0, 90], ["s0", "s9"]]
    assert got["later"][:2] == [[20, 30], ["s2", "s3"]]
    assert got["ext"][0] == [80, 20]


@pytest.mark.reference
def test_we_load_views_the_reference_saves(tmp_path):
    py = reference_python()
    if py is None:
        pytest.skip("reference deeplake 3.8.22 side venv not found")
    path = tmp_path / "refds"
    script = textwrap.dedent(f"""
        import numpy as np, deeplake
        ds = deeplake.empty({str(path)!r}, verbose=False)
        ds.create_tensor("x", dtype="int32")
        ds.x.extend(np.arange(6, dtype=np.int32))
        ds.commit("c")
        ds[[4, 1]].save_view(id="pick", message="m", verbose=False)
        ds[2:5].save_view(id="opt", optimize=True, verbose=False)
        ds[3].save_view(path={str(tmp_path / 'refext')!r}, verbose=False)
        print("DONE")
    """)
    run = subprocess.run([py, "-c", script], capture_output=True, text=True, timeout=300)
    assert "DONE" in run.stdout, run.stderr[-3000:]
    ds = deeplake.load(path, read_only=True)
    assert ds.get_view("pick").message == "m"
    assert ds.load_view("pick").x.numpy().reshape(-1).tolist() == [4, 1]
    assert ds.load_view("opt").x.numpy().reshape(-1).tolist() == [2, 3, 4]
    assert deeplake.load(tmp_path / "refext").x.numpy().reshape(-1).tolist() == [3]
