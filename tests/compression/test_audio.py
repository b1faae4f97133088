"""Audio codecs (mp3, flac, wav over PyAV): (samples, channels) float32, header, sample_info."""

import sys

import numpy as np
import pytest

pytest.importorskip("av")

import deeplake.compression as C  # noqa: E402
from deeplake.errors import (  # noqa: E402
    CorruptedSampleError,
    ModuleNotInstalledException,
    SampleDecompressionError,
)
from media_samples import make_audio, make_wav, sine  # noqa: E402


def test_stereo_wav_decodes_to_raw_pcm_values():
    buf = make_wav(rate=16000, seconds=1.0, channels=2)
    array = C.decompress_array(buf, "wav")
    assert array.shape == (16000, 2) and array.dtype == np.float32
    # Unscaled 16-bit values, as the reference returns them.
    expected = (sine(16000, 1.0, 2) * 32767).astype("<i2").astype(np.float32)
    np.testing.assert_array_equal(array, expected)


def test_mono_wav_header_and_values():
    buf = make_wav(channels=1)
    assert C.read_shape_from_bytes(buf, "wav") == (16000, 1)
    assert C.read_header_from_bytes(buf) == C.SampleHeader((16000, 1), "<f4", "wav")
    array = C.decompress_array(buf, "wav")
    # The reference reads [0, -2816, -5549] at samples 1000..1002 of this 440 Hz tone.
    np.testing.assert_array_equal(array[1000:1003, 0], [0.0, -2816.0, -5549.0])


def test_tensor_dtype_cast_float64():
    buf = make_wav(channels=1)
    array = C.decompress_array(buf, "wav", (16000, 1), "float64")
    assert array.dtype == np.float64


def test_flac_is_lossless():
    buf = make_audio("flac", channels=1)
    array = C.decompress_array(buf, "flac")
    assert array.shape == C.read_shape_from_bytes(buf, "flac") == (16000, 1)
    expected = (sine(16000, 1.0, 1) * 32767).astype(np.int16).astype(np.float32)
    np.testing.assert_array_equal(array, expected)


def test_mp3_decodes_float_samples_of_header_length():
    buf = make_audio("mp3", channels=1)
    shape = C.read_shape_from_bytes(buf, "mp3")
    array = C.decompress_array(buf, "mp3")
    assert array.shape == shape and shape[1] == 1
    assert abs(shape[0] - 16000) < 2000
    assert np.abs(array).max() <= 1.0 and np.abs(array).max() > 0.3


def test_stereo_mp3():
    buf = make_audio("mp3", channels=2)
    array = C.decompress_array(buf, "mp3")
    assert array.ndim == 2 and array.shape[1] == 2


@pytest.mark.parametrize("fmt", ["wav", "flac", "mp3"])
def test_sample_info_keys_and_values(fmt):
    buf = make_wav(channels=1) if fmt == "wav" else make_audio(fmt, channels=1)
    info = C.read_sample_info(buf, fmt, filename=f"a.{fmt}")
    assert list(info) == ["duration", "time_base", "sample_rate", "frame_size", "nchannels",
                          "sample_format", "shape", "format", "filename"]
    assert info["sample_rate"] == 16000 and info["nchannels"] == 1
    assert info["duration"] * info["time_base"] == pytest.approx(info["shape"][0] / 16000, abs=0.1)
    assert info["format"] == fmt and info["filename"] == f"a.{fmt}"
    assert info["sample_format"] == {"wav": "s16", "flac": "s16", "mp3": "fltp"}[fmt]


def test_reference_wav_sample_info():
    info = C.read_sample_info(make_wav(channels=1), "wav")
    assert {k: info[k] for k in ("duration", "time_base", "sample_rate", "frame_size", "nchannels")} == {
        "duration": 16000, "time_base": 6.25e-05, "sample_rate": 16000, "frame_size": 0, "nchannels": 1,
    }


def test_frame_ranges_are_for_video_only():
    with pytest.raises(ValueError):
        C.decompress_array(make_wav(), "wav", start=0, stop=10)


@pytest.mark.parametrize("fmt", ["wav", "flac", "mp3"])
def test_corrupt_bytes_name_the_format(fmt):
    garbage = b"RIFF\x00\x00garbage" * 40
    with pytest.raises(SampleDecompressionError, match=f"{fmt} file"):
        C.decompress_array(garbage, fmt)
    with pytest.raises(CorruptedSampleError, match=f"{fmt} file"):
        C.read_shape_from_bytes(garbage, fmt)


def test_video_file_has_no_audio_stream():
    from media_samples import make_video

    with pytest.raises(CorruptedSampleError, match="no audio stream"):
        C.read_shape_from_bytes(make_video("mkv", frames=3), "wav")


def test_verify():
    buf = make_wav()
    assert C.verify_compressed(buf, "wav").shape == (16000, 2)


def test_audio_is_never_encoded_from_arrays():
    with pytest.raises(Exception, match="deeplake.read"):
        C.compress_array(np.zeros((100, 1), np.float32), "wav")


def test_missing_pyav_names_the_extra(monkeypatch):
    buf = make_wav()
    monkeypatch.setitem(sys.modules, "av", None)
    with pytest.raises(ModuleNotInstalledException, match=r'deeplake\[av\]'):
        C.read_shape_from_bytes(buf, "wav")


@pytest.mark.parametrize("fmt", ["wav", "flac", "mp3"])
def test_format_detected_from_bytes(fmt):
    buf = make_wav() if fmt == "wav" else make_audio(fmt)
    assert C.compression_from_bytes(buf) == fmt
    assert C.read_header_from_bytes(buf).compression == fmt
