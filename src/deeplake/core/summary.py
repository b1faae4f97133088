"""Text summaries and size estimates of datasets."""
from __future__ import annotations

import numpy as np


def _fmt_shape(shape) -> str:
    return "(" + ", ".join("None" if d is None else str(d) for d in shape) + ")"


def summary_text(ds) -> str:
    rows = [("tensor", "htype", "shape", "dtype", "compression")]
    for name, t in ds.tensors.items():
        si = t.shape_interval
        comp = t.meta.sample_compression or t.meta.chunk_compression or "None"
        dtype = t.meta.dtype or "None"
        rows.append((name, t.htype, str(si), str(dtype), str(comp)))
    widths = [max(len(r[i]) for r in rows) for i in range(5)]
    lines = [f"Dataset(path='{ds.path}'{', read_only=True' if ds.read_only else ''}, tensors={list(ds.tensors)})", ""]
    for k, r in enumerate(rows):
        lines.append("  ".join(c.ljust(w) for c, w in zip(r, widths)).rstrip())
        if k == 0:
            lines.append("  ".join("-" * w for w in widths))
    return "\n".join(lines)


def size_approx(ds) -> int:
    """Sum over tensors of their chunk bytes, scaled to the selected rows."""
    total = 0
    storage = ds._ctx.storage
    for t in ds.tensors.values():
        eng = t._engine
        n = eng.num_samples
        if n == 0:
            continue
        chunk_bytes = 0
        from deeplake.format import keys

        for cid in eng.chunk_ids.rows[:, 0]:
            name = keys.chunk_name_from_id(int(cid))
            chunk = eng._chunks.get(int(cid))
            if chunk is not None:
                chunk_bytes += chunk.num_data_bytes
                continue
            try:
                chunk_bytes += len(storage[eng.ctx.chunk_storage_key(eng.key, name)])
            except KeyError:
                pass
        selected = len(t) if not ds._index.is_trivial() else n
        total += int(chunk_bytes * (selected / n))
    return total
