"""build_tensor_meta + companions reproduce the metadata the reference writes."""

import json
import os

import numpy as np
import pytest

from deeplake.errors import (
    InvalidTensorLinkError,
    TensorMetaInvalidHtype,
    TensorMetaInvalidHtypeOverwriteKey,
    TensorMetaInvalidHtypeOverwriteValue,
    TensorMetaMissingRequiredValue,
    TensorMetaMutuallyExclusiveKeysError,
    UnsupportedCompressionError,
)
from deeplake.htypes import (
    build_tensor_meta,
    companion_key,
    companions,
    downsampled_key,
    htype_meta_updates,
    links_of,
    parse_htype,
)

from conftest import read_json

HERE = os.path.dirname(__file__)
with open(os.path.join(HERE, "data", "reference_fresh_meta.json")) as f:
    REFERENCE = json.load(f)
CASES = {k: v for k, v in REFERENCE.items() if not k.startswith("_")}
COMPANION_FLAGS = ("create_shape_tensor", "create_id_tensor", "create_sample_info_tensor")


def create(name, htype=None, **kwargs):
    """What Dataset.create_tensor writes for the main tensor: (meta, info)."""
    flags = {k: kwargs.pop(k) for k in COMPANION_FLAGS if k in kwargs}
    if htype is not None:
        kwargs["htype"] = htype
    meta, info = build_tensor_meta(name, **kwargs)
    parsed = parse_htype(kwargs.get("htype"))
    meta["links"] = links_of(
        companions(name, parsed.base, meta["is_link"], meta["verify"], **flags)
    )
    return meta, info


@pytest.mark.parametrize("case", sorted(CASES))
def test_fresh_meta_matches_reference(case):
    expected = CASES[case]
    meta, info = create(case, **expected["args"])
    assert meta == expected["meta"]
    assert (info or None) == expected["info"]


@pytest.mark.parametrize("key", ["_image_id", "_image_shape", "_image_info", "_list_shape"])
def test_companion_meta_matches_reference(key):
    parent = key.split("_")[1]
    htype = {"image": "image", "list": "list"}[parent]
    (comp,) = [c for c in companions(parent, htype) if c.key == key]
    meta, info = build_tensor_meta(key, **comp.meta_args)
    assert meta == REFERENCE["_hidden_examples"][key]
    assert info == {}


# ---- fixtures written by the reference: meta equal except data-decided keys ----------

DATA_KEYS = ("length", "min_shape", "max_shape")


def _fixture_case(fixture, key, args, data_decided=()):
    """Compare build_tensor_meta(args) with fixtures/<fixture>/<key>/tensor_meta.json.

    Keys decided by appended data (dtype/typestr/htype of htype-less tensors)
    are first applied the way the engine applies meta_updates.
    """
    expected = read_json(fixture, key, "tensor_meta.json")
    meta, info = create(key, **args)
    meta["name"] = expected["name"]
    if meta["htype"] is None:
        meta.update(htype_meta_updates(meta, expected["htype"]))
    for k in DATA_KEYS + tuple(data_decided):
        meta[k] = expected[k]
    assert meta == expected
    return info


