"""Video codecs (mp4, mkv, avi over PyAV): decode, frame ranges, header, timestamps."""

import sys

import numpy as np
import pytest

pytest.importorskip("av")

import deeplake.compression as C  # noqa: E402
from deeplake.compression import video  # noqa: E402
from deeplake.errors import (  # noqa: E402
    CorruptedSampleError,
    ModuleNotInstalledException,
    SampleDecompressionError,
)
from media_samples import frame_index, make_video  # noqa: E402

FORMATS = ["mp4", "mkv", "avi"]


@pytest.fixture(scope="module", params=FORMATS)
def clip(request):
    return request.param, make_video(request.param, frames=30, width=64, height=48, fps=10, gop=10)


def test_full_decode_shape_dtype_and_frame_order(clip):
    fmt, buf = clip
    array = C.decompress_array(buf, fmt)
    assert array.shape == (30, 48, 64, 3) and array.dtype == np.uint8
    assert [frame_index(f) for f in array] == list(range(30))


def test_header_shape_matches_decode_without_decoding(clip):
    fmt, buf = clip
    assert C.read_shape_from_bytes(buf, fmt) == (30, 48, 64, 3)
    header = C.read_header_from_bytes(buf, fmt)
    assert header == C.SampleHeader((30, 48, 64, 3), "|u1", fmt)
    assert C.compression_from_bytes(buf) == fmt
    assert C.read_header_from_bytes(buf).compression == fmt


@pytest.mark.parametrize(
    "start, stop, step",
    [(5, 10, None), (5, 20, 3), (0, 30, 7), (25, None, None), (None, None, 11), (28, 100, 1),
     (None, None, -1), (20, 4, -5), (-3, None, None), (12, 12, None)],
)
def test_frame_range_equals_slice_of_full_decode(clip, start, stop, step):
    fmt, buf = clip
    full = C.decompress_array(buf, fmt)
    part = C.decompress_array(buf, fmt, start=start, stop=stop, step=step)
    expected = full[start:stop:step]
    assert part.shape == expected.shape
    np.testing.assert_array_equal(part, expected)


def test_frame_range_checks_recorded_shape(clip):
    fmt, buf = clip
    out = C.decompress_array(buf, fmt, (5, 48, 64, 3), "uint8", start=0, stop=5)
    assert out.shape == (5, 48, 64, 3)
    with pytest.raises(SampleDecompressionError):
        C.decompress_array(buf, fmt, (6, 48, 64, 3), "uint8", start=0, stop=5)


def test_frame_step_zero_is_rejected(clip):
    fmt, buf = clip
    with pytest.raises(ValueError):
        C.decompress_array(buf, fmt, start=0, stop=5, step=0)


def test_timestamps(clip):
    fmt, buf = clip
    stamps = C.video_timestamps(buf, fmt)
    assert stamps.dtype == np.float32 and stamps.shape == (30,)
    np.testing.assert_allclose(stamps, np.arange(30) / 10, atol=1e-6)
    np.testing.assert_allclose(C.video_timestamps(buf, fmt, 5, 10), [0.5, 0.6, 0.7, 0.8, 0.9], atol=1e-6)
    np.testing.assert_allclose(C.video_timestamps(buf, fmt, 5, 20, 3), [0.5, 0.8, 1.1, 1.4, 1.7], atol=1e-6)
    np.testing.assert_allclose(C.video_timestamps(buf, fmt, None, None, -10), [2.9, 1.9, 0.9], atol=1e-6)


def test_sample_info(clip):
    fmt, buf = clip
    info = C.read_sample_info(buf, fmt, filename="clip." + fmt)
    assert info["fps"] == 10.0
    assert info["duration"] * info["timebase"] == pytest.approx(3.0)
    assert info["shape"] == (30, 48, 64, 3)
    assert info["format"] == fmt and info["filename"] == "clip." + fmt
    assert list(info) == ["duration", "fps", "timebase", "shape", "format", "filename"]


def test_reference_values_for_mp4_header():
    # deeplake 3.8.22 reports these for a 30-frame 10 fps libx264 mp4 (mp4 timebase 1/10240).
    buf = make_video("mp4", frames=30, fps=10)
    info = C.read_sample_info(buf, "mp4")
    assert (info["duration"], info["fps"], info["timebase"]) == (30720, 10.0, 1 / 10240)


def test_seeking_decodes_fewer_frames(monkeypatch):
    buf = make_video("mp4", frames=60, gop=10)
    decoded = []
    original = video._decode_into

    def counting(out, wanted, buf_, compression, table):
        import av

        real_decode = av.packet.Packet.decode

        def spy(packet):
            frames = real_decode(packet)
            decoded.extend(frames)
            return frames

        monkeypatch.setattr(av.packet.Packet, "decode", spy)
        try:
            return original(out, wanted, buf_, compression, table)
        finally:
            monkeypatch.setattr(av.packet.Packet, "decode", real_decode)

    monkeypatch.setattr(video, "_decode_into", counting)
    try:
        tail = C.decompress_array(buf, "mp4", start=55, stop=57)
    except TypeError:
        pytest.skip("this PyAV's Packet type cannot be patched")
    assert [frame_index(f) for f in tail] == [55, 56]
    assert len(decoded) < 20  # from the keyframe at 50, not from 0


def test_video_is_never_encoded_from_arrays():
    with pytest.raises(Exception, match="deeplake.read"):
        C.compress_array(np.zeros((2, 4, 4, 3), np.uint8), "mp4")


@pytest.mark.parametrize("fmt", FORMATS)
def test_corrupt_bytes_name_the_format(fmt):
    garbage = b"\x00\x01garbage" * 50
    with pytest.raises(SampleDecompressionError, match=f"{fmt} file"):
        C.decompress_array(garbage, fmt)
    with pytest.raises(CorruptedSampleError, match=f"{fmt} file"):
        C.read_shape_from_bytes(garbage, fmt)
    with pytest.raises(SampleDecompressionError, match=f"{fmt} file"):
        C.video_timestamps(garbage, fmt)


def test_truncated_video_fails_verification(clip):
    fmt, buf = clip
    assert C.verify_compressed(buf, fmt).shape == (30, 48, 64, 3)
    with pytest.raises((CorruptedSampleError, SampleDecompressionError)):
        C.verify_compressed(buf[: len(buf) // 8], fmt)


def test_audio_only_file_has_no_video_stream():
    from media_samples import make_wav

    with pytest.raises(CorruptedSampleError, match="no video stream"):
        C.read_shape_from_bytes(make_wav(), "mp4")


def test_timestamps_are_for_video_only():
    with pytest.raises(ValueError):
        C.video_timestamps(b"", "wav")


def test_missing_pyav_names_the_extra(monkeypatch, clip):
    fmt, buf = clip
    monkeypatch.setitem(sys.modules, "av", None)
    with pytest.raises(ModuleNotInstalledException, match=r'deeplake\[av\]'):
        C.decompress_array(buf, fmt)
