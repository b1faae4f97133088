"""Datasets with read() samples, tiles, partial writes and links written here load in the reference 3.8.22."""
import json
import os
import pathlib
import subprocess
import sys

import numpy as np
import pytest
from PIL import Image

import deeplake

pytestmark = pytest.mark.reference
REPO = pathlib.Path(__file__).parent.parent.parent

_DUMP = r"""
import json, sys, numpy as np, deeplake
ds = deeplake.load(sys.argv[1], read_only=True, verbose=False)
ds.populate_creds("k", {})
out = {}
for name in ["jpeg", "tiled", "auto", "links"]:
    t = ds[name]
    out[name] = {"shape": [None if d is None else int(d) for d in t.shape],
                 "values": [t[i].numpy().tolist() for i in range(len(t))]}
out["links_paths"] = [str(np.asarray(p).reshape(-1)[0]) for p in ds.links.path()]
out["creds_keys"] = sorted(ds.get_creds_keys())
out["links_info"] = ds.links.sample_info
out["region"] = ds.tiled[0, 30:45, 2:13].numpy().tolist()
json.dump(out, open(sys.argv[2], "w"))
"""


def reference_python():
    env = os.environ.get("DEEPLAKE_REFERENCE_PYTHON")
    for cand in (env, REPO / ".refvenv" / "bin" / "python", "/work/refvenv/venv/bin/python"):
        if cand and pathlib.Path(cand).exists():
            return str(cand)
    return None


def test_reference_reads_media_written_here(tmp_path):
    py = reference_python()
    if py is None:
        pytest.skip("reference deeplake 3.8.22 venv not found")
    rng = np.random.default_rng(5)
    y, x = np.mgrid[0:20, 0:24]
    smooth = np.stack([x * 10, y * 12, x + y], -1).astype(np.uint8)
    Image.fromarray(smooth).save(tmp_path / "a.jpg", quality=95)
    Image.fromarray(smooth).save(tmp_path / "b.png")
    path = str(tmp_path / "ds")
    ds = deeplake.empty(path)
    with ds:
        ds.create_tensor("jpeg", htype="image", sample_compression="jpeg")
        ds.jpeg.extend([deeplake.read(str(tmp_path / "a.jpg")), deeplake.read(str(tmp_path / "b.png"))])
        ds.create_tensor("tiled", htype="image", sample_compression="png")
        ds.tiled.append(deeplake.tiled((50, 40, 3), (16, 16, 3)))
        patch = rng.integers(0, 256, (20, 15, 2), dtype=np.uint8)
        ds.tiled[0][-20:, :15, 1:] = patch
        ds.create_tensor("auto", dtype="uint8", tiling_threshold=1000)
        big = rng.integers(0, 256, (40, 60), dtype=np.uint8)
        ds.auto.extend([big, np.ones((3, 3), np.uint8)])
        ds.add_creds_key("k")
        ds.populate_creds("k", {})
        ds.create_tensor("links", htype="link[image]", sample_compression="png")
        ds.links.extend([deeplake.link(str(tmp_path / "b.png")), deeplake.link(str(tmp_path / "a.jpg"), creds_key="k")])
    out = tmp_path / "out.json"
    r = subprocess.run([py, "-c", _DUMP, path, str(out)], capture_output=True, text=True, timeout=300)
    assert r.returncode == 0, r.stderr[-3000:]
    got = json.loads(out.read_text())
    ours = deeplake.load(path)
    np.testing.assert_array_equal(np.asarray(got["jpeg"]["values"][0]), ours.jpeg[0].numpy())
    np.testing.assert_array_equal(np.asarray(got["jpeg"]["values"][1]), ours.jpeg[1].numpy())
    want = np.zeros((50, 40, 3), np.uint8)
    want[-20:, :15, 1:] = patch
    np.testing.assert_array_equal(np.asarray(got["tiled"]["values"][0]), want)
    np.testing.assert_array_equal(np.asarray(got["region"]), want[30:45, 2:13])
    np.testing.assert_array_equal(np.asarray(got["auto"]["values"][0]), big)
    assert got["auto"]["shape"] == [2, None, None]
    assert got["links_paths"] == [str(tmp_path / "b.png"), str(tmp_path / "a.jpg")]
    assert got["creds_keys"] == ["k"]
    assert got["links"]["shape"] == [2, 20, 24, 3]
    np.testing.assert_array_equal(np.asarray(got["links"]["values"][0]), smooth)
    assert got["links_info"][0]["format"] == "png" and got["links_info"][0]["shape"] == [20, 24, 3]


