"""Which rows an epoch visits, in what order, in which batches.

Shuffling follows the chunks: the chunks of the primary (largest) tensor are
visited in random order and their samples pass through a shuffle buffer of
``buffer_size`` MB, so a worker keeps only the chunks whose samples are
still in the buffer. The buffer is simulated on row numbers up front, which
makes the order a pure function of the seed and the epoch: every row appears
exactly once, and every worker and DDP rank can compute the same order.
"""
from __future__ import annotations

import os
from typing import List, Optional, Tuple

import numpy as np

MB = 10**6


def epoch_rng(seed: Optional[int], epoch: int) -> np.random.Generator:
    if seed is None:
        return np.random.default_rng()
    return np.random.default_rng([int(seed) & 0xFFFFFFFF, epoch])


def epoch_order(
    n: int,
    chunk_of_row: Optional[np.ndarray],
    shuffle: bool,
    buffer_bytes: int,
    bytes_per_sample: int,
    rng: np.random.Generator,
) -> np.ndarray:
    """Row positions 0..n-1 in visiting order."""
    if not shuffle or n <= 1:
        return np.arange(n, dtype=np.int64)
    capacity = max(1, int(buffer_bytes // max(bytes_per_sample, 1)))
    if capacity >= n or chunk_of_row is None:
        return rng.permutation(n).astype(np.int64)
    chunks, inverse = np.unique(chunk_of_row, return_inverse=True)
    rank = rng.permutation(len(chunks))[inverse]  # each chunk's place in the visiting order
    stream = np.lexsort((np.arange(n), rank))  # chunk by chunk, stored order within a chunk
    return _buffer_shuffle(stream, capacity, rng)


def _buffer_shuffle(stream: np.ndarray, capacity: int, rng: np.random.Generator) -> np.ndarray:
    """Reservoir-style shuffle buffer over ``stream``: emit a random buffered
    item for every item that arrives once the buffer is full."""
    n = len(stream)
    out = np.empty(n, dtype=np.int64)
    buf = stream[:capacity].copy()
    picks = rng.integers(0, capacity, size=n - capacity)
    k = 0
    for i in range(capacity, n):  # a Python loop, but over ints: ~0.3 s per million rows
        j = picks[i - capacity]
        out[k] = buf[j]
        buf[j] = stream[i]
        k += 1
    out[k:] = rng.permutation(buf)
    return out


def distributed_share(order: np.ndarray, rank: int, world: int) -> np.ndarray:
    """Rank ``rank``'s disjoint, contiguous share of ``order`` (chunk locality stays)."""
    if world <= 1:
        return order
    n = len(order)
    lo, hi = rank * n // world, (rank + 1) * n // world
    return order[lo:hi]


def resolve_distributed() -> Tuple[int, int]:
    """(rank, world size): from an initialised torch.distributed, else RANK/WORLD_SIZE."""
    import sys

    dist = sys.modules.get("torch.distributed")
    if dist is not None and dist.is_available() and dist.is_initialized():
        return int(dist.get_rank()), int(dist.get_world_size())
    rank = int(os.environ.get("RANK", os.environ.get("LOCAL_RANK", 0)))
    world = int(os.environ.get("WORLD_SIZE", 1))
    if not 0 <= rank < max(world, 1):
        raise ValueError(f"RANK={rank} is outside WORLD_SIZE={world}.")
    return rank, max(world, 1)


def make_batches(order: np.ndarray, batch_size: int, drop_last: bool) -> List[np.ndarray]:
    n = len(order)
    stop = n - n % batch_size if drop_last else n
    return [order[i : min(i + batch_size, stop)] for i in range(0, stop, batch_size)]


def num_batches(n: int, batch_size: int, drop_last: bool) -> int:
    return n // batch_size if drop_last else -(-n // batch_size)
