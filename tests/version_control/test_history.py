"""commit / checkout / branches, against the fixture's graph and the reference."""
import json
import os
import pathlib
import subprocess
import sys

import numpy as np
import pytest

import deeplake
from deeplake.errors import CheckoutError, EmptyCommitError, ReadOnlyModeError

FIXTURES = pathlib.Path(__file__).resolve().parents[1] / "compat" / "fixtures"


def test_commit_ids_at_every_node_of_the_fixture():
    exp = json.loads((FIXTURES / "version_control.expected.json").read_text())
    for cid, c in exp["commits"].items():
        ds = deeplake.load(FIXTURES / "version_control", read_only=True)
        ds.checkout(cid)
        assert ds.commit_id == c["commit_id"]
        assert ds.pending_commit_id == c["pending_commit_id"]
        assert ds.branch == c["branch"]
        assert ds.is_head_node == (cid in exp["branches"].values())
    ds = deeplake.load(FIXTURES / "version_control", read_only=True)
    assert sorted(ds.branches) == ["dev", "main"]
    assert [c["message"] for c in ds.commits][:2] == ["c6: rename names->labels_text, delete tmp",
                                                       "Merge ef4105465c3e422f0a96bd396053934219696b82 into main"]


@pytest.fixture
def history(tmp_path):
    ds = deeplake.empty(tmp_path / "ds")
    ds.create_tensor("x", dtype="int64")
    ds.x.extend([1, 2, 3])
    c1 = ds.commit("first")
    ds.x.append(4)
    ds.x[0] = 10
    c2 = ds.commit("second")
    ds.checkout("dev", create=True)
    ds.x.append(99)
    c3 = ds.commit("dev work")
    ds.checkout("main")
    return ds, tmp_path / "ds", {"c1": c1, "c2": c2, "c3": c3}


def test_values_at_every_commit_and_branch(history):
    ds, path, ids = history
    assert ds.x.numpy().ravel().tolist() == [10, 2, 3, 4]
    ds.checkout(ids["c1"])
    assert ds.x.numpy().ravel().tolist() == [1, 2, 3]
    assert ds.read_only
    ds.checkout("dev")
    assert ds.x.numpy().ravel().tolist() == [10, 2, 3, 4, 99]
    reopened = deeplake.load(f"{path}@{ids['c1']}")
    assert reopened.x.numpy().ravel().tolist() == [1, 2, 3] and reopened.read_only
    assert deeplake.load(f"{path}@dev", read_only=True).x.numpy().ravel().tolist() == [10, 2, 3, 4, 99]


def test_commit_details_and_log(history, capsys):
    ds, _, ids = history
    assert [c["message"] for c in ds.commits] == ["second", "first"]
    assert ds.get_commit_details(ids["c1"])["message"] == "first"
    ds.log()
    assert "second" in capsys.readouterr().out


def test_empty_commit_refused_unless_allowed(history):
    ds, _, _ = history
    assert not ds.has_head_changes
    with pytest.raises(EmptyCommitError):
        ds.commit("nothing")
    cid = ds.commit("nothing", allow_empty=True)
    assert ds.commit_id == cid


def test_checkout_unknown_address_and_existing_branch(history):
    ds, _, _ = history
    with pytest.raises(CheckoutError):
        ds.checkout("nope")
    with pytest.raises(CheckoutError):
        ds.checkout("dev", create=True)
    with pytest.raises(CheckoutError):
        deeplake.load(f"{history[1]}@nope")


def test_writes_at_a_commit_are_refused(history):
    ds, _, ids = history
    ds.checkout(ids["c1"])
    with pytest.raises(ReadOnlyModeError):
        ds.x.append(5)
    assert ds.x.numpy().ravel().tolist() == [1, 2, 3]


def test_checkout_with_changes_auto_commits(history):
    ds, _, _ = history
    ds.x.append(7)
    ds.checkout("dev")
    ds.checkout("main")
    assert ds.x.numpy().ravel().tolist() == [10, 2, 3, 4, 7]
    assert ds.commits[0]["message"] == "auto commit before checkout to dev"


def _reference_python():
    env = os.environ.get("DEEPLAKE_REFERENCE_PYTHON")
    repo = pathlib.Path(__file__).resolve().parents[2]
    for cand in (env, repo / ".refvenv" / "bin" / "python"):
        if cand and pathlib.Path(cand).exists():
            return str(cand)
    return None


@pytest.mark.reference
def test_reference_reads_our_history(history):
    ref = _reference_python()
    if ref is None:
        pytest.skip("reference deeplake 3.8.22 venv not available (scripts/setup_reference_venv.sh)")
    ds, path, ids = history
    ds.close()
    script = (
        "import json, sys, warnings; warnings.filterwarnings('ignore'); import deeplake\n"
        "p, ids = sys.argv[1], json.loads(sys.argv[2]); out = {}\n"
        "for a in ['main', 'dev'] + list(ids.values()):\n"
        "    d = deeplake.load(p + '@' + a, read_only=True, verbose=False)\n"
        "    out[a] = [int(v) for v in d.x.numpy().ravel()]\n"
        "d = deeplake.load(p, read_only=True, verbose=False)\n"
        "out['branches'] = sorted(d.branches); out['log'] = [c['message'] for c in d.commits]\n"
        "print(json.dumps(out))\n"
    )
    env = dict(os.environ, BUGGER_OFF="true", DEEPLAKE_DISABLE_VERSION_CHECK="1")
    res = subprocess.run([ref, "-c", script, str(path), json.dumps(ids)], capture_output=True, text=True, env=env,
                         timeout=120)
    assert res.returncode == 0, res.stderr[-2000:]
    got = json.loads(res.stdout.strip().splitlines()[-1])
    assert got["main"] == [10, 2, 3, 4]
    assert got["dev"] == [10, 2, 3, 4, 99]
    assert got[ids["c1"]] == [1, 2, 3]
    assert got[ids["c2"]] == [10, 2, 3, 4]
    assert got[ids["c3"]] == [10, 2, 3, 4, 99]
    assert got["branches"] == ["dev", "main"]
    assert got["log"] == ["second", "first"]
