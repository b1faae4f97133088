"""Helpers for the htypes tests: fixture locations and a minimal chunk reader."""

import json
import os
import struct

import numpy as np
import pytest

FIXTURES = os.environ.get("DEEPLAKE_FIXTURES", "/work/shared/fixtures")


def read_json(*parts):
    with open(os.path.join(FIXTURES, *parts)) as f:
        return json.load(f)


def read_chunk(tensor_dir):
    """(shapes, per-sample bytes) of the single chunk of a fixture tensor.

    Chunk layout (FORMAT.md §3.1): VSTR, i32 rows/cols, u32 shape info,
    u32 B_rows, u32 byte positions, data.
    """
    chunk_dir = os.path.join(FIXTURES, tensor_dir, "chunks")
    (name,) = os.listdir(chunk_dir)
    buf = open(os.path.join(chunk_dir, name), "rb").read()
    n = buf[0]
    off = 1 + n
    rows, cols = struct.unpack_from("<ii", buf, off)
    off += 8
    shape_info = np.frombuffer(buf, "<u4", rows * cols, off).reshape(rows, cols)
    off += 4 * rows * cols
    (b_rows,) = struct.unpack_from("<I", buf, off)
    off += 4
    positions = np.frombuffer(buf, "<u4", b_rows * 3, off).reshape(b_rows, 3)
    off += 12 * b_rows
    data = buf[off:]
    shapes, samples = [], []
    first = 0
    for num_bytes, start, last in positions:
        for i in range(last - first + 1):
            s = start + i * num_bytes
            samples.append(data[s:s + num_bytes])
        first = last + 1
    first = 0
    for row in shape_info:
        for _ in range(row[-1] - first + 1):
            shapes.append(tuple(int(d) for d in row[:-1]))
        first = row[-1] + 1
    return shapes, samples


@pytest.fixture
def chunk_of():
    return read_chunk


@pytest.fixture
def fixture_json():
    return read_json
