#!/usr/bin/env python3
"""Version-control benchmarks (issue 7 goals), on local disk.

(a) update one sample and commit, on a 1M-sample and on a 1k-sample dataset:
    commit cost must follow what changed, not the dataset size (goal: within 3x);
(b) checkout between two branches of the 1M dataset (goal: < 50 ms);
(c) read a whole tensor at a commit 20 commits back vs at the head (goal: within 1.5x).

    .venv/bin/python bench/bench_vc.py            # about 30 s
    .venv/bin/python bench/bench_vc.py --n 100000 # smaller big dataset
"""
import argparse
import shutil
import statistics
import tempfile
import time
from pathlib import Path

import numpy as np

import deeplake

REPEATS = 5
GOAL_COMMIT_RATIO = 3.0
GOAL_CHECKOUT_MS = 50.0
GOAL_OLD_READ_RATIO = 1.5


def build(path: Path, n: int):
    ds = deeplake.empty(path, overwrite=True)
    ds.create_tensor("labels", htype="class_label", dtype="uint32")
    ds.create_tensor("emb", htype="embedding", dtype="float32")
    ds.labels.extend(np.arange(n, dtype=np.uint32) % 10)
    ds.emb.extend(np.random.default_rng(0).standard_normal((n, 8), dtype=np.float32))
    ds.commit("initial")
    return ds


def update_and_commit(ds, n: int) -> float:
    """Median seconds for: update one sample, commit."""
    times = []
    for r in range(REPEATS):
        t0 = time.perf_counter()
        ds.labels[(r * 7919) % n] = 3
        ds.commit(f"update {r}")
        times.append(time.perf_counter() - t0)
    return statistics.median(times)


def checkout_ms(ds) -> float:
    ds.checkout("other", create=True)
    ds.labels[0] = 5
    ds.commit("other work")
    times = []
    for _ in range(REPEATS):
        for branch in ("main", "other"):
            t0 = time.perf_counter()
            ds.checkout(branch)
            times.append(time.perf_counter() - t0)
    ds.checkout("main")
    return statistics.median(times) * 1000


def old_vs_head_read(path: Path, ds, depth: int = 20):
    """Reads of `labels` at the head and at a commit `depth` commits back (fresh opens, cold caches)."""
    old = ds.commit_id
    for i in range(depth):
        ds.labels[i] = 1
        ds.commit(f"step {i}")
    ds.close()

    def timed(address):
        times = []
        for _ in range(3):
            d = deeplake.load(f"{path}@{address}", read_only=True)
            t0 = time.perf_counter()
            d.labels.numpy()
            times.append(time.perf_counter() - t0)
        return statistics.median(times)

    return timed("main"), timed(old)


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--n", type=int, default=1_000_000)
    args = ap.parse_args()
    root = Path(tempfile.mkdtemp(prefix="bench_vc_"))
    try:
        big_path, small_path = root / "big", root / "small"
        t0 = time.perf_counter()
        big = build(big_path, args.n)
        print(f"built {args.n:,}-sample dataset in {time.perf_counter() - t0:.1f} s")
        small = build(small_path, 1000)
        t_big = update_and_commit(big, args.n)
        t_small = update_and_commit(small, 1000)
        ratio = t_big / t_small
        print(f"(a) update 1 sample + commit: {args.n:,} samples {t_big * 1000:.1f} ms, "
              f"1k samples {t_small * 1000:.1f} ms, ratio {ratio:.2f}x "
              f"(goal <= {GOAL_COMMIT_RATIO}x: {'met' if ratio <= GOAL_COMMIT_RATIO else 'MISSED'})")
        ms = checkout_ms(big)
        print(f"(b) checkout between branches ({args.n:,} samples): {ms:.1f} ms "
              f"(goal < {GOAL_CHECKOUT_MS} ms: {'met' if ms < GOAL_CHECKOUT_MS else 'MISSED'})")
        head_s, old_s = old_vs_head_read(big_path, big)
        r = old_s / head_s
        print(f"(c) read labels ({args.n:,}): head {head_s * 1000:.1f} ms, 20 commits back {old_s * 1000:.1f} ms, "
              f"ratio {r:.2f}x (goal <= {GOAL_OLD_READ_RATIO}x: {'met' if r <= GOAL_OLD_READ_RATIO else 'MISSED'})")
    finally:
        shutil.rmtree(root, ignore_errors=True)


if __name__ == "__main__":
    main()
