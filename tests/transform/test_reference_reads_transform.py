"""Output stitched from several workers' chunks opens in the reference deeplake 3.8.22."""
import json
import os
import pathlib
import subprocess

import numpy as np
import pytest

import deeplake

pytestmark = pytest.mark.reference
REPO = pathlib.Path(__file__).resolve().parents[2]


def reference_python():
    candidates = [os.environ.get("DEEPLAKE_REFERENCE_PYTHON"), REPO / ".refvenv" / "bin" / "python",
                  pathlib.Path("/work/refvenv/venv/bin/python")]
    for c in candidates:
        if c and pathlib.Path(c).exists():
            return str(c)
    return None


DUMP = r"""
import json, sys
import numpy as np
import deeplake
ds = deeplake.load(sys.argv[1], read_only=True, verbose=False)
out = {
    "len": len(ds),
    "labels": ds.labels.numpy().reshape(-1).tolist(),
    "images": [ds.images[i].numpy().tolist() for i in range(len(ds.images))],
    "text": [ds.text[i].data()["value"] for i in range(len(ds.text))],
    "cls": ds.cls.numpy().reshape(-1).tolist(),
    "class_names": list(ds.cls.info.class_names),
}
print(json.dumps(out))
"""


@deeplake.compute
def build(x, samples_out):
    samples_out.labels.append(np.int64(x * 7))
    samples_out.images.append(np.full((2 + x % 3, 3, 3), x, np.uint8))
    samples_out.text.append(f"sample {x}")
    samples_out.cls.append(f"k{x % 4}" if x >= 10 else "base")


@pytest.mark.parametrize("scheduler", ["threaded", "processed"])
def test_reference_reads_transform_output(tmp_path, scheduler):
    py = reference_python()
    if py is None:
        pytest.skip("reference deeplake 3.8.22 side venv not found")
    path = tmp_path / "ds"
    ds = deeplake.empty(str(path), overwrite=True)
    ds.create_tensor("labels", dtype="int64")
    ds.create_tensor("images", htype="image", sample_compression="png")
    ds.create_tensor("text", htype="text")
    ds.create_tensor("cls", htype="class_label")
    ds.labels.append(np.int64(-1))
    ds.images.append(np.zeros((1, 3, 3), np.uint8))
    ds.text.append("before")
    ds.cls.append("base")
    build().eval(list(range(21)), ds, num_workers=2, scheduler=scheduler, progressbar=False)
    ds.flush()
    res = subprocess.run([py, "-c", DUMP, str(path)], capture_output=True, text=True, timeout=300)
    assert res.returncode == 0, res.stderr[-3000:]
    got = json.loads(res.stdout.strip().splitlines()[-1])
    assert got["len"] == 22
    assert got["labels"] == [-1] + [x * 7 for x in range(21)]
    assert got["text"] == ["before"] + [f"sample {x}" for x in range(21)]
    for x in range(21):
        np.testing.assert_array_equal(np.asarray(got["images"][x + 1], np.uint8),
                                      np.full((2 + x % 3, 3, 3), x, np.uint8))
    names = got["class_names"]
    assert [names[i] for i in got["cls"]] == ["base"] + [f"k{x % 4}" if x >= 10 else "base" for x in range(21)]
