"""Audio codecs (mp3, flac, wav) over PyAV: decode-only, from file bytes.

Audio decodes to ``(samples, channels)`` float32 holding the decoder's sample
values unscaled, as the reference does: 16-bit PCM (wav, flac) gives values
in [-32768, 32767], mp3 (planar float) gives values in [-1, 1]. Tensors of
htype ``audio`` then cast to their dtype (float64 by default).

The sample count comes from the header (``floor(sample_rate * duration *
timebase)``); decoded output is padded with zeros or cut to it so that it
matches the shape recorded at append time. A header without a duration
gives ``(0, channels)``, and decoding then returns every decoded sample.
"""

from __future__ import annotations

import math
from typing import Tuple

import numpy as np

from deeplake.compression._av import Buffer, fraction_to_float, import_av, open_stream
from deeplake.errors import CorruptedSampleError, SampleDecompressionError


def _channels(stream) -> int:
    layout = getattr(stream, "layout", None)
    if layout is not None and getattr(layout, "nb_channels", None):
        return int(layout.nb_channels)
    return int(stream.channels)


def _duration_and_timebase(container, stream):
    if stream.duration:
        return stream.duration, fraction_to_float(stream.time_base)
    av = import_av("audio")
    return container.duration, 1 / av.time_base


def _shape_of(container, stream) -> Tuple[int, int]:
    duration, timebase = _duration_and_timebase(container, stream)
    if duration is None:
        return (0, _channels(stream))
    samples = math.floor(stream.sample_rate * duration * timebase)
    return (max(samples, 0), _channels(stream))


def read_shape(buf: Buffer, compression: str) -> Tuple[int, int]:
    """``(samples, channels)`` from the header, without decoding.

    Raises:
        CorruptedSampleError: the bytes are not a readable audio file.
    """
    container, stream = open_stream(buf, compression, "audio", header_only=True)
    try:
        return _shape_of(container, stream)
    finally:
        container.close()


def read_sample_info(buf: Buffer, compression: str) -> dict:
    """The reference's audio sample_info fields.

    ``duration`` (in ``time_base`` units), ``time_base`` (seconds),
    ``sample_rate``, ``frame_size``, ``nchannels`` and ``sample_format``
    (FFmpeg's name, e.g. ``s16`` or ``fltp``).
    """
    container, stream = open_stream(buf, compression, "audio", header_only=True)
    try:
        duration, timebase = _duration_and_timebase(container, stream)
        return {
            "duration": duration,
            "time_base": timebase,
            "sample_rate": stream.sample_rate,
            "frame_size": stream.frame_size,
            "nchannels": _channels(stream),
            "sample_format": stream.format.name,
        }
    finally:
        container.close()


def _frame_samples(frame, channels: int) -> np.ndarray:
    """One decoded frame as (samples, channels) float32."""
    data = frame.to_ndarray()
    if frame.format.is_planar:
        return data.T.astype(np.float32)
    return data.reshape(-1, channels).astype(np.float32)


def decompress(buf: Buffer, compression: str) -> np.ndarray:
    """Decode the whole file into ``(samples, channels)`` float32.

    Raises:
        SampleDecompressionError: the bytes are not decodable audio.
    """
    container, stream = open_stream(buf, compression, "audio", header_only=False)
    try:
        shape = _shape_of(container, stream)
        channels = shape[1]
        parts = []
        for frame in container.decode(stream):
            if not frame.is_corrupt:
                parts.append(_frame_samples(frame, channels))
    except SampleDecompressionError:
        raise
    except Exception as e:
        raise SampleDecompressionError(
            f"Unable to decompress {compression} file: decoding failed ({e})."
        ) from e
    finally:
        container.close()
    decoded = np.concatenate(parts) if parts else np.zeros((0, channels), np.float32)
    if shape[0] == 0:
        return decoded
    out = np.zeros(shape, dtype=np.float32)
    n = min(shape[0], decoded.shape[0])
    out[:n] = decoded[:n]
    return out


def verify(buf: Buffer, compression: str) -> Tuple[int, int]:
    """Decode every frame to prove the file is whole; returns its header shape."""
    shape = read_shape(buf, compression)
    try:
        decompress(buf, compression)
    except SampleDecompressionError as e:
        raise CorruptedSampleError(str(e)) from e
    return shape
