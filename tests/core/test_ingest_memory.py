"""A long ingest inside ``with ds:`` keeps about one unflushed chunk per
tensor in memory: chunks that appends have moved past are written at once
(core/engine/tensor_engine.TensorEngine._retire)."""
import numpy as np

import deeplake


def _dirty_bytes(tensor):
    return sum(c.num_data_bytes for c in tensor._engine._dirty_chunks.values())


def test_filled_chunks_leave_memory_during_a_with_block(tmp_path):
    ds = deeplake.empty(str(tmp_path / "ds"))
    ds.create_tensor("x", dtype="uint8", max_chunk_size=64 * 1024)
    ds.create_tensor("y", dtype="int64", max_chunk_size=64 * 1024)
    rng = np.random.default_rng(0)
    arrays = [rng.integers(0, 255, (int(rng.integers(50, 120)), 100), dtype=np.uint8) for _ in range(200)]
    with ds:
        for k in range(0, 200, 10):
            ds.x.extend(arrays[k:k + 10])  # ragged: the per-sample path
            ds.y.extend(np.repeat(np.arange(k, k + 10)[:, None], 3000, axis=1))  # uniform path
            assert _dirty_bytes(ds.x) <= 64 * 1024 and _dirty_bytes(ds.y) <= 64 * 1024
        assert len(ds.x._engine.chunk_ids) > 10
    ds = deeplake.load(str(tmp_path / "ds"), read_only=True)
    assert len(ds.x) == 200 and len(ds.y) == 200
    for i in (0, 57, 199):
        np.testing.assert_array_equal(ds.x[i].numpy(), arrays[i])
        assert ds.y[i].numpy()[0] == i


def test_a_writer_dying_after_early_chunk_writes_leaves_the_dataset_as_it_was(tmp_path):
    import subprocess
    import sys
    import textwrap

    path = str(tmp_path / "ds")
    ds = deeplake.empty(path)
    ds.create_tensor("x", dtype="uint8", max_chunk_size=32 * 1024)
    ds.x.extend(np.ones((5, 1000), np.uint8))
    ds.close()  # the child below is the writer
    files_before = sorted(p.name for p in (tmp_path / "ds" / "x" / "chunks").iterdir())
    script = textwrap.dedent(f"""
        import os, numpy as np, deeplake
        ds = deeplake.load({path!r})
        with ds:
            ds.x.extend(np.full((100, 1000), 7, np.uint8))
            os._exit(0)  # dies before the flush
    """)
    subprocess.run([sys.executable, "-c", script], check=True)
    files_after = sorted(p.name for p in (tmp_path / "ds" / "x" / "chunks").iterdir())
    assert len(files_after) > len(files_before)  # chunks were written early...
    ds = deeplake.load(path)
    assert len(ds.x) == 5  # ...but nothing references them
    np.testing.assert_array_equal(ds.x.numpy(), np.ones((5, 1000), np.uint8))
    ds.x.append(np.zeros(1000, np.uint8))
    assert len(deeplake.load(path, read_only=True).x) == 6


def test_updates_after_a_chunk_was_written_early(tmp_path):
    ds = deeplake.empty(str(tmp_path / "ds"))
    ds.create_tensor("x", dtype="int32", max_chunk_size=16 * 1024)
    with ds:
        ds.x.extend(np.arange(20000, dtype=np.int32).reshape(200, 100))
        ds.x[3] = np.full(100, -1, np.int32)  # lives in a chunk already written
        ds.x.pop(0)
    ds = deeplake.load(str(tmp_path / "ds"), read_only=True)
    assert len(ds.x) == 199
    np.testing.assert_array_equal(ds.x[2].numpy(), np.full(100, -1, np.int32))
    np.testing.assert_array_equal(ds.x[198].numpy(), np.arange(19900, 20000, dtype=np.int32))
