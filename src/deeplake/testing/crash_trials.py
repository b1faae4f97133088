"""Kill a writer with SIGKILL at random moments and check what it leaves.

A worker process replays a seeded script of steps (extend, transform,
update, pop, commit, branch checkout, merge) on a local dataset and logs each finished
step (with the commit id a commit made) to a progress file, fsynced. The
parent kills it at a random moment, then checks that the dataset:

* loads with no ``reset`` and no wait (a dead writer's lock is taken at once);
* is at a step boundary: every branch head and every logged commit holds
  what a run of the same script that was not killed held after the last
  logged step, or after the step in flight when it landed whole;
* keeps its tensors the same length, and accepts a new write.

Each row's values derive from one integer (``labels``): ``vecs`` rows are
``label`` repeated and ``names`` rows are ``str(label)``; states are compared
by a digest of the labels.

Run ``python -m deeplake.testing.crash_trials --trials 250`` for the full run.
"""

from __future__ import annotations

import argparse
import hashlib
import json
import os
import random
import shutil
import signal
import subprocess
import sys
import tempfile
import time
from typing import Dict, List, Optional, Tuple

import numpy as np

VEC_DIM = 16
CHUNK_BYTES = 32 * 1024
OPS = ("extend", "transform", "update", "pop", "commit", "branch", "switch", "merge")


# ---------------------------------------------------------------- the script
def make_script(seed: int, n_steps: int, with_merge: bool = True) -> List[Tuple]:
    """A list of steps; each is (op, *args), valid for the model below."""
    rng = random.Random(seed)
    steps: List[Tuple] = [("extend", 0, 2000)]
    branches = ["main"]
    current = "main"
    length = {"main": 2000}
    next_label = 2000
    dirty = True
    for _ in range(n_steps):
        r = rng.random()
        if r < 0.35:
            n = rng.choice((1, 10, 500, 5000, 20000))
            op = "transform" if r < 0.08 else "extend"
            steps.append((op, next_label, min(n, 5000) if op == "transform" else n))
            n = steps[-1][2]
            next_label += n
            length[current] += n
            dirty = True
        elif r < 0.5 and length[current]:
            idx = rng.randrange(length[current])
            steps.append(("update", idx, next_label))
            next_label += 1
            dirty = True
        elif r < 0.58 and length[current]:
            steps.append(("pop",))
            length[current] -= 1
            dirty = True
        elif r < 0.75:
            steps.append(("commit",))
            dirty = False
        elif r < 0.85:
            if dirty:
                steps.append(("commit",))
                dirty = False
            name = f"b{len(branches)}"
            branches.append(name)
            steps.append(("branch", name))
            length[name] = length[current]
            current = name
        elif r < 0.95 or not with_merge:
            others = [b for b in branches if b != current]
            if not others:
                continue
            if dirty:
                steps.append(("commit",))
                dirty = False
            current = rng.choice(others)
            steps.append(("switch", current))
        else:
            # merge a branch's appends into the current one: clean heads on both sides
            others = [b for b in branches if b != current]
            if not others:
                continue
            if dirty:
                steps.append(("commit",))
                dirty = False
            steps.append(("merge", rng.choice(others)))
            dirty = False
    return steps


# ---------------------------------------------------------------- the worker
def _rows(first: int, n: int) -> dict:
    labels = np.arange(first, first + n, dtype=np.int64)
    return {
        "labels": labels,
        "vecs": np.repeat(labels.astype(np.float32)[:, None], VEC_DIM, axis=1),
        "names": [str(v) for v in labels.tolist()],
    }


def _append_rows():
    import deeplake

    @deeplake.compute
    def append_rows(label, samples_out):
        row = _rows(label, 1)
        samples_out.append({k: v[0] for k, v in row.items()})

    return append_rows()


def digest(labels) -> str:
    return hashlib.sha1(np.asarray(labels, dtype=np.int64).tobytes()).hexdigest()[:16]


