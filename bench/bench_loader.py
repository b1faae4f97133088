#!/usr/bin/env python3
"""Dataloader benchmark (issue 5): JPEG images to uint8 batches, side by side.

Workload: 10,000 synthetic 224x224 RGB JPEGs (about 13 KB each: smooth
gradients, shapes and texture, quality 80) with class labels; batch 64,
num_workers=2, one warm-up epoch then one timed epoch. Measured, each in a
fresh child process:

  ours_pytorch     this deeplake, ds.pytorch(batch_size=64, num_workers=2)
  ours_numpy       ds.dataloader().batch(64).numpy(num_workers=2)
  ours_shuffled    ds.pytorch(..., shuffle=True)
  ours_tobytes     ds.dataloader().batch(64).numpy(decode_method={'images': 'tobytes'})
  reference        deeplake 3.8.22 ds.pytorch(batch_size=64, num_workers=2) (env DEEPLAKE_REFERENCE_PYTHON
                   or /work/refvenv/venv/bin/python)
  pillow_2proc     Pillow decoding the same JPEG bytes in 2 processes (the machine's limit)
  torch_folder     a plain torch DataLoader over the JPEG files (ImageFolder-style)
  webdataset       WebDataset over tar shards of the same files, torch DataLoader, 2 workers

Peak RSS is the largest resident set of the measuring process plus its workers.

    .venv/bin/python bench/bench_loader.py            # full run (a few minutes)
    .venv/bin/python bench/bench_loader.py --n 2000   # smaller smoke run
    .venv/bin/python bench/bench_loader.py --only ours_pytorch,pillow_2proc
    .venv/bin/python bench/bench_loader.py --repeat 3   # best of 3 per phase, for a busy machine
    .venv/bin/python bench/bench_loader.py --rss        # peak RSS of a shuffled epoch, 40k vs 120k images

--rss builds two datasets of 224x224 JPEGs (the same 256 synthetic files
repeated: 40,000 and 120,000 samples, about 0.5 and 1.6 GB) that both exceed
what the loader keeps in memory, and runs one shuffled epoch of
ds.pytorch(batch_size=64, shuffle=True, num_workers=2) with the default
buffer_size (2048 MB) over each, in a fresh process. Peak RSS should not
follow the dataset's size: the loader holds the chunks whose samples are
still in the shuffle buffer, plus the prefetched batches.
"""
import argparse
import io
import json
import os
import resource
import subprocess
import sys
import tarfile
import time
from pathlib import Path

import numpy as np

BENCH_DIR = Path(__file__).resolve().parent
DATA_DIR = BENCH_DIR / "_data"
BATCH = 64
WORKERS = 2
SIDE = 224
CLASSES = 10
PHASES = ["ours_pytorch", "ours_numpy", "ours_shuffled", "ours_tobytes", "reference", "pillow_2proc",
          "torch_folder", "webdataset"]
GOAL_VS_PILLOW = 0.95
GOAL_TOBYTES = 50_000


def ref_python():
    p = os.environ.get("DEEPLAKE_REFERENCE_PYTHON") or "/work/refvenv/venv/bin/python"
    return p if Path(p).exists() else None


# --------------------------------------------------------------------- data

def synthetic_jpeg(rng, quality=80):
    """A 224x224 picture-like JPEG: low-frequency colour field, a few shapes, fine texture."""
    from PIL import Image, ImageDraw, ImageFilter

    coarse = rng.integers(0, 256, (7, 7, 3), dtype=np.uint8)
    img = Image.fromarray(coarse).resize((SIDE, SIDE), Image.BICUBIC)
    draw = ImageDraw.Draw(img)
    for _ in range(int(rng.integers(3, 7))):
        x0, y0 = rng.integers(0, SIDE - 20, 2)
        w, h = rng.integers(20, 120, 2)
        colour = tuple(int(c) for c in rng.integers(0, 256, 3))
        if rng.random() < 0.5:
            draw.ellipse([int(x0), int(y0), int(x0 + w), int(y0 + h)], fill=colour)
        else:
            draw.rectangle([int(x0), int(y0), int(x0 + w), int(y0 + h)], fill=colour)
    img = img.filter(ImageFilter.GaussianBlur(1.2))
    arr = np.asarray(img).astype(np.int16)
    arr += rng.normal(0, 13, arr.shape).astype(np.int16)  # sensor-like texture
    img = Image.fromarray(np.clip(arr, 0, 255).astype(np.uint8))
    buf = io.BytesIO()
    img.save(buf, format="JPEG", quality=quality)
    return buf.getvalue()


