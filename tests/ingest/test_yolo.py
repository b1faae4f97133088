import os

import numpy as np
import pytest

import deeplake
from deeplake.ingest._common import IngestionError
from ingest_sources import make_yolo


def test_boxes_with_class_names(yolo_src):
    data, names = yolo_src
    ds = deeplake.ingest_yolo(data, "mem://yolo_boxes", class_names_file=names, progressbar=False)
    assert sorted(ds.tensors) == ["boxes", "images", "labels"]
    assert ds.boxes.meta.htype == "bbox" and str(ds.boxes.meta.dtype) == "float32"
    assert ds.boxes.info.coords == {"type": "fractional", "mode": "CCWH"}
    assert ds.labels.meta.htype == "class_label" and ds.labels.info.class_names == ["a", "b", "c"]
    assert ds.images.meta.sample_compression == "jpeg"
    assert ds.labels[2].numpy().tolist() == [0, 1, 2]
    np.testing.assert_allclose(ds.boxes[2].numpy()[1], [0.5, 0.4, 0.2, 0.2], rtol=1e-6)


def test_polygons_inferred(tmp_path):
    data, _ = make_yolo(str(tmp_path / "p" / "data"), polygons=True)
    ds = deeplake.ingest_yolo(data, "mem://yolo_poly", progressbar=False)
    assert sorted(ds.tensors) == ["images", "labels", "polygons"]
    assert ds.polygons.meta.htype == "polygon"
    assert ds.labels.info.class_names == []
    poly = ds.polygons[1].numpy()
    assert len(poly) == 2 and poly[0].shape == (3, 2)


def test_params_and_separate_annotations(tmp_path):
    data, names = make_yolo(str(tmp_path / "s" / "data"))
    ann_dir = tmp_path / "s" / "ann"
    ann_dir.mkdir()
    for f in os.listdir(data):
        if f.endswith(".txt"):
            os.rename(os.path.join(data, f), ann_dir / f)
    ds = deeplake.ingest_yolo(data, "mem://yolo_params", annotations_directory=str(ann_dir), progressbar=False,
                              coordinates_params={"name": "bb"}, label_params={"name": "cls"},
                              image_params={"name": "img", "sample_compression": "png"}, num_workers=2)
    assert sorted(ds.tensors) == ["bb", "cls", "img"]
    assert ds.img.meta.sample_compression == "png" and len(ds) == 3


def test_missing_annotations(yolo_src, tmp_path):
    data, _ = yolo_src
    os.remove(os.path.join(data, "im0.txt"))
    dest = str(tmp_path / "d")
    with pytest.raises(IngestionError, match="allow_no_annotation"):
        deeplake.ingest_yolo(data, dest, progressbar=False)
    assert not deeplake.exists(dest)
    ds = deeplake.ingest_yolo(data, dest, allow_no_annotation=True, progressbar=False)
    assert ds.boxes[0].numpy().shape == (0, 4) and ds.labels[0].numpy().shape == (0,)


def test_bad_input(tmp_path, yolo_src):
    data, names = yolo_src
    dest = str(tmp_path / "d")
    with pytest.raises(IngestionError, match="class_names_file"):
        deeplake.ingest_yolo(data, dest, class_names_file=str(tmp_path / "none.names"), progressbar=False)
    short = tmp_path / "two.names"
    short.write_text("a\n")
    with pytest.raises(IngestionError, match="outside"):
        deeplake.ingest_yolo(data, dest, class_names_file=str(short), progressbar=False)
    empty = tmp_path / "empty"
    empty.mkdir()
    with pytest.raises(IngestionError, match="no supported images"):
        deeplake.ingest_yolo(str(empty), dest, progressbar=False)
    with open(os.path.join(data, "im1.txt"), "w") as f:
        f.write("0 0.1 0.2 0.3\n")
    with pytest.raises(IngestionError, match="even number"):
        deeplake.ingest_yolo(data, dest, progressbar=False)
    assert not deeplake.exists(dest)