def run_worker(path: str, seed: int, n_steps: int, progress: str, with_merge: bool, record: bool = False) -> None:
    """Replay the script; log each finished step. With ``record``, also log the
    branch it ended on and a digest of that branch's labels (the expectation)."""
    import deeplake

    script = make_script(seed, n_steps, with_merge)
    ds = deeplake.empty(path, overwrite=True)
    with ds:
        # small chunks: extends fill many, so chunks written before the flush
        # (TensorEngine._retire) are part of what a kill can interrupt
        ds.create_tensor("labels", htype="generic", dtype="int64", max_chunk_size=CHUNK_BYTES)
        ds.create_tensor("vecs", htype="generic", dtype="float32", max_chunk_size=CHUNK_BYTES)
        ds.create_tensor("names", htype="text", max_chunk_size=CHUNK_BYTES)
    fd = os.open(progress, os.O_WRONLY | os.O_CREAT | os.O_APPEND, 0o644)
    for i, step in enumerate(script):
        op = step[0]
        made = ""
        if op == "extend":
            ds.extend(_rows(step[1], step[2]))
        elif op == "transform":
            _append_rows().eval(list(range(step[1], step[1] + step[2])), ds, num_workers=2,
                                scheduler="processed" if i % 2 else "threaded", progressbar=False)
        elif op == "update":
            idx, value = step[1], step[2]
            row = _rows(value, 1)
            ds[idx].update({k: v[0] for k, v in row.items()})
        elif op == "pop":
            ds.pop()
        elif op == "commit":
            made = ds.commit(f"step {i}", allow_empty=True)
        elif op == "branch":
            ds.checkout(step[1], create=True)
        elif op == "switch":
            ds.checkout(step[1])
        elif op == "merge":
            ds.merge(step[1], conflict_resolution="theirs")
            made = ds.commit_id
        line = f"{i}\t{made}"
        if record:
            line += f"\t{ds.branch}\t{digest(ds.labels.numpy().reshape(-1))}"
        os.write(fd, (line + "\n").encode())
        os.fsync(fd)
    os.close(fd)


# ---------------------------------------------------------------- checking
def _labels_of(ds) -> Optional[np.ndarray]:
    lens = {len(ds[t]) for t in ("labels", "vecs", "names")}
    if len(lens) != 1:
        raise AssertionError(f"tensors of different lengths: {lens}")
    labels = ds.labels.numpy().reshape(-1)
    if len(labels):
        vecs = ds.vecs.numpy()
        if not np.array_equal(vecs, np.repeat(labels.astype(np.float32)[:, None], VEC_DIM, axis=1)):
            raise AssertionError("vecs rows do not match labels")
        names = ds.names.numpy(aslist=True)
        names = [n if isinstance(n, str) else str(np.asarray(n).reshape(-1)[0]) for n in names]
        if names != [str(v) for v in labels.tolist()]:
            raise AssertionError("names rows do not match labels")
    return labels


def read_progress(progress: str) -> List[Tuple[int, str]]:
    out = []
    if os.path.exists(progress):
        with open(progress) as f:
            for line in f:
                if line.endswith("\n"):
                    parts = line.rstrip("\n").split("\t")
                    out.append((int(parts[0]), *parts[1:]))
    return out


def expectations(records: List[Tuple]) -> List[Dict[str, str]]:
    """For each step count k (0..n), the digest of every branch after k steps.

    Every change to a branch happens while it is checked out, so a branch
    holds what the last step that ended on it recorded.
    """
    states: List[Dict[str, str]] = [{}]
    for rec in records:
        cur = dict(states[-1])
        cur[rec[2]] = rec[3]
        states.append(cur)
    return states


def check(path: str, records: List[Tuple], progress: str) -> str:
    """'clean' or a description of what is wrong. ``records`` come from a run
    of the same script that was not killed."""
    import deeplake

    done = read_progress(progress)
    n_done = len(done)
    if n_done == 0:
        return "clean"  # killed while creating the dataset: nothing promised yet
    states = expectations(records)
    t0 = time.monotonic()
    try:
        ds = deeplake.load(path)
    except Exception as e:  # noqa: BLE001 - every failure is a finding
        return f"load failed: {type(e).__name__}: {e}"
    if time.monotonic() - t0 > 5:
        return "load waited for a dead writer"
    if ds.read_only:
        return "dead writer's lock made the dataset read-only"
    try:
        branches = set(ds.branches)
        problems: List[str] = []
        for k in (n_done, n_done + 1):
            if k >= len(states):
                continue
            problems = []
            for b, want in states[k].items():
                if b not in branches:
                    problems.append(f"branch {b} missing")
                    continue
                got = _labels_of(deeplake.load(f"{path}@{b}", read_only=True))
                if digest(got) != want:
                    problems.append(f"branch {b}: {len(got)} rows, not the state after step {k}")
            if not problems:
                break
        if problems:
            return "; ".join(problems)
        for step, (_, made, *_) in enumerate(done):
            if made:
                got = _labels_of(deeplake.load(f"{path}@{made}", read_only=True))
                if digest(got) != records[step][3]:
                    return f"commit {made} (step {step}) changed"
        ds.labels.append(np.int64(-1))
        ds.vecs.append(np.full(VEC_DIM, -1, dtype=np.float32))
        ds.names.append("-1")
        ds.flush()
    except Exception as e:  # noqa: BLE001
        return f"{type(e).__name__}: {e}"
    return "clean"