def make_data(n):
    """JPEG files in class folders, tar shards, and labels (made once, reused)."""
    root = DATA_DIR / f"loader_{n}"
    files_dir = root / "files"
    done = root / "done.json"
    if done.exists():
        return root
    rng = np.random.default_rng(0)
    files_dir.mkdir(parents=True, exist_ok=True)
    labels = rng.integers(0, CLASSES, n)
    paths = []
    for i in range(n):
        d = files_dir / f"class_{labels[i]}"
        d.mkdir(exist_ok=True)
        p = d / f"{i:06d}.jpg"
        p.write_bytes(synthetic_jpeg(rng))
        paths.append(str(p))
    shards = root / "shards"
    shards.mkdir(exist_ok=True)
    per = -(-n // 8)
    for s in range(8):
        with tarfile.open(shards / f"shard-{s:02d}.tar", "w") as tar:
            for i in range(s * per, min(n, (s + 1) * per)):
                for name, payload in ((f"{i:06d}.jpg", Path(paths[i]).read_bytes()),
                                      (f"{i:06d}.cls", str(int(labels[i])).encode())):
                    info = tarfile.TarInfo(name)
                    info.size = len(payload)
                    tar.addfile(info, io.BytesIO(payload))
    (root / "index.json").write_text(json.dumps({"paths": paths, "labels": labels.tolist()}))
    done.write_text("{}")
    return root


class _JpegBytes:
    """A ready-compressed sample for ``tensor.extend`` (keeps the exact file bytes)."""

    def __init__(self, data):
        self.data = data
        self.shape = (SIDE, SIDE, 3)
        self.dtype = np.dtype("uint8")
        self.compression = "jpeg"

    def compressed_bytes(self, compression):
        return self.data


def build_ours(root):
    path = root / "ours_ds"
    if (path / "done").exists():
        return path
    import deeplake

    idx = json.loads((root / "index.json").read_text())
    ds = deeplake.empty(str(path), overwrite=True)
    ds.create_tensor("images", htype="image", sample_compression="jpeg")
    ds.create_tensor("labels", htype="class_label")
    with ds:
        for lo in range(0, len(idx["paths"]), 500):
            chunk = idx["paths"][lo: lo + 500]
            ds.images.extend([_JpegBytes(Path(p).read_bytes()) for p in chunk])
        ds.labels.extend(np.asarray(idx["labels"], dtype=np.uint32))
    (path / "done").write_text("")
    return path


REF_BUILD = r"""
import json, sys, numpy as np, deeplake
root, path = sys.argv[1], sys.argv[2]
idx = json.load(open(root + '/index.json'))
ds = deeplake.empty(path, overwrite=True)
ds.create_tensor('images', htype='image', sample_compression='jpeg')
ds.create_tensor('labels', htype='class_label')
with ds:
    ds.images.extend([deeplake.read(p) for p in idx['paths']], progressbar=False)
    ds.labels.extend(np.asarray(idx['labels'], dtype=np.uint32))
open(path + '/done', 'w').write('')
"""


def build_reference(root):
    path = root / "ref_ds"
    if not (path / "done").exists():
        subprocess.run([ref_python(), "-c", REF_BUILD, str(root), str(path)], check=True,
                       env={**os.environ, "BUGGER_OFF": "true", "DEEPLAKE_DOWNLOAD_PATH": str(root)})
    return path


# ------------------------------------------------------------------ phases

def peak_rss_mb():
    """This process's peak RSS plus its largest child's, in MB.

    ru_maxrss survives execve, so a phase process would inherit the peak of
    the benchmark process that built the data; the kernel's VmHWM does not.
    """
    own = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss
    try:
        with open("/proc/self/status") as f:
            own = next(int(line.split()[1]) for line in f if line.startswith("VmHWM:"))
    except (OSError, StopIteration, ValueError):
        pass
    kids = resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss
    return (own + kids) / 1024


def run_epochs(make_iter, count_fn):
    """One warm-up epoch, then one timed epoch: (samples, seconds)."""
    for b in make_iter():
        pass
    t0 = time.perf_counter()
    n = 0
    for b in make_iter():
        n += count_fn(b)
    return n, time.perf_counter() - t0


def phase_ours(root, kind):
    import deeplake

    ds = deeplake.load(str(root / "ours_ds"), read_only=True)
    if kind == "ours_pytorch":
        loader = ds.pytorch(batch_size=BATCH, num_workers=WORKERS, tensors=["images", "labels"])
        return run_epochs(lambda: loader, lambda b: len(b["labels"]))
    if kind == "ours_shuffled":
        loader = ds.pytorch(batch_size=BATCH, num_workers=WORKERS, tensors=["images", "labels"], shuffle=True,
                            buffer_size=256)
        return run_epochs(lambda: loader, lambda b: len(b["labels"]))
    if kind == "ours_numpy":
        loader = ds.dataloader().batch(BATCH).numpy(num_workers=WORKERS, tensors=["images", "labels"])
        return run_epochs(lambda: loader, lambda b: len(b["labels"]))
    loader = ds.dataloader().batch(BATCH).numpy(num_workers=WORKERS, tensors=["images", "labels"],
                                                decode_method={"images": "tobytes"})
    return run_epochs(lambda: loader, lambda b: len(b["labels"]))


REF_PHASE = r"""
import json, sys, time, resource, deeplake
path, batch, workers = sys.argv[1], int(sys.argv[2]), int(sys.argv[3])
ds = deeplake.load(path, read_only=True, verbose=False)
loader = ds.pytorch(batch_size=batch, num_workers=workers, tensors=['images', 'labels'])
for b in loader: pass
t0 = time.perf_counter(); n = 0
for b in loader: n += len(b['labels'])
dt = time.perf_counter() - t0
rss = (resource.getrusage(resource.RUSAGE_SELF).ru_maxrss + resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss) / 1024
print(json.dumps({'n': n, 'seconds': dt, 'peak_rss_mb': rss}))
"""


def _pillow_decode(blobs):
    from PIL import Image

    out = 0
    for b in blobs:
        out += np.asarray(Image.open(io.BytesIO(b)).convert("RGB")).shape[0]
    return len(blobs)


def phase_pillow(root):
    import multiprocessing as mp

    idx = json.loads((root / "index.json").read_text())
    blobs = [Path(p).read_bytes() for p in idx["paths"]]
    parts = [blobs[i::WORKERS] for i in range(WORKERS)]
    with mp.get_context("fork").Pool(WORKERS) as pool:
        pool.map(_pillow_decode, parts)  # warm-up
        t0 = time.perf_counter()
        n = sum(pool.map(_pillow_decode, parts))
        return n, time.perf_counter() - t0


class _FolderDataset:
    def __init__(self, paths, labels):
        self.paths, self.labels = paths, labels

    def __len__(self):
        return len(self.paths)

    def __getitem__(self, i):
        import torch
        from PIL import Image

        img = np.asarray(Image.open(self.paths[i]).convert("RGB"))
        return torch.from_numpy(img.copy()), int(self.labels[i])


def phase_torch_folder(root):
    import torch.utils.data as tud

    idx = json.loads((root / "index.json").read_text())
    loader = tud.DataLoader(_FolderDataset(idx["paths"], idx["labels"]), batch_size=BATCH, num_workers=WORKERS)
    return run_epochs(lambda: loader, lambda b: len(b[1]))


def phase_webdataset(root):
    import torch.utils.data as tud
    import webdataset as wds

    shards = sorted(str(p) for p in (root / "shards").glob("*.tar"))
    dataset = wds.WebDataset(shards, shardshuffle=False, empty_check=False).decode("rgb8").to_tuple("jpg", "cls") \
        .batched(BATCH)
    loader = tud.DataLoader(dataset, batch_size=None, num_workers=WORKERS)
    return run_epochs(lambda: loader, lambda b: len(b[1]))


def worker(phase, root):
    root = Path(root)
    if phase.startswith("ours"):
        n, dt = phase_ours(root, phase)
    elif phase == "pillow_2proc":
        n, dt = phase_pillow(root)
    elif phase == "torch_folder":
        n, dt = phase_torch_folder(root)
    elif phase == "webdataset":
        n, dt = phase_webdataset(root)
    else:
        raise SystemExit(f"unknown phase {phase}")
    print(json.dumps({"n": n, "seconds": dt, "peak_rss_mb": peak_rss_mb()}))


def run_phase(phase, root):
    if phase == "reference":
        py = ref_python()
        if py is None:
            return None
        build_reference(root)
        cmd = [py, "-c", REF_PHASE, str(root / "ref_ds"), str(BATCH), str(WORKERS)]
    else:
        cmd = [sys.executable, __file__, "--worker", phase, "--root", str(root)]
    out = subprocess.run(cmd, capture_output=True, text=True, env={**os.environ, "BUGGER_OFF": "true"})
    if out.returncode != 0:
        print(f"[{phase}] failed:\n{out.stderr[-3000:]}", file=sys.stderr)
        return None
    return json.loads(out.stdout.strip().splitlines()[-1])


RSS_SIZES = (40_000, 120_000)
RSS_DISTINCT = 256


def build_rss_dataset(n):
    """n JPEG samples (RSS_DISTINCT distinct files, repeated) in a local dataset, made once."""
    path = DATA_DIR / f"loader_rss_{n}"
    if (path / "done").exists():
        return path
    import deeplake

    rng = np.random.default_rng(1)
    blobs = [synthetic_jpeg(rng) for _ in range(RSS_DISTINCT)]
    ds = deeplake.empty(str(path), overwrite=True)
    ds.create_tensor("images", htype="image", sample_compression="jpeg")
    ds.create_tensor("labels", htype="class_label")
    with ds:
        for lo in range(0, n, 2000):
            ds.images.extend([_JpegBytes(blobs[i % RSS_DISTINCT]) for i in range(lo, min(n, lo + 2000))])
        ds.labels.extend((np.arange(n) % CLASSES).astype(np.uint32))
    (path / "done").write_text("")
    return path


def rss_worker(path):
    import deeplake

    ds = deeplake.load(str(path), read_only=True)
    loader = ds.pytorch(batch_size=BATCH, num_workers=WORKERS, tensors=["images", "labels"], shuffle=True)
    before = peak_rss_mb()
    t0 = time.perf_counter()
    n = 0
    for b in loader:
        n += len(b["labels"])
    dt = time.perf_counter() - t0
    sources = loader.dataset.plan.reader.sources.values()
    cache_peak = sum(s.cache.peak for s in sources) / 1e6
    print(json.dumps({"n": n, "seconds": dt, "peak_rss_mb": peak_rss_mb(), "rss_before_mb": before,
                      "cache_peak_mb": cache_peak}))


def run_rss(repeat):
    rows = []
    for n in RSS_SIZES:
        print(f"building {n} samples ...", file=sys.stderr)
        path = build_rss_dataset(n)
        disk = sum(f.stat().st_size for f in path.rglob("*") if f.is_file()) / 1e6
        runs = []
        for _ in range(repeat):
            out = subprocess.run([sys.executable, __file__, "--rss-worker", str(path)], capture_output=True, text=True,
                                 env={**os.environ, "BUGGER_OFF": "true"})
            if out.returncode != 0:
                print(f"[rss {n}] failed:\n{out.stderr[-3000:]}", file=sys.stderr)
                continue
            runs.append(json.loads(out.stdout.strip().splitlines()[-1]))
        if runs:
            r = min(runs, key=lambda x: x["peak_rss_mb"])
            rows.append((n, disk, r))
    print("\nshuffled epoch, ds.pytorch(batch_size=64, shuffle=True, num_workers=2), default buffer_size\n")
    print("| samples | dataset MB | samples/s | RSS before epoch MB | peak RSS MB | chunk cache peak MB |")
    print("|---:|---:|---:|---:|---:|---:|")
    for n, disk, r in rows:
        print(f"| {n:,} | {disk:,.0f} | {r['n'] / r['seconds']:,.0f} | {r['rss_before_mb']:,.0f} | "
              f"{r['peak_rss_mb']:,.0f} | {r['cache_peak_mb']:,.0f} |")
    if len(rows) == 2:
        growth = rows[1][2]["peak_rss_mb"] - rows[0][2]["peak_rss_mb"]
        print(f"\npeak RSS growth for {rows[1][1] - rows[0][1]:,.0f} MB more data: {growth:+,.0f} MB")


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--n", type=int, default=10_000)
    ap.add_argument("--only", default=None)
    ap.add_argument("--worker", default=None)
    ap.add_argument("--root", default=None)
    ap.add_argument("--json", default=None)
    ap.add_argument("--repeat", type=int, default=1, help="runs per phase; the best is kept (shared machines)")
    ap.add_argument("--rss", action="store_true", help="peak RSS of a shuffled epoch over two dataset sizes")
    ap.add_argument("--rss-worker", default=None)
    args = ap.parse_args()
    if args.worker:
        return worker(args.worker, args.root)
    if args.rss_worker:
        return rss_worker(args.rss_worker)
    if args.rss:
        return run_rss(args.repeat)
    print(f"preparing {args.n} JPEGs ...", file=sys.stderr)
    root = make_data(args.n)
    build_ours(root)
    sizes = [os.path.getsize(p) for p in json.loads((root / "index.json").read_text())["paths"][:500]]
    phases = args.only.split(",") if args.only else PHASES
    results = {}
    for ph in phases:
        print(f"running {ph} ...", file=sys.stderr)
        runs = [r for r in (run_phase(ph, root) for _ in range(args.repeat)) if r is not None]
        r = min(runs, key=lambda x: x["seconds"]) if runs else None
        if r is not None:
            r["per_s"] = r["n"] / r["seconds"]
            results[ph] = r
    limit = results.get("pillow_2proc", {}).get("per_s")
    print(f"\n{args.n} JPEGs {SIDE}x{SIDE} (mean {np.mean(sizes) / 1000:.1f} KB), batch {BATCH}, "
          f"{WORKERS} workers, epoch after warm-up\n")
    print("| loader | samples/s | vs Pillow 2 procs | peak RSS MB |")
    print("|---|---:|---:|---:|")
    for ph, r in results.items():
        ratio = f"{r['per_s'] / limit:.2f}" if limit else "-"
        print(f"| {ph} | {r['per_s']:,.0f} | {ratio} | {r['peak_rss_mb']:,.0f} |")
    if limit and "ours_pytorch" in results:
        ok = results["ours_pytorch"]["per_s"] >= GOAL_VS_PILLOW * limit
        print(f"\ngoal ours_pytorch >= {GOAL_VS_PILLOW:.0%} of pillow_2proc: {'met' if ok else 'NOT met'}")
    if "ours_tobytes" in results:
        ok = results["ours_tobytes"]["per_s"] >= GOAL_TOBYTES
        print(f"goal tobytes >= {GOAL_TOBYTES:,}/s: {'met' if ok else 'NOT met'}")
    if args.json:
        Path(args.json).write_text(json.dumps(results, indent=1))


if __name__ == "__main__":
    main()
