"""Crash safety: flush journal, recovery on open, and SIGKILL trials."""

import os
import subprocess
import sys

import numpy as np
import pytest

import deeplake
from deeplake.storage import journal
from deeplake.storage.local import LocalProvider
from deeplake.testing import crash_trials


def _dead_pid() -> int:
    p = subprocess.Popen([sys.executable, "-c", "pass"])
    p.wait()
    return p.pid


def test_journal_roundtrip_and_damage():
    entries = [("a/tensor_meta.json", b'{"x": 1}'), ("dataset_meta.json", b"\x00" * 1000), ("empty", b"")]
    raw = journal.encode_journal(entries)
    pid, host, back = journal.decode_journal(raw)
    assert pid == os.getpid()
    assert back == entries
    assert journal.decode_journal(raw[:-1]) is None
    assert journal.decode_journal(raw[:10] + b"X" + raw[11:]) is None
    assert journal.decode_journal(b"") is None


def test_needs_journal_rules():
    exists = {"t/chunks/old"}.__contains__

    class Grown:
        grown_only = True

    class Edited:
        grown_only = False

    assert journal.needs_journal("t/tensor_meta.json", b"", exists)
    assert not journal.needs_journal("t/chunks/new", Edited(), exists)  # nothing refers to it yet
    assert not journal.needs_journal("t/chunks/old", Grown(), exists)
    assert journal.needs_journal("t/chunks/old", Edited(), exists)
    assert journal.needs_journal("t/chunks/old", b"raw", exists)


def test_recover_replays_a_dead_writers_flush(tmp_path):
    st = LocalProvider(str(tmp_path))
    st["a"] = b"old-a"
    st["b"] = b"old-b"
    # the writer died after writing the journal and the first file
    raw = journal.encode_journal([("a", b"new-a"), ("b", b"new-b")])
    st[journal.JOURNAL_KEY] = raw
    st["a"] = b"new-a"
    assert journal.recover(st) is True
    assert st["a"] == b"new-a" and st["b"] == b"new-b"
    assert journal.JOURNAL_KEY not in st
    assert journal.recover(st) is False


def test_damaged_journal_is_dropped_without_touching_files(tmp_path):
    st = LocalProvider(str(tmp_path))
    st["a"] = b"old-a"
    st[journal.JOURNAL_KEY] = journal.encode_journal([("a", b"new-a"), ("b", b"new-b")])[:-3]
    assert journal.recover(st) is False
    assert st["a"] == b"old-a" and "b" not in st
    assert journal.JOURNAL_KEY not in st


def test_flush_of_several_files_leaves_no_journal(tmp_path):
    ds = deeplake.empty(str(tmp_path / "ds"))
    with ds:
        ds.create_tensor("x", dtype="int64")
        ds.create_tensor("y", dtype="int64")
        ds.extend({"x": np.arange(10), "y": np.arange(10)})
    assert not os.path.exists(tmp_path / "ds" / journal.JOURNAL_KEY)
    ds.x[3] = 99
    assert not os.path.exists(tmp_path / "ds" / journal.JOURNAL_KEY)


def test_load_completes_an_interrupted_flush(tmp_path):
    path = str(tmp_path / "ds")
    ds = deeplake.empty(path)
    with ds:
        ds.create_tensor("x", dtype="int64")
        ds.create_tensor("y", dtype="int64")
        ds.extend({"x": np.arange(5), "y": np.arange(5)})
    ds2 = deeplake.empty(str(tmp_path / "after"))
    with ds2:
        ds2.create_tensor("x", dtype="int64")
        ds2.create_tensor("y", dtype="int64")
        ds2.extend({"x": np.arange(8), "y": np.arange(8)})
    ds.close()
    ds2.close()
    # Build the journal a writer of 8 rows would have written, from the other dataset's files,
    # then apply only some of it: the state a SIGKILL mid-flush leaves.
    after = LocalProvider(str(tmp_path / "after"))
    st = LocalProvider(path)
    changed = [k for k in after.list() if not k.startswith("dataset_lock") and
               (k not in st or st[k] != after[k])]
    assert any("x/" in k for k in changed) and any("y/" in k for k in changed)
    entries = [(k, after[k]) for k in sorted(changed)]
    raw = bytearray(journal.encode_journal(entries))
    raw[8:16] = _dead_pid().to_bytes(8, "little")  # the writer is gone
    # recompute the checksum over the patched header
    import struct
    import zlib
    body = bytes(raw[:-4])
    st[journal.JOURNAL_KEY] = body + struct.pack("<I", zlib.crc32(body))
    for k, v in entries[: len(entries) // 2]:
        st[k] = v
    back = deeplake.load(path)
    assert back.x.numpy().reshape(-1).tolist() == list(range(8))
    assert back.y.numpy().reshape(-1).tolist() == list(range(8))
    assert journal.JOURNAL_KEY not in st


def _trial_schema(path):
    """An empty dataset with the tensors the crash-trial checker reads."""
    ds = deeplake.empty(path)
    with ds:
        ds.create_tensor("labels", dtype="int64")
        ds.create_tensor("vecs", dtype="float32")
        ds.create_tensor("names", htype="text")
    return ds


def test_checker_reports_tensors_of_different_lengths(tmp_path):
    path = str(tmp_path / "ds")
    records = [(0, "", "main", crash_trials.digest(range(10)))]
    ds = _trial_schema(path)
    with ds:
        ds.extend(crash_trials._rows(0, 10))
        ds.labels.append(10)  # a half-applied step
    progress = tmp_path / "progress"
    progress.write_text("0\t\n")
    ds.close()
    verdict = crash_trials.check(path, records, str(progress))
    assert "different lengths" in verdict


def test_checker_accepts_the_in_flight_step_landed_whole(tmp_path):
    path = str(tmp_path / "ds")
    records = [(0, "", "main", crash_trials.digest(range(10))), (1, "", "main", crash_trials.digest(range(15)))]
    ds = _trial_schema(path)
    with ds:
        ds.extend(crash_trials._rows(0, 15))
    ds.close()
    progress = tmp_path / "progress"
    progress.write_text("0\t\n")
    assert crash_trials.check(path, records, str(progress)) == "clean"


def test_checker_reports_a_state_that_is_no_step_boundary(tmp_path):
    path = str(tmp_path / "ds")
    records = [(0, "", "main", crash_trials.digest(range(10))), (1, "", "main", crash_trials.digest(range(15)))]
    ds = _trial_schema(path)
    with ds:
        ds.extend(crash_trials._rows(0, 12))  # part of step 1 only
    ds.close()
    progress = tmp_path / "progress"
    progress.write_text("0\t\n")
    assert "not the state after step" in crash_trials.check(path, records, str(progress))


@pytest.mark.parametrize("seed", range(6))
def test_sigkill_trials_leave_a_clean_dataset(tmp_path, seed):
    verdict, n_done, delay = crash_trials.trial(str(tmp_path), seed=100 + seed, n_steps=30)
    assert verdict == "clean", (seed, n_done, delay, verdict)
