"""LAS point clouds (laspy) and PLY meshes (own reader): arrays, headers, sample_info."""

import sys

import numpy as np
import pytest

import deeplake.compression as C
from deeplake.compression import mesh
from deeplake.errors import (
    CorruptedSampleError,
    ModuleNotInstalledException,
    SampleDecompressionError,
)
from media_samples import TETRA_FACES, TETRA_VERTICES, make_las, make_ply

# -------------------------------------------------------------------- las

LAS_FORMAT_2_FIELDS = [
    "X", "Y", "Z", "intensity", "return_number", "number_of_returns", "scan_direction_flag",
    "edge_of_flight_line", "classification", "synthetic", "key_point", "withheld",
    "scan_angle_rank", "user_data", "point_source_id", "red", "green", "blue",
]


@pytest.fixture(scope="module")
def las():
    pytest.importorskip("laspy")
    return make_las(points=50, point_format=2)


def test_las_decodes_every_field_as_float32(las):
    array = C.decompress_array(las, "las")
    assert array.shape == (50, 18) and array.dtype == np.float32
    # Raw integer coordinates (scale 0.01), as the reference returns them.
    np.testing.assert_array_equal(array[:2, :3], [[0, 500, 0], [20, 502, 50]])
    np.testing.assert_array_equal(array[:, 3], np.arange(50))  # intensity
    np.testing.assert_array_equal(array[:, 8], 2)  # classification


def test_las_header_shape_without_reading_points(las):
    assert C.read_header_from_bytes(las) == C.SampleHeader((50, 18), "<f4", "las")


def test_las_sample_info_as_reference(las):
    info = C.read_sample_info(las, "las", filename="p.las")
    assert list(info) == ["dimension_names", "las_header", "vlrs", "dimensions_names_to_dtype",
                          "shape", "format", "filename"]
    assert info["dimension_names"] == LAS_FORMAT_2_FIELDS
    assert info["dimensions_names_to_dtype"]["X"] == "<i4"
    assert info["dimensions_names_to_dtype"]["intensity"] == "<u2"
    assert info["dimensions_names_to_dtype"]["return_number"] == "|u1"
    header = info["las_header"]
    assert header["point_count"] == 50 and header["scales"] == [0.01, 0.01, 0.01]
    assert header["version"] == {"major": 1, "minor": 2}
    assert header["maxs"] == [10.0, 6.0, 24.5] and header["mins"] == [0.0, 5.0, 0.0]
    assert info["vlrs"] == [] and info["shape"] == (50, 18)


def test_las_with_gps_time_field():
    pytest.importorskip("laspy")
    buf = make_las(points=10, point_format=3)
    info = C.read_sample_info(buf, "las")
    assert info["dimensions_names_to_dtype"]["gps_time"] == "<f8"
    assert C.decompress_array(buf, "las").shape == (10, len(info["dimension_names"]))


def test_corrupt_las(las):
    with pytest.raises(CorruptedSampleError, match="las file"):
        C.read_shape_from_bytes(b"LASF" + b"\x00" * 100, "las")
    with pytest.raises(SampleDecompressionError, match="las file"):
        C.decompress_array(las[: len(las) - 300], "las")


def test_missing_laspy_names_the_extra(monkeypatch, las):
    monkeypatch.setitem(sys.modules, "laspy", None)
    with pytest.raises(ModuleNotInstalledException, match=r'deeplake\[point_cloud\]'):
        C.decompress_array(las, "las")


# -------------------------------------------------------------------- ply

PLY_FORMATS = ["ascii", "binary_little_endian", "binary_big_endian"]


@pytest.mark.parametrize("fmt", PLY_FORMATS)
def test_ply_vertices_and_faces(fmt):
    buf = make_ply(fmt)
    array = C.decompress_array(buf, "ply")
    assert array.shape == (4, 3) and array.dtype == np.float32
    np.testing.assert_array_equal(array, TETRA_VERTICES)
    assert C.read_header_from_bytes(buf) == C.SampleHeader((4, 3), "<f4", "ply")
    info = C.read_sample_info(buf, "ply")
    assert info["faces"] == TETRA_FACES
    assert info["vertex"] == 4 and info["face"] == 4 and info["fmt"] == fmt
    assert info["extension"] == "ply" and info["comments"] == ["made by test"]
    assert info["dimensions_names"] == ["x", "y", "z", "vertex_indices"]
    assert info["shape"] == (4, 3) and info["format"] == "ply"


def test_ply_mixed_polygon_faces():
    faces = [[0, 1, 2, 3], [0, 1, 2], [1, 2, 3]]
    for fmt in PLY_FORMATS:
        info = C.read_sample_info(make_ply(fmt, faces=faces), "ply")
        assert info["faces"] == faces


def test_ply_point_cloud_without_faces():
    buf = make_ply("binary_little_endian", faces=None, comment=None)
    info = C.read_sample_info(buf, "ply")
    assert info["faces"] == [] and "face" not in info
    np.testing.assert_array_equal(C.decompress_array(buf, "ply"), TETRA_VERTICES)


def test_ply_large_binary_mesh_round_trip():
    rng = np.random.default_rng(0)
    vertices = rng.random((5000, 3)).astype(np.float32)
    faces = rng.integers(0, 5000, (9000, 3)).tolist()
    buf = make_ply("binary_little_endian", vertices, faces)
    np.testing.assert_array_equal(C.decompress_array(buf, "ply"), vertices)
    elements = mesh.read_elements(buf)
    assert elements["face"]["vertex_indices"].tolist() == faces


def test_ply_extra_vertex_properties():
    head = (b"ply\nformat binary_little_endian 1.0\nelement vertex 2\nproperty double x\n"
            b"property double y\nproperty double z\nproperty uchar red\nend_header\n")
    rows = np.zeros(2, dtype=[("x", "<f8"), ("y", "<f8"), ("z", "<f8"), ("red", "u1")])
    rows["x"], rows["z"], rows["red"] = [1.5, 2.5], [3, 4], [7, 9]
    buf = head + rows.tobytes()
    array = C.decompress_array(buf, "ply")
    assert array.dtype == np.float64
    np.testing.assert_array_equal(array, [[1.5, 0, 3], [2.5, 0, 4]])
    np.testing.assert_array_equal(mesh.read_elements(buf)["vertex"]["red"], [7, 9])


@pytest.mark.parametrize(
    "garbage",
    [b"", b"not a ply", b"ply\nformat weird 1.0\nend_header\n",
     b"ply\nformat ascii 1.0\nelement face 1\nproperty list uchar int vertex_indices\nend_header\n3 0 1 2\n"],
)
def test_bad_ply_headers(garbage):
    with pytest.raises(CorruptedSampleError, match="ply file"):
        C.read_shape_from_bytes(garbage, "ply")
    with pytest.raises(SampleDecompressionError, match="ply file"):
        C.decompress_array(garbage, "ply")


@pytest.mark.parametrize("fmt", PLY_FORMATS)
def test_truncated_ply_body(fmt):
    buf = make_ply(fmt)
    cut = buf[: buf.index(b"end_header") + 11 + 10]
    with pytest.raises(SampleDecompressionError, match="ply file"):
        C.decompress_array(cut, "ply")


def test_3d_formats_refuse_arrays():
    for fmt in ("las", "ply"):
        with pytest.raises(Exception, match="deeplake.read"):
            C.compress_array(np.zeros((5, 3), np.float32), fmt)
