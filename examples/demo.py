"""Demo: build a dataset, read it back, and stream it in batches.

Run with `bash scripts/demo.sh [path]` (default ./demo_data/demo_ds).
It streams the dataset through the dataloader (ds.dataloader() into numpy
batches, then ds.pytorch() when PyTorch is installed).
"""
import sys
import time

import numpy as np

import deeplake


def main(path: str = "./demo_data/demo_ds") -> None:
    rng = np.random.default_rng(0)
    ds = deeplake.empty(path, overwrite=True)
    with ds:
        ds.create_tensor("images", htype="image", sample_compression="png")
        ds.create_tensor("labels", htype="class_label", class_names=["cat", "dog", "bird"])
        ds.create_tensor("embeddings", htype="embedding", dtype="float32")
        n = 200
        ds.extend({
            "images": [rng.integers(0, 255, (32, 32, 3), dtype=np.uint8) for _ in range(n)],
            "labels": rng.integers(0, 3, n).astype(np.uint32),
            "embeddings": rng.standard_normal((n, 64)).astype(np.float32),
        })
    first = ds.commit("initial 200 rows")
    ds.labels[0] = "bird"
    second = ds.commit("relabel row 0")
    print(f"commits: {first[:8]} -> {second[:8]} on branch '{ds.branch}'")
    ds.summary()
    old = deeplake.load(f"{path}@{first}", read_only=True)
    print(f"row 0 label at first commit: {old.labels[0].data()['text']}, now: {ds.labels[0].data()['text']}")

    ds = deeplake.load(path, read_only=True)
    labels = ds.labels.numpy().ravel()
    print(f"reopened: {len(ds)} rows; label counts {np.bincount(labels).tolist()}")
    dogs = ds.query("SELECT * WHERE labels == 'dog'")
    print(f"TQL: {len(dogs)} rows labelled 'dog'; first image shape {dogs.images[0].numpy().shape}")
    q = ds.embeddings[0].numpy()
    nearest = ds.query(
        "SELECT * ORDER BY COSINE_SIMILARITY(embeddings, ARRAY[" + ",".join(f"{x:.5f}" for x in q) + "]) DESC LIMIT 3"
    )
    print(f"TQL: 3 nearest rows to row 0 by cosine similarity: {nearest.sample_indices.tolist()}")

    deeplake.random.seed(0)
    loader = ds.dataloader().batch(64).shuffle(buffer_size=64).numpy(num_workers=2)
    t0 = time.perf_counter()
    seen = 0
    for batch in loader:
        seen += len(batch["images"])
    print(f"dataloader: streamed {seen} shuffled images in batches of 64 in {time.perf_counter() - t0:.3f}s")
    try:
        import torch  # noqa: F401
    except ImportError:
        return
    t0 = time.perf_counter()
    seen = 0
    for batch in ds.pytorch(tensors=["images", "labels"], batch_size=64, num_workers=2):
        seen += int(batch["images"].shape[0])
    print(f"ds.pytorch(): {seen} images as torch tensors in {time.perf_counter() - t0:.3f}s")


if __name__ == "__main__":
    main(*sys.argv[1:])
