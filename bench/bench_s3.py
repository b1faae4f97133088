#!/usr/bin/env python3
"""s3:// throughput: this deeplake against the reference deeplake 3.8.22 over moto on loopback.

One moto S3 server (ThreadedMotoServer, in this process, 127.0.0.1) serves both
libraries. For each library, in fresh child processes (this file in ``--worker``
mode): write ~100 MB of 64x64x3 uint8 images (extend + flush), read them all
back with ``numpy()`` from a fresh load, and do 1,000 random single-sample
reads from another fresh load. Caches are in memory only (no local disk cache).
moto is pure Python and shares the 2 cores, so figures measure the client's
request pattern as much as the network path.

    .venv/bin/python bench/bench_s3.py            # about 100 MB (a few minutes)
    .venv/bin/python bench/bench_s3.py --quick    # 10 MB smoke run

The reference runs under DEEPLAKE_REFERENCE_PYTHON (default /work/refvenv/venv/bin/python).
"""
import argparse
import json
import os
import subprocess
import sys
import time
import uuid
from pathlib import Path

import numpy as np

BENCH_DIR = Path(__file__).resolve().parent
REPO = BENCH_DIR.parent
SHAPE = (64, 64, 3)
SAMPLE_BYTES = int(np.prod(SHAPE))
RANDOM_READS = 1000
WORKER_TIMEOUT_S = 1200


def reference_python():
    env = os.environ.get("DEEPLAKE_REFERENCE_PYTHON")
    for cand in (env, str(REPO / ".refvenv" / "bin" / "python"), "/work/refvenv/venv/bin/python"):
        if cand and os.path.exists(cand):
            return cand
    return None


# --------------------------------------------------------------------------- worker side

def images(n):
    rng = np.random.default_rng(7)
    return rng.integers(0, 256, size=(n,) + SHAPE, dtype=np.uint8)


def worker(phase, creds, path, n):
    import deeplake

    if phase == "write":
        data = images(n)
        t = time.perf_counter()
        ds = deeplake.empty(path, creds=creds, overwrite=True, verbose=False)
        with ds:
            ds.create_tensor("images", dtype="uint8")
            step = 1000
            for i in range(0, n, step):
                ds.images.extend(data[i:i + step])
        ds.flush()
        return {"seconds": time.perf_counter() - t}
    ds = deeplake.load(path, creds=creds, read_only=True, verbose=False)
    if phase == "read_full":
        t = time.perf_counter()
        arr = ds.images.numpy()
        secs = time.perf_counter() - t
        assert arr.shape == (n,) + SHAPE
        assert np.array_equal(arr[-1], images(n)[-1])
        return {"seconds": secs}
    if phase == "read_random":
        idx = np.random.default_rng(3).integers(0, n, RANDOM_READS)
        t = time.perf_counter()
        for i in idx:
            ds.images[int(i)].numpy()
        return {"seconds": time.perf_counter() - t}
    raise ValueError(phase)


def run_worker(python, phase, creds, path, n):
    env = dict(os.environ, DEEPLAKE_DISABLE_VERSION_CHECK="1", BUGGER_OFF="true", PYTHONWARNINGS="ignore")
    proc = subprocess.run([python, __file__, "--worker", phase, json.dumps(creds), path, str(n)],
                          capture_output=True, text=True, env=env, timeout=WORKER_TIMEOUT_S)
    if proc.returncode:
        raise RuntimeError(f"{phase} failed under {python}:\n{proc.stderr[-2000:]}")
    line = [l for l in proc.stdout.splitlines() if l.startswith("RESULT")][-1]
    return json.loads(line[6:])


# --------------------------------------------------------------------------- driver

def main():
    parser = argparse.ArgumentParser()
    parser.add_argument("--quick", action="store_true")
    parser.add_argument("--worker", nargs=4, metavar=("PHASE", "CREDS", "PATH", "N"))
    args = parser.parse_args()
    if args.worker:
        phase, creds, path, n = args.worker
        print("RESULT" + json.dumps(worker(phase, json.loads(creds), path, int(n))))
        return

    sys.path.insert(0, str(REPO / "tests" / "storage"))
    from s3_moto_helpers import BUCKET, start_moto_server

    total_mb = 10 if args.quick else 100
    n = total_mb * 10**6 // SAMPLE_BYTES
    mb = n * SAMPLE_BYTES / 1e6
    _server, creds = start_moto_server()
    libs = {"ours": sys.executable}
    ref = reference_python()
    if ref:
        libs["reference"] = ref
    else:
        print("(no reference interpreter: ours only)")
    print(f"S3 via moto on loopback: {n} x {SHAPE} uint8 = {mb:.1f} MB, {RANDOM_READS} random reads")
    results = {}
    for name, python in libs.items():
        path = f"s3://{BUCKET}/bench-{name}-{uuid.uuid4().hex[:8]}"
        w = run_worker(python, "write", creds, path, n)["seconds"]
        f = run_worker(python, "read_full", creds, path, n)["seconds"]
        r = run_worker(python, "read_random", creds, path, n)["seconds"]
        results[name] = dict(write_mbps=mb / w, read_mbps=mb / f, random_us=r / RANDOM_READS * 1e6)
        res = results[name]
        print(f"  {name:<10} write {res['write_mbps']:8.1f} MB/s   full read {res['read_mbps']:8.1f} MB/s"
              f"   random read {res['random_us']:9.0f} us/read")
    if "reference" in results:
        o, rf = results["ours"], results["reference"]
        print(f"  ratio ours/ref: write x{o['write_mbps'] / rf['write_mbps']:.2f}, "
              f"full read x{o['read_mbps'] / rf['read_mbps']:.2f}, "
              f"random read x{rf['random_us'] / o['random_us']:.2f} faster")


if __name__ == "__main__":
    main()
