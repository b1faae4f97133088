"""An epoch plan: the reader plus everything that decides the batches of an epoch.

The plan is a pure function of (seed, epoch), so DataLoader worker processes
and DDP ranks compute identical orders without talking to each other. With
no ``deeplake.random.seed`` set, a seed is drawn once when the plan is made.

``offset`` starts the epoch at that position of the (possibly shuffled)
order and wraps around, so every row is still visited once: with a seed
set, a run can resume where a previous one stopped. Distributed ranks split
the rotated order.
"""
from __future__ import annotations

from typing import List, Optional

import numpy as np

from deeplake.loader import order as ordering


class EpochPlan:
    def __init__(self, reader, batch_size: int = 1, drop_last: bool = False, shuffle: bool = False,
                 buffer_size_mb: int = 2048, offset: int = 0, distributed: bool = False,
                 prefetch_factor: int = 2, prefetch_in_thread: bool = True):
        from deeplake.random import get_seed

        if not isinstance(batch_size, (int, np.integer)) or isinstance(batch_size, bool) or batch_size < 1:
            raise ValueError(f"batch_size must be a positive integer, got {batch_size!r}.")
        if not isinstance(buffer_size_mb, (int, float)) or buffer_size_mb < 0:
            raise ValueError(f"buffer_size must be a non-negative number of MB, got {buffer_size_mb!r}.")
        if not isinstance(offset, (int, np.integer)) or offset < 0:
            raise ValueError(f"offset must be a non-negative integer, got {offset!r}.")
        if not isinstance(prefetch_factor, (int, np.integer)) or prefetch_factor < 1:
            raise ValueError(f"prefetch_factor must be a positive integer, got {prefetch_factor!r}.")
        self.reader = reader
        self.batch_size = int(batch_size)
        self.drop_last = bool(drop_last)
        self.shuffle = bool(shuffle)
        self.buffer_bytes = int(buffer_size_mb * ordering.MB)
        self.offset = int(offset)
        self.prefetch_factor = int(prefetch_factor)
        self.prefetch_in_thread = prefetch_in_thread
        self.rank, self.world = ordering.resolve_distributed() if distributed else (0, 1)
        seed = get_seed()
        self.seed = int(seed) if seed is not None else int(np.random.SeedSequence().entropy % (2**32))
        self.epoch = 0
        self._chunk_of_rows: Optional[np.ndarray] = None

    def num_rows(self) -> int:
        n = len(self.reader)
        if self.world > 1:
            return (self.rank + 1) * n // self.world - self.rank * n // self.world
        return n

    def num_batches(self) -> int:
        return ordering.num_batches(self.num_rows(), self.batch_size, self.drop_last)

    def order(self, epoch: int) -> np.ndarray:
        """Row positions of ``epoch`` for this rank."""
        n = len(self.reader)
        base = np.arange(n, dtype=np.int64)
        if self.shuffle and len(base) > 1:
            if self._chunk_of_rows is None:
                self._chunk_of_rows = self.reader.chunk_of_rows()
            chunks = self._chunk_of_rows[base] if self._chunk_of_rows is not None else None
            perm = ordering.epoch_order(
                len(base), chunks, True, self.buffer_bytes, self.reader.bytes_per_row(),
                ordering.epoch_rng(self.seed, epoch),
            )
            base = base[perm]
        if self.offset and n:
            base = np.roll(base, -(self.offset % n))
        return ordering.distributed_share(base, self.rank, self.world)

    def batches(self, epoch: int) -> List[np.ndarray]:
        return ordering.make_batches(self.order(epoch), self.batch_size, self.drop_last)

    def next_epoch_batches(self) -> List[np.ndarray]:
        b = self.batches(self.epoch)
        self.epoch += 1
        return b
