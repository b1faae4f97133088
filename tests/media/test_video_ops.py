"""Tensor.timestamps and Tensor.play for video tensors (PyAV-made files, no decoding needed)."""
import io
import os

import numpy as np
import pytest

import deeplake

av = pytest.importorskip("av")


@pytest.fixture
def mp4(tmp_path):
    buf = io.BytesIO()
    with av.open(buf, "w", format="mp4") as c:
        s = c.add_stream("mpeg4", rate=10)
        s.width, s.height, s.pix_fmt = 32, 24, "yuv420p"
        for i in range(12):
            frame = av.VideoFrame.from_ndarray(np.full((24, 32, 3), i * 10, np.uint8), format="rgb24")
            for p in s.encode(frame):
                c.mux(p)
        for p in s.encode():
            c.mux(p)
    path = tmp_path / "v.mp4"
    path.write_bytes(buf.getvalue())
    return path


def test_tensor_timestamps_and_play(mp4):
    ds = deeplake.empty("mem://videos")
    ds.create_tensor("videos", htype="video", sample_compression="mp4")
    ds.videos.append(deeplake.read(str(mp4)))
    assert ds.videos.shape == (1, 12, 24, 32, 3)
    assert ds.videos[0].tobytes() == mp4.read_bytes()
    ts = ds.videos[0].timestamps
    assert ts.dtype == np.float32 and len(ts) == 12
    np.testing.assert_allclose(ts, np.arange(12) / 10, atol=1e-6)
    np.testing.assert_allclose(ds.videos[0, 5:10].timestamps, np.arange(5, 10) / 10, atol=1e-6)
    path = ds.videos[0].play()
    assert os.path.exists(path) and open(path, "rb").read() == mp4.read_bytes()
    assert ds.videos[0].play() == path  # written once


def test_timestamps_and_play_need_a_video_sample(mp4):
    ds = deeplake.empty("mem://novideo")
    ds.create_tensor("x")
    ds.x.append(np.zeros(3))
    with pytest.raises(ValueError):
        ds.x[0].timestamps
    with pytest.raises(ValueError):
        ds.x[0].play()


def test_frame_range_reads_decode_only_the_selection(mp4, monkeypatch):
    import deeplake.compression as C

    ds = deeplake.empty("mem://frames")
    ds.create_tensor("videos", htype="video", sample_compression="mp4")
    ds.videos.append(deeplake.read(str(mp4)))
    full = ds.videos[0].numpy()
    assert full.shape == (12, 24, 32, 3)
    calls = []
    real = C.decompress_array
    monkeypatch.setattr(C, "decompress_array", lambda *a, **k: calls.append(k) or real(*a, **k))
    np.testing.assert_array_equal(ds.videos[0, 5:10].numpy(), full[5:10])
    assert calls[-1]["start"] == 5 and calls[-1]["stop"] == 10
    np.testing.assert_array_equal(ds.videos[0, -1].numpy(), full[-1])
    np.testing.assert_array_equal(ds.videos[0, 2:9:3, 4:8].numpy(), full[2:9:3, 4:8])
    with pytest.raises(IndexError):
        ds.videos[0, 40].numpy()
    assert ds.videos[0].sample_info["fps"] == 10.0
    data = ds.videos[0].data()
    assert set(data) == {"frames", "timestamps", "sample_info"} and data["frames"].shape == (12, 24, 32, 3)


def test_raw_frames_only_into_uncompressed_video_tensors(mp4):
    from deeplake.errors import SampleCompressionError

    ds = deeplake.empty("mem://rawvideo")
    ds.create_tensor("videos", htype="video", sample_compression="mp4")
    with pytest.raises(SampleCompressionError):
        ds.videos.append(np.zeros((2, 4, 4, 3), np.uint8))
    assert len(ds.videos) == 0
    ds.create_tensor("raw", htype="video", sample_compression=None)
    ds.raw.append(np.zeros((2, 4, 4, 3), np.uint8))
    ds.raw.append(deeplake.read(str(mp4)))
    assert ds.raw[1].numpy().shape == (12, 24, 32, 3)


def test_audio_read_sample(tmp_path):
    import wave

    p = tmp_path / "a.wav"
    with wave.open(str(p), "wb") as w:
        w.setnchannels(2)
        w.setsampwidth(2)
        w.setframerate(8000)
        w.writeframes((np.arange(1600) % 100).astype("<i2").tobytes())
    ds = deeplake.empty("mem://audio")
    ds.create_tensor("audio", htype="audio", sample_compression="wav")
    ds.audio.append(deeplake.read(str(p)))
    assert ds.audio.shape == (1, 800, 2) and ds.audio[0].numpy().dtype == np.float64
    assert ds.audio[0].tobytes() == p.read_bytes()
    assert ds.audio[0].sample_info["sample_rate"] == 8000
