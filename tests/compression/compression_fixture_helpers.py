"""Hand parser of the v3 chunk header (FORMAT.md §3.1), for fixture checks only."""

import json
import os
import struct

import numpy as np

FIXTURES = "/work/shared/fixtures"
FIRST = "firstdbf9474d461a19e9333c2fd19b46115348f"


def parse_chunk(buf: bytes):
    """Returns (version, shape_rows, byte_position_rows, data)."""
    n = buf[0]
    version = buf[1 : 1 + n].decode("ascii")
    pos = 1 + n
    s_rows, s_cols = struct.unpack_from("<ii", buf, pos)
    pos += 8
    shapes = np.frombuffer(buf, "<u4", s_rows * s_cols, pos).reshape(s_rows, s_cols)
    pos += 4 * s_rows * s_cols
    (b_rows,) = struct.unpack_from("<I", buf, pos)
    pos += 4
    positions = np.frombuffer(buf, "<u4", b_rows * 3, pos).reshape(b_rows, 3)
    pos += 12 * b_rows
    return version, shapes, positions, buf[pos:]


def sample_shapes(shape_rows):
    """Per-sample shapes from run-length shape rows {dims..., last_index}."""
    shapes, first = [], 0
    for row in shape_rows:
        last = int(row[-1])
        shapes += [tuple(int(d) for d in row[:-1])] * (last - first + 1)
        first = last + 1
    return shapes


def fixture_tensor(fixture: str, tensor: str):
    """(expected tensor record, bytes of its single chunk)."""
    with open(os.path.join(FIXTURES, f"{fixture}.expected.json")) as f:
        record = json.load(f)["commits"][FIRST]["tensors"][tensor]
    (chunk,) = record["chunks"]
    with open(os.path.join(FIXTURES, fixture, chunk["file"]), "rb") as f:
        return record, f.read()
