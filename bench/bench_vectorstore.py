#!/usr/bin/env python3
"""VectorStore benchmark: this deeplake against the reference deeplake 3.8.22.

Workload: 100,000 rows of 384-d float32 embeddings with text and json
metadata added to a local store in one ``add`` call (rows/s), then k=10
searches with the cosine and L2 metrics (queries/s): ours with
exec_option "python" (numpy over the cached embedding column) and
"compute_engine" (TQL through deeplake.query), the reference with "python"
(its compute engine is closed source and needs the vendor's library).
The first search of each run (which reads the embedding column) is timed
apart. Every search's result ids are compared across the runs.

Each side runs in a child process executing this file in ``--worker`` mode
(only numpy and the standard library at import). The reference's DeepMemory
client calls the vendor's server on construction, so the worker stubs it.

    .venv/bin/python bench/bench_vectorstore.py            # full run (a few minutes, 2 cores)
    .venv/bin/python bench/bench_vectorstore.py --quick    # 10x smaller
    DEEPLAKE_REFERENCE_PYTHON=/path/to/python ...          # reference interpreter
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

REFERENCE_PYTHON = os.environ.get("DEEPLAKE_REFERENCE_PYTHON", "/work/refvenv/venv/bin/python")
REPO = Path(__file__).resolve().parent.parent
DIM = 384
K = 10
WORKER_TIMEOUT_S = 1800


def worker(args) -> dict:
    if args.side == "ref":
        os.environ["BUGGER_OFF"] = "true"
        import deeplake.core.vectorstore.deeplake_vectorstore as module

        module.DeepMemory = lambda *a, **k: None
    from deeplake import VectorStore

    data = np.load(args.data)
    emb, queries = data["embedding"], data["queries"]
    n = len(emb)
    texts = [f"text number {i} " * 5 for i in range(n)]
    metadata = [{"source": f"s{i % 10}", "i": i} for i in range(n)]
    ids = [f"id{i}" for i in range(n)]
    path = os.path.join(args.tmp, f"store_{args.side}")
    vs = VectorStore(path, verbose=False, overwrite=True)
    start = time.perf_counter()
    vs.add(text=texts, metadata=metadata, embedding=emb, id=ids)
    add_s = time.perf_counter() - start
    out = {"add_s": add_s, "rows": n, "search": {}}
    for option in args.options.split(","):
        for metric in ("COS", "L2"):
            start = time.perf_counter()
            first = vs.search(embedding=queries[0], k=K, distance_metric=metric, exec_option=option)
            first_s = time.perf_counter() - start
            results = [first["id"]]
            start = time.perf_counter()
            for q in queries[1:args.queries + 1]:
                results.append(vs.search(embedding=q, k=K, distance_metric=metric, exec_option=option)["id"])
            loop_s = time.perf_counter() - start
            out["search"][f"{option}/{metric}"] = {"first_s": first_s, "loop_s": loop_s,
                                                   "count": len(results) - 1, "ids": results}
    return out


def run_side(python, side, options, data, tmp, queries, env=None):
    cmd = [python, __file__, "--worker", "--side", side, "--options", options, "--data", str(data),
           "--tmp", tmp, "--queries", str(queries)]
    proc = subprocess.run(cmd, capture_output=True, text=True, timeout=WORKER_TIMEOUT_S, env=env,
                          cwd=tempfile.gettempdir())
    lines = [ln for ln in proc.stdout.splitlines() if ln.startswith("RESULT:")]
    if proc.returncode != 0 or not lines:
        print(f"[{side}] failed:\n{proc.stderr[-2000:]}", file=sys.stderr)
        return None
    return json.loads(lines[-1][7:])


def main():
    parser = argparse.ArgumentParser()
    parser.add_argument("--worker", action="store_true")
    parser.add_argument("--side", default="ours")
    parser.add_argument("--options", default="python")
    parser.add_argument("--data")
    parser.add_argument("--tmp")
    parser.add_argument("--queries", type=int, default=100)
    parser.add_argument("--ref-queries", type=int, default=20,
                        help="searches timed on the reference (each one re-reads the whole embedding tensor)")
    parser.add_argument("--quick", action="store_true")
    parser.add_argument("--no-reference", action="store_true")
    args = parser.parse_args()
    if args.worker:
        print("RESULT:" + json.dumps(worker(args)))
        return

    n = 10_000 if args.quick else 100_000
    tmp = tempfile.mkdtemp(prefix="bench_vs_")
    try:
        rng = np.random.default_rng(0)
        data = Path(tmp) / "data.npz"
        np.savez(data, embedding=rng.standard_normal((n, DIM)).astype(np.float32),
                 queries=rng.standard_normal((args.queries + 1, DIM)).astype(np.float32))
        print(f"VectorStore: {n:,} x {DIM} float32 embeddings + text + json metadata, k={K}")
        env = {**os.environ, "PYTHONPATH": str(REPO / "src")}
        ours = run_side(sys.executable, "ours", "python,compute_engine", data, tmp, args.queries, env=env)
        ref = None
        if not args.no_reference and Path(REFERENCE_PYTHON).exists():
            ref_env = {k: v for k, v in os.environ.items() if k != "PYTHONPATH"}
            ref = run_side(REFERENCE_PYTHON, "ref", "python", data, tmp, min(args.ref_queries, args.queries),
                           env=ref_env)
        report(ours, ref)
    finally:
        shutil.rmtree(tmp, ignore_errors=True)


def report(ours, ref):
    if ours is None:
        print("our run failed")
        return
    ours_add = ours["rows"] / ours["add_s"]
    line = f"  add            ours {ours_add:12,.0f} rows/s"
    if ref:
        ref_add = ref["rows"] / ref["add_s"]
        line += f"   reference {ref_add:10,.0f} rows/s   ratio {ours_add / ref_add:6.1f}x"
    print(line)
    for metric in ("COS", "L2"):
        ref_entry = ref["search"].get(f"python/{metric}") if ref else None
        ref_qps = ref_entry["count"] / ref_entry["loop_s"] if ref_entry else None
        for option in ("python", "compute_engine"):
            e = ours["search"][f"{option}/{metric}"]
            qps = e["count"] / e["loop_s"]
            line = (f"  search {metric:3s}     ours/{option:14s} {qps:9,.1f} q/s "
                    f"(first search {e['first_s'] * 1000:7.1f} ms)")
            if ref_qps:
                line += f"   reference/python {ref_qps:7.2f} q/s   ratio {qps / ref_qps:7.1f}x"
            print(line)
        py, ce = ours["search"][f"python/{metric}"]["ids"], ours["search"][f"compute_engine/{metric}"]["ids"]
        agree = py == ce
        if ref_entry:
            agree = agree and py[: len(ref_entry["ids"])] == ref_entry["ids"]
        print(f"  search {metric:3s}     results identical across runs: {'yes' if agree else 'NO'}")


if __name__ == "__main__":
    main()
