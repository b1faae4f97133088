"""ds.pytorch() and .dataloader().pytorch() with real PyTorch."""
import os
import subprocess
import sys
import textwrap

import numpy as np
import pytest

import deeplake
from deeplake.errors import EmptyTensorError

torch = pytest.importorskip("torch")


def test_ds_pytorch_returns_a_torch_dataloader(images_ds):
    loader = images_ds.pytorch(batch_size=8, num_workers=0)
    assert isinstance(loader, torch.utils.data.DataLoader)
    assert len(loader) == 7
    batches = list(loader)
    images = torch.cat([b["images"] for b in batches])
    assert images.dtype == torch.uint8 and tuple(images.shape) == (50, 16, 16, 3)
    np.testing.assert_array_equal(images.numpy(), images_ds.images.numpy())
    assert torch.cat([b["index"] for b in batches]).tolist() == list(range(50))


def test_ds_pytorch_workers_shuffle_cover_all(local_images_ds):
    ds = local_images_ds
    full = ds.images.numpy()
    loader = ds.pytorch(batch_size=16, num_workers=2, shuffle=True, buffer_size=1)
    for _ in range(2):
        seen = []
        for b in loader:
            np.testing.assert_array_equal(b["images"].numpy(), full[b["index"].numpy()])
            seen += b["index"].tolist()
        assert sorted(seen) == list(range(120)) and seen != list(range(120))


def test_seeded_order_reproducible_across_workers(local_images_ds):
    deeplake.random.seed(3)
    try:
        a = [b["index"].tolist() for b in local_images_ds.pytorch(batch_size=10, num_workers=2, shuffle=True)]
        b = [b["index"].tolist() for b in local_images_ds.pytorch(batch_size=10, num_workers=0, shuffle=True)]
    finally:
        deeplake.random.seed(None)
    assert a == b


def test_dtype_casts():
    ds = deeplake.empty("mem://casts", overwrite=True)
    for name, dt in (("a", "uint16"), ("b", "uint32"), ("c", "uint64"), ("d", "float32")):
        ds.create_tensor(name, dtype=dt)
        ds[name].extend(np.arange(4).astype(dt))
    b = next(iter(ds.pytorch(batch_size=4, num_workers=0)))
    assert b["a"].dtype == torch.int32 and b["b"].dtype == torch.int64
    assert b["c"].dtype == torch.int64 and b["d"].dtype == torch.float32
    assert b["c"].reshape(-1).tolist() == [0, 1, 2, 3]


def test_empty_tensor_error():
    ds = deeplake.empty("mem://emptyt", overwrite=True)
    ds.create_tensor("x")
    with pytest.raises(EmptyTensorError):
        ds.pytorch()


def test_tensors_order_transform_collate_return_index(images_ds):
    loader = images_ds.pytorch(tensors=["labels", "images"], batch_size=4, num_workers=0, return_index=False)
    labels, images = next(iter(loader))
    assert tuple(labels.shape) == (4, 1) and tuple(images.shape) == (4, 16, 16, 3)
    loader = images_ds.pytorch(transform=lambda s, k: {"y": int(s["labels"][0]) * k}, transform_kwargs={"k": 10},
                               batch_size=5, num_workers=0)
    assert next(iter(loader))["y"].tolist() == [0, 10, 20, 30, 40]
    loader = images_ds.pytorch(transform={"labels": None}, batch_size=3, num_workers=0)
    assert set(next(iter(loader)).keys()) == {"labels", "index"}
    loader = images_ds.pytorch(batch_size=3, num_workers=0, collate_fn=lambda samples: len(samples))
    assert list(loader)[:2] == [3, 3]
    with pytest.raises(ValueError):
        images_ds.pytorch(tensors=["index"])


def test_batch_size_none_and_drop_last(images_ds):
    loader = images_ds.pytorch(batch_size=None, num_workers=0, tensors=["labels"])
    first = next(iter(loader))
    assert tuple(first["labels"].shape) == (1,)
    assert len(images_ds.pytorch(batch_size=8, drop_last=True, num_workers=0)) == 6


