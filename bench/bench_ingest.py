#!/usr/bin/env python3
"""Ingestion benchmarks: deeplake.ingest_classification and deeplake.ingest_coco, ours vs the reference 3.8.22.

Workloads (sized for 2 cores):
  classification  10,000 JPEGs of 32x32x3 in 10 class folders -> images + labels
  coco            2,000 JPEGs of 32x32x3, 5 boxes/polygons each -> images, bbox, category_id, segmentation, ...
Both libraries write a local dataset with shuffle=False, no progress bar, num_workers=0. Each timed call runs in
a fresh child process (this file in --worker mode); the figure is files per second of the whole call.

    .venv/bin/python bench/bench_ingest.py            # full run
    .venv/bin/python bench/bench_ingest.py --quick    # 10x smaller
Reference interpreter: env DEEPLAKE_REFERENCE_PYTHON, else .refvenv/bin/python, else /work/refvenv/venv/bin/python.
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
SIDE = 32
CLASSES = 10
BOXES = 5


def reference_python():
    for cand in (os.environ.get("DEEPLAKE_REFERENCE_PYTHON"), str(REPO / ".refvenv" / "bin" / "python"),
                 "/work/refvenv/venv/bin/python"):
        if cand and os.path.exists(cand):
            return cand
    return None


def _jpeg_bytes(rng):
    from io import BytesIO

    from PIL import Image

    y, x = np.mgrid[0:SIDE, 0:SIDE]
    base = np.stack([x * 8, y * 8, (x + y) * 4], -1).astype(np.uint8)
    noisy = np.clip(base.astype(np.int16) + rng.integers(-20, 20, base.shape), 0, 255).astype(np.uint8)
    buf = BytesIO()
    Image.fromarray(noisy).save(buf, format="JPEG", quality=90)
    return buf.getvalue()


def make_classification(root, n):
    rng = np.random.default_rng(0)
    blobs = [_jpeg_bytes(rng) for _ in range(64)]
    for i in range(n):
        folder = os.path.join(root, f"class{i % CLASSES}")
        os.makedirs(folder, exist_ok=True)
        with open(os.path.join(folder, f"{i}.jpg"), "wb") as f:
            f.write(blobs[i % len(blobs)])


def make_coco(root, n):
    rng = np.random.default_rng(1)
    blobs = [_jpeg_bytes(rng) for _ in range(64)]
    images_dir = os.path.join(root, "images")
    os.makedirs(images_dir, exist_ok=True)
    coco = {"images": [], "annotations": [], "categories": [{"id": k + 1, "name": f"cat{k}"} for k in range(8)]}
    aid = 1
    for i in range(n):
        name = f"{i:06d}.jpg"
        with open(os.path.join(images_dir, name), "wb") as f:
            f.write(blobs[i % len(blobs)])
        coco["images"].append({"id": i + 1, "file_name": name, "height": SIDE, "width": SIDE})
        for k in range(BOXES):
            x, y = float(rng.integers(0, 20)), float(rng.integers(0, 20))
            coco["annotations"].append({
                "id": aid, "image_id": i + 1, "category_id": int(rng.integers(1, 9)), "bbox": [x, y, 8.0, 6.0],
                "segmentation": [[x, y, x + 8, y, x + 8, y + 6, x, y + 6]], "area": 48.0, "iscrowd": 0})
            aid += 1
    with open(os.path.join(root, "ann.json"), "w") as f:
        json.dump(coco, f)


def worker(case, src, dest):
    os.environ.setdefault("BUGGER_OFF", "true")
    import deeplake

    start = time.perf_counter()
    if case == "classification":
        ds = deeplake.ingest_classification(src, dest, progressbar=False, summary=False, shuffle=False)
    else:
        ds = deeplake.ingest_coco(os.path.join(src, "images"), os.path.join(src, "ann.json"), dest,
                                  progressbar=False)
    n = len(ds)
    elapsed = time.perf_counter() - start
    print("@@" + json.dumps({"seconds": elapsed, "rows": n}))


def run_child(python, case, src, dest):
    env = dict(os.environ, BUGGER_OFF="true", PYTHONWARNINGS="ignore")
    shutil.rmtree(dest, ignore_errors=True)
    out = subprocess.run([python, __file__, "--worker", case, src, dest], capture_output=True, text=True,
                         env=env, timeout=1800)
    if out.returncode != 0:
        raise RuntimeError(out.stderr[-2000:])
    return json.loads(out.stdout.split("@@", 1)[1])


def main():
    parser = argparse.ArgumentParser()
    parser.add_argument("--quick", action="store_true")
    parser.add_argument("--worker", nargs=3)
    parser.add_argument("--repeat", type=int, default=2)
    args = parser.parse_args()
    if args.worker:
        worker(*args.worker)
        return
    scale = 10 if args.quick else 1
    sizes = {"classification": 10_000 // scale, "coco": 2_000 // scale}
    ref = reference_python()
    with tempfile.TemporaryDirectory(prefix="bench_ingest_") as tmp:
        sources = {"classification": os.path.join(tmp, "cls"), "coco": os.path.join(tmp, "coco")}
        make_classification(sources["classification"], sizes["classification"])
        make_coco(sources["coco"], sizes["coco"])
        print(f"{'workload':<16}{'files':>8}{'ours files/s':>15}{'ref files/s':>14}{'ratio':>8}")
        for case, n in sizes.items():
            rates = {}
            for label, py in (("ours", sys.executable), ("ref", ref)):
                if py is None:
                    continue
                best = min(run_child(py, case, sources[case], os.path.join(tmp, f"out_{label}"))["seconds"]
                           for _ in range(args.repeat))
                rates[label] = n / best
            ratio = rates["ours"] / rates["ref"] if "ref" in rates else float("nan")
            ref_text = f"{rates['ref']:.0f}" if "ref" in rates else "n/a"
            print(f"{case:<16}{n:>8}{rates['ours']:>15.0f}{ref_text:>14}{ratio:>8.2f}x")


if __name__ == "__main__":
    main()
