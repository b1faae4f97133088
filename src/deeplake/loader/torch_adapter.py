"""PyTorch: an IterableDataset of whole batches inside a real DataLoader.

Each DataLoader worker process computes the epoch plan itself (it is a pure
function of the seed and the epoch), produces the batches ``w, w + n, ...``
and allocates each batch's arrays in torch shared memory, so handing a batch
to the training process moves a file handle, not the pixels. The DataLoader
reads its workers round robin, which keeps the planned order.
"""
from __future__ import annotations


import numpy as np

from deeplake.loader.collate import LoaderBatch, TORCH_CASTS


def _identity(x):
    return x


class SharedAlloc:
    """Allocates batch arrays in torch shared memory and remembers the tensor behind each."""

    def __init__(self):
        self.tensors = {}

    def __call__(self, shape, dtype):
        import torch

        dtype = np.dtype(dtype)
        if dtype in TORCH_CASTS or dtype.kind not in "biuf":
            return np.empty(shape, dtype=dtype)
        t = torch.empty(tuple(shape), dtype=torch.from_numpy(np.empty(0, dtype)).dtype).share_memory_()
        arr = t.numpy()
        self.tensors[id(arr)] = (arr, t)
        return arr

    def convert(self, value):
        """to_torch, reusing the shared tensor of any array this allocator made."""
        from deeplake.loader.collate import to_torch

        if isinstance(value, dict):
            return LoaderBatch((k, self.convert(v)) for k, v in value.items())
        if isinstance(value, np.ndarray):
            hit = self.tensors.pop(id(value), None)
            if hit is not None and hit[0] is value:
                return hit[1]
        return to_torch(value)


def make_iterable_dataset(plan):
    """A torch IterableDataset over ``plan`` (a loader.plan.EpochPlan)."""
    import torch.utils.data as tud

    class DeepLakeIterableDataset(tud.IterableDataset):
        def __init__(self, plan):
            self.plan = plan

        def __len__(self):
            return self.plan.num_batches()

        def __iter__(self):
            info = tud.get_worker_info()
            wid, nw = (info.id, info.num_workers) if info is not None else (0, 1)
            batches = self.plan.next_epoch_batches()
            reader = self.plan.reader
            if info is None:
                from deeplake.loader.collate import to_torch
                from deeplake.loader.workers import iterate_threads

                if self.plan.prefetch_in_thread:
                    threads = getattr(self.plan, "thread_workers", 0)
                    for b in iterate_threads(reader, batches, threads, self.plan.prefetch_factor):
                        yield to_torch(b)
                else:
                    reader.begin_epoch(batches)
                    for b in batches:
                        yield to_torch(reader.read_batch(b))
                return
            alloc = SharedAlloc()
            reader.begin_epoch(batches[wid::nw])
            for i in range(wid, len(batches), nw):
                yield alloc.convert(reader.read_batch(batches[i], alloc))
                alloc.tensors.clear()

    return DeepLakeIterableDataset(plan)


def make_torch_loader(plan, num_workers: int = 0, prefetch_factor: int = 2, pin_memory: bool = False,
                      persistent_workers: bool = False, progressbar: bool = False):
    """A ``torch.utils.data.DataLoader`` that yields the plan's batches."""
    from deeplake._deps import require

    torch = require("torch")
    tud = torch.utils.data

    class DeepLakeTorchLoader(tud.DataLoader):
        """torch's DataLoader; iteration bumps the epoch so each epoch is reshuffled."""

        def __iter__(self):
            it = super().__iter__()
            if self.num_workers > 0:  # workers were forked with this epoch; the next one differs
                plan.epoch += 1
            if progressbar:
                from tqdm import tqdm

                return iter(tqdm(it, total=len(self)))
            return it

    reader = plan.reader
    python_work = reader.transform is not None or reader.transform_dict is not None or reader.collate_fn is not None
    if num_workers > 0 and not python_work:
        # reading and decoding drop the GIL: worker threads in this process beat worker
        # processes (no per-batch shared-memory segments, no pickling, no fork per epoch)
        decodes = any(src.kind == "image" for src in reader.sources.values())
        plan.thread_workers = num_workers if decodes else 1
        num_workers = 0
    kwargs: dict = dict(batch_size=None, collate_fn=_identity, num_workers=num_workers, pin_memory=pin_memory)
    if num_workers > 0:
        import multiprocessing as mp

        kwargs.update(prefetch_factor=prefetch_factor, persistent_workers=persistent_workers,
                      multiprocessing_context=mp.get_context("fork"))
    loader = DeepLakeTorchLoader(make_iterable_dataset(plan), **kwargs)
    return loader