_WRITE = r"""
import sys, numpy as np, deeplake
root = sys.argv[1]
ds = deeplake.empty(root + "/ds", overwrite=True, verbose=False)
with ds:
    ds.add_creds_key("k")
    ds.populate_creds("k", {})
    ds.create_tensor("links", htype="link[image]", sample_compression="png")
    ds.links.append(deeplake.link(root + "/b.png", creds_key="k"))
    arr = np.empty((2, 2, 1), dtype=object)
    arr[:] = root + "/b.png"
    ds.create_tensor("tl", htype="link[image]", sample_compression="png")  # the reference cannot mix both in a chunk
    ds.tl.append(deeplake.link_tiled(arr))
    ds.create_tensor("tiled", htype="image", sample_compression="png")
    ds.tiled.append(deeplake.tiled(sample_shape=(30, 40, 3), tile_shape=(10, 10, 3)))
    ds.tiled[0][-7:, :12, 1:] = np.full((7, 12, 2), 200, np.uint8)
"""


def test_we_read_reference_links_link_tiled_and_partial_tiles(tmp_path):
    py = reference_python()
    if py is None:
        pytest.skip("reference deeplake 3.8.22 venv not found")
    y, x = np.mgrid[0:6, 0:7]
    img = np.stack([x * 30, y * 40, x + y], -1).astype(np.uint8)
    Image.fromarray(img).save(tmp_path / "b.png")
    r = subprocess.run([py, "-c", _WRITE, str(tmp_path)], capture_output=True, text=True, timeout=300)
    assert r.returncode == 0, r.stderr[-3000:]
    ds = deeplake.load(str(tmp_path / "ds"))
    assert ds.get_creds_keys() == {"k"}
    assert ds.links.creds_key() == ["k"]
    ds.populate_creds("k", {})
    np.testing.assert_array_equal(ds.links[0].numpy(), img)
    np.testing.assert_array_equal(ds.tl[0].numpy(), np.tile(img, (2, 2, 1)))
    assert ds.tl.shape == (1, 12, 14, 3)
    want = np.zeros((30, 40, 3), np.uint8)
    want[-7:, :12, 1:] = 200
    np.testing.assert_array_equal(ds.tiled[0].numpy(), want)


_DUMP_BATCH = r"""
import json, sys, numpy as np, deeplake
ds = deeplake.load(sys.argv[1], read_only=True, verbose=False)
t = ds.images
out = {"len": len(t), "shapes": [list(t[i].numpy().shape) for i in range(len(t))],
       "info": [t.sample_info[i] for i in range(len(t))], "pix": [int(t[i].numpy().sum()) for i in range(len(t))]}
json.dump(out, open(sys.argv[2], "w"))
"""


def test_reference_reads_a_many_file_ingest(tmp_path):
    """The file-batch path (arena, chunks written from it, chunks written before the flush)."""
    py = reference_python()
    if py is None:
        pytest.skip("reference deeplake 3.8.22 venv not found")
    y, x = np.mgrid[0:24, 0:32]
    files = []
    for i in range(60):
        arr = np.stack([(x * 8 + i) % 256, y * 10, (x + y + i) % 256], -1).astype(np.uint8)
        img = Image.fromarray(arr).convert("L") if i % 9 == 0 else Image.fromarray(arr)
        files.append(str(tmp_path / f"{i:03d}.jpg"))
        img.save(files[-1], quality=90)
    path = str(tmp_path / "ds")
    ds = deeplake.empty(path)
    ds.create_tensor("images", htype="image", sample_compression="jpeg", max_chunk_size=8 * 1024)
    with ds:
        ds.images.extend([deeplake.read(f) for f in files[:7]])  # leaves a partly filled chunk
        ds.images.extend([deeplake.read(f) for f in files[7:]])
    assert len(ds.images._engine.chunk_ids) > 5
    ours = [ds.images[i].numpy() for i in range(60)]
    out = tmp_path / "dump.json"
    subprocess.run([py, "-c", _DUMP_BATCH, path, str(out)], check=True, capture_output=True)
    got = json.loads(out.read_text())
    assert got["len"] == 60
    assert got["shapes"] == [list(a.shape) for a in ours]
    assert got["pix"] == [int(a.sum()) for a in ours]
    assert [g["filename"] for g in got["info"]] == files
    assert [g["shape"] for g in got["info"]] == [list(a.shape) for a in ours]