def record_run(workdir: str, seed: int, n_steps: int, with_merge: bool) -> List[Tuple]:
    """Run the script to the end, unkilled, and return its per-step records."""
    path = os.path.join(workdir, f"clean_{seed}")
    progress = os.path.join(workdir, f"clean_progress_{seed}")
    if os.path.exists(progress):
        os.remove(progress)
    cmd = [sys.executable, "-m", "deeplake.testing.crash_trials", "--worker", path, str(seed), str(n_steps),
           progress, "1" if with_merge else "0", "--record"]
    t0 = time.monotonic()
    subprocess.run(cmd, check=True, stdout=subprocess.DEVNULL)
    elapsed = time.monotonic() - t0
    shutil.rmtree(path, ignore_errors=True)
    return read_progress(progress), elapsed


def _live_members(pgid: int) -> List[int]:
    """Processes of the group that still run (zombies nobody reaps do not count)."""
    out = []
    for name in os.listdir("/proc"):
        if not name.isdigit():
            continue
        try:
            with open(f"/proc/{name}/stat") as f:
                fields = f.read().rsplit(")", 1)[1].split()
        except OSError:
            continue
        if int(fields[2]) == pgid and fields[0] != "Z":
            out.append(int(name))
    return out


def _reap_group(pgid: int) -> bool:
    """Kill what is left of the writer's process group; True if anything was."""
    deadline = time.monotonic() + 2.0
    while _live_members(pgid):
        if time.monotonic() > deadline:
            try:
                os.killpg(pgid, signal.SIGKILL)
            except ProcessLookupError:
                pass
            return True
        time.sleep(0.05)
    return False


def trial(workdir: str, seed: int, n_steps: int = 40, with_merge: bool = True,
          kill_after: Optional[float] = None) -> Tuple[str, int, float]:
    """One worker run killed after ``kill_after`` seconds (random when None)."""
    rng = random.Random(seed * 7919 + 1)
    path = os.path.join(workdir, f"ds_{seed}")
    progress = os.path.join(workdir, f"progress_{seed}")
    for p in (path, progress):
        if os.path.isdir(p):
            shutil.rmtree(p)
        elif os.path.exists(p):
            os.remove(p)
    records, clean_run_s = record_run(workdir, seed, n_steps, with_merge)
    cmd = [sys.executable, "-m", "deeplake.testing.crash_trials", "--worker", path, str(seed), str(n_steps),
           progress, "1" if with_merge else "0"]
    err_path = progress + ".stderr"
    with open(err_path, "wb") as err_file:  # a file, not a pipe: children may outlive the kill
        proc = subprocess.Popen(cmd, stdout=subprocess.DEVNULL, stderr=err_file, start_new_session=True)
    delay = kill_after if kill_after is not None else rng.uniform(0.3, max(clean_run_s, 0.6))
    try:
        proc.wait(timeout=delay)
    except subprocess.TimeoutExpired:
        proc.send_signal(signal.SIGKILL)
        proc.wait()
    orphans = _reap_group(proc.pid)
    with open(err_path, "rb") as f:
        err = f.read().decode(errors="replace")
    if proc.returncode not in (0, -signal.SIGKILL):
        return f"worker failed: {err.strip().splitlines()[-1:]}", len(read_progress(progress)), delay
    if orphans:
        return "worker processes outlived the killed writer", len(read_progress(progress)), delay
    if not os.path.exists(path):
        return "clean", 0, delay
    verdict = check(path, records, progress)
    return verdict, len(read_progress(progress)), delay


def main(argv=None) -> int:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--worker", nargs=5, metavar=("PATH", "SEED", "STEPS", "PROGRESS", "MERGE"))
    ap.add_argument("--trials", type=int, default=50)
    ap.add_argument("--steps", type=int, default=40)
    ap.add_argument("--first-seed", type=int, default=0)
    ap.add_argument("--no-merge", action="store_true")
    ap.add_argument("--record", action="store_true", help="(worker) log branch and digest per step")
    args = ap.parse_args(argv)
    if args.worker:
        path, seed, steps, progress, merge = args.worker
        run_worker(path, int(seed), int(steps), progress, merge == "1", args.record)
        return 0
    results: Dict[str, int] = {}
    failures = []
    with tempfile.TemporaryDirectory() as tmp:
        for seed in range(args.first_seed, args.first_seed + args.trials):
            verdict, n_done, delay = trial(tmp, seed, args.steps, not args.no_merge)
            kind = verdict.split(":")[0] if verdict != "clean" else "clean"
            results[kind] = results.get(kind, 0) + 1
            if verdict != "clean":
                failures.append((seed, n_done, round(delay, 2), verdict))
            print(f"seed {seed}: {verdict} (steps done {n_done}, killed at {delay:.2f} s)", flush=True)
            shutil.rmtree(os.path.join(tmp, f"ds_{seed}"), ignore_errors=True)
    print(json.dumps({"trials": args.trials, "results": results, "failures": failures[:20]}, indent=1))
    return 0 if not failures else 1


if __name__ == "__main__":
    sys.exit(main())
