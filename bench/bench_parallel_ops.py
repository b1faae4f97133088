#!/usr/bin/env python3
"""Parallel dataset operations: copy of a view, rechunk and save_view(optimize=True),
serial (num_workers=0) against the 'processed' and 'ray' schedulers with 2 workers.

Data (~200 MB, made once under bench/_data): 1,000 rows of 256x256x3 uint8
(uncompressed, 197 KB each) + 1,000 int64 labels. The view is a fixed random
permutation of every row (so the copy really goes row by row, not chunk by
chunk). Rechunk runs on a fresh copy of the dataset whose tensor was written
in commits of 15 rows each plus 200 updates (a node never grows an
ancestor's chunk, so its chunks are fragmented and partly filled).

Each (operation, scheduler) runs in a fresh child process (``--worker``); Ray
is started before the clock (its start-up time is printed separately). The
median of ``--repeats`` runs is reported. The source stays in the page cache,
so this measures the work, not disk reads.

    .venv/bin/python bench/bench_parallel_ops.py            # full run (~200 MB)
    .venv/bin/python bench/bench_parallel_ops.py --quick    # 10x smaller
"""
import argparse
import json
import os
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

import numpy as np

BENCH_DIR = Path(__file__).resolve().parent
DATA_DIR = BENCH_DIR / "_data"
OPS = ["copy_view", "rechunk", "save_view_optimize"]
RUNS = [("serial", 0), ("processed", 2), ("ray", 2)]
ROW_SHAPE = (256, 256, 3)


def source(n: int) -> Path:
    """A dataset of n image-sized rows, written once by this library."""
    import deeplake

    path = DATA_DIR / f"parallel_ops_{n}"
    if (path / ".complete").exists():
        return path
    rng = np.random.default_rng(3)
    ds = deeplake.empty(str(path), overwrite=True)
    with ds:
        ds.create_tensor("images", dtype="uint8")
        ds.create_tensor("labels", dtype="int64")
        for lo in range(0, n, 100):
            k = min(100, n - lo)
            ds.images.extend(rng.integers(0, 256, (k,) + ROW_SHAPE, dtype=np.uint8))
            ds.labels.extend(np.arange(lo, lo + k, dtype=np.int64))
    ds.commit("data")
    (path / ".complete").write_text(str(n))
    return path


def fragmented(n: int, where: Path) -> str:
    """A dataset whose chunks are scattered by small commits and updates."""
    import deeplake

    rng = np.random.default_rng(5)
    ds = deeplake.empty(str(where), overwrite=True)
    ds.create_tensor("images", dtype="uint8", max_chunk_size=4 * 2**20)
    ds.create_tensor("labels", dtype="int64")
    row = rng.integers(0, 256, ROW_SHAPE, dtype=np.uint8)
    step = 15
    for lo in range(0, n, step):
        k = min(step, n - lo)
        ds.images.extend(np.broadcast_to(row, (k,) + ROW_SHAPE))
        ds.labels.extend(np.arange(lo, lo + k))
        ds.commit(f"rows {lo}")
    for i in rng.choice(n, n // 5, replace=False):
        ds.images[int(i)] = np.roll(row, int(i))
    ds.flush()
    return str(where)


def worker(op: str, scheduler: str, workers: int, n: int, tmp: str) -> dict:
    import deeplake

    ray_start = 0.0
    if scheduler == "ray":
        import ray

        t = time.perf_counter()
        ray.init(num_cpus=2, include_dashboard=False, log_to_driver=False)
        ray_start = time.perf_counter() - t
    perm = [int(i) for i in np.random.default_rng(9).permutation(n)]
    if op == "rechunk":
        ds = deeplake.load(fragmented(n, Path(tmp) / "frag"))
        chunks_before = len(ds.images._engine.chunk_ids)
        t = time.perf_counter()
        ds.rechunk(num_workers=workers, scheduler=scheduler, progressbar=False)
        elapsed = time.perf_counter() - t
        extra = {"chunks": [chunks_before, len(ds.images._engine.chunk_ids)]}
    elif op == "copy_view":
        ds = deeplake.load(str(source(n)), read_only=True)
        t = time.perf_counter()
        ds[perm].copy(str(Path(tmp) / "copy"), num_workers=workers, scheduler=scheduler, progressbar=False)
        elapsed = time.perf_counter() - t
        extra = {}
    else:
        work = Path(tmp) / "src"
        shutil.copytree(source(n), work)
        ds = deeplake.load(str(work))
        t = time.perf_counter()
        ds[perm].save_view(id="perm", optimize=True, num_workers=workers, scheduler=scheduler)
        elapsed = time.perf_counter() - t
        extra = {}
    nbytes = n * int(np.prod(ROW_SHAPE)) + 8 * n
    return {"seconds": elapsed, "mb": nbytes / 1e6, "ray_start": ray_start, **extra}


def run_child(op, scheduler, workers, n) -> dict:
    with tempfile.TemporaryDirectory(dir=DATA_DIR) as tmp:
        cmd = [sys.executable, __file__, "--worker", op, scheduler, str(workers), str(n), tmp]
        out = subprocess.run(cmd, capture_output=True, text=True, timeout=1800)
        line = next((l for l in out.stdout.splitlines() if l.startswith("RESULT ")), None)
        if line is None:
            raise RuntimeError(out.stderr[-3000:])
        return json.loads(line[len("RESULT "):])


def main() -> None:
    ap = argparse.ArgumentParser()
    ap.add_argument("--quick", action="store_true")
    ap.add_argument("--repeats", type=int, default=3)
    ap.add_argument("--only", choices=OPS)
    ap.add_argument("--worker", nargs=5)
    args = ap.parse_args()
    if args.worker:
        op, scheduler, workers, n, tmp = args.worker
        print("RESULT " + json.dumps(worker(op, scheduler, int(workers), int(n), tmp)))
        return
    n = 100 if args.quick else 1000
    DATA_DIR.mkdir(parents=True, exist_ok=True)
    source(n)
    rows = []
    for op in [args.only] if args.only else OPS:
        base = None
        for scheduler, workers in RUNS:
            res = [run_child(op, scheduler, workers, n) for _ in range(args.repeats)]
            print(f"{op} {scheduler}: {[round(r['seconds'], 2) for r in res]}", file=sys.stderr)
            s = statistics.median(r["seconds"] for r in res)
            base = s if base is None else base
            rows.append((op, scheduler, workers, s, res[0]["mb"], base / s, res[0]))
    print(f"\n{n:,} rows of 256x256x3 uint8 + int64 labels; median of {args.repeats} runs, 2 cores\n")
    print("| operation | scheduler | workers | seconds | MB/s | speed-up vs serial | note |")
    print("|---|---|---:|---:|---:|---:|---|")
    for op, scheduler, workers, s, mb, speedup, r in rows:
        note = []
        if r.get("ray_start"):
            note.append(f"ray.init {r['ray_start']:.1f}s not counted")
        if r.get("chunks"):
            note.append(f"chunks {r['chunks'][0]} -> {r['chunks'][1]}")
        print(f"| {op} | {scheduler} | {workers} | {s:.2f} | {mb / s:,.0f} | {speedup:.2f}x | {'; '.join(note)} |")


if __name__ == "__main__":
    main()
