#!/usr/bin/env python3
"""JPEG ingest and read benchmark (issue 3): files -> image tensor -> arrays.

10,000 synthetic 224x224 JPEG files (gradient + noise, ~13 KB each) are made
once under bench/_data. Measured for this library, and for the reference
deeplake 3.8.22 when DEEPLAKE_REFERENCE_PYTHON (or .refvenv) is available:

* ingest: ``images.extend([deeplake.read(p) for p in paths])`` in files/s, and
  bytes on disk against the source files;
* 1,000 random single-image reads ``images[i].numpy()`` in images/s;
* batch decode of ``images[i:i+64].numpy()`` in images/s;
* the limit: Pillow decoding the same bytes on one core, timed image by
  image alternately with our random reads (same 1,000 files), so a shared
  machine's drift hits both alike.

Each phase runs in a fresh process (this file in --worker mode).

    .venv/bin/python bench/bench_images_ingest.py            # about a minute
    .venv/bin/python bench/bench_images_ingest.py --n 2000   # smaller
"""
import argparse
import json
import os
import shutil
import subprocess
import sys
import tempfile
import time
from pathlib import Path

import numpy as np

BENCH_DIR = Path(__file__).resolve().parent
REPO = BENCH_DIR.parent


def make_files(n: int) -> Path:
    folder = BENCH_DIR / "_data" / f"jpegs_{n}"
    if folder.exists() and len(list(folder.glob("*.jpg"))) == n:
        return folder
    from PIL import Image

    folder.mkdir(parents=True, exist_ok=True)
    rng = np.random.default_rng(0)
    y, x = np.mgrid[0:224, 0:224]
    base = np.stack([x, y, (x + y) // 2], -1).astype(np.int16)
    for i in range(n):
        noise = rng.integers(-24, 25, size=(224, 224, 3), dtype=np.int16)
        img = np.clip(base + noise + (i % 50), 0, 255).astype(np.uint8)
        Image.fromarray(img).save(folder / f"{i:05d}.jpg", quality=82)
    return folder


def worker(folder: str, out: str) -> None:
    import deeplake

    paths = sorted(str(p) for p in Path(folder).glob("*.jpg"))
    src_bytes = sum(os.path.getsize(p) for p in paths)
    root = tempfile.mkdtemp(prefix="bench_img_")
    ds_path = os.path.join(root, "ds")
    res = {}
    try:
        ds = deeplake.empty(ds_path, overwrite=True) if "overwrite" in deeplake.empty.__code__.co_varnames else deeplake.empty(ds_path)
        ds.create_tensor("images", htype="image", sample_compression="jpeg")
        t = time.perf_counter()
        with ds:
            ds.images.extend([deeplake.read(p) for p in paths])
        res["ingest_files_per_s"] = len(paths) / (time.perf_counter() - t)
        disk = sum(f.stat().st_size for f in Path(ds_path).rglob("*") if f.is_file())
        res["disk_ratio"] = disk / src_bytes
        ds = deeplake.load(ds_path, read_only=True)
        rng = np.random.default_rng(1)
        idx = rng.integers(0, len(paths), 1000)
        # ours and the limit (Pillow decoding the same file's bytes, already in
        # memory) alternate image by image, so drift of a shared machine's
        # speed hits both alike
        from io import BytesIO

        from PIL import Image

        src = [Path(paths[int(i)]).read_bytes() for i in idx]
        ours_s = pillow_s = 0.0
        clock = time.perf_counter
        for i, b in zip(idx, src):
            t = clock()
            ds.images[int(i)].numpy()
            t1 = clock()
            np.asarray(Image.open(BytesIO(b)))
            t2 = clock()
            ours_s += t1 - t
            pillow_s += t2 - t1
        res["random_reads_per_s"] = len(idx) / ours_s
        res["pillow_limit"] = len(idx) / pillow_s
        t = time.perf_counter()
        n = 0
        for s in range(0, min(len(paths), 2048), 64):
            n += len(ds.images[s : s + 64].numpy())
        res["batch_decode_per_s"] = n / (time.perf_counter() - t)
    finally:
        shutil.rmtree(root, ignore_errors=True)
    with open(out, "w") as f:
        json.dump(res, f)


def run(python: str, folder: Path) -> dict:
    with tempfile.NamedTemporaryFile(suffix=".json", delete=False) as f:
        out = f.name
    env = dict(os.environ, PYTHONWARNINGS="ignore")
    subprocess.run([python, __file__, "--worker", str(folder), out], check=True, env=env,
                   stdout=subprocess.DEVNULL)
    res = json.loads(Path(out).read_text())
    os.unlink(out)
    return res


def reference_python():
    for cand in (os.environ.get("DEEPLAKE_REFERENCE_PYTHON"), REPO / ".refvenv" / "bin" / "python"):
        if cand and Path(cand).exists():
            return str(cand)
    return None


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--n", type=int, default=10_000)
    ap.add_argument("--worker", nargs=2)
    args = ap.parse_args()
    if args.worker:
        worker(*args.worker)
        return
    folder = make_files(args.n)
    sizes = [p.stat().st_size for p in folder.glob("*.jpg")]
    print(f"{args.n} JPEG files, mean {np.mean(sizes) / 1e3:.1f} KB")
    ours = run(sys.executable, folder)
    limit = ours["pillow_limit"]
    ref_py = reference_python()
    ref = run(ref_py, folder) if ref_py else None
    print(f"{'':28s}{'ours':>12s}{'reference':>12s}{'ratio':>8s}")
    for key, label in (("ingest_files_per_s", "ingest files/s"), ("disk_ratio", "bytes on disk / source"),
                       ("random_reads_per_s", "random reads images/s"), ("batch_decode_per_s", "batch decode images/s")):
        r = ref[key] if ref else float("nan")
        print(f"{label:28s}{ours[key]:12.3f}{r:12.3f}{ours[key] / r if ref else float('nan'):8.2f}")
    print(f"Pillow decode limit (1 core): {limit:.0f} images/s; random reads at "
          f"{ours['random_reads_per_s'] / limit:.0%}, batch decode at {ours['batch_decode_per_s'] / limit:.0%}")


if __name__ == "__main__":
    main()
