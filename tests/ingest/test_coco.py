import json
import os

import numpy as np
import pytest

import deeplake
from deeplake import errors
from deeplake.ingest._common import IngestionError
from ingest_sources import make_coco


def test_single_file_flat_tensors(coco_src):
    images, ann = coco_src
    ds = deeplake.ingest_coco(images, ann, "mem://coco_flat", progressbar=False)
    assert sorted(ds.tensors) == sorted(["images", "area", "bbox", "category_id", "id", "image_id", "iscrowd",
                                         "segmentation"])
    meta = {k: (ds[k].meta.htype, str(ds[k].meta.dtype)) for k in ds.tensors}
    assert meta["images"] == ("image", "uint8") and ds.images.meta.sample_compression == "jpeg"
    assert meta["bbox"] == ("bbox", "float32") and meta["segmentation"] == ("polygon", "float32")
    assert meta["category_id"] == ("class_label", "uint32")
    assert meta["id"] == ("generic", "int64") and meta["area"] == ("generic", "float64")
    assert len(ds) == 4
    # im0 has no annotation, im3 has three (dog, person, car)
    assert ds.bbox[0].numpy().shape == (0, 4)
    assert ds.bbox[3].numpy().shape == (3, 4)
    np.testing.assert_allclose(ds.bbox[3].numpy()[2], [1.5, 2, 3, 6])
    assert ds.category_id.info.class_names == ["dog", "person", "car"]
    assert ds.category_id[3].numpy().tolist() == [0, 1, 2]
    poly = ds.segmentation[2].numpy()
    assert len(poly) == 2 and poly[0].shape == (4, 2)
    assert ds.image_id[3].numpy().tolist() == [4, 4, 4]


def test_mappings_groups_and_ignore_keys(tmp_path):
    images, ann = make_coco(str(tmp_path / "c"))
    _, ann2 = make_coco(str(tmp_path / "c"), name="other.json")
    ds = deeplake.ingest_coco(images, [ann, ann2], "mem://coco_groups", progressbar=False,
                              key_to_tensor_mapping={"category_id": "labels", "bbox": "boxes"},
                              file_to_group_mapping={"other.json": "g2"}, ignore_keys=["area", "image_id", "id"])
    assert sorted(ds.tensors) == sorted(["images", "ann/boxes", "ann/labels", "ann/iscrowd", "ann/segmentation",
                                         "g2/boxes", "g2/labels", "g2/iscrowd", "g2/segmentation"])
    one = deeplake.ingest_coco(images, ann, "mem://coco_one_group", progressbar=False, ignore_one_group=False)
    assert "ann/bbox" in one.tensors


def test_link_images_and_params(coco_src):
    images, ann = coco_src
    ds = deeplake.ingest_coco(images, ann, "mem://coco_link", progressbar=False, image_creds_key="local",
                              image_params={"name": "img", "htype": "link[image]", "sample_compression": "jpeg"})
    assert ds.img.meta.is_link and ds.img[1].numpy().shape == (8, 10, 3)
    assert "local" in ds.get_creds_keys()


def test_num_workers_and_shuffle(coco_src):
    images, ann = coco_src
    ds = deeplake.ingest_coco(images, ann, "mem://coco_workers", progressbar=False, num_workers=2, shuffle=True)
    assert len(ds) == 4
    assert sorted(len(x) for x in ds.category_id.numpy(aslist=True)) == [0, 1, 2, 3]


def test_keypoints(tmp_path):
    images, ann = make_coco(str(tmp_path / "k"))
    data = json.load(open(ann))
    data["categories"][0].update(keypoints=["nose", "eye"], skeleton=[[1, 2]])
    for a in data["annotations"]:
        a["keypoints"] = [1, 2, 2, 3, 4, 1]
    json.dump(data, open(ann, "w"))
    ds = deeplake.ingest_coco(images, ann, "mem://coco_kp", progressbar=False, ignore_keys=["segmentation"])
    assert ds.keypoints.meta.htype == "keypoints_coco"
    assert ds.keypoints[3].numpy().shape == (6, 3)
    assert ds.keypoints.info.keypoints == ["nose", "eye"] and ds.keypoints.info.connections == [[0, 1]]


def test_bad_input(tmp_path, coco_src):
    images, ann = coco_src
    dest = str(tmp_path / "dest")
    with pytest.raises(IngestionError, match="Could not find a JSON annotation file"):
        deeplake.ingest_coco(images, str(tmp_path / "none.json"), dest, progressbar=False)
    bad = tmp_path / "bad.json"
    bad.write_text("{not json")
    with pytest.raises(IngestionError, match="not valid JSON"):
        deeplake.ingest_coco(images, str(bad), dest, progressbar=False)
    bad.write_text(json.dumps({"images": [], "annotations": []}))
    with pytest.raises(IngestionError, match="categories"):
        deeplake.ingest_coco(images, str(bad), dest, progressbar=False)
    with pytest.raises(IngestionError, match="unique"):
        deeplake.ingest_coco(images, ann, dest, key_to_tensor_mapping={"bbox": "x", "area": "x"}, progressbar=False)
    with pytest.raises(IngestionError, match="unique"):
        deeplake.ingest_coco(images, [ann, ann], dest, file_to_group_mapping={"a.json": "g", "b.json": "g"},
                             progressbar=False)
    with pytest.raises(errors.InvalidPathException):
        deeplake.ingest_coco(str(tmp_path / "noimages"), ann, dest, progressbar=False)
    open(os.path.join(images, "extra.jpg"), "wb").write(open(os.path.join(images, "im0.jpg"), "rb").read())
    with pytest.raises(IngestionError, match="extra.jpg"):
        deeplake.ingest_coco(images, ann, dest, progressbar=False)
    assert not deeplake.exists(dest)  # every check runs before the dataset is created


def test_rle_segmentation_is_rejected_cleanly(tmp_path):
    images, ann = make_coco(str(tmp_path / "r"))
    data = json.load(open(ann))
    data["annotations"][-1]["segmentation"] = {"counts": [1, 2], "size": [8, 10]}
    json.dump(data, open(ann, "w"))
    dest = str(tmp_path / "dest")
    with pytest.raises(IngestionError, match="RLE"):
        deeplake.ingest_coco(images, ann, dest, progressbar=False)
    assert not deeplake.exists(dest)
