import os

import numpy as np
import pytest

import deeplake
from deeplake import errors
from ingest_sources import make_class_tree, write_image


def test_class_folders_give_images_and_labels(class_tree, capsys):
    ds = deeplake.ingest_classification(class_tree, "mem://cls_basic", progressbar=False, shuffle=False)
    assert list(ds.tensors) == ["images", "labels"]
    assert ds.images.meta.htype == "image" and ds.images.meta.sample_compression == "jpeg"
    assert ds.labels.meta.htype == "class_label" and str(ds.labels.meta.dtype) == "uint32"
    assert ds.labels.info.class_names == ["bird", "cat", "dog"]
    assert len(ds) == 9
    labels = ds.labels.numpy().reshape(-1).tolist()
    assert labels == [0, 0, 0, 1, 1, 1, 2, 2, 2]
    assert ds.images[0].numpy().shape == (8, 10, 3)
    assert "Ingestion Complete. No files were skipped." in capsys.readouterr().out


def test_sets_become_groups(tmp_path):
    src = make_class_tree(str(tmp_path / "sets"), classes=("a", "b"), per_class=2, ext="png", sets=("train", "test"))
    ds = deeplake.ingest_classification(src, "mem://cls_sets", progressbar=False, summary=False)
    assert sorted(ds.tensors) == ["test/images", "test/labels", "train/images", "train/labels"]
    assert ds["test/labels"].info.class_names == ["a", "b"]
    assert ds["train/images"].meta.sample_compression == "png"
    assert len(ds["train/images"]) == len(ds["train/labels"]) == 4


def test_shuffle_keeps_image_label_pairs(class_tree):
    ds = deeplake.ingest_classification(class_tree, "mem://cls_shuffle", progressbar=False, summary=False)
    by_label = {}
    for img, lab in zip(ds.images.numpy(aslist=True), ds.labels.numpy().reshape(-1)):
        by_label.setdefault(int(lab), []).append(int(img.astype(np.int64).sum()))
    plain = deeplake.ingest_classification(class_tree, "mem://cls_noshuffle", progressbar=False, summary=False,
                                           shuffle=False)
    expected = {}
    for img, lab in zip(plain.images.numpy(aslist=True), plain.labels.numpy().reshape(-1)):
        expected.setdefault(int(lab), []).append(int(img.astype(np.int64).sum()))
    assert {k: sorted(v) for k, v in by_label.items()} == {k: sorted(v) for k, v in expected.items()}


def test_num_workers_same_content(class_tree):
    serial = deeplake.ingest_classification(class_tree, "mem://cls_w0", progressbar=False, summary=False,
                                            shuffle=False)
    parallel = deeplake.ingest_classification(class_tree, "mem://cls_w2", progressbar=False, summary=False,
                                              shuffle=False, num_workers=2)
    assert len(parallel) == len(serial)
    assert sorted(parallel.labels.numpy().reshape(-1).tolist()) == sorted(serial.labels.numpy().reshape(-1).tolist())


def test_unsupported_and_corrupt_files(class_tree, capsys):
    with open(os.path.join(class_tree, "cat", "notes.txt"), "w") as f:
        f.write("not an image")
    with open(os.path.join(class_tree, "cat", "broken.jpg"), "wb") as f:
        f.write(b"not a jpeg")
    write_image(os.path.join(class_tree, "cat", "gray.jpg"), gray=True)
    ds = deeplake.ingest_classification(class_tree, "mem://cls_bad", progressbar=False, shuffle=False)
    out = capsys.readouterr().out
    assert "[Skipped]  notes.txt" in out and "[Skipped]  broken.jpg" in out
    assert len(ds) == 11  # notes.txt ignored; the broken jpeg is kept as an empty image
    shapes = [s.shape for s in ds.images.numpy(aslist=True)]
    assert (0, 0, 0) in shapes and (8, 10, 1) in shapes


def test_image_and_label_params(class_tree):
    ds = deeplake.ingest_classification(class_tree, "mem://cls_params", progressbar=False, summary=False,
                                        image_params={"name": "img", "sample_compression": "png"},
                                        label_params={"name": "cls"})
    assert sorted(ds.tensors) == ["cls", "img"]
    assert ds.img.meta.sample_compression == "png"


def test_link_images(class_tree):
    ds = deeplake.ingest_classification(class_tree, "mem://cls_link", progressbar=False, summary=False,
                                        image_params={"htype": "link[image]"})
    assert ds.images.meta.is_link and ds.images[0].numpy().shape == (8, 10, 3)


def test_single_wrapper_folder_is_descended(tmp_path):
    make_class_tree(str(tmp_path / "wrap" / "inner"))
    ds = deeplake.ingest_classification(str(tmp_path / "wrap"), "mem://cls_wrap", progressbar=False, summary=False)
    assert ds.labels.info.class_names == ["bird", "cat", "dog"]


def test_local_dest_roundtrip(class_tree, tmp_path):
    dest = str(tmp_path / "out")
    deeplake.ingest_classification(class_tree, dest, progressbar=False, summary=False)
    ds = deeplake.load(dest)
    assert len(ds) == 9 and ds.labels.info.class_names == ["bird", "cat", "dog"]
    with pytest.raises(errors.DatasetHandlerError):
        deeplake.ingest_classification(class_tree, dest, progressbar=False, summary=False)
    ds = deeplake.ingest_classification(class_tree, dest, progressbar=False, summary=False, overwrite=True)
    assert len(ds) == 9


def test_errors(tmp_path, class_tree):
    with pytest.raises(errors.InvalidPathException):
        deeplake.ingest_classification(str(tmp_path / "missing"), "mem://e1", progressbar=False)
    empty = tmp_path / "empty"
    empty.mkdir()
    with pytest.raises(errors.InvalidPathException, match="No files"):
        deeplake.ingest_classification(str(empty), "mem://e2", progressbar=False)
    (tmp_path / "txt" / "a").mkdir(parents=True)
    (tmp_path / "txt" / "a" / "x.txt").write_text("x")
    with pytest.raises(errors.AutoCompressionError):
        deeplake.ingest_classification(str(tmp_path / "txt"), "mem://e3", progressbar=False)
    with pytest.raises(errors.SamePathException):
        deeplake.ingest_classification(class_tree, class_tree, progressbar=False)
    with pytest.raises(errors.CloudServiceUnavailableError):
        deeplake.ingest_classification(class_tree, "hub://org/ds", progressbar=False)
    with pytest.raises(errors.CloudServiceUnavailableError):
        deeplake.ingest_classification(class_tree, "mem://e4", connect_kwargs={"org_id": "x"})
    assert not os.path.exists(str(tmp_path / "never"))


def test_csv_source(tmp_path, class_tree):
    pd = pytest.importorskip("pandas")
    csv = tmp_path / "table.csv"
    pd.DataFrame({"a": [1, 2], "b": ["x", "y"]}).to_csv(csv, index=False)
    ds = deeplake.ingest_classification(str(csv), "mem://cls_csv", progressbar=False)
    assert ds.a.numpy().reshape(-1).tolist() == [1, 2] and ds.b.meta.htype == "text"
    with pytest.raises(errors.InvalidPathException):
        deeplake.ingest_classification(str(tmp_path / "nope.csv"), "mem://cls_csv2", progressbar=False)
