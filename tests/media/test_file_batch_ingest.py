"""extend([deeplake.read(p) ...]) of many local files: the arena path
(core/engine/file_batch.py) must store exactly what the one-by-one path
stores, and fall back to it for anything unusual."""
import io

import numpy as np
import pytest
from PIL import Image

import deeplake
from deeplake.compression.image import decode_jpeg_turbo
from deeplake.core.engine import file_batch



def gradient(h, w, c=3):
    y, x = np.mgrid[0:h, 0:w]
    planes = [x * 255 // max(w - 1, 1), y * 255 // max(h - 1, 1), (x + y) * 255 // max(h + w - 2, 1)]
    return np.stack(planes[:c], -1).astype(np.uint8)


def _write_jpegs(folder, n, *, gray_every=0, exif_every=0, size=(24, 32)):
    paths = []
    for i in range(n):
        arr = np.roll(gradient(*size), i, axis=1)
        img = Image.fromarray(arr)
        if gray_every and i % gray_every == 0:
            img = img.convert("L")
        path = folder / f"{i:04d}.jpg"
        if exif_every and i % exif_every == 0:
            exif = Image.Exif()
            exif[0x010F] = "maker"  # Make
            img.save(path, quality=90, exif=exif)
        else:
            img.save(path, quality=90)
        paths.append(str(path))
    return paths


def _ingest(path, files, *, one_by_one=False, **tensor_args):
    ds = deeplake.empty(str(path), overwrite=True)
    ds.create_tensor("images", htype="image", sample_compression="jpeg", **tensor_args)
    with ds:
        if one_by_one:
            for f in files:
                ds.images.append(deeplake.read(f))
        else:
            ds.images.extend([deeplake.read(f) for f in files])
    return ds


def _stored(ds):
    info = ds["_images_info"]
    shape = ds["_images_shape"]
    return ([ds.images[i].tobytes() for i in range(len(ds))],
            [info[i].tobytes() for i in range(len(ds))],
            shape.numpy().tolist())


def test_batch_path_is_taken_and_stores_what_append_stores(tmp_path, monkeypatch):
    files = _write_jpegs(tmp_path, 40, gray_every=7, exif_every=5)
    calls = []
    real = file_batch.read_file_batch
    monkeypatch.setattr(file_batch, "read_file_batch", lambda *a: calls.append(1) or real(*a))
    batched = _ingest(tmp_path / "batched", files)
    assert calls and len(batched) == 40
    single = _ingest(tmp_path / "single", files, one_by_one=True)
    got, want = _stored(batched), _stored(single)
    assert got[0] == want[0]  # the file bytes, verbatim
    assert got[0][3] == open(files[3], "rb").read()
    assert got[1] == want[1]  # sample_info json, byte for byte (exif ones included)
    assert got[2] == want[2]
    assert batched.images[7].numpy().shape == (24, 32, 1)
    assert batched.images.sample_info[5]["exif"] != {}


def test_batch_spans_many_chunks_and_appends_after_a_partial_chunk(tmp_path):
    files = _write_jpegs(tmp_path, 60)
    ds = deeplake.empty(str(tmp_path / "ds"))
    ds.create_tensor("images", htype="image", sample_compression="jpeg", max_chunk_size=16 * 1024)
    with ds:
        ds.images.extend([deeplake.read(f) for f in files[:5]])  # a partly filled chunk
        ds.images.extend([deeplake.read(f) for f in files[5:]])
    ds = deeplake.load(str(tmp_path / "ds"), read_only=True)
    assert len(ds.images._engine.chunk_ids) > 3
    for i in (0, 4, 5, 30, 59):
        assert ds.images[i].tobytes() == open(files[i], "rb").read()
        np.testing.assert_array_equal(ds.images[i].numpy(), np.asarray(Image.open(files[i])))


def test_missing_file_fails_and_leaves_the_tensor_as_it_was(tmp_path):
    files = _write_jpegs(tmp_path, 20)
    ds = _ingest(tmp_path / "ds", files[:3])
    with pytest.raises(Exception, match="nope.jpg"):
        ds.images.extend([deeplake.read(f) for f in files] + [deeplake.read(str(tmp_path / "nope.jpg"))])
    assert len(ds.images) == 3 and len(ds["_images_info"]) == 3
    assert ds.images[2].tobytes() == open(files[2], "rb").read()


def test_unusual_samples_take_the_general_path(tmp_path):
    files = _write_jpegs(tmp_path, 20)
    touched = [deeplake.read(f) for f in files]
    touched[0].shape  # already read: not an untouched file
    assert file_batch.read_file_batch(touched, "jpeg") is None
    assert file_batch.read_file_batch([deeplake.read(f, verify=True) for f in files], "jpeg") is None
    assert file_batch.read_file_batch([deeplake.read(f) for f in files], "png") is None
    assert file_batch.read_file_batch([deeplake.read(f) for f in files[:3]], "jpeg") is None  # too few
    fb = file_batch.read_file_batch([deeplake.read(f) for f in files], "jpeg")
    assert len(fb) == 20 and fb.shapes[0] == (24, 32, 3)
    assert bytes(fb.views()[4]) == open(files[4], "rb").read()


def test_rgb_tensor_converts_gray_files(tmp_path):
    files = _write_jpegs(tmp_path, 20, gray_every=2)
    ds = deeplake.empty(str(tmp_path / "ds"))
    ds.create_tensor("images", htype="image.rgb", sample_compression="jpeg")
    ds.images.extend([deeplake.read(f) for f in files])
    assert ds.images[0].numpy().shape == (24, 32, 3)
    assert ds.images[1].tobytes() == open(files[1], "rb").read()


@pytest.mark.parametrize("mode", ["RGB", "L"])
@pytest.mark.parametrize("progressive", [False, True])
@pytest.mark.parametrize("subsampling", [0, 2])
def test_turbo_decode_matches_pillow(mode, progressive, subsampling):
    rng = np.random.default_rng(3)
    arr = (gradient(37, 53) // 2 + rng.integers(0, 60, (37, 53, 3))).astype(np.uint8)
    bio = io.BytesIO()
    Image.fromarray(arr).convert(mode).save(bio, "JPEG", quality=85, progressive=progressive,
                                            subsampling=subsampling)
    data = bio.getvalue()
    got = decode_jpeg_turbo(data)
    np.testing.assert_array_equal(got, np.asarray(Image.open(io.BytesIO(data))))
    assert got.flags.writeable


def test_turbo_decode_declines_what_pillow_must_handle():
    bio = io.BytesIO()
    Image.fromarray(gradient(8, 8)).convert("CMYK").save(bio, "JPEG")
    assert decode_jpeg_turbo(bio.getvalue()) is None  # colour conversion: Pillow's job
    rgb = io.BytesIO()
    Image.fromarray(gradient(8, 8)).save(rgb, "JPEG")
    assert decode_jpeg_turbo(rgb.getvalue(), channels=1) is None
    assert decode_jpeg_turbo(rgb.getvalue()[:40]) is None  # truncated
    assert decode_jpeg_turbo(b"not a jpeg") is None


def test_truncated_jpeg_in_a_tensor_still_raises(tmp_path):
    from deeplake.errors import SampleDecompressionError

    rng = np.random.default_rng(0)
    bio = io.BytesIO()
    Image.fromarray(rng.integers(0, 255, (128, 128, 3), dtype=np.uint8)).save(bio, "JPEG")
    data = bio.getvalue()
    ds = deeplake.empty("mem://trunc")
    ds.create_tensor("images", htype="image", sample_compression="jpeg")
    ds.images.append(deeplake.read(_write(tmp_path / "t.jpg", data)))
    # damage the stored scan data behind the header's back
    eng = ds.images._engine
    chunk = eng.get_chunk(int(eng.chunk_ids.rows[0, 0]))
    chunk._data = bytearray(chunk.data[: len(data) * 3 // 4])
    chunk.byte_positions.set_sizes(np.array([len(chunk._data)]))
    with pytest.raises(SampleDecompressionError):
        ds.images[0].numpy()


def _write(path, data):
    path.write_bytes(data)
    return str(path)


def test_batch_read_of_equal_jpegs_decodes_into_one_array(tmp_path, monkeypatch):
    files = _write_jpegs(tmp_path, 20, gray_every=0)
    ds = _ingest(tmp_path / "ds", files)
    want = np.stack([np.asarray(Image.open(f)) for f in files])
    got = ds.images[2:17].numpy()
    np.testing.assert_array_equal(got, want[2:17])
    np.testing.assert_array_equal(ds.images[[3, 1, 19]].numpy(), want[[3, 1, 19]])
    # a file the turbo decoder declines still comes out right (Pillow fallback)
    import deeplake.compression.image as image_codec

    monkeypatch.setattr(image_codec, "_simplejpeg", lambda: None)
    np.testing.assert_array_equal(ds.images[0:20].numpy(), want)


def test_batch_read_with_mixed_shapes_stacks_or_lists(tmp_path):
    files = _write_jpegs(tmp_path, 18)
    other = tmp_path / "big.jpg"
    Image.fromarray(gradient(30, 30)).save(other)
    ds = _ingest(tmp_path / "ds", files + [str(other)])
    assert ds.images.meta.min_shape != ds.images.meta.max_shape
    got = ds.images[16:19].numpy(aslist=True)
    assert [g.shape for g in got] == [(24, 32, 3), (24, 32, 3), (30, 30, 3)]