FIXTURE_TENSORS = [
    ("tiny", "labels", {"htype": "class_label", "class_names": ["zero", "one", "two"]}, ()),
    ("tiny", "images", {"htype": "image", "sample_compression": "jpeg"}, ("dtype", "typestr")),
    ("tiny", "captions", {"htype": "text"}, ()),
    ("tiny", "extra", {"htype": "json"}, ()),
    ("basic", "ints", {"dtype": "int32"}, ()),
    ("basic", "floats_dyn", {"dtype": "float32"}, ()),
    ("basic", "scalars", {"dtype": "float64"}, ()),
    ("basic", "bools", {"dtype": "bool"}, ()),
    ("basic", "labels", {"htype": "class_label", "class_names": ["cat", "dog", "bird"]}, ()),
    ("basic", "text", {"htype": "text"}, ()),
    ("basic", "js", {"htype": "json"}, ()),
    ("basic", "lst", {"htype": "list"}, ()),
    ("basic", "tags", {"htype": "tag"}, ()),
    ("basic", "boxes", {"htype": "bbox", "coords": {"type": "pixel", "mode": "LTWH"}}, ()),
    ("basic", "big_ints", {"dtype": "uint16", "max_chunk_size": 2000}, ()),
    ("basic", "kp", {"htype": "keypoints_coco", "keypoints": ["nose", "eye"],
                     "connections": [[0, 1]]}, ()),
    ("images", "jpeg", {"htype": "image", "sample_compression": "jpeg"}, ("dtype", "typestr")),
    ("images", "png", {"htype": "image", "sample_compression": "png"}, ("dtype", "typestr")),
    ("images", "raw_lz4", {"htype": "generic", "dtype": "uint8", "chunk_compression": "lz4"}, ()),
    ("images", "png_chunk", {"htype": "image", "chunk_compression": "png"}, ("dtype", "typestr")),
    ("images", "tiled", {"htype": "image", "dtype": "uint8", "sample_compression": None,
                         "tiling_threshold": 1000}, ()),
    ("images", "tiled_png", {"htype": "image", "sample_compression": "png",
                             "tiling_threshold": 2000}, ("dtype", "typestr")),
    ("images", "gray", {"htype": "image.gray", "sample_compression": "png"}, ()),
    ("seq_link", "seq_labels", {"htype": "sequence[class_label]", "class_names": ["a", "b"]}, ()),
    ("seq_link", "seq_img", {"htype": "sequence[image]", "sample_compression": "png"},
     ("dtype", "typestr")),
    ("seq_link", "seq_text", {"htype": "sequence[text]"}, ()),
    ("seq_link", "links", {"htype": "link[image]", "sample_compression": "png"},
     ("dtype", "typestr")),
    ("seq_link", "poly", {"htype": "polygon", "dtype": "float32"}, ()),
    ("seq_link", "emb", {"htype": "embedding", "dtype": "float32"}, ()),
    ("groups", "a/b/c/x", {"dtype": "int16"}, ()),
    ("groups", "a/y", {"htype": "text"}, ()),
    ("groups", "top", {}, ("dtype",)),
    ("version_control", "x", {"dtype": "int64"}, ()),
    ("version_control", "lbl", {"htype": "class_label", "class_names": ["a", "b"]}, ()),
    ("version_control", "tmp", {"dtype": "float32"}, ()),
]


@pytest.mark.parametrize("fixture,key,args,data_decided", FIXTURE_TENSORS,
                         ids=[f"{f}/{k}" for f, k, _, _ in FIXTURE_TENSORS])
def test_meta_equals_fixture(fixture, key, args, data_decided):
    info = _fixture_case(fixture, key, args, data_decided)
    info_path = os.path.join(os.environ.get("DEEPLAKE_FIXTURES", "/work/shared/fixtures"),
                             fixture, key, "tensor_info.json")
    if info:
        on_disk = read_json(fixture, key, "tensor_info.json")
        for k, v in info.items():
            if k != "class_names":  # class_names may have grown from text labels
                assert on_disk[k] == v
        if "class_names" in info:
            assert on_disk["class_names"][: len(info["class_names"])] == info["class_names"]
    elif fixture != "basic":  # basic/ints has user info
        assert not os.path.exists(info_path)


def test_group_companion_links_use_full_keys():
    meta, _ = create("a/b/c/x", dtype="int16")
    assert meta["links"] == read_json("groups", "a/b/c/x", "tensor_meta.json")["links"]


@pytest.mark.parametrize("fixture,key,kind,parent_htype", [
    ("tiny", "_images_info", "info", "image"),
    ("tiny", "_images_shape", "shape", "image"),
    ("tiny", "_images_id", "id", "image"),
    ("basic", "_lst_shape", "shape", "list"),
    ("tiny", "_labels_id", "id", "class_label"),
])
def test_companion_meta_equals_fixture(fixture, key, kind, parent_htype):
    parent = key[1:].rsplit("_", 1)[0]
    (comp,) = [c for c in companions(parent, parent_htype) if c.kind == kind]
    assert comp.key == key
    meta, _ = build_tensor_meta(key, **comp.meta_args)
    expected = read_json(fixture, key, "tensor_meta.json")
    if meta["htype"] is None:  # decided by the first append
        meta.update(htype_meta_updates(meta, expected["htype"]))
    if meta["dtype"] is None:
        meta["dtype"], meta["typestr"] = expected["dtype"], expected["typestr"]
    for k in DATA_KEYS:
        meta[k] = expected[k]
    assert meta == expected


