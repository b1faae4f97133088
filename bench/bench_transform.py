#!/usr/bin/env python3
"""Transform benchmarks: ``compute(...).eval`` on every scheduler, ours next to the reference 3.8.22.

Two workloads, each run with scheduler serial (num_workers=0) and threaded /
processed / ray with 2 workers:

* heavy: decode a 256x256 JPEG file, resize to 128x128, append to a
  ``sample_compression="jpeg"`` tensor (so the worker re-encodes it);
  10,000 files by default (``--heavy-n``).
* light: label arithmetic, ``labels.append(x * 3 + 1)`` over 1,000,000 ints
  (``--light-n``); reported as microseconds of overhead per sample.

Each (library, workload, scheduler) runs in a fresh child process executing
this file in ``--worker`` mode: a 64-sample warm-up eval (imports, pool and
Ray start-up) is followed by the timed eval into a new local dataset. The
reference runs under ``DEEPLAKE_REFERENCE_PYTHON`` (default
/work/refvenv/venv/bin/python); it has no Ray installed, so its ray column is
"n/a". "cpu s" is user+system time of the driver and of the worker processes it
waited for (Ray's workers and the reference's still-alive pathos pool are not
counted): on a busy machine it shows the work done when wall time cannot.
Only stdlib + numpy are needed at import time.

    .venv/bin/python bench/bench_transform.py                 # full run
    .venv/bin/python bench/bench_transform.py --quick         # 10x smaller
    .venv/bin/python bench/bench_transform.py --only heavy --libs ours
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
DATA_DIR = BENCH_DIR / "_data"
SCHEDULERS = ["serial", "threaded", "processed", "ray"]
WORKERS = 2
REF_DEFAULT = "/work/refvenv/venv/bin/python"
GOAL_PARALLEL_SPEEDUP = 1.7
GOAL_LIGHT_OVERHEAD_VS_REF = 1 / 3


# --------------------------------------------------------------------------- data
def jpeg_dir(n: int) -> Path:
    """n 256x256 JPEG files (smooth gradients plus noise), made once with a fixed seed."""
    folder = DATA_DIR / f"jpeg256_{n}"
    done = folder / ".complete"
    if done.exists():
        return folder
    from PIL import Image

    folder.mkdir(parents=True, exist_ok=True)
    rng = np.random.default_rng(7)
    y, x = np.mgrid[0:256, 0:256]
    base = np.stack([x, y, (x + y) // 2], -1).astype(np.int16)
    for i in range(n):
        img = np.clip(base + rng.integers(-20, 20, size=base.shape) + (i % 50), 0, 255).astype(np.uint8)
        Image.fromarray(img).save(folder / f"{i:06d}.jpg", quality=90)
    done.write_text(str(n))
    return folder


# ------------------------------------------------------------------------ worker
def heavy_fn(path, samples_out):
    from PIL import Image

    with Image.open(path) as im:
        small = im.convert("RGB").resize((128, 128), Image.BILINEAR)
    samples_out.images.append(np.asarray(small))


def light_fn(x, samples_out):
    samples_out.labels.append(x * 3 + 1)


def make_output(deeplake, path, workload):
    ds = deeplake.empty(path, overwrite=True)
    if workload == "heavy":
        ds.create_tensor("images", htype="image", sample_compression="jpeg")
    else:
        ds.create_tensor("labels", dtype="int64")
    return ds


def worker(args) -> None:
    import deeplake

    if args.scheduler == "ray":
        import ray

        ray.init(num_cpus=WORKERS, include_dashboard=False, log_to_driver=False)
    if args.workload == "heavy":
        files = sorted(str(p) for p in jpeg_dir(args.n).glob("*.jpg"))[: args.n]
        data = files
        fn = deeplake.compute(heavy_fn)
    else:
        data = list(range(args.n))
        fn = deeplake.compute(light_fn)
    workers = 0 if args.scheduler == "serial" else WORKERS
    tmp = tempfile.mkdtemp(prefix="bench_transform_")
    try:
        warm = make_output(deeplake, os.path.join(tmp, "warm"), args.workload)
        fn().eval(data[:64], warm, num_workers=workers, scheduler=args.scheduler, progressbar=False)
        ds = make_output(deeplake, os.path.join(tmp, "out"), args.workload)
        load = os.getloadavg()[0]
        c0 = os.times()
        t0 = time.perf_counter()
        fn().eval(data, ds, num_workers=workers, scheduler=args.scheduler, progressbar=False)
        elapsed = time.perf_counter() - t0
        c1 = os.times()
        # CPU of this process and of the worker processes it waited for (not Ray's workers)
        cpu = sum(c1[i] - c0[i] for i in range(4))
        n_out = len(ds)
        ok = n_out == len(data)
        if args.workload == "light":
            got = ds.labels[len(data) - 3 :].numpy().reshape(-1)
            ok = ok and got.tolist() == [x * 3 + 1 for x in data[-3:]]
        else:
            ok = ok and tuple(ds.images[len(data) - 1].numpy().shape) == (128, 128, 3)
    finally:
        shutil.rmtree(tmp, ignore_errors=True)
    print(json.dumps({"seconds": elapsed, "cpu": cpu, "load": load, "n": len(data), "ok": bool(ok)}))


# ------------------------------------------------------------------------ driver
def run_one(python: str, workload: str, scheduler: str, n: int):
    cmd = [python, __file__, "--worker", "--workload", workload, "--scheduler", scheduler, "--n", str(n)]
    env = dict(os.environ, PYTHONWARNINGS="ignore")
    try:
        res = subprocess.run(cmd, capture_output=True, text=True, timeout=3600, env=env)
    except subprocess.TimeoutExpired:
        return None
    lines = [l for l in res.stdout.strip().splitlines() if l.startswith("{")]
    if res.returncode != 0 or not lines:
        sys.stderr.write(f"  failed: {' '.join(cmd)}\n{res.stderr[-2000:]}\n")
        return None
    return json.loads(lines[-1])


def fmt(x, spec="{:.2f}"):
    return "n/a" if x is None else spec.format(x)


def main() -> None:
    p = argparse.ArgumentParser()
    p.add_argument("--worker", action="store_true")
    p.add_argument("--workload", default="heavy")
    p.add_argument("--scheduler", default="serial")
    p.add_argument("--n", type=int, default=0)
    p.add_argument("--quick", action="store_true")
    p.add_argument("--only", choices=["heavy", "light"])
    p.add_argument("--libs", default="ours,ref")
    p.add_argument("--heavy-n", type=int, default=10_000)
    p.add_argument("--light-n", type=int, default=1_000_000)
    p.add_argument("--ref-light-n", type=int, default=0,
                   help="light-workload size for the reference (default: same as ours)")
    p.add_argument("--json")
    args = p.parse_args()
    if args.worker:
        worker(args)
        return
    heavy_n = args.heavy_n // (10 if args.quick else 1)
    light_n = args.light_n // (10 if args.quick else 1)
    ref_light_n = args.ref_light_n or light_n
    jpeg_dir(heavy_n)
    pythons = {"ours": sys.executable,
               "ref": os.environ.get("DEEPLAKE_REFERENCE_PYTHON", REF_DEFAULT)}
    libs = [l for l in args.libs.split(",") if l in pythons and Path(pythons[l]).exists()]
    workloads = [args.only] if args.only else ["heavy", "light"]
    results = {}
    for wl in workloads:
        for lib in libs:
            for sch in SCHEDULERS:
                if lib == "ref" and sch == "ray":
                    results[(wl, lib, sch)] = None  # the reference venv has no Ray
                    continue
                n = heavy_n if wl == "heavy" else (ref_light_n if lib == "ref" else light_n)
                sys.stderr.write(f"{wl} {lib} {sch} n={n} ...\n")
                results[(wl, lib, sch)] = run_one(pythons[lib], wl, sch, n)
                r = results[(wl, lib, sch)]
                sys.stderr.write(f"  {fmt(r and r['seconds'])} s cpu={fmt(r and r['cpu'])} "
                                 f"load={fmt(r and r['load'])} ok={r and r['ok']}\n")
    print(f"# Transform benchmark ({os.cpu_count()} cores, {WORKERS} workers)\n")
    for wl in workloads:
        title = (f"heavy: JPEG decode + resize 128x128 + JPEG encode, {heavy_n} files" if wl == "heavy"
                 else f"light: labels.append(x*3+1), {light_n} samples (reference: {ref_light_n})")
        print(f"## {title}\n")
        print("| scheduler | ours s | ours cpu s | ours samples/s | ours us/sample | ref s | ref cpu s | "
              "ref samples/s | ref us/sample | ref/ours per sample | load avg (ours, ref) |")
        print("|---|---|---|---|---|---|---|---|---|---|---|")
        for sch in SCHEDULERS:
            o, r = results.get((wl, "ours", sch)), results.get((wl, "ref", sch))
            o_us = o and 1e6 * o["seconds"] / o["n"]
            r_us = r and 1e6 * r["seconds"] / r["n"]
            print(f"| {sch} | {fmt(o and o['seconds'])} | {fmt(o and o['cpu'])} | "
                  f"{fmt(o and o['n'] / o['seconds'], '{:,.0f}')} | {fmt(o_us)} | {fmt(r and r['seconds'])} | "
                  f"{fmt(r and r['cpu'])} | {fmt(r and r['n'] / r['seconds'], '{:,.0f}')} | "
                  f"{fmt(r_us)} | {fmt(r_us / o_us if o_us and r_us else None)} | "
                  f"{fmt(o and o['load'], '{:.1f}')}, {fmt(r and r['load'], '{:.1f}')} |")
        serial = results.get((wl, "ours", "serial"))
        if serial:
            for sch in ("threaded", "processed", "ray"):
                x = results.get((wl, "ours", sch))
                if x:
                    print(f"\nours {sch} speed-up over serial: {serial['seconds'] / x['seconds']:.2f}x", end="")
            print("\n")
        if wl == "heavy":
            pr, th = results.get((wl, "ours", "processed")), results.get((wl, "ours", "threaded"))
            if pr and th:
                print(f"goal processed >= {GOAL_PARALLEL_SPEEDUP}x serial and not slower than threaded: "
                      f"processed/threaded time = {pr['seconds'] / th['seconds']:.2f}\n")
    if args.json:
        Path(args.json).write_text(json.dumps({"|".join(k): v for k, v in results.items()}, indent=1))


if __name__ == "__main__":
    main()
