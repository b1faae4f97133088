#!/usr/bin/env python3
"""TQL benchmark: ds.query against numpy, DuckDB and the reference's ds.filter.

Data: N rows (default 1M) with class_label ``labels``, a 4-float ``bbox`` per row,
a json ``attrs`` ({"id", "source"}) and a text ``tags`` ("x y", "y z", ...); plus
E rows (default 100k) of 384-d float32 ``embedding`` in a second dataset. Both
are written to a temporary local directory and deleted afterwards.

For each query we report rows/s (rows scanned per second) for:
  cached   ds.query(q) end to end (returns the view) after one warm-up run,
           best of REPEAT, interleaved run by run with the numpy expression;
           decoded columns (and what queries derive from them: json key
           values, embedding row norms, parsed query texts) are cached
  cold     the first ds.query(q) on a freshly opened dataset with every
           in-process cache empty, parsing included (the OS page cache stays warm)
  numpy    the same predicate over in-memory numpy arrays / Python lists
  duckdb   the same predicate in DuckDB over a table of the same values
           (skipped when duckdb is not importable)
and the reference deeplake 3.8.22 ``ds.filter("labels == 3")`` on 10k rows,
run in a subprocess with DEEPLAKE_REFERENCE_PYTHON (default
/work/refvenv/venv/bin/python).

    python bench/bench_query.py            # full run (~2-4 minutes)
    python bench/bench_query.py --quick    # 10x smaller smoke run
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
sys.path.insert(0, str(REPO / "src"))

import deeplake  # noqa: E402
from deeplake.query.dataset_source import clear_column_cache  # noqa: E402

REFERENCE_PYTHON = os.environ.get("DEEPLAKE_REFERENCE_PYTHON", "/work/refvenv/venv/bin/python")
GOAL_VS_NUMPY = 2.0
GOAL_VS_REFERENCE = 100.0
GOAL_TOPK_VS_NUMPY = 1.5
TAG_WORDS = ["x", "y", "z", "w"]


# ------------------------------------------------------------------ data
def make_values(n, e, seed=0):
    rng = np.random.default_rng(seed)
    labels = rng.integers(0, 10, n).astype(np.uint32)
    bbox = rng.random((n, 4)).astype(np.float32)
    ids = rng.integers(0, 1000, n)
    sources = np.array(["web", "cam", "scan"])[rng.integers(0, 3, n)]
    attrs = [{"id": int(i), "source": str(s)} for i, s in zip(ids.tolist(), sources.tolist())]
    first = rng.integers(0, 4, n)
    second = (first + rng.integers(1, 4, n)) % 4
    tags = [f"{TAG_WORDS[a]} {TAG_WORDS[b]}" for a, b in zip(first.tolist(), second.tolist())]
    emb = rng.standard_normal((e, 384)).astype(np.float32)
    query_vec = rng.standard_normal(384).astype(np.float32)
    return dict(labels=labels, bbox=bbox, attrs=attrs, sources=sources, tags=np.array(tags),
                emb=emb, q=query_vec)


def build(root, values):
    t0 = time.perf_counter()
    ds = deeplake.empty(str(root / "rows"), overwrite=True)
    with ds:
        ds.create_tensor("labels", htype="class_label", class_names=[f"c{i}" for i in range(10)])
        ds.create_tensor("bbox", htype="bbox", dtype="float32")
        ds.create_tensor("attrs", htype="json")
        ds.create_tensor("tags", htype="text")
        ds.labels.extend(values["labels"])
        ds.bbox.extend(values["bbox"])
        ds.attrs.extend(values["attrs"])
        ds.tags.extend(values["tags"].tolist())
    es = deeplake.empty(str(root / "emb"), overwrite=True)
    with es:
        es.create_tensor("embedding", htype="embedding", dtype="float32")
        es.embedding.extend(values["emb"])
    return time.perf_counter() - t0


def queries(values):
    labels, bbox, tags, emb, q = values["labels"], values["bbox"], values["tags"], values["emb"], values["q"]
    attrs = values["attrs"]
    arr = "ARRAY[" + ", ".join(repr(float(v)) for v in q) + "]"

    def topk_numpy():
        scores = emb @ q
        top = np.argpartition(-scores, 10)[:10]
        return top[np.argsort(-scores[top])]

    return [
        dict(name="labels == 3", ds="rows", tql="labels == 3",
             numpy=lambda: np.flatnonzero(labels == 3),
             sql="SELECT i FROM rows_t WHERE labels = 3"),
        dict(name="labels IN ARRAY[1,3,5] AND bbox[2] > 0.5", ds="rows",
             tql="labels IN ARRAY[1,3,5] AND bbox[2] > 0.5",
             numpy=lambda: np.flatnonzero(np.isin(labels, [1, 3, 5]) & (bbox[:, 2] > 0.5)),
             sql="SELECT i FROM rows_t WHERE labels IN (1, 3, 5) AND b2 > 0.5"),
        dict(name="CONTAINS(tags, 'x')", ds="rows", tql="CONTAINS(tags, 'x')",
             numpy=lambda: np.flatnonzero(np.char.find(tags, "x") >= 0),
             sql="SELECT i FROM rows_t WHERE contains(tags, 'x')"),
        dict(name="attrs['source'] == 'cam'", ds="rows", tql="attrs['source'] == 'cam'",
             numpy=lambda: [i for i, a in enumerate(attrs) if a.get("source") == "cam"],
             sql="SELECT i FROM rows_t WHERE attrs->>'source' = 'cam'"),
        dict(name="ORDER BY COSINE_SIMILARITY(embedding, q) DESC LIMIT 10", ds="emb",
             tql=f"select * order by COSINE_SIMILARITY(embedding, {arr}) DESC LIMIT 10",
             numpy=topk_numpy,
             sql="SELECT i FROM emb_t ORDER BY array_cosine_similarity(e, $q::FLOAT[384]) DESC LIMIT 10"),
    ]


# --------------------------------------------------------------- timing
def best_of(fn, repeat):
    best = float("inf")
    out = None
    for _ in range(repeat):
        t = time.perf_counter()
        out = fn()
        best = min(best, time.perf_counter() - t)
    return best, out


def run_ours(root, qs, repeat, sizes):
    """Ours cold, then ours cached and numpy interleaved run by run (best of
    ``repeat`` each), so a busy machine slows both sides alike."""
    datasets = {"rows": deeplake.load(str(root / "rows"), read_only=True),
                "emb": deeplake.load(str(root / "emb"), read_only=True)}
    results, nump = {}, {}
    for q in qs:
        clear_column_cache()
        compiled_cache_clear()
        cold_ds = deeplake.load(str(root / q["ds"]), read_only=True)  # fresh engines: nothing decoded
        t = time.perf_counter()
        cold_ds.query(q["tql"])
        cold = time.perf_counter() - t
        ds = datasets[q["ds"]]
        ds.query(q["tql"])  # warm-up: fills the caches
        q["numpy"]()
        cached = numpy_s = float("inf")
        view = res = None
        for _ in range(repeat):
            took, view = best_of(lambda: ds.query(q["tql"]), 1)
            cached = min(cached, took)
            took, res = best_of(q["numpy"], 1)
            numpy_s = min(numpy_s, took)
        results[q["name"]] = dict(cold=cold, cached=cached, n=len(ds), matches=len(view),
                                  first=[int(i) for i in view.sample_indices[:10]])
        nump[q["name"]] = dict(seconds=numpy_s, matches=len(res), n=sizes[q["ds"]],
                               first=[int(i) for i in list(res)[:10]])
    return results, nump


def compiled_cache_clear():
    from deeplake.query import engine

    with engine._compiled_lock:
        engine._compiled.clear()


def run_duckdb(values, qs, repeat, sizes):
    try:
        import duckdb
    except ImportError:
        return None
    con = duckdb.connect()
    n = len(values["labels"])
    rows_src = {  # noqa: F841 - read by DuckDB's replacement scan
        "i": np.arange(n, dtype=np.int64), "labels": values["labels"],
        "b2": values["bbox"][:, 2].copy(), "tags": values["tags"],
        "attrs": np.array([json.dumps(a) for a in values["attrs"]]),
    }
    con.execute("CREATE TABLE rows_t AS SELECT i, labels, b2, tags, attrs::JSON AS attrs FROM rows_src")
    emb = values["emb"]
    e, d = emb.shape
    flat_src = {"r": np.repeat(np.arange(e, dtype=np.int64), d), "k": np.tile(np.arange(d, dtype=np.int32), e),  # noqa: F841
                "v": emb.reshape(-1)}
    con.execute(f"CREATE TABLE emb_t AS SELECT r AS i, list(v ORDER BY k)::FLOAT[{d}] AS e FROM flat_src GROUP BY r")
    out = {}
    params = {"q": values["q"].tolist()}
    for q in qs:
        sql = q["sql"]
        args = params if "$q" in sql else None

        def run():
            return con.execute(sql, args).fetchnumpy()["i"] if args else con.execute(sql).fetchnumpy()["i"]

        try:
            run()
            took, res = best_of(run, repeat)
            out[q["name"]] = dict(seconds=took, matches=len(res), n=sizes[q["ds"]])
        except Exception as exc:  # an unsupported function in this DuckDB version
            out[q["name"]] = dict(error=f"{type(exc).__name__}: {exc}"[:120])
    return dict(version=duckdb.__version__, results=out)


REFERENCE_SCRIPT = r"""
import json, sys, tempfile, time, warnings
import numpy as np
warnings.simplefilter("ignore")
import deeplake
n = int(sys.argv[1])
root = tempfile.mkdtemp()
ds = deeplake.empty(root + "/ds", overwrite=True, verbose=False)
ds.create_tensor("labels", htype="class_label")
ds.labels.extend(np.random.default_rng(0).integers(0, 10, n).astype(np.uint32))
t = time.perf_counter()
view = ds.filter("labels == 3", progressbar=False)
took = time.perf_counter() - t
print(json.dumps({"n": n, "seconds": took, "matches": len(view), "version": deeplake.__version__}))
"""


def run_reference(n):
    if not Path(REFERENCE_PYTHON).exists():
        return None
    env = dict(os.environ, BUGGER_OFF="true")
    try:
        proc = subprocess.run([REFERENCE_PYTHON, "-c", REFERENCE_SCRIPT, str(n)], capture_output=True,
                              text=True, timeout=600, env=env)
    except subprocess.TimeoutExpired:
        return None
    lines = [ln for ln in proc.stdout.splitlines() if ln.startswith("{")]
    return json.loads(lines[-1]) if lines else None


# ---------------------------------------------------------------- report
def rate(n, seconds):
    return n / seconds if seconds > 0 else float("inf")


def fmt_rate(r):
    if r is None:
        return "n/a"
    for unit, div in (("G", 1e9), ("M", 1e6), ("k", 1e3)):
        if r >= div:
            return f"{r / div:.1f}{unit}"
    return f"{r:.0f}"


def report(args, sizes, build_s, ours, nump, duck, ref):
    lines = [
        "## Query (TQL)",
        "",
        f"`python bench/bench_query.py{' --quick' if args.quick else ''}` on {os.cpu_count()} cores, "
        f"{time.strftime('%Y-%m-%d')}. {sizes['rows']:,} rows (class_label labels, 4-float bbox, json, text); "
        f"{sizes['emb']:,} x 384 float32 embeddings; local disk, dataset build {build_s:.0f} s. "
        "Rows/s = rows scanned per second (higher is better). *cached*: `ds.query(q)` end to end "
        "(view returned) after a warm-up, best of the runs, interleaved run by run with numpy; *cold*: first "
        "query on a freshly opened dataset with empty in-process caches, parsing included (OS page cache warm).",
        "",
        "| query | ours cached | ours cold | numpy (in memory) | duckdb | ours cached / numpy time |",
        "|---|---|---|---|---|---|",
    ]
    checks = []
    for name, o in ours.items():
        npy = nump[name]
        d = duck["results"].get(name) if duck else None
        duck_cell = "n/a" if d is None else (d.get("error", "error") if "seconds" not in d
                                             else fmt_rate(rate(d["n"], d["seconds"])))
        ratio = o["cached"] / npy["seconds"]
        lines.append(
            f"| `{name}` | {fmt_rate(rate(o['n'], o['cached']))} ({o['cached'] * 1e3:.1f} ms) | "
            f"{fmt_rate(rate(o['n'], o['cold']))} ({o['cold'] * 1e3:.0f} ms) | "
            f"{fmt_rate(rate(npy['n'], npy['seconds']))} ({npy['seconds'] * 1e3:.1f} ms) | {duck_cell} | "
            f"{ratio:.2f}x |"
        )
        agree = o["matches"] == npy["matches"]
        if not agree:
            checks.append(f"MISMATCH: `{name}` ours {o['matches']} rows, numpy {npy['matches']}")
        goal = GOAL_TOPK_VS_NUMPY if "COSINE" in name else GOAL_VS_NUMPY
        checks.append(f"- `{name}`: cached {ratio:.2f}x numpy (goal <= {goal}x): "
                      f"{'met' if ratio <= goal else 'NOT met'}")
    lines.append("")
    if duck:
        lines.append(f"DuckDB {duck['version']}, tables built in memory from the same values "
                     "(json as a JSON column, embeddings as FLOAT[384]).")
    if ref:
        ref_rate = rate(ref["n"], ref["seconds"])
        ours_rate = rate(ours["labels == 3"]["n"], ours["labels == 3"]["cached"])
        cold_rate = rate(ours["labels == 3"]["n"], ours["labels == 3"]["cold"])
        lines.append(
            f"Reference deeplake {ref.get('version', '3.8.22')} `ds.filter(\"labels == 3\")` on {ref['n']:,} rows: "
            f"{ref['seconds']:.2f} s = {fmt_rate(ref_rate)} rows/s. Ours: {ours_rate / ref_rate:,.0f}x cached, "
            f"{cold_rate / ref_rate:,.0f}x cold."
        )
        checks.append(f"- ours vs reference string filter: {ours_rate / ref_rate:,.0f}x (goal >= "
                      f"{GOAL_VS_REFERENCE:.0f}x): {'met' if ours_rate / ref_rate >= GOAL_VS_REFERENCE else 'NOT met'}")
    else:
        lines.append("Reference deeplake not available: its column is skipped.")
    lines += ["", "Goals:", *checks, ""]
    return "\n".join(lines)


def write_report(text, out):
    bench_md = REPO / "BENCHMARKS.md"
    if out:
        target = Path(out)
        target.write_text(text + "\n")
        return target
    if bench_md.exists():
        content = bench_md.read_text()
        start = content.find("## Query (TQL)")
        if start >= 0:  # replace our previous section
            end = content.find("\n## ", start + 1)
            content = content[:start] + text + ("\n" + content[end + 1:] if end >= 0 else "\n")
        else:
            content = content.rstrip("\n") + "\n\n" + text + "\n"
        bench_md.write_text(content)
        return bench_md
    target = BENCH_DIR / "QUERY_RESULTS.md"
    target.write_text(text + "\n")
    return target


def main():
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--quick", action="store_true", help="10x fewer rows (smoke run)")
    parser.add_argument("--repeat", type=int, default=7)
    parser.add_argument("--no-reference", action="store_true")
    parser.add_argument("--no-duckdb", action="store_true")
    parser.add_argument("--no-write", action="store_true", help="print the report only")
    parser.add_argument("--out", help="write the report to this file instead of BENCHMARKS.md")
    args = parser.parse_args()
    scale = 10 if args.quick else 1
    sizes = {"rows": 1_000_000 // scale, "emb": 100_000 // scale}
    ref_rows = 10_000 // (5 if args.quick else 1)

    values = make_values(sizes["rows"], sizes["emb"])
    qs = queries(values)
    root = Path(tempfile.mkdtemp(prefix="bench_query_"))
    try:
        print(f"building {sizes['rows']:,} rows + {sizes['emb']:,} embeddings in {root} ...", flush=True)
        build_s = build(root, values)
        print(f"built in {build_s:.1f} s; running ours ...", flush=True)
        ours, nump = run_ours(root, qs, args.repeat, sizes)
    finally:
        shutil.rmtree(root, ignore_errors=True)
    duck = None
    if not args.no_duckdb:
        print("running duckdb ...", flush=True)
        duck = run_duckdb(values, qs, args.repeat, sizes)
    ref = None
    if not args.no_reference:
        print(f"running the reference on {ref_rows:,} rows ...", flush=True)
        ref = run_reference(ref_rows)
    text = report(args, sizes, build_s, ours, nump, duck, ref)
    print()
    print(text)
    if not args.no_write:
        print(f"written to {write_report(text, args.out)}")


if __name__ == "__main__":
    main()
