"""Htype parsing and the registry's documented defaults."""

import pytest

from deeplake.errors import TensorMetaInvalidHtype
from deeplake.htypes import HTYPES, ParsedHtype, format_htype, get_htype, parse_htype


@pytest.mark.parametrize("text,parsed", [
    ("image", ParsedHtype("image", False, False)),
    ("sequence[image]", ParsedHtype("image", True, False)),
    ("link[image]", ParsedHtype("image", False, True)),
    ("sequence[link[image]]", ParsedHtype("image", True, True)),
    ("link[sequence[image]]", ParsedHtype("image", True, True)),
    ("sequence", ParsedHtype(None, True, False)),
    ("sequence[]", ParsedHtype(None, True, False)),
    ("generic", ParsedHtype("generic", False, False)),
    (None, ParsedHtype(None, False, False)),
    ("bbox.3d", ParsedHtype("bbox.3d", False, False)),
])
def test_parse_htype(text, parsed):
    assert parse_htype(text) == parsed


@pytest.mark.parametrize("bad", ["foo", "sequence[foo]", "link[", "sequence[link[image]",
                                 "sequence[sequence[image]]", "image[", "sequenceimage"])
def test_parse_htype_invalid(bad):
    with pytest.raises(TensorMetaInvalidHtype) as e:
        parse_htype(bad)
    assert "Available htypes" in str(e.value) and "'class_label'" in str(e.value)


@pytest.mark.parametrize("bad", ["link", "link[]", "link[generic]", "sequence[link]",
                                 "sequence[tag]"])
def test_parse_htype_value_errors(bad):
    with pytest.raises(ValueError):
        parse_htype(bad)


def test_get_htype():
    assert get_htype(None).name == "generic"
    with pytest.raises(TensorMetaInvalidHtype):
        get_htype("nope")


# Spec Table 1 / FORMAT.md §2.1 (point_cloud is float32 in 3.8.22 as in fixtures-era code).
DEFAULT_DTYPES = {
    "generic": None, "image": None, "image.rgb": "uint8", "image.gray": "uint8",
    "video": "uint8", "audio": "float64", "class_label": "uint32", "tag": "List",
    "bbox": "float32", "bbox.3d": "float32", "intrinsics": "float32",
    "segment_mask": "uint32", "binary_mask": "bool", "keypoints_coco": "int32",
    "point": "int32", "polygon": "float32", "text": "str", "json": "Any", "list": "List",
    "dicom": None, "nifti": None, "point_cloud": "float32", "mesh": None,
    "instance_label": "uint32", "embedding": "float32",
}


def test_registry_covers_every_htype_with_its_default_dtype():
    assert set(HTYPES) == set(DEFAULT_DTYPES)
    for name, dtype in DEFAULT_DTYPES.items():
        assert HTYPES[name].default_dtype == dtype, name


def test_info_keys():
    assert HTYPES["image"].info_keys == ("intrinsics",)
    assert HTYPES["class_label"].info_keys == ("class_names",)
    assert HTYPES["segment_mask"].info_keys == ("class_names",)
    assert HTYPES["bbox"].info_keys == ("coords",)
    assert HTYPES["keypoints_coco"].info_keys == ("keypoints", "connections")
    assert HTYPES["image.gray"].info_keys == ()


def test_format_htype():
    assert format_htype("image") == "image"
    assert format_htype("image", is_sequence=True) == "sequence[image]"
    assert format_htype("image", True, True) == "link[sequence[image]]"
    assert format_htype(None) is None
