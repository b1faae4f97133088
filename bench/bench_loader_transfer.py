#!/usr/bin/env python3
"""How batches get from loader worker processes to the training process.

With a Python transform the loader decodes in forked worker processes, and
each batch must reach the consumer. Measured: batches through shared memory
(/dev/shm, the default: the consumer maps the worker's file, no copy)
against the same batches pickled through the queue's pipe.

Two workloads over 4,096 224x224 JPEG samples, batch 64, 2 workers, one
warm-up epoch then the best of two:

  decode     transform is a pass-through: uint8 images (9.6 MB a batch)
  float32    transform turns each image into float32 (38.5 MB a batch)

    .venv/bin/python bench/bench_loader_transfer.py
"""
import json
import os
import subprocess
import sys
import time
from pathlib import Path

import numpy as np

BENCH_DIR = Path(__file__).resolve().parent
DATA = BENCH_DIR / "_data" / "loader_transfer_4096"
N, BATCH, WORKERS = 4096, 64, 2


def build() -> Path:
    if (DATA / "done").exists():
        return DATA
    import io

    from PIL import Image

    import deeplake
    from deeplake.core.sample import Sample

    rng = np.random.default_rng(0)
    y, x = np.mgrid[0:224, 0:224]
    base = np.stack([x, y, (x + y) // 2], -1).astype(np.int16)
    blobs = []
    for i in range(64):
        img = np.clip(base + rng.integers(-24, 25, (224, 224, 3)) + i, 0, 255).astype(np.uint8)
        bio = io.BytesIO()
        Image.fromarray(img).save(bio, "JPEG", quality=82)
        blobs.append(bio.getvalue())
    ds = deeplake.empty(str(DATA), overwrite=True)
    ds.create_tensor("images", htype="image", sample_compression="jpeg")
    ds.create_tensor("labels", htype="class_label")
    with ds:
        ds.images.extend([Sample(buffer=blobs[i % 64], compression="jpeg") for i in range(N)])
        ds.labels.extend((np.arange(N) % 10).astype(np.uint32))
    (DATA / "done").write_text("")
    return DATA


def passthrough(sample):
    return sample


def to_float(sample):
    return {"images": sample["images"].astype(np.float32), "labels": sample["labels"]}


def worker(kind: str, transport: str) -> dict:
    import deeplake
    from deeplake.loader import shm

    if transport == "pickle":
        shm.available = lambda: False
    ds = deeplake.load(str(DATA), read_only=True)
    fn = passthrough if kind == "decode" else to_float
    loader = ds.dataloader().transform(fn).batch(BATCH).numpy(num_workers=WORKERS)
    for _ in loader:
        pass
    best = 0.0
    for _ in range(2):
        t = time.perf_counter()
        n = sum(len(b["labels"]) for b in loader)
        best = max(best, n / (time.perf_counter() - t))
    loader.close()
    return {"per_s": best}


def main():
    if len(sys.argv) == 4 and sys.argv[1] == "--worker":
        print(json.dumps(worker(sys.argv[2], sys.argv[3])))
        return
    build()
    print(f"{N} JPEG samples 224x224, batch {BATCH}, {WORKERS} worker processes, Python transform\n")
    print("| workload | shared memory samples/s | pickled samples/s | ratio |")
    print("|---|---:|---:|---:|")
    for kind in ("decode", "float32"):
        res = {}
        for transport in ("shm", "pickle"):
            out = subprocess.run([sys.executable, __file__, "--worker", kind, transport], capture_output=True,
                                 text=True, check=True, env=dict(os.environ, PYTHONWARNINGS="ignore"))
            res[transport] = json.loads(out.stdout.strip().splitlines()[-1])["per_s"]
        print(f"| {kind} | {res['shm']:,.0f} | {res['pickle']:,.0f} | {res['shm'] / res['pickle']:.2f}x |")


if __name__ == "__main__":
    main()