def test_companion_rules():
    kinds = lambda *a, **k: [c.kind for c in companions("t", *a, **k)]  # noqa: E731
    assert kinds("image") == ["info", "shape", "id"]
    assert kinds("image.gray") == ["shape", "id"]
    assert kinds("text") == ["id"]
    assert kinds("json") == ["id"]
    assert kinds("tag") == ["id"]
    assert kinds("list") == ["shape", "id"]
    assert kinds(None) == ["shape", "id"]
    for h in ("audio", "video", "dicom", "nifti", "point_cloud", "mesh"):
        assert kinds(h) == ["info", "shape", "id"]
    assert kinds("image", is_link=True, verify=False) == ["id"]
    assert kinds("image", is_link=False, verify=False) == ["info", "shape", "id"]
    assert kinds("image", create_id_tensor=False, create_sample_info_tensor=False) == ["shape"]
    assert companion_key("g/x", "id") == "g/_x_id"
    assert downsampled_key("g/x", 2) == "g/_x_downsampled_2"
    assert downsampled_key("g/_x_downsampled_2", 2) == "g/_x_downsampled_4"


# ---- creation errors (reference behaviour) -----------------------------------------


@pytest.mark.parametrize("args,error", [
    ({"htype": "foo"}, TensorMetaInvalidHtype),
    ({"htype": "image"}, TensorMetaMissingRequiredValue),
    ({"htype": "image.rgb"}, TensorMetaMissingRequiredValue),
    ({"htype": "video"}, TensorMetaMissingRequiredValue),
    ({"htype": "audio"}, TensorMetaMissingRequiredValue),
    ({"htype": "nifti"}, TensorMetaMissingRequiredValue),
    ({"htype": "point_cloud"}, TensorMetaMissingRequiredValue),
    ({"htype": "mesh"}, TensorMetaMissingRequiredValue),
    ({"htype": "video", "chunk_compression": "lz4"}, UnsupportedCompressionError),
    ({"htype": "nifti", "chunk_compression": "lz4"}, UnsupportedCompressionError),
    ({"htype": "image", "sample_compression": "mp4"}, UnsupportedCompressionError),
    ({"htype": "image", "sample_compression": "dcm"}, UnsupportedCompressionError),
    ({"htype": "dicom", "sample_compression": "png"}, UnsupportedCompressionError),
    ({"htype": "embedding", "sample_compression": "jpeg"}, UnsupportedCompressionError),
    ({"htype": "text", "chunk_compression": "png"}, UnsupportedCompressionError),
    ({"sample_compression": "zzz"}, UnsupportedCompressionError),
    ({"chunk_compression": "zzz"}, UnsupportedCompressionError),
    ({"chunk_compression": "mp4"}, UnsupportedCompressionError),
    ({"sample_compression": "png", "chunk_compression": "lz4"},
     TensorMetaMutuallyExclusiveKeysError),
    ({"foo": 1}, TensorMetaInvalidHtypeOverwriteKey),
    ({"length": 5}, TensorMetaInvalidHtypeOverwriteKey),
    ({"_info": []}, TensorMetaInvalidHtypeOverwriteKey),
    ({"htype": "class_label", "coords": {}}, TensorMetaInvalidHtypeOverwriteKey),
    ({"htype": "bbox", "coords": []}, TensorMetaInvalidHtypeOverwriteValue),
    ({"htype": "bbox", "coords": {"kind": "pixel"}}, TensorMetaInvalidHtypeOverwriteValue),
    ({"htype": "bbox", "coords": {"type": "pixel", "mode": "XYZ"}},
     TensorMetaInvalidHtypeOverwriteValue),
    ({"htype": "bbox.3d", "coords": {"type": "pixel"}}, TensorMetaInvalidHtypeOverwriteValue),
    ({"htype": "class_label", "class_names": "abc"}, TensorMetaInvalidHtypeOverwriteValue),
    ({"htype": "class_label", "class_names": [1, 2]}, TensorMetaInvalidHtypeOverwriteValue),
    ({"htype": "class_label", "dtype": "float32"}, TensorMetaInvalidHtypeOverwriteValue),
    ({"htype": "keypoints_coco", "connections": 5}, TensorMetaInvalidHtypeOverwriteValue),
    ({"dtype": "notadtype"}, TensorMetaInvalidHtypeOverwriteValue),
    ({"htype": "text", "dtype": "int32"}, TensorMetaInvalidHtypeOverwriteValue),
    ({"htype": "json", "dtype": "Foo[int]"}, TensorMetaInvalidHtypeOverwriteValue),
    ({"htype": "json", "dtype": "List[int, str]"}, TensorMetaInvalidHtypeOverwriteValue),
    ({"htype": "list", "dtype": "Dict[str]"}, TensorMetaInvalidHtypeOverwriteValue),
    ({"max_chunk_size": "big"}, TensorMetaInvalidHtypeOverwriteValue),
    ({"links": {"_t_id": {"extend": "nope", "flatten_sequence": False}}}, InvalidTensorLinkError),
    ({"htype": "link"}, ValueError),
    ({"htype": "link[generic]"}, ValueError),
    ({"htype": "sequence[tag]"}, ValueError),
])
def test_creation_errors(args, error):
    with pytest.raises(error):
        build_tensor_meta("t", **args)


