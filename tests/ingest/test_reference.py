"""Ours and the reference 3.8.22 ingest the same sources into the same tensors, htypes, dtypes,
compressions, class names and values (rows compared as multisets: file listing order differs).

Needs the reference: DEEPLAKE_REFERENCE_PYTHON, <repo>/.refvenv or /work/refvenv/venv; tests that
need pandas / datasets in the reference interpreter skip when it lacks them.
"""
import json
import os
import pathlib
import subprocess
import sys

import pytest


HERE = pathlib.Path(__file__).parent
REPO = HERE.parent.parent
sys.path.insert(0, str(HERE))
import ingest_describe as describe  # noqa: E402
from ingest_sources import make_class_tree, make_coco, make_yolo  # noqa: E402

pytestmark = pytest.mark.reference


def _candidates():
    env = os.environ.get("DEEPLAKE_REFERENCE_PYTHON")
    if env:
        yield env
    yield str(REPO / ".refvenv" / "bin" / "python")
    yield "/work/refvenv/venv/bin/python"


def reference_python(*modules):
    """The first reference interpreter that imports deeplake and ``modules``; skip if none does."""
    for py in _candidates():
        if not os.path.exists(py):
            continue
        probe = subprocess.run([py, "-c", "import deeplake, " + ", ".join(("numpy",) + modules)],
                               capture_output=True, timeout=300)
        if probe.returncode == 0:
            return py
    pytest.skip(f"no reference interpreter with deeplake {' '.join(modules)}")


def run_reference(script, *modules):
    py = reference_python(*modules)
    env = dict(os.environ, BUGGER_OFF="true", DEEPLAKE_DISABLE_TELEMETRY="1")
    out = subprocess.run([py, str(HERE / "ingest_describe.py")], input=script, capture_output=True, text=True,
                         env=env, timeout=600, cwd=str(HERE))
    assert out.returncode == 0, out.stderr[-3000:]
    return json.loads(out.stdout.split("@@JSON@@", 1)[1])


def run_ours(script):
    import uuid

    scope = {}
    exec(script.replace("'mem://x'", f"'mem://ingest_ref_{uuid.uuid4().hex}'"), scope)
    return json.loads(json.dumps(describe.describe(scope["ds"]), default=str))


def _rows(desc):
    groups = {}
    for key in sorted(desc):
        groups.setdefault(key.rsplit("/", 1)[0] if "/" in key else "", []).append(key)
    out = {}
    for g, keys in groups.items():
        n = len(desc[keys[0]]["values"])
        out[g] = sorted(json.dumps([desc[k]["values"][i] for k in keys]) for i in range(n))
    return out


def assert_same(ours, ref, empty_equal=()):
    assert sorted(ours) == sorted(ref)
    for key in ref:
        for field in ("htype", "dtype", "sample_compression", "is_link", "class_names", "coords"):
            assert ours[key][field] == ref[key][field], (key, field)
    # the reference stores an empty annotation with a different empty shape; values are both empty
    for desc in (ours, ref):
        for key in empty_equal:
            desc[key]["values"] = [v if v else [] for v in desc[key]["values"]]
    assert _rows(ours) == _rows(ref)


def test_classification_matches_reference(tmp_path):
    make_class_tree(str(tmp_path / "cls"))
    make_class_tree(str(tmp_path / "sets"), classes=("a", "b"), per_class=2, ext="png", sets=("train", "test"))
    for name in ("cls", "sets"):
        script = (f"import deeplake\nds = deeplake.ingest_classification({str(tmp_path / name)!r}, 'mem://x', "
                  f"progressbar=False, summary=False, shuffle=False)\n")
        assert_same(run_ours(script), run_reference(script))


def test_coco_matches_reference(tmp_path):
    images, ann = make_coco(str(tmp_path / "coco"), n_images=6)
    _, ann2 = make_coco(str(tmp_path / "coco"), n_images=6, name="second.json")
    scripts = [
        f"import deeplake\nds = deeplake.ingest_coco({images!r}, {ann!r}, 'mem://x', progressbar=False)\n",
        f"import deeplake\nds = deeplake.ingest_coco({images!r}, [{ann!r}, {ann2!r}], 'mem://x', progressbar=False,"
        f" key_to_tensor_mapping={{'category_id': 'labels', 'bbox': 'boxes'}},"
        f" file_to_group_mapping={{'second.json': 'g2'}}, ignore_keys=['area', 'image_id', 'id'])\n",
    ]
    for script in scripts:
        assert_same(run_ours(script), run_reference(script))


def test_yolo_matches_reference(tmp_path):
    data, names = make_yolo(str(tmp_path / "boxes" / "data"))
    poly, _ = make_yolo(str(tmp_path / "poly" / "data"), polygons=True)
    scripts = [
        f"import deeplake\nds = deeplake.ingest_yolo({data!r}, 'mem://x', class_names_file={names!r}, progressbar=False)\n",
        f"import deeplake\nds = deeplake.ingest_yolo({poly!r}, 'mem://x', progressbar=False)\n",
    ]
    for script in scripts:
        assert_same(run_ours(script), run_reference(script))
    os.remove(os.path.join(data, "im0.txt"))
    script = f"import deeplake\nds = deeplake.ingest_yolo({data!r}, 'mem://x', allow_no_annotation=True, progressbar=False)\n"
    assert_same(run_ours(script), run_reference(script), empty_equal=("boxes",))


def test_dataframe_matches_reference(tmp_path):
    pytest.importorskip("pandas")
    make_class_tree(str(tmp_path / "cls"))
    paths = [str(tmp_path / "cls" / "dog" / f"{i}.jpg") for i in range(3)]
    script = (
        "import deeplake, numpy as np, pandas as pd\n"
        f"paths = {paths!r}\n"
        "df = pd.DataFrame({'i': [1, 2, 3], 'f': [1.5, np.nan, 2.0], 's': ['a', 'b', 'c'], 'b': [True, False, True],"
        " 'img col': paths, 'lk': paths, 'sn': ['x', None, 'z'], 'arr': [np.array([1, 2]), np.array([3]), np.array([4, 5, 6])]})\n"
        "ds = deeplake.ingest_dataframe(df, 'mem://x', progressbar=False, column_params={'img col': {'htype': 'image'},"
        " 'lk': {'name': 'links', 'htype': 'link[image]'}})\n"
    )
    ours, ref = run_ours(script), run_reference(script, "pandas")
    for desc in (ours, ref):  # NaN is not equal to itself in JSON round trips
        desc["f"]["values"] = [str(v) for v in desc["f"]["values"]]
    assert_same(ours, ref)


def test_huggingface_matches_reference():
    pytest.importorskip("datasets")
    script = (
        "import deeplake, datasets\n"
        "feats = datasets.Features({'text': datasets.Value('string'), 'label': datasets.ClassLabel(names=['neg', 'pos']),"
        " 'f': datasets.Value('float32'), 'seq': datasets.Sequence(datasets.Value('int64')),"
        " 'sseq': datasets.Sequence(datasets.Value('string'))})\n"
        "data = {'text': ['hi', 'yo', 'zz'], 'label': [0, 1, 1], 'f': [0.5, 1.5, 2.5], 'seq': [[1, 2], [3], []],"
        " 'sseq': [['a'], ['b', 'c'], []]}\n"
        "hf = datasets.Dataset.from_dict(data, features=feats)\n"
        "dd = datasets.DatasetDict({'train': hf, 'test': hf.select([0])})\n"
        "ds = deeplake.ingest_huggingface(dd, 'mem://x', use_progressbar=False)\n"
    )
    assert_same(run_ours(script), run_reference(script, "datasets"))
