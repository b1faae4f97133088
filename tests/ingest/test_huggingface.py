import numpy as np
import pytest

import deeplake

datasets = pytest.importorskip("datasets")


def _hf():
    feats = datasets.Features({
        "text": datasets.Value("string"), "label": datasets.ClassLabel(names=["neg", "pos"]),
        "f": datasets.Value("float32"), "seq": datasets.Sequence(datasets.Value("int64")),
        "sseq": datasets.Sequence(datasets.Value("string")),
        "nested": {"a": datasets.Value("int32"), "b": datasets.Value("string")},
        "arr": datasets.Array2D((2, 2), "float32"),
    })
    data = {"text": ["hi", "yo", "zz"], "label": [0, 1, 1], "f": [0.5, 1.5, 2.5], "seq": [[1, 2], [3], []],
            "sseq": [["a"], ["b", "c"], []], "nested": [{"a": 1, "b": "p"}, {"a": 2, "b": "q"}, {"a": 3, "b": "r"}],
            "arr": [np.eye(2)] * 3}
    return datasets.Dataset.from_dict(data, features=feats)


def test_features_to_tensors():
    ds = deeplake.ingest_huggingface(_hf(), "mem://hf_basic", use_progressbar=False)
    assert sorted(ds.tensors) == sorted(["text", "label", "f", "seq", "nested/a", "nested/b", "arr"])  # sseq skipped
    assert ds.text.meta.htype == "text" and ds.text.numpy(aslist=True)[1].tolist() == ["yo"]
    assert ds.label.meta.htype == "class_label" and ds.label.info.class_names == ["neg", "pos"]
    assert ds.label.numpy().reshape(-1).tolist() == [0, 1, 1]
    assert str(ds.f.meta.dtype) == "float64" and str(ds.seq.meta.dtype) == "int64"
    assert [x.tolist() for x in ds.seq.numpy(aslist=True)] == [[1, 2], [3], []]
    assert ds["nested/b"].numpy(aslist=True)[2].tolist() == ["r"]
    assert ds.arr[0].numpy().shape == (2, 2) and str(ds.arr.meta.dtype) == "float32"


def test_dataset_dict_splits_are_groups():
    hf = _hf()
    dd = datasets.DatasetDict({"train": hf, "test": hf.select([0])})
    ds = deeplake.ingest_huggingface(dd, "mem://hf_dict", use_progressbar=False)
    assert "train/text" in ds.tensors and "test/label" in ds.tensors
    assert len(ds["train/text"]) == 3 and len(ds["test/text"]) == 1


def test_images():
    from PIL import Image

    imgs = [Image.fromarray(np.full((4, 5, 3), i * 10, np.uint8)) for i in range(2)]
    imgs.append(Image.fromarray(np.full((4, 5), 7, np.uint8)))
    hf = datasets.Dataset.from_dict({"image": imgs}, features=datasets.Features({"image": datasets.Image()}))
    ds = deeplake.ingest_huggingface(hf, "mem://hf_images", use_progressbar=False)
    assert ds.image.meta.htype == "image" and ds.image.meta.sample_compression == "png"
    assert ds.image[1].numpy().shape == (4, 5, 3) and int(ds.image[1].numpy()[0, 0, 0]) == 10
    assert ds.image[2].numpy().shape == (4, 5, 1)


def test_dest_dataset_and_errors(tmp_path):
    ds = deeplake.empty("mem://hf_dest")
    assert deeplake.ingest_huggingface(_hf(), ds, use_progressbar=False) is ds
    with pytest.raises(ValueError):
        deeplake.ingest_huggingface(_hf(), 42)
    with pytest.raises(TypeError):
        deeplake.ingest_huggingface({"a": [1]}, "mem://hf_bad")
    with pytest.raises(deeplake.errors.CloudServiceUnavailableError):
        deeplake.ingest_huggingface(_hf(), "hub://org/x")