def test_error_messages():
    with pytest.raises(TensorMetaInvalidHtype, match="Available htypes: \\['generic', 'image'"):
        build_tensor_meta("t", htype="foo")
    with pytest.raises(TensorMetaMissingRequiredValue,
                       match="Htype 'link\\[image\\]' requires you to specify either one of"):
        build_tensor_meta("t", htype="link[image]")
    with pytest.raises(TensorMetaInvalidHtypeOverwriteKey,
                       match="Htype 'generic' doesn't have a key for 'foo'. Available keys"):
        build_tensor_meta("t", foo=1)


def test_compression_values():
    meta, _ = build_tensor_meta("t", htype="image", sample_compression="jpg")
    assert meta["sample_compression"] == "jpeg"
    meta, _ = build_tensor_meta("t", htype="image", sample_compression="tif")
    assert meta["sample_compression"] == "tiff"
    meta, _ = build_tensor_meta("t", htype="dicom")
    assert meta["sample_compression"] == "dcm"
    meta, _ = build_tensor_meta("t", htype="image", sample_compression="lz4")
    assert meta["sample_compression"] == "lz4"
    meta, _ = build_tensor_meta("t", htype="video", sample_compression=None)
    assert meta["sample_compression"] is None and meta["dtype"] == "uint8"
    meta, _ = build_tensor_meta("t", sample_compression="jpeg")  # generic: any codec
    assert meta["htype"] is None and meta["sample_compression"] == "jpeg"


def test_dtype_values():
    assert build_tensor_meta("t", dtype=np.float32)[0]["dtype"] == "float32"
    assert build_tensor_meta("t", dtype=int)[0]["dtype"] == "int64"
    assert build_tensor_meta("t", htype="text", dtype=str)[0]["dtype"] == "str"
    assert build_tensor_meta("t", htype="json", dtype="Dict[str, int]")[0]["dtype"] == "Dict[str, int]"
    from typing import Dict, List

    assert build_tensor_meta("t", htype="json", dtype=Dict[str, int])[0]["dtype"] == \
        "typing.Dict[str, int]"
    assert build_tensor_meta("t", htype="list", dtype=List[int])[0]["dtype"] == "typing.List[int]"
    assert build_tensor_meta("t", htype="class_label", dtype="int16")[0]["dtype"] == "int16"
    assert build_tensor_meta("t", htype="bbox", dtype="int16")[0]["dtype"] == "int16"
    # typestr stays null at creation even with an explicit dtype (fixtures: ints, tiled)
    assert build_tensor_meta("t", dtype="int32")[0]["typestr"] is None


def test_info_is_a_copy():
    names = ["a"]
    _, info = build_tensor_meta("t", htype="class_label", class_names=names)
    info["class_names"].append("b")
    assert names == ["a"]
    _, info2 = build_tensor_meta("t", htype="class_label")
    assert info2 == {"class_names": []}


def test_htype_meta_updates_for_htypeless_tensor():
    meta, _ = build_tensor_meta("t")
    assert htype_meta_updates(meta, "text") == {"htype": "text", "dtype": "str"}
    assert htype_meta_updates(meta, "json") == {"htype": "json", "dtype": "Any"}
    assert htype_meta_updates(meta, "generic") == {"htype": "generic"}
    meta, _ = build_tensor_meta("t", dtype="int32")
    assert htype_meta_updates(meta, "generic") == {"htype": "generic"}
