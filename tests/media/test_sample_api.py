"""deeplake.read and Sample (spec 18.1): laziness, header shapes, bytes kept or recompressed."""
import io

import numpy as np
import pytest
from PIL import Image

import deeplake
from deeplake.core.sample import Sample
from deeplake.errors import CorruptedSampleError, UnableToReadFromUrlError


def test_read_is_lazy_and_shape_comes_from_header(image_files):
    s = deeplake.read(image_files["png"])
    assert isinstance(s, Sample)
    assert s.is_lazy
    assert s.shape == (12, 16, 3) and s.dtype == "uint8" and s.compression == "png"
    assert s.is_lazy  # the header was enough
    np.testing.assert_array_equal(s.array, image_files["array"])
    assert not s.is_lazy


def test_gray_image_is_three_dimensional(image_files):
    s = deeplake.read(str(image_files["gray_png"]))
    assert s.shape == (12, 16, 1)
    assert s.array.shape == (12, 16, 1)


def test_pil_and_bytes(image_files):
    s = deeplake.read(str(image_files["png"]))
    assert s.pil.size == (16, 12)
    raw = open(image_files["png"], "rb").read()
    assert s.compressed_bytes("png") == raw  # same format: the file unchanged
    jpeg = s.compressed_bytes("jpeg")
    assert jpeg[:3] == b"\xff\xd8\xff"
    assert Image.open(io.BytesIO(jpeg)).size == (16, 12)
    assert s.uncompressed_bytes() == image_files["array"].tobytes()
    assert s.compressed_bytes(None) == image_files["array"].tobytes()


def test_compression_argument_for_files_without_extension(tmp_path, image_files):
    p = tmp_path / "noext"
    p.write_bytes(open(image_files["png"], "rb").read())
    assert deeplake.read(str(p), compression="png").shape == (12, 16, 3)
    assert deeplake.read(str(p)).compression == "png"  # magic bytes


def test_sample_from_array_and_buffer(image_files):
    arr = image_files["array"]
    s = Sample(array=arr)
    assert not s.is_lazy and s.shape == arr.shape and s.dtype == "uint8"
    buf = open(image_files["png"], "rb").read()
    b = Sample(buffer=buf, compression="png")
    np.testing.assert_array_equal(b.array, arr)
    raw = Sample(buffer=arr.tobytes(), shape=arr.shape, dtype="uint8")
    np.testing.assert_array_equal(raw.array, arr)
    with pytest.raises(ValueError):
        Sample(path="x.png", array=arr)


def test_sample_info_of_image(image_files):
    info = deeplake.read(str(image_files["jpg"])).sample_info
    assert info["shape"] == [12, 16, 3] and info["format"] == "jpeg" and info["modified"] is False
    assert info["filename"] == str(image_files["jpg"]) and isinstance(info["exif"], dict)


def test_missing_file_raises_when_touched(tmp_path):
    s = deeplake.read(str(tmp_path / "missing.png"))  # lazy: no error yet
    with pytest.raises(FileNotFoundError):
        s.shape


def test_verify_rejects_truncated_file(tmp_path, image_files):
    p = tmp_path / "cut.png"
    p.write_bytes(open(image_files["png"], "rb").read()[:-60])
    with pytest.raises(CorruptedSampleError):
        deeplake.read(str(p), verify=True).shape


def test_read_bad_argument():
    with pytest.raises(TypeError):
        deeplake.read(123)


def test_read_http(http_root, image_files):
    base, root = http_root
    (root / "cat.png").write_bytes(open(image_files["png"], "rb").read())
    s = deeplake.read(f"{base}/cat.png", timeout=5)
    assert s.shape == (12, 16, 3)
    np.testing.assert_array_equal(s.array, image_files["array"])
    with pytest.raises(UnableToReadFromUrlError):
        deeplake.read(f"{base}/missing.png").shape


def test_matching_format_is_stored_verbatim(image_files):
    ds = deeplake.empty("mem://verbatim")
    ds.create_tensor("images", htype="image", sample_compression="jpeg")
    ds.images.extend([deeplake.read(str(image_files["jpg"])) for _ in range(3)])
    raw = open(image_files["jpg"], "rb").read()
    assert all(ds.images[i].tobytes() == raw for i in range(3))
    assert ds.images.shape == (3, 12, 16, 3)
    assert ds.images[1].sample_info["format"] == "jpeg"


def test_other_format_is_recompressed(image_files):
    ds = deeplake.empty("mem://recompress")
    ds.create_tensor("images", htype="image", sample_compression="png")
    ds.images.append(deeplake.read(str(image_files["jpg"])))
    stored = ds.images[0].tobytes()
    assert stored.startswith(b"\x89PNG") and stored != open(image_files["jpg"], "rb").read()
    np.testing.assert_array_equal(ds.images[0].numpy(), deeplake.read(str(image_files["jpg"])).array)


def test_uncompressed_tensor_takes_read_samples(image_files):
    ds = deeplake.empty("mem://raw")
    ds.create_tensor("x", htype="image", sample_compression=None, chunk_compression="lz4")
    ds.x.append(deeplake.read(str(image_files["png"])))
    np.testing.assert_array_equal(ds.x[0].numpy(), image_files["array"])


def test_image_gray_and_rgb_conversions(image_files):
    ds = deeplake.empty("mem://modes")
    ds.create_tensor("g", htype="image.gray", sample_compression="png")
    ds.create_tensor("r", htype="image.rgb", sample_compression="png")
    arr = image_files["array"]
    ds.g.append(arr)
    ds.g.append(deeplake.read(str(image_files["png"])))
    ds.r.append(arr[..., 0])
    ds.r.append(deeplake.read(str(image_files["gray_png"])))
    assert ds.g[0].numpy().shape == (12, 16, 1) and ds.g[1].numpy().shape == (12, 16, 1)
    assert ds.r[0].numpy().shape == (12, 16, 3) and ds.r[1].numpy().shape == (12, 16, 3)
    np.testing.assert_array_equal(ds.r[0].numpy()[..., 2], arr[..., 0])
    # batches of arrays are converted too
    ds.g.extend(np.stack([arr, arr]))
    assert ds.g.shape == (4, 12, 16, 1)


def test_read_through_a_storage_provider(image_files):
    from deeplake.storage.local import LocalProvider

    folder = image_files["png"].parent
    storage = LocalProvider(str(folder))
    s = deeplake.read("img.png", storage=storage)
    np.testing.assert_array_equal(s.array, image_files["array"])
    assert deeplake.read(str(image_files["png"]), storage=storage).shape == (12, 16, 3)


def test_nifti_and_dicom_headers_through_read(tmp_path):
    nib = pytest.importorskip("nibabel")
    vol = np.arange(4 * 5 * 6, dtype=np.float32).reshape(4, 5, 6)
    path = tmp_path / "vol.nii.gz"
    nib.save(nib.Nifti1Image(vol, np.eye(4)), str(path))
    s = deeplake.read(str(path))
    assert s.compression == "nii.gz" and s.shape == (4, 5, 6) and s.is_lazy
    ds = deeplake.empty("mem://nifti")
    ds.create_tensor("vol", htype="nifti", sample_compression="nii.gz")
    ds.vol.append(deeplake.read(str(path)))
    assert ds.vol[0].tobytes() == path.read_bytes()
    np.testing.assert_allclose(ds.vol[0].numpy(), vol)
