"""lz4: the byte codec (bytes -> bytes).

Written form: an LZ4 *block* prefixed with its uncompressed size as u32 LE
(``lz4.block.compress`` defaults). Read side also accepts an LZ4 *frame*
(magic ``04 22 4d 18``) and the 5-byte ``00 00 00 00 00`` (an empty block
with its size prefix). Empty input is never compressed: b'' <-> b''.
python-lz4 releases the GIL, so threads can decompress chunks in parallel.
"""

from __future__ import annotations

from typing import Union

import lz4.block
import lz4.frame

from deeplake.errors import SampleCompressionError, SampleDecompressionError

Buffer = Union[bytes, bytearray, memoryview]

FRAME_MAGIC = b"\x04\x22\x4d\x18"
_EMPTY_BLOCK = b"\x00\x00\x00\x00\x00"


def compress(data: Buffer) -> bytes:
    """LZ4 block with a u32 LE size prefix; b'' for empty input."""
    if len(data) == 0:
        return b""
    try:
        return lz4.block.compress(data)
    except (OverflowError, ValueError) as e:  # > 2 GiB inputs
        raise SampleCompressionError(
            f"Could not compress {len(data)} bytes with lz4: {e}"
        ) from e


def decompress(data: Buffer) -> bytes:
    """Inverse of :func:`compress`; also reads LZ4 frames."""
    n = len(data)
    if n == 0:
        return b""
    head = bytes(data[:5])
    if n == 5 and head == _EMPTY_BLOCK:
        return b""
    try:
        if head[:4] == FRAME_MAGIC:
            return lz4.frame.decompress(data)
        return lz4.block.decompress(data)
    except (RuntimeError, ValueError, MemoryError, lz4.block.LZ4BlockError) as e:
        raise SampleDecompressionError(
            f"Could not decompress lz4 data ({n} bytes): the buffer is corrupted "
            f"or not lz4 ({e})."
        ) from e


def uncompressed_size(data: Buffer) -> int:
    """Decompressed length of a block from its size prefix (no decoding)."""
    if len(data) == 0:
        return 0
    if bytes(data[:4]) == FRAME_MAGIC:
        return len(decompress(data))
    if len(data) < 4:
        raise SampleDecompressionError(
            f"lz4 block too short to hold its size prefix ({len(data)} bytes)."
        )
    return int.from_bytes(bytes(data[:4]), "little")
