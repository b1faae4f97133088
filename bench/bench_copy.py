#!/usr/bin/env python3
"""Copy benchmarks: deeplake.copy (no history) and deeplake.deepcopy (all versions) of a
~1 GB dataset, against the machine's file-copy rate (shutil.copytree) and against the
reference deeplake 3.8.22 copying the very same dataset folder.

The source dataset is written once by this library (reference 3.8.22 reads it: same v3
format): 80,000 64x64x3 uint8 arrays (983 MB) + 80,000 class labels, one commit, then a
branch that updates 100 rows and appends 1,000 (so deepcopy has history to carry).

Each measured phase runs in a fresh child process (``--worker``), destinations are
removed and ``os.sync()`` is called before every timed run; the median of the repeats is
reported. The source stays in the page cache, so this measures copying, not disk reads.

    .venv/bin/python bench/bench_copy.py                 # full run (~1 GB, a few minutes)
    .venv/bin/python bench/bench_copy.py --quick         # 10x smaller smoke run
    .venv/bin/python bench/bench_copy.py --workers 2     # num_workers for both libraries

The reference interpreter is $DEEPLAKE_REFERENCE_PYTHON, else .refvenv/bin/python, else
/work/refvenv/venv/bin/python; its rows are skipped when none exists.
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
REPO = BENCH_DIR.parent
WORKER_TIMEOUT_S = 1800


def reference_python():
    for cand in (os.environ.get("DEEPLAKE_REFERENCE_PYTHON"), REPO / ".refvenv" / "bin" / "python",
                 "/work/refvenv/venv/bin/python"):
        if cand and Path(cand).exists():
            return str(cand)
    return None


def folder_bytes(path):
    return sum(p.stat().st_size for p in Path(path).rglob("*") if p.is_file())


# ------------------------------------------------------------------ workers (child processes)
def _import_deeplake():
    import warnings

    warnings.filterwarnings("ignore")
    os.environ.setdefault("BUGGER_OFF", "true")
    import deeplake

    return deeplake


def worker_build(src, n):
    deeplake = _import_deeplake()
    rng = np.random.default_rng(1234)
    ds = deeplake.empty(src, overwrite=True, verbose=False)
    ds.create_tensor("images", dtype="uint8")
    ds.create_tensor("labels", htype="class_label")
    step = 5000
    with ds:
        for lo in range(0, n, step):
            k = min(step, n - lo)
            ds.images.extend(rng.integers(0, 256, (k, 64, 64, 3), dtype=np.uint8))
            ds.labels.extend(rng.integers(0, 10, k, dtype=np.uint32))
    ds.commit("data")
    ds.checkout("relabel", create=True)
    with ds:
        for i in range(100):
            ds.labels[i] = 9
        ds.images.extend(np.zeros((1000, 64, 64, 3), np.uint8))
        ds.labels.extend(np.zeros(1000, np.uint32))
    ds.commit("relabel")
    ds.checkout("main")
    return {"bytes": folder_bytes(src)}


def worker_copy(kind, src, dst, workers):
    deeplake = _import_deeplake()
    if kind != "copytree":
        _warm_up(deeplake, kind, dst)
    shutil.rmtree(dst, ignore_errors=True)
    os.sync()
    if kind == "copytree":
        start = time.perf_counter()
        shutil.copytree(src, dst)
        return {"s": time.perf_counter() - start}
    start = time.perf_counter()
    if kind == "copy":
        deeplake.copy(src, dst, num_workers=workers, scheduler="threaded", progressbar=False)
    else:
        deeplake.deepcopy(src, dst, num_workers=workers, scheduler="threaded", progressbar=False, verbose=False)
    took = time.perf_counter() - start
    # check: the copy reads back (rows and, for deepcopy, the branch)
    out = deeplake.load(dst, read_only=True, verbose=False)
    check = {"len": len(out), "branches": list(out.branches)}
    return {"s": took, **check}


def _warm_up(deeplake, kind, dst):
    """Copy a tiny dataset once so lazy imports are not timed."""
    side = str(dst) + "_warmup"
    ds = deeplake.empty(side + "_src", overwrite=True, verbose=False)
    ds.create_tensor("images", dtype="uint8")
    ds.images.extend(np.zeros((2, 4, 4, 3), np.uint8))
    ds.commit("c")
    fn = deeplake.copy if kind == "copy" else deeplake.deepcopy
    fn(side + "_src", side, num_workers=2, progressbar=False, overwrite=True)
    shutil.rmtree(side, ignore_errors=True)
    shutil.rmtree(side + "_src", ignore_errors=True)


def run_worker(python, *args):
    cmd = [python, __file__, "--worker", *map(str, args)]
    env = dict(os.environ, PYTHONPATH=os.environ.get("PYTHONPATH", ""))
    res = subprocess.run(cmd, capture_output=True, text=True, timeout=WORKER_TIMEOUT_S, env=env)
    for line in res.stdout.splitlines():
        if line.startswith("RESULT "):
            return json.loads(line[7:])
    raise RuntimeError(f"worker {args} failed:\n{res.stderr[-4000:]}")


# ------------------------------------------------------------------ driver
def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--quick", action="store_true")
    ap.add_argument("--repeats", type=int, default=3)
    ap.add_argument("--ref-repeats", type=int, default=1, help="the reference is slow: fewer repeats")
    ap.add_argument("--workers", type=int, default=2)
    ap.add_argument("--keep", action="store_true", help="keep the temporary folder")
    ap.add_argument("--worker", nargs="+")
    args = ap.parse_args()
    if args.worker:
        kind, *rest = args.worker
        if kind == "build":
            out = worker_build(rest[0], int(rest[1]))
        else:
            out = worker_copy(kind, rest[0], rest[1], int(rest[2]))
        print("RESULT " + json.dumps(out))
        return

    n = 8_000 if args.quick else 80_000
    ours = sys.executable
    ref = reference_python()
    root = Path(tempfile.mkdtemp(prefix="bench_copy_"))
    src = root / "src"
    try:
        print(f"building {n} rows at {src} ...", file=sys.stderr)
        size = run_worker(ours, "build", src, n)["bytes"]
        rows = [("copytree (file copy)", ours, "copytree")]
        rows += [("ours copy", ours, "copy"), ("ours deepcopy", ours, "deepcopy")]
        if ref:
            rows += [("reference copy", ref, "copy"), ("reference deepcopy", ref, "deepcopy")]
        results = {}
        for label, py, kind in rows:
            times = []
            repeats = args.repeats if py == ours else args.ref_repeats
            for r in range(repeats):
                print(f"{label} run {r + 1}", file=sys.stderr)
                res = run_worker(py, kind, src, root / "dst", args.workers)
                times.append(res["s"])
            results[label] = (statistics.median(times), res)
            shutil.rmtree(root / "dst", ignore_errors=True)
        base = results["copytree (file copy)"][0]
        print(f"\nSource: {size / 1e6:,.0f} MB on disk ({n:,} rows of 64x64x3 uint8 + labels, "
              f"2 commits on 2 branches); num_workers={args.workers}; median of {args.repeats} "
              f"(reference: {args.ref_repeats}).\n")
        print("| operation | seconds | MB/s | vs copytree | vs reference |")
        print("|---|---:|---:|---:|---:|")
        for label, (s, res) in results.items():
            ref_label = label.replace("ours", "reference")
            vs_ref = ""
            if label.startswith("ours") and ref_label in results:
                vs_ref = f"{results[ref_label][0] / s:.1f}x faster"
            print(f"| {label} | {s:.2f} | {size / 1e6 / s:,.0f} | {s / base:.2f}x time | {vs_ref} |")
    finally:
        if not args.keep:
            shutil.rmtree(root, ignore_errors=True)


if __name__ == "__main__":
    main()
