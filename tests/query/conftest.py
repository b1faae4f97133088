import numpy as np
import pytest

from deeplake.query import ColumnInfo, DictColumnSource

CLASS_NAMES = ["cat", "dog", "car", "truck", "person"]


def make_source(n=200, seed=0):
    rng = np.random.default_rng(seed)
    columns = {
        "labels": rng.integers(0, 5, size=(n, 1)).astype(np.uint32),
        "score": rng.standard_normal((n, 1)).astype(np.float32),
        "emb": rng.standard_normal((n, 16)).astype(np.float32),
        "boxes": [rng.random((int(rng.integers(0, 4)), 4)).astype(np.float32) for _ in range(n)],
        "categories": [rng.integers(0, 5, size=int(rng.integers(0, 3))).astype(np.uint32) for _ in range(n)],
        "text": [f"item {i % 17}" for i in range(n)],
        "meta": [{"id": f"id{i}", "k": int(i % 4), "tags": ["a", "b"][: i % 3]} for i in range(n)],
        "images": [np.full((2 + i % 3, 3, 3), i % 256, dtype=np.uint8) for i in range(n)],
        "grp/val": rng.integers(-10, 10, size=(n, 1)).astype(np.int64),
    }
    infos = {
        "labels": ColumnInfo("class_label", np.dtype("uint32"), True, (1,), CLASS_NAMES),
        "categories": ColumnInfo("class_label", np.dtype("uint32"), False, None, CLASS_NAMES),
        "boxes": ColumnInfo("bbox", np.dtype("float32"), False, None),
        "emb": ColumnInfo("embedding", np.dtype("float32"), True, (16,)),
        "text": ColumnInfo("text", np.dtype("str"), False, None),
        "meta": ColumnInfo("json", None, False, None),
        "images": ColumnInfo("image", np.dtype("uint8"), False, None),
    }
    return DictColumnSource(columns, infos), columns


@pytest.fixture
def data():
    return make_source()


@pytest.fixture
def source_factory():
    return make_source
