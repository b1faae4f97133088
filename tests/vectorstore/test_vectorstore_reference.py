"""VectorStore results against the reference deeplake 3.8.22 (exec_option="python" runs offline there).

Both directions: a store the reference writes is searched here, and a store
written here is searched by the reference; every search must give the same
rows in the same order and the same scores (float32 rounding apart).

Needs the reference: DEEPLAKE_REFERENCE_PYTHON, <repo>/.refvenv or
/work/refvenv/venv; skipped otherwise.
"""
import json
import os
import pathlib
import subprocess

import numpy as np
import pytest

import deeplake

pytestmark = pytest.mark.reference

HERE = pathlib.Path(__file__).parent
REPO = HERE.parent.parent
SCRIPT = HERE / "reference_vs_script.py"
N, DIM = 60, 16


def reference_python():
    env = os.environ.get("DEEPLAKE_REFERENCE_PYTHON")
    if env:
        return env
    for candidate in (REPO / ".refvenv" / "bin" / "python", pathlib.Path("/work/refvenv/venv/bin/python")):
        if candidate.exists():
            return str(candidate)
    return None


REF = reference_python()
if REF is None:
    pytest.skip("reference deeplake 3.8.22 interpreter not found", allow_module_level=True)


@pytest.fixture(scope="module")
def data(tmp_path_factory):
    rng = np.random.default_rng(99)
    d = {
        "embedding": rng.standard_normal((N, DIM)).astype(np.float32),
        "queries": rng.standard_normal((3, DIM)).astype(np.float32),
        "text": np.array([f"text {i}" for i in range(N)]),
        "metadata": np.array([json.dumps({"group": i % 3, "i": i}) for i in range(N)]),
        "ids": np.array([f"id-{i}" for i in range(N)]),
    }
    path = tmp_path_factory.mktemp("vsdata") / "data.npz"
    np.savez(path, **d)
    return path, d


def run_reference(mode, store, data_path):
    env = {**os.environ, "PYTHONPATH": ""}
    proc = subprocess.run([REF, str(SCRIPT), mode, str(store), str(data_path)], capture_output=True, text=True,
                          env=env, cwd=str(HERE))
    lines = [ln for ln in proc.stdout.splitlines() if ln.startswith("JSON:")]
    assert proc.returncode == 0 and lines, proc.stderr[-3000:]
    return json.loads(lines[-1][5:])


def our_searches(vs, d, exec_option):
    out = []
    for q in d["queries"]:
        for metric in ("COS", "L2", "L1", "MAX"):
            for flt in (None, {"metadata": {"group": 1}}):
                res = vs.search(embedding=q, k=5, distance_metric=metric, exec_option=exec_option, filter=flt)
                out.append({"metric": metric, "filter": flt, **res})
    return out


def assert_same(ours, ref):
    assert len(ours) == len(ref)
    for a, b in zip(ours, ref):
        assert (a["metric"], a["filter"]) == (b["metric"], b["filter"])
        assert a["id"] == b["id"], (a["metric"], a["filter"])
        assert a["text"] == b["text"] and a["metadata"] == b["metadata"]
        np.testing.assert_allclose(a["score"], b["score"], rtol=2e-6, atol=2e-6)


def test_reference_store_searched_here(tmp_path, data):
    data_path, d = data
    store = tmp_path / "ref_store"
    ref = run_reference("create", store, data_path)
    vs = deeplake.VectorStore(str(store), read_only=True, verbose=False)
    assert len(vs) == ref["len"] == N
    assert sorted(vs.tensors()) == sorted(ref["tensors"])  # a reopened dataset lists them sorted, as the reference
    assert {k: t.htype for k, t in vs.dataset.tensors.items()} == ref["htypes"]
    for option in ("python", "compute_engine"):
        assert_same(our_searches(vs, d, option), ref["searches"])


def test_our_store_searched_by_reference(tmp_path, data):
    data_path, d = data
    store = tmp_path / "our_store"
    vs = deeplake.VectorStore(str(store), verbose=False, overwrite=True)
    vs.add(text=[str(t) for t in d["text"]], metadata=[json.loads(m) for m in d["metadata"]],
           embedding=d["embedding"], id=[str(i) for i in d["ids"]])
    vs.dataset.flush()
    ref = run_reference("open", store, data_path)
    assert ref["len"] == N and sorted(ref["tensors"]) == ["embedding", "id", "metadata", "text"]
    assert ref["htypes"] == {"text": "text", "metadata": "json", "embedding": "embedding", "id": "text"}
    assert_same(our_searches(vs, d, "python"), ref["searches"])