def test_pad_tensors():
    ds = deeplake.empty("mem://pad", overwrite=True)
    ds.create_tensor("a")
    ds.create_tensor("b")
    ds.a.extend(np.arange(4))
    ds.b.extend(np.arange(2))
    assert sum(len(b["index"]) for b in ds.pytorch(batch_size=2, num_workers=0)) == 2
    got = [b for b in ds.pytorch(batch_size=1, num_workers=0, pad_tensors=True)]
    assert len(got) == 4 and got[3]["b"].numel() == 0


def test_builder_pytorch(images_ds):
    loader = images_ds.dataloader().batch(10).pytorch(num_workers=2, decode_method={"images": "numpy"})
    batches = list(loader)
    assert len(loader) == 5 and len(batches) == 5
    assert torch.cat([b["index"] for b in batches]).tolist() == list(range(50))
    pil = images_ds.dataloader().transform({"images": lambda im: np.asarray(im.convert("L"))}).batch(2) \
        .pytorch(decode_method={"images": "pil"})
    assert tuple(next(iter(pil))["images"].shape) == (2, 16, 16)


def test_distributed_from_environment(images_ds, monkeypatch):
    seen = []
    for rank in range(2):
        monkeypatch.setenv("RANK", str(rank))
        monkeypatch.setenv("WORLD_SIZE", "2")
        loader = images_ds.dataloader().batch(7).pytorch(distributed=True)
        seen.append(sorted(torch.cat([b["index"] for b in loader]).tolist()))
    assert seen[0] and seen[1] and not set(seen[0]) & set(seen[1])
    assert sorted(seen[0] + seen[1]) == list(range(50))


DDP_SCRIPT = textwrap.dedent(
    """
    import json, os, sys
    import torch.distributed as dist
    import deeplake
    dist.init_process_group("gloo", rank=int(sys.argv[2]), world_size=2)
    deeplake.random.seed(11)
    ds = deeplake.load(sys.argv[1], read_only=True)
    loader = ds.dataloader().batch(8).shuffle(buffer_size=1).pytorch(distributed=True, num_workers=1)
    rows = [i for b in loader for i in b["index"].tolist()]
    print(json.dumps(rows))
    dist.destroy_process_group()
    """
)


def test_ddp_two_processes_on_gloo(local_images_ds, tmp_path):
    import socket

    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        port = s.getsockname()[1]
    script = tmp_path / "ddp.py"
    script.write_text(DDP_SCRIPT)
    env = {**os.environ, "MASTER_ADDR": "127.0.0.1", "MASTER_PORT": str(port)}
    env.pop("RANK", None)
    env.pop("WORLD_SIZE", None)
    procs = [subprocess.Popen([sys.executable, str(script), local_images_ds.path, str(r)], env=env,
                              stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True) for r in range(2)]
    outs = [p.communicate(timeout=300) for p in procs]
    for p, (out, err) in zip(procs, outs):
        assert p.returncode == 0, err
    import json

    rows = [json.loads(out.strip().splitlines()[-1]) for out, _ in outs]
    assert rows[0] and rows[1] and not set(rows[0]) & set(rows[1])
    assert sorted(rows[0] + rows[1]) == list(range(120))


def test_transform_runs_in_torch_worker_processes(local_images_ds):
    ds = local_images_ds
    full = ds.images.numpy()

    def tf(sample):
        return {"img": sample["images"][::2], "i": int(sample["index"])}

    loader = ds.pytorch(transform=tf, batch_size=16, num_workers=2, shuffle=True)
    assert loader.num_workers == 2  # Python transforms run in processes
    seen = []
    for b in loader:
        idx = b["i"].numpy()
        np.testing.assert_array_equal(b["img"].numpy(), full[idx][:, ::2])
        seen += idx.tolist()
    assert sorted(seen) == list(range(120))
    plain = ds.pytorch(batch_size=16, num_workers=2)
    assert plain.num_workers == 0  # decoding only: worker threads inside this process


def test_shared_memory_batches_from_worker_processes(images_ds):
    loader = images_ds.dataloader().transform({"images": None, "labels": None}).batch(10) \
        .pytorch(num_workers=2, collate_fn=None)
    got = torch.cat([b["images"] for b in loader])
    np.testing.assert_array_equal(got.numpy(), images_ds.images.numpy())
