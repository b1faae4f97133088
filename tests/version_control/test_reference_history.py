"""A history written here (branches, merges, renames, deletes, pops, reset,
deleted branch) loads in deeplake 3.8.22 with the same values at every branch
and commit, and the reference's diff of our nodes matches ours."""
import json
import os
import pathlib
import subprocess

import numpy as np
import pytest

import deeplake

pytestmark = pytest.mark.reference


def _reference_python():
    env = os.environ.get("DEEPLAKE_REFERENCE_PYTHON")
    repo = pathlib.Path(__file__).resolve().parents[2]
    for cand in (env, repo / ".refvenv" / "bin" / "python", "/work/refvenv/venv/bin/python"):
        if cand and pathlib.Path(cand).exists():
            return str(cand)
    return None


def _snapshot(ds) -> dict:
    out = {}
    for name, t in ds.tensors.items():
        if t.meta.htype == "text":
            out[name] = [str(np.asarray(v).reshape(-1)[0]) for v in t.numpy(aslist=True)]
        else:
            out[name] = [np.asarray(v).reshape(-1).tolist() for v in t.numpy(aslist=True)]
    return out


def _build(path):
    ds = deeplake.empty(path)
    ds.create_tensor("x", dtype="int64")
    ds.create_tensor("names", htype="text")
    ds.create_tensor("tmp", dtype="int32")
    ds.create_tensor("labels", htype="class_label")
    ds.x.extend(np.arange(6))
    ds.names.extend([f"n{i}" for i in range(6)])
    ds.tmp.extend([1, 2])
    ds.labels.extend(["cat", "dog", "cat", "dog", "cat", "dog"])
    ids = {"c1": ds.commit("c1")}
    ds.checkout("dev", create=True)
    ds.x.append(100)
    ds.names.append("dev")
    ds.x[1] = 11
    ds.names.pop(3)
    ds.labels.append("bird")
    ds.create_tensor("extra", dtype="float32")
    ds.extra.extend([0.5, 1.5])
    ids["d1"] = ds.commit("d1")
    ds.checkout("main")
    ds.x[2] = 22
    ds.x.pop(5)
    ds.rename_tensor("names", "titles")
    ds.labels.append("fish")
    ids["m1"] = ds.commit("m1")
    ds.merge("dev", delete_removed_tensors=True)
    ids["merge"] = ds.commit_id
    ds.delete_tensor("tmp")
    ds.x.append(7)
    ids["m2"] = ds.commit("m2")
    ds.checkout("scratch", create=True)
    ds.x.append(999)
    ds.commit("scratch work")
    ds.checkout("main")
    ds.delete_branch("scratch")
    ds.x.append(8)
    ds.reset()
    ds.x[0] = -1  # uncommitted change at main's head
    ds.flush()
    expected = {}
    for addr in ["main", "dev", *ids.values()]:
        view = deeplake.load(f"{path}@{addr}", read_only=True)
        expected[addr] = _snapshot(view)
    expected["branches"] = sorted(ds.branches)
    expected["log"] = [c["message"] for c in ds.commits]
    expected["diff"] = ds.diff(ids["m1"], as_dict=True)
    ds.close()
    return ids, expected


_SCRIPT = r"""
import json, sys, warnings
warnings.filterwarnings('ignore')
import numpy as np, deeplake
p, addrs, m1 = sys.argv[1], json.loads(sys.argv[2]), sys.argv[3]
out = {}
for a in addrs:
    d = deeplake.load(p + '@' + a, read_only=True, verbose=False)
    snap = {}
    for name, t in d.tensors.items():
        if t.meta.htype == 'text':
            snap[name] = [str(np.asarray(v).reshape(-1)[0]) for v in t.numpy(aslist=True)]
        else:
            snap[name] = [np.asarray(v).reshape(-1).tolist() for v in t.numpy(aslist=True)]
        assert len(d['_' + name + '_id']) == len(t), name
    out[a] = snap
d = deeplake.load(p, read_only=True, verbose=False)
out['branches'] = sorted(d.branches)
out['log'] = [c['message'] for c in d.commits]
diff = d.diff(m1, as_dict=True)
def norm(side):
    return [{k: ({kk: sorted(vv) if isinstance(vv, set) else vv for kk, vv in v.items()} if isinstance(v, dict) else v)
             for k, v in rec.items() if k != 'date'} for rec in side]
out['diff'] = {'dataset': [norm(s) for s in diff['dataset']], 'tensor': [norm(s) for s in diff['tensor']]}
print(json.dumps(out))
"""


def _norm_ours(diff):
    def norm(side):
        return [{k: ({kk: sorted(vv) if isinstance(vv, set) else vv for kk, vv in v.items()} if isinstance(v, dict)
                     else v) for k, v in rec.items() if k != "date"} for rec in side]

    return {"dataset": [norm(s) for s in diff["dataset"]], "tensor": [norm(s) for s in diff["tensors"]]}


def test_reference_reads_every_branch_and_commit_of_our_history(tmp_path):
    ref = _reference_python()
    if ref is None:
        pytest.skip("reference deeplake 3.8.22 venv not available (scripts/setup_reference_venv.sh)")
    path = tmp_path / "hist"
    ids, expected = _build(path)
    # what the test wrote, independently of either reader
    assert expected["main"]["x"] == [[-1], [11], [22], [3], [4], [100], [7]]
    assert expected["main"]["titles"] == ["n0", "n1", "n2", "n4", "n5", "dev"]
    assert "tmp" not in expected["main"] and "extra" in expected["main"]
    assert expected["main"]["labels"] == [[0], [1], [0], [1], [0], [1], [2], [3]]
    assert expected[ids["c1"]]["x"] == [[i] for i in range(6)]
    assert expected["branches"] == ["dev", "main"]
    addrs = ["main", "dev", *ids.values()]
    env = dict(os.environ, BUGGER_OFF="true", DEEPLAKE_DISABLE_VERSION_CHECK="1")
    res = subprocess.run([ref, "-c", _SCRIPT, str(path), json.dumps(addrs), ids["m1"]], capture_output=True,
                         text=True, env=env, timeout=300)
    assert res.returncode == 0, res.stderr[-3000:]
    got = json.loads(res.stdout.strip().splitlines()[-1])
    for a in addrs:
        assert got[a] == expected[a], a
    assert got["branches"] == expected["branches"]
    assert got["log"] == expected["log"]
    assert got["diff"] == _norm_ours(expected["diff"])
